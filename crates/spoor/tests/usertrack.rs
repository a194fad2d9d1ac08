//! mod_usertrack on the wire.
//!
//! * `usertrack_t`: in the spirit of httpd-tests' t/modules/usertrack.t:
//!   100 rounds of four requests echoing the cookie back; 200 cookies
//!   issued, all distinct; a cookie sent back is recognised and not
//!   re-issued; an `X`-prefixed name is not recognised; a default
//!   configuration sends no Secure, HttpOnly or SameSite.
//! * `headers_as_apache2`: the same configuration and requests to apache2
//!   2.4.71 and to spoor; the Set-Cookie/Set-Cookie2 header lines (value
//!   masked, `expires=` taken relative to the Date header) and their place
//!   among the response headers must be the same. Covers what the access
//!   log cannot show: header names and positions, and virtual hosts that
//!   inherit the main server's tracking and `CookieExpires`.
//! * `config_errors_as_apache2_t`: `-t` on good and bad Cookie* lines:
//!   the same verdict, line and message as `apache2 -t`.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const APACHE: &str = "/usr/sbin/apache2";
const MODULES: &str = "/usr/lib/apache2/modules";

mod common;
use common::{free_port, TempDir};

fn tempdir(tag: &str) -> TempDir {
    use std::os::unix::fs::PermissionsExt;
    let dir = TempDir::create(
        &format!("ut-{tag}"),
        &["htdocs/sub", "logs", "run"],
        &[
            ("htdocs/foo.html", "foo\n"),
            ("htdocs/bar.html", "bar\n"),
            ("htdocs/index.html", "index\n"),
            ("htdocs/sub/index.html", "sub\n"),
        ],
    );
    // apache2's children run as nobody.
    let p = &dir.0;
    for d in [p, &p.join("htdocs"), &p.join("htdocs/sub"), &p.join("run")] {
        std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    dir
}

/// A server process, stopped with SIGTERM (then SIGKILL) when dropped.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        // SAFETY: signalling our own child process.
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

fn wait_up(s: &mut Server, port: u16, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(15);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Ok(Some(st)) = s.0.try_wait() {
            panic!("{what} exited at start-up: {st}");
        }
        assert!(Instant::now() < deadline, "{what} did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn start_spoor(root: &Path, port: u16) -> Server {
    let child = Command::new(env!("CARGO_BIN_EXE_spoor"))
        .args(["-f", "httpd.conf", "-d"])
        .arg(root)
        .env("TZ", "UTC")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut s = Server(child);
    wait_up(&mut s, port, "spoor");
    s
}

fn start_apache(root: &Path, port: u16) -> Server {
    let child = Command::new(APACHE)
        .args(["-f"])
        .arg(root.join("httpd.conf"))
        .arg("-d")
        .arg(root)
        .args(["-D", "APACHE", "-D", "FOREGROUND"])
        .env("TZ", "UTC")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut s = Server(child);
    wait_up(&mut s, port, "apache2");
    s
}

/// The part only apache2 reads (`-D APACHE`).
fn apache_only() -> String {
    format!(
        "<IfDefine APACHE>\n\
         LoadModule mpm_event_module {MODULES}/mod_mpm_event.so\n\
         LoadModule authz_core_module {MODULES}/mod_authz_core.so\n\
         User nobody\nGroup nogroup\nDefaultRuntimeDir run\nPidFile run/apache2.pid\n\
         ErrorLog run/error.log\nStartServers 1\nServerLimit 1\nThreadLimit 4\n\
         ThreadsPerChild 4\nMaxRequestWorkers 4\nMinSpareThreads 1\nMaxSpareThreads 8\n\
         </IfDefine>\n\
         LoadModule usertrack_module {MODULES}/mod_usertrack.so\n\
         LoadModule dir_module {MODULES}/mod_dir.so\n"
    )
}

/// Sends `req` on a new connection and returns the whole response.
fn exchange(port: u16, req: &[u8]) -> Vec<u8> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s.write_all(req).unwrap();
    let _ = s.shutdown(std::net::Shutdown::Write);
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    out
}

/// The header lines of a response (status line excluded).
fn header_lines(resp: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(resp);
    let head = text.split("\r\n\r\n").next().unwrap_or("");
    head.split("\r\n").skip(1).map(str::to_string).collect()
}

fn set_cookies(resp: &[u8]) -> Vec<String> {
    header_lines(resp)
        .into_iter()
        .filter(|l| l.to_ascii_lowercase().starts_with("set-cookie"))
        .collect()
}

fn get(port: u16, path: &str, cookie: Option<&str>) -> Vec<u8> {
    let c = cookie
        .map(|c| format!("Cookie: {c}\r\n"))
        .unwrap_or_default();
    exchange(
        port,
        format!("GET {path} HTTP/1.1\r\nHost: main.test\r\n{c}Connection: close\r\n\r\n")
            .as_bytes(),
    )
}

#[test]
fn usertrack_t() {
    let dir = tempdir("t");
    let port = free_port();
    std::fs::write(
        dir.0.join("httpd.conf"),
        format!(
            "Listen 127.0.0.1:{port}\nServerName main.test\nDocumentRoot htdocs\n\
             CustomLog logs/access.log \"%{{cookie}}n %U\"\n\
             LoadModule usertrack_module modules/mod_usertrack.so\n\
             CookieTracking on\nCookieName usertrack_test\nCookieExpires \"60 seconds\"\n"
        ),
    )
    .unwrap();
    let _s = start_spoor(&dir.0, port);
    let mut issued = std::collections::HashSet::new();
    for round in 0..100 {
        let mut cookie: Option<String> = None;
        for i in 0..4 {
            let path = if i % 2 == 0 { "/foo.html" } else { "/bar.html" };
            let resp = get(port, path, cookie.as_deref());
            assert!(
                resp.starts_with(b"HTTP/1.1 200 "),
                "round {round} request {i}"
            );
            let sc = set_cookies(&resp);
            // Requests 1 and 3 (no cookie, then an X-prefixed one) get a
            // new cookie; 2 and 4 echo a valid one and get none.
            if i % 2 == 0 {
                assert_eq!(sc.len(), 1, "round {round} request {i}: {sc:?}");
                let v = sc[0].strip_prefix("Set-Cookie: ").unwrap();
                let pair = v.split(';').next().unwrap().to_string();
                assert!(pair.starts_with("usertrack_test="), "{pair}");
                assert!(v.contains("; path=/; expires="), "{v}");
                assert!(issued.insert(pair.clone()), "cookie issued twice: {pair}");
                cookie = Some(pair);
            } else {
                assert!(sc.is_empty(), "round {round} request {i}: {sc:?}");
                cookie = Some(format!("X{}", cookie.unwrap()));
            }
        }
    }
    assert_eq!(issued.len(), 200);
    // The default attributes: no Secure, HttpOnly or SameSite.
    let sc = set_cookies(&get(port, "/foo.html", None));
    assert_eq!(sc.len(), 1);
    let l = sc[0].to_ascii_lowercase();
    for a in ["secure", "httponly", "samesite"] {
        assert!(!l.contains(a), "{}", sc[0]);
    }
    // The expiry is 60 seconds after the request (the Date header).
    let resp = get(port, "/bar.html", None);
    let lines = header_lines(&resp);
    let date = lines.iter().find_map(|l| l.strip_prefix("Date: ")).unwrap();
    let sc = &set_cookies(&resp)[0];
    let exp = sc.split("expires=").nth(1).unwrap();
    let delta = netscape(exp) - http_date(date);
    assert!((59..=61).contains(&delta), "{sc} vs {date}");
}

fn month(m: &str) -> i64 {
    [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]
    .iter()
    .position(|x| *x == m)
    .unwrap() as i64
        + 1
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468
}

fn hms(t: &str) -> i64 {
    let p: Vec<i64> = t.split(':').map(|x| x.parse().unwrap()).collect();
    p[0] * 3600 + p[1] * 60 + p[2]
}

/// `Www, DD-Mon-YY HH:MM:SS GMT…` to seconds (years 1970–2069).
fn netscape(s: &str) -> i64 {
    let rest = s.split_once(", ").unwrap().1;
    let (date, rest) = rest.split_once(' ').unwrap();
    let p: Vec<&str> = date.split('-').collect();
    let yy: i64 = p[2].parse().unwrap();
    let y = if yy < 70 { 2000 + yy } else { 1900 + yy };
    days_from_civil(y, month(p[1]), p[0].parse().unwrap()) * 86400
        + hms(rest.split(' ').next().unwrap())
}

/// `Www, DD Mon YYYY HH:MM:SS GMT` to seconds.
fn http_date(s: &str) -> i64 {
    let p: Vec<&str> = s.split(' ').collect();
    days_from_civil(p[3].parse().unwrap(), month(p[2]), p[1].parse().unwrap()) * 86400 + hms(p[4])
}

/// The Set-Cookie lines of a response with the value masked and
/// `expires=` relative to the Date header, each with its position among
/// the header lines.
fn masked(resp: &[u8]) -> Vec<String> {
    let lines = header_lines(resp);
    let date = lines
        .iter()
        .find_map(|l| l.strip_prefix("Date: "))
        .map(http_date);
    let value = regex::Regex::new(r"=[0-9a-f]{1,8}\.[0-9a-f]{10,16}(;|$)").unwrap();
    let expires = regex::Regex::new(r"expires=([^;]*GMT)").unwrap();
    lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l.to_ascii_lowercase().starts_with("set-cookie"))
        .map(|(i, l)| {
            let l = value.replace(l, "=<VALUE>$1").into_owned();
            let l = expires
                .replace(&l, |c: &regex::Captures| match date {
                    Some(d) => format!("expires=<Date{:+}s>", netscape(&c[1]) - d),
                    None => c[0].to_string(),
                })
                .into_owned();
            format!("line {i}: {l}")
        })
        .collect()
}

