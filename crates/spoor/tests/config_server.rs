//! spoor run from an httpd.conf: `-t`, errors with file and line, virtual
//! hosts and log inheritance, reload on SIGHUP (logs reopened, a bad new
//! configuration keeps the old one serving), SIGTERM.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod common;
use common::{free_port, Server, TempDir};

fn tempdir(tag: &str) -> TempDir {
    let t = TempDir::create(
        &format!("cfg-{tag}"),
        &["htdocs", "vh", "logs"],
        &[
            ("htdocs/index.html", "main\n"),
            ("vh/index.html", "vhost\n"),
        ],
    );
    // Run as root, spoor serves as nobody: the logs directory is the
    // server user's, so a reload reopens rotated logs and the pid file is
    // removed at exit.
    t.give_to_server("logs");
    t
}

fn spoor(args: &[&str], root: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_spoor"))
        .args(args)
        .arg("-d")
        .arg(root)
        .output()
        .unwrap()
}

fn start(root: &Path, port: u16) -> Server {
    common::start_conf(root, port)
}

/// Waits (bounded) until the server's standard error holds `n` lines
/// containing `what`.
fn wait_stderr(root: &Path, what: &str, n: usize) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let text = std::fs::read_to_string(root.join("spoor.stderr")).unwrap_or_default();
        if text.lines().filter(|l| l.contains(what)).count() >= n {
            return;
        }
        assert!(Instant::now() < deadline, "no '{what}' on stderr:\n{text}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn get(port: u16, host: &str, path: &str) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

fn stop(mut s: Server) {
    // SAFETY: sending a signal to our own child process.
    unsafe { libc::kill(s.0.id() as i32, libc::SIGTERM) };
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(st) = s.0.try_wait().unwrap() {
            assert!(st.success(), "{st:?}");
            return;
        }
        assert!(Instant::now() < deadline, "spoor did not stop");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn read(root: &Path, f: &str) -> String {
    std::fs::read_to_string(root.join(f)).unwrap_or_default()
}

fn config(port: u16) -> String {
    format!(
        "Listen 127.0.0.1:{port}\n\
         ServerName main.test\n\
         DocumentRoot htdocs\n\
         PidFile logs/spoor.pid\n\
         LogFormat \"%v|%V|%p|%U|%>s|%b\" nick\n\
         LogFormat \"MAINDEFAULT %U\"\n\
         CustomLog logs/main.log nick\n\
         TransferLog logs/transfer.log\n\
         GlobalLog logs/global.log \"G %v %U\"\n\
         <VirtualHost 127.0.0.1:{port}>\n\
         ServerName a.test\n\
         ServerAlias *.a.test\n\
         DocumentRoot vh\n\
         CustomLog logs/a.log \"A %v %U %s\"\n\
         </VirtualHost>\n\
         <VirtualHost 127.0.0.1:{port}>\n\
         ServerName b.test:8080\n\
         LogFormat \"B-DEFAULT %U\"\n\
         </VirtualHost>\n"
    )
}

#[test]
fn config_test_mode_and_errors() {
    let t = tempdir("t");
    std::fs::write(t.0.join("spoor.conf"), config(free_port())).unwrap();
    let out = spoor(&["-t", "-f", "spoor.conf"], &t.0);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stderr), "Syntax OK\n");

    // Warnings of the model are printed, and the file still passes
    // (httpd: AH00113, "--- ignoring!").
    std::fs::write(
        t.0.join("warn.conf"),
        "ServerName x\nErrorDocument 401 http://x.test/y\n",
    )
    .unwrap();
    let out = spoor(&["-t", "-f", "warn.conf"], &t.0);
    assert!(out.status.success(), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("AH00113: ") && err.contains("warn.conf:2 cannot use a full URL in a 401 ErrorDocument directive --- ignoring!\n")
            && err.ends_with("Syntax OK\n"),
        "{err}"
    );

    std::fs::write(t.0.join("bad.conf"), "ServerName x\nFrobnicate on\n").unwrap();
    let out = spoor(&["-t", "-f", "bad.conf"], &t.0);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    let file = t.0.join("bad.conf");
    assert_eq!(
        err,
        format!(
            "AH00526: Syntax error on line 2 of {}:\nInvalid command 'Frobnicate', perhaps misspelled or defined by a module not included in the server configuration\n",
            file.display()
        )
    );

    std::fs::write(t.0.join("bad2.conf"), "LogFormat \"%h %Z\" x\n").unwrap();
    let out = spoor(&["-t", "-f", "bad2.conf"], &t.0);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("AH00526: Syntax error on line 1 of "),
        "{err}"
    );
    assert!(
        err.ends_with(":\nUnrecognized LogFormat directive %Z\n"),
        "{err}"
    );

    // -D feeds <IfDefine>.
    std::fs::write(
        t.0.join("def.conf"),
        "<IfDefine !OK>\nFrobnicate\n</IfDefine>\nListen 127.0.0.1:1\n",
    )
    .unwrap();
    assert!(spoor(&["-t", "-f", "def.conf", "-D", "OK"], &t.0)
        .status
        .success());
    assert!(!spoor(&["-t", "-f", "def.conf"], &t.0).status.success());
}

