//! The descriptor a sink writes to, behind a lock that lets it be swapped
//! (reopen) or closed without splitting a record, and what the sink does
//! when a write fails (full disk, I/O error, quota) so that no record is
//! ever glued to a piece of another.
//!
//! # Failed and short writes
//!
//! The fast path is one `write(2)` under a shared lock. Anything else — a
//! short write, an error, or a destination already known to be in trouble
//! — goes to the slow path, which holds the lock exclusively (no other
//! write of this sink is in flight) and:
//!
//! * finishes a short write by writing the rest, provided the destination
//!   still ends with the piece written (on a regular file this is checked
//!   by reading the file's last bytes back);
//! * otherwise starts the record with a newline if the destination does
//!   not end in LF, so a fragment left by an earlier failure stays alone
//!   on its line (a regular file's last byte is read with `pread`; for a
//!   pipe or terminal the sink remembers whether it left a fragment);
//! * counts the records it could not write, and reports a burst of
//!   failures once when it starts and once, with the count, when a write
//!   succeeds again (or the sink closes).

use std::io::{self, Write as _};
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

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

/// Where a sink's messages about failed writes go: one line per message,
/// without a trailing newline.
///
/// The default, [`Reporter::stderr`], prints `spoor: <message>` on
/// standard error.
#[derive(Clone)]
pub struct Reporter(Arc<dyn Fn(&str) + Send + Sync>);

impl Reporter {
    /// Messages go to `f`.
    pub fn new(f: impl Fn(&str) + Send + Sync + 'static) -> Reporter {
        Reporter(Arc::new(f))
    }

    /// Messages go to standard error as `spoor: <message>` (a failure to
    /// write there is ignored).
    pub fn stderr() -> Reporter {
        Reporter::new(|msg| {
            let _ = writeln!(io::stderr().lock(), "spoor: {msg}");
        })
    }

    /// Passes one message on.
    pub fn report(&self, msg: &str) {
        (self.0)(msg)
    }
}

impl Default for Reporter {
    fn default() -> Self {
        Reporter::stderr()
    }
}

impl std::fmt::Debug for Reporter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Reporter")
    }
}

/// The system calls the write path uses. [`Libc`] makes them; unit tests
/// put a simulated file behind them (short writes, `ENOSPC`, …).
pub(super) trait Sys: Send + Sync {
    /// `write(2)`.
    fn write(&self, fd: RawFd, buf: &[u8]) -> io::Result<usize>;
    /// `writev(2)` of `first` then `rest`.
    fn write2(&self, fd: RawFd, first: &[u8], rest: &[u8]) -> io::Result<usize>;
    /// Whether `fd` is a regular file.
    fn is_regular(&self, fd: RawFd) -> bool;
    /// Up to `n` bytes just before the place the next write to the regular
    /// file `fd` lands (its end with `O_APPEND`, else its offset).
    fn tail(&self, fd: RawFd, n: usize) -> io::Result<Vec<u8>>;
    /// Waits (at most a second) for a non-blocking `fd` to take data.
    fn wait_writable(&self, fd: RawFd) -> io::Result<()>;
}

/// The real system calls.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct Libc;

impl Sys for Libc {
    #[inline]
    fn write(&self, fd: RawFd, buf: &[u8]) -> io::Result<usize> {
        // SAFETY: `buf` is a valid initialized slice for the whole call.
        let n = unsafe { libc::write(fd, buf.as_ptr().cast(), buf.len()) };
        if n < 0 {
            Err(io::Error::last_os_error())
        } else {
            Ok(n as usize)
        }
    }

    fn write2(&self, fd: RawFd, first: &[u8], rest: &[u8]) -> io::Result<usize> {
        let iov = [
            libc::iovec {
                iov_base: first.as_ptr() as *mut libc::c_void,
                iov_len: first.len(),
            },
            libc::iovec {
                iov_base: rest.as_ptr() as *mut libc::c_void,
                iov_len: rest.len(),
            },
        ];
        // SAFETY: two iovecs over valid slices, only read by the kernel.
        let n = unsafe { libc::writev(fd, iov.as_ptr(), 2) };
        if n < 0 {
            Err(io::Error::last_os_error())
        } else {
            Ok(n as usize)
        }
    }

    fn is_regular(&self, fd: RawFd) -> bool {
        is_regular(fd)
    }

