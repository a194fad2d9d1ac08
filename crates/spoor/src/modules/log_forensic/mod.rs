//! The `log_forensic` module (httpd's mod_log_forensic).

pub(crate) mod hooks;
