//! Periodic log files: a file sink whose name carries the start date of
//! the current day, week or month, switched in-process on the first record
//! written after local midnight of a new period (WASD's `[LogPeriod]`, and
//! `CustomLog … period=` in the Apache dialect, so no piped `rotatelogs`
//! is needed).
//!
//! The switch opens the new file and swaps the descriptor once the writes
//! in flight are done, exactly as [`Sink::reopen`](super::Sink::reopen)
//! does, so every record lands whole in exactly one of the two files. A
//! buffered sink writes its buffer to the old file before the swap.
//!
//! Time comes from a [`Clock`] (the system clock in the server,
//! [`ManualClock`] in tests) and is turned into a local date with the
//! sink's time zone. The date in a file name is the period's *start*:
//! the day itself for [`Period::Daily`], the latest given weekday on or
//! before the day for [`Period::Weekly`], the first of the month for
//! [`Period::Monthly`] (WASD's documented rules).
//!
//! Directories whose names come from the date (`logs/%Y-%m/access.log`)
//! are created when a period's file is opened, at start-up and at each
//! switch: every missing directory below the pattern's fixed part (the
//! leading components without a `%`, which must exist) gets the
//! permission bits of its parent and, when the process runs as root, its
//! owner and group. If the new period's file cannot be opened (a directory
//! that cannot be made, a full disk…), records keep going to the old file;
//! the reporter hears once when that begins and once, with the number of
//! records that went to the old file, when the switch succeeds or the
//! sink closes.

use std::fmt;
use std::fs;
use std::io;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

pub use jiff::civil::{Date, Weekday};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};

use super::fd::Reporter;
use crate::time::{strftime, Tm};
use crate::wasd_log::WasdLogName;

/// How long a log period lasts and where it starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Period {
    /// A new file every day at local midnight.
    Daily,
    /// A new file every week, at local midnight starting the given day.
    Weekly(Weekday),
    /// A new file at local midnight of the first of each month.
    Monthly,
}

impl Period {
    /// Parses a period as WASD's `[LogPeriod]` spells it (any case):
    /// `DAILY`, `MONDAY` … `SUNDAY` (weekly, starting that day) or
    /// `MONTHLY`. `WEEKLY` is accepted as `MONDAY`.
    pub fn parse(s: &str) -> Result<Period, String> {
        let w = |d| Ok(Period::Weekly(d));
        match s.to_ascii_uppercase().as_str() {
            "DAILY" => Ok(Period::Daily),
            "WEEKLY" | "MONDAY" => w(Weekday::Monday),
            "TUESDAY" => w(Weekday::Tuesday),
            "WEDNESDAY" => w(Weekday::Wednesday),
            "THURSDAY" => w(Weekday::Thursday),
            "FRIDAY" => w(Weekday::Friday),
            "SATURDAY" => w(Weekday::Saturday),
            "SUNDAY" => w(Weekday::Sunday),
            "MONTHLY" => Ok(Period::Monthly),
            _ => Err(format!(
                "log period must be DAILY, MONDAY to SUNDAY (weekly from that day) or MONTHLY, not '{s}'"
            )),
        }
    }

    /// The first day of the period containing `day`.
    pub fn start(self, day: Date) -> Date {
        match self {
            Period::Daily => day,
            Period::Weekly(wd) => {
                let back = (day.weekday().to_monday_zero_offset() as i64
                    - wd.to_monday_zero_offset() as i64)
                    .rem_euclid(7);
                day.checked_sub(back.days()).unwrap_or(day)
            }
            Period::Monthly => day.first_of_month(),
        }
    }

    /// The first day of the period after the one starting on `start`
    /// (`None` past the end of the calendar jiff supports).
    pub fn next_start(self, start: Date) -> Option<Date> {
        match self {
            Period::Daily => start.checked_add(1.day()).ok(),
            Period::Weekly(_) => start.checked_add(7.days()).ok(),
            Period::Monthly => start.first_of_month().checked_add(1.month()).ok(),
        }
    }
}

/// Where a periodic sink gets the time from.
pub trait Clock: Send + Sync + fmt::Debug {
    /// Microseconds since the Unix epoch.
    fn now_us(&self) -> i64;
}

