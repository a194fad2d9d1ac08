//! The per-connection deadline of mod_reqtimeout, as httpd 2.4 keeps it
//! (measured against apache2 2.4.67 with clients sending a byte at a
//! time; see `tests/reqtimeout.rs`):
//!
//! * a stage (request head, request body) starts at its first read: the
//!   head's at the connection's first read, or on a kept connection when
//!   the next request's first byte arrives (the wait before it is
//!   `KeepAliveTimeout`'s); the body's when the handler first reads it;
//! * the deadline is the start plus the stage's timeout; every byte read
//!   moves it by 10^6/MinRate µs, never past start + max;
//! * before a wait httpd checks the deadline: passed, the read fails
//!   (nothing more is read); otherwise the wait may last the time left,
//!   at least one second, at most `Timeout`. A wait is not shortened or
//!   lengthened by the bytes that arrive during it: the time left is
//!   taken again only when data arrives and, while reading the head, at
//!   each line's start (httpd reads the head a line at a time, checking
//!   before each line and after each wake-up). So the bytes of an
//!   unfinished line move the deadline only for the wait after the next
//!   arrival.

use std::time::Duration;

use tokio::time::Instant;

use super::stages::Stage;

/// The shortest wait httpd sets while time is left.
const MIN_WAIT: Duration = Duration::from_secs(1);

/// Which stage a connection's reads are in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum Kind {
    /// No deadline (module not loaded or off, between requests, a
    /// stage with timeout 0, CONNECT's body).
    #[default]
    Off,
    Header,
    Body,
}

impl Kind {
    /// The word httpd's AH01382 line names the stage with.
    pub(crate) fn word(self) -> &'static str {
        match self {
            Kind::Header => "header",
            Kind::Body => "body",
            Kind::Off => "",
        }
    }
}

/// A connection's mod_reqtimeout state (httpd's per-connection filter
/// context).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct ReadClock {
    kind: Kind,
    stage: Stage,
    /// The deadline; `None` until the stage's first read.
    at: Option<Instant>,
    /// start + max, when the stage has a ceiling.
    max_at: Option<Instant>,
    /// How long the next wait may last (the time left at the last
    /// check, at least a second).
    wait: Duration,
    /// A check found the deadline passed.
    expired: bool,
}

impl ReadClock {
    /// A new stage begins (its clock starts at its first read); a stage
    /// whose timeout is 0 sets no deadline.
    pub(crate) fn begin(&mut self, kind: Kind, stage: Stage) {
        *self = ReadClock {
            kind: if stage.timeout == 0 { Kind::Off } else { kind },
            stage,
            ..ReadClock::default()
        };
    }

    /// No deadline any more (the request's reads are over).
    pub(crate) fn stop(&mut self) {
        self.kind = Kind::Off;
    }

    /// The stage under a deadline, if any.
    pub(crate) fn kind(&self) -> Kind {
        self.kind
    }

    pub(crate) fn active(&self) -> bool {
        self.kind != Kind::Off
    }

    /// A check found the deadline passed: the read in progress fails.
    pub(crate) fn expired(&self) -> bool {
        self.active() && self.expired
    }

    pub(crate) fn started(&self) -> bool {
        self.active() && self.at.is_some()
    }

    /// The stage's first read happens at `now` (no effect once started).
    pub(crate) fn start(&mut self, now: Instant) {
        if !self.active() || self.at.is_some() {
            return;
        }
        let secs = |s: u32| Duration::from_secs(u64::from(s));
        self.at = Some(now + secs(self.stage.timeout));
        self.max_at = (self.stage.max > 0).then(|| now + secs(self.stage.max));
        self.wait = secs(self.stage.timeout).max(MIN_WAIT);
    }

    /// httpd's check before reading: false once the deadline has passed;
    /// otherwise the next wait's length is the time left (at least a
    /// second).
    pub(crate) fn check(&mut self, now: Instant) -> bool {
        let Some(at) = self.at else { return true };
        if at <= now {
            self.expired = true;
            return false;
        }
        self.wait = (at - now).max(MIN_WAIT);
        true
    }

    /// `n` bytes were read: MinRate moves the deadline.
    pub(crate) fn extend(&mut self, n: usize) {
        let (Some(at), rate) = (self.at, self.stage.us_per_byte) else {
            return;
        };
        if rate == 0 || n == 0 {
            return;
        }
        let add = Duration::from_micros(rate.saturating_mul(n as u64));
        let mut new = at.checked_add(add).unwrap_or(at);
        if let Some(max) = self.max_at {
            new = new.min(max);
        }
        self.at = Some(new);
    }

