//! The directives of mod_setenvif.c, as `spoor -L` lists them.

use crate::config::error::ConfigError;
use crate::config::model::Cmd;
use crate::modules::{Context, DirectiveDef, Parse};

/// The directives of `mod_setenvif.c` spoor accepts.
pub const DIRECTIVES: &[DirectiveDef] = &[
    DirectiveDef {
        name: "SetEnvIf",
        context: Context::Anywhere,
        parse: Parse::Fn(set_env_if),
        about: "Sets variables when a request attribute matches a regular expression",
    },
    DirectiveDef {
        name: "SetEnvIfNoCase",
        context: Context::Anywhere,
        parse: Parse::Fn(set_env_if),
        about: "SetEnvIf with a case-insensitive match",
    },
    DirectiveDef {
        name: "BrowserMatch",
        context: Context::Anywhere,
        parse: Parse::Fn(set_env_if),
        about: "Sets variables when the User-Agent matches",
    },
    DirectiveDef {
        name: "BrowserMatchNoCase",
        context: Context::Anywhere,
        parse: Parse::Fn(set_env_if),
        about: "BrowserMatch with a case-insensitive match",
    },
    DirectiveDef {
        name: "SetEnvIfExpr",
        context: Context::Anywhere,
        parse: Parse::Fn(set_env_if),
        about: "Not supported by spoor yet: sets variables by an expression",
    },
];

/// `SetEnvIf`, `SetEnvIfNoCase`, `BrowserMatch`, `BrowserMatchNoCase`,
/// `SetEnvIfExpr` (refused: no expression evaluator yet), into the scope's
/// rules.
fn set_env_if(cmd: &mut Cmd) -> Result<(), ConfigError> {
    let d = cmd.d;
    // The rules have no warnings (only SetEnv has).
    cmd.srv
        .env
        .add_directive(&d.name, &d.args)
        .map_err(|m| ConfigError::directive(d, m))?;
    Ok(())
}
