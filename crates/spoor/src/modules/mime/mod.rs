//! httpd's mod_mime.c: what spoor does in its place.
//!
//! [`config`] holds the module's directive table; `hooks` its request
//! phases ([`crate::hooks`]).

pub mod config;
pub mod dirconf;
pub(crate) mod hooks;
pub mod types;

use super::ModuleDef;

/// `mime_module` (`mod_mime.c`).
pub const MIME: ModuleDef = ModuleDef {
    ident: "mime_module",
    source: "mod_mime.c",
    builtin: false,
    directives: config::DIRECTIVES,
    log_items: &[],
};
