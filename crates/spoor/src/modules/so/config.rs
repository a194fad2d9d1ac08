//! The directives of mod_so.c, as `spoor -L` lists them.

use crate::modules::{Context, DirectiveDef, Parse};

/// The directives of `mod_so.c` spoor accepts.
pub const DIRECTIVES: &[DirectiveDef] = &[DirectiveDef {
    name: "LoadModule",
    context: Context::Server,
    parse: Parse::Model,
    about: "Accepted for the modules spoor implements itself; refused for any other",
}];
