//! httpd's mod_authn_core.c: what spoor does in its place.
//!
//! [`config`] holds `AuthType` and `AuthName`, [`dirconf`] their
//! per-directory record; `hooks` its check-user-id hook (an `AuthType`
//! no authentication module took).

pub mod config;
pub mod dirconf;
pub(crate) mod hooks;

use super::ModuleDef;

/// `authn_core_module` (`mod_authn_core.c`).
pub const AUTHN_CORE: ModuleDef = ModuleDef {
    ident: "authn_core_module",
    source: "mod_authn_core.c",
    builtin: false,
    directives: config::DIRECTIVES,
    log_items: &[],
};
