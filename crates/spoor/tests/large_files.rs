//! Files past the size sent in the same write as the head (128 KiB) go
//! out with `sendfile(2)` behind `TCP_CORK` on TCP: whole, as a range, and
//! on a keep-alive connection, with the counts logged.

use std::io::{BufReader, Write};
use std::net::TcpStream;
use std::time::Duration;

mod common;
use common::{free_port, start_conf, TempDir};

/// The bytes of a test file: not a repeating pattern a short or shifted
/// send could match.
fn content(n: usize) -> Vec<u8> {
    let mut x: u32 = 2_463_534_242;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
}

#[test]
fn large_files_whole_and_in_ranges_on_one_connection() {
    let dir = TempDir::create("large", &["htdocs", "logs"], &[]);
    common::give_to_server(&dir.0.join("logs"));
    let big = content(3 * 1024 * 1024 + 7);
    std::fs::write(dir.0.join("htdocs/big.bin"), &big).unwrap();
    let port = free_port();
    std::fs::write(
        dir.0.join("spoor.conf"),
        format!(
            "Listen 127.0.0.1:{port}\nServerName large.test\nDocumentRoot htdocs\n\
             CustomLog logs/access.log \"%>s %b %r\"\n"
        ),
    )
    .unwrap();
    let server = start_conf(&dir.0, port);
    let s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let mut w = s.try_clone().unwrap();
    let mut r = BufReader::new(s);
    let ranges = [
        (0usize, big.len() - 1),
        (1000, 900_000),
        (200_000, big.len() - 1),
    ];
    w.write_all(b"GET /big.bin HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    assert_eq!(common::read_response(&mut r), (200, big.clone()));
    for (a, b) in ranges {
        write!(
            w,
            "GET /big.bin HTTP/1.1\r\nHost: x\r\nRange: bytes={a}-{b}\r\n\r\n"
        )
        .unwrap();
        let (status, body) = common::read_response(&mut r);
        assert_eq!(status, 206);
        assert!(body == big[a..=b], "range {a}-{b}");
    }
    w.write_all(b"GET /big.bin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    assert_eq!(common::read_response(&mut r), (200, big.clone()));
    // The record is written once the response is out: wait for the last
    // one (bounded) before the server is stopped.
    let path = dir.0.join("logs/access.log");
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while std::fs::read_to_string(&path).map_or(0, |l| l.lines().count()) < 5 {
        assert!(
            std::time::Instant::now() < deadline,
            "the records were not written"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    drop(server);
    let log = std::fs::read_to_string(&path).unwrap();
    let n = big.len();
    assert_eq!(
        log,
        format!(
            "200 {n} GET /big.bin HTTP/1.1\n206 {n} GET /big.bin HTTP/1.1\n\
             206 899001 GET /big.bin HTTP/1.1\n206 {} GET /big.bin HTTP/1.1\n\
             200 {n} GET /big.bin HTTP/1.1\n",
            n - 200_000
        )
    );
}
