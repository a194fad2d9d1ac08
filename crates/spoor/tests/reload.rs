//! Reloads that cannot harm the running server, through the binary: a new
//! configuration that nests too deeply, includes /dev/zero or a FIFO,
//! expands a `Define` exponentially or never finishes opening its logs is
//! refused with exactly one line while the old configuration keeps
//! serving, memory stays bounded, and SIGTERM still stops the server. A
//! changed `Listen` moves the port; a changed `PidFile` is written.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

mod common;
use common::{free_port, TempDir};

/// A running spoor whose standard error is read line by line.
struct Spoor {
    child: Child,
    lines: Receiver<String>,
}

impl Drop for Spoor {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Spoor {
    /// `spoor -f spoor.conf -d DIR --reload-timeout 3`, once it has
    /// printed a `listening on` line for every address.
    fn start(dir: &Path, listeners: usize) -> Spoor {
        let mut child = Command::new(env!("CARGO_BIN_EXE_spoor"))
            .args(["-f", "spoor.conf", "--reload-timeout", "3", "-d"])
            .arg(dir)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let err = child.stderr.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for l in BufReader::new(err).lines() {
                let Ok(l) = l else { break };
                if tx.send(l).is_err() {
                    break;
                }
            }
        });
        let s = Spoor { child, lines: rx };
        // Started as root, spoor first says which account it serves as
        // (root is given up before any socket accepts), then what it
        // listens on.
        if common::is_root() {
            let l = s.line();
            assert!(l.starts_with("spoor: serving as user "), "{l}");
        }
        for _ in 0..listeners {
            let l = s.line();
            assert!(l.starts_with("spoor: listening on "), "{l}");
        }
        s
    }

    /// The next line of standard error (at most 20 s away).
    fn line(&self) -> String {
        self.lines
            .recv_timeout(Duration::from_secs(20))
            .expect("a line on standard error")
    }

    /// Asserts nothing more was printed within `d`.
    fn quiet(&self, d: Duration) {
        if let Ok(l) = self.lines.recv_timeout(d) {
            panic!("unexpected line: {l}");
        }
    }

    fn signal(&self, sig: libc::c_int) {
        // SAFETY: signalling our own child.
        unsafe { libc::kill(self.child.id() as i32, sig) };
    }

    /// Waits (at most 10 s) until one of spoor's threads is blocked
    /// opening a FIFO that has no reader: the kernel reports such a
    /// thread's wait channel as `wait_for_partner`.
    fn wait_for_fifo_open(&self) {
        let tasks = format!("/proc/{}/task", self.child.id());
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let blocked = std::fs::read_dir(&tasks).unwrap().any(|t| {
                std::fs::read_to_string(t.unwrap().path().join("wchan"))
                    .is_ok_and(|w| w == "wait_for_partner")
            });
            if blocked {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "no thread of spoor blocked opening the FIFO within 10 s"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// VmRSS and VmHWM (peak) in KiB.
    fn memory(&self) -> (u64, u64) {
        let s = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let field = |name: &str| {
            s.lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.trim().trim_end_matches(" kB").parse().ok())
                .unwrap()
        };
        (field("VmRSS:"), field("VmHWM:"))
    }

    /// SIGTERM, then the exit status within 10 s.
    fn stop(mut self) {
        self.signal(libc::SIGTERM);
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(st) = self.child.try_wait().unwrap() {
                assert!(st.success(), "{st:?}");
                return;
            }
            assert!(Instant::now() < deadline, "spoor did not stop on SIGTERM");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// The status line of `GET /index.html` on `port`, within 5 s.
fn get(port: u16) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s.write_all(b"GET /index.html HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out.lines().next().unwrap_or_default().to_owned()
}

fn site(tag: &str) -> TempDir {
    let t = TempDir::create(
        &format!("reload-{tag}"),
        &["htdocs", "logs"],
        &[("htdocs/index.html", "hello\n")],
    );
    // Started as root, spoor serves as nobody: a reload reopens the logs
    // and writes pid files there as that account (a log made by root at
    // start could not be reopened: made here, it is nobody's).
    t.write("logs/access.log", "");
    t.give_to_server("logs");
    t.give_to_server("logs/access.log");
    t
}

fn good(port: u16, extra: &str) -> String {
    format!(
        "Listen 127.0.0.1:{port}\nServerName t\nDocumentRoot htdocs\n\
         CustomLog logs/access.log \"%U %>s\"\n{extra}\
         LoadModule mime_module modules/mod_mime.so\n"
    )
}

fn mkfifo(p: &Path) {
    let c = std::ffi::CString::new(p.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    // A reload after the privilege drop opens it as the server's account.
    common::give_to_server(p);
}

const FAILED: &str = "spoor: reload failed, the old configuration keeps serving: ";

#[test]
fn bad_reloads_keep_the_old_configuration_serving() {
    let t = site("bad");
    let port = free_port();
    let conf = t.0.join("spoor.conf");
    let c = conf.display().to_string();
    std::fs::write(&conf, good(port, "")).unwrap();
    mkfifo(&t.0.join("fifo"));
    let s = Spoor::start(&t.0, 1);
    assert_eq!(get(port), "HTTP/1.1 200 OK");

    let nested = |n: usize| {
        format!(
            "{}{}{}",
            "<IfDefine !NOPE>\n".repeat(n),
            good(port, ""),
            "</IfDefine>\n".repeat(n)
        )
    };
    let mut exponential = String::from("Define V0 0123456789abcdef\n");
    for i in 1..=40 {
        exponential.push_str(&format!("Define V{i} ${{V{}}}${{V{}}}\n", i - 1, i - 1));
    }
    exponential.push_str(&good(port, ""));
    let deep = format!(
        "{c}:257: <IfDefine> nested too deeply: at most 256 sections may be open at once \
         (spoor's limit)"
    );
    let cases: Vec<(String, String)> = vec![
        (nested(2_000), deep.clone()),
        (nested(100_000), deep),
        (
            format!("Include /dev/zero\n{}", good(port, "")),
            format!(
                "{c}:1: Could not open configuration file /dev/zero: AH00554: Access to file \
                 /dev/zero denied by server: not a regular file"
            ),
        ),
        (
            good(port, "Include fifo\n"),
            format!(
                "{c}:5: Could not open configuration file {d}/fifo: AH00554: Access to file \
                 {d}/fifo denied by server: not a regular file",
                d = t.0.display()
            ),
        ),
        (
            exponential,
            format!(
                "{c}:21: Line too long after ${{}} substitution: more than 16777215 bytes \
                 (spoor's limit)"
            ),
        ),
        (
            good(port, "Frobnicate on\n"),
            format!(
                "{c}:5: Invalid command 'Frobnicate', perhaps misspelled or defined by a module \
                 not included in the server configuration"
            ),
        ),
    ];
    for (text, why) in &cases {
        std::fs::write(&conf, text).unwrap();
        let start = Instant::now();
        s.signal(libc::SIGHUP);
        assert_eq!(s.line(), format!("{FAILED}{why}"));
        assert!(start.elapsed() < Duration::from_secs(10));
        assert_eq!(get(port), "HTTP/1.1 200 OK");
        let (rss, _) = s.memory();
        assert!(rss < 200 * 1024, "VmRSS {rss} kB after: {why}");
    }

    // A log that is a FIFO without a reader blocks its open (in httpd
    // too): the time bound gives up, and a SIGHUP while that reload's
    // thread still runs is refused.
    std::fs::write(&conf, good(port, "CustomLog fifo \"%U\"\n")).unwrap();
    let start = Instant::now();
    s.signal(libc::SIGHUP);
    assert_eq!(
        s.line(),
        format!(
            "{FAILED}not done after 3 s (--reload-timeout); it is abandoned, and a reload \
             before it ends is refused"
        )
    );
    assert!(start.elapsed() >= Duration::from_millis(2900));
    assert_eq!(get(port), "HTTP/1.1 200 OK");
    std::fs::write(&conf, good(port, "")).unwrap();
    s.signal(libc::SIGHUP);
    assert_eq!(
        s.line(),
        "spoor: reload refused, the previous reload is still running; the current \
         configuration keeps serving"
    );
    // A reader lets the abandoned reload finish; its result is dropped.
    let reader = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(t.0.join("fifo"))
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        s.signal(libc::SIGHUP);
        let l = s.line();
        if l == "spoor: configuration reloaded, logs reopened" {
            break;
        }
        assert!(l.starts_with("spoor: reload refused"), "{l}");
        assert!(
            Instant::now() < deadline,
            "the abandoned reload never ended"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    drop(reader);
    assert_eq!(get(port), "HTTP/1.1 200 OK");
    s.quiet(Duration::from_millis(300));
    let (rss, hwm) = s.memory();
    eprintln!("VmRSS {rss} kB, VmHWM {hwm} kB");
    assert!(hwm < 256 * 1024, "peak VmHWM {hwm} kB");
    s.stop();
    let log = std::fs::read_to_string(t.0.join("logs/access.log")).unwrap();
    assert_eq!(log, "/index.html 200\n".repeat(cases.len() + 3));
}

#[test]
fn a_changed_listen_moves_the_port_and_pid_file() {
    let t = site("listen");
    let (p1, p2) = (free_port(), free_port());
    let conf = t.0.join("spoor.conf");
    std::fs::write(&conf, good(p1, "PidFile logs/a.pid\n")).unwrap();
    let s = Spoor::start(&t.0, 1);
    let pid = format!("{}\n", s.child.id());
    // Written just after the sockets are bound.
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::fs::read_to_string(t.0.join("logs/a.pid"))
        .ok()
        .as_ref()
        != Some(&pid)
    {
        assert!(Instant::now() < deadline, "no pid file");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(get(p1), "HTTP/1.1 200 OK");
    // A keep-alive connection accepted on p1 before the move.
    let mut ka = TcpStream::connect(("127.0.0.1", p1)).unwrap();
    ka.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let req = b"GET /index.html HTTP/1.1\r\nHost: t\r\n\r\n";
    let mut buf = [0u8; 4096];
    ka.write_all(req).unwrap();
    let n = ka.read(&mut buf).unwrap();
    assert!(buf[..n].starts_with(b"HTTP/1.1 200 OK"));

    std::fs::write(&conf, good(p2, "PidFile logs/b.pid\n")).unwrap();
    s.signal(libc::SIGHUP);
    assert_eq!(
        s.line(),
        format!("spoor: no longer listening on 127.0.0.1:{p1}")
    );
    assert_eq!(s.line(), format!("spoor: listening on 127.0.0.1:{p2}"));
    assert_eq!(s.line(), "spoor: configuration reloaded, logs reopened");
    assert_eq!(get(p2), "HTTP/1.1 200 OK");
    // The old listener closes when its accept loop has seen the stop,
    // a moment after the line: wait (bounded) for p1 to refuse.
    let deadline = Instant::now() + Duration::from_secs(5);
    while TcpStream::connect(("127.0.0.1", p1)).is_ok() {
        assert!(Instant::now() < deadline, "p1 still accepts");
        std::thread::sleep(Duration::from_millis(20));
    }
    // The connection accepted on p1 is still served.
    ka.write_all(req).unwrap();
    let n = ka.read(&mut buf).unwrap();
    assert!(buf[..n].starts_with(b"HTTP/1.1 200 OK"));
    drop(ka);
    // httpd writes the new pid file and leaves the old one.
    assert_eq!(
        std::fs::read_to_string(t.0.join("logs/b.pid")).unwrap(),
        pid
    );
    assert_eq!(
        std::fs::read_to_string(t.0.join("logs/a.pid")).unwrap(),
        pid
    );

    // An address that cannot be bound fails the whole reload: p2 keeps
    // serving, and the other new address is not bound.
    let held = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let h = held.local_addr().unwrap().port();
    let p3 = free_port();
    std::fs::write(
        &conf,
        good(
            p2,
            &format!("Listen 127.0.0.1:{p3}\nListen 127.0.0.1:{h}\n"),
        ),
    )
    .unwrap();
    s.signal(libc::SIGHUP);
    assert_eq!(
        s.line(),
        format!(
            "{FAILED}AH00072: make_sock: could not bind to address 127.0.0.1:{h}: Address \
             already in use (os error 98)"
        )
    );
    assert_eq!(get(p2), "HTTP/1.1 200 OK");
    assert!(TcpStream::connect(("127.0.0.1", p3)).is_err(), "p3 bound");
    drop(held);
    // Adding an address keeps the old one.
    std::fs::write(&conf, good(p2, &format!("Listen 127.0.0.1:{p3}\n"))).unwrap();
    s.signal(libc::SIGHUP);
    assert_eq!(s.line(), format!("spoor: listening on 127.0.0.1:{p3}"));
    assert_eq!(s.line(), "spoor: configuration reloaded, logs reopened");
    assert_eq!(get(p2), "HTTP/1.1 200 OK");
    assert_eq!(get(p3), "HTTP/1.1 200 OK");
    s.quiet(Duration::from_millis(200));
    s.stop();
    // At exit the pid file written last is removed, as httpd removes its
    // own.
    assert!(!t.0.join("logs/b.pid").exists());
}

#[test]
fn check_mode_refuses_the_same_configurations_at_once() {
    let t = site("t");
    mkfifo(&t.0.join("fifo"));
    let port = free_port();
    let run = |text: &str| {
        std::fs::write(t.0.join("spoor.conf"), text).unwrap();
        let start = Instant::now();
        let out = Command::new(env!("CARGO_BIN_EXE_spoor"))
            .args(["-t", "-f", "spoor.conf", "-d"])
            .arg(&t.0)
            .output()
            .unwrap();
        assert!(start.elapsed() < Duration::from_secs(20));
        assert!(!out.status.success());
        String::from_utf8(out.stderr).unwrap()
    };
    let c = t.0.join("spoor.conf").display().to_string();
    let nested = format!(
        "{}{}",
        "<IfDefine !NOPE>\n".repeat(100_000),
        "</IfDefine>\n".repeat(100_000)
    );
    assert_eq!(
        run(&nested),
        format!(
            "spoor: Syntax error on line 257 of {c}: <IfDefine> nested too deeply: at most 256 \
             sections may be open at once (spoor's limit)\n"
        )
    );
    assert_eq!(
        run(&good(port, "Include /dev/zero\n")),
        format!(
            "spoor: Syntax error on line 5 of {c}: Could not open configuration file \
             /dev/zero: AH00554: Access to file /dev/zero denied by server: not a regular file\n"
        )
    );
    // TypesConfig is read by the same rules.
    assert_eq!(
        run(&good(port, "TypesConfig fifo\n")),
        format!(
            "spoor: could not open mime types config file {d}/fifo: AH00554: Access to file \
             {d}/fifo denied by server: not a regular file\n",
            d = t.0.display()
        )
    );
    // So is a WASD configuration, and the main file itself (httpd's
    // wording capitalises the second).
    for (flag, could) in [("--wasd", "could"), ("-f", "Could")] {
        let out = Command::new(env!("CARGO_BIN_EXE_spoor"))
            .args(["-t", flag, "fifo", "-d"])
            .arg(&t.0)
            .output()
            .unwrap();
        assert_eq!(
            String::from_utf8(out.stderr).unwrap(),
            format!(
                "spoor: {could} not open configuration file {d}/fifo: AH00554: Access to file \
                 {d}/fifo denied by server: not a regular file\n",
                d = t.0.display()
            )
        );
    }
}

#[test]
fn sigterm_stops_the_server_while_a_reload_hangs() {
    let t = site("term");
    let port = free_port();
    let conf = t.0.join("spoor.conf");
    std::fs::write(&conf, good(port, "")).unwrap();
    mkfifo(&t.0.join("fifo"));
    let s = Spoor::start(&t.0, 1);
    // The reload blocks opening a log FIFO nobody reads.
    std::fs::write(&conf, good(port, "CustomLog fifo \"%U\"\n")).unwrap();
    s.signal(libc::SIGHUP);
    s.wait_for_fifo_open();
    assert_eq!(get(port), "HTTP/1.1 200 OK");
    let start = Instant::now();
    s.stop();
    assert!(start.elapsed() < Duration::from_secs(5));
    assert_eq!(
        std::fs::read_to_string(t.0.join("logs/access.log")).unwrap(),
        "/index.html 200\n"
    );
}
