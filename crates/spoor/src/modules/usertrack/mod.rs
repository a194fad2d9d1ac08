//! httpd's mod_usertrack.c: what spoor does in its place.
//!
//! [`config`] holds the module's directive table; `hooks` its request
//! phases ([`crate::hooks`]).

pub mod config;
pub mod cookie;
pub(crate) mod hooks;

use super::ModuleDef;

/// `usertrack_module` (`mod_usertrack.c`).
pub const USERTRACK: ModuleDef = ModuleDef {
    ident: "usertrack_module",
    source: "mod_usertrack.c",
    builtin: false,
    directives: config::DIRECTIVES,
    log_items: &[],
};
