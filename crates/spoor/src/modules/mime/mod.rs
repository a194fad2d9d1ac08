//! The `mime` module (httpd's mod_mime).

pub(crate) mod hooks;
