//! httpd's mod_autoindex.c: the listing of a directory that has no index
//! (`Options Indexes`), with its icons, alt texts, descriptions, header
//! and readme files, and the sort order the query asks for.
//!
//! [`config`] holds the directives, [`dirconf`] the per-directory record
//! and its merge, [`hooks`] the handler, [`listing`] the page and
//! [`text`] the sizes, orders and matches it is made of, as APR writes
//! them.

pub mod config;
pub mod dirconf;
pub(crate) mod hooks;
pub mod listing;
pub mod text;

use super::ModuleDef;

/// `autoindex_module` (`mod_autoindex.c`).
pub const AUTOINDEX: ModuleDef = ModuleDef {
    ident: "autoindex_module",
    source: "mod_autoindex.c",
    builtin: false,
    directives: config::DIRECTIVES,
    log_items: &[],
};
