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

    /// Whether [`Transport::poll_send_file`] can send a file's bytes
    /// straight from the kernel.
    fn sends_files(&self) -> bool {
        false
    }

    /// Holds back partial segments until `false` (TCP_CORK), so that a
    /// head and the file after it leave in full segments.
    fn cork(&self, _on: bool) {}

    /// Sends up to `count` bytes of `file` from `offset` without copying
    /// them through the server (`sendfile(2)`), for a transport that is a
    /// plain socket ([`Transport::sends_files`]); the count sent. Others
    /// (TLS, the tests' pipe) never get here.
    fn poll_send_file(
        &mut self,
        _cx: &mut Context<'_>,
        _file: &std::fs::File,
        _offset: u64,
        _count: usize,
    ) -> Poll<io::Result<usize>> {
        Poll::Ready(Err(io::ErrorKind::Unsupported.into()))
    }
}

impl Transport for tokio::net::TcpStream {
    fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        tokio::net::TcpStream::poll_read_ready(self, cx)
    }

    fn try_read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        tokio::net::TcpStream::try_read(self, buf)
    }

    fn sends_files(&self) -> bool {
        true
    }

    fn cork(&self, on: bool) {
        use std::os::fd::AsRawFd;
        // A failure only loses the coalescing.
        let _ = crate::sys::set_int_option(
            self.as_raw_fd(),
            libc::IPPROTO_TCP,
            libc::TCP_CORK,
            on.into(),
        );
    }

    fn poll_send_file(
        &mut self,
        cx: &mut Context<'_>,
        file: &std::fs::File,
        offset: u64,
        count: usize,
    ) -> Poll<io::Result<usize>> {
        use std::os::fd::AsRawFd;
        loop {
            std::task::ready!(self.poll_write_ready(cx))?;
            let r = self.try_io(tokio::io::Interest::WRITABLE, || {
                let mut off = libc::off_t::try_from(offset)
                    .map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
                // SAFETY: two open descriptors and a valid offset pointer;
                // the kernel writes at most `count` bytes to the socket.
                let n =
                    unsafe { libc::sendfile(self.as_raw_fd(), file.as_raw_fd(), &mut off, count) };
                if n < 0 {
                    Err(io::Error::last_os_error())
                } else {
                    Ok(n as usize)
                }
            });
            match r {
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => continue,
                r => return Poll::Ready(r),
            }
        }
    }
}

impl Transport for tokio::io::DuplexStream {}
