//! The directives of mod_log_forensic.c, as `spoor -L` lists them.

use crate::modules::{Context, DirectiveDef, Parse};

/// The directives of `mod_log_forensic.c` spoor accepts.
pub const DIRECTIVES: &[DirectiveDef] = &[DirectiveDef {
    name: "ForensicLog",
    context: Context::Server,
    parse: Parse::Model,
    about: "The forensic log: each request before and after it is handled",
}];
