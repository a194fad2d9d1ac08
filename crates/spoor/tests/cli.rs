//! httpd's command line in spoor (`-h`, `-V`, `-l`, `-M`, `-S`, `-d`,
//! `-C`/`-c`, `-e`/`-E`, `-X`, `-k`) compared with a real apache2 where
//! apache2 has the flag, and `spoor generate` (manual page, completions).

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{free_port, TempDir};

const SPOOR: &str = env!("CARGO_BIN_EXE_spoor");
const APACHE: &str = "/usr/sbin/apache2";
const MODULES: &str = "/usr/lib/apache2/modules";

fn spoor(args: &[&str]) -> Output {
    Command::new(SPOOR)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// apache2's output, or `None` when apache2 is not installed.
fn apache(args: &[&str]) -> Option<Output> {
    if !Path::new(APACHE).exists() {
        eprintln!("apache2 not installed: comparison skipped");
        return None;
    }
    Some(
        Command::new(APACHE)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap(),
    )
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The lines only `apache2` reads (`-D APACHE`): the MPM module spoor does
/// not take, and an error log apache2 can open (its default `logs/`
/// directory does not exist here).
fn apache_prefix() -> String {
    format!(
        "<IfDefine APACHE>\nLoadModule mpm_event_module {MODULES}/mod_mpm_event.so\n\
         ErrorLog apache-error.log\n</IfDefine>\n"
    )
}

#[test]
fn short_usage_has_apaches_lines() {
    let s = spoor(&["-h"]);
    assert_eq!(s.status.code(), Some(1));
    let ours = text(&s.stderr);
    assert!(ours.starts_with("Usage: spoor [-D name] [-d directory] [-f file]\n"));
    let Some(a) = apache(&["-h"]) else { return };
    assert_eq!(a.status.code(), Some(1));
    let theirs = text(&a.stderr);
    // Every option line apache2 prints for a flag spoor has is the same.
    let mut compared = 0;
    for line in theirs.lines().filter(|l| l.starts_with("  -")) {
        let flag = &line[2..4];
        if flag == "-T" || line.contains("-t -D") {
            continue;
        }
        if flag == "-S" || flag == "-M" {
            // Same flag, spoor's own words (no DUMP_* defines).
            assert!(ours.lines().any(|l| l.starts_with(&format!("  {flag} "))));
            continue;
        }
        assert!(ours.lines().any(|l| l == line), "missing: {line}\n{ours}");
        compared += 1;
    }
    assert!(compared >= 12, "{compared}");
}

#[test]
fn long_help_and_subcommand_help() {
    let top = spoor(&["--help"]);
    assert!(top.status.success());
    assert!(text(&top.stdout).contains("--threads <N>"));
    for sub in ["check-forensic", "generate"] {
        for flag in ["-h", "--help"] {
            let h = spoor(&[sub, flag]);
            assert!(h.status.success(), "{sub} {flag}: {}", text(&h.stderr));
            assert!(text(&h.stdout).contains("Usage: spoor"), "{sub} {flag}");
        }
    }
}

#[test]
fn compile_settings_layout() {
    let s = spoor(&["-V"]);
    assert!(s.status.success());
    let ours = text(&s.stdout);
    let keys = |t: &str| -> Vec<String> {
        t.lines()
            .filter_map(|l| l.split_once(':').map(|(k, _)| k.to_string()))
            .filter(|k| !k.starts_with(' '))
            .collect()
    };
    let ours_keys = keys(&ours);
    assert_eq!(ours_keys[0], "Server version");
    assert!(ours.starts_with(&format!(
        "Server version: spoor/{}\n",
        env!("CARGO_PKG_VERSION")
    )));
    let Some(a) = apache(&["-V"]) else { return };
    let theirs = keys(&text(&a.stdout));
    // spoor's keys are apache2's, in apache2's order.
    let mut at = 0;
    for k in &ours_keys {
        let i = theirs[at..]
            .iter()
            .position(|t| t == k)
            .unwrap_or_else(|| panic!("{k} not in apache2 -V (after {at}): {theirs:?}"));
        at += i + 1;
    }
    assert!(ours.contains("\nServer compiled with....\n -D HTTPD_ROOT="));
}

#[test]
fn compiled_and_loaded_modules() {
    let l = text(&spoor(&["-l"]).stdout);
    assert!(l.starts_with("Compiled in modules:\n  core.c\n  http_core.c\n"));
    let t = TempDir::create("cli-m", &[], &[]);
    let conf = format!(
        "{}LoadModule authz_core_module {MODULES}/mod_authz_core.so\n\
         Listen 127.0.0.1:{}\nServerName m.test\nDocumentRoot .\n",
        apache_prefix(),
        free_port()
    );
    t.write("m.conf", &conf);
    let d = t.0.to_str().unwrap();
    let m = spoor(&["-d", d, "-f", "m.conf", "-M"]);
    assert!(m.status.success(), "{}", text(&m.stderr));
    let ours = text(&m.stdout);
    assert!(ours.starts_with("Loaded Modules:\n core_module (static)\n"));
    assert!(ours.contains("\n authz_core_module (shared)\n"));
    if let Some(a) = apache(&["-d", d, "-f", "m.conf", "-D", "APACHE", "-M"]) {
        let theirs = text(&a.stdout);
        // The same layout: apache2's first entries are its static core.
        assert!(theirs.starts_with("Loaded Modules:\n core_module (static)\n"));
        assert!(theirs.contains("\n authz_core_module (shared)\n"));
        assert!(theirs.contains("\n log_config_module (static)\n"));
        assert!(ours.contains("\n log_config_module (static)\n"));
        // Every module loaded by a line is listed as apache2 lists it.
        for l in ours.lines().filter(|l| l.ends_with(" (shared)")) {
            assert!(theirs.lines().any(|t| t == l), "{l}\n{theirs}");
        }
    }
}

#[test]
fn directive_list_as_apache() {
    let ours = text(&spoor(&["-L"]).stdout);
    let entries = |t: &str| -> Vec<(String, String, Vec<String>)> {
        let mut out: Vec<(String, String, Vec<String>)> = Vec::new();
        for line in t.lines() {
            if let Some(body) = line.strip_prefix('\t') {
                if let Some(last) = out.last_mut() {
                    last.2.push(body.to_string());
                }
            } else if let Some((name, module)) = line.rsplit_once(" (") {
                out.push((
                    name.to_string(),
                    module.trim_end_matches(')').to_string(),
                    vec![],
                ));
            }
        }
        out
    };
    let ours = entries(&ours);
    // (The MPMs share names: each is listed under its module.)
    assert_eq!(ours.len(), spoor::modules::directives().count());
    for (name, _, body) in &ours {
        assert_eq!(body.len(), 2, "{name}");
        assert!(body[1].starts_with("Allowed in *.conf "), "{name}");
    }
    let t = TempDir::create("cli-l", &[], &[]);
    let mut conf = apache_prefix();
    for m in [
        "log_forensic",
        "usertrack",
        "unique_id",
        "setenvif",
        "env",
        "mime",
        "dir",
        "authz_core",
        "alias",
        "reqtimeout",
        "authz_host",
        "access_compat",
        "auth_basic",
        "authn_core",
        "authn_file",
        "authz_user",
        "negotiation",
        "autoindex",
        "filter",
        "deflate",
    ] {
        conf.push_str(&format!("LoadModule {m}_module {MODULES}/mod_{m}.so\n"));
    }
    t.write("l.conf", &conf);
    let Some(a) = apache(&[
        "-d",
        t.0.to_str().unwrap(),
        "-f",
        "l.conf",
        "-D",
        "APACHE",
        "-L",
    ]) else {
        return;
    };
    let theirs = entries(&text(&a.stdout));
    // apache2 runs with the event MPM: the other two are not listed.
    for (name, module, body) in ours
        .iter()
        .filter(|(_, m, _)| m != "worker.c" && m != "prefork.c")
    {
        let (_, their_module, their_body) = theirs
            .iter()
            .find(|(n, _, _)| n.eq_ignore_ascii_case(name))
            .unwrap_or_else(|| panic!("{name} not in apache2 -L"));
        // Listen belongs to httpd's MPM; spoor has none.
        if name != "Listen" {
            assert_eq!(module, their_module, "{name}");
        }
        // The same context, less the .htaccess part spoor does not read.
        assert!(
            their_body[1].starts_with(&body[1]),
            "{name}: {} / {}",
            body[1],
            their_body[1]
        );
        let rest = &their_body[1][body[1].len()..];
        assert!(
            rest.is_empty() || rest == " and in .htaccess",
            "{name}: {rest}"
        );
    }
}

/// A configuration with a name-based address, an address of its own and
/// a `_default_` host; the same text for both servers.
fn vhost_conf(port: u16) -> String {
    format!(
        "{}Listen 127.0.0.1:{port}\nServerName main.test\nDocumentRoot docs\n\
         PidFile run.pid\nErrorLog err.log\nUser nobody\nGroup nogroup\nDefine FOO bar\n\
         <VirtualHost *:{port}>\nServerName v1\nServerAlias a1 *.w1\n</VirtualHost>\n\
         <VirtualHost *:{port}>\nServerName v2:8080\n</VirtualHost>\n\
         <VirtualHost 127.0.0.1:{p2}>\nServerName own\n</VirtualHost>\n\
         <VirtualHost _default_:{p3}>\nServerName d\n</VirtualHost>\n",
        apache_prefix(),
        p2 = port + 1,
        p3 = port + 2,
    )
}

#[test]
fn vhost_map_as_apache() {
    let t = TempDir::create("cli-s", &["docs"], &[]);
    t.write("s.conf", &vhost_conf(18_000));
    let d = t.0.to_str().unwrap();
    let s = spoor(&["-d", d, "-f", "s.conf", "-S"]);
    assert!(s.status.success(), "{}", text(&s.stderr));
    let ours = text(&s.stdout);
    assert!(ours.contains("*:18000                is a NameVirtualHost\n"));
    let Some(a) = apache(&["-d", d, "-f", "s.conf", "-D", "APACHE", "-S"]) else {
        return;
    };
    assert!(a.status.success(), "{}", text(&a.stderr));
    // spoor has no mutexes and no APACHE define.
    let theirs: String = text(&a.stdout)
        .lines()
        .filter(|l| !l.starts_with("Mutex ") && *l != "Define: APACHE")
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(ours, theirs);
}

#[test]
fn missing_server_root_is_an_error() {
    let s = spoor(&["-d", "/nonexistent-spoor-dir", "-t"]);
    assert_eq!(s.status.code(), Some(1));
    assert_eq!(
        text(&s.stderr),
        "spoor: -d /nonexistent-spoor-dir: ServerRoot must be a valid directory\n"
    );
    // apache2 fails too (on the configuration file it then looks for).
    if let Some(a) = apache(&["-d", "/nonexistent-spoor-dir", "-t"]) {
        assert_eq!(a.status.code(), Some(1));
    }
}

/// The `PidFile:` line of `-S`.
fn pid_line(out: &Output) -> String {
    text(&out.stdout)
        .lines()
        .find(|l| l.starts_with("PidFile:"))
        .unwrap_or("")
        .to_string()
}

#[test]
fn directives_before_and_after_the_file() {
    let t = TempDir::create("cli-c", &["sub"], &[]);
    let port = free_port();
    t.write(
        "sub/c.conf",
        &format!(
            "{}Listen 127.0.0.1:{port}\nServerName c.test\nDocumentRoot .\nPidFile file.pid\n\
             <IfDefine EARLY>\nPidFile early-define.pid\n</IfDefine>\n",
            apache_prefix()
        ),
    );
    let d = t.0.to_str().unwrap();
    let sub = t.0.join("sub");
    let cases: [(&[&str], String); 4] = [
        // -C comes before the file: the file's PidFile wins.
        (&["-C", "PidFile pre.pid"], format!("{d}/file.pid")),
        // -c comes after: it wins.
        (&["-c", "PidFile post.pid"], format!("{d}/post.pid")),
        // -C defines are seen by the file's <IfDefine>.
        (&["-C", "Define EARLY"], format!("{d}/early-define.pid")),
        // -C ServerRoot applies to the relative -f path and to the file.
        (
            &["-C", &format!("ServerRoot {}", sub.display())],
            format!("{}/file.pid", sub.display()),
        ),
    ];
    for (extra, want) in cases {
        let f = if extra[1].starts_with("ServerRoot") {
            "c.conf"
        } else {
            "sub/c.conf"
        };
        let mut args = vec!["-d", d, "-f", f, "-S"];
        args.extend_from_slice(extra);
        let s = spoor(&args);
        assert!(s.status.success(), "{extra:?}: {}", text(&s.stderr));
        assert_eq!(pid_line(&s), format!("PidFile: \"{want}\""), "{extra:?}");
        args.extend_from_slice(&["-D", "APACHE"]);
        if let Some(a) = apache(&args) {
            assert_eq!(pid_line(&a), pid_line(&s), "{extra:?}");
        }
    }
    // Without an httpd.conf (embedded default, --wasd) they are refused.
    let none = spoor(&["-c", "PidFile x.pid", "-t"]);
    assert_eq!(none.status.code(), Some(1));
    assert_eq!(
        text(&none.stderr),
        "spoor: -C and -c apply to an httpd.conf: they need -f FILE\n"
    );
    // An error in a -c directive names httpd's pseudo file.
    let args = ["-d", d, "-f", "sub/c.conf", "-c", "Bogus x", "-t"];
    let s = spoor(&args);
    assert_eq!(s.status.code(), Some(1));
    let first = |o: &Output| text(&o.stderr).lines().next().unwrap_or("").to_string();
    assert_eq!(
        first(&s),
        "AH00526: Syntax error on line 1 of -c/-C directives:"
    );
    let mut aargs = args.to_vec();
    aargs.extend_from_slice(&["-D", "APACHE"]);
    if let Some(a) = apache(&aargs) {
        assert_eq!(first(&a), first(&s));
    }
}

#[test]
fn startup_level_and_file() {
    let t = TempDir::create("cli-e", &[], &[]);
    // An undefined ${VAR} is a start-up warning.
    t.write(
        "e.conf",
        &format!(
            "Listen 127.0.0.1:{}\nServerName ${{SPOOR_CLI_UNDEFINED}}\nDocumentRoot .\n",
            free_port()
        ),
    );
    let d = t.0.to_str().unwrap();
    let plain = spoor(&["-d", d, "-f", "e.conf", "-t"]);
    let warned = text(&plain.stderr);
    assert!(warned.contains("SPOOR_CLI_UNDEFINED"), "{warned}");
    // -e error: warnings are not shown.
    let quiet = spoor(&["-d", d, "-f", "e.conf", "-e", "error", "-t"]);
    assert_eq!(text(&quiet.stderr), "Syntax OK\n");
    let loud = spoor(&["-d", d, "-f", "e.conf", "-e", "warn", "-t"]);
    assert_eq!(text(&loud.stderr), warned);
    // -E FILE: the same text, in the file, nothing on standard error.
    let log = t.0.join("startup.log");
    let to_file = spoor(&["-d", d, "-f", "e.conf", "-E", log.to_str().unwrap(), "-t"]);
    assert!(to_file.status.success());
    assert_eq!(text(&to_file.stderr), "");
    assert_eq!(std::fs::read_to_string(&log).unwrap(), warned);
}

/// GET / on `port`: the status line, or `None` when nothing answers.
fn get(port: u16) -> Option<String> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    s.write_all(b"GET / HTTP/1.0\r\nHost: x\r\n\r\n").ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    out.lines().next().map(str::to_string)
}

fn wait_until(what: &str, mut f: impl FnMut() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "timed out: {what}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn alive(pid: i32) -> bool {
    // SAFETY: signal 0 only checks that the process exists.
    unsafe { libc::kill(pid, 0) == 0 }
}

/// Kills the daemon a test started if the test fails half-way.
struct Reap(i32);

impl Drop for Reap {
    fn drop(&mut self) {
        if self.0 > 0 && alive(self.0) {
            // SAFETY: kill(2) on the pid this test started.
            unsafe { libc::kill(self.0, libc::SIGKILL) };
        }
    }
}

#[test]
fn k_start_graceful_restart_stop() {
    let t = TempDir::create("cli-k", &["run"], &[("index.html", "hi\n")]);
    common::give_to_server(&t.0.join("run"));
    let port = free_port();
    t.write(
        "k.conf",
        &format!(
            "{}Listen 127.0.0.1:{port}\nServerName k.test\nDocumentRoot .\n\
             PidFile run/k.pid\nErrorLog run/error.log\n\
             <IfDefine APACHE>\nDefaultRuntimeDir run\n</IfDefine>\n",
            apache_prefix()
        ),
    );
    let d = t.0.to_str().unwrap();
    let k = |action: &str| spoor(&["-d", d, "-f", "k.conf", "-k", action]);
    // Nothing runs: httpd's messages, with spoor's name.
    let stop = k("stop");
    assert!(stop.status.success());
    assert_eq!(text(&stop.stdout), "spoor (no pid file) not running\n");
    if let Some(a) = apache(&["-d", d, "-f", "k.conf", "-D", "APACHE", "-k", "stop"]) {
        assert_eq!(
            text(&a.stdout).replace("httpd", "spoor"),
            text(&stop.stdout)
        );
    }
    assert_eq!(
        text(&k("graceful-stop").stdout),
        "spoor (no pid file) not running\n"
    );
    // A stale pid file (its process gone): httpd's "(pid N?)" wording.
    let mut gone = Command::new("true").spawn().unwrap();
    let stale = gone.id();
    gone.wait().unwrap();
    t.write("run/k.pid", &format!("{stale}\n"));
    let stop = k("stop");
    assert_eq!(
        text(&stop.stdout),
        format!("spoor (pid {stale}?) not running\n")
    );
    if let Some(a) = apache(&["-d", d, "-f", "k.conf", "-D", "APACHE", "-k", "stop"]) {
        assert_eq!(
            text(&a.stdout).replace("httpd", "spoor"),
            text(&stop.stdout)
        );
    }
    std::fs::remove_file(t.0.join("run/k.pid")).unwrap();

    let start = k("start");
    assert!(start.status.success(), "{}", text(&start.stderr));
    let pid_file = t.0.join("run/k.pid");
    let pid: i32 = std::fs::read_to_string(&pid_file)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let _reap = Reap(pid);
    assert_ne!(pid as u32, std::process::id());
    // The daemon leads a session of its own.
    // SAFETY: getsid has no preconditions.
    assert_eq!(unsafe { libc::getsid(pid) }, pid);
    wait_until("first answer", || get(port).is_some());
    assert_eq!(get(port).unwrap(), "HTTP/1.1 200 OK");

    let again = k("start");
    assert_eq!(
        text(&again.stdout),
        format!("spoor (pid {pid}) already running\n")
    );
    for action in ["graceful", "restart"] {
        let r = k(action);
        assert!(r.status.success(), "{action}: {}", text(&r.stderr));
        assert_eq!(text(&r.stdout), "", "{action}");
        std::thread::sleep(Duration::from_millis(300));
        assert!(alive(pid), "{action}");
        assert_eq!(get(port).unwrap(), "HTTP/1.1 200 OK", "{action}");
    }
    // stop returns once the server has exited.
    let stop = k("stop");
    assert!(stop.status.success(), "{}", text(&stop.stderr));
    assert!(!alive(pid));
    assert!(get(port).is_none());
}

#[test]
fn debug_mode_stays_in_the_foreground() {
    let t = TempDir::create("cli-x", &["run"], &[("index.html", "hi\n")]);
    common::give_to_server(&t.0.join("run"));
    let port = free_port();
    t.write(
        "x.conf",
        &format!("Listen 127.0.0.1:{port}\nServerName x.test\nDocumentRoot .\nPidFile run/x.pid\n"),
    );
    let mut child = Command::new(SPOOR)
        .args(["-d", t.0.to_str().unwrap(), "-f", "x.conf", "-X"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let pid = child.id() as i32;
    let _reap = Reap(pid);
    wait_until("-X answers", || get(port).is_some());
    // The process started serves (no detaching): the pid file holds it.
    let written = std::fs::read_to_string(t.0.join("run/x.pid")).unwrap();
    assert_eq!(written.trim(), pid.to_string());
    assert_eq!(child.try_wait().unwrap(), None);
    // SAFETY: kill(2) on our own child.
    unsafe { libc::kill(pid, libc::SIGTERM) };
    let start = Instant::now();
    loop {
        if let Some(st) = child.try_wait().unwrap() {
            assert!(st.success());
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(20));
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn man_page_names_every_option() {
    use clap::CommandFactory;
    let man = spoor(&["generate", "man"]);
    assert!(man.status.success());
    let man = text(&man.stdout);
    assert!(man.contains(".TH spoor 8"));
    let cmd = spoor::cli::Cli::command();
    let mut n = 0;
    for a in cmd.get_arguments() {
        if let Some(c) = a.get_short() {
            assert!(man.contains(&format!("\\-{c}")), "-{c} not in the man page");
            n += 1;
        }
        if let Some(l) = a.get_long() {
            let roff = l.replace('-', "\\-");
            assert!(
                man.contains(&format!("\\-\\-{roff}")),
                "--{l} not in the man page"
            );
            n += 1;
        }
    }
    assert!(n > 20, "{n}");
    for sub in cmd.get_subcommands() {
        let name = sub.get_name().replace('-', "\\-");
        assert!(man.contains(&name), "{name}");
    }
}

#[test]
fn completions_parse() {
    let shells: [(&str, &[&str]); 3] = [("bash", &["-n"]), ("zsh", &["-n"]), ("fish", &["-n"])];
    let t = TempDir::create("cli-comp", &[], &[]);
    let mut checked = 0;
    for (shell, check) in shells {
        let out = spoor(&["generate", shell]);
        assert!(out.status.success(), "{shell}");
        let script = text(&out.stdout);
        assert!(script.contains("spoor"), "{shell}");
        let path = t.0.join(format!("spoor.{shell}"));
        std::fs::write(&path, &script).unwrap();
        let Ok(st) = Command::new(shell)
            .args(check)
            .arg(&path)
            .stdin(Stdio::null())
            .output()
        else {
            eprintln!("{shell} not installed: its completions are not parsed");
            continue;
        };
        assert!(st.status.success(), "{shell}: {}", text(&st.stderr));
        checked += 1;
    }
    // bash is always there.
    assert!(checked >= 1);
}
