//! Where rendered records go: files, reliable piped loggers, standard
//! output and standard error, each optionally buffered.
//!
//! A [`Sink`] is shared by many threads (it is `Send + Sync`; hold it in an
//! `Arc`). Every record handed to [`Sink::write_record`] is one complete
//! line ending in LF and reaches the destination whole, never split and
//! never interleaved with another record:
//!
//! * **Files** are opened `O_WRONLY|O_APPEND|O_CREAT` (mode `0666` less the
//!   umask), and each record is one `write(2)` (see *Failed writes*
//!   below), except that records handed to [`Sink::write_record_grouped`]
//!   while another thread is writing go out with that thread's, several
//!   whole records in one `write(2)` (group commit, module `group`). [`Sink::reopen`] opens the path again (log rotation on SIGHUP/SIGUSR1) and swaps the descriptor
//!   once the writes in flight are done, so every record lands whole in
//!   either the old or the new file.
//! * **Piped loggers** (`|prog args`, `||prog args`, `|$shell command`) are
//!   httpd's *reliable piped logs*: the parent keeps both ends of the pipe,
//!   so what is already in the pipe when the logger dies is read by the
//!   logger started in its place; a thread watches the child and restarts
//!   it (reporting httpd's AH00106 on standard error) unless the sink is
//!   closing. Writers block while the pipe is full (back-pressure), nothing
//!   is dropped.
//! * **Periodic files** ([`Sink::periodic`], module [`periodic`]): a file
//!   named after the start date of the current day, week or month,
//!   switched on the first record after local midnight of a new period,
//!   with the same swap as a reopen.
//! * **Standard output / error**, for the built-in default configuration.
//! * **Buffered mode** (`BufferedLogs On`): records collect in a
//!   [`LOG_BUFSIZE`]-byte buffer per sink, written when the next record
//!   would not fit, on [`Sink::flush`], [`Sink::reopen`], [`Sink::close`]
//!   and drop, and — a spoor extension, httpd has no timer — by a
//!   background thread once the oldest buffered record is older than
//!   [`SinkOptions::flush_interval`].
//!
//! # Failed writes (full disk, I/O errors)
//!
//! A record that cannot be written is lost, but it never tears another:
//!
//! * the rest of a short write is written straight after it, while the
//!   sink's other writers wait, if the destination still ends with the
//!   piece written (for a regular file, checked by reading it back through
//!   `/proc/self/fd`, since the log is open write-only);
//! * when a write fails part way, the fragment it left is ended by a
//!   newline at the start of the next successful write, so it stands alone
//!   on its line and the next record starts a line of its own. A file
//!   that does not end in LF when it is opened (a fragment left by an
//!   earlier run) gets the same newline;
//! * records that could not be written are counted ([`Sink::lost_records`])
//!   and a run of failures is reported once to
//!   [`SinkOptions::reporter`] when it begins (`AH00646: Error writing to
//!   …`) and once when a write succeeds again (`N records lost while … could
//!   not be written: <error>`), or when the sink closes first. A buffered
//!   sink counts the records of a buffer it could not write.
//!
//! While writes succeed none of this costs a system call: the check is
//! one flag read under the lock the write takes anyway.
//!
//! The one case this cannot cover: a write another thread had already
//! started when a write was cut short cannot be held back, so if space
//! comes back within those microseconds (something else freed it at that
//! very instant) that record follows the fragment on its line.
//!
//! ```no_run
//! use spoor_log::sink::{Sink, SinkOptions};
//!
//! let log = Sink::open("logs/access_log", &SinkOptions::default())?;
//! log.write_record(b"127.0.0.1 - - [01/Jan/2026:00:00:00 +0000] \"GET / HTTP/1.1\" 200 5\n")?;
//! log.reopen()?; // after the file was renamed away
//! log.close()?;
//! # Ok::<(), std::io::Error>(())
//! ```

mod argv;
pub(crate) mod fd;
mod group;
pub mod periodic;
mod pipe;
#[cfg(test)]
mod tests_fail;

use std::fmt;
use std::fs::OpenOptions;
use std::io;
use std::os::fd::OwnedFd;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

pub use argv::tokenize_argv;
pub use fd::Reporter;
pub use periodic::{Clock, ManualClock, Period, PeriodicName, PeriodicSpec, SystemClock};

use fd::{closed, Fd, Out};
use periodic::Periodic;
use pipe::Piped;

/// `PIPE_BUF`: writes of at most this many bytes to a pipe are atomic.
pub const PIPE_BUF: usize = libc::PIPE_BUF;

