//! What the application tells the log about a request: the authenticated
//! user (`%u`), environment variables (`%{VAR}e`) and notes (`%{NAME}n`).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use http::HeaderMap;

/// Longest value the log keeps for one user, variable or note (longer
/// ones are cut there): the log stays bounded whatever the app sets.
pub const MAX_VALUE: usize = 8 * 1024;

/// Most variables plus notes kept per request; later ones are ignored.
pub const MAX_ENTRIES: usize = 64;

/// A handle the [`AccessLog`](crate::AccessLog) layer puts in every
/// request's extensions. Code running inside the layer (handlers,
/// extractors, auth middleware) sets the values the log line shows.
///
/// ```
/// # use spoor_tower::LogContext;
/// fn handler(req: &http::Request<()>) {
///     if let Some(log) = req.extensions().get::<LogContext>() {
///         log.set_user("alice"); // %u
///         log.set_env("SESSION", "42"); // %{SESSION}e
///         log.set_note("handler", "index"); // %{handler}n
///     }
/// }
/// ```
///
/// Other layers of this crate use it too: [`UniqueId`](crate::UniqueId)
/// sets `UNIQUE_ID`, [`Forensic`](crate::Forensic) the `forensic-id` note
/// and [`UserTrack`](crate::UserTrack) the `cookie` note, as their httpd
/// modules do.
#[derive(Clone, Debug)]
pub struct LogContext(pub(crate) Arc<Shared>);

/// Per-request state shared by the layer's future, the request body
/// counter, the response body wrapper and the app's [`LogContext`].
#[derive(Debug, Default)]
pub(crate) struct Shared {
    /// Request body bytes read so far (`%I`).
    pub(crate) body_in: AtomicU64,
    /// Values set by the app.
    pub(crate) extra: Mutex<Extra>,
}

/// Values set through a [`LogContext`].
#[derive(Debug, Default)]
pub(crate) struct Extra {
    pub(crate) user: Option<Box<[u8]>>,
    /// `(name, value)` pairs; variables and notes are told apart by
    /// `is_note`.
    pub(crate) vars: Vec<Var>,
    /// Request trailers (`%{NAME}^ti`), when the body had any.
    pub(crate) trailers_in: Option<HeaderMap>,
    /// The WASD tracking token (`!ID`, COMMON's remote-ID slot).
    pub(crate) track_id: Option<Box<[u8]>>,
}

/// One environment variable or note.
#[derive(Debug)]
pub(crate) struct Var {
    pub(crate) note: bool,
    pub(crate) name: Box<[u8]>,
    pub(crate) value: Box<[u8]>,
}

fn bounded(v: &[u8]) -> Box<[u8]> {
    v[..v.len().min(MAX_VALUE)].into()
}

impl Shared {
    pub(crate) fn extra(&self) -> MutexGuard<'_, Extra> {
        // A panic while holding the lock leaves plain data behind.
        self.extra.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn add_body_in(&self, n: u64) {
        self.body_in.fetch_add(n, Ordering::Relaxed);
    }
}

impl Extra {
    fn set(&mut self, note: bool, name: &[u8], value: &[u8]) {
        if let Some(v) = self
            .vars
            .iter_mut()
            .find(|v| v.note == note && v.name.eq_ignore_ascii_case(name))
        {
            v.value = bounded(value);
        } else if self.vars.len() < MAX_ENTRIES {
            self.vars.push(Var {
                note,
                name: bounded(name),
                value: bounded(value),
            });
        }
    }

    fn get(&self, note: bool, name: &[u8]) -> Option<&[u8]> {
        self.vars
            .iter()
            .find(|v| v.note == note && v.name.eq_ignore_ascii_case(name))
            .map(|v| &*v.value)
    }
}

impl LogContext {
    /// Sets the authenticated user (`%u`), as an auth module sets
    /// httpd's `r->user`.
    pub fn set_user(&self, user: impl AsRef<[u8]>) {
        self.0.extra().user = Some(bounded(user.as_ref()));
    }

    /// Sets an environment variable (`%{NAME}e`, and what
    /// [`Log::env`](crate::Log::env) conditions test). Names compare ASCII
    /// case-insensitively, as httpd's tables do; setting a name again
    /// replaces its value.
    pub fn set_env(&self, name: impl AsRef<[u8]>, value: impl AsRef<[u8]>) {
        self.0.extra().set(false, name.as_ref(), value.as_ref());
    }

    /// Sets a request note (`%{NAME}n`).
    pub fn set_note(&self, name: impl AsRef<[u8]>, value: impl AsRef<[u8]>) {
        self.0.extra().set(true, name.as_ref(), value.as_ref());
    }

    /// Sets the WASD tracking token (`!ID`, and the remote-ID slot of
    /// the WASD COMMON formats), as [`WasdTrack`](crate::WasdTrack) does.
    pub fn set_track_id(&self, token: impl AsRef<[u8]>) {
        self.0.extra().track_id = Some(bounded(token.as_ref()));
    }

    /// The user set so far.
    pub fn user(&self) -> Option<Vec<u8>> {
        self.0.extra().user.as_deref().map(<[u8]>::to_vec)
    }

    /// An environment variable set so far.
    pub fn env(&self, name: impl AsRef<[u8]>) -> Option<Vec<u8>> {
        self.0.extra().get(false, name.as_ref()).map(<[u8]>::to_vec)
    }

    /// A note set so far.
    pub fn note(&self, name: impl AsRef<[u8]>) -> Option<Vec<u8>> {
        self.0.extra().get(true, name.as_ref()).map(<[u8]>::to_vec)
    }

    /// Request body bytes read so far (what `%I` adds to the head).
    pub fn body_bytes_read(&self) -> u64 {
        self.0.body_in.load(Ordering::Relaxed)
    }
}

/// The addresses of the connection a request came in on, for `%a`, `%h`,
/// `%{remote}p`, `%A` and `%{local}p`.
///
/// With axum, `into_make_service_with_connect_info::<SocketAddr>()` gives
/// the peer address and the layer reads it from there (feature `axum`);
/// any server can insert this extension instead (see `examples/hyper.rs`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConnInfo {
    /// The client's address.
    pub peer: SocketAddr,
    /// The local address the connection arrived on, when known.
    pub local: Option<SocketAddr>,
}

/// A response extension an app may set instead of calling
/// [`LogContext::set_user`]: the authenticated user (`%u`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemoteUser(pub String);

/// With axum, `into_make_service_with_connect_info::<ConnInfo>()` gives
/// the layer both addresses (plain `SocketAddr` gives only the peer's).
#[cfg(feature = "axum")]
impl
    axum::extract::connect_info::Connected<axum::serve::IncomingStream<'_, tokio::net::TcpListener>>
    for ConnInfo
{
    fn connect_info(stream: axum::serve::IncomingStream<'_, tokio::net::TcpListener>) -> ConnInfo {
        ConnInfo {
            peer: *stream.remote_addr(),
            local: stream.io().local_addr().ok(),
        }
    }
}
