//! The directives of mod_dir.c, as `spoor -L` lists them.

use crate::modules::{Context, DirectiveDef, Parse};

/// The directives of `mod_dir.c` spoor accepts.
pub const DIRECTIVES: &[DirectiveDef] = &[DirectiveDef {
    name: "DirectoryIndex",
    context: Context::Anywhere,
    parse: Parse::Model,
    about: "The files served for a request naming a directory",
}];
