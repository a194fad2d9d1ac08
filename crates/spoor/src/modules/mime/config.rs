//! The directives of mod_mime.c, as `spoor -L` lists them.

use crate::config::model::nargs;
use crate::config::{Cmd, ConfigError};
use crate::modules::{Context, DirectiveDef, Parse};

/// The directives of `mod_mime.c` spoor accepts.
pub const DIRECTIVES: &[DirectiveDef] = &[
    DirectiveDef {
        name: "TypesConfig",
        context: Context::Server,
        parse: Parse::Fn(types_config),
        about: "The file mapping file name extensions to content types",
    },
    DirectiveDef {
        name: "AddType",
        context: Context::Anywhere,
        parse: Parse::Fn(add_type),
        about: "A content type for file name extensions",
    },
];

/// `TypesConfig file`, relative to ServerRoot.
fn types_config(cmd: &mut Cmd) -> Result<(), ConfigError> {
    cmd.global_only()?;
    nargs(cmd.d, 1, 1, "the MIME types config file")?;
    cmd.settings.types_config = Some(cmd.settings.root_relative(&cmd.d.args[0]));
    Ok(())
}

/// `AddType type ext…`: a later line for the same extension replaces it.
fn add_type(cmd: &mut Cmd) -> Result<(), ConfigError> {
    let d = cmd.d;
    if d.args.len() < 2 {
        return Err(cmd.error("AddType requires at least two arguments, a mime type followed by one or more file extensions"));
    }
    let ty = d.args[0].to_ascii_lowercase();
    let types = &mut cmd.srv.dir.mime.types;
    for ext in &d.args[1..] {
        let ext = ext.trim_start_matches('.').to_ascii_lowercase();
        types.retain(|(e, _)| *e != ext);
        types.push((ext, ty.clone()));
    }
    Ok(())
}
