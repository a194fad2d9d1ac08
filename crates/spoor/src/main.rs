//! The `spoor` binary: parses the command line, loads the configuration
//! (an httpd.conf with `-f`, else the embedded default), binds the
//! listeners, runs the server on worker threads (one single-threaded tokio
//! runtime each, see `Listeners::serve_on`), reloads on
//! SIGHUP/SIGUSR1 and stops cleanly on SIGTERM or SIGINT.
//!
//! Configurations are read, checked and built on a thread of their own
//! (`spoor::reload`), at start-up and on a reload; a reload has a time
//! bound and changes the listening sockets (`spoor::listeners`).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use spoor::cli::Cli;
use spoor::config::{escape_log, read_config, ConfigError, ReadOptions, Settings};
use spoor::listeners::{self, listen_addrs, Listeners};
use spoor::privileges::{self, Plan};
use spoor::reload::{on_config_thread, Finished, Refused, Reloader};
use spoor::server::{Config, Current};
use spoor::site;
use spoor_log::sink::{Sink, SinkOptions};

/// Everything `-f` produces: the model (for listeners and the pid file) and
/// the running configuration.
struct Loaded {
    settings: Settings,
    config: Config,
    plan: Plan,
}

/// Why a configuration could not be loaded.
#[derive(Debug)]
enum LoadError {
    /// An error in the configuration files.
    Config(ConfigError),
    /// Anything else (a log that cannot be opened…), without the `spoor: `
    /// prefix.
    Other(String),
    /// A message already worded in full (a privileges decision that names
    /// the file and line as `apache2 -t` does), printed as it is.
    Plain(String),
}

/// A privileges decision's error (worded in full, `spoor: ` prefix
/// included where it has one).
fn privilege_error(e: String) -> LoadError {
    LoadError::Plain(e)
}

impl From<ConfigError> for LoadError {
    fn from(e: ConfigError) -> Self {
        LoadError::Config(e)
    }
}

/// The most bytes of a reason a reload failure line shows.
const MAX_REASON: usize = 4096;

impl LoadError {
    /// The text `-t` and start-up print (as `apache2 -t` prints it; may be
    /// several lines).
    fn render(&self) -> String {
        match self {
            LoadError::Config(e) => e.render("spoor"),
            LoadError::Other(m) => format!("spoor: {m}"),
            LoadError::Plain(m) => m.clone(),
        }
    }

    /// One line: `FILE:LINE: MESSAGE` (`FILE: MESSAGE` for a whole file),
    /// control characters escaped, cut at [`MAX_REASON`] bytes.
    fn one_line(&self) -> String {
        let s = match self {
            LoadError::Config(e) if e.line() == 0 => {
                escape_log(&format!("{}: {}", e.file().display(), e.message()))
            }
            LoadError::Config(e) => escape_log(&format!(
                "{}:{}: {}",
                e.file().display(),
                e.line(),
                e.message()
            )),
            LoadError::Other(m) => escape_log(m),
            LoadError::Plain(m) => escape_log(m.strip_prefix("spoor: ").unwrap_or(m)),
        };
        cut(s, MAX_REASON)
    }
}

/// `s` cut to at most `max` bytes (on a character boundary), with `…`
/// when something was cut.
fn cut(mut s: String, max: usize) -> String {
    if s.len() > max {
        let mut i = max;
        while !s.is_char_boundary(i) {
            i -= 1;
        }
        s.truncate(i);
        s.push('…');
    }
    s
}

/// The initial ServerRoot: `-d`, else the current directory.
fn server_root(cli: &Cli) -> Result<PathBuf, LoadError> {
    match &cli.server_root {
        Some(r) => Ok(r.clone()),
        None => {
            std::env::current_dir().map_err(|e| LoadError::Other(format!("current directory: {e}")))
        }
    }
}

/// How the command line asks an httpd.conf to be read (`-D`, `-C`, `-c`).
fn read_options(cli: &Cli, root: PathBuf) -> ReadOptions {
    let mut opts = ReadOptions::new(root);
    opts.defines.extend(cli.defines.iter().cloned());
    opts.pre_directives.clone_from(&cli.pre_directives);
    opts.post_directives.clone_from(&cli.post_directives);
    opts
}

