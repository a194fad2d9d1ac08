//! The descriptor a sink writes to, behind a lock that lets it be swapped
//! (reopen) or closed without splitting a record.

use std::io;
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

use super::PIPE_BUF;

/// A descriptor: owned (closed on drop) or one of the standard streams
/// (never closed).
#[derive(Debug)]
pub(super) enum Fd {
    /// A descriptor this sink opened and closes.
    Owned(OwnedFd),
    /// A standard stream (1 or 2), borrowed for the life of the process.
    Std(RawFd),
}

impl Fd {
    fn raw(&self) -> RawFd {
        match self {
            Fd::Owned(fd) => fd.as_raw_fd(),
            Fd::Std(fd) => *fd,
        }
    }
}

/// A writable descriptor shared by many writers.
///
/// Writers take the lock shared; swapping or closing the descriptor takes
/// it exclusively, so it waits for writes in flight and every record goes
/// whole to exactly one descriptor. On a descriptor that is not a regular
/// file (pipe, FIFO, terminal) a record longer than `PIPE_BUF` is written
/// under the exclusive lock, because the kernel may split such a write and
/// let another writer's data in between.
#[derive(Debug)]
pub(super) struct Out {
    fd: RwLock<Option<Fd>>,
}

impl Out {
    /// Wraps `fd`.
    pub(super) fn new(fd: Fd) -> Out {
        Out {
            fd: RwLock::new(Some(fd)),
        }
    }

    fn read(&self) -> RwLockReadGuard<'_, Option<Fd>> {
        self.fd.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write_lock(&self) -> RwLockWriteGuard<'_, Option<Fd>> {
        self.fd.write().unwrap_or_else(|e| e.into_inner())
    }

    /// Writes `buf` whole (see [`write_all_fd`]).
    pub(super) fn write(&self, buf: &[u8]) -> io::Result<()> {
        if buf.len() <= PIPE_BUF {
            let g = self.read();
            return match &*g {
                Some(fd) => write_all_fd(fd.raw(), buf),
                None => Err(closed()),
            };
        }
        // Large record: a regular file appends it atomically under the
        // inode lock, anything else needs exclusion from other writers.
        {
            let g = self.read();
            match &*g {
                None => return Err(closed()),
                Some(fd) if is_regular(fd.raw()) => return write_all_fd(fd.raw(), buf),
                Some(_) => {}
            }
        }
        let g = self.write_lock();
        match &*g {
            Some(fd) => write_all_fd(fd.raw(), buf),
            None => Err(closed()),
        }
    }

    /// Puts `fd` in place of the current descriptor once the writes in
    /// flight are done; returns the old one.
    pub(super) fn replace(&self, fd: Fd) -> Option<Fd> {
        self.write_lock().replace(fd)
    }

    /// Takes the descriptor out (later writes fail) once the writes in
    /// flight are done.
    pub(super) fn take(&self) -> Option<Fd> {
        self.write_lock().take()
    }
}

/// The error a closed sink returns.
pub(super) fn closed() -> io::Error {
    io::Error::new(io::ErrorKind::BrokenPipe, "log sink is closed")
}

fn is_regular(fd: RawFd) -> bool {
    // SAFETY: `st` is plain data; fstat only writes into it.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: `fd` is open for the duration (the caller holds the lock).
    let r = unsafe { libc::fstat(fd, &mut st) };
    r == 0 && (st.st_mode & libc::S_IFMT) == libc::S_IFREG
}

/// Writes all of `buf` to `fd`: one `write(2)` in the normal case; the rest
/// of a short write is written again, and `EINTR` is retried, so a record is
/// never dropped half way. `EAGAIN` (a descriptor someone made
/// non-blocking) waits for the descriptor to become writable.
pub(super) fn write_all_fd(fd: RawFd, mut buf: &[u8]) -> io::Result<()> {
    while !buf.is_empty() {
        // SAFETY: `buf` is a valid initialized slice for the whole call.
        let n = unsafe { libc::write(fd, buf.as_ptr().cast(), buf.len()) };
        if n < 0 {
            let e = io::Error::last_os_error();
            match e.kind() {
                io::ErrorKind::Interrupted => continue,
                io::ErrorKind::WouldBlock => {
                    wait_writable(fd)?;
                    continue;
                }
                _ => return Err(e),
            }
        }
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::WriteZero,
                "write(2) wrote nothing",
            ));
        }
        buf = &buf[n as usize..];
    }
    Ok(())
}

fn wait_writable(fd: RawFd) -> io::Result<()> {
    let mut p = libc::pollfd {
        fd,
        events: libc::POLLOUT,
        revents: 0,
    };
    // SAFETY: one valid pollfd.
    let r = unsafe { libc::poll(&mut p, 1, 1000) };
    if r < 0 {
        let e = io::Error::last_os_error();
        if e.kind() != io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
    Ok(())
}
