//! `RequestReadTimeout` (mod_reqtimeout.c): its table entry and its
//! parser, which reads each word with [`super::stages::apply_word`].

use super::stages::apply_word;
use crate::config::error::ConfigError;
use crate::config::model::Cmd;
use crate::modules::{Context, DirectiveDef, Parse};

/// The directives of `mod_reqtimeout.c`.
pub const DIRECTIVES: &[DirectiveDef] = &[DirectiveDef {
    name: "RequestReadTimeout",
    context: Context::Server,
    parse: Parse::Fn(request_read_timeout),
    about: "Time limits and minimum rates for reading request headers and bodies",
}];

/// `RequestReadTimeout`, into the scope's server record.
fn request_read_timeout(cmd: &mut Cmd) -> Result<(), ConfigError> {
    cmd.server_only()?;
    let d = cmd.d;
    let stages = &mut cmd.srv.reqtimeout;
    for word in &d.args {
        apply_word(stages, word).map_err(|m| ConfigError::directive(d, m))?;
    }
    Ok(())
}
