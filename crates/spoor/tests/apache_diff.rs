//! Differential conformance: a real apache2 (2.4.71, event MPM) and the
//! `spoor` binary read the same httpd.conf text (apart from two `Define`
//! lines holding each one's port and ServerRoot), receive the same raw
//! request bytes in the same order, and must write the same access-log
//! bytes (and, for the symbolic-link cases, the same error-log messages:
//! `apache_diff/symlinks.rs`).
//!
//! * The configuration, formats and document tree are in
//!   `apache_diff/formats.rs`; the request cases in `apache_diff/cases.rs`
//!   (and `methods.rs`: every method crossed with target shapes, and body
//!   lengths at httpd's edges).
//! * Both servers run at once, each in its own temporary ServerRoot, with
//!   TZ=UTC. Each case is sent to apache2, then to spoor; after each case the
//!   harness waits for the case's records in `logs/sync.log` (a GlobalLog)
//!   and notes every log file's size, so each case's lines can be compared
//!   on their own.
//! * Masked: the ServerRoot (in `%f`), the server's own port (as a whole
//!   number), the CLF time `[dd/Mon/yyyy:hh:mm:ss +zzzz]`, and the fields a
//!   format marks as per-process (times, durations, pids, `%O`, `%S`,
//!   `Date`). Forensic ids (in `*forensic.log` and in the `forensic`
//!   format's fields) become `<FIDn:kind>`, numbered per case in order of
//!   appearance over all logs, so a `+`/`-` pair and the `%{forensic-id}n`
//!   / `%{UNIQUE_ID}e` of the same request must carry the same number;
//!   `kind` is `uid` (27 base64url characters), `pid` (`pid:hex:hex`) or
//!   the id itself. In `ut_*.log` the random tracking-cookie values and
//!   `expires=` dates are taken relative to the request
//!   (`apache_diff/usertrack.rs`). A `multipart/byteranges` answer's
//!   length is normalised to a 16-digit boundary on each side, as that
//!   side's response showed it (httpd's boundary is random and shorter
//!   one time in 16; `apache_diff/multipart.rs`). Pages with a
//!   `ServerSignature` footer (the cases in `apache_diff/lookups.rs`'s
//!   `PAGES`) name each server's own version: their bodies are compared
//!   with the banner normalised, and each side's page length stands as
//!   `<PAGE>` in that case's log lines. Nothing else.
//! * The forensic logs are compared like the access logs: after each case
//!   the harness also waits until every `+` record has its `-`.
//! * apache2-only directives sit in `<IfDefine APACHE>` (apache2 gets
//!   `-D APACHE`); optional directive groups are enabled for both servers
//!   only if `spoor -t` accepts them, and a refused group counts as a
//!   failure.
//!
//! Counting: one check per (case, log file) pair where either server wrote
//! something, plus one failure per optional group spoor refuses.
//!
//! Environment: `SPOOR_DIFF_SELF=1` runs apache2 on both sides with every
//! group enabled (checks that cases and masks are deterministic: it must
//! report 0 failed); `SPOOR_DIFF_KEEP=1` keeps the temporary ServerRoots;
//! `SPOOR_DIFF_SHOW=N` prints only the first N report entries.
//!
//! Prints `N passed, N failed` and panics on any mismatch. Everything is
//! bounded in time; both servers are stopped and the temporary directories
//! removed even when the test fails.

#[path = "apache_diff/alias.rs"]
mod alias;
#[path = "apache_diff/auth.rs"]
mod auth;
#[path = "apache_diff/authz.rs"]
mod authz;
#[path = "apache_diff/autoindex.rs"]
mod autoindex;
#[path = "apache_diff/cases.rs"]
mod cases;
#[path = "apache_diff/deflate.rs"]
mod deflate;
#[path = "apache_diff/formats.rs"]
mod formats;
#[path = "apache_diff/known.rs"]
mod known;
#[path = "apache_diff/lookups.rs"]
mod lookups;
#[path = "apache_diff/methods.rs"]
mod methods;
#[path = "apache_diff/mime.rs"]
mod mime;
#[path = "apache_diff/multipart.rs"]
mod multipart;
#[path = "apache_diff/negotiation.rs"]
mod negotiation;
#[path = "apache_diff/symlinks.rs"]
mod symlinks;
#[path = "apache_diff/usertrack.rs"]
mod usertrack;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant, SystemTime};

use cases::Case;

const APACHE: &str = "/usr/sbin/apache2";
const MODULES: &str = "/usr/lib/apache2/modules";
/// Fixed modification time of every document (2026-01-02 03:04:05 UTC).
const MTIME: u64 = 1_767_323_045;
const START_WAIT: Duration = Duration::from_secs(15);
const STOP_WAIT: Duration = Duration::from_secs(15);
/// The longest wait for one case's response (the 408 case needs Timeout 3).
const CASE_WAIT: Duration = Duration::from_secs(8);
/// The longest wait for a case's log records after the connection closed.
const LOG_WAIT: Duration = Duration::from_secs(3);
/// The whole run's budget.
const SUITE_BUDGET: Duration = Duration::from_secs(240);

/// Writes straight to the test's stderr (not captured by the harness).
fn say(s: &str) {
    let mut e = std::io::stderr();
    let _ = e.write_all(s.as_bytes());
    let _ = e.write_all(b"\n");
}

struct TempRoot(PathBuf);

