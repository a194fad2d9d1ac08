//! WASD logging machinery in the running server: access tracking (the
//! `WASDtrack` cookie issued, sent back, recognised and logged in the
//! COMMON remote-ID slot and by `!ID`), `[LogExcludeHosts]`, and periodic
//! log files from `CustomLog … period=`.
//!
//! The tracking and exclusion cases build the model in-process and set
//! the fields the WASD configuration fills (`Server::wasd_track`,
//! `Settings::log_exclude_hosts`), then serve on a loopback listener.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, TcpStream};
use std::path::Path;
use std::time::{Duration, Instant};

use spoor::config::{read_config_str, ReadOptions, Settings};
use spoor_log::wasd_log::HostPatterns;
use spoor_log::wasd_track::{Token, TrackDomain, TrackSettings};
use spoor_log::Format;

mod common;
use common::TempDir;

fn tempdir(tag: &str) -> TempDir {
    TempDir::create(
        &format!("wasdlog-{tag}"),
        &["htdocs", "logs"],
        &[("htdocs/index.html", "hello\n")],
    )
}

fn settings(root: &Path, text: &str) -> Settings {
    // mod_log_forensic is not built in (the line loads it wherever it is).
    let text = format!(
        "DocumentRoot {}/htdocs\n{text}LoadModule log_forensic_module x.so\n",
        root.display()
    );
    let cfg = read_config_str(&text, &root.join("spoor.conf"), &ReadOptions::new(root)).unwrap();
    Settings::from_config(&cfg).unwrap()
}

/// Runs the server for `settings` (every log rendered with the WASD
/// format `wasd_format`) while `f` talks to it on the given port; returns
/// once the server has stopped and its logs are closed.
fn with_server(settings: &Settings, wasd_format: &str, f: impl FnOnce(u16)) {
    let mut cfg = spoor::site::build(settings).unwrap();
    for s in &mut cfg.servers {
        for l in &mut s.logs {
            l.format = Format::wasd(wasd_format).unwrap();
        }
    }
    common::with_site(cfg, f);
}

/// One request on its own connection; returns the response head.
fn get(port: u16, host: &str, extra: &str) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    write!(
        s,
        "GET /index.html HTTP/1.1\r\nHost: {host}\r\n{extra}Connection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).unwrap();
    let text = String::from_utf8_lossy(&out).into_owned();
    let end = text.find("\r\n\r\n").expect("a response head");
    text[..end].to_string()
}

fn set_cookie(head: &str) -> Option<&str> {
    head.lines().find_map(|l| l.strip_prefix("Set-Cookie: "))
}

fn token_of(cookie: &str) -> String {
    let v = cookie.strip_prefix("WASDtrack=").expect("WASDtrack cookie");
    v.split(';').next().unwrap().to_string()
}

fn now_secs() -> u32 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as u32
}

#[test]
fn tracking_round_trip() {
    let dir = tempdir("track");
    let mut s = settings(&dir.0, "CustomLog logs/access.log common\n");
    s.main.wasd_track = Some(TrackSettings {
        multi_session: false,
        domain: Some(TrackDomain::parse(".site.org.domain").unwrap()),
    });
    let before = now_secs();
    let mut heads = Vec::new();
    with_server(&s, "COMMON", |port| {
        // First visit: a token is issued, as a session cookie for the
        // domain the host belongs to.
        heads.push(get(port, "curly.site.org.domain", ""));
        let tok = token_of(set_cookie(&heads[0]).expect("Set-Cookie on the first visit"));
        // The browser sends it back: recognised, not issued again.
        heads.push(get(
            port,
            "larry.site.org.domain",
            &format!("Cookie: a=b; WASDtrack={tok}; c=d\r\n"),
        ));
        // Another browser, another token; a host outside the domain gets a
        // host cookie.
        heads.push(get(port, "localhost", ""));
        // A malformed token is replaced.
        heads.push(get(port, "localhost", "Cookie: WASDtrack=forged\r\n"));
    });
    let after = now_secs();
    let c0 = set_cookie(&heads[0]).unwrap();
    let t0 = token_of(c0);
    assert_eq!(
        c0,
        format!("WASDtrack={t0}; path=/; domain=.site.org.domain")
    );
    assert_eq!(set_cookie(&heads[1]), None, "{}", heads[1]);
    let c2 = set_cookie(&heads[2]).unwrap();
    let t2 = token_of(c2);
    assert_eq!(c2, format!("WASDtrack={t2}; path=/"));
    let t3 = token_of(set_cookie(&heads[3]).unwrap());
    assert!(t0 != t2 && t2 != t3 && t0 != t3);
    // The token's fields: time, the server's address, the process id.
    for t in [&t0, &t2, &t3] {
        let b = Token::decode(t.as_bytes()).unwrap();
        let time = u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
        assert!(time >= before && time <= after + 1, "{t}: {time}");
        assert_eq!(&b[4..8], &Ipv4Addr::LOCALHOST.octets());
        assert_eq!(&b[8..12], &std::process::id().to_be_bytes());
    }
    // The log: COMMON with the token in the remote-ID slot.
    let log = std::fs::read_to_string(dir.0.join("logs/access.log")).unwrap();
    let slots: Vec<&str> = log.lines().map(|l| l.split(' ').nth(1).unwrap()).collect();
    assert_eq!(slots, [&t0[..], &t0[..], &t2[..], &t3[..]], "{log}");
    for l in log.lines() {
        assert!(l.starts_with("127.0.0.1 "), "{l}");
        assert!(l.contains("\"GET /index.html HTTP/1.1\" 200 "), "{l}");
    }
}