/// Size of a buffered sink's buffer: `PIPE_BUF`, as httpd's `LOG_BUFSIZE`.
pub const LOG_BUFSIZE: usize = PIPE_BUF;

/// How a [`Sink`] is opened.
#[derive(Debug, Clone)]
pub struct SinkOptions {
    /// Buffer records (`BufferedLogs On`). Default: off.
    pub buffered: bool,
    /// With `buffered`, the longest a record waits in the buffer before the
    /// flush thread writes it (a spoor extension). Default: 1 second.
    pub flush_interval: Duration,
    /// Working directory of a piped logger (httpd uses the ServerRoot).
    /// `None`: the server's own working directory.
    pub working_dir: Option<PathBuf>,
    /// On close, how long a piped logger gets to read what is left in the
    /// pipe and exit by itself before it is sent SIGTERM. Default: 5 s.
    pub drain_timeout: Duration,
    /// Where the sink reports failed writes (once per run of failures),
    /// a new periodic file it cannot open, and records handed to it after
    /// it closed. Default: standard error.
    pub reporter: Reporter,
}

impl Default for SinkOptions {
    fn default() -> Self {
        SinkOptions {
            buffered: false,
            flush_interval: Duration::from_secs(1),
            working_dir: None,
            drain_timeout: Duration::from_secs(5),
            reporter: Reporter::stderr(),
        }
    }
}

/// The program of a piped log target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PipedCommand {
    /// `|prog args`: executed directly (no shell, no `PATH` search, as
    /// httpd's `APR_PROGRAM_ENV`), arguments split by [`tokenize_argv`].
    Program(Vec<String>),
    /// `|$command`: run as `/bin/sh -c command`. As in httpd, the command
    /// is first split by [`tokenize_argv`] and the pieces joined again with
    /// single spaces, so quotes and backslashes are consumed before the
    /// shell sees the line.
    Shell(String),
}

impl PipedCommand {
    /// Parses the text after a target's leading `|`: one more `|` is
    /// dropped (`||prog` is `|prog`), then a leading `$` selects the shell.
    pub fn parse(after_bar: &str) -> PipedCommand {
        let s = after_bar.strip_prefix('|').unwrap_or(after_bar);
        match s.strip_prefix('$') {
            Some(shell) => PipedCommand::Shell(tokenize_argv(shell).join(" ")),
            None => PipedCommand::Program(tokenize_argv(s)),
        }
    }

    fn is_empty(&self) -> bool {
        match self {
            PipedCommand::Program(argv) => argv.is_empty(),
            PipedCommand::Shell(line) => line.is_empty(),
        }
    }
}

/// A log target as written in `CustomLog`/`TransferLog`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A file path (the caller resolves a relative one against ServerRoot).
    File(PathBuf),
    /// A piped logger.
    Piped(PipedCommand),
}

impl Target {
    /// `|…` is a piped logger ([`PipedCommand::parse`]), anything else a
    /// file path.
    pub fn parse(spec: &str) -> Target {
        match spec.strip_prefix('|') {
            Some(rest) => Target::Piped(PipedCommand::parse(rest)),
            None => Target::File(PathBuf::from(spec)),
        }
    }
}

enum Dest {
    File { path: PathBuf, out: Out },
    Pipe(Piped),
    Std(Out),
    Periodic { periodic: Periodic, out: Out },
}

impl Dest {
    fn out(&self) -> &Out {
        match self {
            Dest::File { out, .. } | Dest::Std(out) | Dest::Periodic { out, .. } => out,
            Dest::Pipe(p) => &p.out,
        }
    }
}

struct BufState {
    data: Vec<u8>,
    /// When the oldest record now in `data` went in.
    since: Option<Instant>,
    stop: bool,
    /// The flush thread waits without a deadline: a record going into an
    /// empty buffer must wake it. (Otherwise it wakes by itself when its
    /// deadline passes and sees the newer record then: under load the
    /// writers make no wake-up call, and the thread runs about once per
    /// interval instead of once per buffer.)
    idle: bool,
}

struct Buffer {
    state: Mutex<BufState>,
    /// Wakes the flush thread when an empty buffer receives data or the
    /// sink closes.
    cond: Condvar,
    interval: Duration,
}

impl Buffer {
    fn lock(&self) -> MutexGuard<'_, BufState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }
}

