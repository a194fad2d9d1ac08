//! The [`UniqueId`] layer: mod_unique_id's request ids.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

use http::{HeaderName, HeaderValue, Request, Response};
use pin_project_lite::pin_project;
use spoor_log::unique_id::{UniqueIds, UNIQUE_ID_LEN};
use tower_layer::Layer;
use tower_service::Service;

use crate::context::LogContext;

/// The header [`UniqueId`] sets by default: the one tower-http's
/// `SetRequestIdLayer`/`PropagateRequestIdLayer` use, so the two
/// interoperate.
pub const X_REQUEST_ID: &str = "x-request-id";

/// A request's unique id (mod_unique_id's 27-character layout), the
/// request extension [`UniqueId`] sets.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct RequestUniqueId([u8; UNIQUE_ID_LEN]);

impl RequestUniqueId {
    /// The id as text (base64url characters only).
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).expect("base64url is ASCII")
    }

    /// The id's bytes.
    pub fn as_array(&self) -> &[u8; UNIQUE_ID_LEN] {
        &self.0
    }
}

impl fmt::Debug for RequestUniqueId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("RequestUniqueId")
            .field(&self.as_str())
            .finish()
    }
}

impl fmt::Display for RequestUniqueId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Gives every request a unique id, as mod_unique_id: 27 base64url
/// characters holding the request time, a random per-process root and a
/// counter, unique across processes and machines without coordination
/// (see [`spoor_log::unique_id`]).
///
/// The id goes to the request as a [`RequestUniqueId`] extension and as
/// the `x-request-id` header (replacing one the client sent: a client
/// never chooses its id), to the response as the same header, and to the
/// access log as `%{UNIQUE_ID}e` and `%L`, whichever side of
/// [`AccessLog`](crate::AccessLog) this layer is on. [`Forensic`](crate::Forensic)
/// uses it as the forensic id, as mod_log_forensic does with
/// mod_unique_id loaded.
#[derive(Clone, Debug)]
pub struct UniqueId {
    header: Option<HeaderName>,
}

impl Default for UniqueId {
    fn default() -> Self {
        UniqueId::new()
    }
}

impl UniqueId {
    /// Ids in the `x-request-id` header of request and response.
    pub fn new() -> UniqueId {
        UniqueId {
            header: Some(HeaderName::from_static(X_REQUEST_ID)),
        }
    }

    /// Another header name; `None`: no header at all (httpd sets none, the
    /// id is only in the environment).
    pub fn header(mut self, name: Option<HeaderName>) -> UniqueId {
        self.header = name;
        self
    }
}

impl<S> Layer<S> for UniqueId {
    type Service = UniqueIdService<S>;

    fn layer(&self, inner: S) -> UniqueIdService<S> {
        UniqueIdService {
            inner,
            header: self.header.clone(),
        }
    }
}

/// The service [`UniqueId`] wraps around another.
#[derive(Clone, Debug)]
pub struct UniqueIdService<S> {
    inner: S,
    header: Option<HeaderName>,
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for UniqueIdService<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = UniqueIdFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request<ReqBody>) -> Self::Future {
        let now = crate::render::now_us() / 1_000_000;
        let id = RequestUniqueId(UniqueIds::global().next(now));
        let value = HeaderValue::from_bytes(&id.0).expect("base64url is a valid header value");
        if let Some(h) = &self.header {
            req.headers_mut().insert(h.clone(), value.clone());
        }
        if let Some(log) = req.extensions().get::<LogContext>() {
            log.set_env("UNIQUE_ID", id.0);
        }
        req.extensions_mut().insert(id);
        UniqueIdFuture {
            inner: self.inner.call(req),
            header: self.header.clone().map(|h| (h, value)),
        }
    }
}

pin_project! {
    /// The future of [`UniqueIdService`]: the response with the id header.
    pub struct UniqueIdFuture<F> {
        #[pin]
        inner: F,
        header: Option<(HeaderName, HeaderValue)>,
    }
}

impl<F, ResBody, E> Future for UniqueIdFuture<F>
where
    F: Future<Output = Result<Response<ResBody>, E>>,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let mut res = ready!(this.inner.poll(cx));
        if let (Ok(resp), Some((name, value))) = (&mut res, this.header.take()) {
            resp.headers_mut().insert(name, value);
        }
        Poll::Ready(res)
    }
}

impl<F> fmt::Debug for UniqueIdFuture<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UniqueIdFuture").finish_non_exhaustive()
    }
}
