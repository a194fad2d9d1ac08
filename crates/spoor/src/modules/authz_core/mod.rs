//! The `authz_core` module (httpd's mod_authz_core).

pub(crate) mod hooks;