#[test]
fn headers_as_apache2() {
    if !Path::new(APACHE).exists() {
        panic!("this test needs apache2 at {APACHE} (scripts/test-all installs it)");
    }
    let ap = tempdir("apache");
    let sp = tempdir("spoor");
    let (ap_port, sp_port) = (free_port(), free_port());
    let conf = |port: u16| {
        format!(
            "{}Listen 127.0.0.1:{port}\nServerName main.test\nDocumentRoot htdocs\n\
             CustomLog logs/access.log \"%v %{{cookie}}n\"\n\
             CookieTracking on\n\
             CookieExpires \"1 year\"\n\
             # inherits the main server's record and expiry\n\
             <VirtualHost 127.0.0.1:{port}>\nServerName inherit.test\n</VirtualHost>\n\
             # its own record: name only, so tracking off\n\
             <VirtualHost 127.0.0.1:{port}>\nServerName nameonly.test\nCookieName x\n</VirtualHost>\n\
             # its own record and expiry (0: a session cookie)\n\
             <VirtualHost 127.0.0.1:{port}>\nServerName own.test\nCookieTracking on\n</VirtualHost>\n\
             <VirtualHost 127.0.0.1:{port}>\nServerName c2.test\nCookieTracking on\n\
             CookieStyle Cookie2\nCookieDomain .example.com\nCookieExpires 90\n\
             CookieSameSite none\nCookieSecure on\nCookieHttpOnly on\n</VirtualHost>\n\
             <VirtualHost 127.0.0.1:{port}>\nServerName past.test\nCookieTracking on\n\
             CookieExpires 4294967295\n</VirtualHost>\n",
            apache_only()
        )
    };
    std::fs::write(ap.0.join("httpd.conf"), conf(ap_port)).unwrap();
    std::fs::write(sp.0.join("httpd.conf"), conf(sp_port)).unwrap();
    let _a = start_apache(&ap.0, ap_port);
    let _s = start_spoor(&sp.0, sp_port);

    let mut reqs: Vec<Vec<u8>> = Vec::new();
    for host in [
        "main.test",
        "inherit.test",
        "nameonly.test",
        "own.test",
        "c2.test",
        "past.test",
    ] {
        for (line, extra) in [
            ("GET /foo.html HTTP/1.1", ""),
            ("GET /missing HTTP/1.1", ""),
            ("GET /sub HTTP/1.1", ""),
            ("HEAD /foo.html HTTP/1.1", ""),
            ("PUT /foo.html HTTP/1.1", ""),
            ("GET /foo.html HTTP/1.1", "If-None-Match: *\r\n"),
            ("GET /foo.html HTTP/1.1", "Range: bytes=0-1\r\n"),
            ("GET /foo.html HTTP/1.1", "Range: bytes=100-200\r\n"),
            ("GET /foo.html HTTP/1.0", ""),
        ] {
            reqs.push(
                format!("{line}\r\nHost: {host}\r\n{extra}Connection: close\r\n\r\n").into_bytes(),
            );
        }
    }
    // The two ways a request refused after the fixups step differs.
    reqs.push(
        b"POST /foo.html HTTP/1.1\r\nHost: main.test\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"
            .to_vec(),
    );
    reqs.push(b"GET /foo.html\r\n".to_vec());
    let mut differ = Vec::new();
    let mut with_cookie = 0;
    for r in &reqs {
        let a = masked(&exchange(ap_port, r));
        let s = masked(&exchange(sp_port, r));
        with_cookie += usize::from(!a.is_empty());
        if std::env::var_os("SPOOR_UT_SHOW").is_some() {
            eprintln!("{:?}\n  {s:?}", String::from_utf8_lossy(r));
        }
        if a != s {
            differ.push(format!(
                "{:?}\n  apache2: {a:?}\n  spoor:   {s:?}",
                String::from_utf8_lossy(r)
            ));
        }
    }
    eprintln!(
        "headers_as_apache2: {} requests, {with_cookie} with a tracking cookie, {} differ",
        reqs.len(),
        differ.len()
    );
    assert!(differ.is_empty(), "{}", differ.join("\n"));
    // Enough of the requests carried a cookie for the check to mean
    // something (main, inherit, own, c2 and past track).
    assert!(with_cookie >= 25, "{with_cookie}");
}

