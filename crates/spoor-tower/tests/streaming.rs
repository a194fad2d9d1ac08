//! Bodies over a real connection (axum on hyper, loopback): streamed
//! responses, a client that goes away, a body that fails, trailers and
//! request bodies. The line must show what was actually sent, and time
//! the request to the end of its body.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::routing::{get, post};
use common::{runtime, serve_axum, wait_lines, TempDir};
use http_body_util::StreamBody;
use spoor_tower::sink::{Sink, SinkOptions};
use spoor_tower::AccessLog;

fn app(dir: &TempDir, format: &str) -> axum::Router {
    let sink = Sink::file(dir.join("access.log"), &SinkOptions::default()).unwrap();
    axum::Router::new()
        .route(
            "/slow",
            get(|| async {
                let s = futures_util::stream::unfold(0u32, |i| async move {
                    if i == 3 {
                        return None;
                    }
                    if i > 0 {
                        tokio::time::sleep(Duration::from_millis(150)).await;
                    }
                    Some((
                        Ok::<_, std::io::Error>(Bytes::from(vec![b'a'; 1000])),
                        i + 1,
                    ))
                });
                Body::from_stream(s)
            }),
        )
        .route(
            "/endless",
            get(|| async {
                // 64 KiB chunks, 16 GiB in all: far more than the client reads.
                let s = futures_util::stream::unfold(0u32, |i| async move {
                    (i < 262_144).then(|| {
                        (
                            Ok::<_, std::io::Error>(Bytes::from(vec![b'e'; 65_536])),
                            i + 1,
                        )
                    })
                });
                Body::from_stream(s)
            }),
        )
        .route(
            "/fails",
            get(|| async {
                let s = futures_util::stream::unfold(0u32, |i| async move {
                    match i {
                        0 | 1 => Some((Ok(Bytes::from(vec![b'f'; 500])), i + 1)),
                        2 => Some((Err(std::io::Error::other("backend went away")), 3)),
                        _ => None,
                    }
                });
                Body::from_stream(s)
            }),
        )
        .route(
            "/trailers",
            get(|| async {
                let mut trailers = http::HeaderMap::new();
                trailers.insert("x-sum", "abc123".parse().unwrap());
                let frames = vec![
                    Ok::<_, std::io::Error>(http_body::Frame::data(Bytes::from_static(b"data"))),
                    Ok(http_body::Frame::trailers(trailers)),
                ];
                Body::new(StreamBody::new(futures_util::stream::iter(frames)))
            }),
        )
        .route(
            "/upload",
            post(|body: Bytes| async move { format!("{}\n", body.len()) }),
        )
        .layer(AccessLog::apache(format).unwrap().to(sink))
}

fn field(line: &str, i: usize) -> &str {
    line.split(' ').nth(i).unwrap()
}

#[test]
fn streamed_body_counted_and_timed_to_its_end() {
    let dir = TempDir::new("stream");
    let rt = runtime();
    let addr = serve_axum(&rt, app(&dir, "%>s %b %D %X %T"));
    let resp = common::exchange(
        addr,
        b"GET /slow HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert!(resp.starts_with(b"HTTP/1.1 200"));
    let lines = wait_lines(&dir.join("access.log"), 1);
    let l = &lines[0];
    assert_eq!(field(l, 0), "200");
    assert_eq!(field(l, 1), "3000", "{l}");
    let d: u64 = field(l, 2).parse().unwrap();
    assert!(d >= 300_000, "%D {d} ends before the body did: {l}");
    assert_eq!(field(l, 3), "-");
}

#[test]
fn client_that_goes_away_is_logged_with_what_was_sent() {
    let dir = TempDir::new("disconnect");
    let rt = runtime();
    let addr = serve_axum(&rt, app(&dir, "%>s %b %X"));
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(b"GET /endless HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut got = 0;
    let mut buf = vec![0u8; 65_536];
    while got < 200_000 {
        let n = s.read(&mut buf).unwrap();
        assert!(n > 0, "server closed early");
        got += n;
    }
    drop(s);
    let lines = wait_lines(&dir.join("access.log"), 1);
    let l = &lines[0];
    assert_eq!(field(l, 0), "200", "{l}");
    let b: u64 = field(l, 1).parse().unwrap();
    assert!((65_536..262_144 * 65_536).contains(&b), "%b {b}: {l}");
    assert_eq!(field(l, 2), "X", "{l}");
}

#[test]
fn failing_body_is_logged_as_aborted() {
    let dir = TempDir::new("fails");
    let rt = runtime();
    let addr = serve_axum(&rt, app(&dir, "%>s %b %X"));
    let _ = common::exchange(
        addr,
        b"GET /fails HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    let lines = wait_lines(&dir.join("access.log"), 1);
    assert_eq!(lines[0], "200 1000 X");
}

#[test]
fn response_trailers_are_logged() {
    let dir = TempDir::new("trailers");
    let rt = runtime();
    let addr = serve_axum(&rt, app(&dir, "%>s %b %{x-sum}^to %{x-none}^to"));
    let resp = common::exchange(
        addr,
        b"GET /trailers HTTP/1.1\r\nHost: x\r\nTE: trailers\r\nConnection: close\r\n\r\n",
    );
    assert!(resp.starts_with(b"HTTP/1.1 200"));
    let lines = wait_lines(&dir.join("access.log"), 1);
    assert_eq!(lines[0], "200 4 abc123 -");
}

#[test]
fn request_body_read_counts_in_percent_i() {
    let dir = TempDir::new("upload");
    let rt = runtime();
    let addr = serve_axum(&rt, app(&dir, "%>s %I %b"));
    let head =
        b"POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\nConnection: close\r\n\r\n";
    let mut req = head.to_vec();
    req.extend(std::iter::repeat_n(b'u', 5000));
    let resp = common::exchange(addr, &req);
    assert!(resp.ends_with(b"\r\n\r\n5000\n"), "{resp:?}");
    let lines = wait_lines(&dir.join("access.log"), 1);
    assert_eq!(lines[0], format!("200 {} 5", head.len() + 5000));
}

#[test]
fn request_trailers_are_logged() {
    let dir = TempDir::new("trailers-in");
    let rt = runtime();
    let addr = serve_axum(&rt, app(&dir, "%>s %{X-Sum}^ti %{X-None}^ti"));
    let resp = common::exchange(
        addr,
        b"POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\nConnection: close\r\n\r\n4\r\nabcd\r\n0\r\nX-Sum: 9f\r\n\r\n",
    );
    assert!(resp.ends_with(b"\r\n\r\n4\n"), "{resp:?}");
    let lines = wait_lines(&dir.join("access.log"), 1);
    assert_eq!(lines[0], "200 9f -");
}
