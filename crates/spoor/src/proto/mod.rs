//! The protocol layer: framing only. [`h1`] turns bytes from a transport
//! into request records, runs the request phases on them
//! ([`crate::hooks`]) and writes the responses they build.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

pub(crate) mod h1;

/// A byte stream a connection is served over: TCP today; a TLS stream or
/// an in-memory pipe (the protocol layer's tests) need only this.
pub(crate) trait Transport: AsyncRead + AsyncWrite + Unpin + Send + Sync + 'static {
    /// Waits until a read would find data (or the end), without taking
    /// any: an idle connection waits holding no buffers. The default says
    /// "ready" at once, so the caller takes its buffers and reads.
    fn poll_read_ready(&self, _cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    /// Reads what has already arrived, without waiting (`WouldBlock`
    /// when nothing has).
    fn try_read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut cx = Context::from_waker(std::task::Waker::noop());
        let mut rb = ReadBuf::new(buf);
        match Pin::new(self).poll_read(&mut cx, &mut rb) {
            Poll::Ready(Ok(())) => Ok(rb.filled().len()),
            Poll::Ready(Err(e)) => Err(e),
            Poll::Pending => Err(io::ErrorKind::WouldBlock.into()),
        }
    }
}

impl Transport for tokio::net::TcpStream {
    fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        tokio::net::TcpStream::poll_read_ready(self, cx)
    }

    fn try_read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        tokio::net::TcpStream::try_read(self, buf)
    }
}

impl Transport for tokio::io::DuplexStream {}