/// The system's real-time clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_us(&self) -> i64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_micros() as i64)
    }
}

/// A clock that shows what it is told: for tests that cross a period
/// boundary without waiting for midnight.
#[derive(Debug, Default)]
pub struct ManualClock(AtomicI64);

impl ManualClock {
    /// A clock reading `us` microseconds since the Unix epoch.
    pub fn new(us: i64) -> ManualClock {
        ManualClock(AtomicI64::new(us))
    }

    /// Sets the time.
    pub fn set(&self, us: i64) {
        self.0.store(us, Ordering::SeqCst);
    }

    /// Moves the time forward by `us` microseconds.
    pub fn advance(&self, us: i64) {
        self.0.fetch_add(us, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_us(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// How a periodic file is named from its period's start date.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PeriodicName {
    /// A path with `strftime` conversions (`%Y`, `%m`, `%d`, `%b`, `%a`,
    /// `%j`, …), expanded at local midnight of the period's start, so
    /// `logs/access_%Y%m%d.log` gives `logs/access_20261122.log`.
    Pattern(PathBuf),
    /// A WASD generated name (`<dir>/<HOST>_<port>_<YYYYMMDD>_ACCESS.LOG`).
    Wasd(WasdLogName),
}

impl PeriodicName {
    /// The file for the period starting on `start`, in `tz`.
    pub fn path(&self, start: Date, tz: &TimeZone) -> PathBuf {
        match self {
            PeriodicName::Pattern(p) => {
                use std::os::unix::ffi::{OsStrExt, OsStringExt};
                let us = midnight_us(start, tz).unwrap_or(0);
                let tm = Tm::new(tz, us);
                let mut out = Vec::new();
                strftime(p.as_os_str().as_bytes(), &tm, &mut out);
                PathBuf::from(std::ffi::OsString::from_vec(out))
            }
            PeriodicName::Wasd(w) => w.path(Some(start)),
        }
    }

    /// The part of the file's directory that does not depend on the date:
    /// a pattern's leading components up to the first one with a `%` in
    /// it. `None` when no directory component has a `%` (nothing to
    /// create), and for WASD names (their directory is fixed).
    pub fn fixed_dir(&self) -> Option<PathBuf> {
        use std::os::unix::ffi::OsStrExt;
        let PeriodicName::Pattern(p) = self else {
            return None;
        };
        let dir = p.parent()?;
        let mut fixed = PathBuf::new();
        for c in dir.components() {
            if c.as_os_str().as_bytes().contains(&b'%') {
                return Some(fixed);
            }
            fixed.push(c);
        }
        None
    }

    /// Whether a pattern changes with the date at all: it has a `%`
    /// conversion other than `%%`, `%n` and `%t`. WASD names always do.
    pub fn is_dated(&self) -> bool {
        match self {
            PeriodicName::Wasd(_) => true,
            PeriodicName::Pattern(p) => {
                use std::os::unix::ffi::OsStrExt;
                let b = p.as_os_str().as_bytes();
                let mut i = 0;
                while i + 1 < b.len() {
                    if b[i] == b'%' {
                        if !matches!(b[i + 1], b'%' | b'n' | b't') {
                            return true;
                        }
                        i += 2;
                    } else {
                        i += 1;
                    }
                }
                false
            }
        }
    }
}

/// What a periodic sink is made of.
#[derive(Clone, Debug)]
pub struct PeriodicSpec {
    /// The period.
    pub period: Period,
    /// How each period's file is named.
    pub name: PeriodicName,
    /// The time zone whose midnight starts a period.
    pub time_zone: TimeZone,
    /// The clock.
    pub clock: Arc<dyn Clock>,
}

impl PeriodicSpec {
    /// A spec on the system clock in the system's time zone.
    pub fn new(period: Period, name: PeriodicName) -> PeriodicSpec {
        PeriodicSpec {
            period,
            name,
            time_zone: TimeZone::system(),
            clock: Arc::new(SystemClock),
        }
    }

    /// The period containing `now_us`: its start date, its file and the
    /// instant the next one starts (`i64::MAX` if never).
    pub fn at(&self, now_us: i64) -> (Date, PathBuf, i64) {
        let day = Timestamp::from_microsecond(now_us)
            .unwrap_or(Timestamp::UNIX_EPOCH)
            .to_zoned(self.time_zone.clone())
            .date();
        let start = self.period.start(day);
        let next = self
            .period
            .next_start(start)
            .and_then(|d| midnight_us(d, &self.time_zone))
            .unwrap_or(i64::MAX);
        (start, self.name.path(start, &self.time_zone), next)
    }
}

/// Local midnight of `d` in `tz` (the first instant of the day when
/// midnight falls in a DST gap), µs since the epoch.
fn midnight_us(d: Date, tz: &TimeZone) -> Option<i64> {
    let z = d.to_zoned(tz.clone()).ok()?;
    Some(z.timestamp().as_microsecond())
}

/// The state of a periodic sink besides its descriptor.
pub(super) struct Periodic {
    pub(super) spec: PeriodicSpec,
    /// When the current period ends (µs); checked on every record.
    next_us: AtomicI64,
    /// The current file; the mutex also serialises switches.
    current: Mutex<PathBuf>,
    /// Set while the current period's file could not be opened and
    /// records go on into the previous period's file.
    stale: AtomicBool,
    /// Records written to the previous period's file since then.
    stale_records: AtomicU64,
    /// Where the start and the end of such a run are reported.
    reporter: Reporter,
}

impl fmt::Debug for Periodic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Periodic")
            .field("spec", &self.spec)
            .field("current", &self.current_path())
            .finish()
    }
}

impl Periodic {
    /// Opens the file of the period the clock is in, creating its dated
    /// directories first.
    pub(super) fn open(
        spec: PeriodicSpec,
        reporter: &Reporter,
        open: impl Fn(&Path) -> io::Result<std::os::fd::OwnedFd>,
    ) -> io::Result<(Periodic, std::os::fd::OwnedFd)> {
        let (_, path, next) = spec.at(spec.clock.now_us());
        create_dated_dirs(&spec.name, &path)?;
        let fd = open(&path)?;
        Ok((
            Periodic {
                spec,
                next_us: AtomicI64::new(next),
                current: Mutex::new(path),
                stale: AtomicBool::new(false),
                stale_records: AtomicU64::new(0),
                reporter: reporter.clone(),
            },
            fd,
        ))
    }

