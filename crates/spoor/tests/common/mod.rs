//! Helpers shared by the behaviour tests (each test file is its own crate
//! and uses only some of them).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};

/// A scratch directory under the system temp dir, removed on drop.
///
/// The directory and the ones made for it are mode 0755 whatever the
/// umask: a spoor started as root by a test gives root up for `nobody`
/// (its default `User`), which must still be able to read the document
/// roots.
pub struct TempDir(pub PathBuf);

/// Sets mode 0755 on `p` (whatever the umask made it).
pub fn mode_0755(p: &std::path::Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// Whether the tests run as root (then spoor drops to its `User`).
pub fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// Gives `path` to the account spoor serves as when a test runs it as
/// root without `User` (see [`TempDir::give_to_server`]).
pub fn give_to_server(path: &std::path::Path) {
    if is_root() {
        let (uid, gid) = default_ids();
        std::os::unix::fs::chown(path, Some(uid), Some(gid)).unwrap();
    }
}

/// The uid and gid spoor serves as when started as root without `User`
/// and `Group` (nobody, nogroup).
pub fn default_ids() -> (u32, u32) {
    (
        spoor::privileges::resolve_user(spoor::privileges::DEFAULT_USER).unwrap(),
        spoor::privileges::resolve_group(spoor::privileges::DEFAULT_GROUP).unwrap(),
    )
}

impl TempDir {
    /// A fresh `spoor-<tag>-<pid>-<n>-<nanos>` directory holding `dirs`
    /// and `files` (path relative to it, contents).
    pub fn create(tag: &str, dirs: &[&str], files: &[(&str, &str)]) -> TempDir {
        static N: AtomicU32 = AtomicU32::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos();
        let p = std::env::temp_dir().join(format!(
            "spoor-{tag}-{}-{}-{nanos}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        mode_0755(&p);
        for d in dirs {
            std::fs::create_dir_all(p.join(d)).unwrap();
            mode_0755(&p.join(d));
        }
        let dir = TempDir(p);
        for (rel, text) in files {
            dir.write(rel, text);
        }
        dir
    }

    /// Writes `text` to `rel` inside the directory, making its parents.
    pub fn write(&self, rel: &str, text: &str) {
        let p = self.0.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    /// Gives the directory `rel` to the account spoor serves as when a
    /// test runs it as root without `User` (nobody/nogroup), so that a
    /// reload after the privilege drop can reopen the logs in it and
    /// spoor can remove its pid file there. Nothing to do when not root.
    pub fn give_to_server(&self, rel: &str) {
        give_to_server(&self.0.join(rel));
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs `cfg` in-process on a loopback listener (two worker threads)
/// while `f` talks to it on the given port; returns once the server has
/// stopped and its logs are closed.
pub fn with_site(cfg: spoor::server::Config, f: impl FnOnce(u16)) {
    use std::sync::Arc;
    use std::time::Duration;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let port = listener.local_addr().unwrap().port();
    let current = Arc::new(spoor::server::Current::new(cfg));
    let (tx, rx) = tokio::sync::watch::channel(false);
    let task = rt.spawn(spoor::server::serve(listener, current.clone(), rx));
    f(port);
    tx.send(true).unwrap();
    rt.block_on(async {
        tokio::time::timeout(Duration::from_secs(10), task)
            .await
            .expect("server stopped")
            .unwrap()
            .unwrap()
    });
    drop(current);
    rt.shutdown_timeout(Duration::from_secs(5));
}

/// A loopback port nothing listens on at the moment of asking, taken
/// below the kernel's ephemeral range (`ip_local_port_range` starts at
/// 32768 by default): a port the kernel hands out for `bind(0)` can also be
/// picked as the source port of a client connection made meanwhile by a
/// test running in parallel, and a server later listening on it then sees
/// its first connection reset.
pub fn free_port() -> u16 {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    // Spread processes apart (pid), and the ports one process asks for.
    let start = std::process::id().wrapping_mul(7919);
    for _ in 0..2000 {
        let n = start.wrapping_add(NEXT.fetch_add(1, Ordering::Relaxed).wrapping_mul(104_729));
        let port = 20_000 + (n % 12_000) as u16;
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    panic!("no free loopback port between 20000 and 32000");
}

/// A running `spoor --wasd HTTPD_CONFIG.CONF [--wasd-map HTTPD_MAP.CONF]`
/// with `dir` as its root (TZ=UTC0); stopped with SIGTERM (then killed)
/// by [`WasdSpoor::stop`] or on drop.
pub struct WasdSpoor(pub std::process::Child);

impl WasdSpoor {
    /// Starts it and waits (at most 10 s) until `port` accepts.
    pub fn start(dir: &std::path::Path, port: u16, map: bool) -> WasdSpoor {
        WasdSpoor::launch(dir, port, map, Stdio::null()).0
    }

    /// As [`WasdSpoor::start`], with spoor's standard error sent line by
    /// line to the returned channel (read with [`next_line_starting`]).
    pub fn start_reporting(
        dir: &std::path::Path,
        port: u16,
        map: bool,
    ) -> (WasdSpoor, std::sync::mpsc::Receiver<String>) {
        let (s, err) = WasdSpoor::launch(dir, port, map, Stdio::piped());
        let (tx, rx) = std::sync::mpsc::channel();
        let err = err.expect("a piped standard error");
        std::thread::spawn(move || {
            use std::io::BufRead;
            for l in std::io::BufReader::new(err).lines() {
                let Ok(l) = l else { break };
                if tx.send(l).is_err() {
                    break;
                }
            }
        });
        (s, rx)
    }

    fn launch(
        dir: &std::path::Path,
        port: u16,
        map: bool,
        stderr: Stdio,
    ) -> (WasdSpoor, Option<std::process::ChildStderr>) {
        use std::time::{Duration, Instant};
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_spoor"));
        cmd.arg("--wasd").arg("HTTPD_CONFIG.CONF");
        if map {
            cmd.arg("--wasd-map").arg("HTTPD_MAP.CONF");
        }
        let mut child = cmd
            .arg("-d")
            .arg(dir)
            .env("TZ", "UTC0")
            .stderr(stderr)
            .spawn()
            .unwrap();
        let err = child.stderr.take();
        let s = WasdSpoor(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "spoor did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        (s, err)
    }

    /// SIGTERM, then waits for the exit (killing it after 10 s).
    pub fn stop(mut self) {
        self.terminate();
    }

    fn terminate(&mut self) {
        use std::time::{Duration, Instant};
        // SAFETY: signalling our own child.
        unsafe { libc::kill(self.0.id() as i32, libc::SIGTERM) };
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.0.try_wait().unwrap().is_none() {
            if Instant::now() > deadline {
                let _ = self.0.kill();
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for WasdSpoor {
    fn drop(&mut self) {
        if self.0.try_wait().ok().flatten().is_none() {
            self.terminate();
        }
    }
}

/// Skips lines of `lines` until one starts with `prefix` and returns it;
/// panics if none comes within 20 s.
pub fn next_line_starting(lines: &std::sync::mpsc::Receiver<String>, prefix: &str) -> String {
    use std::time::{Duration, Instant};
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match lines.recv_timeout(left) {
            Ok(l) if l.starts_with(prefix) => return l,
            Ok(_) => {}
            Err(e) => panic!("no line starting with {prefix:?} within 20 s: {e}"),
        }
    }
}

/// A tmpfs mounted by a test (unmounted on drop); `None` from
/// [`Mount::tmpfs`] if mounting is not possible here (not root).
pub struct Mount(PathBuf);

impl Mount {
    /// Mounts a tmpfs of `size` bytes at `dir` (created if missing).
    pub fn tmpfs(dir: &Path, size: usize) -> Option<Mount> {
        std::fs::create_dir_all(dir).unwrap();
        let st = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir)
            .stderr(Stdio::null())
            .status()
            .ok()?;
        st.success().then(|| Mount(dir.to_path_buf()))
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

/// Bytes available to an unprivileged writer on the file system of `p`.
pub fn statvfs_avail(p: &Path) -> u64 {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(p.as_os_str().as_bytes()).unwrap();
    let mut s: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: a valid C string and a zeroed statvfs to fill.
    assert_eq!(unsafe { libc::statvfs(c.as_ptr(), &mut s) }, 0);
    s.f_bavail as u64 * s.f_bsize as u64
}

/// Records that `test` could not set itself up (`reason`) instead of
/// letting it pass unseen.
///
/// Under `scripts/test-all` (which sets `SPOOR_TEST_SKIPS` to a file) the
/// line `test: reason` is appended to that file and the caller returns;
/// the script counts and names these in its summary line as skipped,
/// never as passed. Run any other way, the test fails with the reason.
pub fn skip(test: &str, reason: &str) {
    use std::io::Write;
    let Some(file) = std::env::var_os("SPOOR_TEST_SKIPS") else {
        panic!(
            "{test}: cannot run here: {reason} \
             (scripts/test-all reports this as skipped)"
        );
    };
    let line = format!("{test}: {reason}\n");
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&file)
        .unwrap_or_else(|e| panic!("{test}: cannot record the skip in {file:?}: {e}"));
    f.write_all(line.as_bytes())
        .unwrap_or_else(|e| panic!("{test}: cannot record the skip in {file:?}: {e}"));
    eprintln!("SKIPPED {line}");
}

/// apache2's binary, the oracle of the `-t` comparisons.
pub const APACHE2: &str = "/usr/sbin/apache2";

/// Checks each configuration `head` + body with `apache2 -t -D APACHE`
/// and `spoor -t` in `dir` (file `a.conf`): each body whose verdicts
/// differ ("ok", or the whole error text), described.
pub fn t_differences(
    dir: &Path,
    head: &str,
    bodies: impl IntoIterator<Item = String>,
) -> Vec<String> {
    let mut differ = Vec::new();
    let conf = dir.join("a.conf");
    for body in bodies {
        std::fs::write(&conf, format!("{head}{body}\n")).unwrap();
        let run = |cmd: &mut Command| {
            let out = cmd
                .arg("-t")
                .arg("-f")
                .arg(&conf)
                .arg("-d")
                .arg(dir)
                .stdin(Stdio::null())
                .output()
                .expect("run -t");
            if out.status.success() {
                "ok".to_string()
            } else {
                String::from_utf8_lossy(&out.stderr).trim_end().to_string()
            }
        };
        let a = run(Command::new(APACHE2).args(["-D", "APACHE"]));
        let s = run(&mut Command::new(env!("CARGO_BIN_EXE_spoor")));
        if a != s {
            differ.push(format!("{body:?}\n  apache2: {a}\n  spoor:   {s}"));
        }
    }
    differ
}

/// A spoor started by [`start_conf`], killed when dropped.
pub struct Server(pub std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts spoor on `root/spoor.conf` (ServerRoot `root`, standard error to
/// `root/spoor.stderr`) and waits, at most 10 s, until `port` answers.
pub fn start_conf(root: &Path, port: u16) -> Server {
    use std::time::{Duration, Instant};
    let child = Command::new(env!("CARGO_BIN_EXE_spoor"))
        .args(["-f", "spoor.conf", "-d"])
        .arg(root)
        .stderr(std::fs::File::create(root.join("spoor.stderr")).unwrap())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "spoor did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    Server(child)
}

/// A started site in a fresh directory: `htdocs/a.txt` ("hello\n"),
/// `logs/` the server may write, and `spoor.conf` listening on a free
/// loopback port with `ServerName <tag>.test`, `DocumentRoot htdocs` and
/// the lines `extra`. Returns the directory, the port and the server.
#[allow(dead_code)]
pub fn hello_site(tag: &str, extra: &str) -> (TempDir, u16, Server) {
    let dir = TempDir::create(tag, &["htdocs", "logs"], &[]);
    give_to_server(&dir.0.join("logs"));
    std::fs::write(dir.0.join("htdocs/a.txt"), "hello\n").unwrap();
    let port = free_port();
    std::fs::write(
        dir.0.join("spoor.conf"),
        format!("Listen 127.0.0.1:{port}\nServerName {tag}.test\nDocumentRoot htdocs\n{extra}"),
    )
    .unwrap();
    let server = start_conf(&dir.0, port);
    (dir, port, server)
}

/// Reads one response with a `Content-Length` body (none: empty) from a
/// keep-alive connection: its status and body.
pub fn read_response(r: &mut std::io::BufReader<std::net::TcpStream>) -> (u16, Vec<u8>) {
    use std::io::{BufRead, Read};
    let mut line = String::new();
    r.read_line(&mut line).unwrap();
    let status = line.split(' ').nth(1).unwrap().parse().unwrap();
    let mut len = 0;
    loop {
        let mut h = String::new();
        r.read_line(&mut h).unwrap();
        if h == "\r\n" {
            break;
        }
        if let Some(v) = h.to_ascii_lowercase().strip_prefix("content-length: ") {
            len = v.trim().parse().unwrap();
        }
    }
    let mut body = vec![0; len];
    r.read_exact(&mut body).unwrap();
    (status, body)
}
