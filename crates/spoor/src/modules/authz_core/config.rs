//! The directives of mod_authz_core.c, as `spoor -L` lists them.

use crate::modules::{Context, DirectiveDef, Parse};

/// The directives of `mod_authz_core.c` spoor accepts.
pub const DIRECTIVES: &[DirectiveDef] = &[DirectiveDef {
    name: "Require",
    context: Context::Inside,
    parse: Parse::Model,
    about: "Who may access a resource (all granted, all denied)",
}];
