//! httpd's mod_authz_host.c: what spoor does in its place.
//!
//! The module has no directives of its own: it adds the `ip`, `local`,
//! `host` and `forward-dns` providers of `Require` (read in
//! `authz_core/config.rs`, evaluated with mod_authz_core's tree in
//! `authz_core/dirconf.rs`). [`ip`] holds the address ranges it shares
//! with mod_access_compat.

pub mod ip;

use super::ModuleDef;

/// `authz_host_module` (`mod_authz_host.c`).
pub const AUTHZ_HOST: ModuleDef = ModuleDef {
    ident: "authz_host_module",
    source: "mod_authz_host.c",
    builtin: false,
    directives: &[],
    log_items: &[],
};
