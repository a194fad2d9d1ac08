//! End-to-end tests: the built `spoor` binary on 127.0.0.1 with an
//! ephemeral port, raw request bytes over TCP, responses and the exact
//! access-log lines (time field masked) checked.
//!
//! Every wait is bounded; the server process is killed when its handle is
//! dropped, so a failing test never leaks a server.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::mpsc::{channel, Receiver};
use std::time::{Duration, Instant};

mod common;

const WAIT: Duration = Duration::from_secs(10);

struct Server {
    child: Child,
    addr: SocketAddr,
    lines: Receiver<String>,
    root: PathBuf,
}

fn make_root() -> PathBuf {
    static N: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "spoor-test-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    std::fs::create_dir_all(dir.join("noindex")).unwrap();
    // Readable by the unprivileged user spoor serves as when started as
    // root (files are 0644 under the usual umask).
    for d in ["", "sub", "noindex"] {
        common::mode_0755(&dir.join(d));
    }
    std::fs::write(dir.join("index.html"), "<h1>hello</h1>\n").unwrap();
    std::fs::write(dir.join("sub/index.html"), "sub index\n").unwrap();
    std::fs::write(dir.join("alpha.txt"), "abcdefghijklmnopqrstuvwxyz").unwrap();
    dir
}

impl Server {
    fn start() -> Server {
        Server::start_with(&[])
    }