    fn tail(&self, fd: RawFd, n: usize) -> io::Result<Vec<u8>> {
        // SAFETY: fcntl on a descriptor the caller keeps open.
        let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
        if flags < 0 {
            return Err(io::Error::last_os_error());
        }
        let pos = if flags & libc::O_APPEND != 0 {
            // SAFETY: `st` is plain data; fstat only writes into it.
            let mut st: libc::stat = unsafe { std::mem::zeroed() };
            // SAFETY: as above.
            if unsafe { libc::fstat(fd, &mut st) } != 0 {
                return Err(io::Error::last_os_error());
            }
            st.st_size
        } else {
            // SAFETY: lseek without moving.
            let p = unsafe { libc::lseek(fd, 0, libc::SEEK_CUR) };
            if p < 0 {
                return Err(io::Error::last_os_error());
            }
            p
        };
        let want = (n as i64).min(pos).max(0) as usize;
        if want == 0 {
            return Ok(Vec::new());
        }
        // A log is opened write-only: read through a descriptor of our
        // own on the same open file (Linux's /proc/self/fd), which works
        // even after the file was renamed away.
        let reader;
        let rfd = if flags & libc::O_ACCMODE == libc::O_WRONLY {
            reader = std::fs::File::open(format!("/proc/self/fd/{fd}"))?;
            reader.as_raw_fd()
        } else {
            fd
        };
        let mut out = vec![0u8; want];
        let mut got = 0;
        while got < want {
            let at = pos - (want - got) as i64;
            // SAFETY: `out[got..]` is valid for writes of its length.
            let r = unsafe {
                libc::pread(
                    rfd,
                    out[got..].as_mut_ptr().cast(),
                    want - got,
                    at as libc::off_t,
                )
            };
            if r < 0 {
                let e = io::Error::last_os_error();
                if e.kind() == io::ErrorKind::Interrupted {
                    continue;
                }
                return Err(e);
            }
            if r == 0 {
                // The file shrank meanwhile: what was read is what there is.
                out.truncate(got);
                break;
            }
            got += r as usize;
        }
        Ok(out)
    }

    fn wait_writable(&self, fd: RawFd) -> io::Result<()> {
        wait_writable(fd)
    }
}

/// How many bytes of a short write's piece are read back to check that
/// the file still ends with it.
const TAIL_CHECK: usize = 4096;

/// What the slow path knows about the destination; only touched under the
/// exclusive lock.
#[derive(Debug)]
struct Slot {
    fd: Option<Fd>,
    /// Bumped each time the descriptor is replaced.
    gen: u64,
    /// The destination may end in the middle of a record (a fragment left
    /// by a failed write, or found at open). Authoritative for pipes and
    /// terminals; a regular file's last byte is read instead.
    torn: bool,
    /// The failure burst under way: its first error and the records lost
    /// since it began.
    burst: Option<(String, u64)>,
}

/// A writable descriptor shared by many writers.
///
/// Writers take the lock shared; swapping or closing the descriptor takes
/// it exclusively, so it waits for writes in flight and every record goes
/// whole to exactly one descriptor. On a descriptor that is not a regular
/// file (pipe, FIFO, terminal) a record longer than `PIPE_BUF` is written
/// under the exclusive lock, because the kernel may split such a write and
/// let another writer's data in between. Failed and short writes: see the
/// module documentation.
pub(super) struct Out<S: Sys = Libc> {
    slot: RwLock<Slot>,
    /// Set while the slow path must run: a burst of failures, or a
    /// destination that may end in a fragment. Read under the shared lock,
    /// written under the exclusive one.
    trouble: AtomicBool,
    /// Records lost over the life of the sink.
    lost: AtomicU64,
    name: String,
    reporter: Reporter,
    sys: S,
}

impl<S: Sys> std::fmt::Debug for Out<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Out").field("name", &self.name).finish()
    }
}

impl Out<Libc> {
    /// Wraps `fd`; `name` is the target as messages show it.
    pub(super) fn new(fd: Fd, name: &str, reporter: &Reporter) -> Out {
        Out::with_sys(fd, name, reporter, Libc)
    }
}

