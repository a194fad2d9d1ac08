//! httpd's mod_logio.c: what spoor does in its place.
//!
//! [`config`] holds the module's directive table.

pub mod config;

use super::ModuleDef;

/// `logio_module` (`mod_logio.c`).
pub const LOGIO: ModuleDef = ModuleDef {
    ident: "logio_module",
    source: "mod_logio.c",
    builtin: true,
    directives: config::DIRECTIVES,
    log_items: &["I", "O", "S", "^FB"],
};
