//! The directives of mod_so.c, as `spoor -L` lists them.

use crate::config::error::ConfigError;
use crate::config::model::nargs;
use crate::config::model::Cmd;
use crate::modules::module;
use crate::modules::{Context, DirectiveDef, Parse};

/// The directives of `mod_so.c` spoor accepts.
pub const DIRECTIVES: &[DirectiveDef] = &[DirectiveDef {
    name: "LoadModule",
    context: Context::Server,
    parse: Parse::Fn(load_module),
    about: "Accepted for the modules spoor implements itself; refused for any other",
}];

/// `LoadModule ident file`: the module must be one spoor implements (the
/// model enabled it before walking the tree, as httpd loads while reading).
fn load_module(cmd: &mut Cmd) -> Result<(), ConfigError> {
    cmd.global_only()?;
    let d = cmd.d;
    nargs(
        d,
        2,
        2,
        "a module name and the name of a shared object file to load it from",
    )?;
    let Some(m) = module(&d.args[0]) else {
        return Err(cmd.error(format!(
            "spoor does not provide module {} (modules spoor implements natively are accepted; others are not)",
            d.args[0]
        )));
    };
    debug_assert!(m.builtin || cmd.settings.loaded.contains(&m.ident));
    cmd.settings.unique_id |= d.args[0] == "unique_id_module";
    Ok(())
}