    /// Counts a record that goes to the previous period's file because
    /// the current one could not be opened (one atomic load otherwise).
    #[inline]
    pub(super) fn count_if_stale(&self) {
        if self.stale.load(Ordering::Relaxed) {
            self.stale_records.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// The file records go to now.
    pub(super) fn current_path(&self) -> PathBuf {
        self.current
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Cheap test: has the clock passed the end of the current period?
    #[inline]
    pub(super) fn is_due(&self) -> bool {
        self.spec.clock.now_us() >= self.next_us.load(Ordering::Acquire)
    }

    /// Runs `switch` with the new file when the period has ended, under
    /// the switch lock (so only one writer switches and the others wait
    /// for it), after creating its dated directories. If the new file
    /// cannot be opened the old one stays in use, the next attempt is a
    /// second later, and the error is returned; the first failure of a
    /// run is reported, later ones are not. A switch that succeeds after
    /// failures reports how many records went to the old file meanwhile.
    pub(super) fn rotate(
        &self,
        open: impl Fn(&Path) -> io::Result<std::os::fd::OwnedFd>,
        switch: impl FnOnce(std::os::fd::OwnedFd),
    ) -> io::Result<()> {
        let mut cur = self.current.lock().unwrap_or_else(|e| e.into_inner());
        let now = self.spec.clock.now_us();
        if now < self.next_us.load(Ordering::Acquire) {
            return Ok(()); // another writer switched meanwhile
        }
        let (_, path, next) = self.spec.at(now);
        if path == *cur {
            // Same name (a pattern without the changing field): keep it.
            self.next_us.store(next, Ordering::Release);
            return Ok(());
        }
        match create_dated_dirs(&self.spec.name, &path).and_then(|()| open(&path)) {
            Ok(fd) => {
                switch(fd);
                if self.stale.swap(false, Ordering::Relaxed) {
                    let n = self.stale_records.swap(0, Ordering::Relaxed);
                    self.reporter.report(&format!(
                        "{} went to {} while {} could not be opened",
                        records(n),
                        cur.display(),
                        path.display()
                    ));
                }
                *cur = path;
                self.next_us.store(next, Ordering::Release);
                Ok(())
            }
            Err(e) => {
                self.next_us
                    .store(now.saturating_add(1_000_000), Ordering::Release);
                let e = io::Error::new(
                    e.kind(),
                    format!(
                        "could not open the new log file {} ({e}); still writing to {}",
                        path.display(),
                        cur.display()
                    ),
                );
                if !self.stale.swap(true, Ordering::Relaxed) {
                    self.reporter.report(&format!(
                        "{e} (tried again every second; the records are counted)"
                    ));
                }
                Err(e)
            }
        }
    }
}

impl Drop for Periodic {
    fn drop(&mut self) {
        if *self.stale.get_mut() {
            let n = *self.stale_records.get_mut();
            let cur = self.current.get_mut().unwrap_or_else(|e| e.into_inner());
            let (_, want, _) = self.spec.at(self.spec.clock.now_us());
            self.reporter.report(&format!(
                "{} went to {} while {} could not be opened; closed before it could be",
                records(n),
                cur.display(),
                want.display()
            ));
        }
    }
}

/// "1 record" / "N records".
fn records(n: u64) -> String {
    if n == 1 {
        "1 record".to_string()
    } else {
        format!("{n} records")
    }
}

/// Creates the missing directories of `path` below `name`'s fixed part
/// ([`PeriodicName::fixed_dir`]), top down. Each new directory is made
/// private (0700) first, then given its parent's owner and group (only
/// when running as root: anyone else cannot give files away) and then its
/// parent's permission bits, so it is never more open than the result;
/// both through a descriptor opened with `O_NOFOLLOW`. The fixed part
/// itself is not created.
fn create_dated_dirs(name: &PeriodicName, path: &Path) -> io::Result<()> {
    let Some(dir) = path.parent() else {
        return Ok(());
    };
    if dir.as_os_str().is_empty() || dir.is_dir() {
        return Ok(()); // the usual case: one stat(2)
    }
    let Some(fixed) = name.fixed_dir() else {
        return Ok(()); // opening the file reports the missing directory
    };
    let Ok(rest) = dir.strip_prefix(&fixed) else {
        return Ok(());
    };
    let base = if fixed.as_os_str().is_empty() {
        Path::new(".")
    } else {
        fixed.as_path()
    };
    let mut parent = fs::metadata(base)?;
    let root = unsafe { libc::geteuid() } == 0;
    let mut cur = fixed.clone();
    for c in rest.components() {
        let std::path::Component::Normal(c) = c else {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("the date gave the directory name {}", dir.display()),
            ));
        };
        cur.push(c);
        match fs::DirBuilder::new().mode(0o700).create(&cur) {
            Ok(()) => {
                // Through a descriptor of the directory itself, so a
                // symbolic link swapped in for it meanwhile is refused
                // (O_NOFOLLOW) rather than followed by chown/chmod.
                let d = fs::OpenOptions::new()
                    .read(true)
                    .custom_flags(libc::O_DIRECTORY | libc::O_NOFOLLOW | libc::O_CLOEXEC)
                    .open(&cur)?;
                if root {
                    std::os::unix::fs::fchown(&d, Some(parent.uid()), Some(parent.gid()))?;
                }
                d.set_permissions(fs::Permissions::from_mode(parent.mode() & 0o7777))?;
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => {
                return Err(io::Error::new(
                    e.kind(),
                    format!("could not create the directory {}: {e}", cur.display()),
                ))
            }
        }
        parent = fs::metadata(&cur)?;
        if !parent.is_dir() {
            return Err(io::Error::new(
                io::ErrorKind::NotADirectory,
                format!("{} is not a directory", cur.display()),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn periods_parse() {
        assert_eq!(Period::parse("daily"), Ok(Period::Daily));
        assert_eq!(Period::parse("MONTHLY"), Ok(Period::Monthly));
        assert_eq!(
            Period::parse("Wednesday"),
            Ok(Period::Weekly(Weekday::Wednesday))
        );
        assert_eq!(Period::parse("weekly"), Ok(Period::Weekly(Weekday::Monday)));
        assert!(Period::parse("hourly").unwrap_err().contains("'hourly'"));
    }

    #[test]
    fn weekly_start_is_the_last_given_day_on_or_before() {
        // The seed: a Wednesday request with a Monday period logs to the
        // last Monday's file. 2026-11-25 is a Wednesday.
        let mon = Period::Weekly(Weekday::Monday);
        assert_eq!(mon.start(date(2026, 11, 25)), date(2026, 11, 23));
        assert_eq!(mon.start(date(2026, 11, 23)), date(2026, 11, 23));
        assert_eq!(mon.start(date(2026, 11, 22)), date(2026, 11, 16));
        let sun = Period::Weekly(Weekday::Sunday);
        assert_eq!(sun.start(date(2026, 11, 28)), date(2026, 11, 22));
        assert_eq!(sun.next_start(date(2026, 11, 22)), Some(date(2026, 11, 29)));
        // Across a year end.
        let fri = Period::Weekly(Weekday::Friday);
        assert_eq!(fri.start(date(2027, 1, 2)), date(2027, 1, 1));
        assert_eq!(fri.start(date(2026, 12, 31)), date(2026, 12, 25));
    }

    #[test]
    fn monthly_and_daily() {
        assert_eq!(Period::Monthly.start(date(2024, 2, 29)), date(2024, 2, 1));
        assert_eq!(
            Period::Monthly.next_start(date(2024, 2, 1)),
            Some(date(2024, 3, 1))
        );
        assert_eq!(
            Period::Monthly.next_start(date(2026, 12, 1)),
            Some(date(2027, 1, 1))
        );
        assert_eq!(
            Period::Daily.next_start(date(2024, 2, 28)),
            Some(date(2024, 2, 29))
        );
        assert_eq!(
            Period::Daily.next_start(date(2023, 2, 28)),
            Some(date(2023, 3, 1))
        );
    }

    #[test]
    fn spec_at_uses_local_midnight() {
        let tz = TimeZone::fixed(jiff::tz::offset(10));
        let spec = PeriodicSpec {
            period: Period::Daily,
            name: PeriodicName::Pattern("a_%Y%m%d.log".into()),
            time_zone: tz,
            clock: Arc::new(SystemClock),
        };
        // 2026-11-22 13:59:59 UTC is 23:59:59 at +10.
        let t = date(2026, 11, 22)
            .at(13, 59, 59, 0)
            .to_zoned(TimeZone::UTC)
            .unwrap()
            .timestamp()
            .as_microsecond();
        let (start, path, next) = spec.at(t);
        assert_eq!(start, date(2026, 11, 22));
        assert_eq!(path, PathBuf::from("a_20261122.log"));
        assert_eq!(next, t + 1_000_000);
        assert_eq!(spec.at(next).1, PathBuf::from("a_20261123.log"));
    }

    #[test]
    fn dst_gap_at_midnight() {
        // Chile's rule (as a POSIX TZ string, so no tz database is
        // needed): summer time starts at 24:00 on the first Saturday of
        // September, so 2026-09-06 00:00 does not exist and that day's
        // period starts at 01:00 local, still on the 6th.
        let tz = TimeZone::posix("<-04>4<-03>,M9.1.6/24,M4.1.6/24").unwrap();
        let d = date(2026, 9, 6);
        let m = midnight_us(d, &tz).unwrap();
        let z = Timestamp::from_microsecond(m).unwrap().to_zoned(tz);
        assert_eq!(z.date(), d);
        assert_eq!((z.hour(), z.minute()), (1, 0));
    }

    #[test]
    fn pattern_dated() {
        let p = |s: &str| PeriodicName::Pattern(s.into()).is_dated();
        assert!(p("logs/a_%Y%m%d"));
        assert!(p("logs/%b"));
        assert!(!p("logs/a_%%Y"));
        assert!(!p("logs/a"));
        assert!(!p("logs/a%"));
    }
}
