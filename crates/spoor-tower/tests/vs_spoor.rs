//! The same requests, byte for byte, through an axum app with the
//! `AccessLog` layer and through spoor's own server (the `spoor` binary
//! of this workspace, built here if needed), with the same formats: the
//! log lines must be the same. spoor's lines are themselves compared with
//! a real apache2 by `crates/spoor/tests/apache_diff.rs`.
//!
//! The formats hold the items both can fill; per-connection values
//! (client port, times, durations) are left out and `%t` is masked.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::Request;
use axum::response::Response;
use common::{exchange, free_port, runtime, serve_axum, wait_lines, TempDir};
use spoor_tower::sink::{Sink, SinkOptions};
use spoor_tower::{AccessLog, Log};

const FORMATS: &[&str] = &[
    spoor_log::COMBINED,
    "%a %h %l %u \"%r\" %>s %s %b %B %m %U %q %H %v %V %I %X",
    "\"%{User-Agent}i\" \"%{X-Test}i\" \"%{Referer}i\" %{Host}i %{Accept}i",
    // With JSON escaping (spoor's `escape=json`, the layer's `escape`).
    r#"{"host":"%h","request":"%r","status":%>s,"bytes":%b,"agent":"%{User-Agent}i","referer":%{Referer}i,"user":%u,"query":"%q"}"#,
];

/// The formats written with JSON escaping.
fn json(i: usize) -> bool {
    i == 3
}

fn requests() -> Vec<Vec<u8>> {
    vec![
        b"GET /index.html HTTP/1.1\r\nHost: test.example\r\nUser-Agent: curl/8.0\r\nReferer: http://ref.example/\r\nConnection: close\r\n\r\n".to_vec(),
        b"GET /index.html?x=1&y=%22q HTTP/1.1\r\nHost: Test.Example:8080\r\nUser-Agent: a \"quoted\" \\ agent \xe9\r\nX-Test: one\r\nX-Test: two\r\nConnection: close\r\n\r\n".to_vec(),
        b"HEAD /index.html HTTP/1.1\r\nHost: test.example\r\nConnection: close\r\n\r\n".to_vec(),
        b"GET /a%20b.html HTTP/1.0\r\nUser-Agent: old\r\n\r\n".to_vec(),
        b"GET /dir/../index.html HTTP/1.1\r\nHost: test.example\r\nAccept: */*\r\nConnection: close\r\n\r\n".to_vec(),
        b"GET http://test.example/index.html HTTP/1.1\r\nHost: test.example\r\nConnection: close\r\n\r\n".to_vec(),
        b"GET /big.bin HTTP/1.1\r\nHost: test.example\r\nConnection: close\r\n\r\n".to_vec(),
    ]
}

fn site(dir: &TempDir) {
    std::fs::create_dir_all(dir.join("htdocs/dir")).unwrap();
    std::fs::create_dir_all(dir.join("logs")).unwrap();
    std::fs::write(dir.join("htdocs/index.html"), "hello\n").unwrap();
    std::fs::write(dir.join("htdocs/a b.html"), "space in the name\n").unwrap();
    let big: Vec<u8> = (0..100 * 1024).map(|i| (i % 251) as u8).collect();
    std::fs::write(dir.join("htdocs/big.bin"), big).unwrap();
}

/// The newest modification time of the files under `dir`.
fn newest(dir: &Path) -> std::time::SystemTime {
    let mut t = std::time::UNIX_EPOCH;
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let m = e.metadata().unwrap();
        let mt = if m.is_dir() {
            newest(&e.path())
        } else {
            m.modified().unwrap()
        };
        t = t.max(mt);
    }
    t
}

/// The `spoor` binary of this test's profile directory. `cargo test
/// --workspace` has just built it; run alone, this test builds it when it
/// is missing or older than spoor's or spoor-log's sources. (Building it
/// every time would rebuild it with this package's features, not the
/// workspace's, and make the next workspace build do it again.)
fn spoor_binary() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().unwrap().parent().unwrap().to_path_buf();
    let target_dir = profile_dir.parent().unwrap();
    let bin = profile_dir.join("spoor");
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let sources = newest(&crates.join("spoor/src")).max(newest(&crates.join("spoor-log/src")));
    let fresh = std::fs::metadata(&bin)
        .and_then(|m| m.modified())
        .is_ok_and(|t| t >= sources);
    if fresh {
        return bin;
    }
    let profile = match profile_dir.file_name().unwrap().to_str().unwrap() {
        "debug" => "dev".to_string(),
        p => p.to_string(),
    };
    let status = Command::new(env!("CARGO"))
        .args([
            "build",
            "-q",
            "-p",
            "spoor",
            "--bin",
            "spoor",
            "--profile",
            &profile,
        ])
        .arg("--manifest-path")
        .arg(crates.join("../Cargo.toml"))
        .arg("--target-dir")
        .arg(target_dir)
        .status()
        .unwrap();
    assert!(status.success(), "building spoor failed");
    bin
}

