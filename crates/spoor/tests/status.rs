//! mod_status through the binary: `SetHandler server-status`, the `?auto`
//! keys (the same set, in the same order, as apache2's for the same
//! configuration, less its build date), counters that follow the
//! requests, the HTML page, and other methods left to the next handler.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

mod common;
use common::{free_port, TempDir};

const APACHE: &str = "/usr/sbin/apache2";
const MODULES: &str = "/usr/lib/apache2/modules";

struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn wait_port(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "nothing listens on {port}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// One request on its own connection; the whole response.
fn fetch(port: u16, req: &str) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s.write_all(req.as_bytes()).unwrap();
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

fn get(port: u16, path: &str) -> String {
    fetch(
        port,
        &format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"),
    )
}

/// The `Key` of each `Key: value` line of a `?auto` body.
fn keys(resp: &str) -> Vec<String> {
    let body = resp.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    body.lines()
        .skip(1)
        .filter_map(|l| l.split_once(": ").map(|(k, _)| k.to_string()))
        .collect()
}

fn value(resp: &str, key: &str) -> String {
    let body = resp.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    body.lines()
        .find_map(|l| l.strip_prefix(&format!("{key}: ")).map(str::to_string))
        .unwrap_or_else(|| panic!("no {key} in\n{body}"))
}

fn conf(port: u16) -> String {
    format!(
        "Listen 127.0.0.1:{port}\nServerName x\nDocumentRoot htdocs\n\
         <IfDefine APACHE>\nLoadModule mpm_event_module {MODULES}/mod_mpm_event.so\n\
         ErrorLog apache-error.log\nPidFile apache.pid\n</IfDefine>\n\
         <IfDefine !APACHE>\nLoadModule mpm_event_module x.so\n</IfDefine>\n\
         LoadModule status_module {MODULES}/mod_status.so\n\
         LoadModule authz_core_module {MODULES}/mod_authz_core.so\n\
         MaxRequestWorkers 150\n\
         <Location /server-status>\nSetHandler server-status\nRequire all granted\n</Location>\n"
    )
}

#[test]
fn server_status_as_apache() {
    let t = TempDir::create("status", &["htdocs"], &[("htdocs/a.html", "hello\n")]);
    let port = free_port();
    std::fs::write(t.0.join("spoor.conf"), conf(port)).unwrap();
    let _s = Proc(
        Command::new(env!("CARGO_BIN_EXE_spoor"))
            .args(["-f", "spoor.conf", "-d"])
            .arg(&t.0)
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    wait_port(port);

    let before = get(port, "/server-status?auto");
    assert!(before.starts_with("HTTP/1.1 200 OK\r\n"), "{before}");
    assert!(before.contains("\r\nContent-Type: text/plain; charset=ISO-8859-1\r\n"));
    let n0: u64 = value(&before, "Total Accesses").parse().unwrap();
    for _ in 0..5 {
        assert!(get(port, "/a.html").starts_with("HTTP/1.1 200"));
    }
    let after = get(port, "/server-status?auto");
    let n1: u64 = value(&after, "Total Accesses").parse().unwrap();
    // The five files and the first status request.
    assert_eq!(n1, n0 + 6, "{after}");
    assert_eq!(value(&after, "BusyWorkers"), "1");
    assert_eq!(value(&after, "IdleWorkers"), "149");
    assert_eq!(value(&after, "ServerMPM"), "event");
    assert_eq!(value(&after, "Scoreboard").len(), 150);
    assert!(value(&after, "ServerVersion").starts_with("spoor/"));

    let html = get(port, "/server-status");
    assert!(html.contains("\r\nContent-Type: text/html; charset=ISO-8859-1\r\n"));
    assert!(
        html.contains("<h1>Apache Server Status for x (via 127.0.0.1)</h1>"),
        "{html}"
    );
    assert!(html.contains(" requests currently being processed, "));
    let head = fetch(
        port,
        "HEAD /server-status HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert!(
        head.starts_with("HTTP/1.1 200 OK\r\n") && head.ends_with("\r\n\r\n"),
        "{head}"
    );
    // Not GET: the default handler's answer (no such file).
    let post = fetch(
        port,
        "POST /server-status HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    );
    assert!(post.starts_with("HTTP/1.1 404"), "{post}");

    // The same configuration in apache2: the same keys in the same order.
    if !Path::new(APACHE).exists() {
        eprintln!("apache2 not installed: comparison skipped");
        return;
    }
    let aport = free_port();
    std::fs::write(t.0.join("apache.conf"), conf(aport)).unwrap();
    let _a = Proc(
        Command::new(APACHE)
            .args(["-d"])
            .arg(&t.0)
            .args([
                "-f",
                "apache.conf",
                "-D",
                "APACHE",
                "-D",
                "FOREGROUND",
                "-X",
            ])
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    wait_port(aport);
    // Both up a second at least, with a request counted: the rates are
    // on both pages.
    assert!(get(aport, "/a.html").starts_with("HTTP/1.1 200"));
    std::thread::sleep(Duration::from_millis(1100));
    let after = get(port, "/server-status?auto");
    let theirs = get(aport, "/server-status?auto");
    let mut want = keys(&theirs);
    // The build date of apache2 itself; and CPULoad, which both print only
    // once the process has used a clock tick of CPU time (not pinned).
    want.retain(|k| k != "Server Built" && k != "CPULoad");
    let mut ours = keys(&after);
    ours.retain(|k| k != "CPULoad");
    assert_eq!(ours, want, "{theirs}");
    let ahtml = get(aport, "/server-status");
    for line in [
        "<dt>Parent Server Config. Generation: 1</dt>",
        "<dt>Parent Server MPM Generation: 0</dt>",
    ] {
        assert!(ahtml.contains(line) && html.contains(line), "{line}");
    }
}
