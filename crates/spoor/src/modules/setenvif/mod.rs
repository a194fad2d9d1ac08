//! The `setenvif` module (httpd's mod_setenvif).

pub(crate) mod hooks;
