//! The `spoor` binary: parses the command line, loads the configuration
//! (an httpd.conf with `-f`, else the embedded default), binds the
//! listeners, runs the server on a multi-threaded tokio runtime, reloads on
//! SIGHUP/SIGUSR1 and stops cleanly on SIGTERM or SIGINT.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use spoor::cli::Cli;
use spoor::config::{read_config, ReadOptions, Settings};
use spoor::privileges::{self, Plan};
use spoor::server::{self, Config, Current};
use spoor::site;
use spoor_log::sink::{Sink, SinkOptions};

/// Everything `-f` produces: the model (for listeners and the pid file) and
/// the running configuration.
struct Loaded {
    settings: Settings,
    config: Config,
    plan: Plan,
}

/// Reads, checks and opens a configuration (`-f`, else `--wasd`); on a
/// reload `previous` is the configuration in force, whose logs are kept
/// where they cannot be opened again. The error is ready to print.
fn load(file: &Path, cli: &Cli, previous: Option<&Config>) -> Result<Loaded, String> {
    let root = match &cli.server_root {
        Some(r) => r.clone(),
        None => std::env::current_dir().map_err(|e| format!("spoor: current directory: {e}"))?,
    };
    if cli.config_file.is_none() {
        let settings = spoor::config::read_wasd(file, cli.wasd_map.as_deref(), &root)
            .map_err(|e| e.render("spoor"))?;
        for w in &settings.warnings {
            eprintln!("spoor: {w}");
        }
        let plan = privileges::plan(None, None, cli.allow_root)?;
        let config = site::build_reusing(&settings, previous).map_err(|e| format!("spoor: {e}"))?;
        return Ok(Loaded {
            settings,
            config,
            plan,
        });
    }
    let mut opts = ReadOptions::new(root);
    opts.defines.extend(cli.defines.iter().cloned());
    let cfg = read_config(file, &opts).map_err(|e| e.render("spoor"))?;
    for w in &cfg.warnings {
        eprintln!("{w}");
    }
    let settings = Settings::from_config(&cfg).map_err(|e| e.render("spoor"))?;
    // The model's own warnings (an ignored 401 ErrorDocument URL, a
    // SetEnvIf attribute httpd warns about, …): `file:line: message`.
    for w in &settings.warnings {
        eprintln!("{w}");
    }
    let plan = privileges::plan(
        settings.user.as_ref(),
        settings.group.as_ref(),
        cli.allow_root,
    )?;
    let config = site::build_reusing(&settings, previous).map_err(|e| format!("spoor: {e}"))?;
    Ok(Loaded {
        settings,
        config,
        plan,
    })
}

