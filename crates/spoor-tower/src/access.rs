//! The [`AccessLog`] layer: mod_log_config (with mod_logio's counters) for
//! any tower service.

use std::fmt;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use bytes::Buf;
use http::{HeaderMap, Method, Request, Response};
use http_body::{Body, Frame, SizeHint};
use pin_project_lite::pin_project;
use spoor_log::sink::Sink;
use spoor_log::{Escaping, FormatError, Record, TimeZone};
use tower_layer::Layer;
use tower_service::Service;

use crate::context::{ConnInfo, LogContext, RemoteUser, Shared};
use crate::log::{next_tz_id, Config, Log};
use crate::render::{self, Captured, Finished};
use crate::reqbody;

/// A [`tower_layer::Layer`] that writes Apache- or WASD-format access
/// log lines for every request through the service it wraps.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use spoor_tower::{AccessLog, Log};
/// use spoor_tower::sink::{Sink, SinkOptions};
///
/// # let dir = std::env::temp_dir().join(format!("spoor-tower-doc-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir)?;
/// let opts = SinkOptions::default();
/// let access = Sink::file(dir.join("access.log"), &opts)?;
/// let errors = Sink::file(dir.join("errors.log"), &opts)?;
/// let layer = AccessLog::apache("combined")?
///     .to(access)
///     .log(Log::apache("%h %t \"%r\" %>s %D")?
///         .to(errors)
///         .when(|r| r.last.status >= 500));
/// # let _ = layer; std::fs::remove_dir_all(&dir)?;
/// # Ok(()) }
/// ```
///
/// What each item shows, and where it differs from httpd, is in the
/// crate documentation.
#[derive(Clone, Debug)]
pub struct AccessLog {
    config: Arc<Config>,
}

impl Default for AccessLog {
    fn default() -> Self {
        AccessLog::new()
    }
}

impl AccessLog {
    /// A layer with no log yet (add them with [`AccessLog::log`]); times
    /// in the system's time zone (`TZ`, else `/etc/localtime`), as httpd.
    pub fn new() -> AccessLog {
        AccessLog {
            config: Arc::new(Config {
                logs: Vec::new(),
                time_zone: TimeZone::system(),
                tz_id: next_tz_id(),
                server_name: None,
                server_port: None,
            }),
        }
    }

    /// A layer with one log of an Apache format or nickname
    /// ([`Log::apache`]), to standard output until [`AccessLog::to`].
    pub fn apache(format: &str) -> Result<AccessLog, FormatError> {
        Ok(AccessLog::new().log(Log::apache(format)?))
    }

    /// A layer with one log of a WASD format ([`Log::wasd`]).
    pub fn wasd(format: &str) -> Result<AccessLog, FormatError> {
        Ok(AccessLog::new().log(Log::wasd(format)?))
    }

    /// Adds a log. Every log gets its own line for each request its
    /// condition accepts, all from the same record and end time.
    pub fn log(mut self, log: Log) -> AccessLog {
        Arc::make_mut(&mut self.config).logs.push(log);
        self
    }

    fn last(&mut self, f: impl FnOnce(Log) -> Result<Log, FormatError>) -> Result<(), FormatError> {
        let cfg = Arc::make_mut(&mut self.config);
        if let Some(log) = cfg.logs.pop() {
            cfg.logs.push(f(log)?);
        }
        Ok(())
    }

    /// [`Log::to`] for the log added last.
    pub fn to(mut self, sink: impl Into<Arc<Sink>>) -> AccessLog {
        let sink = sink.into();
        let _ = self.last(|l| Ok(l.to(sink)));
        self
    }

    /// [`Log::escape`] for the log added last.
    pub fn escape(mut self, escaping: Escaping) -> Result<AccessLog, FormatError> {
        self.last(|l| l.escape(escaping))?;
        Ok(self)
    }

