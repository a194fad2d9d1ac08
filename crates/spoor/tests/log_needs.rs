//! The access-log record gathers only what a server's formats read
//! (`spoor_log::Format::needs`): a server whose only log reads one part of
//! the record must log exactly what a server that gathers every part logs
//! with the same format, for requests that exercise each part (repeated
//! and replaced `Host` fields, response headers, environment, an internal
//! redirect's original request, rebuilt and masked request lines,
//! trailers, error notes). The wide server's lines are the ones the
//! differential suite (`apache_diff`) holds to httpd's.
//!
//! Listens on 127.0.0.1 only; bounded waits; the process and directory are
//! removed at the end.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

mod common;
use common::{free_port, start_conf, TempDir};

/// One format per part of the record (and one that needs none).
const FORMATS: &[&str] = &[
    "%>s %{X-A}i|%{Host}i|%{x-a}i|%{Cookie}i|%{k}C",
    "%>s %{Content-Type}o|%{Content-Length}o|%{ETag}o|%{Last-Modified}o",
    "%>s %{SE}e|%{REDIRECT_STATUS}e|%{REDIRECT_URL}e",
    "%>s %<s %<U %<q %<m %<{Content-Type}o %<{SE}e %<f %<r %<R %<{error-notes}n",
    "%r|%>r|%<r",
    "%v|%V",
    "%f|%>f|%<f",
    "%>s %{X-T}^ti|%{x-u}^ti",
    "%>s %{error-notes}n|%<{error-notes}n",
    "%>s %b %m %U%q %H %a %{c}a %A %k %X",
];

/// The wide server's extra log: every part at once.
const EVERYTHING: &str = "%{X-A}i %{Content-Type}o %{SE}e %<s %r %V %f %{X-T}^ti \
                          %{error-notes}n %L %{c}L";

/// Requests, `HOST` standing for the name in their Host field (`LONG`: a
/// field over `LimitRequestFieldSize`).
const REQUESTS: &[&str] = &[
    "GET /index.html HTTP/1.1\r\nHost: HOST\r\nX-Long: LONG\r\n",
    "GET /index.html HTTP/1.1\r\nHost: HOST\r\nX-A: one\r\nx-a: two\r\nCookie: k=v; j=w\r\n",
    "GET /nothere.html?q=1 HTTP/1.1\r\nHost: HOST\r\n",
    "GET /a%2fb HTTP/1.1\r\nHost: HOST\r\n",
    "GET http://HOST/index.html?x HTTP/1.1\r\nHost: elsewhere.test\r\n",
    "GET http://user:pw@HOST/index.html HTTP/1.1\r\nHost: HOST\r\n",
    "GET  /index.html  HTTP/1.0\r\nHost: HOST\r\n",
    "POST /index.html HTTP/1.1\r\nHost: HOST\r\nTransfer-Encoding: chunked\r\n\r\n\
     3\r\nabc\r\n0\r\nX-T: t1\r\nx-u: u1\r\nX-T: t2\r\n",
    "GET /index.html HTTP/1.1\r\nHost: HOST\r\nBad header line\r\n",
    "GET /index.html HTTP/1.1\r\nHost: HOST\r\nIf-None-Match: *\r\n",
];

/// Sends one request on its own connection (asking to close it) and reads
/// until the server closes.
fn send(port: u16, req: &str) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let text = if req.contains("chunked") {
        // The head ends before the body; the trailer section ends it.
        format!("{req}\r\n").replacen("\r\n\r\n", "\r\nConnection: close\r\n\r\n", 1)
    } else {
        format!("{req}Connection: close\r\n\r\n")
    };
    s.write_all(text.as_bytes()).unwrap();
    let mut sink = Vec::new();
    let _ = s.read_to_end(&mut sink);
}

