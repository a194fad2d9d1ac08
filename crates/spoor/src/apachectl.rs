//! httpd's informational and control flags: `-h` (short usage), `-V`
//! (compile settings), `-l` and `-M` (modules), `-k` (signalling a running
//! server through its PidFile, as apachectl does), and `spoor generate`
//! (manual page and shell completions from the clap definitions).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use crate::modules::{directives, MODULES};

/// httpd's short usage (`-h`), with spoor's name, listing the httpd flags
/// spoor has; `--help` prints clap's long help with spoor's own options.
pub fn short_usage() -> String {
    "Usage: spoor [-D name] [-d directory] [-f file]\n\
     \x20             [-C \"directive\"] [-c \"directive\"]\n\
     \x20             [-k start|restart|graceful|graceful-stop|stop]\n\
     \x20             [-v] [-V] [-h] [-l] [-L] [-t] [-S] [-M] [-X]\n\
     Options:\n\
     \x20 -D name            : define a name for use in <IfDefine name> directives\n\
     \x20 -d directory       : specify an alternate initial ServerRoot\n\
     \x20 -f file            : specify an alternate ServerConfigFile\n\
     \x20 -C \"directive\"     : process directive before reading config files\n\
     \x20 -c \"directive\"     : process directive after reading config files\n\
     \x20 -e level           : show startup errors of level (see LogLevel)\n\
     \x20 -E file            : log startup errors to file\n\
     \x20 -v                 : show version number\n\
     \x20 -V                 : show compile settings\n\
     \x20 -h                 : list available command line options (this page)\n\
     \x20 -l                 : list compiled in modules\n\
     \x20 -L                 : list available configuration directives\n\
     \x20 -S                 : show the virtual-host map and main settings\n\
     \x20 -M                 : show all loaded modules\n\
     \x20 -t                 : run syntax check for config files\n\
     \x20 -X                 : debug mode (only one worker, do not detach)\n\
     \x20 --help             : spoor's own options and subcommands\n"
        .to_string()
}

/// The compile settings as `-V` prints them, in httpd's layout, with what
/// applies to spoor: no APR, no MPM, no default configuration file (without
/// `-f` spoor serves its embedded default) and no default pid file.
pub fn compile_settings() -> String {
    let bits = usize::BITS;
    format!(
        "Server version: spoor/{}\n\
         Server built:   {} build (no build date is recorded)\n\
         Architecture:   {bits}-bit {}\n\
         Server MPM:     tokio\n\
         \x20 threaded:     yes (--threads N, -X for one)\n\
         Server compiled with....\n\
         \x20-D HTTPD_ROOT=\".\" (the current directory unless -d)\n\
         \x20-D SERVER_CONFIG_FILE=none (the embedded default unless -f or --wasd)\n\
         \x20-D DEFAULT_PIDLOG=none (only the PidFile directive writes one)\n\
         \x20-D DEFAULT_ERRORLOG=stderr\n\
         \x20-D AP_TYPES_CONFIG_FILE=built-in\n",
        env!("CARGO_PKG_VERSION"),
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        },
        std::env::consts::ARCH,
    )
}

/// `-l`: every module spoor implements, all compiled in.
pub fn compiled_modules() -> String {
    let mut s = String::from("Compiled in modules:\n");
    for m in MODULES {
        s.push_str("  ");
        s.push_str(m.source);
        s.push('\n');
    }
    s
}

/// `-M`: the modules loaded for a configuration, as httpd lists them:
/// those built into Debian's apache2 `(static)`, then those `loaded`
/// (`LoadModule` lines, in order) `(shared)`; spoor implements them all
/// in its one binary.
pub fn loaded_modules(loaded: &[&str]) -> String {
    let mut s = String::from("Loaded Modules:\n");
    for m in MODULES.iter().filter(|m| m.builtin) {
        s.push(' ');
        s.push_str(m.ident);
        s.push_str(" (static)\n");
    }
    for m in loaded {
        s.push(' ');
        s.push_str(m);
        s.push_str(" (shared)\n");
    }
    s
}

/// `-L`: every directive spoor accepts, with its httpd module and where
/// it may appear, in httpd's layout.
pub fn list_directives() -> String {
    let mut s = String::new();
    for (m, d) in directives() {
        s.push_str(&format!(
            "{} ({})\n\t{}\n\t{}\n",
            d.name,
            m.source,
            d.about,
            d.context.describe()
        ));
    }
    s
}

/// The `-k` actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Start a server in the background unless one runs.
    Start,
    /// SIGTERM, then wait for the server to exit.
    Stop,
    /// SIGHUP (a reload), or start when none runs.
    Restart,
    /// SIGUSR1 (a reload), or start when none runs.
    Graceful,
    /// SIGTERM: spoor's stop lets in-flight requests finish.
    GracefulStop,
}

