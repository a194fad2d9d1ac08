//! httpd's core: the directory walk and its symbolic-link checks, the
//! access check, `ErrorDocument`, host-name lookups, and the default
//! handler (static files, OPTIONS, TRACE).

pub(crate) mod dirhooks;
pub(crate) mod errordoc;
pub(crate) mod handler;
pub(crate) mod hooks;
pub(crate) mod lookups;
pub(crate) mod response;
pub(crate) mod walk;
