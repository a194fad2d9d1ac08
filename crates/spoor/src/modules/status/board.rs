//! The counters mod_status shows: process-wide, kept across reloads as
//! httpd's scoreboard is across graceful restarts.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Mutex;
use std::time::{Instant, SystemTime};

/// Requests logged.
pub(crate) static ACCESSES: AtomicU64 = AtomicU64::new(0);
/// Bytes of the bodies sent (as `%B`).
pub(crate) static BYTES: AtomicU64 = AtomicU64::new(0);
/// The requests' durations, in milliseconds.
pub(crate) static DURATION_MS: AtomicU64 = AtomicU64::new(0);
/// Requests being served now.
pub(crate) static BUSY: AtomicU64 = AtomicU64::new(0);
/// Connections open now.
pub(crate) static CONNS: AtomicU64 = AtomicU64::new(0);

/// When the server started, when it last read its configuration, and how
/// many times it has read it (1 at start).
static TIMES: Mutex<Option<(SystemTime, Instant, SystemTime, u64)>> = Mutex::new(None);

/// A configuration was put in force (start-up or reload).
pub(crate) fn configured() {
    let mut t = TIMES.lock().unwrap_or_else(|e| e.into_inner());
    let now = SystemTime::now();
    *t = Some(match *t {
        None => (now, Instant::now(), now, 1),
        Some((start, mono, _, generation)) => (start, mono, now, generation + 1),
    });
}

/// What the page shows of the server's life: the restart time, the
/// seconds up, the configuration generation.
pub(crate) fn life() -> (SystemTime, u64, u64) {
    let t = TIMES.lock().unwrap_or_else(|e| e.into_inner());
    match *t {
        Some((_, mono, restart, generation)) => (restart, mono.elapsed().as_secs(), generation),
        None => (SystemTime::now(), 0, 1),
    }
}

/// Counts one finished request.
pub(crate) fn logged(bytes: u64, duration_ms: u64) {
    ACCESSES.fetch_add(1, Relaxed);
    BYTES.fetch_add(bytes, Relaxed);
    DURATION_MS.fetch_add(duration_ms, Relaxed);
}

/// Held while something is in progress: `BUSY` or `CONNS` counts it.
pub(crate) struct InProgress(&'static AtomicU64);

impl InProgress {
    /// Counts one more in `c` until dropped.
    pub(crate) fn start(c: &'static AtomicU64) -> InProgress {
        c.fetch_add(1, Relaxed);
        InProgress(c)
    }
}

impl Drop for InProgress {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Relaxed);
    }
}

/// What the page needs from the configuration.
#[derive(Clone, Copy, Debug)]
pub struct StatusConf {
    /// `ExtendedStatus` (on by default with mod_status loaded, as httpd).
    pub extended: bool,
    /// The MPM named (`event` without an MPM line: spoor's model).
    pub mpm: &'static str,
    /// The workers the page counts: `MaxRequestWorkers`, else the worker
    /// threads.
    pub workers: u64,
}
