//! The httpd modules spoor implements, one folder each: the request-phase
//! hooks each registers ([`crate::hooks`]).

pub(crate) mod authz_core;
pub(crate) mod core;
pub(crate) mod env;
pub(crate) mod log_config;
pub(crate) mod log_forensic;
pub(crate) mod mime;
pub(crate) mod setenvif;
pub(crate) mod unique_id;
pub(crate) mod usertrack;
