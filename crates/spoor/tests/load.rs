//! Nothing lost under load: many concurrent keep-alive clients, a log
//! rotation with SIGHUP in the middle and SIGTERM while requests are still
//! arriving; afterwards the logs hold exactly one well-formed line for every
//! request that got a response, and none for any other.

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

mod common;

const CLIENTS: usize = 64;
const PER_CLIENT: usize = 60;

struct Guard(Child, PathBuf);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
        let _ = std::fs::remove_dir_all(&self.1);
    }
}

/// Reads one response (headers + Content-Length body); `None` when the
/// connection closed first.
fn read_response(r: &mut BufReader<TcpStream>) -> Option<u16> {
    let mut line = String::new();
    if r.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let status: u16 = line.split(' ').nth(1)?.parse().ok()?;
    let mut len = 0usize;
    loop {
        line.clear();
        if r.read_line(&mut line).ok()? == 0 {
            return None;
        }
        if line == "\r\n" {
            break;
        }
        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            len = v.trim().parse().ok()?;
        }
    }
    let mut body = vec![0; len];
    r.read_exact(&mut body).ok()?;
    Some(status)
}

#[test]
fn every_served_request_is_logged_once() {
    load(None);
}

/// The same with one thread (`--threads 1`: tokio's current-thread
/// scheduler instead of the multi-threaded one).
#[test]
fn every_served_request_is_logged_once_on_one_thread() {
    load(Some("1"));
}

/// The same with three worker threads: each its own single-threaded
/// event loop accepting from the shared sockets.
#[test]
fn every_served_request_is_logged_once_on_three_workers() {
    load(Some("3"));
}

/// The names of the threads of process `pid`.
fn thread_names(pid: i32) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(format!("/proc/{pid}/task"))
        .unwrap()
        .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("comm")).ok())
        .map(|c| c.trim_end().to_owned())
        .collect();
    v.sort();
    v
}