fn listen_addrs(settings: &Settings) -> Vec<SocketAddr> {
    let mut v = Vec::new();
    for &(ip, port) in &settings.listen {
        match ip {
            Some(ip) => v.push(SocketAddr::new(ip, port)),
            // `Listen 80`: every address; IPv4 and IPv6 both, as httpd.
            None => {
                v.push(SocketAddr::new(IpAddr::V6(Ipv6Addr::UNSPECIFIED), port));
                v.push(SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), port));
            }
        }
    }
    v
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(spoor::cli::Command::CheckForensic(a)) = &cli.command {
        return spoor::check_forensic::run(a);
    }
    if cli.version {
        println!("Server version: spoor/{}", env!("CARGO_PKG_VERSION"));
        return ExitCode::SUCCESS;
    }
    let (config, addrs, pid_file, plan) = match cli.config_file.as_ref().or(cli.wasd_file.as_ref())
    {
        Some(file) => match load(file, &cli, None) {
            Ok(l) => {
                let addrs = listen_addrs(&l.settings);
                if addrs.is_empty() && !cli.test_config {
                    eprintln!(
                        "spoor: AH00015: Unable to open logs: no listening sockets available, shutting down"
                    );
                    return ExitCode::FAILURE;
                }
                (l.config, addrs, l.settings.pid_file, l.plan)
            }
            Err(e) => {
                eprint!("{e}");
                if !e.ends_with('\n') {
                    eprintln!();
                }
                return ExitCode::FAILURE;
            }
        },
        None => match privileges::plan(None, None, cli.allow_root) {
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::FAILURE;
            }
            Ok(plan) => match default_config(&cli, None) {
                Ok(c) => (c, vec![cli.listen], None, plan),
                Err(e) => {
                    eprintln!("spoor: {e}");
                    return ExitCode::FAILURE;
                }
            },
        },
    };
    if cli.test_config {
        eprintln!("Syntax OK");
        return ExitCode::SUCCESS;
    }
    // One thread: tokio's current-thread scheduler (no work stealing, no
    // waking of a second thread), the single event loop an nginx worker
    // is. More: the multi-threaded scheduler with that many workers.
    let mut builder = if cli.threads == Some(1) {
        tokio::runtime::Builder::new_current_thread()
    } else {
        tokio::runtime::Builder::new_multi_thread()
    };
    if let Some(n) = cli.threads.filter(|&n| n > 1) {
        builder.worker_threads(n as usize);
    }
    let runtime = match builder.enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("spoor: could not start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let current = Arc::new(Current::new(config));
    let result = runtime.block_on(run(cli, current, addrs, pid_file.clone(), plan));
    if let Some(p) = &pid_file {
        let _ = std::fs::remove_file(p);
    }
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("spoor: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The embedded default: serve `--root` on `--listen`, combined log to
/// standard output (or `--access-log`; on a reload, `previous` is the
/// configuration in force, whose log is kept if it cannot be reopened
/// after the privilege drop).
fn default_config(cli: &Cli, previous: Option<&Config>) -> Result<Config, String> {
    let root = match std::fs::canonicalize(&cli.root) {
        Ok(r) if r.is_dir() => r,
        Ok(r) => return Err(format!("document root {} is not a directory", r.display())),
        Err(e) => return Err(format!("document root {}: {e}", cli.root.display())),
    };
    let mut config = Config::new(root);
    if let Some(path) = &cli.access_log {
        let opened = Sink::file(path, &SinkOptions::default()).map(Arc::new);
        config.sinks[0] =
            site::keep_if_denied(opened, path, || previous.map(|p| p.sinks[0].clone()))
                .map_err(|e| format!("could not open access log {}: {e}", path.display()))?;
    }
    Ok(config)
}

async fn run(
    cli: Cli,
    current: Arc<Current>,
    addrs: Vec<SocketAddr>,
    pid_file: Option<PathBuf>,
    plan: Plan,
) -> std::io::Result<()> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut listeners = Vec::new();
    for a in &addrs {
        let l = bind(*a).map_err(|e| {
            std::io::Error::new(
                e.kind(),
                format!("AH00072: make_sock: could not bind to address {a}: {e}"),
            )
        })?;
        eprintln!("spoor: listening on {}", l.local_addr()?);
        listeners.push(l);
    }
    if let Some(p) = &pid_file {
        std::fs::write(p, format!("{}\n", std::process::id()))?;
    }
    // Started as root: everything privileged is done, give root up before
    // the first connection is accepted.
    privileges::drop_to(&plan).map_err(std::io::Error::other)?;
    if let Plan::Drop(id) = &plan {
        eprintln!("spoor: serving as {id}");
    }
    let (tx, rx) = tokio::sync::watch::channel(false);
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    let mut hup = signal(SignalKind::hangup())?;
    let mut usr1 = signal(SignalKind::user_defined1())?;
    let reload_current = current.clone();
    tokio::spawn(async move {
        loop {
            tokio::select! {
                _ = term.recv() => break,
                _ = int.recv() => break,
                _ = hup.recv() => reload(&cli, &reload_current),
                _ = usr1.recv() => reload(&cli, &reload_current),
            }
        }
        let _ = tx.send(true);
        // Keep the sender alive so connections see the flag, not a closed
        // channel.
        std::future::pending::<()>().await;
    });
    let mut tasks = tokio::task::JoinSet::new();
    for l in listeners {
        tasks.spawn(server::serve(l, current.clone(), rx.clone()));
    }
    let mut result = Ok(());
    while let Some(r) = tasks.join_next().await {
        if let Ok(Err(e)) = r {
            result = Err(e);
        }
    }
    // Every connection is done: flush buffered logs and let piped loggers
    // drain before exiting.
    for s in &current.get().sinks {
        if let Err(e) = s.close() {
            eprintln!("spoor: closing {}: {e}", s.name());
        }
    }
    spoor::forensic::close(&current.get());
    result
}

/// Re-reads the configuration and reopens the logs. A configuration that
/// fails keeps the old one serving.
fn reload(cli: &Cli, current: &Current) {
    match cli.config_file.as_ref().or(cli.wasd_file.as_ref()) {
        Some(file) => match load(file, cli, Some(&current.get())) {
            Ok(l) => {
                current.replace(l.config);
                eprintln!("spoor: configuration reloaded, logs reopened");
            }
            Err(e) => {
                eprint!("{e}");
                eprintln!("spoor: the new configuration failed; the old one keeps serving");
            }
        },
        None => match default_config(cli, Some(&current.get())) {
            Ok(c) => current.replace(c),
            Err(e) => eprintln!("spoor: reload failed, keeping the old configuration: {e}"),
        },
    }
}

/// Binds a listening socket with SO_REUSEADDR (an IPv6 wildcard socket is
/// IPv6-only, so `Listen 80` can bind both families).
fn bind(addr: SocketAddr) -> std::io::Result<tokio::net::TcpListener> {
    let sock = match addr {
        SocketAddr::V4(_) => tokio::net::TcpSocket::new_v4()?,
        SocketAddr::V6(_) => {
            let s = tokio::net::TcpSocket::new_v6()?;
            set_v6only(&s)?;
            s
        }
    };
    sock.set_reuseaddr(true)?;
    sock.bind(addr)?;
    sock.listen(511)
}

fn set_v6only(s: &tokio::net::TcpSocket) -> std::io::Result<()> {
    use std::os::fd::AsRawFd;
    let one: libc::c_int = 1;
    // SAFETY: a valid socket descriptor and a pointer to an int of the
    // right size for IPV6_V6ONLY.
    let r = unsafe {
        libc::setsockopt(
            s.as_raw_fd(),
            libc::IPPROTO_IPV6,
            libc::IPV6_V6ONLY,
            (&one as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if r == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}
