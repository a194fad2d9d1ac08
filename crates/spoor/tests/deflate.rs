//! mod_deflate with mod_filter against apache2.
//!
//! * `bodies_and_heads_as_apache2`: both servers read the same
//!   configuration (Debian's deflate.conf lines, `DeflateFilterNote`s, an
//!   `AddEncoding`, a section that sets its own types, `SetEnvIf` rules
//!   setting `no-gzip` and `gzip-only-text/html`) and get the same raw
//!   requests: files of 0 B, 1 B, 68 B, 69 B, 1 KiB, 8 KiB, 100 KiB and
//!   1 MiB, an incompressible one, an already encoded one and a type the
//!   filter does not take, each with and without `Accept-Encoding: gzip`,
//!   as HEAD, and on HTTP/1.0 with keep-alive; `Accept-Encoding` forms;
//!   a 304 and a 404. The responses must be the same bytes (compressed
//!   bodies, chunk framing, every header but `Date` and `Server`), and
//!   the access logs the same lines (`%b`, `Content-Encoding`, `Vary`,
//!   `ETag`, `Content-Length`, `Transfer-Encoding`, the three notes).
//! * `directives_as_apache2_t`: `apache2 -t` and `spoor -t` agree on the
//!   directives' arguments and on `AddOutputFilterByType` without
//!   mod_filter or with a filter nobody provides.
//!
//! Skipped (recorded as such) where apache2 is not installed.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

mod common;
use common::{free_port, t_differences, TempDir, APACHE2};

const MODULES: &str = "/usr/lib/apache2/modules";
/// Fixed modification time of every document (2026-01-02 03:04:05 UTC).
const MTIME: u64 = 1_767_323_045;

/// Lines of HTML-ish text, `n` bytes.
fn text(n: usize) -> Vec<u8> {
    let mut t = Vec::with_capacity(n + 64);
    let mut i = 0;
    while t.len() < n {
        t.extend_from_slice(format!("line {i} of some html text <b>bold</b>\n").as_bytes());
        i += 1;
    }
    t.truncate(n);
    t
}

/// `n` bytes that do not compress (a xorshift sequence).
fn noise(n: usize) -> Vec<u8> {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

fn docs() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("empty.html", Vec::new()),
        ("one.html", b"a".to_vec()),
        ("s68.html", text(68)),
        ("s69.html", text(69)),
        ("k1.html", text(1024)),
        ("k8.html", text(8192)),
        ("k100.txt", text(100 * 1024)),
        ("m1.html", text(1 << 20)),
        ("noise.html", noise(200_000)),
        ("a.css", text(5000)),
        ("a.png", text(5000)),
        ("a.html.gz", text(500)),
        ("sub/x.html", text(3000)),
        ("sub/x.css", text(3000)),
        ("ng/x.html", text(3000)),
        ("ng/x.css", text(3000)),
        ("so/a.png", text(5000)),
        ("so/k8.txt", text(8192)),
        ("so/err.html", text(2000)),
        ("so/in/a.png", text(5000)),
        ("so/in/b.bin", text(5000)),
    ]
}