    /// [`Log::when`] for the log added last.
    pub fn when(
        mut self,
        condition: impl Fn(&Record<'_>) -> bool + Send + Sync + 'static,
    ) -> AccessLog {
        let _ = self.last(|l| Ok(l.when(condition)));
        self
    }

    /// The time zone of `%t` and the other local times.
    pub fn time_zone(mut self, tz: TimeZone) -> AccessLog {
        let cfg = Arc::make_mut(&mut self.config);
        cfg.time_zone = tz;
        cfg.tz_id = next_tz_id();
        self
    }

    /// httpd's `ServerName` (`%v`; also `%V` when a request has no host).
    /// Without it `%v` is the request's host name, as if every name were
    /// a virtual host of its own.
    pub fn server_name(mut self, name: &str) -> AccessLog {
        Arc::make_mut(&mut self.config).server_name = Some(name.as_bytes().into());
        self
    }

    /// The port `%p` shows. Without it: the local port of the connection
    /// when [`ConnInfo`] says, else the Host header's, else 80 or 443.
    pub fn server_port(mut self, port: u16) -> AccessLog {
        Arc::make_mut(&mut self.config).server_port = Some(port);
        self
    }

    /// The logs, in the order their lines are written.
    pub fn logs(&self) -> &[Log] {
        &self.config.logs
    }

    /// A handle on every sink of this layer, for log rotation and for a
    /// clean shutdown.
    pub fn handle(&self) -> LogHandle {
        let mut sinks: Vec<Arc<Sink>> = Vec::new();
        for l in &self.config.logs {
            if !sinks.iter().any(|s| Arc::ptr_eq(s, &l.sink)) {
                sinks.push(l.sink.clone());
            }
        }
        LogHandle { sinks }
    }
}

/// Reopens, flushes or closes the sinks of an [`AccessLog`].
///
/// Log rotation as httpd's graceful restart does it: rename the file away,
/// then [`LogHandle::reopen`] (from a SIGHUP handler, say); every line
/// lands whole in the old or the new file.
///
/// ```no_run
/// # async fn run(layer: spoor_tower::AccessLog) -> std::io::Result<()> {
/// use tokio::signal::unix::{signal, SignalKind};
/// let handle = layer.handle();
/// let mut hup = signal(SignalKind::hangup())?;
/// tokio::spawn(async move {
///     while hup.recv().await.is_some() {
///         if let Err(e) = handle.reopen() {
///             eprintln!("cannot reopen the access log: {e}");
///         }
///     }
/// });
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct LogHandle {
    sinks: Vec<Arc<Sink>>,
}

impl LogHandle {
    /// [`Sink::reopen`] on every sink; the first error is returned after
    /// all were tried.
    pub fn reopen(&self) -> std::io::Result<()> {
        self.each(Sink::reopen)
    }

    /// [`Sink::flush`] on every sink (buffered logs).
    pub fn flush(&self) -> std::io::Result<()> {
        self.each(Sink::flush)
    }

    /// [`Sink::close`] on every sink: buffers written, piped loggers
    /// drained and reaped. Lines of requests still running are lost (and
    /// counted by the sink), so close after the server stopped.
    pub fn close(&self) -> std::io::Result<()> {
        self.each(Sink::close)
    }

    fn each(&self, f: impl Fn(&Sink) -> std::io::Result<()>) -> std::io::Result<()> {
        let mut first = Ok(());
        for s in &self.sinks {
            let r = f(s);
            if first.is_ok() {
                first = r;
            }
        }
        first
    }
}

impl<S> Layer<S> for AccessLog {
    type Service = AccessLogService<S>;