impl Action {
    /// Parses a `-k` argument.
    pub fn parse(s: &str) -> Option<Action> {
        Some(match s {
            "start" => Action::Start,
            "stop" => Action::Stop,
            "restart" => Action::Restart,
            "graceful" => Action::Graceful,
            "graceful-stop" => Action::GracefulStop,
            _ => return None,
        })
    }
}

/// What [`signal_server`] decided.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Done (the message, if any, already printed); exit with this code.
    Exit(u8),
    /// No server runs: start one in the background.
    Start,
}

/// The most bytes of a pid file read.
const MAX_PID_FILE: u64 = 64;

/// How long `-k stop` waits for the server to exit.
pub const STOP_WAIT: Duration = Duration::from_secs(30);

/// The pid in `pid_file`, if it names a running process.
fn running_pid(pid_file: Option<&Path>) -> Result<libc::pid_t, String> {
    let Some(p) = pid_file else {
        return Err("spoor (no pid file) not running".into());
    };
    let mut text = String::new();
    let read = std::fs::File::open(p).and_then(|f| {
        use std::io::Read;
        f.take(MAX_PID_FILE).read_to_string(&mut text)
    });
    if read.is_err() {
        return Err("spoor (no pid file) not running".into());
    }
    let pid = match text.trim().parse::<libc::pid_t>() {
        Ok(pid) if pid > 0 => pid,
        _ => return Err("spoor (no pid file) not running".into()),
    };
    // SAFETY: kill with signal 0 only checks that the process exists.
    if unsafe { libc::kill(pid, 0) } != 0
        && std::io::Error::last_os_error().raw_os_error() != Some(libc::EPERM)
    {
        return Err(format!("spoor (pid {pid}?) not running"));
    }
    Ok(pid)
}

fn send(pid: libc::pid_t, sig: libc::c_int) -> u8 {
    // SAFETY: plain kill(2) on a pid read from the pid file.
    if unsafe { libc::kill(pid, sig) } != 0 {
        let e = std::io::Error::last_os_error();
        eprintln!("spoor: could not send signal {sig} to {pid}: {e}");
        return 1;
    }
    0
}

