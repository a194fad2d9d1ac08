//! The directives of mod_unixd.c, as `spoor -L` lists them.

use crate::modules::{Context, DirectiveDef, Parse};

/// The directives of `mod_unixd.c` spoor accepts.
pub const DIRECTIVES: &[DirectiveDef] = &[
    DirectiveDef {
        name: "User",
        context: Context::Server,
        parse: Parse::Model,
        about: "The account a server started as root serves as",
    },
    DirectiveDef {
        name: "Group",
        context: Context::Server,
        parse: Parse::Model,
        about: "The group a server started as root serves as",
    },
];