    fn layer(&self, inner: S) -> AccessLogService<S> {
        AccessLogService {
            inner,
            config: self.config.clone(),
        }
    }
}

/// The service [`AccessLog`] wraps around another.
#[derive(Clone, Debug)]
pub struct AccessLogService<S> {
    inner: S,
    config: Arc<Config>,
}

/// The connection addresses a request carries: [`ConnInfo`], else axum's
/// `ConnectInfo<SocketAddr>` (feature `axum`).
pub(crate) fn addresses(ext: &http::Extensions) -> (Option<SocketAddr>, Option<SocketAddr>) {
    if let Some(c) = ext.get::<ConnInfo>() {
        return (Some(c.peer), c.local);
    }
    #[cfg(feature = "axum")]
    if let Some(axum::extract::ConnectInfo(c)) = ext.get::<axum::extract::ConnectInfo<ConnInfo>>() {
        return (Some(c.peer), c.local);
    }
    #[cfg(feature = "axum")]
    if let Some(axum::extract::ConnectInfo(peer)) =
        ext.get::<axum::extract::ConnectInfo<SocketAddr>>()
    {
        return (Some(*peer), None);
    }
    (None, None)
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for AccessLogService<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    ReqBody: Body + Send + 'static,
    ReqBody::Data: Send,
    ResBody: Body,
{
    type Response = Response<LogBody<ResBody>>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<ReqBody>) -> Self::Future {
        let start_us = render::now_us();
        let shared = Arc::new(Shared::default());
        let (mut parts, body) = req.into_parts();
        let body = reqbody::wrap(body, &shared);
        let (peer, local) = addresses(&parts.extensions);
        let unique_id = parts
            .extensions
            .get::<crate::unique_id::RequestUniqueId>()
            .map(|u| *u.as_array());
        let captured = Captured {
            start_us,
            method: parts.method.clone(),
            uri: parts.uri.clone(),
            version: parts.version,
            headers: parts.headers.clone(),
            peer,
            local,
            unique_id,
        };
        parts.extensions.insert(LogContext(shared.clone()));
        let future = self.inner.call(Request::from_parts(parts, body));
        ResponseFuture {
            inner: future,
            pending: Some(Pending {
                config: self.config.clone(),
                shared,
                captured,
            }),
        }
    }
}

/// What a request left behind until its response is known.
struct Pending {
    config: Arc<Config>,
    shared: Arc<Shared>,
    captured: Captured,
}

impl Pending {
    fn finish_without_response(self, status: u16) {
        let done = Finished {
            status,
            headers_out: HeaderMap::new(),
            trailers_out: None,
            bytes_sent: 0,
            body_sent: false,
        };
        render::write_logs(&self.config, &self.shared, &self.captured, &done, true);
    }
}

pin_project! {
    /// The future of [`AccessLogService`]: the inner service's response,
    /// its body wrapped in a [`LogBody`].
    ///
    /// Dropped before the response exists (the client went away and the
    /// server gave up on the request), it writes the line then, with
    /// status `-` and `%X` = `X`.
    pub struct ResponseFuture<F> {
        #[pin]
        inner: F,
        pending: Option<Pending>,
    }

    impl<F> PinnedDrop for ResponseFuture<F> {
        fn drop(this: Pin<&mut Self>) {
            if let Some(p) = this.project().pending.take() {
                p.finish_without_response(0);
            }
        }
    }
}

impl<F, ResBody, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<Response<ResBody>, E>>,
    ResBody: Body,
{
    type Output = Result<Response<LogBody<ResBody>>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let result = ready!(this.inner.poll(cx));
        let pending = this
            .pending
            .take()
            .expect("ResponseFuture polled after it completed");
        match result {
            Ok(resp) => {
                let (parts, body) = resp.into_parts();
                if let Some(RemoteUser(u)) = parts.extensions.get::<RemoteUser>() {
                    let mut extra = pending.shared.extra();
                    if extra.user.is_none() {
                        extra.user = Some(u.as_bytes().into());
                    }
                }
                // A body that is over before it starts (empty) may never
                // be polled; dropping it unread is no abort either.
                let bodyless = body.is_end_stream()
                    || pending.captured.method == Method::HEAD
                    || parts.status.is_informational()
                    || parts.status == http::StatusCode::NO_CONTENT
                    || parts.status == http::StatusCode::NOT_MODIFIED;
                let state = State {
                    pending,
                    done: Finished {
                        status: parts.status.as_u16(),
                        headers_out: parts.headers.clone(),
                        trailers_out: None,
                        bytes_sent: 0,
                        body_sent: false,
                    },
                    bodyless,
                };
                let body = LogBody {
                    inner: body,
                    state: Some(state),
                };
                Poll::Ready(Ok(Response::from_parts(parts, body)))
            }
            Err(e) => {
                // No response: the server drops the connection. httpd
                // would answer a failed handler with 500; that status is
                // logged, with the connection marked aborted.
                pending.finish_without_response(500);
                Poll::Ready(Err(e))
            }
        }
    }
}

/// The response state a [`LogBody`] carries until the body ends.
struct State {
    pending: Pending,
    done: Finished,
    /// No body is sent for this response (HEAD, 1xx, 204, 304, or an
    /// empty body), so the server dropping it unread is no abort.
    bodyless: bool,
}

impl State {
    fn finish(self, aborted: bool) {
        render::write_logs(
            &self.pending.config,
            &self.pending.shared,
            &self.pending.captured,
            &self.done,
            aborted,
        );
    }
}

pin_project! {
    /// A response body that counts the bytes it hands to the server and
    /// writes the log lines when it ends: after its last frame, on an
    /// error, or when the server drops it (a client that went away: the
    /// line then shows what was sent and `%X` = `X`, as httpd logs a cut
    /// off response). `%D` and `%T` run to that moment.
    pub struct LogBody<B> {
        #[pin]
        inner: B,
        state: Option<State>,
    }

    impl<B> PinnedDrop for LogBody<B> {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            if let Some(state) = this.state.take() {
                let aborted = !state.bodyless;
                state.finish(aborted);
            }
        }
    }
}

impl<B: Body> Body for LogBody<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let mut this = self.project();
        let polled = ready!(this.inner.as_mut().poll_frame(cx));
        match &polled {
            Some(Ok(frame)) => {
                if let Some(state) = this.state.as_mut() {
                    if let Some(data) = frame.data_ref() {
                        let n = data.remaining() as u64;
                        state.done.bytes_sent += n;
                        state.done.body_sent |= n > 0;
                    } else if let Some(t) = frame.trailers_ref() {
                        state.done.trailers_out = Some(t.clone());
                    }
                }
                if this.inner.is_end_stream() {
                    if let Some(state) = this.state.take() {
                        state.finish(false);
                    }
                }
            }
            Some(Err(_)) => {
                if let Some(state) = this.state.take() {
                    state.finish(true);
                }
            }
            None => {
                if let Some(state) = this.state.take() {
                    state.finish(false);
                }
            }
        }
        Poll::Ready(polled)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

impl<B> fmt::Debug for LogBody<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LogBody")
            .field("pending", &self.state.is_some())
            .finish()
    }
}

impl<F> fmt::Debug for ResponseFuture<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseFuture").finish_non_exhaustive()
    }
}
