//! httpd's mod_dir.c: what spoor does in its place.
//!
//! [`config`] holds the module's directive table.

pub mod config;
pub mod dirconf;

use super::ModuleDef;

/// `dir_module` (`mod_dir.c`).
pub const DIR: ModuleDef = ModuleDef {
    ident: "dir_module",
    source: "mod_dir.c",
    builtin: false,
    directives: config::DIRECTIVES,
    log_items: &[],
};
