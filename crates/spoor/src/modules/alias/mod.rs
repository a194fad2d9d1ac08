//! httpd's mod_alias.c: `Alias`, `AliasMatch`, `Redirect`,
//! `RedirectMatch`, `RedirectPermanent`, `RedirectTemp`: aliases in the
//! server and virtual-host scope, redirects there (translate-name) and in
//! sections (fixups; [`dirconf`]).
//!
//! [`config`] holds the directive table and parsing, [`settings`] the
//! entries and their matching, [`hooks`] the translate-name hook.

pub mod config;
pub mod dirconf;
pub(crate) mod hooks;
pub mod settings;

use super::ModuleDef;

/// `alias_module` (`mod_alias.c`).
pub const ALIAS: ModuleDef = ModuleDef {
    ident: "alias_module",
    source: "mod_alias.c",
    builtin: false,
    directives: config::DIRECTIVES,
    log_items: &[],
};
