//! A keep-alive connection idle past the point where its request record
//! goes back to the worker's pool (10 ms) keeps what lasts for the
//! connection: its keep-alive count (`MaxKeepAliveRequests`), its
//! counters (`%k`), its addresses and ports; and another connection
//! that takes the pooled record sees nothing of the first one's request.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::time::Duration;

mod common;
use common::hello_site;

/// Sends a GET for `path` with `headers` and returns the status line and
/// the `Connection` header (if any), reading the body by its length.
fn get(
    r: &mut BufReader<TcpStream>,
    w: &mut TcpStream,
    path: &str,
    headers: &str,
) -> (String, Option<String>) {
    write!(w, "GET {path} HTTP/1.1\r\nHost: idle.test\r\n{headers}\r\n").unwrap();
    let mut status = String::new();
    r.read_line(&mut status).unwrap();
    let (mut len, mut conn) = (0usize, None);
    loop {
        let mut h = String::new();
        r.read_line(&mut h).unwrap();
        if h == "\r\n" {
            break;
        }
        let lower = h.to_ascii_lowercase();
        if let Some(v) = lower.strip_prefix("content-length: ") {
            len = v.trim().parse().unwrap();
        }
        if lower.starts_with("connection: ") {
            conn = Some(h.trim().to_string());
        }
    }
    let mut body = vec![0; len];
    std::io::Read::read_exact(r, &mut body).unwrap();
    (status.trim().to_string(), conn)
}

#[test]
fn idle_keep_alive_connection_keeps_its_state() {
    let (dir, port, server) = hello_site(
        "idle",
        "MaxKeepAliveRequests 3\nKeepAliveTimeout 5\n\
         CustomLog logs/access.log \"%k %{remote}p %a %A %>s %U %{X-Seen}i\"\n",
    );
    let open = || {
        let s = TcpStream::connect(("127.0.0.1", port)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let w = s.try_clone().unwrap();
        (BufReader::new(s), w)
    };
    let (mut r, mut w) = open();
    // Four requests, each after the connection was idle 250 ms: the
    // fourth is answered with `Connection: close` (httpd counts the
    // requests kept after the first against MaxKeepAliveRequests).
    let mut seen = Vec::new();
    for i in 0..4 {
        std::thread::sleep(Duration::from_millis(250));
        seen.push(get(
            &mut r,
            &mut w,
            "/a.txt",
            &format!("X-Seen: first-{i}\r\n"),
        ));
    }
    assert_eq!(seen[0], ("HTTP/1.1 200 OK".to_string(), None));
    assert_eq!(seen[1], ("HTTP/1.1 200 OK".to_string(), None));
    assert_eq!(seen[2], ("HTTP/1.1 200 OK".to_string(), None));
    assert_eq!(
        seen[3],
        (
            "HTTP/1.1 200 OK".to_string(),
            Some("Connection: close".to_string())
        )
    );
    // A second connection after the first went idle and closed: its
    // request without the header logs `-`, not the first one's value.
    drop((r, w));
    let (mut r2, mut w2) = open();
    std::thread::sleep(Duration::from_millis(250));
    let (status, _) = get(&mut r2, &mut w2, "/missing", "");
    assert_eq!(status, "HTTP/1.1 404 Not Found");
    drop((r2, w2));

    let path = dir.0.join("logs/access.log");
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let log = loop {
        let log = std::fs::read_to_string(&path).unwrap_or_default();
        if log.lines().count() >= 5 {
            break log;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the records were not written: {log}"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    drop(server);
    let lines: Vec<Vec<&str>> = log.lines().map(|l| l.split(' ').collect()).collect();
    // %k counts the requests before this one on the connection.
    let ks: Vec<&str> = lines.iter().map(|l| l[0]).collect();
    assert_eq!(ks, ["0", "1", "2", "3", "0"], "{log}");
    // One client port for the first four lines, another for the last.
    for i in 1..4 {
        assert_eq!(lines[0][1], lines[i][1], "{log}");
    }
    assert_ne!(lines[3][1], lines[4][1], "{log}");
    for l in &lines {
        assert_eq!((l[2], l[3]), ("127.0.0.1", "127.0.0.1"), "{log}");
    }
    let tail: Vec<String> = lines.iter().map(|l| l[4..].join(" ")).collect();
    assert_eq!(
        tail,
        [
            "200 /a.txt first-0",
            "200 /a.txt first-1",
            "200 /a.txt first-2",
            "200 /a.txt first-3",
            "404 /missing -"
        ],
        "{log}"
    );
}
