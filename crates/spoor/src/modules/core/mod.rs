//! httpd's core.c, http_core.c: what spoor does in its place.
//!
//! [`config`] holds the module's directive table; `hooks` its request
//! phases ([`crate::hooks`]).

pub mod config;
pub(crate) mod directives;
pub(crate) mod dirhooks;
pub(crate) mod errordoc;
pub(crate) mod handler;
pub(crate) mod hooks;
pub mod limit;
pub(crate) mod lookups;
pub mod methods;
pub(crate) mod response;
pub(crate) mod subreq;
pub(crate) mod walk;

use super::ModuleDef;

/// `core_module` (`core.c`).
pub const CORE: ModuleDef = ModuleDef {
    ident: "core_module",
    source: "core.c",
    builtin: true,
    directives: config::CORE_DIRECTIVES,
    log_items: &[],
};

/// `http_module` (`http_core.c`).
pub const HTTP: ModuleDef = ModuleDef {
    ident: "http_module",
    source: "http_core.c",
    builtin: true,
    directives: config::HTTP_DIRECTIVES,
    log_items: &[],
};
