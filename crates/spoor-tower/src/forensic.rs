//! The [`Forensic`] layer: mod_log_forensic for any tower service.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use http::{Request, Response, StatusCode};
use http_body::{Body, Frame, SizeHint};
use pin_project_lite::pin_project;
use spoor_log::forensic::{minus_record, plus_record, CounterIds, ForensicLog};
use spoor_log::Field;
use tower_layer::Layer;
use tower_service::Service;

use crate::context::LogContext;
use crate::render::{now_us, request_line};
use crate::unique_id::RequestUniqueId;

/// Writes mod_log_forensic's two records per request: `+ID|request
/// line|Name:value|…` before the inner service runs, and `-ID` once the
/// response body has ended (or failed, or the client went away).
///
/// The id is the request's [`UniqueId`](crate::UniqueId) when that layer
/// runs first (as httpd uses mod_unique_id's), else httpd's own
/// `pid:hex(time):hex(counter)`. It is also the `forensic-id` note
/// (`%{forensic-id}n` in an [`AccessLog`](crate::AccessLog) outside this
/// layer).
///
/// Strict by default, as httpd: a request whose `+` record cannot be
/// written is not served; it gets a 500 with an empty body and the
/// failure is reported on standard error (httpd exits instead; a library
/// leaves that decision to the application, which sees the 500s).
#[derive(Clone)]
pub struct Forensic {
    log: Arc<ForensicLog>,
    strict: bool,
}

impl fmt::Debug for Forensic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Forensic")
            .field("log", &self.log.name())
            .field("strict", &self.strict)
            .finish()
    }
}

impl Forensic {
    /// Forensic records to `log` (a file or a piped program:
    /// [`ForensicLog::file`], [`ForensicLog::pipe`]).
    pub fn new(log: impl Into<Arc<ForensicLog>>) -> Forensic {
        Forensic {
            log: log.into(),
            strict: true,
        }
    }

    /// `false`: serve a request even when its `+` record could not be
    /// written (the failure is still reported). Looser than httpd; off by
    /// default.
    pub fn strict(mut self, strict: bool) -> Forensic {
        self.strict = strict;
        self
    }
}

impl<S> Layer<S> for Forensic {
    type Service = ForensicService<S>;

    fn layer(&self, inner: S) -> ForensicService<S> {
        ForensicService {
            inner,
            log: self.log.clone(),
            strict: self.strict,
        }
    }
}

/// The service [`Forensic`] wraps around another.
#[derive(Clone)]
pub struct ForensicService<S> {
    inner: S,
    log: Arc<ForensicLog>,
    strict: bool,
}

impl<S> fmt::Debug for ForensicService<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ForensicService")
            .field("log", &self.log.name())
            .finish_non_exhaustive()
    }
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for ForensicService<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    ResBody: Default,
{
    type Response = Response<ForensicBody<ResBody>>;
    type Error = S::Error;
    type Future = ForensicFuture<S::Future, ResBody>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<ReqBody>) -> Self::Future {
        let mut id = Vec::with_capacity(40);
        match req.extensions().get::<RequestUniqueId>() {
            Some(u) => id.extend_from_slice(u.as_array()),
            None => CounterIds::global().next(now_us() / 1_000_000, &mut id),
        }
        let mut line = Vec::with_capacity(256);
        request_line(req.method(), req.uri(), req.version(), &mut line);
        let fields: Vec<Field<'_>> = req
            .headers()
            .iter()
            .map(|(n, v)| (n.as_str().as_bytes(), v.as_bytes()))
            .collect();
        let mut rec = Vec::with_capacity(512);
        plus_record(&id, &line, &fields, &mut rec);
        drop(fields);
        if let Err(e) = self.log.write_record(&rec) {
            eprintln!(
                "spoor-tower: cannot write the forensic record of {} to {}: {e}{}",
                String::from_utf8_lossy(&id),
                self.log.name(),
                if self.strict {
                    "; the request is refused with 500"
                } else {
                    ""
                }
            );
            if self.strict {
                let mut resp = Response::new(ForensicBody {
                    inner: ResBody::default(),
                    minus: None,
                });
                *resp.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
                return ForensicFuture {
                    inner: None,
                    refused: Some(resp),
                    minus: None,
                };
            }
        }
        if let Some(log) = req.extensions().get::<LogContext>() {
            log.set_note("forensic-id", &id);
        }
        ForensicFuture {
            inner: Some(self.inner.call(req)),
            refused: None,
            minus: Some(Minus {
                log: self.log.clone(),
                id,
            }),
        }
    }
}

/// The `-` record still to write.
struct Minus {
    log: Arc<ForensicLog>,
    id: Vec<u8>,
}

impl Minus {
    fn write(self) {
        let mut rec = Vec::with_capacity(self.id.len() + 2);
        minus_record(&self.id, &mut rec);
        if let Err(e) = self.log.write_record(&rec) {
            eprintln!(
                "spoor-tower: cannot write the forensic record -{} to {}: {e}",
                String::from_utf8_lossy(&self.id),
                self.log.name()
            );
        }
    }
}

pin_project! {
    /// The future of [`ForensicService`].
    pub struct ForensicFuture<F, B> {
        #[pin]
        inner: Option<F>,
        refused: Option<Response<ForensicBody<B>>>,
        minus: Option<Minus>,
    }

    impl<F, B> PinnedDrop for ForensicFuture<F, B> {
        fn drop(this: Pin<&mut Self>) {
            // The request ended without a response (dropped): its `-`.
            if let Some(m) = this.project().minus.take() {
                m.write();
            }
        }
    }
}

impl<F, B, E> Future for ForensicFuture<F, B>
where
    F: Future<Output = Result<Response<B>, E>>,
{
    type Output = Result<Response<ForensicBody<B>>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        if let Some(resp) = this.refused.take() {
            return Poll::Ready(Ok(resp));
        }
        let inner = this
            .inner
            .as_pin_mut()
            .expect("ForensicFuture polled after it completed");
        match ready!(inner.poll(cx)) {
            Ok(resp) => Poll::Ready(Ok(resp.map(|b| ForensicBody {
                inner: b,
                minus: this.minus.take(),
            }))),
            Err(e) => {
                if let Some(m) = this.minus.take() {
                    m.write();
                }
                Poll::Ready(Err(e))
            }
        }
    }
}

impl<F, B> fmt::Debug for ForensicFuture<F, B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ForensicFuture").finish_non_exhaustive()
    }
}

pin_project! {
    /// A response body that writes the request's `-` record when it ends,
    /// fails or is dropped.
    pub struct ForensicBody<B> {
        #[pin]
        inner: B,
        minus: Option<Minus>,
    }

    impl<B> PinnedDrop for ForensicBody<B> {
        fn drop(this: Pin<&mut Self>) {
            if let Some(m) = this.project().minus.take() {
                m.write();
            }
        }
    }
}

impl<B: Body> Body for ForensicBody<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let mut this = self.project();
        let polled = ready!(this.inner.as_mut().poll_frame(cx));
        let ended = match &polled {
            None | Some(Err(_)) => true,
            Some(Ok(_)) => this.inner.is_end_stream(),
        };
        if ended {
            if let Some(m) = this.minus.take() {
                m.write();
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

impl<B> fmt::Debug for ForensicBody<B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ForensicBody")
            .field("pending", &self.minus.is_some())
            .finish()
    }
}
