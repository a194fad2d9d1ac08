//! The `env` module (httpd's mod_env).

pub(crate) mod hooks;
