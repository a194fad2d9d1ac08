//! httpd's mod_log_config.c: what spoor does in its place.
//!
//! [`config`] holds the module's directive table; `hooks` its request
//! phases ([`crate::hooks`]).

pub mod config;
pub(crate) mod hooks;

use super::ModuleDef;

/// `log_config_module` (`mod_log_config.c`).
pub const LOG_CONFIG: ModuleDef = ModuleDef {
    ident: "log_config_module",
    source: "mod_log_config.c",
    builtin: true,
    directives: config::DIRECTIVES,
    log_items: &[],
};
