//! mod_reqtimeout on the wire, with slow clients on loopback.
//!
//! * `slow_clients_as_apache2`: the same configuration
//!   (`RequestReadTimeout header=1-5,MinRate=1 body=1-5,MinRate=4`) and
//!   the same slow clients (a partial request line, a line sent in two
//!   pieces, a partial header, a head sent a byte at a time within the
//!   rate, a stalled body, a stalled second request on a kept
//!   connection) to spoor and, when installed, to apache2: each client
//!   sees the connection end at the time httpd's deadline model gives
//!   (measured on apache2 2.4.67; a window of -50/+700 ms), with the same
//!   response status, and the access-log lines (`%D` left out) and the
//!   error-log messages (AH01382 at `reqtimeout:info`, AH00567) are the
//!   same on both servers.
//! * `disabled_and_not_loaded`: `header=0 body=0`, and the module not
//!   loaded: `Timeout` alone ends the wait and no AH01382 is written.
//!
//! Every client is bounded: at most 8 s each, all running at once.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

mod common;
use common::{free_port, TempDir};

const APACHE: &str = "/usr/sbin/apache2";
const MODULES: &str = "/usr/lib/apache2/modules";

/// One step of a client.
#[derive(Clone, Copy)]
enum Step {
    /// Send these bytes.
    Send(&'static [u8]),
    /// Send these bytes one at a time, this many ms apart.
    Slow(&'static [u8], u64),
    /// Wait this many ms.
    Wait(u64),
}

/// A client: its steps, then it reads until the server closes.
struct Client {
    name: &'static str,
    steps: &'static [Step],
    /// When the server should close, in ms from the connection's start.
    closes_at: u64,
    /// The first status line's code in what the client receives (None:
    /// nothing at all).
    status: Option<&'static str>,
}

const CLIENTS: &[Client] = &[
    Client {
        name: "partial request line",
        steps: &[Step::Send(b"GET / HT")],
        closes_at: 1000,
        status: None,
    },
    Client {
        name: "request line in two pieces",
        steps: &[Step::Send(b"GET"), Step::Wait(500), Step::Send(b" / HT")],
        closes_at: 4000,
        status: None,
    },
    Client {
        name: "partial header",
        steps: &[Step::Send(b"GET /a.html HTTP/1.1\r\nHo")],
        closes_at: 5000,
        status: Some("408"),
    },
    Client {
        name: "byte at a time within the rate",
        steps: &[Step::Slow(
            b"GET /a.html HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
            60,
        )],
        closes_at: 3120,
        status: Some("200"),
    },
    Client {
        name: "stalled body",
        steps: &[Step::Send(
            b"POST /a.html HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabcd",
        )],
        closes_at: 2000,
        status: Some("408"),
    },
    Client {
        name: "stalled second request",
        steps: &[
            Step::Send(b"GET /a.html HTTP/1.1\r\nHost: x\r\n\r\n"),
            Step::Wait(300),
            Step::Send(b"GET /a.html HT"),
        ],
        closes_at: 1300,
        status: Some("200"),
    },
];

/// Runs one client against `port`: when the connection ended (ms) and
/// what came back.
fn run(port: u16, c: &Client) -> (u64, Vec<u8>) {
    let t0 = Instant::now();
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(8))).unwrap();
    for step in c.steps {
        match *step {
            Step::Send(b) => {
                let _ = s.write_all(b);
            }
            Step::Slow(b, ms) => {
                for byte in b {
                    let _ = s.write_all(std::slice::from_ref(byte));
                    std::thread::sleep(Duration::from_millis(ms));
                }
            }
            Step::Wait(ms) => std::thread::sleep(Duration::from_millis(ms)),
        }
    }
    let mut got = Vec::new();
    let _ = s.read_to_end(&mut got);
    (t0.elapsed().as_millis() as u64, got)
}

fn config(port: u16, root: &Path, extra: &str, load: bool) -> String {
    let r = root.display();
    format!(
        "{apache}{load}ServerName localhost\n\
         Listen 127.0.0.1:{port}\n\
         ServerRoot {r}\n\
         PidFile {r}/logs/pid\n\
         DocumentRoot {r}/htdocs\n\
         ErrorLog {r}/logs/error.log\n\
         LogLevel warn reqtimeout:info core:debug\n\
         LogFormat \"%h \\\"%r\\\" %>s %b %I %k %X\" t\n\
         CustomLog {r}/logs/access.log t\n\
         KeepAlive On\n\
         <Directory {r}/htdocs>\n\
         Require all granted\n\
         </Directory>\n\
         {extra}\n",
        apache = "<IfDefine APACHE>\n\
                  LoadModule mpm_event_module {MODULES}/mod_mpm_event.so\n\
                  </IfDefine>\n\
                  LoadModule authz_core_module {MODULES}/mod_authz_core.so\n"
            .replace("{MODULES}", MODULES),
        load = if load {
            format!("LoadModule reqtimeout_module {MODULES}/mod_reqtimeout.so\n")
        } else {
            String::new()
        },
    )
}

/// A server under test, stopped on drop.
struct Server {
    child: Child,
    apache: bool,
    root: std::path::PathBuf,
}

