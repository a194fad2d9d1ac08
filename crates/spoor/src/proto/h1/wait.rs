//! Waiting on a connection's socket under `Timeout`/`KeepAliveTimeout`,
//! and noticing that the server is stopping, without per-request timer or
//! channel registrations.
//!
//! * [`Deadline`]: one tokio `Sleep` per connection. `tokio::time::timeout`
//!   around every read and write builds a timer entry per call and
//!   registers it with the runtime's timer wheel whenever the call has to
//!   wait, then removes it again. Here a wait that has to block sets the
//!   instant it must end by (a store); the `Sleep` is moved only when that
//!   instant is earlier than the one it is set for, or when it fires before
//!   the current wait's end (activity pushed the end later since it was
//!   set) and is set again for the right instant. A busy keep-alive
//!   connection touches the timer wheel about once per timeout period
//!   instead of once per request, and every wait still ends when
//!   `tokio::time::timeout` started at the same moment would have ended it.
//! * [`timed`]: polls an operation first and arms the deadline only when
//!   it cannot complete at once (as `tokio::time::timeout` polls its future
//!   before its delay), so a read or write that completes at once costs
//!   no clock read.
//! * [`Stop`]: whether the server is stopping, as an atomic load; the
//!   connection's task is registered once with the shutdown channel (see
//!   [`Stop::register`]) instead of once per wait.

use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::time::{Instant, Sleep};

/// The connection's timer (see the module documentation).
#[derive(Debug, Default)]
pub(crate) struct Deadline {
    sleep: Option<Pin<Box<Sleep>>>,
    /// The end of the current wait.
    at: Option<Instant>,
}

/// Thirty years: the end of a wait whose limit overflows an instant
/// (tokio's own "far future").
const FAR: Duration = Duration::from_secs(86_400 * 365 * 30);

impl Deadline {
    /// Starts a wait that must end within `limit` from now.
    pub(super) fn start(&mut self, limit: Duration) {
        let now = Instant::now();
        let at = now.checked_add(limit).unwrap_or_else(|| now + FAR);
        self.at = Some(at);
        match &mut self.sleep {
            // It fires early at worst: `poll_expired` sets it again.
            Some(s) if s.deadline() <= at => {}
            Some(s) => s.as_mut().reset(at),
            None => self.sleep = Some(Box::pin(tokio::time::sleep_until(at))),
        }
    }

    /// Ready once the current wait's end has passed (never before
    /// [`Deadline::start`]).
    pub(super) fn poll_expired(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let (Some(s), Some(at)) = (&mut self.sleep, self.at) else {
            return Poll::Pending;
        };
        loop {
            ready!(s.as_mut().poll(cx));
            if s.deadline() >= at {
                return Poll::Ready(());
            }
            s.as_mut().reset(at);
        }
    }
}

/// Polls `op` until it is ready; `None` once `limit` has passed since it
/// first had to wait. `op` may end the wait early by returning `Ready`.
pub(crate) async fn timed<T>(
    timer: &mut Deadline,
    limit: Duration,
    mut op: impl FnMut(&mut Context<'_>) -> Poll<T>,
) -> Option<T> {
    let mut armed = false;
    poll_fn(|cx| {
        if let Poll::Ready(v) = op(cx) {
            return Poll::Ready(Some(v));
        }
        if !armed {
            timer.start(limit);
            armed = true;
        }
        timer.poll_expired(cx).map(|()| None)
    })
    .await
}

pub(crate) use crate::record::Stop;

/// Polls `changed` (the shutdown channel's `changed()` future) once, which
/// registers the calling task with the channel for the life of the
/// connection: when the flag goes up the task is woken and the wait in
/// progress sees [`Stop::stopping`]. Every future of a task is polled with
/// the task's own waker, so the registration stays valid; the caller keeps
/// the future pinned until the connection ends and does not poll it again.
pub(crate) async fn register<F: Future>(changed: Pin<&mut F>) {
    let mut changed = changed;
    poll_fn(|cx| {
        let _ = changed.as_mut().poll(cx);
        Poll::Ready(())
    })
    .await
}

/// Writes all of `data` to `stream`; false when the write fails or
/// `limit` passes first (one bound for the whole write, on the
/// connection's timer).
pub(crate) async fn write_all<T: AsyncWrite + Unpin>(
    stream: &mut T,
    timer: &mut Deadline,
    limit: Duration,
    data: &[u8],
) -> bool {
    let mut done = 0;
    let w = timed(timer, limit, |cx| loop {
        if done == data.len() {
            return Poll::Ready(true);
        }
        match Pin::new(&mut *stream).poll_write(cx, &data[done..]) {
            Poll::Ready(Ok(n)) if n > 0 => done += n,
            Poll::Ready(_) => return Poll::Ready(false),
            Poll::Pending => return Poll::Pending,
        }
    });
    w.await == Some(true)
}

/// Reads into `buf` from `stream`; `None` when `limit` passes first.
pub(crate) async fn read<T: AsyncRead + Unpin>(
    stream: &mut T,
    timer: &mut Deadline,
    limit: Duration,
    buf: &mut [u8],
) -> Option<std::io::Result<usize>> {
    let mut rb = tokio::io::ReadBuf::new(buf);
    timed(timer, limit, |cx| {
        Pin::new(&mut *stream)
            .poll_read(cx, &mut rb)
            .map(|r| r.map(|()| rb.filled().len()))
    })
    .await
}
