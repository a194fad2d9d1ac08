//! httpd's mod_filter.c: what spoor does in its place.
//!
//! [`config`] holds the directive table (`AddOutputFilterByType`; the
//! smart-filter directives are refused); [`dirconf`] the per-directory
//! record; [`hooks`] the request hooks: the insert-filter step (before
//! the handler) and the harness that, with the response's final status
//! and type, starts the filters whose types match.

pub mod config;
pub mod dirconf;
pub(crate) mod hooks;

use super::ModuleDef;

/// `filter_module` (`mod_filter.c`); Debian ships it as a shared object
/// enabled by default (`mods-enabled/filter.load`).
pub const FILTER: ModuleDef = ModuleDef {
    ident: "filter_module",
    source: "mod_filter.c",
    builtin: false,
    directives: config::DIRECTIVES,
    log_items: &[],
};
