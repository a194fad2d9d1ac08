//! README.md's examples, copied out of the README when the test runs and
//! run as printed, so a README change that breaks one fails here.
//!
//! How an example is found: the README's code blocks are its indented
//! (four spaces) runs of lines and its fenced blocks. A configuration file
//! is a block whose first line is `# site/NAME.conf`; it is written to
//! that path without its first line. The shell lines are taken from the
//! blocks around it: `mkdir …` lines run with `sh -c`, `cargo run
//! --release -p spoor -- ARGS` runs the spoor binary built for this test
//! with ARGS, `curl …` lines run with `sh -c`, and a comment starting with
//! `# ->` states the result checked.
//!
//! The only rewrites: the port 8080 becomes a free loopback port, `cargo
//! run …` becomes the built binary, and everything runs in a fresh
//! temporary directory (the current directory of every command), so the
//! examples' relative `site/` lands there. Spoor runs with `TZ=UTC0` so
//! the dates in periodic file names are the test's UTC dates.
//!
//! The no-configuration run listens on the fixed port 8080 (no rewrite
//! there): it runs in a network namespace of its own, so it needs root.
//! The command lines of the User/Group, check-forensic, benchmark and
//! fuzzing sections are checked as far as this machine allows: the
//! configuration fragment is loaded (and served from, as root), the
//! check-forensic lines run on a log written here, and the benchmark and
//! fuzz lines name targets and files that exist.
//!
//! The WASD example is run by `wasd_config.rs` (`readme_example_runs`).
//! The Rust example of the engine is the body of [`engine_example`] below,
//! between its marker comments, and is checked equal to the README's
//! `rust` block.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

mod common;
use common::{free_port, TempDir};

use spoor_log::sink::periodic::{Date, Weekday};
use spoor_log::sink::Period;

fn readme() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md")).unwrap()
}

