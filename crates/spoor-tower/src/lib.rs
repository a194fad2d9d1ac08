#![doc = include_str!("../README.md")]
//!
//! # The items, one by one
//!
//! What the layer puts in spoor-log's [`Record`], and so what each
//! `LogFormat` item shows. Everything not listed is as in httpd.
//!
//! | item | here |
//! | --- | --- |
//! | `%h`, `%a`, `%{c}a`, `%{remote}p` | the peer from [`ConnInfo`] or axum's `ConnectInfo<SocketAddr>` (feature `axum`); `-` without either. No host-name lookups. |
//! | `%A`, `%{local}p` | [`ConnInfo::local`]; `-` and 0 without it. |
//! | `%l` | always `-` (no ident lookups). |
//! | `%u` | [`LogContext::set_user`], else a [`RemoteUser`] response extension. |
//! | `%t`, `%{…}t` | the time the layer's `call` ran, in [`AccessLog::time_zone`] (default: the system's). |
//! | `%r` | method, target and protocol rebuilt from the parsed request (hyper keeps no raw line): the target as received for origin and absolute form, the path and query for HTTP/2. |
//! | `%U` | the path with `%hh` decoded and dot segments removed, as httpd's `r->uri`. |
//! | `%H`, `%m`, `%q`, `%{…}i` | the request's version, method, query, headers (repeated names joined with `", "`). |
//! | `%s`, `%>s` | the response status; `-` for a request whose response never came (the server dropped the service's future), 500 when the service returned an error. |
//! | `%b`, `%B` | body bytes handed to the server, counted by [`LogBody`]; `-`/0 when none (HEAD, 204, 304). |
//! | `%O` | the response head as HTTP/1.1 writes the status and headers the service produced, plus `%B`; headers the server adds below the layer (`Date`, `Content-Length`, `Transfer-Encoding` and chunk framing) are not seen. |
//! | `%I` | the request head rebuilt the same way, plus the body bytes the service read: counted when the body is axum's `Body` or http-body-util's `BoxBody`/`UnsyncBoxBody` with a boxed error (the counter can only go inside body types that can hold any body); other body types count their head only. |
//! | `%S` | `%I` + `%O`. |
//! | `%D`, `%T`, `%{ms}T`… | from `call` to the end of the body: its last frame, its error, or the server dropping it. |
//! | `%X` | `X` when the body did not end (client gone, body error); else `+` when neither side's `Connection` header nor HTTP/1.0 rules say close, `-` otherwise. The server may still close a connection the layer thought kept alive. |
//! | `%k` | 0: a tower service does not see how many requests a connection carried. |
//! | `%v` | [`AccessLog::server_name`], else the request's host. |
//! | `%V` | the request's host (lower case, no port), else `%v`. |
//! | `%p` | [`AccessLog::server_port`], else the local port, else the Host header's, else 80/443. |
//! | `%{VAR}e` | [`LogContext::set_env`]; `UNIQUE_ID` from [`UniqueId`]. |
//! | `%{NAME}n` | [`LogContext::set_note`]; `forensic-id` from [`Forensic`], `cookie` from [`UserTrack`]. |
//! | `%L` | the [`UniqueId`] id when that layer runs before this one. |
//! | `%{…}^to`, `%{…}^ti` | the response's trailers; the request's when its body is counted (see `%I`). |
//! | `%P`, `%{tid}P` | this process, the thread that wrote the line. |
//! | `%{c}L`, `%f`, `%R`, `%^FB`, `%{…}x`, `%{…}c` | `-`: no error-log ids, files, handlers or TLS details at this level. |
//!
//! Header names reach the layer in lower case (hyper folds them), so
//! [`Forensic`]'s `+` records spell them so; httpd keeps the client's
//! spelling. Lookups (`%{User-Agent}i`) do not care. The `+` record holds
//! the headers as the request reaches [`Forensic`]: with [`UniqueId`]
//! outside it, that includes the `x-request-id` header it set (httpd's
//! mod_unique_id sets no header).
//!
//! # Costs
//!
//! Per request the layer keeps a small state: six allocations (the shared
//! state, copies of the request and response header maps, the
//! [`LogContext`] extension), whatever the number of logs; the lines are
//! rendered into per-thread buffers and written without allocating (the
//! `alloc` test counts both). Header values are reference-counted slices of
//! the server's buffers, so copying the maps copies no header text.
#![deny(missing_docs)]

mod access;
mod context;
mod forensic;
mod log;
mod nick;
mod render;
mod reqbody;
pub mod unique_id;
mod usertrack;

pub use access::{AccessLog, AccessLogService, LogBody, LogHandle, ResponseFuture};
pub use context::{ConnInfo, LogContext, RemoteUser, MAX_ENTRIES, MAX_VALUE};
pub use forensic::{Forensic, ForensicBody, ForensicFuture, ForensicService};
pub use log::Log;
pub use nick::{nickname, NICKNAMES};
pub use spoor_log::forensic::ForensicLog;
pub use spoor_log::{sink, Escaping, Format, FormatError, Record, TimeZone};
pub use unique_id::UniqueId;
pub use usertrack::{
    find_tracking_cookie, parse_expires, CookieFuture, CookieStyle, SameSite, TrackError,
    UserTrack, UserTrackService, WasdTrack, WasdTrackService,
};
