//! httpd's mod_authz_core.c: what spoor does in its place.
//!
//! [`config`] holds the module's directive table; `hooks` its request
//! phases ([`crate::hooks`]).

pub mod config;
pub mod dirconf;
pub(crate) mod hooks;

use super::ModuleDef;

/// `authz_core_module` (`mod_authz_core.c`).
pub const AUTHZ_CORE: ModuleDef = ModuleDef {
    ident: "authz_core_module",
    source: "mod_authz_core.c",
    builtin: false,
    directives: config::DIRECTIVES,
    log_items: &[],
};
