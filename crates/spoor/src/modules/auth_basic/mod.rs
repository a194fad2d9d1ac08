//! httpd's mod_auth_basic.c: what spoor does in its place.
//!
//! [`config`] holds `AuthBasicProvider` and `AuthBasicAuthoritative`,
//! [`dirconf`] their per-directory record; `hooks` the check-user-id hook
//! (the `Authorization: Basic` field, the provider's answer, the 401 and
//! its `WWW-Authenticate`).

pub mod config;
pub mod dirconf;
pub(crate) mod hooks;

use super::ModuleDef;

/// `auth_basic_module` (`mod_auth_basic.c`).
pub const AUTH_BASIC: ModuleDef = ModuleDef {
    ident: "auth_basic_module",
    source: "mod_auth_basic.c",
    builtin: false,
    directives: config::DIRECTIVES,
    log_items: &[],
};
