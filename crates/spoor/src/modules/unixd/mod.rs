//! httpd's mod_unixd.c: what spoor does in its place.
//!
//! [`config`] holds the module's directive table.

pub mod config;

use super::ModuleDef;

/// `unixd_module` (`mod_unixd.c`).
pub const UNIXD: ModuleDef = ModuleDef {
    ident: "unixd_module",
    source: "mod_unixd.c",
    builtin: true,
    directives: config::DIRECTIVES,
    log_items: &[],
};