struct Inner {
    name: String,
    dest: Dest,
    buffer: Option<Buffer>,
    drain_timeout: Duration,
    closed: AtomicBool,
    reporter: Reporter,
    /// Records handed over after the sink closed (reported once).
    late: AtomicU64,
    /// Group commit for [`Sink::write_record_grouped`].
    group: group::Group,
}

impl Inner {
    /// Writes the buffer out (one write; it is at most `PIPE_BUF` bytes, so
    /// atomic on a pipe too). The buffer is emptied even on error: its
    /// records are counted as lost and never written twice.
    fn flush_locked(&self, st: &mut BufState) -> io::Result<()> {
        st.since = None;
        if st.data.is_empty() {
            return Ok(());
        }
        let r = self.dest.out().write(&st.data);
        st.data.clear();
        r
    }

    /// A periodic sink's switch to the new period's file: the buffer (if
    /// any) goes to the old file first, under the buffer lock so no record
    /// slips in between; then the descriptor is swapped once the writes in
    /// flight are done.
    fn switch_period(&self) -> io::Result<()> {
        let Dest::Periodic { periodic, out } = &self.dest else {
            return Ok(());
        };
        let mut guard = self.buffer.as_ref().map(Buffer::lock);
        let mut flushed = Ok(());
        periodic.rotate(open_append, |fd| {
            if let Some(st) = guard.as_deref_mut() {
                flushed = self.flush_locked(st);
            }
            drop(out.replace(Fd::Owned(fd)));
        })?;
        flushed
    }
}

/// An access-log destination shared by many writer threads.
///
/// Dropping a sink closes it ([`Sink::close`]); errors at that point are
/// reported on standard error.
pub struct Sink {
    inner: Arc<Inner>,
    flusher: Mutex<Option<JoinHandle<()>>>,
}

impl fmt::Debug for Sink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sink")
            .field("name", &self.inner.name)
            .field("buffered", &self.inner.buffer.is_some())
            .finish_non_exhaustive()
    }
}

impl Sink {
    /// Opens a `CustomLog`-style target: `|…` starts a piped logger, any
    /// other string is a file path, used as given.
    pub fn open(spec: &str, opts: &SinkOptions) -> io::Result<Sink> {
        match Target::parse(spec) {
            Target::File(path) => Sink::file(path, opts),
            Target::Piped(cmd) => {
                let display = &spec[1..];
                let display = display.strip_prefix('|').unwrap_or(display);
                let display = display.strip_prefix('$').unwrap_or(display);
                Sink::build(
                    display.to_string(),
                    Dest::Pipe(Piped::start(
                        cmd,
                        display.to_string(),
                        opts.working_dir.as_deref(),
                        &opts.reporter,
                    )?),
                    opts,
                )
            }
        }
    }

    /// Opens `path` for appending (`O_WRONLY|O_APPEND|O_CREAT`, mode
    /// `0666 & ~umask`, close-on-exec).
    ///
    /// Each record is one `write(2)`. httpd makes a single write and does
    /// not retry; spoor writes the rest of a short write (only seen on
    /// errors such as a full disk) while its other writers wait, retries
    /// `EINTR`, and never lets a fragment of a failed write run into the
    /// next record (module documentation, *Failed writes*).
    pub fn file(path: impl AsRef<Path>, opts: &SinkOptions) -> io::Result<Sink> {
        let path = path.as_ref().to_path_buf();
        let fd = open_append(&path)?;
        let name = path.display().to_string();
        let out = Out::new(Fd::Owned(fd), &name, &opts.reporter);
        Sink::build(name, Dest::File { path, out }, opts)
    }

    /// Opens a periodic file: the file of the period `spec`'s clock is in
    /// now (created and appended to as [`Sink::file`]), switched to the
    /// next period's file by the first record written after that period
    /// starts. Directories named by the date are created as needed (module
    /// [`periodic`]). If the new file cannot be opened, records keep going
    /// to the old one and are counted, the reporter hears of it once, and
    /// the switch is tried again a second later.
    pub fn periodic(spec: PeriodicSpec, opts: &SinkOptions) -> io::Result<Sink> {
        let name = match &spec.name {
            PeriodicName::Pattern(p) => p.display().to_string(),
            PeriodicName::Wasd(w) => w.dir.join(w.file_name(None)).display().to_string(),
        };
        let (periodic, fd) = Periodic::open(spec, &opts.reporter, open_append)?;
        let out = Out::new(Fd::Owned(fd), &name, &opts.reporter);
        Sink::build(name, Dest::Periodic { periodic, out }, opts)
    }