impl TempRoot {
    fn new(tag: &str) -> TempRoot {
        static N: AtomicU32 = AtomicU32::new(0);
        let p = std::env::temp_dir().join(format!(
            "spoor-diff-{tag}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        TempRoot(p)
    }
}

impl Drop for TempRoot {
    fn drop(&mut self) {
        if std::env::var_os("SPOOR_DIFF_KEEP").is_none() {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// A server process, stopped with SIGTERM (SIGKILL after STOP_WAIT) when
/// dropped.
struct Proc {
    child: Option<Child>,
    name: &'static str,
}

impl Proc {
    fn stop(&mut self) -> Option<std::process::ExitStatus> {
        let mut child = self.child.take()?;
        if let Ok(Some(st)) = child.try_wait() {
            return Some(st);
        }
        // SAFETY: signalling our own child process by its pid.
        unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
        let deadline = Instant::now() + STOP_WAIT;
        while Instant::now() < deadline {
            if let Ok(Some(st)) = child.try_wait() {
                return Some(st);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        say(&format!(
            "apache_diff: {} did not stop on SIGTERM; killing it",
            self.name
        ));
        let _ = child.kill();
        child.wait().ok()
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.stop();
    }
}

fn set_mtime(p: &Path) {
    let t = SystemTime::UNIX_EPOCH + Duration::from_secs(MTIME);
    let f = std::fs::File::options().write(true).open(p).unwrap();
    f.set_modified(t).unwrap();
}

/// Writes the ServerRoot: conf/httpd.conf, conf/mime.types, htdocs, logs,
/// run.
fn write_root(root: &Path, port: u16) {
    use std::os::unix::fs::PermissionsExt;
    for d in ["conf", "htdocs", "logs", "run"] {
        std::fs::create_dir_all(root.join(d)).unwrap();
    }
    let docs = formats::docs()
        .into_iter()
        .chain(lookups::docs())
        .map(|(n, d)| (n.to_owned(), d))
        .chain(authz::docs())
        .chain(auth::docs());
    for (name, data) in docs {
        let p = root.join("htdocs").join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, data).unwrap();
        set_mtime(&p);
    }
    for (name, data) in mime::docs().into_iter().chain(deflate::docs()) {
        let p = root.join("htdocs").join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, data).unwrap();
        set_mtime(&p);
    }
    symlinks::files(root);
    alias::files(root);
    autoindex::files(root);
    auth::files(root);
    negotiation::files(root);
    std::fs::write(root.join("conf/mime.types"), formats::MIME_TYPES).unwrap();
    let conf = formats::config(port, MODULES)
        + &usertrack::config(MODULES)
        + &lookups::config()
        + &symlinks::config(root)
        + &alias::config(root, MODULES)
        + &mime::config(MODULES)
        + &autoindex::config(MODULES)
        + &deflate::config(MODULES)
        + &authz::config(MODULES)
        + &auth::config(MODULES)
        + &negotiation::config(root, MODULES);
    std::fs::write(root.join("conf/httpd.conf"), conf).unwrap();
    // apache2's children run as nobody: the tree must be readable.
    for entry in walk(root) {
        let mode = if entry.is_dir() { 0o755 } else { 0o644 };
        let _ = std::fs::set_permissions(&entry, std::fs::Permissions::from_mode(mode));
    }
    let _ = std::fs::set_permissions(root, std::fs::Permissions::from_mode(0o755));
    // A file only root may read: both servers, serving as nobody, refuse
    // it (403, AH00132).
    let secret = root.join("htdocs/rootonly.txt");
    std::fs::write(&secret, b"root only\n").unwrap();
    set_mtime(&secret);
    std::fs::set_permissions(&secret, std::fs::Permissions::from_mode(0o600)).unwrap();
    symlinks::links(root);
}

fn walk(p: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(p) {
        for e in rd.flatten() {
            let path = e.path();
            if path.is_dir() {
                out.extend(walk(&path));
            }
            out.push(path);
        }
    }
    out
}

/// A port free on 127.0.0.1, 127.0.0.2 and 127.0.0.3.
fn free_port(avoid: u16) -> u16 {
    for _ in 0..100 {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        if port == avoid {
            continue;
        }
        let others = ["127.0.0.2", "127.0.0.3"];
        if others.iter().all(|a| TcpListener::bind((*a, port)).is_ok()) {
            return port;
        }
    }
    panic!("no free port on 127.0.0.1, 127.0.0.2 and 127.0.0.3");
}

fn wait_listening(p: &mut Proc, port: u16, stderr_file: &Path) -> Result<(), String> {
    let deadline = Instant::now() + START_WAIT;
    loop {
        let up = ["127.0.0.1", "127.0.0.2"]
            .iter()
            .all(|a| TcpStream::connect((*a, port)).is_ok());
        if up {
            return Ok(());
        }
        if let Some(c) = p.child.as_mut() {
            if let Ok(Some(st)) = c.try_wait() {
                let err = std::fs::read_to_string(stderr_file).unwrap_or_default();
                return Err(format!(
                    "{} exited at startup ({st}): {}",
                    p.name,
                    err.trim()
                ));
            }
        }
        if Instant::now() > deadline {
            let err = std::fs::read_to_string(stderr_file).unwrap_or_default();
            return Err(format!(
                "{} did not listen on port {port}: {}",
                p.name,
                err.trim()
            ));
        }
        std::thread::sleep(Duration::from_millis(25));
    }
}

fn start_apache(root: &Path, port: u16, defines: &[&str]) -> Result<Proc, String> {
    let errf = root.join("run/apache2.stderr");
    let mut cmd = Command::new(APACHE);
    cmd.arg("-f")
        .arg(root.join("conf/httpd.conf"))
        .arg("-d")
        .arg(root)
        .args(["-D", "APACHE", "-D", "FOREGROUND"]);
    for d in defines {
        cmd.args(["-D", d]);
    }
    let child = cmd
        .env("TZ", "UTC")
        .env("LANG", "C")
        .env("LC_ALL", "C")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&errf).unwrap())
        .spawn()
        .map_err(|e| format!("could not run {APACHE}: {e}"))?;
    let mut p = Proc {
        child: Some(child),
        name: "apache2",
    };
    wait_listening(&mut p, port, &errf)?;
    Ok(p)
}

fn spoor_cmd(root: &Path, defines: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_spoor"));
    cmd.args(["-f", "conf/httpd.conf", "-d"]).arg(root);
    for d in defines {
        cmd.args(["-D", d]);
    }
    cmd.env("TZ", "UTC").env("LANG", "C").env("LC_ALL", "C");
    cmd
}

/// `spoor -t` on the configuration with `defines`: None if accepted, else
/// its message.
fn spoor_check(root: &Path, defines: &[&str]) -> Option<String> {
    let out = spoor_cmd(root, defines)
        .arg("-t")
        .stdin(Stdio::null())
        .output()
        .expect("run spoor -t");
    if out.status.success() {
        None
    } else {
        Some(String::from_utf8_lossy(&out.stderr).trim().to_string())
    }
}

fn start_spoor(root: &Path, port: u16, defines: &[&str]) -> Result<Proc, String> {
    let errf = root.join("run/spoor.stderr");
    let child = spoor_cmd(root, defines)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&errf).unwrap())
        .spawn()
        .map_err(|e| format!("could not run spoor: {e}"))?;
    let mut p = Proc {
        child: Some(child),
        name: "spoor",
    };
    wait_listening(&mut p, port, &errf)?;
    Ok(p)
}

/// The most response bytes kept per case (for `multipart`).
const KEEP_BYTES: usize = 1 << 20;

/// Reads what arrives until the peer closes, `idle` passes without data
/// (once something came), or `limit` passes; appends it to `kept` (up to
/// KEEP_BYTES).
fn drain(s: &mut TcpStream, idle: Option<Duration>, limit: Duration, kept: &mut Vec<u8>) {
    let deadline = Instant::now() + limit;
    let mut buf = [0u8; 65536];
    let mut got = false;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return;
        }
        let t = match idle {
            Some(i) if got => i.min(left),
            _ => left.min(Duration::from_millis(500)),
        };
        let _ = s.set_read_timeout(Some(t));
        match s.read(&mut buf) {
            Ok(0) => return,
            Ok(n) => {
                got = true;
                let room = KEEP_BYTES.saturating_sub(kept.len());
                kept.extend_from_slice(&buf[..n.min(room)]);
            }
            Err(e)
                if e.kind() == std::io::ErrorKind::WouldBlock
                    || e.kind() == std::io::ErrorKind::TimedOut =>
            {
                if got && idle.is_some() {
                    return;
                }
            }
            Err(_) => return,
        }
    }
}