fn load(threads: Option<&str>) {
    let root = std::env::temp_dir().join(format!(
        "spoor-load-{}-{}",
        std::process::id(),
        threads.unwrap_or("default")
    ));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(root.join("htdocs")).unwrap();
    std::fs::create_dir_all(root.join("logs")).unwrap();
    for d in ["", "htdocs", "logs"] {
        common::mode_0755(&root.join(d));
    }
    // Run as root, spoor serves as nobody: the logs directory is its own,
    // so the rotation's reopen creates the new file.
    common::give_to_server(&root.join("logs"));
    std::fs::write(root.join("htdocs/f.txt"), "x".repeat(1024)).unwrap();
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    std::fs::write(
        root.join("spoor.conf"),
        format!(
            "Listen 127.0.0.1:{port}\nServerName load.test\nDocumentRoot htdocs\n\
             MaxKeepAliveRequests 0\n\
             LogFormat \"%h %l %u %t \\\"%r\\\" %>s %b \\\"%{{Referer}}i\\\" \\\"%{{User-Agent}}i\\\"\" combined\n\
             CustomLog logs/access.log combined\n"
        ),
    )
    .unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_spoor"))
        .args(["-f", "spoor.conf", "-d"])
        .arg(&root)
        .args(threads.map(|n| ["--threads", n]).into_iter().flatten())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let pid = child.id() as i32;
    let guard = Guard(child, root.clone());
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "spoor did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    let names = thread_names(pid);
    let workers: Vec<&String> = names
        .iter()
        .filter(|n| n.starts_with("spoor-worker-"))
        .collect();
    match threads {
        // One thread: the main thread's event loop serves.
        Some("1") => assert!(workers.is_empty(), "{names:?}"),
        Some(n) => assert_eq!(workers.len(), n.parse::<usize>().unwrap(), "{names:?}"),
        None => {}
    }

    let served = Arc::new(Mutex::new(HashSet::new()));
    let done = Arc::new(AtomicUsize::new(0));
    let stop_sending = Arc::new(AtomicBool::new(false));
    let mut threads = Vec::new();
    for c in 0..CLIENTS {
        let served = served.clone();
        let done = done.clone();
        let stop_sending = stop_sending.clone();
        threads.push(std::thread::spawn(move || {
            let s = TcpStream::connect(("127.0.0.1", port)).unwrap();
            s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
            let mut w = s.try_clone().unwrap();
            let mut r = BufReader::new(s);
            for i in 0..PER_CLIENT {
                if stop_sending.load(Ordering::Relaxed) && i % 2 == 0 {
                    // Keep some traffic going into the shutdown, bounded.
                    std::thread::sleep(Duration::from_millis(5));
                }
                let id = format!("c{c}r{i}");
                let req = format!(
                    "GET /f.txt?id={id} HTTP/1.1\r\nHost: load.test\r\nUser-Agent: load/{id}\r\n\r\n"
                );
                if w.write_all(req.as_bytes()).is_err() {
                    break;
                }
                match read_response(&mut r) {
                    Some(200) => {
                        served.lock().unwrap().insert(id);
                        done.fetch_add(1, Ordering::Relaxed);
                    }
                    Some(other) => panic!("status {other} for {id}"),
                    None => break,
                }
            }
        }));
    }
    let total = CLIENTS * PER_CLIENT;
    let deadline = Instant::now() + Duration::from_secs(120);
    // Rotate the log half way through.
    while done.load(Ordering::Relaxed) < total / 2 {
        assert!(Instant::now() < deadline, "load did not progress");
        std::thread::sleep(Duration::from_millis(5));
    }
    std::fs::rename(root.join("logs/access.log"), root.join("logs/access.log.1")).unwrap();
    // SAFETY: signalling our own child.
    unsafe { libc::kill(pid, libc::SIGHUP) };
    // Stop the server while the last quarter is still being sent.
    while done.load(Ordering::Relaxed) < total * 3 / 4 {
        assert!(Instant::now() < deadline, "load did not progress");
        std::thread::sleep(Duration::from_millis(5));
    }
    stop_sending.store(true, Ordering::Relaxed);
    // SAFETY: as above.
    unsafe { libc::kill(pid, libc::SIGTERM) };
    for t in threads {
        t.join().unwrap();
    }
    let mut guard = guard;
    let stop_deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(st) = guard.0.try_wait().unwrap() {
            break st;
        }
        assert!(Instant::now() < stop_deadline, "spoor did not stop");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{status:?}");

    let mut text = std::fs::read_to_string(root.join("logs/access.log.1")).unwrap();
    text.push_str(&std::fs::read_to_string(root.join("logs/access.log")).unwrap_or_default());
    let served = served.lock().unwrap();
    let mut seen = HashSet::new();
    for line in text.lines() {
        // 127.0.0.1 - - [..] "GET /f.txt?id=ID HTTP/1.1" 200 1024 "-" "load/ID"
        let (_, rest) = line
            .split_once("\"GET /f.txt?id=")
            .unwrap_or_else(|| panic!("bad line {line:?}"));
        let (id, rest) = rest.split_once(' ').unwrap();
        assert_eq!(
            rest,
            format!("HTTP/1.1\" 200 1024 \"-\" \"load/{id}\""),
            "{line:?}"
        );
        assert!(line.starts_with("127.0.0.1 - - ["), "{line:?}");
        assert!(seen.insert(id.to_string()), "{id} logged twice");
    }
    let missing: Vec<_> = served.difference(&seen).collect();
    let extra: Vec<_> = seen.difference(&served).collect();
    assert!(missing.is_empty(), "served but not logged: {missing:?}");
    assert!(extra.is_empty(), "logged but never answered: {extra:?}");
    assert!(
        served.len() >= total * 3 / 4,
        "only {} served",
        served.len()
    );
    println!("{} requests served and logged exactly once", served.len());
}