#[test]
fn virtual_hosts_and_log_inheritance() {
    let t = tempdir("vh");
    let port = free_port();
    std::fs::write(t.0.join("spoor.conf"), config(port)).unwrap();
    let s = start(&t.0, port);
    assert_eq!(
        read(&t.0, "logs/spoor.pid").trim(),
        s.0.id().to_string(),
        "PidFile"
    );
    assert!(get(port, "a.test", "/").ends_with("\r\n\r\nvhost\n"));
    assert!(get(port, "www.a.test", "/").ends_with("\r\n\r\nvhost\n"));
    assert!(get(port, "B.TEST:80", "/").ends_with("\r\n\r\nmain\n"));
    // An unknown name: the first virtual host for the address.
    assert!(get(port, "unknown.test", "/").ends_with("\r\n\r\nvhost\n"));
    stop(s);
    assert!(
        !t.0.join("logs/spoor.pid").exists(),
        "pid file removed at exit"
    );

    // a.test has a log of its own: only it and the main GlobalLog.
    assert_eq!(
        read(&t.0, "logs/a.log"),
        "A a.test /index.html 200\nA a.test /index.html 200\nA a.test /index.html 200\n"
    );
    // b.test has no logs: it uses all of the main server's, with its own
    // default format for TransferLog, and its port from ServerName.
    assert_eq!(
        read(&t.0, "logs/main.log"),
        "b.test|b.test|8080|/index.html|200|5\n"
    );
    assert_eq!(read(&t.0, "logs/transfer.log"), "B-DEFAULT /index.html\n");
    assert_eq!(
        read(&t.0, "logs/global.log"),
        "G a.test /index.html\nG a.test /index.html\nG b.test /index.html\nG a.test /index.html\n"
    );
}