impl<S: Sys> Out<S> {
    pub(super) fn with_sys(fd: Fd, name: &str, reporter: &Reporter, sys: S) -> Out<S> {
        let torn = ends_torn(&sys, fd.raw());
        Out {
            slot: RwLock::new(Slot {
                fd: Some(fd),
                gen: 0,
                torn,
                burst: None,
            }),
            trouble: AtomicBool::new(torn),
            lost: AtomicU64::new(0),
            name: name.to_string(),
            reporter: reporter.clone(),
            sys,
        }
    }

    fn read(&self) -> RwLockReadGuard<'_, Slot> {
        self.slot.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write_lock(&self) -> RwLockWriteGuard<'_, Slot> {
        self.slot.write().unwrap_or_else(|e| e.into_inner())
    }

    /// Records this sink could not write, over its whole life.
    pub(super) fn lost(&self) -> u64 {
        self.lost.load(Ordering::Relaxed)
    }

    /// Writes `buf` (one or more whole records) whole: one `write(2)` when
    /// all is well, else the slow path (module documentation).
    #[inline]
    pub(super) fn write(&self, buf: &[u8]) -> io::Result<()> {
        let (done, gen, err) = {
            let g = self.read();
            let Some(fd) = &g.fd else {
                return Err(closed());
            };
            if self.trouble.load(Ordering::Relaxed)
                || (buf.len() > PIPE_BUF && !self.sys.is_regular(fd.raw()))
            {
                // Trouble, or a large record on a pipe: the slow path, with
                // the other writers kept out.
                (0, g.gen, None)
            } else {
                let r = match self.sys.write(fd.raw(), buf) {
                    Ok(n) if n == buf.len() => return Ok(()),
                    Ok(n) => (n, g.gen, None),
                    Err(e) if retryable(&e) => (0, g.gen, None),
                    Err(e) => (0, g.gen, Some(e)),
                };
                // Writers that have not yet looked take the slow path from
                // now on.
                self.trouble.store(true, Ordering::Relaxed);
                r
            }
        };
        self.write_slow(buf, done, gen, err)
    }

    /// The slow path, under the exclusive lock. `done` bytes of `buf` were
    /// written by the fast path to the descriptor of generation `gen`;
    /// `err` is the error it got, if any (then nothing is tried again).
    #[cold]
    fn write_slow(
        &self,
        buf: &[u8],
        mut done: usize,
        gen: u64,
        err: Option<io::Error>,
    ) -> io::Result<()> {
        let mut g = self.write_lock();
        let slot = &mut *g;
        let Some(fd) = slot.fd.as_ref().map(Fd::raw) else {
            return Err(closed());
        };
        let regular = self.sys.is_regular(fd);
        // Does the destination still end with the piece the fast path
        // wrote? (Only a piece cut inside a record matters: after a cut at
        // a record boundary the rest starts a record anyway.)
        let mut continuing = false;
        if done > 0 && buf[done - 1] != b'\n' {
            // The piece's last bytes (at most a page of them) are enough.
            let k = done.min(TAIL_CHECK);
            continuing = slot.gen == gen
                && (!regular || self.sys.tail(fd, k).is_ok_and(|t| t == buf[done - k..done]));
            if !continuing {
                // Something came after the piece (or the file changed):
                // the whole record is written again on a line of its own.
                done = 0;
            }
        }
        // Whether the destination now ends in LF.
        let mut clean = if continuing {
            false
        } else if regular {
            match self.sys.tail(fd, 1) {
                Ok(t) => t.last().is_none_or(|&b| b == b'\n'),
                Err(_) => !slot.torn,
            }
        } else {
            !slot.torn
        };
        let result = match err {
            Some(e) => Err(e),
            None => loop {
                let rest = &buf[done..];
                let newline = !clean && !continuing;
                let r = if newline {
                    self.sys.write2(fd, b"\n", rest)
                } else {
                    self.sys.write(fd, rest)
                };
                match r {
                    Ok(0) => {
                        break Err(io::Error::new(
                            io::ErrorKind::WriteZero,
                            "write(2) wrote nothing",
                        ))
                    }
                    Ok(mut n) => {
                        if newline {
                            n -= 1;
                            clean = true;
                        }
                        if n > 0 {
                            done += n;
                            continuing = true;
                            clean = buf[done - 1] == b'\n';
                        }
                        if done == buf.len() {
                            break Ok(());
                        }
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                        if let Err(e) = self.sys.wait_writable(fd) {
                            break Err(e);
                        }
                    }
                    Err(e) => break Err(e),
                }
            },
        };
        slot.torn = !clean;
        let mut notice = None;
        match &result {
            Ok(()) => {
                if let Some((error, lost)) = slot.burst.take() {
                    notice = Some(format!(
                        "{} lost while {} could not be written: {error}",
                        records(lost),
                        self.name
                    ));
                }
            }
            Err(e) => {
                let lost = records_in(&buf[done..]);
                self.lost.fetch_add(lost, Ordering::Relaxed);
                match &mut slot.burst {
                    Some((_, n)) => *n += lost,
                    None => {
                        slot.burst = Some((e.to_string(), lost));
                        notice = Some(format!(
                            "AH00646: Error writing to {}: {e}; records that cannot be written are counted and reported once it can be written again",
                            self.name
                        ));
                    }
                }
            }
        }
        self.trouble
            .store(slot.torn || slot.burst.is_some(), Ordering::Relaxed);
        drop(g);
        if let Some(m) = notice {
            self.reporter.report(&m);
        }
        result
    }

    /// Reports the records lost in a burst still under way (the sink is
    /// closing, so no later write will).
    pub(super) fn end_burst(&self) {
        let burst = self.write_lock().burst.take();
        if let Some((error, lost)) = burst {
            self.reporter.report(&format!(
                "{} lost while {} could not be written: {error}; closed before it could be written again",
                records(lost),
                self.name
            ));
        }
    }

    /// Puts `fd` in place of the current descriptor once the writes in
    /// flight are done; returns the old one. A new file that does not end
    /// in LF gets its next record on a new line.
    pub(super) fn replace(&self, fd: Fd) -> Option<Fd> {
        let torn = ends_torn(&self.sys, fd.raw());
        let mut g = self.write_lock();
        g.gen += 1;
        g.torn = torn;
        self.trouble
            .store(torn || g.burst.is_some(), Ordering::Relaxed);
        g.fd.replace(fd)
    }

    /// Takes the descriptor out (later writes fail) once the writes in
    /// flight are done.
    pub(super) fn take(&self) -> Option<Fd> {
        self.write_lock().fd.take()
    }
}