/// `-t` on a configuration: (exit success, stderr).
fn check(cmd: &mut Command) -> (bool, String) {
    let out = cmd
        .env("TZ", "UTC")
        .stdin(Stdio::null())
        .output()
        .expect("run the -t check");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).trim().to_string(),
    )
}

#[test]
fn config_errors_as_apache2_t() {
    if !Path::new(APACHE).exists() {
        panic!("this test needs apache2 at {APACHE} (scripts/test-all installs it)");
    }
    let dir = tempdir("check");
    let lines = [
        "CookieDomain example.com",
        "CookieDomain .com",
        "CookieDomain \"\"",
        "CookieDomain a b",
        "CookieDomain .a.b",
        "CookieExpires",
        "CookieExpires \"1 month 2\"",
        "CookieExpires \"x 1 month\"",
        "CookieExpires \"1 m\"",
        "CookieExpires \"1 mo\"",
        "CookieExpires \"-5\"",
        "CookieExpires \"2 weeks 3 \"",
        "CookieExpires 1 2",
        "CookieStyle foo",
        "CookieStyle",
        "CookieStyle rfc2965",
        "CookieSameSite x",
        "CookieSameSite",
        "CookieTracking x",
        "CookieTracking on off",
        "cookiesecure",
        "CookieHTTPOnly maybe",
        "CookieName",
        "CookieName a b",
        "<Location /x>\nCookieExpires bad\n</Location>",
        "<VirtualHost 127.0.0.1:1>\nCookieDomain nodot\n</VirtualHost>",
    ];
    let mut differ = Vec::new();
    for line in lines {
        let text = format!(
            "{}Listen 127.0.0.1:1\nServerName main.test\nDocumentRoot htdocs\n{line}\n",
            apache_only()
        );
        let conf = dir.0.join("check.conf");
        std::fs::write(&conf, &text).unwrap();
        let a = check(
            Command::new(APACHE)
                .arg("-t")
                .arg("-f")
                .arg(&conf)
                .arg("-d")
                .arg(&dir.0)
                .args(["-D", "APACHE"]),
        );
        let s = check(
            Command::new(env!("CARGO_BIN_EXE_spoor"))
                .arg("-t")
                .arg("-f")
                .arg(&conf)
                .arg("-d")
                .arg(&dir.0),
        );
        // The verdict, and for an error its `line N` and message.
        let key = |(ok, err): &(bool, String)| -> String {
            if *ok {
                return "ok".into();
            }
            let mut l = err.lines();
            let head = l.next().unwrap_or("");
            let at = head
                .split(" of ")
                .next()
                .unwrap_or("")
                .rsplit("line ")
                .next()
                .unwrap_or("")
                .to_string();
            format!("line {at}: {}", l.next().unwrap_or(""))
        };
        if key(&a) != key(&s) {
            differ.push(format!(
                "{line:?}\n  apache2: {:?}\n  spoor:   {:?}",
                key(&a),
                key(&s)
            ));
        }
    }
    assert!(differ.is_empty(), "{}", differ.join("\n"));
}
