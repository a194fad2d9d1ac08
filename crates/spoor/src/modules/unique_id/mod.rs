//! The `unique_id` module (httpd's mod_unique_id).

pub(crate) mod hooks;
