//! The directives of mod_setenvif.c, as `spoor -L` lists them.

use crate::modules::{Context, DirectiveDef, Parse};

/// The directives of `mod_setenvif.c` spoor accepts.
pub const DIRECTIVES: &[DirectiveDef] = &[
    DirectiveDef {
        name: "SetEnvIf",
        context: Context::Anywhere,
        parse: Parse::Model,
        about: "Sets variables when a request attribute matches a regular expression",
    },
    DirectiveDef {
        name: "SetEnvIfNoCase",
        context: Context::Anywhere,
        parse: Parse::Model,
        about: "SetEnvIf with a case-insensitive match",
    },
    DirectiveDef {
        name: "BrowserMatch",
        context: Context::Anywhere,
        parse: Parse::Model,
        about: "Sets variables when the User-Agent matches",
    },
    DirectiveDef {
        name: "BrowserMatchNoCase",
        context: Context::Anywhere,
        parse: Parse::Model,
        about: "BrowserMatch with a case-insensitive match",
    },
];