/// The README's code blocks, in order, without their indentation or
/// fences; a fenced block's first element is its fence line.
fn blocks(text: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut cur: Vec<String> = Vec::new();
    let mut fenced = false;
    for line in text.lines() {
        if fenced {
            if line.starts_with("```") {
                out.push(std::mem::take(&mut cur));
                fenced = false;
            } else {
                cur.push(line.to_string());
            }
        } else if line.starts_with("```") {
            fenced = true;
            cur = vec![line.to_string()];
        } else if let Some(l) = line.strip_prefix("    ") {
            cur.push(l.to_string());
        } else if !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// The index of the block whose first line is `first`.
fn find(blocks: &[Vec<String>], first: &str) -> usize {
    blocks
        .iter()
        .position(|b| b.first().map(String::as_str) == Some(first))
        .unwrap_or_else(|| panic!("README has no block starting with {first:?}"))
}

/// A spoor started from a README line, stopped with SIGTERM (killed after
/// 10 s) when dropped.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        // SAFETY: signalling our own child.
        unsafe { libc::kill(self.0.id() as i32, libc::SIGTERM) };
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.0.try_wait().unwrap().is_none() {
            if Instant::now() > deadline {
                let _ = self.0.kill();
                let _ = self.0.wait();
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

/// One README example in its own temporary directory.
struct Example {
    dir: TempDir,
    port: u16,
}

impl Example {
    fn new(tag: &str) -> Example {
        Example {
            dir: TempDir::create(&format!("readme-{tag}"), &[], &[]),
            port: free_port(),
        }
    }

    /// The port rewrite.
    fn port(&self, s: &str) -> String {
        s.replace("8080", &self.port.to_string())
    }

    /// Writes a `# site/NAME.conf` block to its path.
    fn write_config(&self, block: &[String]) {
        let path = block[0].strip_prefix("# ").unwrap();
        let text: String = block[1..].iter().map(|l| self.port(l) + "\n").collect();
        self.dir.write(path, &text);
    }

    /// A shell line (`mkdir`, `curl`) through `sh -c`; its standard output.
    fn sh(&self, line: &str) -> String {
        let out = Command::new("sh")
            .arg("-c")
            .arg(self.port(line))
            .current_dir(&self.dir.0)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{line}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// A `cargo run --release -p spoor -- ARGS` line as a command.
    fn spoor(&self, line: &str) -> Command {
        let args = match line.strip_prefix("cargo run --release -p spoor") {
            Some("") => "",
            Some(rest) => rest
                .strip_prefix(" -- ")
                .unwrap_or_else(|| panic!("not a spoor command: {line}")),
            None => panic!("not a spoor command: {line}"),
        };
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_spoor"));
        cmd.args(args.split_whitespace())
            .current_dir(&self.dir.0)
            .env("TZ", "UTC0");
        cmd
    }

    /// Starts a server line and waits (at most 10 s) until it listens.
    fn start(&self, line: &str) -> Server {
        let child = self.spoor(line).stderr(Stdio::inherit()).spawn().unwrap();
        let mut s = Server(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(s.0.try_wait().unwrap().is_none(), "spoor exited: {line}");
            assert!(Instant::now() < deadline, "spoor did not start: {line}");
            std::thread::sleep(Duration::from_millis(20));
        }
        s
    }

    /// The content of `rel` once it has `lines` lines (at most 10 s).
    fn wait_lines(&self, rel: &str, lines: usize) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let text = std::fs::read_to_string(self.dir.0.join(rel)).unwrap_or_default();
            if text.lines().count() >= lines || Instant::now() > deadline {
                return text;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// A log line with what changes from run to run masked: the `[…]` time,
/// curl's version and a number ending the line (a duration).
fn mask(line: &str) -> String {
    let mut s = line.trim().to_string();
    if let (Some(a), Some(b)) = (s.find('['), s.find(']')) {
        s.replace_range(a..=b, "[T]");
    }
    if let Some(a) = s.find("curl/") {
        let b = s[a..].find('"').map_or(s.len(), |b| a + b);
        s.replace_range(a..b, "curl/V");
    }
    let digits = s.len() - s.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    if digits > 0 && s.len() > digits && s.as_bytes()[s.len() - digits - 1] == b' ' {
        s.truncate(s.len() - digits);
        s.push('N');
    }
    s
}

/// The httpd.conf example: its folders, `-t`, the server, and both curl
/// requests with the body and the log line the README shows.
#[test]
fn httpd_conf_example_runs_as_printed() {
    let text = readme();
    let b = blocks(&text);
    let conf = find(&b, "# site/spoor.conf");
    let ex = Example::new("httpd");
    ex.write_config(&b[conf]);
    let cmds = &b[conf - 1];
    let mut server = None;
    for (i, line) in cmds.iter().enumerate() {
        if line.starts_with("mkdir ") {
            ex.sh(line);
        } else if line.ends_with(" -t") {
            let out = ex.spoor(line).output().unwrap();
            let said = String::from_utf8_lossy(&out.stderr).into_owned()
                + &String::from_utf8_lossy(&out.stdout);
            let want = cmds[i + 1].strip_prefix("# -> ").unwrap();
            assert_eq!(said.trim(), want, "{line}");
            assert!(out.status.success());
        } else if line.starts_with("cargo run") {
            server = Some(ex.start(line));
        }
    }
    assert!(server.is_some(), "the example starts no server");
    // The curl block after the configuration.
    let curls = &b[conf + 1];
    let mut checked = 0;
    for (i, line) in curls.iter().enumerate() {
        if !line.starts_with("curl ") {
            continue;
        }
        let body = ex.sh(line);
        // "# -> BODY, and in FILE:" then the log line.
        let said = curls[i + 1].strip_prefix("# -> ").unwrap();
        let (want_body, rest) = said.split_once(", and in ").unwrap();
        let file = rest.strip_suffix(':').unwrap();
        assert_eq!(body, format!("{want_body}\n"), "{line}");
        let want = curls[i + 2].strip_prefix("# ").unwrap();
        let log = ex.wait_lines(file, 1);
        let got: Vec<String> = log.lines().map(mask).collect();
        assert_eq!(got, [mask(want)], "{file}");
        checked += 1;
    }
    assert_eq!(checked, 2);
}

/// The JSON example (with the first example's folders): the logged line
/// is the JSON shown, its `time` that of the request.
#[test]
fn json_example_runs_as_printed() {
    let text = readme();
    let b = blocks(&text);
    let ex = Example::new("json");
    let first = &b[find(&b, "# site/spoor.conf") - 1];
    for line in first.iter().filter(|l| l.starts_with("mkdir ")) {
        ex.sh(line);
    }
    let conf = find(&b, "# site/json.conf");
    ex.write_config(&b[conf]);
    let start = &b[conf - 1];
    assert_eq!(start.len(), 1, "{start:?}");
    let secs = || {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs()
    };
    let server = ex.start(&start[0]);
    let curls = &b[conf + 1];
    let before = secs();
    assert_eq!(ex.sh(&curls[0]), "hello\n");
    let after = secs();
    let file = curls[1]
        .strip_prefix("# -> in ")
        .and_then(|f| f.strip_suffix(':'))
        .unwrap();
    let log = ex.wait_lines(file, 1);
    drop(server);
    let mut want: serde_json::Value =
        serde_json::from_str(curls[2].strip_prefix("# ").unwrap()).unwrap();
    let lines: Vec<&str> = log.lines().collect();
    assert_eq!(lines.len(), 1, "{log}");
    let mut got: serde_json::Value = serde_json::from_str(lines[0]).unwrap();
    let time = got["time"].as_u64().unwrap();
    assert!((before..=after).contains(&time), "{time}");
    got["time"] = 0.into();
    want["time"] = 0.into();
    assert_eq!(got, want);
}

/// Today's date in UTC and the start of its period.
fn today() -> Date {
    let us = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_micros() as i64;
    spoor_log::time::Tm::new(&spoor_log::TimeZone::UTC, us)
        .dt
        .date()
}

fn ymd(d: Date) -> String {
    format!("{:04}{:02}{:02}", d.year(), d.month(), d.day())
}

/// The periodic example: run with the first example's folders, one
/// request lands in today's, this week's and this month's files, the
/// month's directory made by spoor with the mode of `logs/`.
#[test]
fn periodic_example_runs_as_printed() {
    use std::os::unix::fs::PermissionsExt;
    let text = readme();
    let b = blocks(&text);
    let ex = Example::new("periodic");
    // The folders of the first example.
    let first = &b[find(&b, "# site/spoor.conf") - 1];
    for line in first.iter().filter(|l| l.starts_with("mkdir ")) {
        ex.sh(line);
    }
    std::fs::set_permissions(
        ex.dir.0.join("site/logs"),
        std::fs::Permissions::from_mode(0o751),
    )
    .unwrap();
    let conf = find(&b, "# site/periodic.conf");
    ex.write_config(&b[conf]);
    let start = &b[conf - 1];
    assert_eq!(start.len(), 1, "{start:?}");
    let before = today();
    let server = ex.start(&start[0]);
    let curls = &b[conf + 1];
    assert!(curls[0].starts_with("curl "), "{curls:?}");
    assert_eq!(ex.sh(&curls[0]), "hello\n");
    drop(server);
    let after = today();
    // "# -> the line in FILE (today), FILE (this week's Monday) and FILE
    // (this month; …)": each FILE holds the one line.
    let said: String = curls[1..]
        .iter()
        .map(|l| l.trim_start_matches('#').trim_start_matches(" ->").trim())
        .collect::<Vec<_>>()
        .join(" ");
    let mut files = 0;
    for (i, _) in said.match_indices("site/logs/") {
        let path = &said[i..];
        let end = path.find(' ').unwrap();
        let (path, when) = (&path[..end], &path[end + 1..]);
        let candidates: Vec<String> = [before, after]
            .iter()
            .map(|&d| {
                let monday = Period::Weekly(Weekday::Monday).start(d);
                if when.starts_with("(today)") {
                    path.replace("YYYYMMDD", &ymd(d))
                } else if when.starts_with("(this week's Monday)") {
                    path.replace("YYYYMMDD", &ymd(monday))
                } else if when.starts_with("(this month") {
                    path.replace("YYYY-MM", &format!("{:04}-{:02}", d.year(), d.month()))
                } else {
                    panic!("no date rule for {path} {when}")
                }
            })
            .collect();
        let log = candidates
            .iter()
            .map(|c| ex.wait_lines(c, 0))
            .find(|t| !t.is_empty())
            .unwrap_or_else(|| panic!("none of {candidates:?}"));
        assert_eq!(log.lines().count(), 1, "{path}: {log}");
        assert!(log.contains("\"GET /index.html HTTP/1.1\" 200 6"), "{log}");
        files += 1;
        if path.contains("YYYY-MM/") {
            let dir = ex.dir.0.join(&candidates[0]);
            let dir = dir.parent().unwrap();
            let mode = std::fs::metadata(dir).map(|m| m.permissions().mode() & 0o7777);
            assert!(
                mode.as_ref().is_ok_and(|&m| m == 0o751) || before != after,
                "{mode:?}"
            );
        }
    }
    assert_eq!(files, 3, "{said}");
}

/// The README's Rust example, verbatim between the markers (checked by
/// `rust_example_is_the_readme_one`), with the values it leaves to the
/// reader defined before it.
#[rustfmt::skip]
fn engine_example() -> Result<Vec<u8>, Box<dyn std::error::Error>> {
    let conn = Conn { client_ip: "192.0.2.7", ..Default::default() };
    let req = Request {
        request_line: Some(b"GET /index.html HTTP/1.1"),
        useragent_ip: "192.0.2.7",
        status: 200,
        bytes_sent: 6,
        body_sent: true,
        request_time_us: 1_795_320_544_000_000,
        ..Default::default()
    };
    let end_us = req.request_time_us + 800;
    // README begin
    use spoor_log::{Conn, Format, Record, Renderer, Request};

    let fmt = Format::apache(r#"%h %l %u %t "%r" %>s %b"#)?;   // compiled once
    let mut renderer = Renderer::new();                       // one per thread/connection
    let mut line = Vec::with_capacity(512);                   // reused
    renderer.render(&fmt, &Record::new(&conn, &req, end_us), &mut line);
    // README end
    Ok(line)
}

#[test]
fn rust_example_is_the_readme_one() {
    let text = readme();
    let b = blocks(&text);
    let rust: Vec<&Vec<String>> = b.iter().filter(|b| b[0] == "```rust").collect();
    assert_eq!(rust.len(), 1, "one Rust example in the README");
    let src = include_str!("readme.rs");
    let from = src.find("    // README begin\n").unwrap() + "    // README begin\n".len();
    let to = src.find("    // README end\n").unwrap();
    let ours: Vec<&str> = src[from..to]
        .lines()
        .map(|l| l.strip_prefix("    ").unwrap_or(l))
        .collect();
    assert_eq!(
        ours,
        rust[0][1..],
        "README's Rust example and engine_example differ"
    );
    let line = engine_example().unwrap();
    assert_eq!(
        mask(&String::from_utf8(line).unwrap()),
        "192.0.2.7 - - [T] \"GET /index.html HTTP/1.1\" 200 N"
    );
}

/// The code block that contains `line` (exactly, as a whole line).
fn block_with<'a>(blocks: &'a [Vec<String>], line: &str) -> &'a [String] {
    blocks
        .iter()
        .find(|b| b.iter().any(|l| l == line))
        .unwrap_or_else(|| panic!("README has no block with the line {line:?}"))
}

/// A README command line without its trailing `# comment`.
fn command(line: &str) -> &str {
    line.split("  #").next().unwrap().trim_end()
}

/// Moves the calling thread (and the processes it starts from then on)
/// into a new network namespace whose loopback interface is up; the rest
/// of the test process keeps the machine's network.
fn enter_private_network() {
    use std::io::Error;
    // SAFETY: unshare takes a flag word and only changes the calling
    // thread's namespaces; CLONE_NEWNET is allowed in a threaded process.
    let r = unsafe { libc::unshare(libc::CLONE_NEWNET) };
    assert_eq!(r, 0, "unshare(CLONE_NEWNET): {}", Error::last_os_error());
    // SAFETY: a plain socket(2) call; the descriptor is closed below.
    let fd = unsafe { libc::socket(libc::AF_INET, libc::SOCK_DGRAM | libc::SOCK_CLOEXEC, 0) };
    assert!(fd >= 0, "socket: {}", Error::last_os_error());
    // SAFETY: ifreq is plain data, valid when zeroed.
    let mut req: libc::ifreq = unsafe { std::mem::zeroed() };
    for (d, s) in req.ifr_name.iter_mut().zip(b"lo") {
        *d = *s as libc::c_char;
    }
    // SAFETY: `req` is a valid ifreq naming "lo" (NUL-terminated by the
    // zeroing); the kernel reads and writes only inside it.
    unsafe {
        assert_eq!(libc::ioctl(fd, libc::SIOCGIFFLAGS, &mut req), 0);
        req.ifr_ifru.ifru_flags |= libc::IFF_UP as libc::c_short;
        let r = libc::ioctl(fd, libc::SIOCSIFFLAGS, &req);
        let e = Error::last_os_error();
        libc::close(fd);
        assert_eq!(r, 0, "bringing lo up: {e}");
    }
    let ns = |p: &str| std::fs::read_link(p).unwrap();
    assert_ne!(
        ns("/proc/thread-self/ns/net"),
        ns("/proc/self/ns/net"),
        "this thread has a network namespace of its own"
    );
}

/// `cargo run --release -p spoor` with no configuration: the current
/// directory served on 127.0.0.1:8080, the combined log on standard
/// output. Port 8080 is fixed, so the run gets a network namespace of its
/// own (root only) where nothing else can hold the port.
#[test]
fn no_configuration_run_serves_the_current_directory() {
    assert!(
        common::is_root(),
        "this test must run as root: the README's no-configuration run listens on the \
         fixed port 127.0.0.1:8080, which only a private network namespace \
         (unshare(CLONE_NEWNET), root only) keeps free of other servers and tests; \
         run it as root, as scripts/test-all and CI do"
    );
    let text = readme();
    let b = blocks(&text);
    let line = "cargo run --release -p spoor";
    assert_eq!(block_with(&b, line), [line]);
    assert!(text.contains(
        "with no configuration it serves the current directory on\n127.0.0.1:8080 and writes \
         the combined log format to standard output"
    ));
    let ex = Example::new("noconf");
    ex.dir.write("index.html", "hello\n");
    let mut cmd = ex.spoor(line);
    let (response, logged) = std::thread::spawn(move || {
        use std::io::{BufRead, Read, Write};
        enter_private_network();
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let out = child.stdout.take().unwrap();
        let server = Server(child);
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for l in std::io::BufReader::new(out).lines() {
                let Ok(l) = l else { break };
                if tx.send(l).is_err() {
                    break;
                }
            }
        });
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut conn = loop {
            match std::net::TcpStream::connect(("127.0.0.1", 8080)) {
                Ok(c) => break c,
                Err(e) => assert!(Instant::now() < deadline, "spoor did not listen: {e}"),
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        conn.set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        conn.write_all(
            b"GET /index.html HTTP/1.1\r\nHost: localhost\r\nUser-Agent: readme-test\r\n\
              Connection: close\r\n\r\n",
        )
        .unwrap();
        let mut response = String::new();
        conn.read_to_string(&mut response).unwrap();
        let logged = rx
            .recv_timeout(Duration::from_secs(10))
            .expect("a log line on standard output");
        drop(server);
        (response, logged)
    })
    .join()
    .unwrap();
    assert!(response.starts_with("HTTP/1.1 200 OK\r\n"), "{response}");
    assert!(response.ends_with("\r\n\r\nhello\n"), "{response}");
    assert_eq!(
        mask(&logged),
        mask(
            r#"127.0.0.1 - - [04/Dec/2026:10:20:31 +0000] "GET /index.html HTTP/1.1" 200 6 "-" "readme-test""#
        )
    );
}

/// The `User`/`Group` fragment: accepted by `-t`, and as root the server
/// it configures answers as that account.
#[test]
fn user_group_fragment_loads_and_serves_as_that_user() {
    let text = readme();
    let b = blocks(&text);
    let fragment = block_with(&b, "User www-data");
    assert_eq!(fragment, ["User www-data", "Group www-data"]);
    let ex = Example::new("user");
    ex.dir.write("site/htdocs/index.html", "hello\n");
    let conf = format!(
        "Listen 127.0.0.1:{}\nDocumentRoot htdocs\n{}\n",
        ex.port,
        fragment.join("\n")
    );
    ex.dir.write("site/spoor.conf", &conf);
    let check = ex
        .spoor("cargo run --release -p spoor -- -d site -f spoor.conf -t")
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&check.stderr).trim(), "Syntax OK");
    assert!(check.status.success());
    if !common::is_root() {
        // Started as anyone else, the directives have no effect (the
        // README says so); -t above still checked the names.
        return;
    }
    let server = ex.start("cargo run --release -p spoor -- -d site -f spoor.conf");
    let status = std::fs::read_to_string(format!("/proc/{}/status", server.0.id())).unwrap();
    let ids = |field: &str| -> Vec<u32> {
        status
            .lines()
            .find_map(|l| l.strip_prefix(field))
            .unwrap()
            .split_whitespace()
            .map(|n| n.parse().unwrap())
            .collect()
    };
    let name = std::ffi::CString::new("www-data").unwrap();
    // SAFETY: a NUL-terminated name; the entry is read at once, before any
    // other getpw* call in this thread.
    let (uid, gid) = unsafe {
        let pw = libc::getpwnam(name.as_ptr());
        assert!(!pw.is_null(), "no www-data account");
        ((*pw).pw_uid, (*pw).pw_gid)
    };
    assert_eq!(ids("Uid:"), [uid; 4], "{status}");
    assert_eq!(ids("Gid:"), [gid; 4], "{status}");
    assert_eq!(
        ex.sh(&format!("curl -s http://127.0.0.1:{}/index.html", ex.port)),
        "hello\n"
    );
}

/// The three check-forensic lines, run on a rotated pair of forensic logs
/// written here: the first prints what apache2-utils' check_forensic
/// prints for the same file, the rotated set closes a request across the
/// rotation, and `--json` counts as the README says.
#[test]
fn check_forensic_lines_run_as_printed() {
    let text = readme();
    let b = blocks(&text);
    let first = "spoor check-forensic logs/forensic.log              # as httpd's check_forensic";
    let lines = block_with(&b, first);
    assert_eq!(lines.len(), 3, "{lines:?}");
    let ex = Example::new("forensic");
    ex.dir.write(
        "logs/forensic.log.1",
        "+a1|GET /one HTTP/1.1|Host:x\n-a1\n+a2|GET /two HTTP/1.1|Host:x\n",
    );
    ex.dir
        .write("logs/forensic.log", "-a2\n+a3|GET /three HTTP/1.1|Host:x\n");
    let run = |line: &str| {
        let args: Vec<&str> = command(line).split_whitespace().collect();
        assert_eq!(args[..2], ["spoor", "check-forensic"], "{line}");
        let out = Command::new(env!("CARGO_BIN_EXE_spoor"))
            .args(&args[1..])
            .current_dir(&ex.dir.0)
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(1),
            "{line}: unfinished requests exist"
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let script = Command::new("check_forensic")
        .arg("logs/forensic.log")
        .current_dir(&ex.dir.0)
        .output()
        .expect("check_forensic (apache2-utils; scripts/test-all installs it)");
    let unfinished = "+a3|GET /three HTTP/1.1|Host:x\n";
    assert_eq!(String::from_utf8(script.stdout).unwrap(), unfinished);
    assert_eq!(run(&lines[0]), unfinished);
    assert_eq!(run(&lines[1]), unfinished);
    let json: serde_json::Value = serde_json::from_str(&run(&lines[2])).unwrap();
    assert_eq!(json["incomplete"], 1, "{json}");
    assert_eq!(json["finished_without_start"], 1, "{json}");
    assert_eq!(json["requests"][0]["id"], "a3", "{json}");
    assert_eq!(
        json["requests"][0]["request_line"], "GET /three HTTP/1.1",
        "{json}"
    );
}

/// The benchmark and fuzzing lines name scripts, bench targets, examples
/// (and the modes they take), fuzz targets and corpus folders that exist
/// (`cargo metadata`, no build);
/// `bench/compare` passes `bash -n` and its options parse (`--help` of
/// the Python part, which the script execs after building spoor).
#[test]
fn bench_and_fuzz_lines_name_what_exists() {
    let text = readme();
    let b = blocks(&text);
    let root = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."));
    let bench = block_with(
        &b,
        "bench/compare                                   # spoor vs nginx, Apache, h2o, lighttpd, Caddy, a floor (about 15 min)",
    );
    let targets = |manifest: &str| -> Vec<(String, String, String)> {
        let out = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .args([
                "metadata",
                "--no-deps",
                "--offline",
                "--format-version",
                "1",
            ])
            .arg("--manifest-path")
            .arg(root.join(manifest))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let mut all = Vec::new();
        for p in v["packages"].as_array().unwrap() {
            for t in p["targets"].as_array().unwrap() {
                all.push((
                    p["name"].as_str().unwrap().to_owned(),
                    t["kind"][0].as_str().unwrap().to_owned(),
                    t["name"].as_str().unwrap().to_owned(),
                ));
            }
        }
        all
    };
    let workspace = targets("Cargo.toml");
    let mut checked = 0;
    for line in bench.iter().map(|l| command(l)) {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words[..] {
            ["bench/compare"] => {
                let sh = Command::new("bash")
                    .arg("-n")
                    .arg(root.join("bench/compare"))
                    .status();
                assert!(sh.unwrap().success(), "bash -n bench/compare");
                let help = Command::new("python3")
                    .arg(root.join("bench/compare.py"))
                    .arg("--help")
                    .output()
                    .unwrap();
                assert!(help.status.success(), "bench/compare.py --help");
                assert!(String::from_utf8_lossy(&help.stdout).contains("--rounds"));
            }
            ["cargo", "bench", "-p", pkg, "--bench", name] => {
                let t = (pkg.to_owned(), "bench".to_owned(), name.to_owned());
                assert!(workspace.contains(&t), "{line}: no such bench target");
            }
            ["cargo", "run", "--release", "-p", pkg, "--example", name, "--", _, mode] => {
                let t = (pkg.to_owned(), "example".to_owned(), name.to_owned());
                assert!(workspace.contains(&t), "{line}: no such example");
                // The modes it takes: the one shown and "# also: MODE".
                let source = root
                    .join("crates")
                    .join(pkg)
                    .join("examples")
                    .join(format!("{name}.rs"));
                let source = std::fs::read_to_string(&source).unwrap();
                let also = bench
                    .iter()
                    .find(|l| command(l) == line)
                    .and_then(|l| l.split("# also: ").nth(1))
                    .map(str::trim);
                for m in std::iter::once(mode).chain(also) {
                    assert!(
                        source.contains(&format!("Some(\"{m}\")")),
                        "{line}: mode {m}"
                    );
                }
            }
            ["cd", "fuzz", "&&", "cargo", "+nightly", "fuzz", "run", target, ref rest @ ..] => {
                let fuzz = targets("fuzz/Cargo.toml");
                let mut names = vec![target.to_owned()];
                // "# also: NAME" in the comment names a second target.
                if let Some(also) = bench
                    .iter()
                    .find(|l| command(l) == line)
                    .and_then(|l| l.split("# also: ").nth(1))
                {
                    names.push(also.trim().to_owned());
                }
                for n in names {
                    let t = ("spoor-fuzz".to_owned(), "bin".to_owned(), n);
                    assert!(fuzz.contains(&t), "{line}: no fuzz target {}", t.2);
                }
                // Corpus folders given as relative paths exist in fuzz/.
                for dir in rest.iter().take_while(|w| **w != "--") {
                    if !dir.starts_with('/') {
                        assert!(root.join("fuzz").join(dir).is_dir(), "{line}: {dir}");
                    }
                }
            }
            _ => panic!("a README line this test does not know: {line}"),
        }
        checked += 1;
    }
    assert_eq!(checked, 6);
    // The loop over the request-side targets.
    let fuzz = targets("fuzz/Cargo.toml");
    let head = "for t in request_head chunked uri byte_ranges; do";
    let block = block_with(&b, head);
    assert_eq!(block[0], "cd fuzz");
    let names = head
        .strip_prefix("for t in ")
        .and_then(|s| s.strip_suffix("; do"))
        .unwrap();
    for n in names.split_whitespace() {
        let t = ("spoor-fuzz".to_owned(), "bin".to_owned(), n.to_owned());
        assert!(fuzz.contains(&t), "no fuzz target {n}");
        assert!(
            root.join("fuzz/corpus").join(n).is_dir(),
            "no corpus for {n}"
        );
    }
    assert_eq!(
        block[2].trim(),
        "cargo +nightly fuzz run $t -- -max_total_time=600 -rss_limit_mb=2048"
    );
}
