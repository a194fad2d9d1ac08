//! httpd's mod_negotiation.c: content negotiation.
//!
//! `Options MultiViews`: a request for a file that does not exist, in a
//! directory where MultiViews is on, looks at the directory's files
//! named `name.*`, each as a sub-request sees it (mod_mime's type,
//! languages, charset and encoding; those the client may not see or that
//! have extensions mod_mime does not know are left out), and serves the
//! best for the request's `Accept*` lines as if it had been asked for.
//! Type maps (`AddHandler type-map .var`, or `SetHandler type-map`) list
//! the variants, with inline bodies or as files the request is
//! redirected to. `LanguagePriority`, `ForceLanguagePriority`,
//! `CacheNegotiatedDocs`.
//!
//! Bounds httpd does not have: at most 1000 files of a directory are
//! looked at for one MultiViews name, 1000 variants kept from a map, the
//! first 16 MiB of a map read, and 1000 items of an `Accept*` line.
//! Not carried out as httpd: a type map found by MultiViews answers with
//! its own negotiation (httpd chooses among its entries in the
//! MultiViews request), and several ranges of a type map's inline body
//! are answered with the whole body.
//!
//! [`accept`] reads the `Accept*` lines, [`choose`] makes the choice and
//! writes what the answer says about it, [`typemap`] reads type maps,
//! `hooks` joins them to the request (type checker: MultiViews; handler:
//! type maps).

pub mod accept;
pub mod choose;
pub mod config;
pub mod dirconf;
pub(crate) mod hooks;
pub(crate) mod out;
pub mod typemap;

use super::ModuleDef;

/// `negotiation_module` (`mod_negotiation.c`).
pub const NEGOTIATION: ModuleDef = ModuleDef {
    ident: "negotiation_module",
    source: "mod_negotiation.c",
    builtin: false,
    directives: config::DIRECTIVES,
    log_items: &[],
};
