//! The `log_config` module (httpd's mod_log_config).

pub(crate) mod hooks;
