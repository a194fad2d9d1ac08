//! The directives of mod_mime.c, as `spoor -L` lists them.

use crate::modules::{Context, DirectiveDef};

/// The directives of `mod_mime.c` spoor accepts.
pub const DIRECTIVES: &[DirectiveDef] = &[
    DirectiveDef {
        name: "TypesConfig",
        context: Context::Server,
        about: "The file mapping file name extensions to content types",
    },
    DirectiveDef {
        name: "AddType",
        context: Context::Anywhere,
        about: "A content type for file name extensions",
    },
];