    fn start_with(extra: &[&str]) -> Server {
        let root = make_root();
        let mut child = Command::new(env!("CARGO_BIN_EXE_spoor"))
            .args(["--listen", "127.0.0.1:0", "--root"])
            .arg(&root)
            .args(extra)
            .env("TZ", "UTC")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn spoor");
        let stderr = child.stderr.take().unwrap();
        let (atx, arx) = channel();
        std::thread::spawn(move || {
            let mut r = BufReader::new(stderr);
            let mut line = String::new();
            while r.read_line(&mut line).unwrap_or(0) > 0 {
                if let Some(a) = line.trim().strip_prefix("spoor: listening on ") {
                    let _ = atx.send(a.parse::<SocketAddr>().unwrap());
                }
                line.clear();
            }
        });
        let stdout = child.stdout.take().unwrap();
        let (ltx, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if ltx.send(line).is_err() {
                    break;
                }
            }
        });
        let addr = match arx.recv_timeout(WAIT) {
            Ok(a) => a,
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("spoor did not report its address");
            }
        };
        Server {
            child,
            addr,
            lines,
            root,
        }
    }

    fn connect(&self) -> TcpStream {
        let s = TcpStream::connect(self.addr).unwrap();
        s.set_read_timeout(Some(WAIT)).unwrap();
        s.set_write_timeout(Some(WAIT)).unwrap();
        s
    }

    /// Sends `req`, half-closes, and reads until the server closes.
    fn exchange(&self, req: &[u8]) -> String {
        let mut s = self.connect();
        s.write_all(req).unwrap();
        let _ = s.shutdown(Shutdown::Write);
        read_to_close(&mut s)
    }

    /// The next `n` log lines, the time field masked.
    fn log(&self, n: usize) -> Vec<String> {
        let deadline = Instant::now() + WAIT;
        let mut v = Vec::new();
        while v.len() < n {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(l) => v.push(mask_time(&l)),
                Err(_) => panic!("only {} of {n} log lines: {v:?}", v.len()),
            }
        }
        v
    }

    /// No further log line arrives within a short while.
    fn no_more_log(&self) {
        if let Ok(l) = self.lines.recv_timeout(Duration::from_millis(300)) {
            panic!("unexpected log line: {l}");
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

fn read_to_close(s: &mut TcpStream) -> String {
    let mut out = Vec::new();
    let deadline = Instant::now() + WAIT;
    let mut buf = [0u8; 65536];
    while Instant::now() < deadline {
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e) => panic!("read: {e}; got {:?}", String::from_utf8_lossy(&out)),
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Reads one response whose body length is given by Content-Length (or
/// that has no body, for HEAD/304).
fn read_response(s: &mut TcpStream, has_body: bool) -> String {
    let mut out = Vec::new();
    let mut byte = [0u8; 1];
    while !out.ends_with(b"\r\n\r\n") {
        assert!(out.len() < 65536, "header too long");
        let n = s.read(&mut byte).unwrap();
        assert!(
            n == 1,
            "closed mid-header: {:?}",
            String::from_utf8_lossy(&out)
        );
        out.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&out).into_owned();
    if has_body {
        let len: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("Content-Length: "))
            .map_or(0, |v| v.trim().parse().unwrap());
        let mut body = vec![0u8; len];
        s.read_exact(&mut body).unwrap();
        out.extend_from_slice(&body);
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn mask_time(l: &str) -> String {
    match (l.find('['), l.find(']')) {
        (Some(a), Some(b)) if a < b => format!("{}[T]{}", &l[..a], &l[b + 1..]),
        _ => l.to_string(),
    }
}

fn status_lines(resp: &str) -> Vec<&str> {
    resp.match_indices("HTTP/1.1 ")
        .map(|(i, _)| {
            let rest = &resp[i..];
            &rest[..rest.find("\r\n").unwrap_or(rest.len())]
        })
        .collect()
}

fn line(req: &str, status: u16, bytes: &str) -> String {
    format!("127.0.0.1 - - [T] \"{req}\" {status} {bytes} \"-\" \"-\"")
}

#[test]
fn get_logs_combined_line() {
    let s = Server::start();
    let r = s.exchange(
        b"GET /alpha.txt?x=1 HTTP/1.1\r\nHost: a\r\nReferer: http://r/\r\nUser-Agent: t\"ua\r\n\r\n",
    );
    assert!(r.starts_with("HTTP/1.1 200 OK\r\n"), "{r}");
    assert!(r.contains("\r\nContent-Type: text/plain\r\n"), "{r}");
    assert!(r.contains("\r\nAccept-Ranges: bytes\r\n"), "{r}");
    assert!(r.ends_with("\r\n\r\nabcdefghijklmnopqrstuvwxyz"), "{r}");
    assert_eq!(
        s.log(1),
        ["127.0.0.1 - - [T] \"GET /alpha.txt?x=1 HTTP/1.1\" 200 26 \"http://r/\" \"t\\\"ua\""]
    );
}

#[test]
fn keep_alive_and_pipelining() {
    let s = Server::start();
    // Sequential requests on one connection.
    let mut c = s.connect();
    for _ in 0..3 {
        c.write_all(b"GET /alpha.txt HTTP/1.1\r\nHost: a\r\n\r\n")
            .unwrap();
        let r = read_response(&mut c, true);
        assert!(r.starts_with("HTTP/1.1 200 OK\r\n"), "{r}");
        assert!(!r.contains("Connection:"), "{r}");
    }
    drop(c);
    assert_eq!(
        s.log(3),
        vec![line("GET /alpha.txt HTTP/1.1", 200, "26"); 3]
    );
    // Pipelined: all three in one write.
    let r = s.exchange(
        b"GET /alpha.txt HTTP/1.1\r\nHost: a\r\n\r\nHEAD /alpha.txt HTTP/1.1\r\nHost: a\r\n\r\nGET /alpha.txt HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(status_lines(&r), ["HTTP/1.1 200 OK"; 3], "{r}");
    assert_eq!(r.matches("abcdefghijklmnopqrstuvwxyz").count(), 2, "{r}");
    assert!(r.ends_with(
        "Connection: close\r\nContent-Type: text/plain\r\n\r\nabcdefghijklmnopqrstuvwxyz"
    ));
    assert_eq!(
        s.log(3),
        [
            line("GET /alpha.txt HTTP/1.1", 200, "26"),
            line("HEAD /alpha.txt HTTP/1.1", 200, "-"),
            line("GET /alpha.txt HTTP/1.1", 200, "26"),
        ]
    );
}

#[test]
fn http10_keep_alive_only_on_request() {
    let s = Server::start();
    let r = s.exchange(
        b"GET /alpha.txt HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /alpha.txt HTTP/1.0\r\n\r\nGET /alpha.txt HTTP/1.0\r\n\r\n",
    );
    // The second request closes the connection; the third is never read.
    assert_eq!(status_lines(&r).len(), 2, "{r}");
    assert!(
        r.contains("Keep-Alive: timeout=5, max=100\r\nConnection: Keep-Alive\r\n"),
        "{r}"
    );
    assert!(r.contains("Connection: close\r\n"), "{r}");
    assert_eq!(
        s.log(2),
        vec![line("GET /alpha.txt HTTP/1.0", 200, "26"); 2]
    );
    s.no_more_log();
}

#[test]
fn conditional_requests() {
    let s = Server::start();
    let r = s.exchange(b"GET /alpha.txt HTTP/1.1\r\nHost: a\r\n\r\n");
    let etag = r
        .lines()
        .find_map(|l| l.strip_prefix("ETag: "))
        .unwrap()
        .to_string();
    let lm = r
        .lines()
        .find_map(|l| l.strip_prefix("Last-Modified: "))
        .unwrap()
        .to_string();
    assert!(etag.contains("\"1a-"), "{etag}");
    let r = s.exchange(
        format!("GET /alpha.txt HTTP/1.1\r\nHost: a\r\nIf-None-Match: {etag}\r\n\r\n").as_bytes(),
    );
    assert!(r.starts_with("HTTP/1.1 304 Not Modified\r\n"), "{r}");
    assert!(
        r.ends_with("\r\n\r\n") && !r.contains("Content-Length"),
        "{r}"
    );
    let r = s.exchange(
        format!("GET /alpha.txt HTTP/1.1\r\nHost: a\r\nIf-Modified-Since: {lm}\r\n\r\n").as_bytes(),
    );
    assert!(r.starts_with("HTTP/1.1 304 Not Modified\r\n"), "{r}");
    let r = s.exchange(b"GET /alpha.txt HTTP/1.1\r\nHost: a\r\nIf-None-Match: \"nope\"\r\n\r\n");
    assert!(r.starts_with("HTTP/1.1 200 OK\r\n"), "{r}");
    assert_eq!(
        s.log(4),
        [
            line("GET /alpha.txt HTTP/1.1", 200, "26"),
            line("GET /alpha.txt HTTP/1.1", 304, "-"),
            line("GET /alpha.txt HTTP/1.1", 304, "-"),
            line("GET /alpha.txt HTTP/1.1", 200, "26"),
        ]
    );
}

#[test]
fn ranges() {
    let s = Server::start();
    let r = s.exchange(b"GET /alpha.txt HTTP/1.1\r\nHost: a\r\nRange: bytes=2-5\r\n\r\n");
    assert!(r.starts_with("HTTP/1.1 206 Partial Content\r\n"), "{r}");
    assert!(
        r.contains("\r\nContent-Length: 4\r\nContent-Range: bytes 2-5/26\r\n"),
        "{r}"
    );
    assert!(r.ends_with("\r\n\r\ncdef"), "{r}");
    let r = s.exchange(b"GET /alpha.txt HTTP/1.1\r\nHost: a\r\nRange: bytes=100-\r\n\r\n");
    assert!(
        r.starts_with("HTTP/1.1 416 Requested Range Not Satisfiable\r\n"),
        "{r}"
    );
    assert_eq!(
        s.log(2),
        [
            line("GET /alpha.txt HTTP/1.1", 206, "4"),
            line("GET /alpha.txt HTTP/1.1", 416, "354"),
        ]
    );
}

/// CVE-2011-3192's shape: many small ranges in one field. Past httpd's
/// default `MaxRanges 200` the whole file goes out with a 200 instead of
/// hundreds of multipart headers; past 32 parts the answer is chunked.
#[test]
fn many_ranges() {
    let s = Server::start();
    let data: Vec<u8> = (0..7957u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(s.root.join("big.bin"), &data).unwrap();
    let ranges = |n: usize| {
        let v: Vec<&str> = (0..n)
            .map(|i| if i % 2 == 0 { "0-0" } else { "2-2" })
            .collect();
        format!(
            "GET /big.bin HTTP/1.1\r\nHost: a\r\nRange: bytes={}\r\n\r\n",
            v.join(",")
        )
    };
    let r = s.exchange(ranges(900).as_bytes());
    assert!(r.starts_with("HTTP/1.1 200 OK\r\n"), "{}", &r[..200]);
    assert!(r.contains("\r\nContent-Length: 7957\r\n"), "{}", &r[..200]);
    // 200 parts are still served, chunked (the length is not known).
    let r = s.exchange(ranges(200).as_bytes());
    assert!(
        r.starts_with("HTTP/1.1 206 Partial Content\r\n"),
        "{}",
        &r[..200]
    );
    assert!(
        r.contains("\r\nTransfer-Encoding: chunked\r\n"),
        "{}",
        &r[..300]
    );
    assert!(!r.contains("\r\nContent-Length:"), "{}", &r[..300]);
    assert_eq!(r.matches("\r\nContent-range: bytes ").count(), 200);
    assert!(
        r.ends_with("--\r\n\r\n0\r\n\r\n"),
        "{}",
        &r[r.len() - 100..]
    );
    // Overlapping ranges: 21 merges are over the default 20.
    let over = |n: usize| {
        let v: Vec<String> = (0..=n).map(|i| format!("{}-{}", i, i + 9)).collect();
        format!(
            "GET /big.bin HTTP/1.1\r\nHost: a\r\nRange: bytes={}\r\n\r\n",
            v.join(",")
        )
    };
    let r = s.exchange(over(20).as_bytes());
    assert!(
        r.contains("\r\nContent-Range: bytes 0-29/7957\r\n"),
        "{}",
        &r[..300]
    );
    let r = s.exchange(over(21).as_bytes());
    assert!(r.starts_with("HTTP/1.1 200 OK\r\n"), "{}", &r[..200]);
    let log = s.log(4);
    assert!(log[0].contains("\" 200 7957 "), "{log:?}");
    assert!(log[1].contains("\" 206 "), "{log:?}");
    assert!(log[2].contains("\" 206 30 "), "{log:?}");
    assert!(log[3].contains("\" 200 7957 "), "{log:?}");
}

#[test]
fn errors_and_directories() {
    let s = Server::start();
    let cases: &[(&str, &str, u16, &str)] = &[
        ("GET /nope.html HTTP/1.1", "404 Not Found", 404, "236"),
        // No index and no mod_autoindex: 404, as httpd.
        ("GET /noindex/ HTTP/1.1", "404 Not Found", 404, "236"),
        (
            "DELETE /alpha.txt HTTP/1.1",
            "405 Method Not Allowed",
            405,
            "263",
        ),
        ("FOO /alpha.txt HTTP/1.1", "501 Not Implemented", 501, "242"),
        ("GET /sub HTTP/1.1", "301 Moved Permanently", 301, "261"),
        ("GET /sub/ HTTP/1.1", "200 OK", 200, "10"),
        ("GET / HTTP/1.1", "200 OK", 200, "15"),
        ("GET /../etc/passwd HTTP/1.1", "400 Bad Request", 400, "266"),
        ("GET /a%2fb HTTP/1.1", "404 Not Found", 404, "236"),
    ];
    for (req, status, _, _) in cases {
        let r = s.exchange(format!("{req}\r\nHost: h\r\nConnection: close\r\n\r\n").as_bytes());
        assert!(
            r.starts_with(&format!("HTTP/1.1 {status}\r\n")),
            "{req}: {r}"
        );
        if req.starts_with("DELETE") || req.starts_with("FOO") {
            assert!(
                r.contains("\r\nAllow: GET,POST,OPTIONS,HEAD,TRACE\r\n"),
                "{r}"
            );
        }
        if req.contains("/sub ") {
            assert!(r.contains("\r\nLocation: http://h/sub/\r\n"), "{r}");
        }
    }
    let want: Vec<String> = cases.iter().map(|(r, _, s, b)| line(r, *s, b)).collect();
    assert_eq!(s.log(cases.len()), want);
}

#[test]
fn malformed_requests_are_answered_and_logged() {
    let s = Server::start();
    let r = s.exchange(b"GARBAGE\r\n\r\n");
    assert!(r.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{r}");
    assert!(
        r.contains("\r\nContent-Length: 266\r\nConnection: close\r\n"),
        "{r}"
    );
    assert_eq!(s.log(1), [line("GARBAGE", 400, "266")]);

    let long = format!("GET /{} HTTP/1.1\r\nHost: a\r\n\r\n", "a".repeat(9000));
    let r = s.exchange(long.as_bytes());
    assert!(
        r.starts_with("HTTP/1.1 414 Request-URI Too Long\r\n"),
        "{r}"
    );
    let logged = &long[..8191];
    assert_eq!(s.log(1), [line(logged, 414, "288")]);

    let many: String = (0..101).map(|i| format!("X-{i}: a\r\n")).collect();
    let r = s.exchange(format!("GET / HTTP/1.1\r\nHost: a\r\n{many}\r\n").as_bytes());
    assert!(r.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{r}");
    assert_eq!(s.log(1), [line("GET / HTTP/1.1", 400, "330")]);

    let r = s.exchange(
        format!(
            "GET / HTTP/1.1\r\nHost: a\r\nX-Long: {}\r\n\r\n",
            "b".repeat(8200)
        )
        .as_bytes(),
    );
    assert!(r.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{r}");
    assert_eq!(s.log(1), [line("GET / HTTP/1.1", 400, "318")]);

    let r = s.exchange(b"GET / HTTP/1.1\r\n\r\n");
    assert!(
        r.starts_with("HTTP/1.1 400 Bad Request\r\n"),
        "missing Host: {r}"
    );
    assert_eq!(s.log(1), [line("GET / HTTP/1.1", 400, "266")]);
}

#[test]
fn chunked_bodies_are_discarded() {
    let s = Server::start();
    let r = s.exchange(
        b"POST /alpha.txt HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n3;x=y\r\nabc\r\n0\r\nT: 1\r\n\r\nGET /alpha.txt HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nxyzGET /alpha.txt HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(status_lines(&r), ["HTTP/1.1 200 OK"; 3], "{r}");
    assert_eq!(
        s.log(3),
        [
            line("POST /alpha.txt HTTP/1.1", 200, "26"),
            line("GET /alpha.txt HTTP/1.1", 200, "26"),
            line("GET /alpha.txt HTTP/1.1", 200, "26"),
        ]
    );
    // A bad chunk size.
    let r = s.exchange(b"POST /alpha.txt HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n");
    assert!(r.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{r}");
    assert_eq!(s.log(1), [line("POST /alpha.txt HTTP/1.1", 400, "266")]);
}

#[test]
fn unmappable_paths_are_404_whatever_the_method() {
    // httpd refuses to map an encoded slash or NUL before any handler
    // looks at the method: 404 for every method, known or not.
    let s = Server::start();
    for (m, t) in [
        ("PUT", "/alpha.txt%00"),
        ("PROPFIND", "/a%2fb"),
        ("FOO", "/a%2Fb"),
        ("OPTIONS", "/alpha.txt%00"),
        ("TRACE", "/a%2fb"),
        ("get", "/alpha.txt%00"),
    ] {
        let req = format!("{m} {t} HTTP/1.1");
        let r = s.exchange(format!("{req}\r\nHost: a\r\n\r\n").as_bytes());
        assert!(r.starts_with("HTTP/1.1 404 Not Found\r\n"), "{req}: {r}");
        assert!(!head_of(&r).contains("Allow:"), "{req}: {r}");
        assert_eq!(s.log(1), [line(&req, 404, "236")]);
    }
    // The same methods on a mappable missing path: 405 and 501.
    let r = s.exchange(b"PROPFIND /missing HTTP/1.1\r\nHost: a\r\n\r\n");
    assert!(r.starts_with("HTTP/1.1 405 "), "{r}");
    assert_eq!(s.log(1), [line("PROPFIND /missing HTTP/1.1", 405, "265")]);
    let r = s.exchange(b"FOO /missing HTTP/1.1\r\nHost: a\r\n\r\n");
    assert!(r.starts_with("HTTP/1.1 501 "), "{r}");
    assert_eq!(s.log(1), [line("FOO /missing HTTP/1.1", 501, "242")]);
}

/// The head of a response, without its body.
fn head_of(r: &str) -> &str {
    &r[..r.find("\r\n\r\n").unwrap_or(r.len())]
}

#[test]
fn body_lengths_at_the_edges_of_an_offset() {
    let s = Server::start();
    let post = |extra: &str| {
        s.exchange(format!("POST /alpha.txt HTTP/1.1\r\nHost: a\r\n{extra}").as_bytes())
    };
    // The largest length httpd can hold is over the default
    // LimitRequestBody (1 GiB): 413, before any body byte; one more is
    // not a length at all: 400.
    let r = post("Content-Length: 9223372036854775807\r\n\r\n");
    assert!(r.starts_with("HTTP/1.1 413 "), "{r}");
    assert!(!head_of(&r).contains("Content-Length"), "{r}");
    assert_eq!(s.log(1), [line("POST /alpha.txt HTTP/1.1", 413, "356")]);
    let r = post("Content-Length: 9223372036854775808\r\n\r\n");
    assert!(r.starts_with("HTTP/1.1 400 "), "{r}");
    assert!(head_of(&r).contains("Content-Length: 266"), "{r}");
    assert_eq!(s.log(1), [line("POST /alpha.txt HTTP/1.1", 400, "266")]);
    // Leading zeros do not count against a length.
    let r = post("Content-Length: 00000000000000000000003\r\n\r\nabc");
    assert!(r.starts_with("HTTP/1.1 200 "), "{r}");
    assert_eq!(s.log(1), [line("POST /alpha.txt HTTP/1.1", 200, "26")]);
    // A chunk size of 2^63 or a 17th significant digit overflows httpd's
    // offset: 413 without a length; 2^63 - 1 is a size (the body then
    // ends early: 400 with a length).
    for size in [
        "8000000000000000",
        "10000000000000000",
        "0008000000000000000",
    ] {
        let r = post(&format!("Transfer-Encoding: chunked\r\n\r\n{size}\r\nabc"));
        assert!(r.starts_with("HTTP/1.1 413 "), "{size}: {r}");
        assert!(!head_of(&r).contains("Content-Length"), "{r}");
        assert_eq!(s.log(1), [line("POST /alpha.txt HTTP/1.1", 413, "356")]);
    }
    let r = post("Transfer-Encoding: chunked\r\n\r\n7fffffffffffffff\r\nabc");
    assert!(r.starts_with("HTTP/1.1 400 "), "{r}");
    assert!(head_of(&r).contains("Content-Length: 266"), "{r}");
    assert_eq!(s.log(1), [line("POST /alpha.txt HTTP/1.1", 400, "266")]);
    // A malformed size line: httpd's filter sends its 400 without a length.
    let r = post("Transfer-Encoding: chunked\r\n\r\n3 3\r\nabc\r\n0\r\n\r\n");
    assert!(r.starts_with("HTTP/1.1 400 "), "{r}");
    assert!(!head_of(&r).contains("Content-Length"), "{r}");
    assert_eq!(s.log(1), [line("POST /alpha.txt HTTP/1.1", 400, "266")]);
}

#[test]
fn expect_continue() {
    let s = Server::start();
    let mut c = s.connect();
    c.write_all(
        b"POST /alpha.txt HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n",
    )
    .unwrap();
    let mut first = [0u8; 25];
    c.read_exact(&mut first).unwrap();
    assert_eq!(&first, b"HTTP/1.1 100 Continue\r\n\r\n");
    c.write_all(b"abc").unwrap();
    let r = read_response(&mut c, true);
    assert!(r.starts_with("HTTP/1.1 200 OK\r\n"), "{r}");
    drop(c);
    assert_eq!(s.log(1), [line("POST /alpha.txt HTTP/1.1", 200, "26")]);
}

#[test]
fn smuggling_shapes_are_refused() {
    let s = Server::start();
    let reqs: &[&[u8]] = &[
        b"POST /alpha.txt HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        b"POST /alpha.txt HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello",
        b"POST /alpha.txt HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n\r\nhello",
        b"POST /alpha.txt HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n",
        b"POST /alpha.txt HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n",
    ];
    for req in reqs {
        let r = s.exchange(req);
        assert_eq!(status_lines(&r), ["HTTP/1.1 400 Bad Request"], "{r}");
        assert!(r.contains("Connection: close\r\n"), "{r}");
    }
    assert_eq!(
        s.log(reqs.len()),
        vec![line("POST /alpha.txt HTTP/1.1", 400, "266"); reqs.len()]
    );
}

#[test]
fn absolute_form_and_http09() {
    let s = Server::start();
    let r = s.exchange(
        b"GET http://example.com/alpha.txt?q HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
    );
    assert!(r.starts_with("HTTP/1.1 200 OK\r\n"), "{r}");
    let r = s.exchange(b"GET /alpha.txt\r\n");
    assert_eq!(r, "abcdefghijklmnopqrstuvwxyz");
    assert_eq!(
        s.log(2),
        [
            line("GET http://example.com/alpha.txt?q HTTP/1.1", 200, "26"),
            line("GET /alpha.txt", 200, "26"),
        ]
    );
}

#[test]
fn file_sink_appends() {
    let dir = make_root();
    let log = dir.join("access.log");
    std::fs::write(&log, "old line\n").unwrap();
    let s = Server::start_with(&["--access-log", log.to_str().unwrap()]);
    let r = s.exchange(b"GET /alpha.txt HTTP/1.1\r\nHost: a\r\n\r\n");
    assert!(r.starts_with("HTTP/1.1 200 OK\r\n"), "{r}");
    let deadline = Instant::now() + WAIT;
    let text = loop {
        let t = std::fs::read_to_string(&log).unwrap();
        if t.lines().count() >= 2 || Instant::now() > deadline {
            break t;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let lines: Vec<String> = text.lines().map(mask_time).collect();
    assert_eq!(
        lines,
        [
            "old line".to_string(),
            line("GET /alpha.txt HTTP/1.1", 200, "26")
        ]
    );
    s.no_more_log();
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn sigterm_finishes_and_exits_zero() {
    let mut s = Server::start();
    // An idle keep-alive connection must not hold the shutdown up.
    let mut idle = s.connect();
    idle.write_all(b"GET /alpha.txt HTTP/1.1\r\nHost: a\r\n\r\n")
        .unwrap();
    let _ = read_response(&mut idle, true);
    assert_eq!(s.log(1).len(), 1);
    // SAFETY: kill(2) on our own child's pid.
    let rc = unsafe { libc::kill(s.child.id() as i32, libc::SIGTERM) };
    assert_eq!(rc, 0);
    let deadline = Instant::now() + WAIT;
    let status = loop {
        if let Some(st) = s.child.try_wait().unwrap() {
            break st;
        }
        assert!(Instant::now() < deadline, "spoor did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{status:?}");
    // The idle connection was closed by the server.
    assert_eq!(read_to_close(&mut idle), "");
}

#[test]
fn cli_version() {
    let out = Command::new(env!("CARGO_BIN_EXE_spoor"))
        .arg("-v")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("Server version: spoor/"));
}