    /// The file records go to now: a file sink's path, a periodic sink's
    /// current file; `None` for pipes and standard streams.
    pub fn current_path(&self) -> Option<PathBuf> {
        match &self.inner.dest {
            Dest::File { path, .. } => Some(path.clone()),
            Dest::Periodic { periodic, .. } => Some(periodic.current_path()),
            _ => None,
        }
    }

    /// Starts a piped logger running `command` (see [`PipedCommand`]) with
    /// its standard input on a pipe; standard output and error are
    /// inherited. Fails if the program cannot be started.
    pub fn piped(command: PipedCommand, opts: &SinkOptions) -> io::Result<Sink> {
        let display = match &command {
            PipedCommand::Program(argv) => argv.join(" "),
            PipedCommand::Shell(line) => line.clone(),
        };
        let p = Piped::start(
            command,
            display.clone(),
            opts.working_dir.as_deref(),
            &opts.reporter,
        )?;
        Sink::build(display, Dest::Pipe(p), opts)
    }

    /// Standard output (descriptor 1, never closed by the sink).
    pub fn stdout(opts: &SinkOptions) -> io::Result<Sink> {
        let out = Out::new(Fd::Std(1), "/dev/stdout", &opts.reporter);
        Sink::build("/dev/stdout".into(), Dest::Std(out), opts)
    }

    /// Standard error (descriptor 2, never closed by the sink).
    pub fn stderr(opts: &SinkOptions) -> io::Result<Sink> {
        let out = Out::new(Fd::Std(2), "/dev/stderr", &opts.reporter);
        Sink::build("/dev/stderr".into(), Dest::Std(out), opts)
    }

    fn build(name: String, dest: Dest, opts: &SinkOptions) -> io::Result<Sink> {
        let buffer = opts.buffered.then(|| Buffer {
            state: Mutex::new(BufState {
                data: Vec::with_capacity(LOG_BUFSIZE),
                since: None,
                stop: false,
                idle: false,
            }),
            cond: Condvar::new(),
            interval: opts.flush_interval,
        });
        let inner = Arc::new(Inner {
            name,
            dest,
            buffer,
            drain_timeout: opts.drain_timeout,
            closed: AtomicBool::new(false),
            reporter: opts.reporter.clone(),
            late: AtomicU64::new(0),
            group: group::Group::default(),
        });
        let flusher = if inner.buffer.is_some() {
            let i2 = Arc::clone(&inner);
            Some(
                std::thread::Builder::new()
                    .name("spoor-log-flush".into())
                    .spawn(move || flush_thread(&i2))?,
            )
        } else {
            None
        };
        Ok(Sink {
            inner,
            flusher: Mutex::new(flusher),
        })
    }

    /// The target as configured (path, piped command, `/dev/stdout`,
    /// `/dev/stderr`), for messages.
    pub fn name(&self) -> &str {
        &self.inner.name
    }

    /// Whether this sink buffers records.
    pub fn is_buffered(&self) -> bool {
        self.inner.buffer.is_some()
    }

    /// Records this sink could not write (failed writes, buffers that could
    /// not be flushed, records handed over after it closed), over its whole
    /// life.
    pub fn lost_records(&self) -> u64 {
        self.inner.dest.out().lost() + self.inner.late.load(Ordering::Relaxed)
    }

    /// A piped logger's program and working directory; `None` for other
    /// sinks. A reload compares it with the new configuration's target to
    /// keep a logger whose command did not change.
    pub fn piped_command(&self) -> Option<(&PipedCommand, Option<&Path>)> {
        match &self.inner.dest {
            Dest::Pipe(p) => Some(p.command()),
            _ => None,
        }
    }

    /// Whether this is a periodic file ([`Sink::periodic`]).
    pub fn is_periodic(&self) -> bool {
        matches!(self.inner.dest, Dest::Periodic { .. })
    }

    /// The process id of a piped logger's current child; `None` for other
    /// sinks, or while the child is being restarted.
    pub fn child_pid(&self) -> Option<u32> {
        match &self.inner.dest {
            Dest::Pipe(p) => p.child_pid(),
            _ => None,
        }
    }

