//! httpd's mod_so.c: what spoor does in its place.
//!
//! [`config`] holds the module's directive table.

pub mod config;

use super::ModuleDef;

/// `so_module` (`mod_so.c`).
pub const SO: ModuleDef = ModuleDef {
    ident: "so_module",
    source: "mod_so.c",
    builtin: true,
    directives: config::DIRECTIVES,
    log_items: &[],
};
