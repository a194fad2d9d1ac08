//! mod_log_forensic in spoor, end to end: `spoor check-forensic` side by
//! side with httpd's check_forensic script, the strict stop on a full file
//! system and on a piped logger that went away, one piped logger per
//! server, and a SIGKILL under load after which check-forensic must list
//! exactly the requests that were in flight.
//!
//! Every test listens on 127.0.0.1 only, bounds its waits, and removes its
//! processes, mounts and directories.

use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const SCRIPT: &str = "/usr/sbin/check_forensic";
const WAIT: Duration = Duration::from_secs(10);

mod common;
use common::{free_port, statvfs_avail, Mount, TempDir};

fn tempdir(tag: &str) -> TempDir {
    TempDir::create(
        &format!("forensic-{tag}"),
        &["htdocs", "logs", "conf"],
        &[("htdocs/index.html", "hello\n")],
    )
}

/// A spoor process, killed and reaped when dropped.
struct Server(Option<Child>);

impl Server {
    /// Waits (bounded) for the process to exit; its status.
    fn wait_exit(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let c = self.0.as_mut()?;
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if let Ok(Some(st)) = c.try_wait() {
                self.0 = None;
                return Some(st);
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        None
    }

    fn pid(&self) -> i32 {
        self.0.as_ref().unwrap().id() as i32
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut c) = self.0.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// Writes conf/httpd.conf (`Listen` and `DocumentRoot` added) and starts
/// spoor on it; waits until it listens.
fn start(root: &Path, conf: &str) -> (Server, u16) {
    let port = free_port();
    let conf = conf.replace("PORT", &port.to_string());
    // mod_log_forensic is not built in; a LoadModule line after the
    // directives still loads it (httpd loads while reading, runs after).
    let text = format!(
        "Listen 127.0.0.1:{port}\nServerName t\nDocumentRoot htdocs\n{conf}\
         LoadModule log_forensic_module modules/mod_log_forensic.so\n"
    );
    std::fs::write(root.join("conf/httpd.conf"), text).unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_spoor"))
        .args(["-f", "conf/httpd.conf", "-d"])
        .arg(root)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(root.join("logs/stderr")).unwrap())
        .spawn()
        .unwrap();
    let mut s = Server(Some(child));
    let deadline = Instant::now() + WAIT;
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Some(st) = s.wait_exit(Duration::from_millis(20)) {
            panic!(
                "spoor exited at start-up ({st}): {}",
                std::fs::read_to_string(root.join("logs/stderr")).unwrap_or_default()
            );
        }
        assert!(Instant::now() < deadline, "spoor did not listen");
    }
    (s, port)
}

/// Sends `req` on a new connection and returns everything read until the
/// server closes (bounded).
fn exchange(port: u16, req: &[u8]) -> Vec<u8> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(WAIT)).unwrap();
    let _ = s.write_all(req);
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    out
}

fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + WAIT;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Whether process `pid` has a child that has not exited (a zombie has).
fn has_live_child(pid: u32) -> bool {
    let tasks = std::fs::read_dir(format!("/proc/{pid}/task"))
        .unwrap_or_else(|e| panic!("cannot list the threads of {pid}: {e}"));
    for task in tasks {
        let children = task.unwrap().path().join("children");
        let list = std::fs::read_to_string(&children)
            .unwrap_or_else(|e| panic!("cannot read {children:?}: {e}"));
        for child in list.split_whitespace() {
            let stat = std::fs::read_to_string(format!("/proc/{child}/stat")).unwrap_or_default();
            // The state is the field after the parenthesised name.
            let state = stat.rsplit(") ").next().and_then(|r| r.chars().next());
            if matches!(state, Some(c) if c != 'Z' && c != 'X') {
                return true;
            }
        }
    }
    false
}

fn lines_starting(p: &Path, c: u8) -> usize {
    std::fs::read(p)
        .unwrap_or_default()
        .split(|&b| b == b'\n')
        .filter(|l| l.first() == Some(&c))
        .count()
}

fn check(files: &[&Path], json: bool) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_spoor"));
    cmd.arg("check-forensic");
    if json {
        cmd.arg("--json");
    }
    cmd.args(files).output().unwrap()
}

