//! The directives of mod_env.c, as `spoor -L` lists them.

use crate::modules::{Context, DirectiveDef, Parse};

/// The directives of `mod_env.c` spoor accepts.
pub const DIRECTIVES: &[DirectiveDef] = &[
    DirectiveDef {
        name: "SetEnv",
        context: Context::Anywhere,
        parse: Parse::Model,
        about: "Sets an environment variable for the request",
    },
    DirectiveDef {
        name: "UnsetEnv",
        context: Context::Anywhere,
        parse: Parse::Model,
        about: "Removes an environment variable for the request",
    },
];