/// Reads, checks and opens a configuration (`-f`, else `--wasd`).
/// On a reload `previous` is the configuration in force, whose logs are
/// kept where they cannot be opened again after the privilege drop.
fn load(file: &Path, cli: &Cli, previous: Option<&Config>) -> Result<Loaded, LoadError> {
    let root = server_root(cli)?;
    let warn = spoor::apachectl::show_warnings(cli.startup_level.as_deref());
    if cli.config_file.is_none() {
        let settings = spoor::config::read_wasd(file, cli.wasd_map.as_deref(), &root)?;
        for w in settings.warnings.iter().filter(|_| warn) {
            eprintln!("spoor: {w}");
        }
        let plan = privileges::plan(None, None, cli.allow_root).map_err(privilege_error)?;
        let config = site::build_reusing(&settings, previous).map_err(LoadError::Other)?;
        return Ok(Loaded {
            settings,
            config,
            plan,
        });
    }
    let cfg = read_config(file, &read_options(cli, root))?;
    for w in cfg.warnings.iter().filter(|_| warn) {
        eprintln!("{w}");
    }
    let settings = Settings::from_config(&cfg)?;
    // The model's own warnings (an ignored 401 ErrorDocument URL, a
    // SetEnvIf attribute httpd warns about, …): `file:line: message`.
    for w in settings.warnings.iter().filter(|_| warn) {
        eprintln!("{w}");
    }
    let plan = privileges::plan(
        settings.user.as_ref(),
        settings.group.as_ref(),
        cli.allow_root,
    )
    .map_err(privilege_error)?;
    let config = site::build_reusing(&settings, previous).map_err(LoadError::Other)?;
    Ok(Loaded {
        settings,
        config,
        plan,
    })
}

/// What a start-up or a reload needs: the running configuration, the
/// addresses to listen on and the pid file.
struct Prepared {
    config: Config,
    addrs: Vec<SocketAddr>,
    /// `ListenBacklog`, for sockets bound now.
    backlog: u32,
    pid_file: Option<PathBuf>,
    /// What becomes of root's privileges.
    plan: Plan,
    /// The modules the configuration loads with `LoadModule`, in order
    /// (`-M`).
    modules: Vec<&'static str>,
}

/// Loads the configuration the command line names (`-f`, `--wasd`, else
/// the embedded default); `previous` as for [`load`].
fn prepare(cli: &Cli, previous: Option<&Config>) -> Result<Prepared, LoadError> {
    match cli.config_file.as_ref().or(cli.wasd_file.as_ref()) {
        Some(file) => {
            let l = load(file, cli, previous)?;
            Ok(Prepared {
                addrs: listen_addrs(&l.settings.listen),
                backlog: l
                    .settings
                    .mpm
                    .listen_backlog
                    .map_or(listeners::DEFAULT_BACKLOG, |b| b as u32),
                modules: l.settings.loaded.clone(),
                pid_file: l.settings.pid_file,
                config: l.config,
                plan: l.plan,
            })
        }
        None => {
            let plan = privileges::plan(None, None, cli.allow_root).map_err(privilege_error)?;
            Ok(Prepared {
                config: default_config(cli, previous).map_err(LoadError::Other)?,
                addrs: vec![cli.listen],
                backlog: listeners::DEFAULT_BACKLOG,
                modules: Vec::new(),
                pid_file: None,
                plan,
            })
        }
    }
}

/// The PidFile of the configuration the command line names, read and
/// checked without opening logs or starting piped loggers (for `-k`).
fn pid_file_of(cli: &Cli) -> Result<Option<PathBuf>, LoadError> {
    let root = server_root(cli)?;
    if let Some(file) = &cli.config_file {
        let cfg = read_config(file, &read_options(cli, root))?;
        Ok(Settings::from_config(&cfg)?.pid_file)
    } else if let Some(file) = &cli.wasd_file {
        Ok(spoor::config::read_wasd(file, cli.wasd_map.as_deref(), &root)?.pid_file)
    } else {
        Ok(None)
    }
}

/// `-S`: the configuration read and checked (no logs opened), then its
/// virtual-host map.
fn dump_vhosts(cli: &Cli) -> Result<String, LoadError> {
    let root = server_root(cli)?;
    if let Some(file) = &cli.config_file {
        let cfg = read_config(file, &read_options(cli, root))?;
        let s = Settings::from_config(&cfg)?;
        Ok(spoor::apachectl::dump_vhosts(&s, &cfg.defines))
    } else if let Some(file) = &cli.wasd_file {
        let s = spoor::config::read_wasd(file, cli.wasd_map.as_deref(), &root)?;
        Ok(spoor::apachectl::dump_vhosts(&s, &[]))
    } else {
        Err(LoadError::Other(
            "-S needs a configuration (-f or --wasd)".to_string(),
        ))
    }
}