#[test]
fn reload_reopens_logs_and_survives_a_bad_config() {
    let t = tempdir("hup");
    let port = free_port();
    std::fs::write(t.0.join("spoor.conf"), config(port)).unwrap();
    let s = start(&t.0, port);
    get(port, "a.test", "/one");
    // Rotate: move the log away, then SIGHUP reopens it by name.
    std::fs::rename(t.0.join("logs/a.log"), t.0.join("logs/a.log.1")).unwrap();
    get(port, "a.test", "/two");
    // SAFETY: signalling our own child.
    unsafe { libc::kill(s.0.id() as i32, libc::SIGHUP) };
    // The new configuration serves once the reload says so (its logs are
    // opened before it is swapped in).
    wait_stderr(&t.0, "configuration reloaded", 1);
    assert!(t.0.join("logs/a.log").exists(), "log not reopened");
    get(port, "a.test", "/three");
    // A broken configuration: reported, the old one keeps serving.
    std::fs::write(t.0.join("spoor.conf"), "Frobnicate\n").unwrap();
    // SAFETY: as above.
    unsafe { libc::kill(s.0.id() as i32, libc::SIGHUP) };
    // Wait for spoor to say so on standard error, then check it serves.
    let deadline = Instant::now() + Duration::from_secs(10);
    while !read(&t.0, "spoor.stderr")
        .contains("spoor: reload failed, the old configuration keeps serving: ")
    {
        assert!(
            Instant::now() < deadline,
            "the failed reload was not reported: {}",
            read(&t.0, "spoor.stderr")
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(get(port, "a.test", "/").contains("200 OK"));
    stop(s);
    assert_eq!(
        read(&t.0, "logs/a.log.1"),
        "A a.test /one 404\nA a.test /two 404\n",
        "{}",
        read(&t.0, "spoor.stderr")
    );
    assert_eq!(
        read(&t.0, "logs/a.log"),
        "A a.test /three 404\nA a.test /index.html 200\n"
    );
}

#[test]
fn conditions_environment_pipes_and_buffering() {
    let t = tempdir("env");
    let port = free_port();
    std::fs::write(
        t.0.join("spoor.conf"),
        format!(
            "Listen 127.0.0.1:{port}\n\
             ServerName env.test\n\
             DocumentRoot htdocs\n\
             LoadModule setenvif_module modules/mod_setenvif.so\n\
             LoadModule env_module modules/mod_env.so\n\
             SetEnvIf Request_URI \"\\.html$\" page\n\
             BrowserMatch ^bot robot=yes\n\
             SetEnvIfNoCase X-Tag ^(A+)$ tag=got-$1\n\
             SetEnv always set\n\
             CustomLog logs/pages.log \"%U %{{page}}e\" env=page\n\
             CustomLog logs/other.log \"%U\" env=!page\n\
             CustomLog logs/env.log \"%{{robot}}e %{{tag}}e %{{always}}e\"\n\
             CustomLog \"|$cat >> logs/piped.log\" \"piped %U\"\n"
        ),
    )
    .unwrap();
    let s = start(&t.0, port);
    get(port, "env.test", "/index.html");
    get(port, "env.test", "/missing.txt");
    let mut c = TcpStream::connect(("127.0.0.1", port)).unwrap();
    c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    c.write_all(b"GET /x HTTP/1.1\r\nHost: env.test\r\nUser-Agent: bot/1\r\nX-Tag: aa\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut out = String::new();
    c.read_to_string(&mut out).unwrap();
    stop(s);
    assert_eq!(read(&t.0, "logs/pages.log"), "/index.html 1\n");
    assert_eq!(read(&t.0, "logs/other.log"), "/missing.txt\n/x\n");
    assert_eq!(
        read(&t.0, "logs/env.log"),
        "- - set\n- - set\nyes got-aa set\n"
    );
    // The piped logger got every line before spoor exited.
    assert_eq!(
        read(&t.0, "logs/piped.log"),
        "piped /index.html\npiped /missing.txt\npiped /x\n"
    );

    // BufferedLogs: lines are held, then flushed at exit.
    std::fs::write(
        t.0.join("spoor.conf"),
        format!(
            "Listen 127.0.0.1:{port}\nServerName env.test\nDocumentRoot htdocs\nBufferedLogs On\n\
             CustomLog logs/buffered.log \"%U\"\n"
        ),
    )
    .unwrap();
    let s = start(&t.0, port);
    get(port, "env.test", "/index.html");
    assert_eq!(read(&t.0, "logs/buffered.log"), "", "held in the buffer");
    stop(s);
    assert_eq!(read(&t.0, "logs/buffered.log"), "/index.html\n");
}

/// Which server's `Timeout` and `KeepAliveTimeout` apply when, as observed
/// with apache2 2.4.71 (event MPM) on the same configuration: header fields
/// are read under the base server's Timeout (the default virtual host of
/// the address), the body under the Host's; the wait for a next request is
/// the Host's KeepAliveTimeout when it sets one, else the base server's; a
/// later request line is read under the previous request's Timeout. A body
/// that times out is answered 408. Each check runs on its own thread, so
/// the test takes about the longest wait (2 s).
#[test]
fn vhost_timeouts_apply_per_phase() {
    let dir = tempdir("timeouts");
    let root = &dir.0;
    std::fs::create_dir_all(root.join("htdocs")).unwrap();
    std::fs::create_dir_all(root.join("logs")).unwrap();
    std::fs::write(root.join("htdocs/index.html"), "hi\n").unwrap();
    let port = free_port();
    std::fs::write(
        root.join("spoor.conf"),
        format!(
            "Listen 127.0.0.1:{port}\n\
             ServerName main.test\n\
             DocumentRoot htdocs\n\
             Timeout 2\n\
             KeepAliveTimeout 2\n\
             CustomLog logs/t.log \"%v %>s %U\"\n\
             <VirtualHost 127.0.0.1:{port}>\n\
             ServerName base.test\n\
             </VirtualHost>\n\
             <VirtualHost 127.0.0.1:{port}>\n\
             ServerName fast.test\n\
             Timeout 1\n\
             KeepAliveTimeout 1\n\
             </VirtualHost>\n\
             <VirtualHost 127.0.0.1:{port}>\n\
             ServerName slowka.test\n\
             Timeout 1\n\
             </VirtualHost>\n"
        ),
    )
    .unwrap();
    let srv = start(root, port);
    let req = |h: &str| format!("GET /index.html HTTP/1.1\r\nHost: {h}\r\n\r\n");
    // (name, bytes sent, pause, bytes after the pause, expected seconds,
    // last status seen).
    let checks: Vec<(&str, String, String, u64, &str)> = vec![
        (
            "headers under the base server",
            "GET /index.html HTTP/1.1\r\nHost: fast.test\r\n".into(),
            String::new(),
            2,
            "408",
        ),
        (
            "body under the host",
            "POST /index.html HTTP/1.1\r\nHost: fast.test\r\nContent-Length: 9\r\n\r\nab".into(),
            String::new(),
            1,
            "408",
        ),
        (
            "keep-alive wait of the host",
            req("fast.test"),
            String::new(),
            1,
            "200",
        ),
        (
            "keep-alive wait of the base server",
            req("slowka.test"),
            String::new(),
            2,
            "200",
        ),
        (
            "next request line under the last host",
            req("fast.test"),
            "GET /ind".into(),
            1,
            "200",
        ),
    ];
    let handles: Vec<_> = checks
        .into_iter()
        .map(|(name, first, then, secs, status)| {
            std::thread::spawn(move || {
                let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
                s.set_read_timeout(Some(Duration::from_secs(6))).unwrap();
                s.write_all(first.as_bytes()).unwrap();
                let mut t = Instant::now();
                if !then.is_empty() {
                    std::thread::sleep(Duration::from_millis(200));
                    s.write_all(then.as_bytes()).unwrap();
                    t = Instant::now();
                }
                let mut out = Vec::new();
                let _ = s.read_to_end(&mut out);
                let took = t.elapsed().as_secs_f64();
                let text = String::from_utf8_lossy(&out).into_owned();
                let last = text
                    .match_indices("HTTP/1.1 ")
                    .last()
                    .map(|(i, _)| text[i + 9..i + 12].to_string())
                    .unwrap_or_default();
                // A timeout never fires early (the clock starts after the
                // last write, a little after the server's), but a loaded
                // machine may close late: the window tells 1 s from 2 s.
                assert!(
                    took > secs as f64 - 0.3 && took < secs as f64 + 0.9,
                    "{name}: closed after {took:.2}s, expected {secs}s"
                );
                assert_eq!(last, status, "{name}: {text}");
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    stop(srv);
    let log = read(root, "logs/t.log");
    // The 408 for unfinished header fields is the base server's.
    assert!(log.contains("base.test 408 /index.html"), "{log}");
    assert!(log.contains("fast.test 408 /index.html"), "{log}");
}

/// `MaxRanges`, `MaxRangeOverlaps`, `MaxRangeReversals` under `-t`: the
/// same verdict, line and message as `apache2 -t` for good and bad values
/// in every scope httpd allows them.
#[test]
fn range_directives_as_apache2_t() {
    const APACHE: &str = "/usr/sbin/apache2";
    const MODULES: &str = "/usr/lib/apache2/modules";
    if !Path::new(APACHE).exists() {
        panic!("this test needs apache2 at {APACHE} (scripts/test-all installs it)");
    }
    let t = tempdir("ranges");
    std::fs::create_dir_all(t.0.join("run")).unwrap();
    let lines = [
        "MaxRanges 0",
        "MaxRanges -1",
        "MaxRanges x",
        "MaxRanges 12abc",
        "MaxRanges none",
        "MaxRanges DEFAULT",
        "MaxRanges Unlimited",
        "MaxRanges 1 2",
        "MaxRanges",
        "MaxRangeOverlaps 0",
        "MaxRangeOverlaps none",
        "MaxRangeOverlaps 3 4",
        "MaxRangeReversals bogus",
        "MaxRangeReversals 7",
        "MaxRangeReversals",
        "<VirtualHost 127.0.0.1:1>\nMaxRanges 5\nMaxRangeOverlaps 0\n</VirtualHost>",
        "<Directory /x>\nMaxRanges none\n</Directory>",
        "<Location /x>\nMaxRangeReversals -2\n</Location>",
        "<Files x>\nMaxRangeOverlaps unlimited\n</Files>",
    ];
    let mut differ = Vec::new();
    for line in lines {
        let text = format!(
            "<IfDefine APACHE>\n\
             LoadModule mpm_event_module {MODULES}/mod_mpm_event.so\n\
             DefaultRuntimeDir run\nPidFile run/apache2.pid\nErrorLog run/error.log\n\
             </IfDefine>\n\
             Listen 127.0.0.1:1\nServerName main.test\nDocumentRoot htdocs\n{line}\n"
        );
        let conf = t.0.join("ranges.conf");
        std::fs::write(&conf, &text).unwrap();
        let run = |cmd: &mut Command| {
            let out = cmd
                .arg("-t")
                .arg("-f")
                .arg(&conf)
                .arg("-d")
                .arg(&t.0)
                .stdin(Stdio::null())
                .output()
                .expect("run -t");
            if out.status.success() {
                return "ok".to_string();
            }
            // `… line N of FILE:` then the message.
            let err = String::from_utf8_lossy(&out.stderr).to_string();
            let mut l = err.lines();
            let head = l.next().unwrap_or("");
            let at = head.split(" of ").next().unwrap_or("");
            format!("{at}: {}", l.next().unwrap_or(""))
        };
        let a = run(Command::new(APACHE).args(["-D", "APACHE"]));
        let s = run(&mut Command::new(env!("CARGO_BIN_EXE_spoor")));
        if a != s {
            differ.push(format!("{line:?}\n  apache2: {a}\n  spoor:   {s}"));
        }
    }
    assert!(differ.is_empty(), "{}", differ.join("\n"));
}

/// `ServerTokens` through the binary: the `Server` header on the wire
/// and the `ServerSignature On` footer of a built-in 404 page, for every
/// keyword httpd takes (the shapes of its `Apache/2`, `Apache/2.4`,
/// `Apache/2.4.x`, with spoor's name and version; the footer's port is
/// the Host field's, 80 when it names none, as httpd's).
#[test]
fn server_tokens_on_the_wire() {
    let v = env!("CARGO_PKG_VERSION");
    let mut parts = v.split('.');
    let (major, minor) = (parts.next().unwrap(), parts.next().unwrap());
    let cases = [
        ("Prod", "spoor".to_string()),
        ("ProductOnly", "spoor".to_string()),
        ("Major", format!("spoor/{major}")),
        ("Minor", format!("spoor/{major}.{minor}")),
        ("Min", format!("spoor/{v}")),
        ("Minimal", format!("spoor/{v}")),
        ("OS", format!("spoor/{v} (Unix)")),
        ("Full", format!("spoor/{v} (Unix)")),
    ];
    for (keyword, want) in cases {
        let t = tempdir("tokens");
        let port = free_port();
        std::fs::write(
            t.0.join("spoor.conf"),
            format!(
                "Listen 127.0.0.1:{port}\nServerName main.test\nDocumentRoot htdocs\n\
                 ServerTokens {keyword}\nServerSignature On\n"
            ),
        )
        .unwrap();
        let s = start(&t.0, port);
        let page = get(port, "main.test", "/missing");
        stop(s);
        let head = page.split("\r\n\r\n").next().unwrap_or("");
        assert!(
            head.lines().any(|l| l == format!("Server: {want}")),
            "ServerTokens {keyword}: {head}"
        );
        assert!(
            page.contains(&format!(
                "<address>{want} Server at main.test Port 80</address>"
            )),
            "ServerTokens {keyword}: {page}"
        );
    }
}

/// SIGUSR1 (httpd's graceful restart) through the binary: the
/// configuration is read again and the logs reopened by name, as SIGHUP.
#[test]
fn sigusr1_reopens_logs() {
    let t = tempdir("usr1");
    let port = free_port();
    std::fs::write(t.0.join("spoor.conf"), config(port)).unwrap();
    let s = start(&t.0, port);
    get(port, "a.test", "/one");
    std::fs::rename(t.0.join("logs/a.log"), t.0.join("logs/a.log.1")).unwrap();
    // SAFETY: signalling our own child.
    unsafe { libc::kill(s.0.id() as i32, libc::SIGUSR1) };
    let deadline = Instant::now() + Duration::from_secs(10);
    while !read(&t.0, "spoor.stderr").contains("spoor: configuration reloaded, logs reopened") {
        assert!(
            Instant::now() < deadline,
            "no reload after SIGUSR1: {}",
            read(&t.0, "spoor.stderr")
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    get(port, "a.test", "/two");
    stop(s);
    assert_eq!(read(&t.0, "logs/a.log.1"), "A a.test /one 404\n");
    assert_eq!(read(&t.0, "logs/a.log"), "A a.test /two 404\n");
}

/// `Include` (a wildcard, a directory, `IncludeOptional` with no match),
/// `<IfModule>` (a module spoor provides, a missing one, negated) and
/// `<IfFile>` (relative to the ServerRoot, negated), through the binary:
/// exactly the directives of the true branches take effect.
#[test]
fn include_ifmodule_and_iffile_through_the_binary() {
    let t = tempdir("incl");
    let port = free_port();
    for d in ["conf.d", "more"] {
        std::fs::create_dir_all(t.0.join(d)).unwrap();
    }
    // Read in name order: a.conf defines the format b.conf uses.
    std::fs::write(t.0.join("conf.d/a.conf"), "LogFormat \"INC %U %>s\" inc\n").unwrap();
    std::fs::write(t.0.join("conf.d/b.conf"), "CustomLog logs/inc.log inc\n").unwrap();
    std::fs::write(t.0.join("conf.d/ignored.txt"), "Frobnicate\n").unwrap();
    std::fs::write(
        t.0.join("more/m.conf"),
        "CustomLog logs/dir.log \"DIR %U\"\n",
    )
    .unwrap();
    std::fs::write(
        t.0.join("spoor.conf"),
        format!(
            "Listen 127.0.0.1:{port}\n\
             ServerName main.test\n\
             DocumentRoot htdocs\n\
             Include conf.d/*.conf\n\
             Include more\n\
             IncludeOptional nowhere/*.conf\n\
             <IfModule log_config_module>\n\
               CustomLog logs/mod.log \"MOD %U\"\n\
             </IfModule>\n\
             <IfModule no_such_module>\n\
               Frobnicate on\n\
               CustomLog logs/never1.log \"X\"\n\
             </IfModule>\n\
             <IfModule !no_such_module>\n\
               CustomLog logs/notmod.log \"NOTMOD %U\"\n\
             </IfModule>\n\
             <IfFile htdocs/index.html>\n\
               CustomLog logs/file.log \"FILE %U\"\n\
             </IfFile>\n\
             <IfFile !htdocs/index.html>\n\
               CustomLog logs/never2.log \"X\"\n\
             </IfFile>\n\
             <IfFile !htdocs/missing.html>\n\
               CustomLog logs/nofile.log \"NOFILE %U\"\n\
             </IfFile>\n"
        ),
    )
    .unwrap();
    let out = spoor(&["-t", "-f", "spoor.conf"], &t.0);
    assert!(out.status.success(), "{out:?}");
    let s = start(&t.0, port);
    assert!(get(port, "main.test", "/index.html").contains("200 OK"));
    assert!(get(port, "main.test", "/gone").contains("404 Not Found"));
    stop(s);
    assert_eq!(
        read(&t.0, "logs/inc.log"),
        "INC /index.html 200\nINC /gone 404\n"
    );
    assert_eq!(read(&t.0, "logs/dir.log"), "DIR /index.html\nDIR /gone\n");
    assert_eq!(read(&t.0, "logs/mod.log"), "MOD /index.html\nMOD /gone\n");
    assert_eq!(
        read(&t.0, "logs/notmod.log"),
        "NOTMOD /index.html\nNOTMOD /gone\n"
    );
    assert_eq!(
        read(&t.0, "logs/file.log"),
        "FILE /index.html\nFILE /gone\n"
    );
    assert_eq!(
        read(&t.0, "logs/nofile.log"),
        "NOFILE /index.html\nNOFILE /gone\n"
    );
    for never in ["logs/never1.log", "logs/never2.log"] {
        assert!(!t.0.join(never).exists(), "{never} was opened");
    }
}

/// The `%` items other modules register (mod_logio's `%I %O %S %^FB`,
/// mod_ssl's `%x %c`) under `-t`: the same verdict and message as
/// `apache2 -t` with mod_logio built in and mod_ssl not loaded, in
/// `LogFormat`, `CustomLog` and a virtual host.
#[test]
fn registered_log_items_as_apache2_t() {
    const MODULES: &str = "/usr/lib/apache2/modules";
    let t = tempdir("logitems");
    std::fs::create_dir_all(t.0.join("run")).unwrap();
    std::fs::create_dir_all(t.0.join("htdocs")).unwrap();
    let head = format!(
        "<IfDefine APACHE>\n\
         LoadModule mpm_event_module {MODULES}/mod_mpm_event.so\n\
         DefaultRuntimeDir run\nPidFile run/apache2.pid\nErrorLog run/error.log\n\
         </IfDefine>\n\
         Listen 127.0.0.1:1\nServerName main.test\nDocumentRoot htdocs\n"
    );
    let bodies = [
        "LogFormat \"%h %I %O %S %^FB\" io",
        "LogFormat \"%>I %<O %400,500S %!200^FB\"",
        "LogFormat \"%{SSL_PROTOCOL}x\" tls",
        "LogFormat \"%h %{version}c\"",
        "LogFormat \"%c\" conn",
        "LogFormat \"%^FX\"",
        "LogFormat \"%^ti %^to %L %{c}L\"",
        "CustomLog run/a.log \"%h %{SSL_CIPHER}x\"",
        "CustomLog run/a.log \"%I %O\"",
        "<VirtualHost 127.0.0.1:1>\nLogFormat \"%{x}c\" v\n</VirtualHost>",
    ];
    let differ = common::t_differences(&t.0, &head, bodies.iter().map(|b| b.to_string()));
    assert!(differ.is_empty(), "{}", differ.join("\n"));
}