fn script(file: &Path) -> Output {
    Command::new(SCRIPT)
        .arg(file)
        .env("LC_ALL", "C")
        .output()
        .unwrap()
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}

/// A small deterministic generator for the side-by-side inputs.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

#[test]
fn check_forensic_matches_the_script() {
    assert!(
        Path::new(SCRIPT).exists(),
        "{SCRIPT} is missing (scripts/test-all installs apache2-utils)"
    );
    let dir = tempdir("check");
    let mut cases: Vec<Vec<u8>> = vec![
        Vec::new(),
        b"+a|GET / HTTP/1.1|Host:x\n-a\n".to_vec(),
        // The spec's example: +aaa, +bbb, -aaa, +ccc.
        b"+aaa|GET /a HTTP/1.1\n+bbb|GET /b HTTP/1.1|X:1%3a2\n-aaa\n+ccc|GET /c HTTP/1.0\n"
            .to_vec(),
        // A torn last record, a finish without a start, odd lines.
        b"+k1|GET / HTTP/1.1\n-zz\nnoise\n\n+k2|GET /x HTTP/1.1|Ho".to_vec(),
    ];
    // Generated logs: unique-id-like and counter ids (no id a prefix of
    // another), interleaved, some never finished.
    let mut rng = Lcg(7);
    for round in 0..12 {
        let mut open: Vec<String> = Vec::new();
        let mut log = Vec::new();
        for i in 0..(20 + rng.next(60)) {
            let id = if round % 2 == 0 {
                let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
                (0..27)
                    .map(|_| alphabet[rng.next(64) as usize] as char)
                    .collect::<String>()
            } else {
                format!(
                    "{}:6b02{:04x}:{:x}",
                    1000 + rng.next(3),
                    rng.next(4096),
                    256 + i
                )
            };
            log.extend_from_slice(
                format!(
                    "+{id}|GET /p{i}?q=a%7cb HTTP/1.1|Host:h|User-Agent:ua %e9|X-Pipe:a%7cb%3ac\n"
                )
                .as_bytes(),
            );
            open.push(id);
            while !open.is_empty() && rng.next(3) == 0 {
                let k = rng.next(open.len() as u64) as usize;
                let id = open.remove(k);
                if rng.next(5) != 0 {
                    log.extend_from_slice(format!("-{id}\n").as_bytes());
                }
            }
        }
        cases.push(log);
    }
    let mut compared = 0;
    for (i, data) in cases.iter().enumerate() {
        let f = dir.0.join(format!("case{i}.log"));
        std::fs::write(&f, data).unwrap();
        let theirs = script(&f);
        let ours = check(&[&f], false);
        assert_eq!(
            String::from_utf8_lossy(&ours.stdout),
            String::from_utf8_lossy(&theirs.stdout),
            "case {i}"
        );
        let expect = if theirs.stdout.is_empty() { 0 } else { 1 };
        assert_eq!(ours.status.code(), Some(expect), "case {i}");
        compared += 1;
    }
    assert_eq!(compared, 16);

    // Beyond the script: a rotated set read as one log.
    let old = dir.0.join("forensic.log.1");
    let new = dir.0.join("forensic.log");
    std::fs::write(&old, b"+r1|GET /1 HTTP/1.1\n+r2|GET /2 HTTP/1.1\n-r1\n").unwrap();
    std::fs::write(&new, b"-r2\n+r3|GET /3 HTTP/1.1|X-Y:a%3ab%7cc%25d %e9\n").unwrap();
    let out = check(&[&old, &new], false);
    assert_eq!(out.stdout, b"+r3|GET /3 HTTP/1.1|X-Y:a%3ab%7cc%25d %e9\n");
    assert_eq!(out.status.code(), Some(1));
    // Each file alone: r2 looks unfinished in the old one (the script
    // cannot do better), r2's end has no start in the new one.
    assert_eq!(check(&[&old], false).stdout, b"+r2|GET /2 HTTP/1.1\n");
    let v = json(&check(&[&old, &new], true));
    assert_eq!(v["plus_records"], 3);
    assert_eq!(v["minus_records"], 2);
    assert_eq!(v["complete"], 2);
    assert_eq!(v["incomplete"], 1);
    assert_eq!(v["finished_without_start"], 0);
    let r = &v["requests"][0];
    assert_eq!(r["id"], "r3");
    assert_eq!(r["line"], 2);
    assert_eq!(r["file"], new.to_str().unwrap());
    assert_eq!(r["request_line"], "GET /3 HTTP/1.1");
    assert_eq!(r["headers"][0][0], "X-Y");
    assert_eq!(r["headers"][0][1], "a:b|c%d \u{e9}");
    assert_eq!(r["truncated"], false);
    let v = json(&check(&[&new], true));
    assert_eq!(v["finished_without_start"], 1);

    // Where the script differs: an unfinished id that is a prefix of
    // others also prints their lines there; here only its own.
    let p = dir.0.join("prefix.log");
    std::fs::write(
        &p,
        b"+12:ab:1|GET /a HTTP/1.1\n+12:ab:10|GET /b HTTP/1.1\n-12:ab:10\n",
    )
    .unwrap();
    assert_eq!(
        script(&p).stdout,
        b"+12:ab:1|GET /a HTTP/1.1\n+12:ab:10|GET /b HTTP/1.1\n"
    );
    assert_eq!(check(&[&p], false).stdout, b"+12:ab:1|GET /a HTTP/1.1\n");
    // No file: exit 2.
    let missing = dir.0.join("missing.log");
    assert_eq!(check(&[&missing], false).status.code(), Some(2));
    let help = Command::new(env!("CARGO_BIN_EXE_spoor"))
        .args(["check-forensic", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(help.contains("Differences from check_forensic"), "{help}");
}

#[test]
fn records_ids_and_one_logger_per_server() {
    let dir = tempdir("pipe");
    let logger = dir.0.join("logger.sh");
    // Each logger tags its lines with its pid.
    std::fs::write(
        &logger,
        "#!/bin/sh\nwhile IFS= read -r l; do printf '%s %s\\n' $$ \"$l\"; done >> logs/piped.log\n",
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&logger, std::fs::Permissions::from_mode(0o755)).unwrap();
    let conf = format!(
        "LogFormat \"%{{forensic-id}}n %{{UNIQUE_ID}}e %>s\" f\nCustomLog logs/access.log f\n\
         ForensicLog \"|{}\"\n\
         <VirtualHost 127.0.0.1:PORT>\nServerName t\n</VirtualHost>\n\
         <VirtualHost 127.0.0.1:PORT>\nServerName v.test\n</VirtualHost>\n",
        logger.display()
    );
    let (mut srv, port) = start(&dir.0, &conf);
    exchange(
        port,
        b"GET /index.html HTTP/1.1\r\nHost: t\r\nX-A: 1\r\nx-a: b|c\r\nConnection: close\r\n\r\n",
    );
    exchange(
        port,
        b"GET /nope HTTP/1.1\r\nHost: v.test\r\nConnection: close\r\n\r\n",
    );
    let piped = dir.0.join("logs/piped.log");
    wait_for("4 piped records", || {
        std::fs::read(&piped).map_or(0, |d| d.iter().filter(|&&b| b == b'\n').count()) >= 4
    });
    let text = std::fs::read_to_string(&piped).unwrap();
    // Lines by logger (the loggers append to one file concurrently).
    let mut by_logger: std::collections::BTreeMap<&str, Vec<&str>> = Default::default();
    for l in text.lines() {
        let (p, rec) = l.split_once(' ').unwrap();
        by_logger.entry(p).or_default().push(rec);
    }
    // The virtual hosts inherited the pipe and each started its own
    // logger: the two requests went to two loggers.
    assert_eq!(by_logger.len(), 2, "one logger per server: {text}");
    let mut groups: Vec<&Vec<&str>> = by_logger.values().collect();
    groups.sort_by_key(|g| g[0].contains("/nope"));
    let (g0, g1) = (groups[0], groups[1]);
    // Without mod_unique_id: pid:hex(time):hex(counter), counter from 0.
    let pid = srv.pid();
    let id0 = &g0[0][1..g0[0].find('|').unwrap()];
    let parts: Vec<&str> = id0.split(':').collect();
    assert_eq!(parts[0], pid.to_string());
    assert_eq!(parts[2], "0");
    assert_eq!(
        g0[0],
        format!("+{id0}|GET /index.html HTTP/1.1|Host:t|X-A:1, b%7cc|Connection:close")
    );
    assert_eq!(g0[1], format!("-{id0}"));
    let id1 = &g1[0][1..g1[0].find('|').unwrap()];
    assert!(id1.starts_with(&format!("{pid}:")) && id1.ends_with(":1"));
    assert_eq!(
        g1[0],
        format!("+{id1}|GET /nope HTTP/1.1|Host:v.test|Connection:close")
    );
    assert_eq!(g1[1], format!("-{id1}"));
    let access = std::fs::read_to_string(dir.0.join("logs/access.log")).unwrap();
    assert_eq!(access.lines().next().unwrap(), format!("{id0} - 200"));
    // SIGTERM: the loggers get end of file and are reaped.
    unsafe { libc::kill(pid, libc::SIGTERM) };
    assert!(srv.wait_exit(WAIT).is_some_and(|s| s.success()));
}

#[test]
fn unique_ids_are_the_forensic_ids() {
    let dir = tempdir("uid");
    let conf = "LoadModule unique_id_module modules/mod_unique_id.so\n\
                LogFormat \"%{forensic-id}n %{UNIQUE_ID}e %>s\" f\nCustomLog logs/access.log f\n\
                ForensicLog logs/forensic.log\n";
    let (_srv, port) = start(&dir.0, conf);
    for _ in 0..20 {
        exchange(
            port,
            b"GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
        );
    }
    // A request refused while its head is read gets no record and no id.
    exchange(port, b"GET / HTTP/1.1\r\nHost: t\r\nBad Name: x\r\n\r\n");
    let flog = dir.0.join("logs/forensic.log");
    wait_for("20 pairs", || lines_starting(&flog, b'-') == 20);
    let access = dir.0.join("logs/access.log");
    wait_for("21 access lines", || {
        std::fs::read_to_string(&access).map_or(0, |t| t.lines().count()) == 21
    });
    let text = std::fs::read_to_string(&access).unwrap();
    let mut seen = BTreeSet::new();
    let forensic = std::fs::read_to_string(&flog).unwrap();
    for l in text.lines().take(20) {
        let f: Vec<&str> = l.split(' ').collect();
        assert_eq!(f[0], f[1]);
        assert_eq!(f[0].len(), 27);
        assert!(f[0]
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'));
        assert!(forensic.contains(&format!(
            "+{}|GET / HTTP/1.1|Host:t|Connection:close\n",
            f[0]
        )));
        assert!(forensic.contains(&format!("\n-{}\n", f[0])));
        seen.insert(f[0].to_string());
    }
    assert_eq!(seen.len(), 20);
    assert_eq!(text.lines().nth(20), Some("- - 400"));
    assert_eq!(lines_starting(&flog, b'+'), 20);
}

#[test]
fn full_file_system_stops_the_server_unserved() {
    let dir = tempdir("full");
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) } as usize;
    let mnt = dir.0.join("small");
    let Some(_mount) = Mount::tmpfs(&mnt, 16 * page) else {
        common::skip(
            "forensic::full_file_system_stops_the_server_unserved",
            "cannot mount a tmpfs here (needs root)",
        );
        return;
    };
    // Fill the file system up to one free page.
    let avail = statvfs_avail(&mnt) as usize;
    std::fs::write(mnt.join("filler"), vec![b'x'; avail - page]).unwrap();
    assert_eq!(statvfs_avail(&mnt) as usize, page);
    // Records of a fixed size: `+` 971 bytes, `-` 29 (unique ids), so the
    // fifth `+` is the first write that does not fit in the page.
    let plus_fixed = "+".len() + 27 + "|GET /index.html HTTP/1.0".len() + "|X-Pad:".len() + 1;
    let pad = "p".repeat(971 - plus_fixed);
    let conf = format!(
        "LoadModule unique_id_module x.so\nErrorLog logs/error.log\nCustomLog logs/access.log \"%r %>s\"\n\
         ForensicLog {}\n",
        mnt.join("forensic.log").display()
    );
    let (mut srv, port) = start(&dir.0, &conf);
    let req = format!("GET /index.html HTTP/1.0\r\nX-Pad: {pad}\r\n\r\n");
    let mut served = 0;
    let mut refused_at = None;
    for i in 0..8 {
        let resp = exchange(port, req.as_bytes());
        if resp.starts_with(b"HTTP/1.1 200") {
            served += 1;
        } else {
            assert!(
                resp.is_empty(),
                "request {i}: {:?}",
                String::from_utf8_lossy(&resp)
            );
            refused_at = Some(i);
            break;
        }
    }
    assert_eq!((served, refused_at), (4, Some(4)));
    let st = srv.wait_exit(WAIT).expect("spoor did not exit");
    assert_eq!(st.code(), Some(1));
    let access = std::fs::read_to_string(dir.0.join("logs/access.log")).unwrap();
    assert_eq!(access.lines().count(), 4, "only served requests are logged");
    let flog = mnt.join("forensic.log");
    let data = std::fs::read(&flog).unwrap();
    assert_eq!(data.len(), page, "the short write filled the page");
    assert_eq!(lines_starting(&flog, b'-'), 4);
    let err = std::fs::read_to_string(dir.0.join("logs/error.log")).unwrap();
    assert!(
        err.contains("[log_forensic:crit]") && err.contains("short write"),
        "{err}"
    );
    // The torn record of the refused request is the one check-forensic
    // lists.
    let out = check(&[&flog], true);
    assert_eq!(out.status.code(), Some(1));
    let v = json(&out);
    assert_eq!(v["complete"], 4);
    assert_eq!(v["incomplete"], 1);
    assert_eq!(v["requests"][0]["truncated"], true);

    // Space comes back and spoor starts again on the same log: the torn
    // record is ended by a newline of its own and the new records are
    // whole lines after it.
    std::fs::remove_file(mnt.join("filler")).unwrap();
    let (mut srv, port) = start(&dir.0, &conf);
    let resp = exchange(port, b"GET /index.html HTTP/1.0\r\n\r\n");
    assert!(resp.starts_with(b"HTTP/1.1 200"));
    // SAFETY: signalling our own child.
    unsafe { libc::kill(srv.pid(), libc::SIGTERM) };
    assert_eq!(
        srv.wait_exit(WAIT).expect("spoor did not stop").code(),
        Some(0)
    );
    let after = std::fs::read(&flog).unwrap();
    assert_eq!(after[..page], data[..]);
    let rest = std::str::from_utf8(&after[page..]).unwrap();
    let lines: Vec<&str> = rest.split_inclusive('\n').collect();
    assert_eq!(lines.len(), 3, "{rest:?}");
    assert_eq!(lines[0], "\n");
    let id = &lines[1][1..28];
    assert_eq!(lines[1], format!("+{id}|GET /index.html HTTP/1.0\n"));
    assert_eq!(lines[2], format!("-{id}\n"));
    let v = json(&check(&[&flog], true));
    assert_eq!(
        (v["complete"].as_u64(), v["incomplete"].as_u64()),
        (Some(5), Some(1))
    );
    assert_eq!(v["requests"][0]["truncated"], false);
}

#[test]
fn piped_logger_gone_stops_the_server_unserved() {
    let dir = tempdir("gone");
    let logger = dir.0.join("two.sh");
    // Reads the two records of the first request, then exits.
    std::fs::write(
        &logger,
        "#!/bin/sh\nIFS= read -r a; IFS= read -r b; printf '%s\\n%s\\n' \"$a\" \"$b\" > logs/got\n",
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&logger, std::fs::Permissions::from_mode(0o755)).unwrap();
    let conf = format!(
        "ErrorLog logs/error.log\nCustomLog logs/access.log \"%r %>s\"\nForensicLog \"|{}\"\n",
        logger.display()
    );
    let (mut srv, port) = start(&dir.0, &conf);
    let first = exchange(port, b"GET /index.html HTTP/1.0\r\n\r\n");
    assert!(first.starts_with(b"HTTP/1.1 200"));
    let got = dir.0.join("logs/got");
    wait_for("the logger's two lines", || {
        std::fs::read(&got).map_or(0, |d| d.len()) > 0
    });
    // Wait for the logger to exit: its read end is then gone.
    let pid = srv.0.as_ref().expect("spoor is running").id();
    wait_for("the piped logger's exit", || !has_live_child(pid));
    let second = exchange(port, b"GET /index.html?second HTTP/1.0\r\n\r\n");
    assert!(second.is_empty(), "{:?}", String::from_utf8_lossy(&second));
    let st = srv.wait_exit(WAIT).expect("spoor did not exit");
    assert_eq!(st.code(), Some(1));
    let access = std::fs::read_to_string(dir.0.join("logs/access.log")).unwrap();
    assert_eq!(access, "GET /index.html HTTP/1.0 200\n");
    let err = std::fs::read_to_string(dir.0.join("logs/error.log")).unwrap();
    assert!(
        err.contains("[log_forensic:crit]") && err.contains("Broken pipe"),
        "{err}"
    );
}

#[test]
fn sigkill_leaves_exactly_the_requests_in_flight() {
    let dir = tempdir("crash");
    let conf = "LoadModule unique_id_module x.so\nTimeout 60\n\
                CustomLog logs/access.log \"%{forensic-id}n %r %>s\"\nForensicLog logs/forensic.log\n";
    let (mut srv, port) = start(&dir.0, conf);
    const CLIENTS: usize = 4;
    const PER_CLIENT: usize = 100;
    const STALLED: usize = 5;
    // Load: keep-alive clients, each request read to the end of its body.
    let load: Vec<_> = (0..CLIENTS)
        .map(|c| {
            std::thread::spawn(move || {
                let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
                s.set_read_timeout(Some(WAIT)).unwrap();
                let mut done = 0;
                for i in 0..PER_CLIENT {
                    let req = format!(
                        "GET /index.html?c={c}&i={i} HTTP/1.1\r\nHost: t\r\nX-Load: {c}|{i}\r\n\r\n"
                    );
                    s.write_all(req.as_bytes()).unwrap();
                    let mut buf = Vec::new();
                    let mut b = [0u8; 4096];
                    while !buf.ends_with(b"hello\n") {
                        let n = s.read(&mut b).unwrap();
                        assert!(n > 0);
                        buf.extend_from_slice(&b[..n]);
                    }
                    done += 1;
                }
                done
            })
        })
        .collect();
    // In the middle of the load: uploads that announce a body and never
    // send it. Their heads are read, so they are in flight for good.
    std::thread::sleep(Duration::from_millis(20));
    let stalled: Vec<TcpStream> = (0..STALLED)
        .map(|k| {
            let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
            let req = format!(
                "POST /index.html HTTP/1.1\r\nHost: t\r\nContent-Length: 1000\r\nX-Stall: {k}\r\n\r\n"
            );
            s.write_all(req.as_bytes()).unwrap();
            s
        })
        .collect();
    let completed: usize = load.into_iter().map(|h| h.join().unwrap()).sum();
    assert_eq!(completed, CLIENTS * PER_CLIENT);
    let flog = dir.0.join("logs/forensic.log");
    // Every completed request's `-` is written, every stalled head's `+`.
    wait_for("the forensic records", || {
        lines_starting(&flog, b'+') == completed + STALLED
            && lines_starting(&flog, b'-') == completed
    });
    unsafe { libc::kill(srv.pid(), libc::SIGKILL) };
    let st = srv.wait_exit(WAIT).expect("spoor did not die");
    assert_eq!(st.code(), None, "killed by a signal");
    drop(stalled);

    let out = check(&[&flog], true);
    assert_eq!(out.status.code(), Some(1));
    let v = json(&out);
    assert_eq!(v["complete"], completed);
    assert_eq!(v["incomplete"], STALLED);
    let mut found = BTreeSet::new();
    for r in v["requests"].as_array().unwrap() {
        assert_eq!(r["request_line"], "POST /index.html HTTP/1.1");
        let stall = r["headers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h[0] == "X-Stall")
            .expect("an X-Stall header")[1]
            .as_str()
            .unwrap()
            .to_string();
        found.insert(stall);
    }
    let want: BTreeSet<String> = (0..STALLED).map(|k| k.to_string()).collect();
    assert_eq!(found, want, "exactly the stalled uploads");
    // The script agrees (unique ids: none is a prefix of another).
    let theirs = script(&flog);
    let ours = check(&[&flog], false);
    assert_eq!(ours.stdout, theirs.stdout);
    assert_eq!(ours.stdout.iter().filter(|&&b| b == b'\n').count(), STALLED);
    eprintln!(
        "crash test: {completed} completed requests paired, {} in flight listed",
        found.len()
    );
}

#[test]
fn configuration_errors() {
    let dir = tempdir("conf");
    let run = |conf: &str| {
        std::fs::write(
            dir.0.join("conf/httpd.conf"),
            format!(
                "Listen 127.0.0.1:1\nDocumentRoot htdocs\n{conf}\
                 LoadModule log_forensic_module modules/mod_log_forensic.so\n"
            ),
        )
        .unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_spoor"))
            .args(["-t", "-f", "conf/httpd.conf", "-d"])
            .arg(&dir.0)
            .output()
            .unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (ok, err) = run("ForensicLog nodir/forensic.log\n");
    assert!(
        !ok && err.contains("AH00651: could not open forensic log file"),
        "{err}"
    );
    let (ok, err) = run("ForensicLog \"|/nonexistent/prog arg\"\n");
    assert!(
        !ok && err.contains("AH00650: couldn't spawn forensic log pipe"),
        "{err}"
    );
    let (ok, err) = run("ForensicLog a b\n");
    assert!(
        !ok && err.contains("ForensicLog takes one argument"),
        "{err}"
    );
    let (ok, err) = run("<Directory />\nForensicLog logs/f.log\n</Directory>\n");
    assert!(!ok && err.contains("ForensicLog not allowed"), "{err}");
    let (ok, err) = run("<VirtualHost *:1>\nForensicLog logs/v.log\n</VirtualHost>\n");
    assert!(ok, "{err}");
}

/// `spoor check-forensic` streams: on a 60 MB log of 300,000 finished
/// requests and a few unfinished ones, its peak memory (the child's
/// ru_maxrss from wait4) stays far below the file's size, and it lists
/// exactly the unfinished ones.
#[test]
fn check_forensic_streams_in_bounded_memory() {
    let dir = tempdir("stream");
    let path = dir.0.join("big.log");
    let mut unfinished = Vec::new();
    {
        let mut w = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
        let headers = "|Host:www.example.test|User-Agent:Mozilla/5.0 (X11; Linux x86_64) \
                       Gecko/20100101 Firefox/120.0|Accept:text/html,application/xhtml+xml\
                       |Accept-Language:en-US,en;q=0.5|Accept-Encoding:gzip, deflate";
        for i in 0..300_000u32 {
            let id = format!("{:027x}", u64::from(i).wrapping_mul(0x9e37_79b9_7f4a_7c15));
            writeln!(w, "+{id}|GET /page/{i}?q=1 HTTP/1.1{headers}").unwrap();
            if i % 50_000 == 7 {
                unfinished.push(format!("+{id}|GET /page/{i}?q=1 HTTP/1.1{headers}"));
            } else {
                writeln!(w, "-{id}").unwrap();
            }
        }
        w.flush().unwrap();
    }
    let size = std::fs::metadata(&path).unwrap().len();
    assert!(size > 60 << 20, "the log is {size} bytes");
    // Reaped below with wait4, which also gives its peak memory.
    #[allow(clippy::zombie_processes)]
    let mut child = Command::new(env!("CARGO_BIN_EXE_spoor"))
        .arg("check-forensic")
        .arg(&path)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id() as libc::pid_t;
    let mut out = Vec::new();
    child.stdout.take().unwrap().read_to_end(&mut out).unwrap();
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value for wait4 to fill.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `pid` is this test's own child, not reaped yet (`child` is
    // never waited on); status and usage are valid pointers.
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(r, pid);
    assert_eq!(libc::WEXITSTATUS(status), 1, "unfinished requests exist");
    unfinished.sort();
    let mut want = unfinished.join("\n");
    want.push('\n');
    assert_eq!(String::from_utf8_lossy(&out), want);
    let peak_kib = usage.ru_maxrss as u64;
    assert!(
        peak_kib * 1024 < size / 4,
        "check-forensic peaked at {peak_kib} KiB on a {size}-byte log"
    );
}
