//! httpd's mod_setenvif.c: what spoor does in its place.
//!
//! [`config`] holds the module's directive table; `hooks` its request
//! phases ([`crate::hooks`]).

pub mod config;
pub(crate) mod hooks;

use super::ModuleDef;

/// `setenvif_module` (`mod_setenvif.c`).
pub const SETENVIF: ModuleDef = ModuleDef {
    ident: "setenvif_module",
    source: "mod_setenvif.c",
    builtin: false,
    directives: config::DIRECTIVES,
    log_items: &[],
};