fn config(root: &Path, port: u16) -> String {
    let r = root.display();
    format!(
        "<IfDefine APACHE>\n\
         LoadModule mpm_event_module {MODULES}/mod_mpm_event.so\n\
         </IfDefine>\n\
         LoadModule authz_core_module {MODULES}/mod_authz_core.so\n\
         LoadModule mime_module {MODULES}/mod_mime.so\n\
         LoadModule setenvif_module {MODULES}/mod_setenvif.so\n\
         LoadModule filter_module {MODULES}/mod_filter.so\n\
         LoadModule deflate_module {MODULES}/mod_deflate.so\n\
         ServerName localhost\n\
         Listen 127.0.0.1:{port}\n\
         ServerRoot {r}\n\
         PidFile {r}/logs/pid\n\
         DocumentRoot {r}/htdocs\n\
         ErrorLog {r}/logs/error.log\n\
         TypesConfig /etc/mime.types\n\
         AddEncoding gzip .gz\n\
         DeflateFilterNote Input instream\n\
         DeflateFilterNote Output outstream\n\
         DeflateFilterNote Ratio ratio\n\
         LogFormat \"%>s %U %b [%{{Content-Encoding}}o] [%{{Vary}}o] [%{{ETag}}o] [%{{Content-Length}}o] [%{{Transfer-Encoding}}o] %{{instream}}n/%{{outstream}}n/%{{ratio}}n\" d\n\
         CustomLog {r}/logs/access.log d\n\
         <Directory {r}/htdocs>\n\
         Require all granted\n\
         </Directory>\n\
         <IfModule mod_filter.c>\n\
         AddOutputFilterByType DEFLATE text/html text/plain text/xml text/css text/javascript\n\
         AddOutputFilterByType DEFLATE application/x-javascript application/javascript application/ecmascript\n\
         </IfModule>\n\
         <Directory {r}/htdocs/sub>\n\
         AddOutputFilterByType DEFLATE text/html\n\
         </Directory>\n\
         <Directory {r}/htdocs/so>\n\
         SetOutputFilter DEFLATE\n\
         ErrorDocument 403 /so/err.html\n\
         </Directory>\n\
         <Directory {r}/htdocs/so/in>\n\
         SetOutputFilter deflate;DEFLATE\n\
         </Directory>\n\
         <Location /so/denied>\n\
         Require all denied\n\
         </Location>\n\
         <Location /so/nodoc>\n\
         Require all denied\n\
         ErrorDocument 403 default\n\
         </Location>\n\
         SetEnvIf Request_URI ^/ng/x.html no-gzip\n\
         SetEnvIf Request_URI ^/ng/x.css gzip-only-text/html=1\n"
    )
}

/// A server under test, stopped on drop.
struct Server(Child);

