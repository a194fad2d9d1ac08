//! Symbolic links on the wire, beyond what the differential suite
//! (`apache_diff/symlinks.rs`, which compares statuses, access logs and
//! the AH00037/AH00032 lines with apache2) can show:
//!
//! * a link swapped in and out while requests walk through its name never
//!   lets `Options -FollowSymLinks` be escaped (time of check, time of
//!   use), while the same swapping does reach the outside file under the
//!   default `FollowSymLinks` (so the swapping is known to bite);
//! * WASD (`spoor --wasd`): links are followed only to targets below the
//!   mapped root.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::unix::fs::symlink;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use spoor::config::{read_config_str, ReadOptions, Settings};

mod common;
use common::{free_port, TempDir, WasdSpoor};

/// One request on its own connection: (status, body).
fn get(port: u16, target: &str) -> (u16, String) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    write!(
        s,
        "GET {target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).unwrap();
    let text = String::from_utf8_lossy(&out).into_owned();
    let end = text.find("\r\n\r\n").expect("a response head");
    let status = text[..end].split(' ').nth(1).unwrap().parse().unwrap();
    (status, text[end + 4..].to_string())
}

fn site(root: &Path, text: &str) -> spoor::server::Config {
    let text = format!("DocumentRoot {}/htdocs\n{text}", root.display());
    let cfg = read_config_str(&text, &root.join("spoor.conf"), &ReadOptions::new(root)).unwrap();
    spoor::site::build(&Settings::from_config(&cfg).unwrap()).unwrap()
}

/// Swaps `a` and `b` atomically (`renameat2` with `RENAME_EXCHANGE`).
fn exchange(a: &Path, b: &Path) {
    use std::os::unix::ffi::OsStrExt;
    let a = std::ffi::CString::new(a.as_os_str().as_bytes()).unwrap();
    let b = std::ffi::CString::new(b.as_os_str().as_bytes()).unwrap();
    // SAFETY: two NUL-terminated paths.
    let r = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    assert_eq!(r, 0, "renameat2: {}", std::io::Error::last_os_error());
}

/// Requests `/d/x.txt` while another thread keeps exchanging `htdocs/d`
/// (a directory) with a link to `../outside`; returns how many answers
/// carried the outside file and how many requests were made. Bounded by
/// `max` requests and 20 s.
fn race(options: &str, max: usize) -> (usize, usize) {
    let dir = TempDir::create(
        "symlink-race",
        &["htdocs/d", "outside"],
        &[
            ("htdocs/d/x.txt", "inside\n"),
            ("outside/x.txt", "OUTSIDE\n"),
        ],
    );
    symlink("../outside", dir.0.join("htdocs/alt")).unwrap();
    let cfg = site(&dir.0, options);
    let stop = Arc::new(AtomicBool::new(false));
    let swapper = {
        let stop = stop.clone();
        let (d, alt) = (dir.0.join("htdocs/d"), dir.0.join("htdocs/alt"));
        std::thread::spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(25);
            while !stop.load(Ordering::Relaxed) && Instant::now() < deadline {
                exchange(&d, &alt);
            }
        })
    };
    let mut escaped = 0;
    let mut made = 0;
    common::with_site(cfg, |port| {
        let deadline = Instant::now() + Duration::from_secs(20);
        while made < max && Instant::now() < deadline {
            let (status, body) = get(port, "/d/x.txt");
            made += 1;
            if body.contains("OUTSIDE") {
                escaped += 1;
            }
            assert!(
                matches!(status, 200 | 403 | 404),
                "unexpected status {status}"
            );
        }
    });
    stop.store(true, Ordering::Relaxed);
    swapper.join().unwrap();
    (escaped, made)
}

/// With `Options -FollowSymLinks`, no request ever reads through the link,
/// however the exchange falls between the walk's steps; the default
/// configuration, under the same swapping, does (the control).
#[test]
fn a_link_swapped_in_during_the_walk_never_escapes() {
    let (escaped, made) = race("Options -FollowSymLinks\n", 3000);
    assert!(made >= 100, "only {made} requests in the time allowed");
    assert_eq!(
        escaped, 0,
        "{escaped} of {made} answers read through the link"
    );
    let (followed, made) = race("", 3000);
    assert!(
        followed > 0,
        "the control never reached the link in {made} requests"
    );
}

/// WASD: a link is followed while its target stays below the directory
/// the mapping rule names (`/web/site` for `pass /* /web/site/*`); one
/// leading out of it (relative or absolute, even back into the root) is
/// refused with 403, a dangling one is missing (404).
#[test]
fn wasd_links_stay_below_the_mapped_root() {
    let dir = TempDir::create(
        "symlink-wasd",
        &["web/site/sub"],
        &[
            ("web/site/index.html", "site index\n"),
            ("web/site/page.txt", "site page\n"),
            ("web/site/sub/a.txt", "sub a\n"),
            ("web/secret.txt", "SECRET beside the root\n"),
        ],
    );
    let site = dir.0.join("web/site");
    symlink("page.txt", site.join("inlink.txt")).unwrap();
    symlink("sub", site.join("sublink")).unwrap();
    symlink("sub/../page.txt", site.join("dotdot_inside.txt")).unwrap();
    symlink("../secret.txt", site.join("up.txt")).unwrap();
    symlink("..", site.join("parent")).unwrap();
    symlink("/etc/passwd", site.join("etc.txt")).unwrap();
    symlink(site.join("page.txt"), site.join("absolute_inside.txt")).unwrap();
    symlink("nothere", site.join("dangling")).unwrap();
    let port = free_port();
    dir.write(
        "HTTPD_CONFIG.CONF",
        &format!("[Service]\n127.0.0.1:{port}\n[AddType]\n.txt text/plain - plain text\n* internal/x-unknown - text/plain\n"),
    );
    dir.write("HTTPD_MAP.CONF", "pass /* /web/site/*\n");
    let srv = WasdSpoor::start(&dir.0, port, true);
    for (target, want, body) in [
        ("/page.txt", 200, Some("site page")),
        ("/inlink.txt", 200, Some("site page")),
        ("/sublink/a.txt", 200, Some("sub a")),
        ("/dotdot_inside.txt", 200, Some("site page")),
        ("/up.txt", 403, None),
        ("/parent/secret.txt", 403, None),
        ("/etc.txt", 403, None),
        ("/absolute_inside.txt", 403, None),
        ("/dangling", 404, None),
    ] {
        let (status, got) = get(port, target);
        assert_eq!(status, want, "{target}: {got}");
        if let Some(b) = body {
            assert!(got.contains(b), "{target}: {got}");
        }
        assert!(
            !got.contains("SECRET") && !got.contains("root:"),
            "{target}: {got}"
        );
    }
    srv.stop();
}
