//! httpd's mod_log_forensic.c: what spoor does in its place.
//!
//! [`config`] holds the module's directive table; `hooks` its request
//! phases ([`crate::hooks`]).

pub mod config;
pub(crate) mod hooks;
pub mod state;

use super::ModuleDef;

/// `log_forensic_module` (`mod_log_forensic.c`).
pub const LOG_FORENSIC: ModuleDef = ModuleDef {
    ident: "log_forensic_module",
    source: "mod_log_forensic.c",
    builtin: false,
    directives: config::DIRECTIVES,
    log_items: &[],
};