fn read_lines(path: &std::path::Path, want: usize) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let lines: Vec<String> = text.lines().map(str::to_owned).collect();
        if lines.len() >= want || Instant::now() >= deadline {
            return lines;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn narrow_records_log_what_full_records_log() {
    let dir = TempDir::create(
        "logneeds",
        &["htdocs", "logs", "conf"],
        &[
            ("htdocs/index.html", "hello\n"),
            ("htdocs/errdoc.html", "no such page\n"),
            ("conf/mime.types", "text/html html\n"),
        ],
    );
    dir.give_to_server("logs");
    // One narrow server per format (n00.test, n01.test…), then the wide
    // server (w00.test, the same length) with every format and a log that
    // reads everything; each on an address of its own, so that it is also
    // the server of the requests refused before a Host is looked at.
    let ports: Vec<u16> = (0..=FORMATS.len()).map(|_| free_port()).collect();
    let wide_port = ports[FORMATS.len()];
    let mut conf = String::new();
    for p in &ports {
        conf.push_str(&format!("Listen 127.0.0.1:{p}\n"));
    }
    conf.push_str(
        "ServerName main.test\n\
         DocumentRoot htdocs\n\
         LoadModule mime_module modules/mod_mime.so\n\
         TypesConfig conf/mime.types\n\
         ErrorLog logs/error.log\n\
         LoadModule env_module modules/mod_env.so\n\
         SetEnv SE env-value\n\
         ErrorDocument 404 /errdoc.html\n",
    );
    for (i, f) in FORMATS.iter().enumerate() {
        conf.push_str(&format!(
            "<VirtualHost 127.0.0.1:{}>\nServerName n{i:02}.test\n\
             CustomLog logs/n{i:02}.log \"{f}\"\n</VirtualHost>\n",
            ports[i]
        ));
    }
    conf.push_str(&format!(
        "<VirtualHost 127.0.0.1:{wide_port}>\nServerName w00.test\n\
         CustomLog logs/all.log \"{EVERYTHING}\"\n"
    ));
    for (i, f) in FORMATS.iter().enumerate() {
        conf.push_str(&format!("CustomLog logs/w{i:02}.log \"{f}\"\n"));
    }
    conf.push_str("</VirtualHost>\n");
    std::fs::write(dir.0.join("spoor.conf"), &conf).unwrap();
    let server = start_conf(&dir.0, wide_port);

    for req in REQUESTS {
        let req = req
            .replace("HOST", "h.test")
            .replace("LONG", &"x".repeat(9000));
        for p in &ports {
            send(*p, &req);
        }
    }
    let n = REQUESTS.len();
    assert_eq!(read_lines(&dir.0.join("logs/all.log"), n).len(), n);
    for (i, f) in FORMATS.iter().enumerate() {
        let name = format!("n{i:02}.test");
        let mut wide = read_lines(&dir.0.join(format!("logs/w{i:02}.log")), n);
        let mut narrow: Vec<String> = read_lines(&dir.0.join(format!("logs/n{i:02}.log")), n)
            .iter()
            .map(|l| l.replace(&name, "w00.test"))
            .collect();
        assert_eq!(wide.len(), n, "{f}");
        // Each request was answered before the next was sent, but the line
        // may follow the close: compared as sets of lines.
        wide.sort();
        narrow.sort();
        assert_eq!(narrow, wide, "{f}");
    }
    // The requests did reach each part (the wide server's lines).
    let all = std::fs::read_to_string(dir.0.join("logs/all.log")).unwrap();
    for part in [
        "one, two",
        "text/html",
        "env-value",
        " 404 ",
        "t1, t2",
        "GET /index.html HTTP/1.0",
        "http://user:XXXXXXXX@h.test/",
    ] {
        assert!(all.contains(part), "{part:?} not in the log:\n{all}");
    }
    let w03 = std::fs::read_to_string(dir.0.join("logs/w03.log")).unwrap();
    assert!(w03.contains("/nothere.html ?q=1 GET"), "{w03}");
    let w08 = std::fs::read_to_string(dir.0.join("logs/w08.log")).unwrap();
    assert!(w08.lines().any(|l| !l.ends_with(" -|-")), "{w08}");
    drop(server);
}
