//! `User`, `Group` and the privilege drop, through the binary started as
//! root (CI runs the suite as root; as anyone else each test is reported
//! as skipped by `scripts/test-all` and fails under plain `cargo test`): the ids of every thread after start-up, what the unprivileged
//! server can and cannot read, logs and piped loggers opened before the
//! drop, SIGHUP after the drop (a log the user may write is reopened, one
//! in a root-only directory keeps its descriptor with a warning, a new
//! log the user cannot open fails the reload), `User root` refused unless
//! `--allow-root`, the default account, and a server started by another
//! user (nothing changes).

use std::fs::File;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

mod common;
use common::{default_ids, free_port, is_root, TempDir};

/// `false` (with the reason printed) when the tests cannot run here.
fn root_or_skip(test: &str) -> bool {
    if !is_root() {
        common::skip(
            &format!("privileges::{test}"),
            "the privilege drop needs the tests to run as root",
        );
    }
    is_root()
}

struct Server {
    child: Child,
    stderr: std::path::PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

impl Server {
    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }

    fn signal(&self, sig: libc::c_int) {
        // SAFETY: signalling our own child.
        unsafe { libc::kill(self.pid() as i32, sig) };
    }

    /// SIGHUP, then waits (at most 10 s) until stderr has one more line
    /// saying how the reload ended.
    fn reload(&self) -> String {
        let count = |s: &str| {
            s.matches("configuration reloaded")
                .chain(s.matches("the old configuration keeps serving"))
                .count()
        };
        let before = count(&self.stderr());
        self.signal(libc::SIGHUP);
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let now = self.stderr();
            if count(&now) > before {
                return now;
            }
            assert!(Instant::now() < deadline, "reload did not finish: {now}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn stop(mut self) -> std::process::ExitStatus {
        self.signal(libc::SIGTERM);
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(st) = self.child.try_wait().unwrap() {
                return st;
            }
            assert!(Instant::now() < deadline, "spoor did not stop");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// Starts spoor with `args` (stderr to a file in `dir`) and waits until
/// `port` answers a request, which spoor only serves after the drop.
fn start(dir: &Path, port: u16, args: &[&str]) -> Server {
    let stderr = dir.join("stderr.txt");
    let child = Command::new(env!("CARGO_BIN_EXE_spoor"))
        .args(args)
        .stdout(Stdio::null())
        .stderr(File::create(&stderr).unwrap())
        .spawn()
        .unwrap();
    let mut s = Server { child, stderr };
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(st) = s.child.try_wait().unwrap() {
            panic!("spoor exited ({st:?}): {}", s.stderr());
        }
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            break;
        }
        assert!(Instant::now() < deadline, "spoor did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    // The first answer comes from the accept loop, which runs after the
    // drop.
    status(port, "/");
    s
}

fn status(port: u16, path: &str) -> u16 {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: p.test\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out[9..12].parse().unwrap()
}

/// The `Uid:`, `Gid:` and `Groups:` numbers of every thread of `pid`.
fn thread_ids(pid: u32) -> Vec<(Vec<u32>, Vec<u32>, Vec<u32>)> {
    let mut out = Vec::new();
    for t in std::fs::read_dir(format!("/proc/{pid}/task")).unwrap() {
        let status = std::fs::read_to_string(t.unwrap().path().join("status")).unwrap();
        let ids = |key: &str| -> Vec<u32> {
            status
                .lines()
                .find_map(|l| l.strip_prefix(key))
                .unwrap()
                .split_whitespace()
                .map(|x| x.parse().unwrap())
                .collect()
        };
        out.push((ids("Uid:"), ids("Gid:"), ids("Groups:")));
    }
    assert!(!out.is_empty());
    out
}

fn read(p: impl AsRef<Path>) -> String {
    std::fs::read_to_string(p.as_ref()).unwrap_or_default()
}

fn chmod(p: impl AsRef<Path>, mode: u32) {
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Waits (at most 5 s) until `p` holds `n` lines.
fn wait_lines(p: &Path, n: usize) -> String {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let s = read(p);
        if s.lines().count() >= n || Instant::now() > deadline {
            return s;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn site(tag: &str) -> TempDir {
    let t = TempDir::create(
        &format!("privs-{tag}"),
        &["htdocs", "rootlogs", "userlogs"],
        &[
            ("htdocs/index.html", "index\n"),
            ("htdocs/pub.txt", "pub\n"),
        ],
    );
    t.write("htdocs/secret.txt", "secret\n");
    chmod(t.0.join("htdocs/secret.txt"), 0o600);
    // Logs only root may enter; and a directory the server's user owns.
    chmod(t.0.join("rootlogs"), 0o700);
    t.give_to_server("userlogs");
    t
}

#[test]
fn drops_to_user_and_group_after_opening_everything() {
    if !root_or_skip("drops_to_user_and_group_after_opening_everything") {
        return;
    }
    let t = site("drop");
    let port = free_port();
    let (uid, gid) = default_ids();
    std::fs::write(
        t.0.join("spoor.conf"),
        format!(
            "Listen 127.0.0.1:{port}\n\
             User nobody\n\
             Group nogroup\n\
             DocumentRoot htdocs\n\
             PidFile rootlogs/spoor.pid\n\
             ErrorLog rootlogs/error.log\n\
             LogLevel info\n\
             CustomLog rootlogs/access.log \"%>s %U\"\n\
             CustomLog \"|$cat >> rootlogs/piped.log\" \"piped %>s %U\"\n"
        ),
    )
    .unwrap();
    let root = t.0.to_str().unwrap();
    let s = start(&t.0, port, &["-d", root, "-f", "spoor.conf"]);
    // Every thread: real, effective, saved and file-system ids are the
    // user's and group's; no group 0 anywhere.
    for (uids, gids, groups) in thread_ids(s.pid()) {
        assert_eq!(uids, [uid; 4]);
        assert_eq!(gids, [gid; 4]);
        assert!(!groups.contains(&0), "{groups:?}");
    }
    assert!(s.stderr().contains(&format!(
        "spoor: serving as user nobody (uid {uid}), group nogroup (gid {gid})"
    )));
    // What root alone may read is now out of reach.
    assert_eq!(status(port, "/secret.txt"), 403);
    assert_eq!(status(port, "/pub.txt"), 200);
    // The pid file, the logs and the piped logger, all in a directory only
    // root may enter, were set up before the drop and work.
    assert_eq!(
        read(t.0.join("rootlogs/spoor.pid")),
        format!("{}\n", s.pid())
    );
    let st = s.stop();
    assert!(st.success(), "{st:?}");
    assert_eq!(
        read(t.0.join("rootlogs/access.log")),
        "200 /index.html\n403 /secret.txt\n200 /pub.txt\n"
    );
    assert_eq!(
        wait_lines(&t.0.join("rootlogs/piped.log"), 3),
        "piped 200 /index.html\npiped 403 /secret.txt\npiped 200 /pub.txt\n"
    );
    // httpd's line for a file the server's user may not read.
    let errors = read(t.0.join("rootlogs/error.log"));
    assert!(
        errors.contains("(13)Permission denied: [client 127.0.0.1:")
            && errors.contains(&format!(
                "AH00132: file permissions deny server access: {root}/htdocs/secret.txt\n"
            )),
        "{errors}"
    );
}

#[test]
fn reload_after_the_drop() {
    if !root_or_skip("reload_after_the_drop") {
        return;
    }
    let t = site("hup");
    let port = free_port();
    let conf = |extra: &str| {
        format!(
            "Listen 127.0.0.1:{port}\n\
             DocumentRoot htdocs\n\
             CustomLog userlogs/access.log \"U %U\"\n\
             CustomLog rootlogs/access.log \"R %U\"\n\
             CustomLog \"|$echo $$ >> rootlogs/logger.pids; exec cat >> rootlogs/piped.log\" \"P %U\"\n\
             CustomLog rootlogs/p_%Y%m%d.log \"D %U\" period=daily\n\
             LogLevel info\n\
             ErrorLog rootlogs/error.log\n\
             ForensicLog rootlogs/forensic.log\n\
             {extra}\
             LoadModule log_forensic_module modules/mod_log_forensic.so\n"
        )
    };
    std::fs::write(t.0.join("spoor.conf"), conf("")).unwrap();
    let root = t.0.to_str().unwrap();
    let s = start(&t.0, port, &["-d", root, "-f", "spoor.conf"]);
    status(port, "/one");
    // Rotate both logs and reload.
    for d in ["userlogs", "rootlogs"] {
        std::fs::rename(
            t.0.join(d).join("access.log"),
            t.0.join(d).join("access.log.1"),
        )
        .unwrap();
    }
    let err = s.reload();
    assert!(err.contains("configuration reloaded"), "{err}");
    let warning = format!(
        "spoor: warning: {}/rootlogs/access.log cannot be reopened as user nobody",
        t.0.display()
    );
    assert_eq!(err.matches(&warning).count(), 1, "{err}");
    assert!(
        err.contains("the descriptor opened before the privilege drop stays in use"),
        "{err}"
    );
    assert!(!err.contains("userlogs/access.log cannot"), "{err}");
    // Error, forensic and periodic logs in the root-only directory keep
    // their descriptors too.
    for name in ["error.log", "forensic.log", "p_%Y%m%d.log"] {
        let w = format!(
            "spoor: warning: {}/rootlogs/{name} cannot be reopened as user nobody",
            t.0.display()
        );
        assert_eq!(err.matches(&w).count(), 1, "{name}: {err}");
    }
    status(port, "/two");

    // A new log the user cannot create fails the reload; the old
    // configuration keeps serving and logging.
    std::fs::write(
        t.0.join("spoor.conf"),
        conf("CustomLog rootlogs/new.log \"N %U\"\n"),
    )
    .unwrap();
    let err = s.reload();
    assert!(
        err.contains("could not open transfer log file")
            && err.contains("rootlogs/new.log: Permission denied"),
        "{err}"
    );
    assert!(err.contains("the old configuration keeps serving"), "{err}");
    status(port, "/three");

    // Another account cannot be taken on any more: refused, old one kept.
    std::fs::write(t.0.join("spoor.conf"), conf("User www-data\n")).unwrap();
    let err = s.reload();
    assert!(
        err.contains("cannot change accounts: restart spoor"),
        "{err}"
    );
    status(port, "/four");
    assert!(s.stop().success());

    // The log the user owns was reopened by name; the root-only one kept
    // its descriptor, so its records after the rotation are in the
    // renamed file.
    assert_eq!(
        read(t.0.join("userlogs/access.log.1")),
        "U /index.html\nU /one\n"
    );
    assert_eq!(
        read(t.0.join("userlogs/access.log")),
        "U /two\nU /three\nU /four\n"
    );
    assert_eq!(
        read(t.0.join("rootlogs/access.log.1")),
        "R /index.html\nR /one\nR /two\nR /three\nR /four\n"
    );
    assert!(!t.0.join("rootlogs/access.log").exists());
    assert!(!t.0.join("rootlogs/new.log").exists());
    // The piped logger kept running across the reloads: started once, it
    // got every record.
    assert_eq!(
        wait_lines(&t.0.join("rootlogs/piped.log"), 5),
        "P /index.html\nP /one\nP /two\nP /three\nP /four\n"
    );
    assert_eq!(read(t.0.join("rootlogs/logger.pids")).lines().count(), 1);
    let forensic = read(t.0.join("rootlogs/forensic.log"));
    assert_eq!(forensic.lines().filter(|l| l.starts_with('+')).count(), 5);
    assert_eq!(forensic.lines().filter(|l| l.starts_with('-')).count(), 5);
    let errors = read(t.0.join("rootlogs/error.log"));
    assert!(
        errors.contains(&format!("AH00128: File does not exist: {root}/htdocs/four")),
        "{errors}"
    );
    // The periodic log (one file a day: read them all, in name order).
    let mut days: Vec<_> = std::fs::read_dir(t.0.join("rootlogs"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_str().unwrap().starts_with("p_"))
        .collect();
    days.sort();
    let periodic: String = days.iter().map(read).collect();
    assert_eq!(
        periodic,
        "D /index.html\nD /one\nD /two\nD /three\nD /four\n"
    );
}

#[test]
fn user_root_is_refused_unless_allowed() {
    if !root_or_skip("user_root_is_refused_unless_allowed") {
        return;
    }
    let t = site("root");
    let port = free_port();
    std::fs::write(
        t.0.join("spoor.conf"),
        format!("Listen 127.0.0.1:{port}\nDocumentRoot htdocs\nUser root\n"),
    )
    .unwrap();
    let root = t.0.to_str().unwrap();
    for extra in [&[][..], &["-t"][..]] {
        let out = Command::new(env!("CARGO_BIN_EXE_spoor"))
            .args(["-d", root, "-f", "spoor.conf"])
            .args(extra)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.starts_with(&format!(
                "AH00526: Syntax error on line 3 of {root}/spoor.conf:\n\
                 refusing to serve as root: User root is uid 0."
            )),
            "{err}"
        );
        assert!(err.contains("--allow-root"), "{err}");
    }
    // `#0` and `Group root` are root too.
    for line in ["User #0", "Group root", "Group #0"] {
        std::fs::write(
            t.0.join("spoor.conf"),
            format!("Listen 127.0.0.1:{port}\n{line}\n"),
        )
        .unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_spoor"))
            .args(["-d", root, "-f", "spoor.conf", "-t"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{line}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("refusing to serve as root"));
    }
    // With the flag, root it is.
    std::fs::write(
        t.0.join("spoor.conf"),
        format!("Listen 127.0.0.1:{port}\nDocumentRoot htdocs\nUser root\nGroup root\n"),
    )
    .unwrap();
    let s = start(
        &t.0,
        port,
        &["-d", root, "-f", "spoor.conf", "--allow-root"],
    );
    for (uids, gids, _) in thread_ids(s.pid()) {
        assert_eq!(uids, [0; 4]);
        assert_eq!(gids, [0; 4]);
    }
    assert_eq!(status(port, "/secret.txt"), 200);
    assert!(s.stop().success());
}

#[test]
fn default_account_is_nobody_nogroup() {
    if !root_or_skip("default_account_is_nobody_nogroup") {
        return;
    }
    let t = site("default");
    let (uid, gid) = default_ids();
    let root = t.0.to_str().unwrap();
    // An httpd.conf without User/Group, and the embedded default.
    let port = free_port();
    std::fs::write(
        t.0.join("spoor.conf"),
        format!("Listen 127.0.0.1:{port}\nDocumentRoot htdocs\nPidFile userlogs/spoor.pid\n"),
    )
    .unwrap();
    let s = start(&t.0, port, &["-d", root, "-f", "spoor.conf"]);
    let ids = thread_ids(s.pid());
    assert!(ids.iter().all(|(u, g, _)| u == &[uid; 4] && g == &[gid; 4]));
    assert_eq!(status(port, "/secret.txt"), 403);
    assert!(s.stop().success());
    // In a directory the user may write, the pid file is removed at exit.
    assert!(!t.0.join("userlogs/spoor.pid").exists());

    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let htdocs = format!("{root}/htdocs");
    let s = start(
        &t.0,
        port,
        &[
            "--listen",
            &listen,
            "--root",
            &htdocs,
            "--access-log",
            &format!("{root}/rootlogs/a.log"),
        ],
    );
    let ids = thread_ids(s.pid());
    assert!(ids.iter().all(|(u, g, _)| u == &[uid; 4] && g == &[gid; 4]));
    assert_eq!(status(port, "/secret.txt"), 403);
    assert_eq!(status(port, "/pub.txt"), 200);
    // Reloading the embedded default keeps the root-only log.
    let _ = std::fs::rename(t.0.join("rootlogs/a.log"), t.0.join("rootlogs/a.log.1"));
    s.signal(libc::SIGHUP);
    let deadline = Instant::now() + Duration::from_secs(10);
    while !s.stderr().contains("stays in use") {
        assert!(Instant::now() < deadline, "{}", s.stderr());
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(status(port, "/index.html"), 200);
    assert!(s.stop().success());
    let log = read(t.0.join("rootlogs/a.log.1"));
    assert_eq!(log.lines().count(), 4, "{log}");
    assert!(log.lines().last().unwrap().contains("GET /index.html"));
}

#[test]
fn not_root_keeps_its_identity() {
    if !root_or_skip("not_root_keeps_its_identity") {
        return;
    }
    use std::os::unix::process::CommandExt;
    let t = site("notroot");
    let port = free_port();
    let (uid, gid) = default_ids();
    let conf = |user: &str| {
        format!(
            "Listen 127.0.0.1:{port}\nDocumentRoot htdocs\nUser {user}\nGroup www-data\n\
             CustomLog userlogs/access.log \"%>s %U\"\n"
        )
    };
    std::fs::write(t.0.join("spoor.conf"), conf("www-data")).unwrap();
    let root = t.0.to_str().unwrap();
    // Started by nobody: User/Group change nothing and say nothing, as
    // with httpd.
    let stderr = t.0.join("userlogs/stderr.txt");
    let child = Command::new(env!("CARGO_BIN_EXE_spoor"))
        .args(["-d", root, "-f", "spoor.conf"])
        .uid(uid)
        .gid(gid)
        .stdout(Stdio::null())
        .stderr(File::create(&stderr).unwrap())
        .spawn()
        .unwrap();
    let s = Server { child, stderr };
    let deadline = Instant::now() + Duration::from_secs(10);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "spoor did not start: {}",
            s.stderr()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(status(port, "/pub.txt"), 200);
    for (uids, gids, _) in thread_ids(s.pid()) {
        assert_eq!(uids, [uid; 4]);
        assert_eq!(gids, [gid; 4]);
    }
    assert!(s.stop().success());
    let err = read(t.0.join("userlogs/stderr.txt"));
    assert!(!err.contains("serving as"), "{err}");
    assert_eq!(read(t.0.join("userlogs/access.log")), "200 /pub.txt\n");
    // `User root` is refused whoever reads the file.
    std::fs::write(t.0.join("spoor.conf"), conf("root")).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_spoor"))
        .args(["-d", root, "-f", "spoor.conf", "-t"])
        .uid(uid)
        .gid(gid)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("refusing to serve as root"));
}
