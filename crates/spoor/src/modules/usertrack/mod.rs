//! The `usertrack` module (httpd's mod_usertrack).

pub(crate) mod hooks;