    /// Head bytes `chunk` arrived at `now` (the stage started): the
    /// check at the wake-up, then the line starts among them, each
    /// checked after the lines before it moved the deadline. False when
    /// the deadline had passed before they could be read.
    pub(crate) fn head_chunk(&mut self, now: Instant, chunk: &[u8]) -> bool {
        if !self.check(now) {
            return false;
        }
        match memchr::memrchr(b'\n', chunk) {
            Some(lf) => {
                self.extend(lf + 1);
                self.check(now);
                self.extend(chunk.len() - lf - 1);
            }
            None => self.extend(chunk.len()),
        }
        true
    }

    /// How long the next wait for the client may last under `timeout`
    /// (the socket's `Timeout`).
    pub(crate) fn limit(&self, timeout: Duration) -> Duration {
        if self.started() {
            self.wait.min(timeout)
        } else {
            timeout
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stage(timeout: u32, max: u32, rate: u64) -> Stage {
        Stage {
            timeout,
            max,
            us_per_byte: 1_000_000u64.checked_div(rate).unwrap_or(0),
        }
    }

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    /// When a client sending `chunks` (at the given times, in ms) and then
    /// nothing sees the connection end, in ms from the start: the model
    /// run as the protocol layer runs it.
    fn head_expiry(st: Stage, chunks: &[(u64, &[u8])]) -> u64 {
        let t0 = Instant::now();
        let mut c = ReadClock::default();
        c.begin(Kind::Header, st);
        c.start(t0);
        let mut waited_from = t0;
        for &(t, bytes) in chunks {
            let now = t0 + ms(t);
            // The wait in progress ends first if its limit comes first.
            let end = waited_from + c.limit(Duration::from_secs(300));
            if end <= now {
                return (end - t0).as_millis() as u64;
            }
            if !c.head_chunk(now, bytes) {
                return t;
            }
            waited_from = now;
        }
        let end = waited_from + c.limit(Duration::from_secs(300));
        (end - t0).as_millis() as u64
    }

    /// The timings apache2 2.4.67 showed (header=1-5,minrate=1 and
    /// header=1-10,minrate=4), to 10 ms.
    #[test]
    fn apache2_timings() {
        let s15 = stage(1, 5, 1);
        assert_eq!(head_expiry(s15, &[(0, b"GET / HT")]), 1000);
        assert_eq!(head_expiry(s15, &[(0, b"GET / HTTP/1.1\r\n")]), 5000);
        assert_eq!(head_expiry(s15, &[(0, b"GET / HTTP/1.1\r\nHo")]), 5000);
        assert_eq!(head_expiry(s15, &[(0, b"GET"), (500, b" / HT")]), 4000);
        let s110 = stage(1, 10, 4);
        assert_eq!(head_expiry(s110, &[(0, b"GET / HTTP/1.1\r\nHo")]), 5000);
        let bytes: Vec<(u64, &[u8])> = b"GET / H"
            .iter()
            .enumerate()
            .map(|(i, b)| (i as u64 * 100, std::slice::from_ref(b)))
            .collect();
        assert_eq!(head_expiry(s110, &bytes), 2500);
        let line = b"GET / HTTP/1.1\r\n";
        let bytes: Vec<(u64, &[u8])> = line
            .iter()
            .enumerate()
            .map(|(i, b)| (i as u64 * 100, std::slice::from_ref(b)))
            .collect();
        assert_eq!(head_expiry(s110, &bytes), 5000);
    }

    #[test]
    fn timeout_bounds_each_wait() {
        let mut c = ReadClock::default();
        c.begin(Kind::Body, stage(20, 0, 0));
        c.start(Instant::now());
        assert_eq!(c.limit(Duration::from_secs(1)), Duration::from_secs(1));
        assert_eq!(c.limit(Duration::from_secs(300)), Duration::from_secs(20));
    }

    #[test]
    fn the_last_second_is_waited_whole() {
        let t0 = Instant::now();
        let mut c = ReadClock::default();
        c.begin(Kind::Body, stage(2, 0, 0));
        c.start(t0);
        assert!(c.check(t0 + ms(1700)));
        assert_eq!(c.limit(Duration::from_secs(60)), MIN_WAIT);
        assert!(!c.check(t0 + ms(2000)));
    }

    #[test]
    fn off_stages() {
        let mut c = ReadClock::default();
        c.begin(Kind::Header, stage(0, 0, 0));
        assert!(!c.active());
        c.start(Instant::now());
        assert_eq!(c.limit(Duration::from_secs(7)), Duration::from_secs(7));
        c.begin(Kind::Body, stage(3, 0, 0));
        assert!(c.active() && !c.started());
        c.stop();
        assert!(!c.active());
    }

    #[test]
    fn rate_stops_at_max() {
        let t0 = Instant::now();
        let mut c = ReadClock::default();
        c.begin(Kind::Body, stage(1, 3, 1));
        c.start(t0);
        c.extend(1_000_000);
        assert!(c.check(t0 + ms(2999)));
        assert!(!c.check(t0 + ms(3000)));
    }
}