/// Carries out a `-k` action against the server whose pid `pid_file`
/// holds, printing httpd's messages (with spoor's name) on standard output.
pub fn signal_server(action: Action, pid_file: Option<&Path>) -> Outcome {
    let running = running_pid(pid_file);
    match (action, running) {
        (Action::Start, Ok(pid)) => {
            println!("spoor (pid {pid}) already running");
            Outcome::Exit(0)
        }
        (Action::Start, Err(_)) => Outcome::Start,
        (Action::Stop | Action::GracefulStop, Err(m)) => {
            println!("{m}");
            Outcome::Exit(0)
        }
        (Action::Stop | Action::GracefulStop, Ok(pid)) => {
            let rc = send(pid, libc::SIGTERM);
            if rc != 0 || action == Action::GracefulStop {
                return Outcome::Exit(rc);
            }
            let start = Instant::now();
            // SAFETY: signal 0 only checks that the process exists.
            while unsafe { libc::kill(pid, 0) } == 0 {
                if start.elapsed() > STOP_WAIT {
                    eprintln!(
                        "spoor: pid {pid} still running {} s after SIGTERM",
                        STOP_WAIT.as_secs()
                    );
                    return Outcome::Exit(1);
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            Outcome::Exit(0)
        }
        (Action::Restart | Action::Graceful, Err(_)) => {
            println!("spoor not running, trying to start");
            Outcome::Start
        }
        (Action::Restart, Ok(pid)) => Outcome::Exit(send(pid, libc::SIGHUP)),
        (Action::Graceful, Ok(pid)) => Outcome::Exit(send(pid, libc::SIGUSR1)),
    }
}

/// How long `-k start` waits for the daemon to write its pid file.
pub const START_WAIT: Duration = Duration::from_secs(30);

/// `-k start`: runs this program again with the same arguments minus
/// `-k ACTION`, in a new session (setsid) with standard input, output and
/// error on /dev/null, and returns once the daemon has written `pid_file`
/// (its own pid in it) or has exited. spoor re-executes itself rather than
/// forking because the configuration was read on a second thread, and a
/// fork of a multi-threaded process may only call async-signal-safe code.
pub fn start_daemon(pid_file: &Path) -> ExitCode {
    use std::os::unix::process::CommandExt;
    let exe = match std::env::current_exe() {
        Ok(e) => e,
        Err(e) => {
            eprintln!("spoor: cannot find the spoor executable: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut args: Vec<std::ffi::OsString> = Vec::new();
    let mut it = std::env::args_os().skip(1);
    while let Some(a) = it.next() {
        if a == "-k" {
            it.next();
        } else if a
            .to_str()
            .is_some_and(|s| s.starts_with("-k") && s.len() > 2)
        {
        } else {
            args.push(a);
        }
    }
    let mut cmd = std::process::Command::new(exe);
    cmd.args(args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    // SAFETY: setsid is async-signal-safe and touches no memory.
    unsafe {
        cmd.pre_exec(|| {
            if libc::setsid() < 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("spoor: could not start the server: {e}");
            return ExitCode::FAILURE;
        }
    };
    let want = child.id().to_string();
    let start = Instant::now();
    loop {
        if let Ok(Some(st)) = child.try_wait() {
            eprintln!(
                "spoor: the server exited at start-up ({st}); run it without -k start to see why"
            );
            return ExitCode::FAILURE;
        }
        if std::fs::read_to_string(pid_file).is_ok_and(|t| t.trim() == want) {
            return ExitCode::SUCCESS;
        }
        if start.elapsed() > START_WAIT {
            eprintln!(
                "spoor: pid {want} wrote no {} within {} s",
                pid_file.display(),
                START_WAIT.as_secs()
            );
            return ExitCode::FAILURE;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// `-E FILE`: standard error is appended to FILE from now on.
pub fn redirect_stderr(file: &PathBuf) -> Result<(), String> {
    use std::os::fd::AsRawFd;
    let f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(file)
        .map_err(|e| format!("could not open {}: {e}", file.display()))?;
    // SAFETY: dup2 onto fd 2 with a descriptor we own; `f` is closed after.
    if unsafe { libc::dup2(f.as_raw_fd(), 2) } < 0 {
        return Err(format!(
            "could not redirect to {}: {}",
            file.display(),
            std::io::Error::last_os_error()
        ));
    }
    Ok(())
}

/// `spoor generate WHAT`: the manual page or a completion script for the
/// command line `cmd`, written to `out`.
pub fn generate(
    what: crate::cli::Generated,
    cmd: clap::Command,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    use crate::cli::Generated;
    use clap_complete::Shell;
    let shell = match what {
        Generated::Man => return clap_mangen::Man::new(cmd).section("8").render(out),
        Generated::Bash => Shell::Bash,
        Generated::Zsh => Shell::Zsh,
        Generated::Fish => Shell::Fish,
    };
    let mut cmd = cmd;
    clap_complete::generate(shell, &mut cmd, "spoor", out);
    Ok(())
}

/// Whether a start-up warning is shown under `-e LEVEL`: warnings are
/// httpd's `warn` level, shown unless LEVEL is more severe.
pub fn show_warnings(level: Option<&str>) -> bool {
    !matches!(level, Some("emerg" | "alert" | "crit" | "error"))
}

/// One address's entry in the `-S` map: its text and the virtual hosts on
/// it, in configuration order.
struct AddrGroup<'s> {
    text: String,
    port: u16,
    wildcard: bool,
    servers: Vec<&'s crate::config::model::Server>,
}

/// The address as `-S` prints it: `IP:PORT`, `*` for a wildcard address
/// or port, IPv6 in brackets.
fn addr_text(a: &crate::config::model::VhostAddr) -> String {
    let ip = match a.ip {
        None => "*".to_string(),
        Some(std::net::IpAddr::V6(v6)) => format!("[{v6}]"),
        Some(ip) => ip.to_string(),
    };
    match a.port {
        Some(p) => format!("{ip}:{p}"),
        None => format!("{ip}:*"),
    }
}

/// `-S`: the virtual-host map and the main server's run settings, in
/// httpd's layout (`apache2 -S`). `defines` are the names defined at the
/// end of reading, with their values.
///
/// Deviations, documented: addresses come in configuration order (httpd
/// prints its address hash table's order, specific addresses before `*`
/// ones, as spoor does); a virtual host without `ServerName` shows the
/// main server's name (httpd looks its address up in DNS); there are no
/// `Mutex` lines (spoor has no mutexes); `Main ErrorLog` is
/// `standard error` without an `ErrorLog` (spoor's default) and `PidFile`
/// is left out without a `PidFile`.
pub fn dump_vhosts(
    s: &crate::config::model::Settings,
    defines: &[(String, Option<String>)],
) -> String {
    use std::fmt::Write as _;
    let main_name = s.main.server_name.as_deref().unwrap_or("localhost");
    let name_of = |v: &crate::config::model::Server| -> String {
        v.server_name
            .clone()
            .unwrap_or_else(|| main_name.to_string())
    };
    let at = |v: &crate::config::model::Server| -> String {
        match &v.defined_at {
            Some((f, l)) => format!("({}:{l})", f.display()),
            None => "(unknown)".to_string(),
        }
    };
    let mut groups: Vec<AddrGroup<'_>> = Vec::new();
    for v in &s.vhosts {
        for a in &v.addrs {
            let text = addr_text(a);
            match groups.iter_mut().find(|g| g.text == text) {
                Some(g) => g.servers.push(v),
                None => groups.push(AddrGroup {
                    text,
                    port: a.port.unwrap_or(0),
                    wildcard: a.ip.is_none(),
                    servers: vec![v],
                }),
            }
        }
    }
    // httpd lists specific addresses first, then the wildcard ones.
    groups.sort_by_key(|g| g.wildcard);
    let mut out = String::from("VirtualHost configuration:\n");
    for g in &groups {
        if let [v] = g.servers[..] {
            let _ = writeln!(out, "{:<22} {} {}", g.text, name_of(v), at(v));
            continue;
        }
        let _ = writeln!(out, "{:<22} is a NameVirtualHost", g.text);
        let first = g.servers[0];
        let _ = writeln!(
            out,
            "         default server {} {}",
            name_of(first),
            at(first)
        );
        for v in &g.servers {
            let _ = writeln!(
                out,
                "         port {} namevhost {} {}",
                g.port,
                name_of(v),
                at(v)
            );
            for a in &v.aliases {
                let kind = if a.contains(['*', '?']) {
                    "wild alias"
                } else {
                    "alias"
                };
                let _ = writeln!(out, "                 {kind} {a}");
            }
        }
    }
    let _ = writeln!(out, "ServerRoot: \"{}\"", s.server_root.display());
    if let Some(d) = &s.main.document_root {
        let _ = writeln!(out, "Main DocumentRoot: \"{}\"", d.display());
    }
    match &s.main.error_log {
        Some(t) if t.starts_with('|') || t.starts_with("syslog") => {
            let _ = writeln!(out, "Main ErrorLog: \"{t}\"");
        }
        Some(t) => {
            let _ = writeln!(out, "Main ErrorLog: \"{}\"", s.root_relative(t).display());
        }
        None => out.push_str("Main ErrorLog: standard error\n"),
    }
    if let Some(p) = &s.pid_file {
        let _ = writeln!(out, "PidFile: \"{}\"", p.display());
    }
    out.push_str("Define: DUMP_VHOSTS\nDefine: DUMP_RUN_CFG\n");
    for (k, v) in defines {
        if k == "DUMP_VHOSTS" || k == "DUMP_RUN_CFG" {
            continue;
        }
        match v {
            Some(v) => {
                let _ = writeln!(out, "Define: {k}={v}");
            }
            None => {
                let _ = writeln!(out, "Define: {k}");
            }
        }
    }
    use crate::privileges::{resolve_group, resolve_user, DEFAULT_GROUP, DEFAULT_USER};
    let id_line =
        |what: &str, id: Option<&crate::privileges::IdSetting>, name: &str, n| match (id, n) {
            (Some(i), _) => format!("{what}: name=\"{}\" id={}\n", i.spec, i.id),
            (None, Ok(n)) => format!("{what}: name=\"{name}\" id={n}\n"),
            (None, Err(_)) => format!("{what}: name=\"{name}\" id=unknown\n"),
        };
    out.push_str(&id_line(
        "User",
        s.user.as_ref(),
        DEFAULT_USER,
        resolve_user(DEFAULT_USER),
    ));
    out.push_str(&id_line(
        "Group",
        s.group.as_ref(),
        DEFAULT_GROUP,
        resolve_group(DEFAULT_GROUP),
    ));
    out
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::config::model::Settings;
    use crate::config::reader::{read_config_str, ReadOptions};
    use crate::modules::directives;

    #[test]
    fn every_listed_directive_is_handled() {
        // Each directive `-L` lists reaches a handler: alone and without
        // arguments it may be refused, but never as an unknown command.
        let root = std::env::temp_dir();
        for (m, d) in directives().filter(|(_, d)| !d.name.starts_with('<')) {
            let text = format!("LoadModule {} x.so\n{}\n", m.ident, d.name);
            let cfg = read_config_str(&text, Path::new("t.conf"), &ReadOptions::new(&root))
                .unwrap_or_else(|e| panic!("{}: {}", d.name, e.message()));
            if let Err(e) = Settings::from_config(&cfg) {
                assert!(
                    !e.message().contains("Invalid command"),
                    "{} ({}): {}",
                    d.name,
                    m.source,
                    e.message()
                );
            }
        }
    }
}
