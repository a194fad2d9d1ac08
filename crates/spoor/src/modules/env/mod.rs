//! httpd's mod_env.c: what spoor does in its place.
//!
//! [`config`] holds the module's directive table; `hooks` its request
//! phases ([`crate::hooks`]).

pub mod config;
pub(crate) mod hooks;

use super::ModuleDef;

/// `env_module` (`mod_env.c`).
pub const ENV: ModuleDef = ModuleDef {
    ident: "env_module",
    source: "mod_env.c",
    builtin: false,
    directives: config::DIRECTIVES,
    log_items: &[],
};
