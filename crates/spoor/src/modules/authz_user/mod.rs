//! httpd's mod_authz_user.c: what spoor does in its place.
//!
//! The module has no directives of its own: it adds the `valid-user` and
//! `user` providers of `Require` (read in `authz_core/config.rs`,
//! evaluated with mod_authz_core's tree in `authz_core/dirconf.rs`
//! against the user mod_auth_basic authenticated).

use super::ModuleDef;

/// `authz_user_module` (`mod_authz_user.c`).
pub const AUTHZ_USER: ModuleDef = ModuleDef {
    ident: "authz_user_module",
    source: "mod_authz_user.c",
    builtin: false,
    directives: &[],
    log_items: &[],
};
