//! httpd's mod_authn_file.c: what spoor does in its place.
//!
//! [`config`] parses `AuthUserFile` into [`dirconf`]'s record; [`passwd`] reads the file and checks
//! the hashes. The module is the `file` provider of mod_auth_basic
//! (asked from `auth_basic/hooks.rs`).

pub mod config;
pub mod dirconf;
pub mod passwd;

use super::ModuleDef;

/// `authn_file_module` (`mod_authn_file.c`).
pub const AUTHN_FILE: ModuleDef = ModuleDef {
    ident: "authn_file_module",
    source: "mod_authn_file.c",
    builtin: false,
    directives: config::DIRECTIVES,
    log_items: &[],
};