/// A connection to `addr` from the local address `from` (bound first).
fn connect_from(from: &str, addr: SocketAddr) -> std::io::Result<TcpStream> {
    use std::os::fd::FromRawFd;
    let SocketAddr::V4(a) = addr else {
        return Err(std::io::Error::other("IPv4 only"));
    };
    let from: std::net::Ipv4Addr = from.parse().map_err(std::io::Error::other)?;
    let sin = |ip: std::net::Ipv4Addr, port: u16| libc::sockaddr_in {
        sin_family: libc::AF_INET as libc::sa_family_t,
        sin_port: port.to_be(),
        sin_addr: libc::in_addr {
            s_addr: u32::from_ne_bytes(ip.octets()),
        },
        sin_zero: [0; 8],
    };
    let len = std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;
    // SAFETY: a new socket, owned by the TcpStream made from it (closed on
    // every error path); the sockaddr_in values live across the calls.
    unsafe {
        let fd = libc::socket(libc::AF_INET, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0);
        if fd < 0 {
            return Err(std::io::Error::last_os_error());
        }
        let stream = TcpStream::from_raw_fd(fd);
        let local = sin(from, 0);
        if libc::bind(fd, &local as *const _ as *const libc::sockaddr, len) != 0 {
            return Err(std::io::Error::last_os_error());
        }
        let remote = sin(*a.ip(), a.port());
        if libc::connect(fd, &remote as *const _ as *const libc::sockaddr, len) != 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(stream)
    }
}

/// Sends one case on one connection and reads until the server closes;
/// returns what the server sent.
fn run_case(ip: &str, port: u16, c: &Case) -> Vec<u8> {
    let mut kept = Vec::new();
    let addr: SocketAddr = format!("{ip}:{port}").parse().unwrap();
    let from = lookups::CLIENT_FROM
        .iter()
        .find(|(n, _)| *n == c.name)
        .map(|(_, a)| *a)
        .or_else(|| authz::client_from(&c.name))
        .or_else(|| auth::client_from(&c.name));
    let conn = match from {
        Some(f) => connect_from(f, addr),
        None => TcpStream::connect_timeout(&addr, Duration::from_secs(3)),
    };
    let Ok(mut s) = conn else {
        return kept;
    };
    let _ = s.set_write_timeout(Some(Duration::from_secs(3)));
    let _ = s.set_nodelay(true);
    let n = c.steps.len();
    for (i, step) in c.steps.iter().enumerate() {
        if s.write_all(step).is_err() {
            break;
        }
        if i + 1 < n {
            drain(
                &mut s,
                Some(Duration::from_millis(150)),
                Duration::from_secs(3),
                &mut kept,
            );
        }
    }
    if !c.hold {
        let _ = s.shutdown(Shutdown::Write);
    }
    drain(&mut s, None, CASE_WAIT, &mut kept);
    kept
}