#[test]
fn multi_session_cookie_and_custom_format() {
    let dir = tempdir("multi");
    let mut s = settings(&dir.0, "CustomLog logs/access.log common\n");
    s.main.wasd_track = Some(TrackSettings {
        multi_session: true,
        domain: None,
    });
    let mut head = String::new();
    with_server(&s, "-!ID|!RS|!CN", |port| head = get(port, "localhost", ""));
    let c = set_cookie(&head).unwrap();
    let t = token_of(c);
    let exp = c
        .strip_prefix(&format!("WASDtrack={t}; path=/; expires="))
        .expect("an expires attribute");
    // A year ahead, as an HTTP date.
    let when = spoor::http::date::parse(exp.as_bytes()).expect("HTTP date");
    let now = now_secs() as i64;
    assert!((when - now - 365 * 86_400).abs() <= 5, "{exp}");
    let log = std::fs::read_to_string(dir.0.join("logs/access.log")).unwrap();
    assert_eq!(log, format!("{t}|200|127.0.0.1\n"));
}

#[test]
fn no_tracking_logs_the_empty_slot_and_sets_no_cookie() {
    let dir = tempdir("notrack");
    let s = settings(&dir.0, "CustomLog logs/access.log common\n");
    let mut head = String::new();
    with_server(&s, "COMBINED", |port| {
        head = get(
            port,
            "localhost",
            "Cookie: WASDtrack=ORoKJAOef8sAAAkuACc\r\n",
        )
    });
    assert_eq!(set_cookie(&head), None);
    let log = std::fs::read_to_string(dir.0.join("logs/access.log")).unwrap();
    assert!(log.starts_with("127.0.0.1 - - ["), "{log}");
}

#[test]
fn excluded_hosts_are_not_logged() {
    let dir = tempdir("exclude");
    let mut s = settings(
        &dir.0,
        "CustomLog logs/access.log common\nForensicLog logs/forensic.log\n",
    );
    s.log_exclude_hosts = HostPatterns::parse(["10.0.0.*, 127.0.0.*"]);
    with_server(&s, "COMMON", |port| {
        get(port, "localhost", "");
        get(port, "localhost", "");
    });
    let log = std::fs::read_to_string(dir.0.join("logs/access.log")).unwrap();
    assert_eq!(log, "");
    // The exclusion is the access logs' only: each forensic `+` record
    // still gets its `-`.
    let forensic = std::fs::read_to_string(dir.0.join("logs/forensic.log")).unwrap();
    let plus = forensic.lines().filter(|l| l.starts_with('+')).count();
    let minus = forensic.lines().filter(|l| l.starts_with('-')).count();
    assert_eq!((plus, minus), (2, 2), "{forensic}");
    // A list that does not cover the client logs it.
    s.log_exclude_hosts = HostPatterns::parse(["127.0.0.2", "*.example"]);
    with_server(&s, "COMMON", |port| {
        get(port, "localhost", "");
    });
    let log = std::fs::read_to_string(dir.0.join("logs/access.log")).unwrap();
    assert_eq!(log.lines().count(), 1);
}

/// `CustomLog … period=daily` through the binary: the request lands in
/// the file named after today's date (the server runs in UTC here).
#[test]
fn periodic_custom_log_from_the_binary() {
    let dir = tempdir("period");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    std::fs::write(
        dir.0.join("spoor.conf"),
        format!(
            "Listen 127.0.0.1:{port}\nDocumentRoot {}/htdocs\n\
             LogFormat \"%h %l %u %t \\\"%r\\\" %>s %b\" common\n\
             CustomLog \"logs/access_%Y%m%d.log\" common period=daily\n\
             CustomLog \"logs/m_%Y%m%d.log\" \"%r\" period=monthly\n",
            dir.0.display()
        ),
    )
    .unwrap();
    let today = || {
        let us = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_micros() as i64;
        let tm = spoor_log::time::Tm::new(&spoor_log::TimeZone::UTC, us);
        (tm.dt.year(), tm.dt.month(), tm.dt.day())
    };
    let before = today();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_spoor"))
        .args(["-f", "spoor.conf", "-d"])
        .arg(&dir.0)
        .env("TZ", "UTC0")
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "spoor did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    let head = get(port, "localhost", "");
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    // SAFETY: signalling our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let _ = child.wait();
    let after = today();
    let (y, m, d) = before;
    let day = dir.0.join(format!("logs/access_{y:04}{m:02}{d:02}.log"));
    let (y2, m2, d2) = after;
    let day2 = dir.0.join(format!("logs/access_{y2:04}{m2:02}{d2:02}.log"));
    let log = std::fs::read_to_string(&day)
        .or_else(|_| std::fs::read_to_string(&day2))
        .expect("today's log");
    assert!(log.contains("\"GET /index.html HTTP/1.1\" 200 6"), "{log}");
    let month = dir.0.join(format!("logs/m_{y:04}{m:02}01.log"));
    let month2 = dir.0.join(format!("logs/m_{y2:04}{m2:02}01.log"));
    let log = std::fs::read_to_string(&month)
        .or_else(|_| std::fs::read_to_string(&month2))
        .expect("this month's log");
    assert_eq!(log, "GET /index.html HTTP/1.1\n");
}
