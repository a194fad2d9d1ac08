//! The directive of mod_authn_file.c, as `spoor -L` lists it.

use std::sync::Arc;

use crate::config::error::ConfigError;
use crate::config::model::nargs;
use crate::config::model::Cmd;
use crate::modules::authz_core::config::inside_only;
use crate::modules::{Context, DirectiveDef, Parse};

/// The directives of `mod_authn_file.c`.
pub const DIRECTIVES: &[DirectiveDef] = &[DirectiveDef {
    name: "AuthUserFile",
    context: Context::Inside,
    parse: Parse::Fn(user_file),
    about: "The password file (htpasswd's format), relative to the ServerRoot",
}];

/// `AuthUserFile path`.
fn user_file(cmd: &mut Cmd) -> Result<(), ConfigError> {
    inside_only(cmd, "AuthUserFile")?;
    nargs(cmd.d, 1, 1, "text file containing user IDs and passwords")?;
    let p = cmd.settings.root_relative(&cmd.d.args[0]);
    cmd.srv.dir.authn_file.file = Some(Arc::new(p));
    Ok(())
}
