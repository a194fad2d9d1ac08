//! The directives of mod_log_forensic.c, as `spoor -L` lists them.

use crate::config::error::ConfigError;
use crate::config::model::nargs;
use crate::config::model::Cmd;
use crate::modules::{Context, DirectiveDef, Parse};

/// The directives of `mod_log_forensic.c` spoor accepts.
pub const DIRECTIVES: &[DirectiveDef] = &[DirectiveDef {
    name: "ForensicLog",
    context: Context::Server,
    parse: Parse::Fn(forensic_log),
    about: "The forensic log: each request before and after it is handled",
}];

/// `ForensicLog target`.
fn forensic_log(cmd: &mut Cmd) -> Result<(), ConfigError> {
    cmd.server_only()?;
    nargs(cmd.d, 1, 1, "the filename of the forensic log")?;
    cmd.srv.forensic_log = Some(cmd.d.args[0].clone());
    Ok(())
}
