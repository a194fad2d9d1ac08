//! The directives of mod_dir.c, as `spoor -L` lists them.

use crate::config::error::ConfigError;
use crate::config::model::Cmd;
use crate::modules::{Context, DirectiveDef, Parse};

/// The directives of `mod_dir.c` spoor accepts.
pub const DIRECTIVES: &[DirectiveDef] = &[DirectiveDef {
    name: "DirectoryIndex",
    context: Context::Anywhere,
    parse: Parse::Fn(directory_index),
    about: "The files served for a request naming a directory",
}];

/// `DirectoryIndex name…|disabled` (no argument: no change, as httpd).
fn directory_index(cmd: &mut Cmd) -> Result<(), ConfigError> {
    let d = cmd.d;
    let list = cmd.srv.dir.dir.names.get_or_insert_with(Vec::new);
    for a in &d.args {
        if a.eq_ignore_ascii_case("disabled") {
            if d.args.len() > 1 {
                return Err(ConfigError::directive(
                    d,
                    "Error: 'disabled' must be the only argument for DirectoryIndex",
                ));
            }
            list.clear();
        } else {
            list.push(a.clone());
        }
    }
    if d.args.is_empty() && list.is_empty() {
        cmd.srv.dir.dir.names = None;
    }
    Ok(())
}