impl Server {
    fn start(dir: &TempDir, port: u16, conf: &str, apache: bool) -> Server {
        dir.write("httpd.conf", conf);
        let f = dir.0.join("httpd.conf");
        let child = if apache {
            Command::new(APACHE)
                .args(["-D", "APACHE", "-D", "FOREGROUND", "-f"])
                .arg(&f)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap()
        } else {
            Command::new(env!("CARGO_BIN_EXE_spoor"))
                .arg("-f")
                .arg(&f)
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
        Server {
            child,
            apache,
            root: dir.0.clone(),
        }
    }

    fn log(&self, name: &str) -> String {
        std::fs::read_to_string(self.root.join("logs").join(name)).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // SAFETY: kill with a child's own pid.
        unsafe {
            libc::kill(self.child.id() as i32, libc::SIGTERM);
        }
        let until = Instant::now() + Duration::from_secs(10);
        while Instant::now() < until {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = self.apache;
    }
}

fn site(tag: &str) -> TempDir {
    TempDir::create(tag, &["htdocs", "logs"], &[("htdocs/a.html", "hello\n")])
}

/// The status code of the first response in `got`.
fn status(got: &[u8]) -> Option<String> {
    let s = String::from_utf8_lossy(got);
    s.strip_prefix("HTTP/1.1 ")
        .map(|r| r.split(' ').next().unwrap_or("").to_string())
}

/// The error-log lines' module, level and message (time, pid, tid and
/// client port left out), those of the startup excepted.
fn messages(log: &str) -> Vec<String> {
    let mut v: Vec<String> = log
        .lines()
        .filter(|l| l.contains("AH01382") || l.contains("AH00567"))
        .map(|l| {
            let module = l.split("] [").nth(1).unwrap_or("").to_string();
            let msg = l.rsplit("] ").next().unwrap_or("").to_string();
            format!("[{module}] {msg}")
        })
        .collect();
    v.sort();
    v
}

fn sorted_lines(log: &str) -> Vec<String> {
    let mut v: Vec<String> = log.lines().map(str::to_string).collect();
    v.sort();
    v
}

/// Runs every client at once against `port`; checks each one's timing
/// and status.
fn run_all(port: u16, who: &str) {
    let results: Vec<(u64, Vec<u8>)> = std::thread::scope(|s| {
        let hs: Vec<_> = CLIENTS
            .iter()
            .map(|c| s.spawn(move || run(port, c)))
            .collect();
        hs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for (c, (ms, got)) in CLIENTS.iter().zip(results) {
        assert!(
            ms + 50 >= c.closes_at && ms <= c.closes_at + 700,
            "{who}: {}: closed after {ms} ms, expected {} ms",
            c.name,
            c.closes_at
        );
        assert_eq!(
            status(&got).as_deref(),
            c.status,
            "{who}: {}: {:?}",
            c.name,
            String::from_utf8_lossy(&got)
        );
    }
}

#[test]
fn slow_clients_as_apache2() {
    let rt = "RequestReadTimeout header=1-5,MinRate=1 body=1-5,MinRate=4";
    let mut logs = Vec::new();
    let sides: &[bool] = if Path::new(APACHE).exists() {
        &[false, true]
    } else {
        &[false]
    };
    for &apache in sides {
        let dir = site(if apache { "rt-apache" } else { "rt-spoor" });
        let port = free_port();
        let srv = Server::start(&dir, port, &config(port, &dir.0, rt, true), apache);
        let who = if apache { "apache2" } else { "spoor" };
        run_all(port, who);
        // The lines are written before the close each client saw.
        std::thread::sleep(Duration::from_millis(300));
        let access = sorted_lines(&srv.log("access.log"));
        let errors = messages(&srv.log("error.log"));
        drop(srv);
        logs.push((who, access, errors));
    }
    let (_, access, errors) = &logs[0];
    assert_eq!(
        access,
        &[
            "127.0.0.1 \"-\" 408 - 8 0 -",
            "127.0.0.1 \"-\" 408 - 8 0 -",
            "127.0.0.1 \"GET /a.html HTTP/1.1\" 200 6 33 0 +",
            "127.0.0.1 \"GET /a.html HTTP/1.1\" 200 6 52 0 -",
            "127.0.0.1 \"GET /a.html HTTP/1.1\" 408 261 24 0 -",
            "127.0.0.1 \"POST /a.html HTTP/1.1\" 408 261 59 0 -",
        ]
    );
    let header = "[reqtimeout:info] AH01382: Request header read timeout";
    let body = "[reqtimeout:info] AH01382: Request body read timeout";
    let debug = "[core:debug] AH00567: request failed: error reading the headers";
    assert_eq!(
        errors,
        &[debug, body, header, header, header, header]
            .map(str::to_string)
            .to_vec()
    );
    if let Some((_, a_access, a_errors)) = logs.get(1) {
        assert_eq!(access, a_access, "access logs differ from apache2's");
        assert_eq!(errors, a_errors, "error-log messages differ from apache2's");
    }
}

#[test]
fn disabled_and_not_loaded() {
    for (tag, extra, load) in [
        (
            "rt-off",
            "Timeout 1\nRequestReadTimeout header=0 body=0",
            true,
        ),
        ("rt-none", "Timeout 1", false),
    ] {
        let dir = site(tag);
        let port = free_port();
        let srv = Server::start(&dir, port, &config(port, &dir.0, extra, load), false);
        let c = Client {
            name: "partial header under Timeout 1",
            steps: &[Step::Send(b"GET /a.html HTTP/1.1\r\nHo")],
            closes_at: 1000,
            status: Some("408"),
        };
        let (ms, got) = run(port, &c);
        assert!((950..=1700).contains(&ms), "{tag}: closed after {ms} ms");
        assert_eq!(status(&got).as_deref(), c.status, "{tag}");
        std::thread::sleep(Duration::from_millis(300));
        assert!(
            !srv.log("error.log").contains("AH01382"),
            "{tag}: {}",
            srv.log("error.log")
        );
        assert!(srv.log("error.log").contains("AH00567"), "{tag}");
    }
}
