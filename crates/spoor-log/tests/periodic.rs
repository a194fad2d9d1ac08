//! Periodic sinks: the file switches at local midnight of a new day, week
//! or month, driven by a manual clock (no sleeping until midnight), and
//! no record is lost, duplicated or torn across a switch under many
//! concurrent writers.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, Mutex};
use std::thread;

use jiff::civil::{date, Date, Weekday};
use spoor_log::sink::{
    ManualClock, Period, PeriodicName, PeriodicSpec, Reporter, Sink, SinkOptions,
};
use spoor_log::wasd_log::{LogNaming, WasdLogName};
use spoor_log::TimeZone;

struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let p = std::env::temp_dir().join(format!(
            "spoor-periodic-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = fs::remove_dir_all(&p);
        fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// µs since the epoch of `d` at `h:m:s` in `tz`.
fn at(tz: &TimeZone, d: Date, h: i8, m: i8, s: i8) -> i64 {
    d.at(h, m, s, 0)
        .to_zoned(tz.clone())
        .unwrap()
        .timestamp()
        .as_microsecond()
}

fn spec(dir: &Path, period: Period, tz: &TimeZone, clock: &Arc<ManualClock>) -> PeriodicSpec {
    PeriodicSpec {
        period,
        name: PeriodicName::Pattern(dir.join("access_%Y%m%d.log")),
        time_zone: tz.clone(),
        clock: clock.clone(),
    }
}

/// Record `i` of writer `w`: its tag, then a filler whose length follows
/// from `i` (every 40th longer than PIPE_BUF), so a torn record shows.
fn record(w: usize, i: usize) -> Vec<u8> {
    let mut v = format!("w{w:02}-{i:06} ").into_bytes();
    let n = if i % 40 == 39 {
        5000 + i % 13
    } else {
        10 + i % 90
    };
    v.extend(std::iter::repeat_n(b'a' + (i % 26) as u8, n));
    v.push(b'\n');
    v
}

/// The records of a file as (writer, index), each checked whole.
fn read_records(path: &Path) -> Vec<(usize, usize)> {
    let text = match fs::read(path) {
        Ok(t) => t,
        Err(_) => return Vec::new(),
    };
    let mut out = Vec::new();
    for line in text.split_inclusive(|&b| b == b'\n') {
        let w: usize = std::str::from_utf8(&line[1..3]).unwrap().parse().unwrap();
        let i: usize = std::str::from_utf8(&line[4..10]).unwrap().parse().unwrap();
        assert_eq!(line, &record(w, i)[..], "torn record in {}", path.display());
        out.push((w, i));
    }
    out
}

fn files(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

const WRITERS: usize = 8;

/// Writers fill the old day, all wait, the clock passes midnight, writers
/// fill the new day: each file holds exactly its phase's records.
fn phased(buffered: bool) {
    let dir = TempDir::new("phased");
    let tz = TimeZone::UTC;
    let clock = Arc::new(ManualClock::new(at(&tz, date(2026, 11, 22), 23, 59, 58)));
    let opts = SinkOptions {
        buffered,
        ..SinkOptions::default()
    };
    let sink = Arc::new(Sink::periodic(spec(&dir.0, Period::Daily, &tz, &clock), &opts).unwrap());
    let per = 1500;
    let barrier = Arc::new(Barrier::new(WRITERS + 1));
    let hs: Vec<_> = (0..WRITERS)
        .map(|w| {
            let (sink, barrier) = (sink.clone(), barrier.clone());
            thread::spawn(move || {
                for i in 0..per {
                    sink.write_record(&record(w, i)).unwrap();
                }
                barrier.wait(); // phase one written
                barrier.wait(); // clock moved
                for i in per..2 * per {
                    sink.write_record(&record(w, i)).unwrap();
                }
            })
        })
        .collect();
    barrier.wait();
    clock.set(at(&tz, date(2026, 11, 23), 0, 0, 0));
    barrier.wait();
    for h in hs {
        h.join().unwrap();
    }
    sink.close().unwrap();
    assert_eq!(
        files(&dir.0),
        ["access_20261122.log", "access_20261123.log"]
    );
    let old = read_records(&dir.0.join("access_20261122.log"));
    let new = read_records(&dir.0.join("access_20261123.log"));
    assert_eq!(old.len(), WRITERS * per);
    assert_eq!(new.len(), WRITERS * per);
    assert!(old.iter().all(|&(_, i)| i < per));
    assert!(new.iter().all(|&(_, i)| i >= per));
    let all: HashSet<_> = old.iter().chain(&new).collect();
    assert_eq!(all.len(), 2 * WRITERS * per);
}

#[test]
fn daily_switch_puts_each_day_in_its_file() {
    phased(false);
}

#[test]
fn daily_switch_buffered() {
    phased(true);
}

/// The clock crosses midnight while every writer is busy: every record is
/// in exactly one file, whole, and once a writer's record reached the new
/// file none of its later ones is in the old file.
fn racing(buffered: bool) {
    let dir = TempDir::new("racing");
    let tz = TimeZone::fixed(jiff::tz::offset(-5));
    let clock = Arc::new(ManualClock::new(at(&tz, date(2026, 12, 31), 23, 59, 59)));
    let opts = SinkOptions {
        buffered,
        ..SinkOptions::default()
    };
    let sink = Arc::new(Sink::periodic(spec(&dir.0, Period::Daily, &tz, &clock), &opts).unwrap());
    let per = 4000;
    let written = Arc::new(AtomicUsize::new(0));
    let switched = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let hs: Vec<_> = (0..WRITERS)
        .map(|w| {
            let (sink, written, switched) = (sink.clone(), written.clone(), switched.clone());
            thread::spawn(move || {
                for i in 0..per {
                    // A writer that gets two thirds through before the
                    // clock moves waits for it, so that however the
                    // threads are scheduled the switch happens while
                    // records are still being written.
                    if i == per * 2 / 3 {
                        while !switched.load(Ordering::Acquire) {
                            assert!(std::time::Instant::now() < deadline);
                            thread::yield_now();
                        }
                    }
                    sink.write_record(&record(w, i)).unwrap();
                    written.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    // Cross midnight once about a third of the records are out.
    while written.load(Ordering::Relaxed) < WRITERS * per / 3 {
        assert!(std::time::Instant::now() < deadline);
        thread::yield_now();
    }
    clock.set(at(&tz, date(2027, 1, 1), 0, 0, 0));
    switched.store(true, Ordering::Release);
    for h in hs {
        h.join().unwrap();
    }
    sink.close().unwrap();
    assert_eq!(
        files(&dir.0),
        ["access_20261231.log", "access_20270101.log"]
    );
    assert_eq!(sink.current_path(), Some(dir.0.join("access_20270101.log")));
    let old = read_records(&dir.0.join("access_20261231.log"));
    let new = read_records(&dir.0.join("access_20270101.log"));
    assert!(!old.is_empty() && !new.is_empty());
    let mut seen = HashSet::new();
    for r in old.iter().chain(&new) {
        assert!(seen.insert(*r), "duplicate {r:?}");
    }
    assert_eq!(seen.len(), WRITERS * per, "lost records");
    for w in 0..WRITERS {
        let first_new = new.iter().filter(|r| r.0 == w).map(|r| r.1).min();
        let last_old = old.iter().filter(|r| r.0 == w).map(|r| r.1).max();
        if let (Some(n), Some(o)) = (first_new, last_old) {
            assert!(
                o < n,
                "writer {w}: record {o} in the old file after {n} in the new"
            );
        }
    }
}

#[test]
fn switch_under_concurrent_writers_loses_and_duplicates_nothing() {
    racing(false);
}

#[test]
fn switch_under_concurrent_writers_buffered() {
    racing(true);
}

/// Writes one record at each clock value and returns the file each went to.
fn walk(period: Period, tz: &TimeZone, times: &[i64]) -> Vec<String> {
    let dir = TempDir::new("walk");
    let clock = Arc::new(ManualClock::new(times[0]));
    let sink = Sink::periodic(spec(&dir.0, period, tz, &clock), &SinkOptions::default()).unwrap();
    let mut out = Vec::new();
    for (i, &t) in times.iter().enumerate() {
        clock.set(t);
        sink.write_record(&record(0, i)).unwrap();
        out.push(
            sink.current_path()
                .unwrap()
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned(),
        );
    }
    sink.close().unwrap();
    // Each record is in the file reported for it.
    for (i, name) in out.iter().enumerate() {
        assert!(read_records(&dir.0.join(name)).contains(&(0, i)), "{name}");
    }
    out
}

#[test]
fn weekly_switches_on_the_given_day() {
    let tz = TimeZone::fixed(jiff::tz::offset(10));
    // 2026-11-25 is a Wednesday: its Monday period started on the 23rd.
    let t = |d, h, m, s| at(&tz, d, h, m, s);
    let names = walk(
        Period::Weekly(Weekday::Monday),
        &tz,
        &[
            t(date(2026, 11, 25), 12, 0, 0),
            t(date(2026, 11, 29), 23, 59, 59),
            t(date(2026, 11, 30), 0, 0, 0),
            t(date(2026, 12, 6), 23, 0, 0),
            t(date(2026, 12, 7), 0, 0, 1),
        ],
    );
    assert_eq!(
        names,
        [
            "access_20261123.log",
            "access_20261123.log",
            "access_20261130.log",
            "access_20261130.log",
            "access_20261207.log"
        ]
    );
    // A Sunday week across the year end.
    let names = walk(
        Period::Weekly(Weekday::Sunday),
        &tz,
        &[
            t(date(2026, 12, 31), 9, 0, 0),
            t(date(2027, 1, 2), 23, 59, 59),
            t(date(2027, 1, 3), 0, 0, 0),
        ],
    );
    assert_eq!(
        names,
        [
            "access_20261227.log",
            "access_20261227.log",
            "access_20270103.log"
        ]
    );
}

#[test]
fn monthly_switches_on_the_first() {
    let tz = TimeZone::fixed(jiff::tz::offset(-3));
    let t = |d, h, m, s| at(&tz, d, h, m, s);
    let names = walk(
        Period::Monthly,
        &tz,
        &[
            t(date(2024, 1, 31), 23, 59, 59),
            t(date(2024, 2, 1), 0, 0, 0),
            t(date(2024, 2, 29), 23, 59, 59),
            t(date(2024, 3, 1), 0, 0, 0),
            t(date(2024, 12, 31), 12, 0, 0),
            t(date(2025, 1, 1), 0, 0, 0),
        ],
    );
    assert_eq!(
        names,
        [
            "access_20240101.log",
            "access_20240201.log",
            "access_20240201.log",
            "access_20240301.log",
            "access_20241201.log",
            "access_20250101.log"
        ]
    );
}

#[test]
fn daily_switch_follows_local_midnight_not_utc() {
    // 23:30 UTC on the 1st is already the 2nd at +01:00.
    let tz = TimeZone::fixed(jiff::tz::offset(1));
    let utc = TimeZone::UTC;
    let names = walk(
        Period::Daily,
        &tz,
        &[
            at(&utc, date(2026, 3, 1), 22, 59, 59),
            at(&utc, date(2026, 3, 1), 23, 0, 0),
            at(&utc, date(2026, 3, 1), 23, 30, 0),
        ],
    );
    assert_eq!(
        names,
        [
            "access_20260301.log",
            "access_20260302.log",
            "access_20260302.log"
        ]
    );
}

#[test]
fn wasd_named_periodic_file() {
    let dir = TempDir::new("wasd");
    let tz = TimeZone::UTC;
    let clock = Arc::new(ManualClock::new(at(&tz, date(1997, 10, 13), 8, 0, 0)));
    let name = WasdLogName::new(
        &dir.0,
        LogNaming::Host,
        "wasd.dsto.defence.gov.au",
        "131.185.250.202",
        Some(80),
    );
    let spec = PeriodicSpec {
        period: Period::Weekly(Weekday::Monday),
        name: PeriodicName::Wasd(name),
        time_zone: tz.clone(),
        clock: clock.clone(),
    };
    let sink = Sink::periodic(spec, &SinkOptions::default()).unwrap();
    sink.write_record(b"one\n").unwrap();
    clock.set(at(&tz, date(1997, 10, 15), 8, 0, 0)); // Wednesday: same week
    sink.write_record(b"two\n").unwrap();
    clock.set(at(&tz, date(1997, 10, 20), 0, 0, 0)); // next Monday
    sink.write_record(b"three\n").unwrap();
    sink.close().unwrap();
    assert_eq!(
        files(&dir.0),
        [
            "WASD-DSTO-DEFENCE-GO_80_19971013_ACCESS.LOG",
            "WASD-DSTO-DEFENCE-GO_80_19971020_ACCESS.LOG"
        ]
    );
    let a = fs::read(dir.0.join("WASD-DSTO-DEFENCE-GO_80_19971013_ACCESS.LOG")).unwrap();
    assert_eq!(a, b"one\ntwo\n");
    let b = fs::read(dir.0.join("WASD-DSTO-DEFENCE-GO_80_19971020_ACCESS.LOG")).unwrap();
    assert_eq!(b, b"three\n");
}

/// Sink options whose reporter keeps the messages.
fn capturing() -> (SinkOptions, Arc<Mutex<Vec<String>>>) {
    let got = Arc::new(Mutex::new(Vec::new()));
    let g = got.clone();
    let opts = SinkOptions {
        reporter: Reporter::new(move |m| g.lock().unwrap().push(m.to_string())),
        ..SinkOptions::default()
    };
    (opts, got)
}

#[test]
fn new_file_that_cannot_open_keeps_the_old_one() {
    let dir = TempDir::new("fail");
    let tz = TimeZone::UTC;
    let clock = Arc::new(ManualClock::new(at(&tz, date(2026, 5, 1), 23, 0, 0)));
    let spec = PeriodicSpec {
        period: Period::Daily,
        name: PeriodicName::Pattern(dir.0.join("%d/access.log")),
        time_zone: tz.clone(),
        clock: clock.clone(),
    };
    // A regular file where the 2nd's directory would go: it cannot be
    // created (whoever runs the test, root included).
    fs::write(dir.0.join("02"), b"").unwrap();
    let (opts, got) = capturing();
    let sink = Sink::periodic(spec, &opts).unwrap();
    sink.write_record(b"a\n").unwrap();
    clock.set(at(&tz, date(2026, 5, 2), 0, 0, 1));
    let e = sink.write_record(b"b\n").unwrap_err();
    assert!(e.to_string().contains("still writing to"), "{e}");
    // Retried a second later, not on every record, and reported once.
    sink.write_record(b"c\n").unwrap();
    clock.advance(1_000_000);
    assert!(sink.write_record(b"d\n").is_err());
    assert_eq!(got.lock().unwrap().len(), 1, "{:?}", got.lock().unwrap());
    let first = got.lock().unwrap()[0].clone();
    assert!(
        first.contains(&format!("{}", dir.0.join("02/access.log").display()))
            && first.contains("02 is not a directory")
            && first.contains("still writing to"),
        "{first}"
    );
    fs::remove_file(dir.0.join("02")).unwrap();
    sink.write_record(b"e\n").unwrap(); // not yet a second later
    clock.advance(1_000_000);
    sink.write_record(b"f\n").unwrap();
    sink.close().unwrap();
    assert_eq!(
        fs::read(dir.0.join("01/access.log")).unwrap(),
        b"a\nb\nc\nd\ne\n"
    );
    assert_eq!(fs::read(dir.0.join("02/access.log")).unwrap(), b"f\n");
    let got = got.lock().unwrap();
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(
        got[1],
        format!(
            "4 records went to {} while {} could not be opened",
            dir.0.join("01/access.log").display(),
            dir.0.join("02/access.log").display()
        )
    );
}

#[test]
fn closed_while_the_new_file_cannot_open_reports_the_count() {
    let dir = TempDir::new("failclose");
    let tz = TimeZone::UTC;
    let clock = Arc::new(ManualClock::new(at(&tz, date(2026, 5, 1), 23, 0, 0)));
    let spec = PeriodicSpec {
        period: Period::Daily,
        name: PeriodicName::Pattern(dir.0.join("%d/access.log")),
        time_zone: tz.clone(),
        clock: clock.clone(),
    };
    fs::write(dir.0.join("02"), b"").unwrap();
    let (opts, got) = capturing();
    let sink = Sink::periodic(spec, &opts).unwrap();
    clock.set(at(&tz, date(2026, 5, 2), 0, 0, 1));
    let _ = sink.write_record(b"a\n");
    sink.write_record(b"b\n").unwrap();
    drop(sink);
    let got = got.lock().unwrap();
    assert_eq!(got.len(), 2, "{got:?}");
    assert!(
        got[1].starts_with("2 records went to ") && got[1].ends_with("closed before it could be"),
        "{}",
        got[1]
    );
    assert_eq!(fs::read(dir.0.join("01/access.log")).unwrap(), b"a\nb\n");
}

/// `logs/%Y-%m/access.log`: the month's directory is created at the
/// start and when the next month begins, with the mode of `logs/` (and,
/// run as root, its owner and group); records land in their month.
#[test]
fn monthly_directories_are_created_like_their_parent() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let dir = TempDir::new("mkdir");
    let tz = TimeZone::UTC;
    let logs = dir.0.join("logs");
    fs::create_dir(&logs).unwrap();
    fs::set_permissions(&logs, fs::Permissions::from_mode(0o2751)).unwrap();
    let root = unsafe { libc::geteuid() } == 0;
    if root {
        std::os::unix::fs::chown(&logs, Some(65534), Some(65533)).unwrap();
    }
    let want = fs::metadata(&logs).unwrap();
    let clock = Arc::new(ManualClock::new(at(&tz, date(2026, 11, 30), 23, 59, 59)));
    let spec = PeriodicSpec {
        period: Period::Monthly,
        name: PeriodicName::Pattern(logs.join("%Y-%m/access.log")),
        time_zone: tz.clone(),
        clock: clock.clone(),
    };
    let (opts, got) = capturing();
    let sink = Sink::periodic(spec, &opts).unwrap();
    sink.write_record(b"nov\n").unwrap();
    clock.advance(1_000_000);
    sink.write_record(b"dec\n").unwrap();
    sink.close().unwrap();
    assert!(got.lock().unwrap().is_empty(), "{:?}", got.lock().unwrap());
    for (month, line) in [("2026-11", "nov\n"), ("2026-12", "dec\n")] {
        let d = logs.join(month);
        let m = fs::metadata(&d).unwrap();
        assert!(m.is_dir());
        assert_eq!(m.mode() & 0o7777, 0o2751, "{month}");
        if root {
            assert_eq!((m.uid(), m.gid()), (want.uid(), want.gid()), "{month}");
        } else {
            assert_eq!(m.uid(), unsafe { libc::geteuid() }, "{month}");
        }
        assert_eq!(fs::read(d.join("access.log")).unwrap(), line.as_bytes());
    }
}

/// Only the dated part is created: a missing fixed part fails the open.
#[test]
fn the_fixed_part_of_the_path_is_not_created() {
    let dir = TempDir::new("fixed");
    let tz = TimeZone::UTC;
    let clock = Arc::new(ManualClock::new(at(&tz, date(2026, 11, 30), 12, 0, 0)));
    let spec = PeriodicSpec {
        period: Period::Monthly,
        name: PeriodicName::Pattern(dir.0.join("missing/%Y-%m/access.log")),
        time_zone: tz,
        clock,
    };
    assert_eq!(
        Sink::periodic(spec, &SinkOptions::default())
            .unwrap_err()
            .kind(),
        std::io::ErrorKind::NotFound
    );
    assert!(!dir.0.join("missing").exists());
}

#[test]
fn reopen_reopens_the_current_period() {
    let dir = TempDir::new("reopen");
    let tz = TimeZone::UTC;
    let clock = Arc::new(ManualClock::new(at(&tz, date(2026, 5, 1), 12, 0, 0)));
    let sink = Sink::periodic(
        spec(&dir.0, Period::Daily, &tz, &clock),
        &SinkOptions::default(),
    )
    .unwrap();
    sink.write_record(b"a\n").unwrap();
    let p = dir.0.join("access_20260501.log");
    fs::rename(&p, dir.0.join("moved")).unwrap();
    sink.reopen().unwrap();
    sink.write_record(b"b\n").unwrap();
    sink.close().unwrap();
    assert_eq!(fs::read(&p).unwrap(), b"b\n");
    assert_eq!(fs::read(dir.0.join("moved")).unwrap(), b"a\n");
}