fn line_count(p: &Path) -> usize {
    std::fs::read(p)
        .map(|d| d.iter().filter(|&&b| b == b'\n').count())
        .unwrap_or(0)
}

/// Waits until `sync` has at least `want` lines (bounded); returns the
/// count.
fn wait_lines(sync: &Path, want: usize) -> usize {
    let deadline = Instant::now() + LOG_WAIT;
    loop {
        let n = line_count(sync);
        if n >= want || Instant::now() > deadline {
            return n;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// Whether `file` (a name under `logs/`) is a forensic log.
fn is_forensic_log(file: &str) -> bool {
    file.ends_with("forensic.log") && !file.starts_with("f_")
}

/// Waits (bounded) until the forensic logs under `root` hold as many `-`
/// records as `+` records: the `-` follows the access logs.
fn wait_forensic(root: &Path) {
    let deadline = Instant::now() + LOG_WAIT;
    loop {
        let mut balance = 0i64;
        if let Ok(rd) = std::fs::read_dir(root.join("logs")) {
            for e in rd.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                if !is_forensic_log(&name) {
                    continue;
                }
                let data = std::fs::read(e.path()).unwrap_or_default();
                for l in data.split(|&b| b == b'\n') {
                    match l.first() {
                        Some(b'+') => balance += 1,
                        Some(b'-') => balance -= 1,
                        _ => {}
                    }
                }
            }
        }
        if balance <= 0 || Instant::now() > deadline {
            return;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// Forensic ids of one case on one side, numbered in order of appearance.
#[derive(Default)]
struct FidMap(BTreeMap<Vec<u8>, usize>);

impl FidMap {
    fn tag(&mut self, id: &[u8]) -> Vec<u8> {
        let next = self.0.len() + 1;
        let n = *self.0.entry(id.to_vec()).or_insert(next);
        let uid = id.len() == 27
            && id
                .iter()
                .all(|c| c.is_ascii_alphanumeric() || *c == b'-' || *c == b'_');
        let parts: Vec<&[u8]> = id.split(|&b| b == b':').collect();
        let pid = parts.len() == 3
            && !parts[0].is_empty()
            && parts[0].iter().all(u8::is_ascii_digit)
            && parts[1..]
                .iter()
                .all(|p| !p.is_empty() && p.iter().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f')));
        let kind = if uid {
            "uid".to_string()
        } else if pid {
            "pid".to_string()
        } else {
            String::from_utf8_lossy(id).into_owned()
        };
        format!("<FID{n}:{kind}>").into_bytes()
    }
}

/// Size of every file under `logs/`.
fn sizes(root: &Path) -> BTreeMap<String, u64> {
    let mut m = BTreeMap::new();
    if let Ok(rd) = std::fs::read_dir(root.join("logs")) {
        for e in rd.flatten() {
            if let (Ok(name), Ok(md)) = (e.file_name().into_string(), e.metadata()) {
                m.insert(name, md.len());
            }
        }
    }
    m
}

struct Side {
    root: TempRoot,
    port: u16,
    /// Log sizes after each case.
    marks: Vec<BTreeMap<String, u64>>,
    /// sync.log line count after each case.
    counts: Vec<usize>,
    /// The multipart answers of each case (see `multipart`).
    answers: Vec<Vec<multipart::Answer>>,
    /// The bytes the client received in each case.
    wire: Vec<usize>,
}

impl Side {
    fn new(tag: &str, port: u16) -> Side {
        let root = TempRoot::new(tag);
        write_root(&root.0, port);
        Side {
            root,
            port,
            marks: Vec::new(),
            counts: Vec::new(),
            answers: Vec::new(),
            wire: Vec::new(),
        }
    }

    fn sync(&self) -> PathBuf {
        self.root.0.join("logs/sync.log")
    }
}

/// Field indices of one format: masked, random ids, forensic ids.
type FieldMasks = (Vec<usize>, Vec<usize>, Vec<usize>);

/// Masks one line of one log: per-process fields, the root, the port.
struct Masker {
    clf_time: regex::bytes::Regex,
    /// Per log file: (masked fields, id fields, forensic id fields).
    fields: BTreeMap<String, FieldMasks>,
}

impl Masker {
    fn new() -> Masker {
        let mut fields = BTreeMap::new();
        for f in formats::formats() {
            fields.insert(format!("f_{}.log", f.name), (f.masked, f.ids, f.fids));
        }
        Masker {
            clf_time: regex::bytes::Regex::new(
                r"\[\d\d/[A-Z][a-z][a-z]/\d{4}:\d\d:\d\d:\d\d [+-]\d{4}\]",
            )
            .unwrap(),
            fields,
        }
    }

    fn mask(&self, file: &str, line: &[u8], root: &Path, port: u16, fids: &mut FidMap) -> Vec<u8> {
        let mut l: Vec<u8> = line.to_vec();
        if file.starts_with("elog_") {
            l = symlinks::mask_error_line(line);
        }
        if is_forensic_log(file) && matches!(line.first(), Some(b'+' | b'-')) {
            let end = memchr::memchr(b'|', line).unwrap_or(line.len());
            l = line[..1].to_vec();
            l.extend(fids.tag(&line[1..end]));
            l.extend_from_slice(&line[end..]);
        }
        if let Some((idx, ids, fid)) = self.fields.get(file) {
            if !idx.is_empty() || !ids.is_empty() || !fid.is_empty() {
                let parts: Vec<&[u8]> = line.split(|&b| b == b'\t').collect();
                let mut out = Vec::with_capacity(line.len());
                for (i, p) in parts.iter().enumerate() {
                    if i > 0 {
                        out.push(b'\t');
                    }
                    if idx.contains(&i) {
                        out.extend_from_slice(b"<MASKED>");
                    } else if fid.contains(&i) && *p != b"-" {
                        out.extend(fids.tag(p));
                    } else if ids.contains(&i) && *p != b"-" {
                        out.extend_from_slice(b"<ID>");
                    } else {
                        out.extend_from_slice(p);
                    }
                }
                l = out;
            }
        }
        let l = replace(&l, root.as_os_str().as_encoded_bytes(), b"<ROOT>");
        let l = replace_number(&l, port);
        self.clf_time.replace_all(&l, &b"[<TIME>]"[..]).into_owned()
    }
}

fn replace(hay: &[u8], needle: &[u8], with: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(hay.len());
    let mut i = 0;
    while i < hay.len() {
        if hay[i..].starts_with(needle) {
            out.extend_from_slice(with);
            i += needle.len();
        } else {
            out.push(hay[i]);
            i += 1;
        }
    }
    out
}

/// Replaces `port` where it stands as a whole decimal number.
fn replace_number(hay: &[u8], port: u16) -> Vec<u8> {
    replace_whole(hay, port as u64, b"<PORT>")
}

/// The body of a signature page case's response (see `lookups.rs`), the
/// server's banner and port normalised, and the body's length as sent.
fn page_body(resp: &[u8], port: u16, banner: &regex::bytes::Regex) -> (Vec<u8>, usize) {
    let body = memchr::memmem::find(resp, b"\r\n\r\n").map_or(&resp[..0], |p| &resp[p + 4..]);
    let b = banner.replace_all(body, &b"<BANNER>"[..]);
    (replace_number(&b, port), body.len())
}

/// Replaces `n` where it stands as a whole decimal number.
/// The sum of tab-separated field `idx` over the lines of a log chunk; a
/// field that is not a number counts as `u64::MAX / 4`, which no byte
/// count matches.
fn sum_field(chunk: &[u8], idx: usize) -> u64 {
    lines(chunk).iter().fold(0u64, |sum, l| {
        let v = l
            .split(|&b| b == b'\t')
            .nth(idx)
            .and_then(|v| std::str::from_utf8(v).ok())
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(u64::MAX / 4);
        sum.saturating_add(v)
    })
}

/// The stretch where two logs differ, widened to whole fields: the bytes
/// after their common prefix and before their common suffix, extended to
/// the nearest separator (space, tab, `|`, `"`, `[`, `]`, newline) on
/// each side. Returns (apache's stretch, spoor's stretch).
fn differing_field<'a>(a: &'a [u8], s: &'a [u8]) -> (&'a [u8], &'a [u8]) {
    let sep = |b: u8| matches!(b, b' ' | b'\t' | b'|' | b'"' | b'[' | b']' | b'\n');
    let mut p = a.iter().zip(s).take_while(|(x, y)| x == y).count();
    while p > 0 && !sep(a[p - 1]) {
        p -= 1;
    }
    let (a2, s2) = (&a[p..], &s[p..]);
    let mut q = a2
        .iter()
        .rev()
        .zip(s2.iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    while q > 0 && !sep(a2[a2.len() - q]) {
        q -= 1;
    }
    (&a2[..a2.len() - q], &s2[..s2.len() - q])
}

fn replace_whole(hay: &[u8], n: u64, with: &[u8]) -> Vec<u8> {
    let needle = n.to_string();
    let needle = needle.as_bytes();
    let mut out = Vec::with_capacity(hay.len());
    let mut i = 0;
    while i < hay.len() {
        let before_ok = i == 0 || !hay[i - 1].is_ascii_digit();
        if before_ok && hay[i..].starts_with(needle) {
            let j = i + needle.len();
            if j == hay.len() || !hay[j].is_ascii_digit() {
                out.extend_from_slice(with);
                i = j;
                continue;
            }
        }
        out.push(hay[i]);
        i += 1;
    }
    out
}

fn chunk(root: &Path, file: &str, from: u64, to: u64) -> Vec<u8> {
    let data = std::fs::read(root.join("logs").join(file)).unwrap_or_default();
    let to = (to as usize).min(data.len());
    let from = (from as usize).min(to);
    data[from..to].to_vec()
}

fn lines(b: &[u8]) -> Vec<&[u8]> {
    if b.is_empty() {
        return Vec::new();
    }
    let b = b.strip_suffix(b"\n").unwrap_or(b);
    b.split(|&c| c == b'\n').collect()
}

fn show(b: &[u8]) -> String {
    format!("{:?}", String::from_utf8_lossy(b))
}

/// The format behind each log file, for the report.
fn log_formats() -> BTreeMap<String, String> {
    let mut m = BTreeMap::new();
    for f in formats::formats() {
        m.insert(format!("f_{}.log", f.name), f.text.clone());
    }
    m
}

#[test]
fn apache_differential() {
    let started = Instant::now();
    assert!(
        Path::new(APACHE).exists(),
        "apache_diff needs Debian's apache2 at {APACHE} (scripts/test-all installs it: \
         apt-get install apache2)"
    );
    let mut cases = cases::cases();
    cases.extend(usertrack::cases());
    cases.extend(lookups::cases());
    cases.extend(symlinks::cases());
    cases.extend(alias::cases());
    cases.extend(mime::cases());
    cases.extend(autoindex::cases());
    cases.extend(deflate::cases());
    cases.extend(authz::cases());
    cases.extend(auth::cases());
    cases.extend(negotiation::cases());
    cases.extend(methods::cases());
    cases.extend(methods::length_cases());
    let fmts = formats::formats();
    {
        let names: BTreeSet<&str> = cases.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names.len(), cases.len(), "case names must be unique");
    }
    say(&format!(
        "apache_diff: {} formats (+ nickname/vhost logs), {} cases",
        fmts.len(),
        cases.len()
    ));

    let ap_port = free_port(0);
    let sp_port = free_port(ap_port);
    let mut ap = Side::new("apache", ap_port);
    let mut sp = Side::new("spoor", sp_port);

    let mut passed = 0usize;
    let mut failed = 0usize;
    let mut report: Vec<String> = Vec::new();
    // Known differences (known.rs) seen, by (case, log).
    let mut known_hits: BTreeSet<(String, String)> = BTreeSet::new();

    // Which optional groups both servers get.
    let mut spoor_ok = true;
    let mut not_compared = String::new();
    let mut defines: Vec<&str> = Vec::new();
    // SPOOR_DIFF_SELF=1: apache2 on both sides, to check that the cases
    // and masks are deterministic (every comparison must pass).
    let self_check = std::env::var_os("SPOOR_DIFF_SELF").is_some();
    let base = if self_check {
        defines.extend(formats::GROUPS.iter().copied());
        Some("self check".to_string())
    } else {
        spoor_check(&sp.root.0, &[])
    };
    match base {
        _ if self_check => {}
        None => {
            for g in formats::GROUPS {
                match spoor_check(&sp.root.0, &[g]) {
                    None => defines.push(g),
                    Some(msg) => {
                        failed += 1;
                        report.push(format!(
                            "CONFIG group {g}: spoor refuses it (left out for both servers): {msg}"
                        ));
                    }
                }
            }
        }
        Some(msg) => {
            spoor_ok = false;
            failed += 1;
            report.push(format!(
                "CONFIG base: spoor refuses the shared configuration: {msg}"
            ));
            not_compared = "spoor refused the base configuration".into();
        }
    }

    let mut apache = match start_apache(&ap.root.0, ap_port, &defines) {
        Ok(p) => p,
        Err(e) => panic!("apache_diff: could not start apache2: {e}"),
    };
    let mut spoor = None;
    if spoor_ok {
        let second = if self_check {
            start_apache(&sp.root.0, sp_port, &defines)
        } else {
            start_spoor(&sp.root.0, sp_port, &defines)
        };
        match second {
            Ok(p) => spoor = Some(p),
            Err(e) => {
                failed += 1;
                report.push(format!("START: spoor did not start: {e}"));
                not_compared = "spoor did not start".into();
            }
        }
    }
    say(&format!(
        "apache_diff: groups enabled for both: {defines:?}; spoor {}",
        if spoor.is_some() {
            "running"
        } else {
            "not running"
        }
    ));

    // Send every case to apache2, then to spoor.
    let mut pages: BTreeMap<String, (Vec<u8>, Vec<u8>)> = BTreeMap::new();
    let mut ran = 0usize;
    let mut apache_notes: Vec<String> = Vec::new();
    for c in &cases {
        if started.elapsed() > SUITE_BUDGET {
            report.push(format!(
                "BUDGET: stopped after {ran} of {} cases ({:?})",
                cases.len(),
                SUITE_BUDGET
            ));
            failed += 1;
            break;
        }
        let ip = match c.addr {
            1 => "127.0.0.1",
            3 => "127.0.0.3",
            _ => "127.0.0.2",
        };
        let before = ap.counts.last().copied().unwrap_or(0);
        let page_case = lookups::PAGES.contains(&c.name.as_str());
        let ap_resp = run_case(ip, ap_port, c);
        ap.answers.push(multipart::answers(&ap_resp));
        ap.wire.push(ap_resp.len());
        let got = if c.records == 0 {
            std::thread::sleep(Duration::from_millis(100));
            line_count(&ap.sync())
        } else {
            wait_lines(&ap.sync(), before + c.records)
        };
        wait_forensic(&ap.root.0);
        if got - before != c.records {
            apache_notes.push(format!(
                "case {:?}: apache2 wrote {} records, the case expects {}",
                c.name,
                got - before,
                c.records
            ));
        }
        ap.counts.push(got);
        ap.marks.push(sizes(&ap.root.0));
        if spoor.is_some() {
            let sbefore = sp.counts.last().copied().unwrap_or(0);
            let sp_resp = run_case(ip, sp_port, c);
            sp.answers.push(multipart::answers(&sp_resp));
            sp.wire.push(sp_resp.len());
            if page_case || negotiation::compared(&c.name) {
                pages.insert(c.name.clone(), (ap_resp, sp_resp));
            }
            let want = sbefore + (got - before);
            let sgot = if got == before {
                std::thread::sleep(Duration::from_millis(100));
                line_count(&sp.sync())
            } else {
                wait_lines(&sp.sync(), want)
            };
            wait_forensic(&sp.root.0);
            sp.counts.push(sgot);
            sp.marks.push(sizes(&sp.root.0));
        }
        ran += 1;
    }

    let ap_status = apache.stop();
    let sp_status = spoor.as_mut().and_then(|s| s.stop());
    // Logs written at shutdown belong to the last case.
    if let Some(m) = ap.marks.last_mut() {
        *m = sizes(&ap.root.0);
    }
    if spoor.is_some() {
        if let Some(m) = sp.marks.last_mut() {
            *m = sizes(&sp.root.0);
        }
        if !sp_status.is_some_and(|s| s.success()) {
            failed += 1;
            report.push(format!(
                "STOP: spoor did not exit cleanly on SIGTERM: {sp_status:?}"
            ));
        }
    }
    say(&format!(
        "apache_diff: apache2 exit {ap_status:?}, spoor exit {sp_status:?}"
    ));

    // Apache-side sanity: every case that should log did.
    let mut apache_passed = 0usize;
    for (i, c) in cases.iter().take(ran).enumerate() {
        let before = if i == 0 { 0 } else { ap.counts[i - 1] };
        if ap.counts[i] - before == c.records {
            apache_passed += 1;
        }
    }
    for n in &apache_notes {
        say(&format!("apache_diff note: {n}"));
    }

    let fmt_text = log_formats();
    let mut by_log: BTreeMap<String, (usize, String)> = BTreeMap::new();
    // (compared, equal) (case, log) pairs of forensic logs and the
    // forensic format.
    let mut forensic_pairs = (0usize, 0usize);
    let mut page_checks = 0usize;
    // Cases whose %O/%S were checked against the bytes on the wire.
    // (whole connection in the log, part of it) cases.
    let mut io_checks = (0usize, 0usize);
    if spoor.is_some() {
        let masker = Masker::new();
        let banner =
            regex::bytes::Regex::new(r"Apache/2\.4\.\d+ \(Debian\)|spoor/\d+\.\d+\.\d+ \(Unix\)")
                .unwrap();
        let empty = BTreeMap::new();
        for (i, c) in cases.iter().take(ran).enumerate() {
            let (a0, s0) = if i == 0 {
                (&empty, &empty)
            } else {
                (&ap.marks[i - 1], &sp.marks[i - 1])
            };
            let (a1, s1) = (&ap.marks[i], &sp.marks[i]);
            let files: BTreeSet<&String> = a1.keys().chain(s1.keys()).collect();
            // multipart/byteranges lengths normalised to a full boundary.
            let afix = multipart::fixes(&ap.answers[i], &sp.answers[i]);
            let sfix = multipart::fixes(&sp.answers[i], &ap.answers[i]);
            // Forensic ids are numbered over the case's logs, in this
            // (sorted) order of files, on each side.
            let (mut afid, mut sfid) = (FidMap::default(), FidMap::default());
            // A signature page: the bodies compared with the banner
            // normalised; each side's page length becomes <PAGE> in its
            // log lines.
            let mut page_len: Option<(usize, usize)> = None;
            if negotiation::compared(&c.name) {
                // mod_negotiation's answers: compared whole (see
                // `negotiation::normalise`).
                let (ar, sr) = pages.get(&c.name).cloned().unwrap_or_default();
                let (an, sn) = (negotiation::normalise(&ar), negotiation::normalise(&sr));
                if an == sn && !ar.is_empty() {
                    passed += 1;
                } else {
                    failed += 1;
                    report.push(format!(
                        "MISMATCH case {:?} response (Date and Server left out, fields sorted)\n    apache: {}\n    spoor:  {}",
                        c.name,
                        show(&an),
                        show(&sn)
                    ));
                }
            } else if let Some((ar, sr)) = pages.get(&c.name) {
                let (ab, al) = page_body(ar, ap.port, &banner);
                let (sb, sl) = page_body(sr, sp.port, &banner);
                page_len = Some((al, sl));
                page_checks += 1;
                if ab == sb && !ab.is_empty() {
                    passed += 1;
                } else {
                    failed += 1;
                    report.push(format!(
                        "MISMATCH case {:?} page body (banner normalised)\n    apache: {}\n    spoor:  {}",
                        c.name,
                        show(&ab),
                        show(&sb)
                    ));
                }
            }
            for file in files {
                if file.starts_with("error") {
                    continue;
                }
                let get = |m: &BTreeMap<String, u64>| m.get(file.as_str()).copied().unwrap_or(0);
                let ac = chunk(&ap.root.0, file, get(a0), get(a1));
                let sc = chunk(&sp.root.0, file, get(s0), get(s1));
                if ac.is_empty() && sc.is_empty() {
                    continue;
                }
                if file == "f_io_masked.log" {
                    // %O and %S are masked in the line comparison. Here
                    // spoor's %O must be the bytes its client received
                    // (where apache's log holds every response of the
                    // connection, i.e. apache's %O is its own wire count)
                    // and %S its %I + %O (%I is compared in f_bytes_in).
                    let bytes_in =
                        |root: &Path, m0: &BTreeMap<String, u64>, m1: &BTreeMap<String, u64>| {
                            let f = "f_bytes_in.log";
                            let at = |m: &BTreeMap<String, u64>| m.get(f).copied().unwrap_or(0);
                            sum_field(&chunk(root, f, at(m0), at(m1)), 0)
                        };
                    let (ao, as_) = (sum_field(&ac, 0), sum_field(&ac, 1));
                    let (so, ss) = (sum_field(&sc, 0), sum_field(&sc, 1));
                    let (ai, si) = (bytes_in(&ap.root.0, a0, a1), bytes_in(&sp.root.0, s0, s1));
                    let (aw, sw) = (ap.wire[i] as u64, sp.wire[i] as u64);
                    let whole = ao == aw;
                    if whole {
                        io_checks.0 += 1;
                    } else {
                        io_checks.1 += 1;
                    }
                    let wire_ok = if whole { so == sw } else { so <= sw };
                    if wire_ok && ss == so.saturating_add(si) && as_ == ao.saturating_add(ai) {
                        passed += 1;
                    } else {
                        failed += 1;
                        report.push(format!(
                            "MISMATCH case {:?} %O/%S: spoor %O {so} %S {ss} %I {si}, its client received {sw}; apache %O {ao} %S {as_} %I {ai}, its client received {aw}",
                            c.name
                        ));
                    }
                }
                // Tracking cookies: numbered per (case, log) on each side.
                let ut = file.starts_with("ut_");
                let (mut am, mut sm) = Default::default();
                let al: Vec<Vec<u8>> = lines(&ac)
                    .iter()
                    .map(|l| match ut {
                        true => usertrack::mask_line(l, &mut am),
                        false => l.to_vec(),
                    })
                    .map(|l| multipart::apply(&l, &afix))
                    .map(|l| masker.mask(file, &l, &ap.root.0, ap.port, &mut afid))
                    .map(|l| match page_len {
                        Some((n, _)) if n > 0 => replace_whole(&l, n as u64, b"<PAGE>"),
                        _ => l,
                    })
                    .collect();
                let sl: Vec<Vec<u8>> = lines(&sc)
                    .iter()
                    .map(|l| match ut {
                        true => usertrack::mask_line(l, &mut sm),
                        false => l.to_vec(),
                    })
                    .map(|l| multipart::apply(&l, &sfix))
                    .map(|l| masker.mask(file, &l, &sp.root.0, sp.port, &mut sfid))
                    .map(|l| match page_len {
                        Some((_, n)) if n > 0 => replace_whole(&l, n as u64, b"<PAGE>"),
                        _ => l,
                    })
                    .collect();
                let forensic = is_forensic_log(file) || file == "f_forensic.log";
                if forensic {
                    forensic_pairs.0 += 1;
                }
                if al == sl {
                    passed += 1;
                    if forensic {
                        forensic_pairs.1 += 1;
                    }
                    continue;
                }
                // The differing stretch of the two logs: a listed known
                // difference must match it exactly, so any other change
                // in the same (case, log) still fails.
                let (ajoin, sjoin) = (al.join(&b'\n'), sl.join(&b'\n'));
                let (amid, smid) = differing_field(&ajoin, &sjoin);
                let listed = known::find(&c.name, file);
                let known = listed
                    .is_some_and(|k| k.apache.as_bytes() == amid && k.spoor.as_bytes() == smid);
                if known {
                    known_hits.insert((c.name.clone(), file.clone()));
                } else {
                    failed += 1;
                    if let Some(k) = listed {
                        report.push(format!(
                            "KNOWN CHANGED case {:?} log {file}: known.rs expects apache {:?} / spoor {:?} ({}), the logs now differ in apache {} / spoor {}",
                            c.name, k.apache, k.spoor, k.why, show(amid), show(smid)
                        ));
                    }
                    // The entry known.rs would need, if this difference
                    // is a documented deviation.
                    report.push(format!(
                        "    known.rs draft: ({:?}, {file:?}, {}, {}),",
                        c.name,
                        show(amid),
                        show(smid)
                    ));
                }
                let k = (0..al.len().max(sl.len()))
                    .find(|&k| al.get(k) != sl.get(k))
                    .unwrap_or(0);
                let a = al
                    .get(k)
                    .map(|l| show(l))
                    .unwrap_or_else(|| "(no line)".into());
                let s = sl
                    .get(k)
                    .map(|l| show(l))
                    .unwrap_or_else(|| "(no line)".into());
                let format = fmt_text
                    .get(file.as_str())
                    .cloned()
                    .unwrap_or_else(|| "see formats.rs config()".into());
                let entry = format!(
                    "{}MISMATCH case {:?} log {file} format {:?} (line {} of {}/{})\n    apache: {a}\n    spoor:  {s}",
                    if known { "KNOWN " } else { "" },
                    c.name,
                    format,
                    k + 1,
                    al.len(),
                    sl.len()
                );
                let e = by_log.entry(file.clone()).or_insert((0, entry.clone()));
                e.0 += 1;
                report.push(entry);
            }
        }
    } else {
        passed += apache_passed;
        failed += 0;
    }

    say(&format!(
        "apache_diff: {ran} cases run in {:.1}s; apache2 logged every expected record for {apache_passed} of them",
        started.elapsed().as_secs_f64()
    ));
    if !not_compared.is_empty() {
        say(&format!(
            "apache_diff: spoor side not compared (counted as failed): {not_compared}"
        ));
    }
    let limit: usize = std::env::var("SPOOR_DIFF_SHOW")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(usize::MAX);
    for r in report.iter().take(limit) {
        say(r);
    }
    if !by_log.is_empty() {
        say("apache_diff: mismatching (case, log) pairs per log, with the first example:");
        for (file, (n, first)) in &by_log {
            say(&format!("  {file}: {n}\n  {first}"));
        }
    }
    if spoor.is_some() {
        // A known difference that no longer shows is a fixed bug: the list
        // must shrink with it.
        for k in known::all() {
            if !known_hits.contains(&(k.case.to_string(), k.log.to_string())) {
                failed += 1;
                say(&format!(
                    "apache_diff: case {:?} log {} shows no longer the listed difference (now matches httpd, or differs otherwise: see above): update tests/apache_diff/known.rs",
                    k.case, k.log
                ));
            }
        }
    }
    say(&format!(
        "apache_diff: forensic logs and %{{forensic-id}}n: {} (case, log) pairs compared, {} equal",
        forensic_pairs.0, forensic_pairs.1
    ));
    say(&format!(
        "apache_diff: %O/%S: {} cases checked against the bytes on the wire, {} whose log holds only some of the connection's responses (%O at most the wire, %S = %I + %O)",
        io_checks.0, io_checks.1
    ));
    say(&format!(
        "apache_diff: signature pages: {page_checks} response bodies compared (banner normalised)"
    ));
    let known_cases: BTreeSet<&String> = known_hits.iter().map(|(c, _)| c).collect();
    say(&format!(
        "apache_diff: {} known (case, log) differences, each exactly as listed, in {} cases (tests/apache_diff/known.rs)",
        known_hits.len(),
        known_cases.len()
    ));
    let summary = format!("{passed} passed, {failed} failed");
    say(&summary);
    println!("{summary}");
    assert!(failed == 0, "apache_diff: {summary}");
}
