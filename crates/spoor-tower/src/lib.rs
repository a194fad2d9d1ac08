//! spoor-tower (documentation below is filled in later).
#![deny(missing_docs)]

mod access;
mod context;
mod forensic;
mod nick;
mod render;
mod reqbody;
pub mod unique_id;
mod usertrack;

pub use access::{AccessLog, AccessLogService, Log, LogBody, LogHandle, ResponseFuture};
pub use context::{ConnInfo, LogContext, RemoteUser, MAX_ENTRIES, MAX_VALUE};
pub use forensic::{Forensic, ForensicBody, ForensicFuture, ForensicService};
pub use nick::{nickname, NICKNAMES};
pub use spoor_log::forensic::ForensicLog;
pub use spoor_log::{sink, Escaping, Format, FormatError, Record, TimeZone};
pub use unique_id::UniqueId;
pub use usertrack::{
    find_tracking_cookie, parse_expires, CookieFuture, CookieStyle, SameSite, TrackError,
    UserTrack, UserTrackService, WasdTrack, WasdTrackService,
};
