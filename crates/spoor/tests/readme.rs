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
        let args = line
            .strip_prefix("cargo run --release -p spoor -- ")
            .unwrap_or_else(|| panic!("not a spoor command: {line}"));
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
