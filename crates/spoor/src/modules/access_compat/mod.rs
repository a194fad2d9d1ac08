//! httpd's mod_access_compat.c: what spoor does in its place.
//!
//! [`config`] holds the module's directive table (`Order`, `Allow`,
//! `Deny`, `Satisfy`); [`dirconf`] its per-directory record; `hooks` its
//! access check and how `Satisfy` combines it with `Require`.

pub mod config;
pub mod dirconf;
pub(crate) mod hooks;

use super::ModuleDef;

/// `access_compat_module` (`mod_access_compat.c`).
pub const ACCESS_COMPAT: ModuleDef = ModuleDef {
    ident: "access_compat_module",
    source: "mod_access_compat.c",
    builtin: false,
    directives: config::DIRECTIVES,
    log_items: &[],
};
