//! How a connection ends. httpd always closes lingering: it stops
//! sending, then reads and drops what the client still sends (for up to
//! two seconds here), so that bytes arriving late do not make the kernel
//! answer with a reset that can destroy the response before the client
//! read it. spoor lingers the same way, except when the client said it
//! sends nothing more (`Connection: close` or HTTP/1.0 without
//! keep-alive, no body, nothing after the request): then it closes at
//! once, as nginx does (ARCHITECTURE.md, "Deviations from httpd").
//!
//! A test tells the two apart by what a byte sent after the response
//! meets: a lingering server reads and drops it and the client's read
//! ends cleanly; a closed socket answers it with a reset.

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::time::Duration;

mod common;
use common::hello_site;

/// Sends `request`, reads the whole response (to the server's FIN), then
/// sends one byte, waits, and sends another: returns whether that second
/// write met the reset the first one drew from a closed socket (rather
/// than a lingering server reading both and closing cleanly once the
/// client half-closes), and the response.
fn late_byte_is_reset(port: u16, request: &str) -> (bool, String) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(request.as_bytes()).unwrap();
    let mut resp = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => resp.extend_from_slice(&buf[..n]),
            Err(e) => panic!("reading the response: {e}"),
        }
    }
    let resp = String::from_utf8_lossy(&resp).into_owned();
    // The late byte: a closed socket answers it with a reset, which the
    // next write meets (a broken pipe).
    s.write_all(b"X").unwrap();
    std::thread::sleep(Duration::from_millis(200));
    if let Err(e) = s.write_all(b"Y") {
        assert!(
            matches!(e.kind(), ErrorKind::BrokenPipe | ErrorKind::ConnectionReset),
            "{e}"
        );
        return (true, resp);
    }
    // Lingering: the server read both and closes once the client does.
    s.shutdown(Shutdown::Write).unwrap();
    match s.read(&mut buf) {
        Ok(0) => {}
        Ok(n) => panic!("{n} bytes after the response's end"),
        Err(e) => panic!("a lingering server's close: {e}"),
    }
    (false, resp)
}

#[test]
fn close_lingers_unless_the_client_is_done() {
    let (dir, port, server) = hello_site(
        "close",
        "KeepAlive Off\nCustomLog logs/access.log \"%>s %r %X\"\n",
    );

    // The client is done: closed at once, so the late byte is reset.
    for req in [
        "GET /a.txt HTTP/1.1\r\nHost: close.test\r\nConnection: close\r\n\r\n",
        "GET /a.txt HTTP/1.0\r\n\r\n",
        "GET /missing HTTP/1.1\r\nHost: close.test\r\nConnection: close\r\n\r\n",
    ] {
        let (reset, resp) = late_byte_is_reset(port, req);
        assert!(
            resp.ends_with("\r\n\r\nhello\n") || resp.contains(" 404 "),
            "{resp}"
        );
        assert!(reset, "closed at once after {req:?}");
    }

    // The server ends the connection (KeepAlive Off) of a client that may
    // send more: it lingers, the late bytes are read and dropped.
    let (reset, resp) = late_byte_is_reset(port, "GET /a.txt HTTP/1.1\r\nHost: close.test\r\n\r\n");
    assert!(resp.contains("Connection: close"), "{resp}");
    assert!(!reset, "a kept-alive client's connection lingers");

    // Bytes after the request (a pipelined request the server will not
    // answer): lingering.
    let (reset, resp) = late_byte_is_reset(
        port,
        "GET /a.txt HTTP/1.1\r\nHost: close.test\r\nConnection: close\r\n\r\nGET /a.txt HTTP/1.1\r\n",
    );
    assert!(resp.starts_with("HTTP/1.1 200 "), "{resp}");
    assert!(!reset, "unread bytes: lingering");

    // A request body: lingering (it may still be arriving).
    let (reset, resp) = late_byte_is_reset(
        port,
        "POST /a.txt HTTP/1.1\r\nHost: close.test\r\nConnection: close\r\nContent-Length: 3\r\n\r\nabc",
    );
    assert!(resp.starts_with("HTTP/1.1 "), "{resp}");
    assert!(!reset, "a request with a body: lingering");

    drop(server);
    let log = std::fs::read_to_string(dir.0.join("logs/access.log")).unwrap();
    assert_eq!(log.lines().count(), 6, "{log}");
}
