//! systemd's readiness protocol end to end: spoor started with
//! `$NOTIFY_SOCKET` sends `READY=1` once it accepts connections,
//! `RELOADING=1` then `READY=1` around a reload (a good one and a failed
//! one), and `STOPPING=1` on SIGTERM; its piped loggers do not inherit the
//! variable. The unit file in `contrib/` passes `systemd-analyze verify`.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::unix::net::UnixDatagram;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

mod common;
use common::{free_port, TempDir};

/// The spoor process, killed and reaped when dropped.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn recv(sock: &UnixDatagram) -> String {
    let mut buf = [0u8; 4096];
    let n = sock
        .recv(&mut buf)
        .expect("no notification within the time limit");
    String::from_utf8_lossy(&buf[..n]).into_owned()
}

fn get(port: u16) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(b"GET /index.html HTTP/1.0\r\n\r\n").unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

fn signal(child: &Child, sig: libc::c_int) {
    // SAFETY: kill has no memory-safety preconditions; the pid is our
    // own child, not reaped yet.
    unsafe { libc::kill(child.id() as libc::pid_t, sig) };
}

#[test]
fn readiness_reload_and_stop_are_told() {
    let dir = TempDir::create(
        "notify",
        &["htdocs", "logs"],
        &[("htdocs/index.html", "hello\n")],
    );
    let port = free_port();
    let conf = dir.0.join("spoor.conf");
    let write_conf = |extra: &str| {
        std::fs::write(
            &conf,
            format!(
                "Listen 127.0.0.1:{port}\nDocumentRoot htdocs\n\
                 CustomLog logs/access.log \"%h %>s\"\n\
                 CustomLog \"|/bin/sh -c 'env > {}/logs/logger-env; cat > /dev/null'\" \"%h\"\n{extra}",
                dir.0.display()
            ),
        )
        .unwrap()
    };
    write_conf("");
    let sock_path = dir.0.join("notify.sock");
    let sock = UnixDatagram::bind(&sock_path).unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_spoor"))
        .arg("-d")
        .arg(&dir.0)
        .arg("-f")
        .arg(&conf)
        .env("NOTIFY_SOCKET", &sock_path)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let server = Server(child);

    let ready = recv(&sock);
    assert!(ready.contains("READY=1"), "{ready}");
    assert!(
        ready.contains(&format!("MAINPID={}", server.0.id())),
        "{ready}"
    );
    // Ready means serving: the first connection is answered.
    assert!(
        get(port).starts_with("HTTP/1.1 200"),
        "not serving when READY=1"
    );

    // A good reload.
    signal(&server.0, libc::SIGHUP);
    let m = recv(&sock);
    assert!(
        m.contains("RELOADING=1") && m.contains("MONOTONIC_USEC="),
        "{m}"
    );
    let m = recv(&sock);
    assert!(m.contains("READY=1"), "{m}");

    // A failed reload: still ready afterwards, still serving.
    write_conf("Frobnicate on\n");
    signal(&server.0, libc::SIGHUP);
    assert!(recv(&sock).contains("RELOADING=1"));
    assert!(recv(&sock).contains("READY=1"));
    assert!(get(port).starts_with("HTTP/1.1 200"));

    // The piped logger did not inherit the variable.
    let env_file = dir.0.join("logs/logger-env");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !std::fs::metadata(&env_file).is_ok_and(|m| m.len() > 0) {
        assert!(Instant::now() < deadline, "the piped logger never ran");
        std::thread::sleep(Duration::from_millis(20));
    }
    let env = std::fs::read_to_string(&env_file).unwrap();
    assert!(env.contains("PATH="), "{env}");
    assert!(!env.contains("NOTIFY_SOCKET"), "{env}");

    signal(&server.0, libc::SIGTERM);
    assert!(recv(&sock).contains("STOPPING=1"));
}

#[test]
fn the_unit_file_verifies() {
    // The unit file names /usr/local/bin/spoor; verify a copy that names
    // the binary under test.
    let analyze = "/usr/bin/systemd-analyze";
    assert!(
        std::path::Path::new(analyze).exists(),
        "{analyze} is missing (scripts/test-all installs systemd)"
    );
    let dir = TempDir::create("notify-unit", &[], &[]);
    let unit = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../contrib/spoor.service"
    ))
    .unwrap();
    assert!(unit.contains("Type=notify"));
    let unit = unit.replace("/usr/local/bin/spoor", env!("CARGO_BIN_EXE_spoor"));
    let path = dir.0.join("spoor.service");
    std::fs::write(&path, unit).unwrap();
    let out = Command::new(analyze)
        .arg("verify")
        .arg(&path)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    // Only complaints about this unit count (the machine's own units may
    // draw warnings of their own).
    let ours: Vec<&str> = err
        .lines()
        .filter(|l| l.contains("spoor.service"))
        .collect();
    assert!(out.status.success() && ours.is_empty(), "{err}");
}
