//! The layers for httpd's other logging modules: Forensic (records,
//! pairing, ids, strict refusal), UserTrack (headers and detection as a
//! live apache2 sends and finds them) and WasdTrack.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::routing::get;
use common::{free_port, wait_lines, TempDir};
use http::{Request, StatusCode};
use http_body_util::BodyExt;
use spoor_log::forensic::{Check, ForensicLog};
use spoor_tower::sink::{Sink, SinkOptions};
use spoor_tower::{
    find_tracking_cookie, AccessLog, CookieStyle, Forensic, SameSite, UniqueId, UserTrack,
    WasdTrack,
};
use tower::{Layer, ServiceExt};

fn app() -> axum::Router {
    axum::Router::new().route("/", get(|| async { "hello\n" }))
}

fn req(cookie: Option<&str>) -> Request<Body> {
    let mut b = Request::builder()
        .uri("/?a=1")
        .header("Host", "www.example.com")
        .header("User-Agent", "t|1:%");
    if let Some(c) = cookie {
        b = b.header("Cookie", c);
    }
    b.body(Body::empty()).unwrap()
}

async fn send<S, B>(svc: S, r: Request<Body>) -> (StatusCode, http::HeaderMap)
where
    S: tower::Service<Request<Body>, Response = http::Response<B>>,
    S::Error: std::fmt::Debug,
    B: http_body::Body,
    B::Error: std::fmt::Debug,
{
    let resp = svc.oneshot(r).await.unwrap();
    let (parts, body) = resp.into_parts();
    body.collect().await.unwrap();
    (parts.status, parts.headers)
}

#[tokio::test]
async fn forensic_records_pair_up_and_name_the_log_note() {
    let dir = TempDir::new("forensic");
    let flog = Arc::new(ForensicLog::file(&dir.join("forensic.log")).unwrap());
    let access = |name: &str| {
        AccessLog::apache("%{forensic-id}n %>s")
            .unwrap()
            .to(Sink::file(dir.join(name), &SinkOptions::default()).unwrap())
    };
    // httpd's own ids, then mod_unique_id's.
    let plain = access("a.log").layer(Forensic::new(flog.clone()).layer(app()));
    let with_uid =
        UniqueId::new().layer(access("b.log").layer(Forensic::new(flog.clone()).layer(app())));
    for _ in 0..3 {
        let (st, _) = send(plain.clone(), req(None)).await;
        assert_eq!(st, 200);
    }
    let (_, h) = send(with_uid, req(None)).await;
    let uid = h["x-request-id"].to_str().unwrap().to_string();

    let text = std::fs::read(dir.join("forensic.log")).unwrap();
    let mut check = Check::new();
    check.add(&text);
    let outcome = check.finish();
    assert!(
        outcome.incomplete.is_empty() && outcome.unstarted_ids == 0,
        "{outcome:?}"
    );
    assert_eq!(outcome.complete, 4);
    let lines: Vec<&str> = std::str::from_utf8(&text).unwrap().lines().collect();
    assert_eq!(lines.len(), 8, "{lines:?}");
    let a = wait_lines(&dir.join("a.log"), 3);
    for (i, l) in a.iter().enumerate() {
        let id = l.strip_suffix(" 200").unwrap();
        // pid:hex(time):hex(counter), as httpd without mod_unique_id.
        assert_eq!(id.split(':').count(), 3, "{id}");
        assert!(id.starts_with(&format!("{}:", std::process::id())), "{id}");
        assert_eq!(
            lines[2 * i],
            format!("+{id}|GET /?a=1 HTTP/1.1|host:www.example.com|user-agent:t%7c1%3a%25")
        );
        assert_eq!(lines[2 * i + 1], format!("-{id}"));
    }
    assert_eq!(wait_lines(&dir.join("b.log"), 1), [format!("{uid} 200")]);
    assert!(lines[6].starts_with(&format!("+{uid}|")));
    assert_eq!(lines[7], format!("-{uid}"));
}

