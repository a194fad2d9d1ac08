//! The MPM directives through the binary: `MaxRequestWorkers` bounds the
//! requests served at once (the next waits for a place), `ListenBacklog`
//! is the listening socket's backlog, and the directives without an effect
//! say so at `-t`.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

mod common;
use common::{free_port, Server, TempDir};

fn site(tag: &str, conf: &str) -> TempDir {
    let t = TempDir::create(
        &format!("mpm-{tag}"),
        &["htdocs"],
        &[("htdocs/index.html", "main\n")],
    );
    std::fs::write(t.0.join("spoor.conf"), conf).unwrap();
    t
}

fn start(root: &Path, port: u16) -> Server {
    common::start_conf(root, port)
}

/// Reads one response with a body of `Content-Length` bytes, or what came
/// before `wait` passed.
fn response(s: &mut TcpStream, wait: Duration) -> String {
    s.set_read_timeout(Some(Duration::from_millis(50))).unwrap();
    let deadline = Instant::now() + wait;
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    while Instant::now() < deadline {
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(_) => {}
        }
        let text = String::from_utf8_lossy(&got);
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let len = head
                .lines()
                .find_map(|l| l.strip_prefix("Content-Length: "))
                .and_then(|v| v.parse::<usize>().ok());
            if len.is_some_and(|n| body.len() >= n) {
                break;
            }
        }
    }
    String::from_utf8_lossy(&got).into_owned()
}

#[test]
fn max_request_workers_bounds_requests_at_once_and_listen_backlog_is_used() {
    let port = free_port();
    let t = site(
        "workers",
        &format!(
            "LoadModule mpm_prefork_module mod_mpm_prefork.so\n\
             Listen 127.0.0.1:{port}\nServerName main.test\nDocumentRoot htdocs\n\
             MaxRequestWorkers 1\nListenBacklog 7\n"
        ),
    );
    let _s = start(&t.0, port);

    // ss shows a listening socket's backlog as its Send-Q.
    if let Ok(out) = Command::new("ss").args(["-ltnH"]).output() {
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        let line = text
            .lines()
            .find(|l| l.contains(&format!("127.0.0.1:{port} ")))
            .unwrap_or_else(|| panic!("no listening socket on {port}:\n{text}"));
        let cols: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(cols[2], "7", "{line}");
    }

    // A holds the one place: its head is read, its body is not sent yet.
    let mut a = TcpStream::connect(("127.0.0.1", port)).unwrap();
    a.write_all(b"POST /index.html HTTP/1.1\r\nHost: main.test\r\nContent-Length: 5\r\n\r\n")
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    // B waits while A is served.
    let mut b = TcpStream::connect(("127.0.0.1", port)).unwrap();
    b.write_all(b"GET /index.html HTTP/1.1\r\nHost: main.test\r\n\r\n")
        .unwrap();
    let early = response(&mut b, Duration::from_millis(700));
    assert_eq!(early, "", "B was answered while A held the only place");
    // A's body arrives: A is answered, then B.
    a.write_all(b"hello").unwrap();
    let ra = response(&mut a, Duration::from_secs(5));
    assert!(ra.starts_with("HTTP/1.1 "), "{ra}");
    let rb = response(&mut b, Duration::from_secs(5));
    assert!(rb.starts_with("HTTP/1.1 200 OK"), "{rb}");
    assert!(rb.ends_with("main\n"), "{rb}");
}

#[test]
fn debian_mpm_block_checks_with_warnings() {
    let t = site(
        "debian",
        "LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so\n\
         Listen 127.0.0.1:8\nDocumentRoot htdocs\n\
         StartServers 2\nMinSpareThreads 25\nMaxSpareThreads 75\nThreadLimit 64\n\
         ThreadsPerChild 25\nMaxRequestWorkers 150\nMaxConnectionsPerChild 0\n\
         ThreadsPerChild 1000\n",
    );
    let out = Command::new(env!("CARGO_BIN_EXE_spoor"))
        .args(["-t", "-f", "spoor.conf", "-d"])
        .arg(&t.0)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    let conf = t.0.join("spoor.conf");
    for (line, name) in [
        (4, "StartServers"),
        (5, "MinSpareThreads"),
        (6, "MaxSpareThreads"),
    ] {
        let want = format!(
            "{}:{line}: {name} has no effect: spoor runs one process with one worker thread per CPU (--threads)",
            conf.display()
        );
        assert!(err.lines().any(|l| l == want), "{want}\n{err}");
    }
    // httpd's own adjustment, with its words.
    assert!(
        err.lines().any(|l| l == "AH00507: WARNING: ThreadsPerChild of 1000 exceeds ThreadLimit of 64 threads, decreasing to 64. To increase, please see the ThreadLimit directive."),
        "{err}"
    );
    assert!(!err.contains("MaxConnectionsPerChild"), "{err}");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("Syntax OK") || err.contains("Syntax OK")
    );
}
