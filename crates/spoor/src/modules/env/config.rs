//! The directives of mod_env.c, as `spoor -L` lists them.

use crate::config::error::ConfigError;
use crate::config::model::Cmd;
use crate::modules::{Context, DirectiveDef, Parse};

/// The directives of `mod_env.c` spoor accepts.
pub const DIRECTIVES: &[DirectiveDef] = &[
    DirectiveDef {
        name: "SetEnv",
        context: Context::Anywhere,
        parse: Parse::Fn(env),
        about: "Sets an environment variable for the request",
    },
    DirectiveDef {
        name: "UnsetEnv",
        context: Context::Anywhere,
        parse: Parse::Fn(env),
        about: "Removes an environment variable for the request",
    },
    DirectiveDef {
        name: "PassEnv",
        context: Context::Anywhere,
        parse: Parse::Fn(env),
        about: "Not supported by spoor yet: copies variables of the server's environment",
    },
];

/// `SetEnv`, `UnsetEnv`, `PassEnv` (refused: not supported yet), into the
/// scope's environment settings.
fn env(cmd: &mut Cmd) -> Result<(), ConfigError> {
    let d = cmd.d;
    if let Some(w) = cmd
        .srv
        .env
        .settings
        .add_directive(&d.name, &d.args)
        .map_err(|m| ConfigError::directive(d, m))?
    {
        cmd.warn(w);
    }
    Ok(())
}