#[tokio::test]
async fn strict_forensic_refuses_what_it_cannot_record() {
    if !Path::new("/dev/full").exists() {
        panic!("this test needs /dev/full");
    }
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = {
        let calls = calls.clone();
        axum::Router::new().route(
            "/",
            get(move || {
                calls.fetch_add(1, Ordering::Relaxed);
                async { "served\n" }
            }),
        )
    };
    let full = Arc::new(ForensicLog::file(Path::new("/dev/full")).unwrap());
    let strict = Forensic::new(full.clone()).layer(counted.clone());
    let (st, _) = send(strict, req(None)).await;
    assert_eq!(st, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(calls.load(Ordering::Relaxed), 0, "the app ran unrecorded");
    let lenient = Forensic::new(full).strict(false).layer(counted);
    let (st, _) = send(lenient, req(None)).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(calls.load(Ordering::Relaxed), 1);
}

/// httpd's detection expression for `name`, for comparison.
fn httpd_expression(name: &str) -> regex::bytes::Regex {
    let lit = regex::escape(name);
    regex::bytes::Regex::new(&format!("^{lit}=([^;,]+)|[;,][ \\t]*{lit}=([^;,]+)")).unwrap()
}

fn by_regex(re: &regex::bytes::Regex, cookie: &[u8]) -> Option<Vec<u8>> {
    let c = re.captures(cookie)?;
    c.get(1).or(c.get(2)).map(|m| m.as_bytes().to_vec())
}

#[test]
fn detection_is_httpds_expression() {
    // Every string of up to 6 symbols from an alphabet of the bytes that
    // matter, for a one-letter name and one with a leading blank.
    let alphabet: &[u8] = b"A=;, \tx";
    for name in ["A", " A"] {
        let re = httpd_expression(name);
        let mut n = 0;
        for len in 0..=6u32 {
            for mut k in 0..(alphabet.len() as u64).pow(len) {
                let mut s = Vec::new();
                for _ in 0..len {
                    s.push(alphabet[(k % alphabet.len() as u64) as usize]);
                    k /= alphabet.len() as u64;
                }
                let ours = find_tracking_cookie(&s, name.as_bytes()).map(|r| s[r].to_vec());
                assert_eq!(
                    ours,
                    by_regex(&re, &s),
                    "{:?} in {:?}",
                    name,
                    String::from_utf8_lossy(&s)
                );
                n += 1;
            }
        }
        assert!(n > 100_000);
    }
}

/// A process stopped with SIGTERM (then killed) on drop.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        // SAFETY: signalling our own child.
        unsafe { libc::kill(self.0.id() as i32, libc::SIGTERM) };
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

const APACHE: &str = "/usr/sbin/apache2";
const MODULES: &str = "/usr/lib/apache2/modules";

/// The `Set-Cookie`/`Set-Cookie2` lines of a response and the value the
/// cookie was given, with that value replaced by `V` and an `expires=`
/// date by `DATE`.
fn masked_cookie(headers: &[(String, String)]) -> Vec<String> {
    headers
        .iter()
        .filter(|(n, _)| {
            n.eq_ignore_ascii_case("set-cookie") || n.eq_ignore_ascii_case("set-cookie2")
        })
        .map(|(n, v)| {
            let (name, rest) = v.split_once('=').unwrap();
            let rest = match rest.find(';') {
                Some(i) => &rest[i..],
                None => "",
            };
            let mut out = format!("{}: {name}=V{rest}", n.to_ascii_lowercase());
            if let Some(i) = out.find("expires=") {
                let end = out[i..].find(';').map_or(out.len(), |j| i + j);
                out.replace_range(i + 8..end, "DATE");
            }
            out
        })
        .collect()
}

fn apache_headers(port: u16, host: &str, cookie: Option<&str>) -> Vec<(String, String)> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let c = cookie
        .map(|c| format!("Cookie: {c}\r\n"))
        .unwrap_or_default();
    write!(
        s,
        "GET / HTTP/1.1\r\nHost: {host}\r\n{c}Connection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    let text = String::from_utf8_lossy(&out);
    let head = text.split("\r\n\r\n").next().unwrap();
    head.lines()
        .skip(1)
        .filter_map(|l| l.split_once(": "))
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect()
}

#[tokio::test]
async fn usertrack_as_apache2() {
    assert!(
        Path::new(APACHE).exists(),
        "this test needs apache2 at {APACHE} (scripts/test-all installs it)"
    );
    let dir = TempDir::new("usertrack");
    for d in ["htdocs", "run", "logs"] {
        std::fs::create_dir_all(dir.join(d)).unwrap();
    }
    std::fs::write(dir.join("htdocs/index.html"), "hello\n").unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        for d in [dir.0.clone(), dir.join("htdocs"), dir.join("run")] {
            std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
    }
    let port = free_port();
    let conf = format!(
        "LoadModule mpm_event_module {MODULES}/mod_mpm_event.so\n\
         LoadModule authz_core_module {MODULES}/mod_authz_core.so\n\
         LoadModule usertrack_module {MODULES}/mod_usertrack.so\n\
         User nobody\nGroup nogroup\nDefaultRuntimeDir run\nPidFile run/apache2.pid\n\
         ErrorLog run/error.log\nStartServers 1\nServerLimit 1\nThreadLimit 4\n\
         ThreadsPerChild 4\nMaxRequestWorkers 4\nMinSpareThreads 1\nMaxSpareThreads 8\n\
         Listen 127.0.0.1:{port}\nServerName main.test\nDocumentRoot htdocs\n\
         CustomLog logs/access.log \"%v %{{cookie}}n\"\n\
         CookieTracking on\nCookieExpires \"1 year\"\n\
         <VirtualHost 127.0.0.1:{port}>\nServerName main.test\nCookieTracking on\nCookieExpires \"1 year\"\n</VirtualHost>\n\
         <VirtualHost 127.0.0.1:{port}>\nServerName session.test\nCookieTracking on\n</VirtualHost>\n\
         <VirtualHost 127.0.0.1:{port}>\nServerName c2.test\nCookieTracking on\n\
         CookieStyle Cookie2\nCookieDomain .example.com\nCookieExpires 90\n\
         CookieSameSite none\nCookieSecure on\nCookieHttpOnly on\n</VirtualHost>\n\
         <VirtualHost 127.0.0.1:{port}>\nServerName named.test\nCookieTracking on\n\
         CookieName Visitor\nCookieStyle RFC2109\nCookieExpires \"2 hours 5 minutes\"\n\
         CookieSameSite lax\n</VirtualHost>\n\
         <VirtualHost 127.0.0.1:{port}>\nServerName off.test\nCookieTracking off\n</VirtualHost>\n"
    );
    std::fs::write(dir.join("httpd.conf"), conf).unwrap();
    let child = Command::new(APACHE)
        .arg("-f")
        .arg(dir.join("httpd.conf"))
        .arg("-d")
        .arg(&dir.0)
        .args(["-D", "FOREGROUND"])
        .env("TZ", "UTC")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut apache = Server(child);
    let deadline = Instant::now() + Duration::from_secs(15);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Ok(Some(st)) = apache.0.try_wait() {
            panic!("apache2 exited at start-up: {st} (try apache2 -t on the file)");
        }
        assert!(Instant::now() < deadline, "apache2 did not start");
        std::thread::sleep(Duration::from_millis(20));
    }

    let layers: Vec<(&str, UserTrack)> = vec![
        (
            "main.test",
            UserTrack::new().expires_text("1 year").unwrap(),
        ),
        ("session.test", UserTrack::new()),
        (
            "c2.test",
            UserTrack::new()
                .style(CookieStyle::Cookie2)
                .domain(".example.com")
                .unwrap()
                .expires(90)
                .same_site(SameSite::None)
                .secure(true)
                .http_only(true),
        ),
        (
            "named.test",
            UserTrack::new()
                .name("Visitor")
                .unwrap()
                .style(CookieStyle::Cookie)
                .expires_text("2 hours 5 minutes")
                .unwrap()
                .same_site(SameSite::Lax),
        ),
        ("off.test", UserTrack::new().tracking(false)),
    ];
    let cookies = [
        None,
        Some("Apache=abc"),
        Some("x=1; Apache=abc"),
        Some("x=1,Apache=abc; Visitor=v1"),
        Some("xApache=1; Apache="),
        Some("Visitor=vv;Apache=a b"),
    ];
    let ours_log = dir.join("ours.log");
    let sink = Arc::new(Sink::file(&ours_log, &SinkOptions::default()).unwrap());
    let mut expected_notes = 0;
    for (host, layer) in &layers {
        for c in cookies {
            let theirs = masked_cookie(&apache_headers(port, host, c));
            let svc = AccessLog::apache("%v %{cookie}n")
                .unwrap()
                .server_name(host)
                .to(sink.clone())
                .layer(layer.clone().layer(app()));
            let mut r = req(c);
            r.headers_mut().insert("host", host.parse().unwrap());
            let (_, h) = send(svc, r).await;
            let ours: Vec<(String, String)> = h
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_str().unwrap().to_string()))
                .collect();
            assert_eq!(masked_cookie(&ours), theirs, "{host} with {c:?}");
            expected_notes += 1;
        }
    }
    // The notes logged: the value found, or the new one (masked).
    let mask = |l: &String| {
        let (v, note) = l.split_once(' ').unwrap();
        let hex_dot_hex = note.split_once('.').is_some_and(|(a, b)| {
            !a.is_empty()
                && !b.is_empty()
                && a.bytes().chain(b.bytes()).all(|c| c.is_ascii_hexdigit())
        });
        format!("{v} {}", if hex_dot_hex { "NEW" } else { note })
    };
    let ours: Vec<String> = wait_lines(&ours_log, expected_notes)
        .iter()
        .map(mask)
        .collect();
    let theirs: Vec<String> = wait_lines(&dir.join("logs/access.log"), expected_notes)
        .iter()
        .map(mask)
        .collect();
    assert_eq!(ours, theirs);
}

#[tokio::test]
async fn wasd_tracking_token_fills_the_remote_id_slot() {
    let dir = TempDir::new("wasdtrack");
    let log = dir.join("a.log");
    let svc = AccessLog::wasd("COMMON")
        .unwrap()
        .to(Sink::file(&log, &SinkOptions::default()).unwrap())
        .layer(WasdTrack::new().multi_session(true).layer(app()));
    let (_, h) = send(svc.clone(), req(None)).await;
    let set = h["set-cookie"].to_str().unwrap().to_string();
    let token = set
        .strip_prefix("WASDtrack=")
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    assert_eq!(token.len(), 19, "{set}");
    assert!(set.contains("; path=/; expires="), "{set}");
    let back = format!("WASDtrack={token}");
    let (_, h2) = send(svc, req(Some(&back))).await;
    assert!(h2.get("set-cookie").is_none());
    let lines = wait_lines(&log, 2);
    for l in &lines {
        assert!(l.starts_with(&format!("- {token} - [")), "{l}");
    }
}
