//! Log sinks under concurrency, rotation, logger crashes and buffering.
//!
//! Every record written carries its writer and sequence number and a
//! filler whose length and content follow from them, so the checks below
//! can tell a lost, duplicated, split or interleaved record apart. Every
//! wait is bounded; temporary files are removed and logger children reaped.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use spoor_log::sink::{tokenize_argv, PipedCommand, Sink, SinkOptions, Target, LOG_BUFSIZE};

/// A temporary directory removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        static N: AtomicUsize = AtomicUsize::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos();
        let p = std::env::temp_dir().join(format!(
            "spoor-sinks-{tag}-{}-{}-{nanos}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }

    fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// Filler length for record `i`: mostly short, every 50th longer than
/// `PIPE_BUF` so the large-record path is exercised.
fn filler_len(i: usize) -> usize {
    if i % 50 == 49 {
        6000 + i % 7
    } else {
        20 + (i * 37) % 100
    }
}

fn record(tag: &str, writer: usize, i: usize) -> Vec<u8> {
    let mut v = format!("{tag}{writer:02}-{i:06} ").into_bytes();
    let c = b'a' + ((writer + i) % 26) as u8;
    v.resize(v.len() + filler_len(i), c);
    v.push(b'\n');
    v
}

/// Writes `per_writer` records from each of `writers` threads; `count` is
/// bumped after each record, and `grouped(writer, i)` chooses
/// `Sink::write_record_grouped` over `Sink::write_record` per record.
/// Returns a receiver that gets one message per finished writer.
fn spawn_writers(
    sink: &Arc<Sink>,
    tag: &'static str,
    writers: usize,
    per_writer: usize,
    count: &Arc<AtomicUsize>,
    grouped: fn(usize, usize) -> bool,
) -> mpsc::Receiver<()> {
    let (tx, rx) = mpsc::channel();
    for w in 0..writers {
        let sink = Arc::clone(sink);
        let count = Arc::clone(count);
        let tx = tx.clone();
        thread::spawn(move || {
            for i in 0..per_writer {
                let rec = record(tag, w, i);
                if grouped(w, i) {
                    sink.write_record_grouped(&rec)
                        .expect("write_record_grouped");
                } else {
                    sink.write_record(&rec).expect("write_record");
                }
                count.fetch_add(1, Ordering::Relaxed);
            }
            drop(sink);
            let _ = tx.send(());
        });
    }
    rx
}

fn join_writers(rx: &mpsc::Receiver<()>, writers: usize, limit: Duration) {
    let deadline = Instant::now() + limit;
    for _ in 0..writers {
        let left = deadline.saturating_duration_since(Instant::now());
        rx.recv_timeout(left)
            .expect("writer did not finish in time");
    }
}

fn write_all(sink: &Arc<Sink>, tag: &'static str, writers: usize, per_writer: usize) {
    let count = Arc::new(AtomicUsize::new(0));
    let rx = spawn_writers(sink, tag, writers, per_writer, &count, |_, _| false);
    join_writers(&rx, writers, Duration::from_secs(60));
}

/// Checks that `files` together hold exactly the records of `batches`
/// (tag, writers, per_writer), each exactly once and intact, and that per
/// writer they appear in the order written. Returns the line count per
/// file.
fn check_records(files: &[PathBuf], batches: &[(&str, usize, usize)]) -> Vec<usize> {
    let mut seen: HashMap<(String, usize, usize), usize> = HashMap::new();
    let mut per_file = Vec::new();
    for f in files {
        let data = fs::read(f).unwrap_or_default();
        assert!(
            data.is_empty() || data.ends_with(b"\n"),
            "{} ends mid-record",
            f.display()
        );
        let mut n = 0;
        let mut last: HashMap<(String, usize), usize> = HashMap::new();
        for line in data.split_inclusive(|&b| b == b'\n') {
            n += 1;
            let text = std::str::from_utf8(line).expect("utf-8 line");
            let head = text.split(' ').next().unwrap();
            let (tw, i) = head.split_once('-').expect("malformed record");
            let tag = tw
                .trim_end_matches(|c: char| c.is_ascii_digit())
                .to_string();
            let w: usize = tw[tag.len()..].parse().expect("writer number");
            let i: usize = i.parse().expect("sequence number");
            assert_eq!(
                line,
                &record(&tag, w, i)[..],
                "record {tag}{w}-{i} damaged in {}",
                f.display()
            );
            if let Some(&prev) = last.get(&(tag.clone(), w)) {
                assert!(i > prev, "writer {tag}{w} out of order: {i} after {prev}");
            }
            last.insert((tag.clone(), w), i);
            *seen.entry((tag, w, i)).or_default() += 1;
        }
        per_file.push(n);
    }
    let mut expected = 0;
    for &(tag, writers, per_writer) in batches {
        for w in 0..writers {
            for i in 0..per_writer {
                expected += 1;
                let c = seen.get(&(tag.to_string(), w, i)).copied().unwrap_or(0);
                assert_eq!(c, 1, "record {tag}{w:02}-{i:06} seen {c} times");
            }
        }
    }
    assert_eq!(seen.len(), expected, "unexpected extra records");
    per_file
}

fn count_lines(path: &Path) -> usize {
    fs::read(path)
        .map(|d| d.iter().filter(|&&b| b == b'\n').count())
        .unwrap_or(0)
}

fn wait_until(limit: Duration, mut ok: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    loop {
        if ok() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        thread::sleep(Duration::from_millis(10));
    }
}

fn file_len(path: &Path) -> u64 {
    fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

/// States (from `/proc/N/stat`) of the processes in group `pgid`.
fn group_states(pgid: u32) -> Vec<(u32, char)> {
    let mut v = Vec::new();
    for e in fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = fs::read_to_string(e.path().join("stat")) else {
            continue;
        };
        let rest = &stat[stat.rfind(')').unwrap() + 1..];
        let f: Vec<&str> = rest.split_ascii_whitespace().collect();
        if f[2].parse::<u32>() == Ok(pgid) {
            v.push((pid, f[0].chars().next().unwrap()));
        }
    }
    v
}

/// Sends `sig` to the logger's whole process group (a `|$…` logger is a
/// shell and its command).
fn signal_group(pgid: u32, sig: libc::c_int) {
    // SAFETY: the group of our own child.
    assert_eq!(unsafe { libc::kill(-(pgid as libc::pid_t), sig) }, 0);
}

fn process_gone(pid: u32) -> bool {
    // SAFETY: signal 0 only checks for existence.
    let r = unsafe { libc::kill(pid as libc::pid_t, 0) };
    r == -1 && std::io::Error::last_os_error().raw_os_error() == Some(libc::ESRCH)
}

#[test]
fn file_sink_concurrent_writers_lose_and_tear_nothing() {
    let dir = TempDir::new("file");
    let path = dir.join("access_log");
    let sink = Arc::new(Sink::file(&path, &SinkOptions::default()).unwrap());
    write_all(&sink, "F", 8, 2000);
    sink.close().unwrap();
    assert_eq!(check_records(&[path], &[("F", 8, 2000)]), [16000]);
    // Closed: later writes fail, closing again is fine.
    assert!(sink.write_record(b"late\n").is_err());
    sink.close().unwrap();
}

#[test]
fn grouped_writes_lose_tear_and_reorder_nothing() {
    let dir = TempDir::new("grouped");
    let path = dir.join("access_log");
    let sink = Arc::new(Sink::file(&path, &SinkOptions::default()).unwrap());
    let count = Arc::new(AtomicUsize::new(0));
    // Six threads hand records over to each other; two more write theirs
    // themselves (as forensic records do), some of them records past
    // PIPE_BUF.
    let rx = spawn_writers(&sink, "G", 8, 3000, &count, |w, _| w < 6);
    join_writers(&rx, 8, Duration::from_secs(60));
    sink.close().unwrap();
    assert_eq!(check_records(&[path], &[("G", 8, 3000)]), [24000]);

    // The same through a piped logger, every record handed over.
    let out = dir.join("piped");
    let spec = format!("|$cat >> {}", out.display());
    let sink = Arc::new(Sink::open(&spec, &SinkOptions::default()).unwrap());
    let rx = spawn_writers(&sink, "H", 4, 1000, &count, |_, _| true);
    join_writers(&rx, 4, Duration::from_secs(60));
    sink.close().unwrap();
    assert_eq!(check_records(&[out], &[("H", 4, 1000)]), [4000]);
}

#[test]
fn file_sink_appends_with_default_permissions() {
    let dir = TempDir::new("mode");
    let path = dir.join("log");
    fs::write(&path, b"existing\n").unwrap();
    let sink = Sink::open(path.to_str().unwrap(), &SinkOptions::default()).unwrap();
    sink.write_record(b"new\n").unwrap();
    drop(sink);
    assert_eq!(fs::read(&path).unwrap(), b"existing\nnew\n");

    use std::os::unix::fs::PermissionsExt;
    let fresh = dir.join("fresh");
    // SAFETY: umask is read by setting it and putting it back.
    let mask = unsafe {
        let m = libc::umask(0o022);
        libc::umask(m);
        m
    };
    drop(Sink::file(&fresh, &SinkOptions::default()).unwrap());
    let mode = fs::metadata(&fresh).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o666 & !(mask as u32));
}

#[test]
fn reopen_during_concurrent_writes_keeps_every_record_once() {
    let dir = TempDir::new("reopen");
    let path = dir.join("access_log");
    let sink = Arc::new(Sink::file(&path, &SinkOptions::default()).unwrap());
    let (writers, per, rotations) = (6, 4000, 3);
    let total = writers * per;
    let quarter = per / (rotations + 1);
    // Writers write their k-th quarter only once `phase >= k`, so every
    // file receives records; each rotation happens while the writers are
    // still busy with the previous quarter.
    let phase = Arc::new(AtomicUsize::new(0));
    let count = Arc::new(AtomicUsize::new(0));
    let (tx, rx) = mpsc::channel();
    for w in 0..writers {
        let (sink, phase, count, tx) = (
            Arc::clone(&sink),
            Arc::clone(&phase),
            Arc::clone(&count),
            tx.clone(),
        );
        thread::spawn(move || {
            for i in 0..per {
                let q = (i / quarter).min(rotations);
                assert!(
                    wait_until(Duration::from_secs(30), || phase.load(Ordering::Acquire)
                        >= q),
                    "phase {q} never came"
                );
                // Half the writers hand their records over (group commit).
                if w % 2 == 0 {
                    sink.write_record_grouped(&record("R", w, i)).unwrap();
                } else {
                    sink.write_record(&record("R", w, i)).unwrap();
                }
                count.fetch_add(1, Ordering::Relaxed);
            }
            drop(sink);
            let _ = tx.send(());
        });
    }
    let mut files = Vec::new();
    for k in 1..=rotations {
        // Half way through quarter k-1 overall.
        let mark = (k - 1) * writers * quarter + writers * quarter / 2;
        assert!(
            wait_until(Duration::from_secs(30), || count.load(Ordering::Relaxed)
                >= mark),
            "writers stalled"
        );
        let rotated = dir.join(&format!("access_log.{k}"));
        fs::rename(&path, &rotated).unwrap();
        sink.reopen().unwrap();
        phase.store(k, Ordering::Release);
        files.push(rotated);
    }
    join_writers(&rx, writers, Duration::from_secs(60));
    sink.close().unwrap();
    files.push(path);
    let per_file = check_records(&files, &[("R", writers, per)]);
    assert_eq!(per_file.iter().sum::<usize>(), total);
    for (f, n) in files.iter().zip(&per_file) {
        assert!(*n > 0, "{} is empty", f.display());
    }
}

#[test]
fn reopen_failure_keeps_the_old_file() {
    let dir = TempDir::new("reopen-fail");
    let sub = dir.join("sub");
    fs::create_dir(&sub).unwrap();
    let path = sub.join("log");
    let sink = Sink::file(&path, &SinkOptions::default()).unwrap();
    sink.write_record(b"one\n").unwrap();
    let moved = dir.join("moved");
    fs::rename(&sub, &moved).unwrap();
    assert!(sink.reopen().is_err());
    sink.write_record(b"two\n").unwrap();
    sink.close().unwrap();
    assert_eq!(fs::read(moved.join("log")).unwrap(), b"one\ntwo\n");
}

/// Kills the logger while writers are blocked on a full pipe; the records
/// already in the pipe and those written while no logger runs must all
/// arrive, once, through the restarted logger.
fn piped_logger_survives_sigkill(spec: &str, out: &Path) {
    let sink = Arc::new(Sink::open(spec, &SinkOptions::default()).unwrap());
    write_all(&sink, "A", 4, 50);
    assert!(
        wait_until(Duration::from_secs(10), || count_lines(out) == 200),
        "first batch did not arrive: {} lines",
        count_lines(out)
    );
    // The logger has written all it read and is idle: stop it (and
    // wait until it really is stopped) so that it reads nothing more, fill
    // the pipe, then kill it.
    let pid = sink.child_pid().expect("logger pid");
    signal_group(pid, libc::SIGSTOP);
    assert!(
        wait_until(Duration::from_secs(10), || group_states(pid)
            .iter()
            .all(|&(_, s)| s == 'T' || s == 'Z')),
        "logger did not stop: {:?}",
        group_states(pid)
    );
    let (writers, per) = (4, 1500);
    let count = Arc::new(AtomicUsize::new(0));
    let rx = spawn_writers(&sink, "B", writers, per, &count, |_, _| false);
    thread::sleep(Duration::from_millis(300));
    let written_while_stopped = count.load(Ordering::Relaxed);
    signal_group(pid, libc::SIGKILL);
    assert!(
        wait_until(
            Duration::from_secs(10),
            || matches!(sink.child_pid(), Some(p) if p != pid)
        ),
        "logger not restarted"
    );
    join_writers(&rx, writers, Duration::from_secs(60));
    // Back-pressure: with the logger stopped the writers were blocked.
    assert!(
        written_while_stopped < writers * per,
        "writers were not held back by the full pipe"
    );
    let new_pid = sink.child_pid().unwrap();
    sink.close().unwrap();
    check_records(&[out.to_path_buf()], &[("A", 4, 50), ("B", writers, per)]);
    assert!(process_gone(pid));
    assert!(
        wait_until(Duration::from_secs(5), || process_gone(new_pid)),
        "logger not reaped"
    );
}

#[test]
fn piped_shell_logger_restarts_without_losing_records() {
    let dir = TempDir::new("pipe-shell");
    let out = dir.join("out");
    piped_logger_survives_sigkill(&format!("|$cat >> {}", out.display()), &out);
}

#[test]
fn piped_program_logger_restarts_without_losing_records() {
    let dir = TempDir::new("pipe-prog");
    let out = dir.join("out");
    // Executed directly (no shell): the quoting is undone by the tokenizer.
    let spec = format!(r#"|/bin/sh -c "exec cat >> \"$0\"" {}"#, out.display());
    piped_logger_survives_sigkill(&spec, &out);
}

#[test]
fn killing_only_the_shell_leaves_its_command_as_the_single_reader() {
    let dir = TempDir::new("pipe-orphan");
    let out = dir.join("out");
    let sink = Arc::new(
        Sink::open(
            &format!("|$cat >> {}", out.display()),
            &SinkOptions::default(),
        )
        .unwrap(),
    );
    write_all(&sink, "S", 2, 100);
    let sh = sink.child_pid().unwrap();
    // dash does not exec `cat >> f`: the group is the shell and cat.
    assert!(wait_until(Duration::from_secs(10), || group_states(sh)
        .len()
        >= 2));
    // SAFETY: our own child, not yet reaped.
    assert_eq!(unsafe { libc::kill(sh as libc::pid_t, libc::SIGKILL) }, 0);
    assert!(wait_until(Duration::from_secs(10), || sink.child_pid() != Some(sh)));
    // cat still reads the pipe; no second reader is started next to it.
    write_all(&sink, "T", 4, 500);
    assert_eq!(sink.child_pid(), None);
    sink.close().unwrap();
    check_records(&[out], &[("S", 2, 100), ("T", 4, 500)]);
    assert!(group_states(sh).iter().all(|&(_, s)| s == 'Z'));
}

#[test]
fn double_bar_program_and_close_drains_the_pipe() {
    let dir = TempDir::new("pipe-dd");
    let out = dir.join("out");
    let spec = format!(
        "||/bin/dd of={} oflag=append conv=notrunc status=none",
        out.display()
    );
    let sink = Arc::new(Sink::open(&spec, &SinkOptions::default()).unwrap());
    let pid = sink.child_pid().unwrap();
    write_all(&sink, "D", 4, 500);
    // Close right away: the logger must still get everything.
    sink.close().unwrap();
    check_records(&[out], &[("D", 4, 500)]);
    assert!(wait_until(Duration::from_secs(5), || process_gone(pid)));
}

#[test]
fn close_terminates_a_logger_that_ignores_end_of_file() {
    let dir = TempDir::new("pipe-linger");
    let out = dir.join("out");
    let opts = SinkOptions {
        drain_timeout: Duration::from_millis(300),
        ..SinkOptions::default()
    };
    let sink = Sink::open(&format!("|$cat >> {}; exec sleep 30", out.display()), &opts).unwrap();
    let pid = sink.child_pid().unwrap();
    sink.write_record(b"only\n").unwrap();
    let t = Instant::now();
    sink.close().unwrap();
    assert!(
        t.elapsed() < Duration::from_secs(4),
        "close took {:?}",
        t.elapsed()
    );
    assert!(process_gone(pid));
    assert_eq!(fs::read(&out).unwrap(), b"only\n");
}

#[test]
fn piped_logger_that_cannot_start_is_an_error() {
    assert!(Sink::open("|/nonexistent/spoor-logger", &SinkOptions::default()).is_err());
    // No PATH search for a bare program name, as httpd.
    assert!(Sink::open("|cat", &SinkOptions::default()).is_err());
}

#[test]
fn piped_logger_runs_in_working_dir() {
    let dir = TempDir::new("pipe-cwd");
    let opts = SinkOptions {
        working_dir: Some(dir.0.clone()),
        ..SinkOptions::default()
    };
    let sink = Sink::open("|$cat > relative.log", &opts).unwrap();
    sink.write_record(b"here\n").unwrap();
    sink.close().unwrap();
    assert_eq!(fs::read(dir.join("relative.log")).unwrap(), b"here\n");
}

#[test]
fn buffered_holds_records_until_the_buffer_is_full() {
    let dir = TempDir::new("buf-full");
    let path = dir.join("log");
    let opts = SinkOptions {
        buffered: true,
        flush_interval: Duration::from_secs(3600),
        ..SinkOptions::default()
    };
    let sink = Sink::file(&path, &opts).unwrap();
    assert!(sink.is_buffered());
    // httpd's observed behaviour with 1013-byte records.
    let mut rec = vec![b'x'; 1012];
    rec.push(b'\n');
    for _ in 0..4 {
        sink.write_record(&rec).unwrap();
    }
    assert_eq!(file_len(&path), 0);
    sink.write_record(&rec).unwrap();
    assert_eq!(file_len(&path), 4052);
    drop(sink);
    assert_eq!(file_len(&path), 5 * 1013);
}

#[test]
fn buffered_big_record_goes_straight_through_in_order() {
    let dir = TempDir::new("buf-big");
    let path = dir.join("log");
    let opts = SinkOptions {
        buffered: true,
        flush_interval: Duration::from_secs(3600),
        ..SinkOptions::default()
    };
    let sink = Sink::file(&path, &opts).unwrap();
    sink.write_record(b"small\n").unwrap();
    let mut big = vec![b'b'; LOG_BUFSIZE];
    big.push(b'\n');
    sink.write_record(&big).unwrap();
    let mut expected = b"small\n".to_vec();
    expected.extend_from_slice(&big);
    assert_eq!(fs::read(&path).unwrap(), expected);
    sink.write_record(b"after\n").unwrap();
    sink.flush().unwrap();
    expected.extend_from_slice(b"after\n");
    assert_eq!(fs::read(&path).unwrap(), expected);
    sink.close().unwrap();
}

#[test]
fn buffered_timer_flushes_idle_buffer() {
    let dir = TempDir::new("buf-timer");
    let path = dir.join("log");
    let interval = Duration::from_millis(300);
    let opts = SinkOptions {
        buffered: true,
        flush_interval: interval,
        ..SinkOptions::default()
    };
    let sink = Sink::file(&path, &opts).unwrap();
    for round in 0..2 {
        let start = Instant::now();
        sink.write_record(format!("round {round}\n").as_bytes())
            .unwrap();
        let before = file_len(&path);
        if start.elapsed() < interval / 2 {
            assert_eq!(before as usize, round * 8, "flushed too early");
        }
        assert!(
            wait_until(Duration::from_secs(5), || file_len(&path) as usize
                == (round + 1) * 8),
            "timer did not flush"
        );
        assert!(start.elapsed() >= interval, "flushed before the interval");
    }
    sink.close().unwrap();
    assert_eq!(fs::read(&path).unwrap(), b"round 0\nround 1\n");
}

#[test]
fn buffered_concurrent_writers_with_reopen_and_drop() {
    let dir = TempDir::new("buf-conc");
    let path = dir.join("log");
    let opts = SinkOptions {
        buffered: true,
        flush_interval: Duration::from_millis(50),
        ..SinkOptions::default()
    };
    let sink = Arc::new(Sink::file(&path, &opts).unwrap());
    let count = Arc::new(AtomicUsize::new(0));
    let rx = spawn_writers(&sink, "Q", 4, 3000, &count, |_, _| false);
    assert!(wait_until(Duration::from_secs(30), || count
        .load(Ordering::Relaxed)
        >= 6000));
    let rotated = dir.join("log.1");
    fs::rename(&path, &rotated).unwrap();
    sink.reopen().unwrap();
    join_writers(&rx, 4, Duration::from_secs(60));
    drop(Arc::try_unwrap(sink).expect("writers done"));
    check_records(&[rotated, path], &[("Q", 4, 3000)]);
}

#[test]
fn buffered_piped_logger_flushes_on_close() {
    let dir = TempDir::new("buf-pipe");
    let out = dir.join("out");
    let opts = SinkOptions {
        buffered: true,
        flush_interval: Duration::from_secs(3600),
        ..SinkOptions::default()
    };
    let sink = Arc::new(Sink::open(&format!("|$cat >> {}", out.display()), &opts).unwrap());
    write_all(&sink, "P", 3, 400);
    sink.close().unwrap();
    check_records(&[out], &[("P", 3, 400)]);
}

#[test]
fn tokenizer_cases() {
    assert_eq!(
        tokenize_argv(r#"/bin/sh -c "exec cat >> \"$0\"" /tmp/x"#),
        ["/bin/sh", "-c", r#"exec cat >> "$0""#, "/tmp/x"]
    );
    assert_eq!(tokenize_argv("a\t'b c'  d\\ e"), ["a", "b c", "d e"]);
    assert_eq!(tokenize_argv(r#""a"b"#), ["a", "b"]);
    assert_eq!(tokenize_argv(r"x\\y"), [r"x\y"]);
    assert_eq!(
        Target::parse("|$cat  >>  \"f g\""),
        Target::Piped(PipedCommand::Shell("cat >> f g".into()))
    );
    assert_eq!(
        Target::parse("||prog 'a b'"),
        Target::Piped(PipedCommand::Program(vec!["prog".into(), "a b".into()]))
    );
}

/// A log that ends inside a record (left by a failed write of an earlier
/// run) gets a newline before the first record, on open and on reopen,
/// plain and buffered; a file ending in LF gets none.
#[test]
fn a_file_ending_in_a_fragment_is_ended_before_the_next_record() {
    for buffered in [false, true] {
        let dir = TempDir::new("torn-open");
        let path = dir.join("log");
        fs::write(&path, b"whole\ntorn by a full di").unwrap();
        let opts = SinkOptions {
            buffered,
            ..SinkOptions::default()
        };
        let sink = Sink::file(&path, &opts).unwrap();
        sink.write_record(b"one\n").unwrap();
        sink.write_record(b"two\n").unwrap();
        sink.flush().unwrap();
        assert_eq!(
            fs::read(&path).unwrap(),
            b"whole\ntorn by a full di\none\ntwo\n"
        );
        // Rotation: the file moved away, a new one with a fragment in its
        // place (another writer's); the reopened log ends that line first.
        fs::rename(&path, dir.join("log.1")).unwrap();
        fs::write(&path, b"frag").unwrap();
        sink.reopen().unwrap();
        sink.write_record(b"three\n").unwrap();
        sink.close().unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"frag\nthree\n");
        assert_eq!(sink.lost_records(), 0);
    }
    let dir = TempDir::new("clean-open");
    let path = dir.join("log");
    fs::write(&path, b"whole\n").unwrap();
    let sink = Sink::file(&path, &SinkOptions::default()).unwrap();
    sink.write_record(b"next\n").unwrap();
    drop(sink);
    assert_eq!(fs::read(&path).unwrap(), b"whole\nnext\n");
}
