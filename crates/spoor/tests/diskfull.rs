//! Access logs on a file system that fills up and frees again, with spoor
//! serving throughout: every line of the log is a whole record or the one
//! fragment the failing write left, never a fragment with a record after
//! it; the failures come out as one line when they begin and one with the
//! count of lost records when the log can be written again, not one line
//! per record; and whole + lost = requests. Plain and `BufferedLogs On`.
//!
//! Needs root to mount a small tmpfs (otherwise reported as skipped by
//! `scripts/test-all`, and a failure under plain `cargo test`).
//! Listens on 127.0.0.1 only; every wait is bounded; the server, the mount
//! and the directories are removed at the end.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

mod common;
use common::{free_port, statvfs_avail, Mount, TempDir};

const WAIT: Duration = Duration::from_secs(10);

/// spoor, stopped with SIGTERM (killed if it lingers) when dropped.
struct Server(Child);

impl Server {
    fn start(root: &Path, conf: &str) -> (Server, u16) {
        let port = free_port();
        let text = format!("Listen 127.0.0.1:{port}\nServerName t\nDocumentRoot htdocs\n{conf}");
        std::fs::write(root.join("conf/httpd.conf"), text).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_spoor"))
            .args(["-f", "conf/httpd.conf", "--threads", "2", "-d"])
            .arg(root)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(root.join("logs/stderr")).unwrap())
            .spawn()
            .unwrap();
        let s = Server(child);
        let deadline = Instant::now() + WAIT;
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "spoor did not listen");
            std::thread::sleep(Duration::from_millis(20));
        }
        (s, port)
    }

    /// SIGTERM and a bounded wait; the exit status code.
    fn stop(&mut self) -> Option<i32> {
        // SAFETY: signalling our own child.
        unsafe { libc::kill(self.0.id() as i32, libc::SIGTERM) };
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(st) = self.0.try_wait().unwrap() {
                return st.code();
            }
            assert!(Instant::now() < deadline, "spoor did not stop");
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if self.0.try_wait().ok().flatten().is_none() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

/// The record of request `seq` as the log format below writes it.
fn record(seq: usize) -> String {
    format!("200 {seq:05} {}", pad(seq))
}

fn pad(seq: usize) -> String {
    "p".repeat(20 + seq * 7 % 90)
}

/// One request on its own connection; the status line.
fn get(port: u16, seq: usize) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(WAIT)).unwrap();
    write!(
        s,
        "GET /index.html HTTP/1.0\r\nX-Seq: {seq:05}\r\nX-Pad: {}\r\n\r\n",
        pad(seq)
    )
    .unwrap();
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    let text = String::from_utf8_lossy(&out);
    text.lines().next().unwrap_or("").to_string()
}

/// Requests `from..to` from four client threads at once; all must be
/// answered 200 (a full log does not stop the server).
fn run(port: u16, from: usize, to: usize) {
    let handles: Vec<_> = (0..4)
        .map(|t| {
            std::thread::spawn(move || {
                for seq in (from + t..to).step_by(4) {
                    assert_eq!(get(port, seq), "HTTP/1.1 200 OK", "request {seq}");
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
}

/// Writes zeros to `path` until the file system refuses more.
fn fill(path: &Path) {
    let mut f = std::fs::File::create(path).unwrap();
    let chunk = vec![0u8; 4096];
    loop {
        match f.write(&chunk) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
    }
}

fn full_disk(buffered: bool) {
    let tag = if buffered { "buffered" } else { "plain" };
    let dir = TempDir::create(
        &format!("diskfull-{tag}"),
        &["htdocs", "logs", "conf"],
        &[("htdocs/index.html", "hello\n")],
    );
    let mnt = dir.0.join("small");
    let Some(_mount) = Mount::tmpfs(&mnt, 64 * 4096) else {
        common::skip(
            &format!("diskfull::full_disk ({tag})"),
            "cannot mount a tmpfs here (needs root)",
        );
        return;
    };
    let log = mnt.join("access.log");
    let conf = format!(
        "ErrorLog logs/error.log\nBufferedLogs {}\nCustomLog {} \"%>s %{{X-Seq}}i %{{X-Pad}}i\"\n",
        if buffered { "On" } else { "Off" },
        log.display()
    );
    let (mut srv, port) = Server::start(&dir.0, &conf);

    // Before: logged normally. Then the file system fills (the log's last
    // page keeps some room, so the record that crosses it is cut) and
    // requests go on; then space is freed and requests go on again.
    run(port, 0, 40);
    if buffered {
        // The flush timer writes them out while there is room.
        std::thread::sleep(Duration::from_millis(1500));
    }
    fill(&mnt.join("filler"));
    assert_eq!(statvfs_avail(&mnt), 0);
    run(port, 40, 440);
    if buffered {
        // Let the flush timer write the last buffer while still full.
        std::thread::sleep(Duration::from_millis(1500));
    }
    std::fs::remove_file(mnt.join("filler")).unwrap();
    run(port, 440, 540);
    assert_eq!(srv.stop(), Some(0));

    let data = std::fs::read(&log).unwrap();
    assert!(data.ends_with(b"\n"));
    let text = String::from_utf8(data).unwrap();
    let mut seen = vec![false; 540];
    let mut fragments = Vec::new();
    for line in text.lines() {
        let seq = line.get(4..9).and_then(|s| s.parse::<usize>().ok());
        match seq {
            Some(seq) if seq < 540 && line == record(seq) => {
                assert!(!seen[seq], "record {seq} twice");
                seen[seq] = true;
            }
            _ => fragments.push(line.to_string()),
        }
    }
    // At most one fragment per burst, and it is a cut record: a proper
    // prefix of a record, with nothing after it.
    assert!(fragments.len() <= 1, "{fragments:?}");
    for f in &fragments {
        assert!(
            (0..540).any(|s| record(s).starts_with(f.as_str()) && record(s) != *f),
            "not a prefix of a record: {f:?}"
        );
    }
    assert!(seen[..40].iter().all(|&s| s), "records before the fill");
    assert!(
        seen[440..].iter().all(|&s| s),
        "records after the space came back"
    );
    let whole = seen.iter().filter(|&&s| s).count();
    let lost = 540 - whole;
    assert!(lost > 300, "only {lost} lost");

    // Standard error: one line when the failures begin, one with the
    // count when the log can be written again; nothing per record.
    let err = std::fs::read_to_string(dir.0.join("logs/stderr")).unwrap();
    let name = log.display().to_string();
    let about: Vec<&str> = err.lines().filter(|l| l.contains(&name)).collect();
    assert_eq!(
        about,
        [
            format!("spoor: AH00646: Error writing to {name}: No space left on device (os error 28); records that cannot be written are counted and reported once it can be written again"),
            format!("spoor: {lost} records lost while {name} could not be written: No space left on device (os error 28)"),
        ],
        "{err}"
    );
    assert!(err.lines().count() <= 6, "{err}");
}

#[test]
fn full_disk_plain() {
    full_disk(false);
}

#[test]
fn full_disk_buffered() {
    full_disk(true);
}
