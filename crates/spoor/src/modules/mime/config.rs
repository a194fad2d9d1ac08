//! The directives of mod_mime.c, as `spoor -L` lists them.

use crate::modules::{Context, DirectiveDef, Parse};

/// The directives of `mod_mime.c` spoor accepts.
pub const DIRECTIVES: &[DirectiveDef] = &[
    DirectiveDef {
        name: "TypesConfig",
        context: Context::Server,
        parse: Parse::Model,
        about: "The file mapping file name extensions to content types",
    },
    DirectiveDef {
        name: "AddType",
        context: Context::Anywhere,
        parse: Parse::Model,
        about: "A content type for file name extensions",
    },
];