/// Whether `fd` is a non-empty regular file whose last byte (before the
/// write position) is not LF.
fn ends_torn(sys: &impl Sys, fd: RawFd) -> bool {
    sys.is_regular(fd)
        && sys
            .tail(fd, 1)
            .is_ok_and(|t| t.last().is_some_and(|&b| b != b'\n'))
}

/// The last byte of the regular file `fd` before its write position
/// (`None`: empty); an error for anything but a regular file, or when it
/// cannot be read.
pub(crate) fn fd_last_byte(fd: RawFd) -> io::Result<Option<u8>> {
    if !is_regular(fd) {
        return Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "not a regular file",
        ));
    }
    Libc.tail(fd, 1).map(|t| t.last().copied())
}

/// `writev(2)` of `first` then `rest` on `fd`.
pub(crate) fn writev2(fd: RawFd, first: &[u8], rest: &[u8]) -> io::Result<usize> {
    Libc.write2(fd, first, rest)
}

fn retryable(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::Interrupted | io::ErrorKind::WouldBlock
    )
}

/// The records in `rest`, the part of a write that did not reach the
/// destination: one per LF, and one for a last record without LF.
fn records_in(rest: &[u8]) -> u64 {
    let lf = rest.iter().filter(|&&b| b == b'\n').count() as u64;
    lf + u64::from(rest.last().is_some_and(|&b| b != b'\n'))
}

fn records(n: u64) -> String {
    if n == 1 {
        "1 record".to_string()
    } else {
        format!("{n} records")
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

/// Writes all of `buf` to `fd`: the rest of a short write is written
/// again, `EINTR` is retried, and `EAGAIN` (a descriptor someone made
/// non-blocking) waits for the descriptor to become writable.
#[cfg(test)]
pub(super) fn write_all_fd(fd: RawFd, mut buf: &[u8]) -> io::Result<()> {
    while !buf.is_empty() {
        match Libc.write(fd, buf) {
            Ok(0) => {
                return Err(io::Error::new(
                    io::ErrorKind::WriteZero,
                    "write(2) wrote nothing",
                ))
            }
            Ok(n) => buf = &buf[n..],
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => wait_writable(fd)?,
            Err(e) => return Err(e),
        }
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