impl Server {
    fn start(root: &Path, port: u16, apache: bool) -> Server {
        let conf = root.join("httpd.conf");
        let child = if apache {
            Command::new(APACHE2)
                .args(["-D", "APACHE", "-D", "FOREGROUND", "-f"])
                .arg(&conf)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap()
        } else {
            Command::new(env!("CARGO_BIN_EXE_spoor"))
                .arg("-f")
                .arg(&conf)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap()
        };
        let until = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < until, "server did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        Server(child)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // SAFETY: signalling our own child by its pid.
        unsafe { libc::kill(self.0.id() as i32, libc::SIGTERM) };
        let until = Instant::now() + Duration::from_secs(10);
        while Instant::now() < until {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Sends `req` and reads until the server closes (at most 10 s), then
/// drops the `Date` and `Server` lines.
fn exchange(port: u16, req: &str) -> Vec<u8> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(req.as_bytes()).unwrap();
    let mut got = Vec::new();
    let _ = s.read_to_end(&mut got);
    let mut out = Vec::with_capacity(got.len());
    let mut rest = &got[..];
    // Header lines of every response on the connection start after a
    // CR LF; bodies are copied as they are.
    while !rest.is_empty() {
        let line_end = rest
            .windows(2)
            .position(|w| w == b"\r\n")
            .map_or(rest.len(), |p| p + 2);
        let line = &rest[..line_end];
        if !(line.starts_with(b"Date: ") || line.starts_with(b"Server: ")) {
            out.extend_from_slice(line);
        }
        rest = &rest[line_end..];
    }
    out
}

fn requests() -> Vec<String> {
    let mut v = Vec::new();
    let files = [
        "/empty.html",
        "/one.html",
        "/s68.html",
        "/s69.html",
        "/k1.html",
        "/k8.html",
        "/k100.txt",
        "/m1.html",
        "/noise.html",
        "/a.css",
        "/a.png",
        "/a.html.gz",
        "/sub/x.html",
        "/sub/x.css",
        "/ng/x.html",
        "/ng/x.css",
        "/so/a.png",
        "/so/k8.txt",
        "/so/in/a.png",
        "/so/in/b.bin",
        "/so/missing.txt",
        "/so/denied",
        "/so/nodoc",
    ];
    for f in files {
        for (m, ae) in [("GET", true), ("GET", false), ("HEAD", true)] {
            let ae = if ae { "Accept-Encoding: gzip\r\n" } else { "" };
            v.push(format!(
                "{m} {f} HTTP/1.1\r\nHost: localhost\r\n{ae}Connection: close\r\n\r\n"
            ));
        }
        // HTTP/1.0 with keep-alive, then a second request on it.
        v.push(format!(
            "GET {f} HTTP/1.0\r\nAccept-Encoding: gzip\r\nConnection: keep-alive\r\n\r\n\
             GET /k1.html HTTP/1.0\r\n\r\n"
        ));
    }
    for ae in [
        "x-gzip",
        "gzip;q=0",
        "gzip; q=0",
        "gzip;q=0.5",
        "identity",
        "deflate, GZIP",
        "*",
        "br;q=1, gzip;q=0.001",
    ] {
        v.push(format!(
            "GET /k8.html HTTP/1.1\r\nHost: localhost\r\nAccept-Encoding: {ae}\r\nConnection: close\r\n\r\n"
        ));
    }
    v.push(
        "GET /k8.html HTTP/1.1\r\nHost: localhost\r\nAccept-Encoding: deflate\r\n\
         Accept-Encoding: gzip\r\nConnection: close\r\n\r\n"
            .into(),
    );
    // Kept HTTP/1.1 connection: a streamed answer between two others.
    v.push(
        "GET /k8.html HTTP/1.1\r\nHost: localhost\r\nAccept-Encoding: gzip\r\n\r\n\
         GET /m1.html HTTP/1.1\r\nHost: localhost\r\nAccept-Encoding: gzip\r\n\r\n\
         GET /k1.html HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
            .into(),
    );
    v.push(
        "GET /k8.html HTTP/1.1\r\nHost: localhost\r\nAccept-Encoding: gzip\r\n\
         If-None-Match: \"2000-6475ef64cf340\"\r\nConnection: close\r\n\r\n"
            .into(),
    );
    v.push(
        "GET /nope.html HTTP/1.1\r\nHost: localhost\r\nAccept-Encoding: gzip\r\n\
         Connection: close\r\n\r\n"
            .into(),
    );
    v
}

#[test]
fn bodies_and_heads_as_apache2() {
    if !Path::new(APACHE2).exists() || !Path::new(MODULES).join("mod_deflate.so").exists() {
        common::skip(
            "deflate::bodies_and_heads_as_apache2",
            "apache2 is not installed",
        );
        return;
    }
    let reqs = requests();
    let mut sides = Vec::new();
    for apache in [true, false] {
        let dir = TempDir::create("deflate", &["htdocs", "logs"], &[]);
        for (name, data) in docs() {
            let p = dir.0.join("htdocs").join(name);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            common::mode_0755(p.parent().unwrap());
            std::fs::write(&p, data).unwrap();
            let f = std::fs::File::options().write(true).open(&p).unwrap();
            f.set_modified(SystemTime::UNIX_EPOCH + Duration::from_secs(MTIME))
                .unwrap();
        }
        common::give_to_server(&dir.0.join("logs"));
        let port = free_port();
        dir.write("httpd.conf", &config(&dir.0, port));
        let srv = Server::start(&dir.0, port, apache);
        let answers: Vec<Vec<u8>> = reqs.iter().map(|r| exchange(port, r)).collect();
        // The log lines are written before the connection closes.
        std::thread::sleep(Duration::from_millis(200));
        drop(srv);
        let log = std::fs::read_to_string(dir.0.join("logs/access.log")).unwrap();
        sides.push((answers, log));
    }
    let (a, s) = (&sides[0], &sides[1]);
    let mut bad = Vec::new();
    for (i, r) in reqs.iter().enumerate() {
        if a.0[i] != s.0[i] {
            let show = |b: &[u8]| String::from_utf8_lossy(&b[..b.len().min(600)]).into_owned();
            bad.push(format!(
                "{r:?}\n--- apache2 ({} bytes):\n{}\n--- spoor ({} bytes):\n{}",
                a.0[i].len(),
                show(&a.0[i]),
                s.0[i].len(),
                show(&s.0[i])
            ));
        }
    }
    assert!(
        bad.is_empty(),
        "{} responses differ:\n{}",
        bad.len(),
        bad.join("\n\n")
    );
    assert_eq!(a.1, s.1, "access logs differ");
    // The compressed answers are there at all (not both servers wrong
    // the same way): the 1 KiB page was gzipped, and its notes logged.
    assert!(
        a.1.contains("200 /k1.html 133 [gzip] [Accept-Encoding]"),
        "{}",
        a.1
    );
    assert!(a.1.contains(" 1024/115/11\n"), "{}", a.1);
}

#[test]
fn directives_as_apache2_t() {
    if !Path::new(APACHE2).exists() {
        common::skip(
            "deflate::directives_as_apache2_t",
            "apache2 is not installed",
        );
        return;
    }
    let dir = TempDir::create("deflate-t", &["logs"], &[]);
    let base = format!(
        "<IfDefine APACHE>\nLoadModule mpm_event_module {MODULES}/mod_mpm_event.so\n</IfDefine>\n\
         ServerName localhost\nListen 127.0.0.1:{}\n",
        free_port()
    );
    let both = format!(
        "{base}LoadModule filter_module {MODULES}/mod_filter.so\n\
         LoadModule deflate_module {MODULES}/mod_deflate.so\n"
    );
    let bodies = [
        "DeflateCompressionLevel 9",
        "DeflateCompressionLevel 0",
        "DeflateCompressionLevel 10",
        "DeflateCompressionLevel 5x",
        "DeflateMemLevel 9",
        "DeflateMemLevel 0",
        "DeflateWindowSize 15",
        "DeflateWindowSize 16",
        "DeflateBufferSize 4096",
        "DeflateBufferSize 0",
        "DeflateBufferSize",
        "DeflateFilterNote ratio",
        "DeflateFilterNote Input in",
        "DeflateFilterNote Size in",
        "DeflateFilterNote a b c",
        "DeflateAlterETag Remove",
        "DeflateAlterETag nochange",
        "DeflateAlterETag Drop",
        "<Directory />\nDeflateCompressionLevel 1\n</Directory>",
        "AddOutputFilterByType DEFLATE text/html",
        "AddOutputFilterByType deflate;DEFLATE text/html text/css",
        "AddOutputFilterByType DEFLATE",
        "AddOutputFilterByType NOSUCH text/html",
        "<Location /x>\nAddOutputFilterByType DEFLATE text/plain\n</Location>",
        "SetOutputFilter DEFLATE",
        "SetOutputFilter deflate;Deflate",
        "SetOutputFilter",
        "SetOutputFilter DEFLATE extra",
        "<Location /x>\nSetOutputFilter DEFLATE\n</Location>",
        "<Files *.txt>\nSetOutputFilter DEFLATE\n</Files>",
    ];
    let mut differ = t_differences(&dir.0, &both, bodies.iter().map(|b| b.to_string()));
    // Without the modules loaded.
    differ.extend(t_differences(
        &dir.0,
        &base,
        [
            "AddOutputFilterByType DEFLATE text/html".to_string(),
            "DeflateCompressionLevel 9".to_string(),
        ],
    ));
    differ.extend(t_differences(
        &dir.0,
        &format!("{base}LoadModule filter_module {MODULES}/mod_filter.so\n"),
        ["AddOutputFilterByType DEFLATE text/html".to_string()],
    ));
    assert!(differ.is_empty(), "{}", differ.join("\n"));
}