    /// Writes one complete record (ending in LF). Safe to call from many
    /// threads at once; records never split or interleave.
    ///
    /// Unbuffered, the record is one `write(2)` (see [`Sink::file`] for
    /// short writes). On a pipe a record of at most [`PIPE_BUF`] bytes is
    /// atomic by itself; a longer one is written while other writers of
    /// this sink wait. A full pipe blocks the caller until the logger reads.
    ///
    /// Buffered, the record is appended to the buffer; if it would not fit
    /// the buffer is written first, and a record of [`LOG_BUFSIZE`] bytes
    /// or more is written directly. An error writing the earlier buffer
    /// content is returned after the record has been handled.
    ///
    /// Every failure is also reported by the sink itself to
    /// [`SinkOptions::reporter`], once per run of failures (module
    /// documentation), so a caller may ignore the error.
    pub fn write_record(&self, line: &[u8]) -> io::Result<()> {
        self.write_record_as(line, false)
    }

    /// [`Sink::write_record`] for records nobody waits on, such as access
    /// log records: when another thread is writing to this sink at that
    /// moment, an unbuffered sink hands the record to it instead of
    /// waiting for the file's lock in the kernel, and that thread writes
    /// it before it returns (group commit; what this keeps and what it
    /// does not is in the `group` module's documentation). `Ok` then means
    /// handed over; a failure to write it is counted and reported by the
    /// sink as any other. A thread's records stay in the order it gave
    /// them. Buffered sinks buffer as with `write_record`.
    pub fn write_record_grouped(&self, line: &[u8]) -> io::Result<()> {
        self.write_record_as(line, true)
    }

    #[inline]
    fn write_record_as(&self, line: &[u8], grouped: bool) -> io::Result<()> {
        if self.inner.closed.load(Ordering::Acquire) {
            if self.inner.late.fetch_add(1, Ordering::Relaxed) == 0 {
                self.inner.reporter.report(&format!(
                    "a record was handed to {} after it closed and is lost (further ones are counted)",
                    self.inner.name
                ));
            }
            return Err(closed());
        }
        let switched = match &self.inner.dest {
            Dest::Periodic { periodic, .. } if periodic.is_due() => {
                // A failed switch is reported by the switch itself, once
                // per run of failures, and tried again a second later.
                let r = self.inner.switch_period();
                periodic.count_if_stale();
                r
            }
            Dest::Periodic { periodic, .. } => {
                periodic.count_if_stale();
                Ok(())
            }
            _ => Ok(()),
        };
        let Some(buf) = &self.inner.buffer else {
            let r = if grouped {
                self.inner
                    .group
                    .write(line, |b| self.inner.dest.out().write(b))
            } else {
                self.inner.dest.out().write(line)
            };
            return r.and(switched);
        };
        let mut st = buf.lock();
        if st.stop {
            return Err(closed());
        }
        let mut result = Ok(());
        if line.len() + st.data.len() > LOG_BUFSIZE {
            result = self.inner.flush_locked(&mut st);
        }
        if line.len() >= LOG_BUFSIZE {
            let r = self.inner.dest.out().write(line);
            result = result.and(r);
        } else if !line.is_empty() {
            if st.data.is_empty() {
                st.since = Some(Instant::now());
                if st.idle {
                    buf.cond.notify_one();
                }
            }
            st.data.extend_from_slice(line);
        }
        result.and(switched)
    }

    /// Writes out whatever a buffered sink holds. Nothing to do otherwise
    /// (records are not held in user space).
    pub fn flush(&self) -> io::Result<()> {
        match &self.inner.buffer {
            Some(buf) => self.inner.flush_locked(&mut buf.lock()),
            None => Ok(()),
        }
    }

    /// Log rotation (SIGHUP/SIGUSR1): a file sink opens its path again and
    /// swaps the descriptor in once the writes in flight are done; every
    /// record goes whole to either the old or the new file. The buffer of a
    /// buffered sink is written to the old file first. If the path cannot
    /// be opened the old descriptor stays in use and the error is returned.
    ///
    /// A piped logger keeps its child (records keep flowing to the same
    /// process) and standard streams stay as they are; both only flush.
    pub fn reopen(&self) -> io::Result<()> {
        if self.inner.closed.load(Ordering::Acquire) {
            return Err(closed());
        }
        let (path, out) = match &self.inner.dest {
            Dest::File { path, out } => (path.clone(), out),
            Dest::Periodic { periodic, out } => (periodic.current_path(), out),
            _ => return self.flush(),
        };
        let fd = open_append(&path)?;
        match &self.inner.buffer {
            Some(buf) => {
                let mut st = buf.lock();
                let r = self.inner.flush_locked(&mut st);
                drop(out.replace(Fd::Owned(fd)));
                r
            }
            None => {
                drop(out.replace(Fd::Owned(fd)));
                Ok(())
            }
        }
    }

