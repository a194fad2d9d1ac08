//! httpd's mod_unique_id.c: what spoor does in its place.
//!
//! [`config`] holds the module's directive table; `hooks` its request
//! phases ([`crate::hooks`]).

pub mod config;
pub(crate) mod hooks;

use super::ModuleDef;

/// `unique_id_module` (`mod_unique_id.c`).
pub const UNIQUE_ID: ModuleDef = ModuleDef {
    ident: "unique_id_module",
    source: "mod_unique_id.c",
    builtin: false,
    directives: config::DIRECTIVES,
    log_items: &[],
};
