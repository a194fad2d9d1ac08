//! A FIFO in the document root must not hold a worker: opening one for
//! reading waits for a writer, and a worker's event loop serves many
//! connections (httpd blocks one thread on it until the client gives up).
//! spoor opens without waiting and refuses what is not a regular file.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

mod common;
use common::{free_port, TempDir};

/// One request on its own connection: the status.
fn status(port: u16, target: &str) -> u16 {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    write!(
        s,
        "GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).expect("an answer within 5 s");
    let text = String::from_utf8_lossy(&out);
    text.split(' ').nth(1).unwrap().parse().unwrap()
}

fn mkfifo(p: &std::path::Path) {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(p.as_os_str().as_bytes()).unwrap();
    // SAFETY: a NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o666) }, 0);
}

fn run(options: &str) {
    let dir = TempDir::create("fifo", &["htdocs", "htdocs/d"], &[("htdocs/a.txt", "a\n")]);
    mkfifo(&dir.0.join("htdocs/p"));
    mkfifo(&dir.0.join("htdocs/d/index.html"));
    let port = free_port();
    std::fs::write(
        dir.0.join("spoor.conf"),
        format!(
            "Listen 127.0.0.1:{port}\nServerName fifo.test\nDocumentRoot htdocs\n\
             <Directory />\n{options}\n</Directory>\n"
        ),
    )
    .unwrap();
    // One worker: a blocked open would stop every later request.
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_spoor"))
        .args(["-f", "spoor.conf", "--threads", "1", "-d"])
        .arg(&dir.0)
        .stderr(std::fs::File::create(dir.0.join("stderr")).unwrap())
        .spawn()
        .unwrap();
    let mut server = common::Server(child);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(std::time::Instant::now() < deadline, "spoor did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    // What answered is this spoor (not something else on the port).
    std::thread::sleep(Duration::from_millis(50));
    assert!(
        server.0.try_wait().unwrap().is_none(),
        "spoor exited: {}",
        std::fs::read_to_string(dir.0.join("stderr")).unwrap_or_default()
    );
    assert_eq!(status(port, "/p"), 403);
    // A FIFO as the directory's index is not an index.
    assert_ne!(status(port, "/d/"), 200);
    assert_eq!(status(port, "/a.txt"), 200, "the worker still serves");
}

/// Both walks, one after the other (one server at a time).
#[test]
fn a_fifo_is_refused_at_once_with_links_followed_or_checked() {
    run("Options FollowSymLinks");
    run("Options -FollowSymLinks");
}
