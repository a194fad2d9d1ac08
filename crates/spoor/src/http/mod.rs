//! The HTTP/1.x protocol pieces the connection engine is built from.

pub mod chunked;
pub mod date;
pub mod method;
pub mod pages;
pub mod request;
pub mod uri;
