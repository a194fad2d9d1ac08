//! The spoor server: configuration (Apache and WASD dialects), the HTTP/1.1
//! connection engine, virtual hosts, static files and the access-log
//! pipeline built on [`spoor_log`].
//!
//! The binary (`src/main.rs`) is a thin shell over this library.

pub mod config;
