//! spoor's logging engine: Apache httpd and WASD access-log formats,
//! byte-compatible, compiled once and rendered without allocation.
//!
//! This crate owns everything about a log line that does not touch the
//! network or an async runtime:
//!
//! * the format languages: Apache `LogFormat` strings ([`Format::apache`],
//!   mod_log_config + mod_logio + mod_ssl items) and WASD `[LogFormat]`
//!   strings ([`Format::wasd`]), compiled into one flat item list;
//! * the [`Record`] a request fills in ([`Conn`], [`Request`]);
//! * rendering ([`Renderer`]) into a caller-owned buffer, with Apache's
//!   escaping or a JSON mode ([`Escaping`]);
//! * escaping helpers ([`escape`]), the CLF time cache and a C-locale
//!   `strftime` ([`time`]), and `%{NAME}C` cookie parsing;
//! * mod_log_forensic's records, ids and log ([`forensic`]) and
//!   mod_unique_id's ids ([`unique_id`]).
//!
//! ```
//! use spoor_log::{Conn, Format, Record, Renderer, Request};
//!
//! let fmt = Format::apache(spoor_log::COMBINED).unwrap();
//! let conn = Conn { client_ip: "127.0.0.1", ..Default::default() };
//! let headers = [(&b"User-Agent"[..], &b"curl/8"[..])];
//! let req = Request {
//!     request_line: Some(b"GET / HTTP/1.1"),
//!     useragent_ip: "127.0.0.1",
//!     status: 200,
//!     headers_in: &headers,
//!     request_time_us: 1_795_320_544_000_000,
//!     ..Default::default()
//! };
//! let mut r = Renderer::with_time_zone(spoor_log::TimeZone::UTC);
//! let mut line = Vec::new();
//! r.render(&fmt, &Record::new(&conn, &req, req.request_time_us), &mut line);
//! assert_eq!(
//!     line,
//!     b"127.0.0.1 - - [22/Nov/2026:04:09:04 +0000] \"GET / HTTP/1.1\" 200 - \"-\" \"curl/8\"\n"
//! );
//! ```
#![deny(missing_docs)]

mod cookie;
pub mod escape;
pub mod forensic;
mod format;
pub mod glob;
pub mod hex;
mod record;
mod render;
pub mod sink;
pub mod sys;
pub mod time;
pub mod unique_id;
pub mod usertrack;
mod wasd;
pub mod wasd_log;
pub mod wasd_track;

pub use cookie::find_cookie;
pub use format::{Escaping, Format, FormatError, Needs, CLF, COMBINED, REGISTERED_ITEMS};
pub use jiff::tz::TimeZone;
pub use record::{table_get, Conn, Field, Record, Request};
pub use render::Renderer;
pub use wasd::{
    COMBINED as WASD_COMBINED, COMMON as WASD_COMMON, COMMON_SERVER as WASD_COMMON_SERVER,
};