/// A running spoor, stopped with SIGTERM (then killed) on drop.
struct Spoor(Child);

impl Drop for Spoor {
    fn drop(&mut self) {
        // SAFETY: signalling our own child.
        unsafe { libc::kill(self.0.id() as i32, libc::SIGTERM) };
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// httpd.conf quoting of a format string.
fn quoted(f: &str) -> String {
    format!("\"{}\"", f.replace('\\', "\\\\").replace('"', "\\\""))
}

fn start_spoor(dir: &TempDir, port: u16) -> Spoor {
    let mut conf = format!(
        "Listen 127.0.0.1:{port}\nServerName test.example\nDocumentRoot htdocs\nHostnameLookups Off\n"
    );
    for (i, f) in FORMATS.iter().enumerate() {
        let escape = if json(i) { " escape=json" } else { "" };
        conf.push_str(&format!(
            "CustomLog logs/spoor{i}.log {}{escape}\n",
            quoted(f)
        ));
    }
    std::fs::write(dir.join("spoor.conf"), conf).unwrap();
    let child = Command::new(spoor_binary())
        .arg("-d")
        .arg(&dir.0)
        .args(["-f", "spoor.conf"])
        .env("TZ", "UTC0")
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let spoor = Spoor(child);
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "spoor did not start listening");
        std::thread::sleep(Duration::from_millis(20));
    }
    spoor
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// The app: serves the files under `root` for any path (GET and HEAD),
/// as a static-file handler would.
async fn files(root: Arc<PathBuf>, req: Request) -> Response {
    let raw = req.uri().path().as_bytes();
    let mut path = Vec::new();
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == b'%' && i + 2 < raw.len() {
            if let (Some(h), Some(l)) = (hex(raw[i + 1]), hex(raw[i + 2])) {
                path.push(h << 4 | l);
                i += 3;
                continue;
            }
        }
        path.push(raw[i]);
        i += 1;
    }
    let mut parts: Vec<&[u8]> = Vec::new();
    for seg in path.split(|&b| b == b'/') {
        match seg {
            b"" | b"." => {}
            b".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    let mut file = (*root).clone();
    for p in parts {
        file.push(std::str::from_utf8(p).unwrap());
    }
    match std::fs::read(&file) {
        Ok(data) => Response::new(Body::from(data)),
        Err(_) => Response::builder().status(404).body(Body::empty()).unwrap(),
    }
}

fn mask_time(line: &str) -> String {
    match (line.find(" ["), line.find("] ")) {
        (Some(a), Some(b)) if a < b => format!("{}[TIME]{}", &line[..a + 1], &line[b + 1..]),
        _ => line.to_string(),
    }
}

#[test]
fn axum_with_the_layer_logs_as_spoor_does() {
    let dir = TempDir::new("vs-spoor");
    site(&dir);

    // spoor's own server.
    let port = free_port();
    let spoor = start_spoor(&dir, port);
    let spoor_addr = format!("127.0.0.1:{port}").parse().unwrap();
    for r in requests() {
        let resp = exchange(spoor_addr, &r);
        assert!(!resp.is_empty(), "spoor answered nothing to {r:?}");
    }

    // The axum app with the layer.
    let mut layer = AccessLog::new()
        .server_name("test.example")
        .time_zone(spoor_tower::TimeZone::UTC);
    for (i, f) in FORMATS.iter().enumerate() {
        let sink = Sink::file(
            dir.join(&format!("logs/axum{i}.log")),
            &SinkOptions::default(),
        )
        .unwrap();
        let mut log = Log::apache(f).unwrap().to(sink);
        if json(i) {
            log = log.escape(spoor_tower::Escaping::Json).unwrap();
        }
        layer = layer.log(log);
    }
    let root = Arc::new(dir.join("htdocs"));
    let app = axum::Router::new()
        .fallback(move |req: Request| files(root.clone(), req))
        .layer(layer);
    let rt = runtime();
    let axum_addr = serve_axum(&rt, app);
    for r in requests() {
        let resp = exchange(axum_addr, &r);
        assert!(resp.starts_with(b"HTTP/1."), "axum answered {resp:?}");
    }

    let n = requests().len();
    for (i, format) in FORMATS.iter().enumerate() {
        let ours = wait_lines(&dir.join(&format!("logs/axum{i}.log")), n);
        let theirs = wait_lines(&dir.join(&format!("logs/spoor{i}.log")), n);
        assert_eq!(ours.len(), n);
        for (a, s) in ours.iter().zip(&theirs) {
            assert_eq!(mask_time(a), mask_time(s), "format {format:?}");
            if json(i) {
                let v: serde_json::Value = serde_json::from_str(a).unwrap();
                assert_eq!(v["host"], "127.0.0.1", "{a}");
            }
        }
    }
    drop(spoor);
    rt.shutdown_timeout(Duration::from_secs(5));
}