    /// Flushes and closes: later writes fail. A piped logger's write end is
    /// closed, the child gets [`SinkOptions::drain_timeout`] to read the
    /// rest and exit, then SIGTERM (SIGKILL if it lingers) and is reaped;
    /// it is not restarted from then on. Calling it again does nothing.
    pub fn close(&self) -> io::Result<()> {
        let (flushed, closed) = self.close_parts();
        flushed.and(closed)
    }

    /// [`Sink::close`]'s two results: writing the buffer out (already
    /// reported by the sink when it fails) and closing the destination.
    fn close_parts(&self) -> (io::Result<()>, io::Result<()>) {
        if self.inner.closed.swap(true, Ordering::AcqRel) {
            return (Ok(()), Ok(()));
        }
        let mut result = Ok(());
        if let Some(buf) = &self.inner.buffer {
            let mut st = buf.lock();
            st.stop = true;
            result = self.inner.flush_locked(&mut st);
            buf.cond.notify_all();
        }
        let flusher = self
            .flusher
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if let Some(h) = flusher {
            let _ = h.join();
        }
        self.inner.dest.out().end_burst();
        let r = match &self.inner.dest {
            Dest::File { out, .. } | Dest::Std(out) | Dest::Periodic { out, .. } => {
                drop(out.take());
                Ok(())
            }
            Dest::Pipe(p) => p.close(self.inner.drain_timeout),
        };
        (result, r)
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        if let (_, Err(e)) = self.close_parts() {
            self.inner
                .reporter
                .report(&format!("closing {}: {e}", self.inner.name));
        }
    }
}

fn open_append(path: &Path) -> io::Result<OwnedFd> {
    let f = OpenOptions::new()
        .append(true)
        .create(true)
        .mode(0o666)
        .open(path)?;
    Ok(OwnedFd::from(f))
}

/// The flush thread of a buffered sink: sleeps while the buffer is empty,
/// writes it out once its oldest record is `interval` old.
fn flush_thread(inner: &Inner) {
    let Some(buf) = &inner.buffer else { return };
    let mut st = buf.lock();
    loop {
        if st.stop {
            return;
        }
        match st.since {
            None => {
                st.idle = true;
                st = buf.cond.wait(st).unwrap_or_else(|e| e.into_inner());
                st.idle = false;
            }
            Some(t) => {
                let due = t + buf.interval;
                let now = Instant::now();
                if now >= due {
                    // A failure is reported by the sink (once per run).
                    let _ = inner.flush_locked(&mut st);
                } else {
                    st = buf
                        .cond
                        .wait_timeout(st, due - now)
                        .unwrap_or_else(|e| e.into_inner())
                        .0;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets() {
        assert_eq!(
            Target::parse("logs/access_log"),
            Target::File("logs/access_log".into())
        );
        assert_eq!(
            Target::parse("|/usr/bin/rotatelogs /var/log/a 86400"),
            Target::Piped(PipedCommand::Program(vec![
                "/usr/bin/rotatelogs".into(),
                "/var/log/a".into(),
                "86400".into()
            ]))
        );
        assert_eq!(Target::parse("||/bin/cat"), Target::parse("|/bin/cat"));
        assert_eq!(
            Target::parse("|$cat >> 'my file'"),
            Target::Piped(PipedCommand::Shell("cat >> my file".into()))
        );
        assert_eq!(
            Target::parse("||$cat"),
            Target::Piped(PipedCommand::Shell("cat".into()))
        );
        // Only one extra bar is dropped.
        assert_eq!(
            Target::parse("|||x"),
            Target::Piped(PipedCommand::Program(vec!["|x".into()]))
        );
    }

    #[test]
    fn empty_pipe_is_refused() {
        let e = Sink::open("|  ", &SinkOptions::default()).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidInput);
        assert!(Sink::open("|$", &SinkOptions::default()).is_err());
    }

    #[test]
    fn sink_is_send_sync() {
        fn check<T: Send + Sync>() {}
        check::<Sink>();
    }

    #[test]
    fn stderr_sink_writes_and_closes_without_closing_fd2() {
        let s = Sink::stderr(&SinkOptions::default()).unwrap();
        s.write_record(b"").unwrap();
        s.close().unwrap();
        assert_eq!(
            s.write_record(b"x\n").unwrap_err().kind(),
            io::ErrorKind::BrokenPipe
        );
        // fd 2 is still open.
        // SAFETY: fcntl on a descriptor number.
        assert!(unsafe { libc::fcntl(2, libc::F_GETFD) } >= 0);
    }
}
