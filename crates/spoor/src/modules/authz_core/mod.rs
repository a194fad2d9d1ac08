//! httpd's mod_authz_core.c: what spoor does in its place.
//!
//! [`config`] holds the module's directive table.

pub mod config;

use super::ModuleDef;

/// `authz_core_module` (`mod_authz_core.c`).
pub const AUTHZ_CORE: ModuleDef = ModuleDef {
    ident: "authz_core_module",
    source: "mod_authz_core.c",
    builtin: false,
    directives: config::DIRECTIVES,
};