/// glibc's malloc with a per-thread cache of the runtime's over-aligned
/// blocks ([`spoor::alloc`]).
#[global_allocator]
static ALLOC: spoor::alloc::Allocator = spoor::alloc::Allocator;

fn main() -> ExitCode {
    // Before any thread exists: it reads and clears $NOTIFY_SOCKET.
    spoor::notify::init();
    // The main thread lives as long as the process (with `--threads 1`
    // it serves connections).
    spoor::alloc::keep_on_this_thread();
    let mut cli = Cli::parse();
    match &cli.command {
        Some(spoor::cli::Command::CheckForensic(a)) => return spoor::check_forensic::run(a),
        Some(spoor::cli::Command::Generate { what, .. }) => {
            use clap::CommandFactory;
            let mut out = std::io::stdout().lock();
            return match spoor::apachectl::generate(*what, Cli::command(), &mut out) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("spoor: {e}");
                    ExitCode::FAILURE
                }
            };
        }
        None => {}
    }
    if cli.short_help {
        // As httpd: the usage on standard error, exit status 1.
        eprint!("{}", spoor::apachectl::short_usage());
        return ExitCode::FAILURE;
    }
    if cli.version {
        println!("Server version: spoor/{}", env!("CARGO_PKG_VERSION"));
        return ExitCode::SUCCESS;
    }
    if cli.compile_settings {
        print!("{}", spoor::apachectl::compile_settings());
        return ExitCode::SUCCESS;
    }
    if cli.list_directives {
        print!("{}", spoor::apachectl::list_directives());
        return ExitCode::SUCCESS;
    }
    if cli.list_compiled {
        print!("{}", spoor::apachectl::compiled_modules());
        return ExitCode::SUCCESS;
    }
    if let Some(f) = &cli.startup_log {
        if let Err(e) = spoor::apachectl::redirect_stderr(f) {
            eprintln!("spoor: -E: {e}");
            return ExitCode::FAILURE;
        }
    }
    if let Some(d) = &cli.server_root {
        // httpd only notices a missing -d directory when it opens a file
        // below it; spoor refuses it at once, with the ServerRoot
        // directive's message.
        if !d.is_dir() {
            eprintln!(
                "spoor: -d {}: ServerRoot must be a valid directory",
                d.display()
            );
            return ExitCode::FAILURE;
        }
    }
    if cli.config_file.is_none()
        && !(cli.pre_directives.is_empty() && cli.post_directives.is_empty())
    {
        eprintln!("spoor: -C and -c apply to an httpd.conf: they need -f FILE");
        return ExitCode::FAILURE;
    }
    if cli.debug {
        cli.threads = Some(1);
    }
    let action = cli
        .signal
        .as_deref()
        .and_then(spoor::apachectl::Action::parse);
    if let Some(action) = action {
        use spoor::apachectl::{signal_server, start_daemon, Outcome};
        let pid_file = match pid_file_of(&cli) {
            Ok(p) => p,
            Err(e) => {
                let e = e.render();
                eprint!("{e}");
                if !e.ends_with('\n') {
                    eprintln!();
                }
                return ExitCode::FAILURE;
            }
        };
        match signal_server(action, pid_file.as_deref()) {
            Outcome::Exit(rc) => return ExitCode::from(rc),
            Outcome::Start => match &pid_file {
                Some(p) => return start_daemon(p),
                None => {
                    eprintln!("spoor: -k start needs a PidFile in the configuration");
                    return ExitCode::FAILURE;
                }
            },
        }
    }
    let loaded = match on_config_thread(|| prepare(&cli, None)) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("spoor: could not start the configuration thread: {e}");
            return ExitCode::FAILURE;
        }
    };
    let (config, addrs, backlog, pid_file, plan, modules) = match loaded {
        Ok(p) => {
            if p.addrs.is_empty() && !cli.test_config {
                eprintln!(
                    "spoor: AH00015: Unable to open logs: no listening sockets available, shutting down"
                );
                return ExitCode::FAILURE;
            }
            (p.config, p.addrs, p.backlog, p.pid_file, p.plan, p.modules)
        }
        Err(e) => {
            let e = e.render();
            eprint!("{e}");
            if !e.ends_with('\n') {
                eprintln!();
            }
            return ExitCode::FAILURE;
        }
    };
    if cli.dump_vhosts {
        return match dump_vhosts(&cli) {
            Ok(text) => {
                print!("{text}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                let e = e.render();
                eprint!("{e}");
                if !e.ends_with('\n') {
                    eprintln!();
                }
                ExitCode::FAILURE
            }
        };
    }
    if cli.list_loaded {
        print!("{}", spoor::apachectl::loaded_modules(&modules));
        return ExitCode::SUCCESS;
    }
    if cli.test_config {
        eprintln!("Syntax OK");
        return ExitCode::SUCCESS;
    }
    // Every runtime is tokio's current-thread scheduler: no work stealing,
    // no task moving between threads. One thread: the main thread's event
    // loop serves connections too, the single event loop an nginx worker
    // is. More: as many worker threads, each with its own event loop and
    // accept loops (nginx's worker processes, as threads); the main
    // thread then only handles signals and reloads.
    let threads = cli.threads.map_or_else(
        || std::thread::available_parallelism().map_or(1, |n| n.get()),
        |n| n as usize,
    );
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("spoor: could not start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let workers = if threads > 1 {
        match Workers::start(threads) {
            Ok(w) => Some(w),
            Err(e) => {
                eprintln!("spoor: could not start the worker threads: {e}");
                return ExitCode::FAILURE;
            }
        }
    } else {
        None
    };
    let current = Arc::new(Current::new(config));
    let handles = workers.as_ref().map_or_else(Vec::new, Workers::handles);
    let single = handles.is_empty();
    let result = runtime.block_on(async {
        let serving = run(cli, current, addrs, backlog, pid_file, plan, handles);
        if !single {
            return serving.await;
        }
        // One thread: it serves, so it sweeps its open-file cache too.
        tokio::select! {
            r = serving => r,
            () = spoor::file_cache::sweep() => Ok(()),
        }
    });
    if let Some(w) = workers {
        w.stop();
    }
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("spoor: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The worker threads, each running a single-threaded runtime until
/// stopped.
struct Workers {
    handles: Vec<tokio::runtime::Handle>,
    stop: Vec<tokio::sync::oneshot::Sender<()>>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

impl Workers {
    /// Starts `n` worker threads (`spoor-worker-I`), each with its own
    /// runtime.
    fn start(n: usize) -> std::io::Result<Workers> {
        let mut w = Workers {
            handles: Vec::new(),
            stop: Vec::new(),
            threads: Vec::new(),
        };
        for i in 0..n {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            let (tx, rx) = tokio::sync::oneshot::channel::<()>();
            w.handles.push(rt.handle().clone());
            w.stop.push(tx);
            let t = std::thread::Builder::new()
                .name(format!("spoor-worker-{i}"))
                .spawn(move || {
                    spoor::alloc::keep_on_this_thread();
                    // The runtime runs what is spawned on it while this
                    // waits; a dropped sender ends it as a sent value does.
                    // The worker's open-file cache is swept here.
                    rt.block_on(async {
                        tokio::select! {
                            _ = rx => {}
                            () = spoor::file_cache::sweep() => {}
                        }
                    });
                })?;
            w.threads.push(t);
        }
        Ok(w)
    }

    /// Handles for spawning on each worker's runtime.
    fn handles(&self) -> Vec<tokio::runtime::Handle> {
        self.handles.clone()
    }

    /// Ends every worker (after the server has stopped: their tasks are
    /// done) and waits for their threads.
    fn stop(self) {
        drop(self.stop);
        drop(self.handles);
        for t in self.threads {
            let _ = t.join();
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
            spoor::kept::keep_if_denied(opened, path, || previous.map(|p| p.sinks[0].clone()))
                .map_err(|e| format!("could not open access log {}: {e}", path.display()))?;
    }
    Ok(config)
}

async fn run(
    cli: Cli,
    current: Arc<Current>,
    addrs: Vec<SocketAddr>,
    backlog: u32,
    pid_file: Option<PathBuf>,
    plan: Plan,
    workers: Vec<tokio::runtime::Handle>,
) -> std::io::Result<()> {
    use tokio::signal::unix::{signal, SignalKind};
    // Handlers first: a SIGHUP sent as soon as the server says it listens
    // must reload it, not end it.
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    let mut hup = signal(SignalKind::hangup())?;
    let mut usr1 = signal(SignalKind::user_defined1())?;
    let (tx, rx) = tokio::sync::watch::channel(false);
    // Bound now, accepted only once root is given up below: connections
    // wait in the kernel's queue meanwhile.
    let bound = Listeners::bind_all(&addrs, backlog)?;
    if let Some(p) = &pid_file {
        std::fs::write(p, format!("{}\n", std::process::id()))?;
    }
    // Started as root: everything privileged is done (sockets bound, logs
    // open, piped loggers started, pid file written); give root up before
    // the first connection is accepted.
    privileges::drop_to(&plan).map_err(std::io::Error::other)?;
    if let Plan::Drop(id) = &plan {
        eprintln!("spoor: serving as {id}");
    }
    let mut listeners = Listeners::serve_on(bound, current.clone(), rx, workers);
    spoor::notify::ready();
    let mut state = Running {
        cli: Arc::new(cli),
        current: current.clone(),
        pid_file,
    };
    let mut reloads = Reloader::new(Duration::from_secs(state.cli.reload_timeout));
    loop {
        tokio::select! {
            _ = term.recv() => break,
            _ = int.recv() => break,
            _ = hup.recv() => state.start_reload(&mut reloads),
            _ = usr1.recv() => state.start_reload(&mut reloads),
            r = reloads.finished() => state.finish_reload(r, &mut listeners),
        }
    }
    spoor::notify::stopping();
    // The sender stays alive until every connection has seen the flag.
    let _ = tx.send(true);
    let result = listeners.wait().await;
    // Every connection is done: flush buffered logs and let piped loggers
    // drain before exiting.
    for s in &current.get().sinks {
        if let Err(e) = s.close() {
            eprintln!("spoor: closing {}: {e}", s.name());
        }
    }
    let cfg = current.get();
    spoor::modules::log_forensic::state::close(
        cfg.servers.iter().filter_map(|s| s.forensic.as_ref()),
    );
    if let Some(p) = &state.pid_file {
        let _ = std::fs::remove_file(p);
    }
    drop(tx);
    result
}

/// What the signal loop keeps between reloads.
struct Running {
    cli: Arc<Cli>,
    current: Arc<Current>,
    /// The pid file written last (removed at exit).
    pid_file: Option<PathBuf>,
}

/// The line every failed reload prints, and only it.
fn reload_failed(why: &str) {
    eprintln!("spoor: reload failed, the old configuration keeps serving: {why}");
    // Serving goes on with the old configuration.
    spoor::notify::ready();
}

impl Running {
    /// Starts reading the configuration again on its own thread, unless a
    /// reload is still running.
    fn start_reload(&self, reloads: &mut Reloader<Result<Prepared, LoadError>>) {
        let cli = self.cli.clone();
        let previous = self.current.get();
        match reloads.start(move || prepare(&cli, Some(&previous))) {
            Ok(()) => spoor::notify::reloading(),
            Err(Refused::Busy) => eprintln!(
                "spoor: reload refused, the previous reload is still running; the current \
                 configuration keeps serving"
            ),
            Err(Refused::Spawn(e)) => {
                reload_failed(&format!("could not start the configuration thread: {e}"))
            }
        }
    }

    /// Puts a finished reload into effect: new listeners bound, the pid
    /// file written, the configuration swapped for new connections, removed
    /// listeners stopped. Any failure leaves everything as it was.
    fn finish_reload(
        &mut self,
        r: Finished<Result<Prepared, LoadError>>,
        listeners: &mut Listeners,
    ) {
        let p = match r {
            Finished::Done(Ok(p)) => p,
            Finished::Done(Err(e)) => return reload_failed(&e.one_line()),
            Finished::TimedOut => {
                return reload_failed(&format!(
                    "not done after {} s (--reload-timeout); it is abandoned, and a reload \
                     before it ends is refused",
                    self.cli.reload_timeout
                ))
            }
            Finished::Panicked => return reload_failed("the configuration thread panicked"),
        };
        let change = match listeners.prepare(&p.addrs, p.backlog) {
            Ok(c) => c,
            Err(e) => return reload_failed(&escape_log(&e)),
        };
        // httpd writes the pid file named by the new configuration on every
        // restart and leaves an old one in place.
        // A pid file that already holds this pid is left alone: after the
        // privilege drop the server may no longer write the one it made
        // as root, and rewriting the same bytes changes nothing.
        if let Some(f) = &p.pid_file {
            let pid = format!("{}\n", std::process::id());
            let same = std::fs::read(f).is_ok_and(|d| d == pid.as_bytes());
            let written = if same {
                Ok(())
            } else {
                std::fs::write(f, &pid)
            };
            if let Err(e) = written {
                return reload_failed(&escape_log(&format!(
                    "AH00099: could not create {}: {e}",
                    f.display()
                )));
            }
            self.pid_file = Some(f.clone());
        }
        self.current.replace(p.config);
        listeners.apply(change);
        eprintln!("spoor: configuration reloaded, logs reopened");
        spoor::notify::ready();
    }
}
