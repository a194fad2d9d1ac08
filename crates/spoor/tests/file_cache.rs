//! The open-file cache on the wire (`file_cache.rs`): a file asked for
//! again and again is kept open by the worker, a change to it is seen once
//! the cache's bound (`spoor::file_cache::VALID`) has passed, as Apache
//! would see it, and the descriptor is closed once the worker has been
//! idle for its sweep — with links followed freely (httpd's default) and
//! where the walk checks them.

use std::io::{BufReader, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::{Duration, Instant};

mod common;
use common::{free_port, start_conf, TempDir};

/// Sends `n` requests for `target` in one write on one connection and
/// reads the `n` responses: (status, body) of each.
fn burst(port: u16, target: &str, n: usize) -> Vec<(u16, String)> {
    ranges(port, target, "", n)
}

/// [`burst`] with a `Range` field (none when empty).
fn ranges(port: u16, target: &str, range: &str, n: usize) -> Vec<(u16, String)> {
    let s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut w = s.try_clone().unwrap();
    let mut req = String::new();
    for i in 0..n {
        let close = if i + 1 == n {
            "Connection: close\r\n"
        } else {
            ""
        };
        let range = if range.is_empty() {
            String::new()
        } else {
            format!("Range: {range}\r\n")
        };
        req.push_str(&format!(
            "GET {target} HTTP/1.1\r\nHost: x\r\n{range}{close}\r\n"
        ));
    }
    w.write_all(req.as_bytes()).unwrap();
    let mut r = BufReader::new(s);
    let mut out = Vec::new();
    for _ in 0..n {
        let (status, body) = common::read_response(&mut r);
        out.push((status, String::from_utf8(body).unwrap()));
    }
    out
}

/// How many of the server's descriptors name `file`.
fn open_descriptors(pid: u32, file: &Path) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
        .filter(|t| t == file)
        .count()
}

/// Replaces `path` with a new file holding `text` (a new inode, as an
/// editor or a deployment writes it).
fn replace(path: &Path, text: &str) {
    let tmp = path.with_extension("new");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

fn run(options: &str) {
    let dir = TempDir::create("filecache", &["htdocs"], &[("htdocs/f.txt", "first\n")]);
    let port = free_port();
    std::fs::write(
        dir.0.join("spoor.conf"),
        format!(
            "Listen 127.0.0.1:{port}\nServerName cache.test\nDocumentRoot htdocs\n\
             MaxKeepAliveRequests 0\n<Directory />\n{options}\n</Directory>\n"
        ),
    )
    .unwrap();
    let server = start_conf(&dir.0, port);
    let pid = server.0.id();
    let file = dir.0.join("htdocs/f.txt");

    // Requests back to back: the worker keeps the file open (until its
    // next sweep, which may fall between the burst and the look: tried
    // a few times).
    let kept = (0..5).any(|_| {
        let r = burst(port, "/f.txt", 64);
        assert!(r.iter().all(|x| *x == (200, "first\n".to_owned())), "{r:?}");
        open_descriptors(pid, &file) == 1
    });
    assert!(kept, "the file is kept open");

    // Changed: seen once the bound has passed.
    replace(&file, "second, longer\n");
    std::thread::sleep(spoor::file_cache::VALID * 5);
    let r = burst(port, "/f.txt", 64);
    assert!(
        r.iter().all(|x| *x == (200, "second, longer\n".to_owned())),
        "{r:?}"
    );
    // Rewritten in place (same inode): seen once the bound has passed.
    let _ = burst(port, "/f.txt", 64);
    std::fs::write(&file, "third, in place\n").unwrap();
    std::thread::sleep(spoor::file_cache::VALID * 5);
    let r = burst(port, "/f.txt", 64);
    assert!(
        r.iter()
            .all(|x| *x == (200, "third, in place\n".to_owned())),
        "{r:?}"
    );
    // A range of a kept file is that range.
    let r = ranges(port, "/f.txt", "bytes=1-4", 64);
    assert!(r.iter().all(|x| *x == (206, "hird".to_owned())), "{r:?}");
    // Removed: gone once the bound has passed.
    std::fs::remove_file(&file).unwrap();
    std::thread::sleep(spoor::file_cache::VALID * 5);
    let r = burst(port, "/f.txt", 4);
    assert!(r.iter().all(|x| x.0 == 404), "{r:?}");

    // Idle: the sweep closes what the worker kept (the removed file's
    // descriptor, which holds its disk space).
    replace(&file, "fourth\n");
    let _ = burst(port, "/f.txt", 64);
    let deadline = Instant::now() + Duration::from_secs(10);
    let deleted = {
        let mut p = file.as_os_str().to_owned();
        p.push(" (deleted)");
        std::path::PathBuf::from(p)
    };
    while open_descriptors(pid, &file) + open_descriptors(pid, &deleted) > 0 {
        assert!(Instant::now() < deadline, "the descriptor was never closed");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn with_links_followed_a_changed_file_is_seen_after_the_bound() {
    run("Options FollowSymLinks");
}

#[test]
fn with_links_checked_a_changed_file_is_seen_after_the_bound() {
    run("Options -FollowSymLinks");
}

/// Where links are checked, a link put in place of a kept file is refused
/// once the bound has passed, as httpd's walk refuses it.
#[test]
fn a_link_swapped_in_for_a_kept_file_is_refused_after_the_bound() {
    let dir = TempDir::create(
        "filecache-link",
        &["htdocs"],
        &[("htdocs/f.txt", "plain\n"), ("secret", "secret\n")],
    );
    let port = free_port();
    std::fs::write(
        dir.0.join("spoor.conf"),
        format!(
            "Listen 127.0.0.1:{port}\nServerName cache.test\nDocumentRoot htdocs\n\
             <Directory />\nOptions -FollowSymLinks\n</Directory>\n"
        ),
    )
    .unwrap();
    let _server = start_conf(&dir.0, port);
    let file = dir.0.join("htdocs/f.txt");
    let r = burst(port, "/f.txt", 64);
    assert!(r.iter().all(|x| *x == (200, "plain\n".to_owned())), "{r:?}");
    let tmp = dir.0.join("htdocs/link.tmp");
    std::os::unix::fs::symlink(dir.0.join("secret"), &tmp).unwrap();
    std::fs::rename(&tmp, &file).unwrap();
    std::thread::sleep(spoor::file_cache::VALID * 5);
    let r = burst(port, "/f.txt", 8);
    assert!(r.iter().all(|x| x.0 == 403), "{r:?}");
}
