//! Counting the request body the service reads (`%I`).
//!
//! The inner service must get the request body type it expects, so the
//! counter can only go inside body types that can hold any body: axum's
//! `Body` (feature `axum`) and http-body-util's boxed bodies with a boxed
//! error. Other body types (hyper's `Incoming`, say) go through unchanged
//! and `%I` counts their request head only; box them first
//! (`BodyExt::boxed`) to have the body counted.

use std::any::Any;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use bytes::{Buf, Bytes};
use http_body::{Body, Frame, SizeHint};
use http_body_util::combinators::{BoxBody, UnsyncBoxBody};
use pin_project_lite::pin_project;

use crate::context::Shared;

/// The boxed error type of the boxed bodies the counter goes into.
pub(crate) type BoxError = Box<dyn std::error::Error + Send + Sync>;

pin_project! {
    /// A request body that adds what it yields to the request's count.
    pub(crate) struct Counting<B> {
        #[pin]
        inner: B,
        shared: Arc<Shared>,
    }
}

impl<B: Body> Body for Counting<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let this = self.project();
        let polled = ready!(this.inner.poll_frame(cx));
        if let Some(Ok(frame)) = &polled {
            if let Some(d) = frame.data_ref() {
                this.shared.add_body_in(d.remaining() as u64);
            } else if let Some(t) = frame.trailers_ref() {
                this.shared.extra().trailers_in = Some(t.clone());
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

/// Puts the counter into `body` when its type can hold it.
pub(crate) fn wrap<B>(body: B, shared: &Arc<Shared>) -> B
where
    B: Body + Send + 'static,
{
    let mut slot = Some(body);
    let any = &mut slot as &mut dyn Any;
    fn counting<B>(inner: B, shared: &Arc<Shared>) -> Counting<B> {
        Counting {
            inner,
            shared: shared.clone(),
        }
    }
    #[cfg(feature = "axum")]
    if let Some(s) = any.downcast_mut::<Option<axum::body::Body>>() {
        if let Some(b) = s.take() {
            *s = Some(axum::body::Body::new(counting(b, shared)));
        }
        return slot.expect("put back");
    }
    if let Some(s) = any.downcast_mut::<Option<BoxBody<Bytes, BoxError>>>() {
        if let Some(b) = s.take() {
            *s = Some(BoxBody::new(counting(b, shared)));
        }
    } else if let Some(s) = any.downcast_mut::<Option<UnsyncBoxBody<Bytes, BoxError>>>() {
        if let Some(b) = s.take() {
            *s = Some(UnsyncBoxBody::new(counting(b, shared)));
        }
    }
    slot.expect("put back")
}
