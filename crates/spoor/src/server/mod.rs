//! The HTTP/1.1 server: accept loop, per-connection engine (keep-alive,
//! pipelining, body discarding, timeouts), static files and access logging.
//!
//! One task serves one connection. It owns a read buffer, a response
//! buffer, a log-line buffer and a [`Renderer`], all reused from request to
//! request, so a request served from a small file allocates nothing on the
//! hot path. Request heads stay in the read buffer until the request is
//! logged, and the log record borrows its header table from there.

use std::io;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use spoor_log::{Format, TimeZone};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::http::pages::{self};
use crate::mime::MimeTable;
use crate::proto::h1::Connection;
use crate::setenv::ScopeEnv;
use crate::site::{LogUse, ServerConf};
use crate::vhost::Vhosts;
use spoor_log::sink::{Sink, SinkOptions};

/// Everything a server needs to run.
#[derive(Debug)]
pub struct Config {
    /// The main server (index 0) and the virtual hosts, in order.
    pub servers: Vec<ServerConf>,
    /// Chooses the server for a request.
    pub vhosts: Vhosts,
    /// Every access log, opened; [`LogUse::sink`] indexes this.
    pub sinks: Vec<Arc<Sink>>,
    /// Content types.
    pub mime: MimeTable,
    /// The time zone log times are rendered in.
    pub time_zone: TimeZone,
    /// WASD `[LogExcludeHosts]`: clients whose requests are not logged.
    pub log_exclude_hosts: spoor_log::wasd_log::HostPatterns,
    /// mod_unique_id is loaded: requests get `UNIQUE_ID`.
    pub unique_ids: bool,
    /// A WASD configuration's services, mapping rules and content types
    /// (`None` for the Apache dialect).
    pub wasd: Option<Arc<crate::wasd::WasdSite>>,
    /// The server's name and version as `ServerTokens` shows them (the
    /// `Server` header and `ServerSignature` footers).
    pub banner: String,
    /// Per request phase, the modules with work in it (built from the
    /// rest of this configuration by [`Config::finish`]).
    pub(crate) hooks: Arc<crate::hooks::Hooks>,
}

impl Config {
    /// The embedded default: serve `root`, combined format to stdout,
    /// Apache's default timeouts and limits.
    pub fn new(root: PathBuf) -> Config {
        Config {
            servers: vec![ServerConf {
                root,
                server_name: "localhost".to_string(),
                port: 80,
                server_admin: pages::DEFAULT_ADMIN.to_string(),
                logs: vec![LogUse {
                    sink: 0,
                    format: Format::apache(spoor_log::COMBINED)
                        .expect("the combined format compiles"),
                    condition: None,
                }],
                env: ScopeEnv::new(),
                errorlog: Default::default(),
                sections: crate::perdir::Sections::new(Default::default(), &[], &[]),
                track: None,
                forensic: None,
                cookie_expires: 0,
                report: None,
                conn: Default::default(),
            }],
            vhosts: Vhosts::empty(),
            sinks: vec![Arc::new(
                Sink::stdout(&SinkOptions::default()).expect("standard output"),
            )],
            mime: MimeTable::system(),
            time_zone: TimeZone::system(),
            log_exclude_hosts: Default::default(),
            unique_ids: false,
            wasd: None,
            banner: pages::banner(Default::default()),
            hooks: Default::default(),
        }
        .finish()
    }

    /// Builds the request phases' module lists for this configuration
    /// (once, as every other part of it).
    pub fn finish(mut self) -> Config {
        self.hooks = Arc::new(crate::hooks::Hooks::build(&self));
        self
    }
}

/// The configuration in force; a reload swaps it. Each connection keeps the
/// configuration it was accepted under, as httpd's old children finish
/// their connections after a graceful restart.
#[derive(Debug)]
pub struct Current(std::sync::RwLock<Arc<Config>>);

impl Current {
    /// Holds `config`.
    pub fn new(config: Config) -> Current {
        Current(std::sync::RwLock::new(Arc::new(config)))
    }

    /// The configuration new connections get.
    pub fn get(&self) -> Arc<Config> {
        self.0.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Replaces the configuration for new connections.
    pub fn replace(&self, config: Config) {
        *self.0.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(config);
    }
}

/// Serves connections from `listener` until `shutdown` becomes true, then
/// stops accepting, lets every connection finish its current request, and
/// returns once all of them are closed.
pub async fn serve(
    listener: TcpListener,
    current: Arc<Current>,
    shutdown: watch::Receiver<bool>,
) -> io::Result<()> {
    serve_until(listener, current, shutdown, std::future::pending()).await
}

/// Like [`serve`], and also stops accepting when `stop` completes (a
/// reload that removed this address); the connections already accepted
/// are finished either way, and stopped only by `shutdown`.
pub async fn serve_until(
    listener: TcpListener,
    current: Arc<Current>,
    mut shutdown: watch::Receiver<bool>,
    stop: impl std::future::Future<Output = ()>,
) -> io::Result<()> {
    let mut tasks = JoinSet::new();
    let mut stop = std::pin::pin!(stop);
    loop {
        while tasks.try_join_next().is_some() {}
        if *shutdown.borrow() {
            break;
        }
        tokio::select! {
            r = listener.accept() => match r {
                Ok((stream, peer)) => {
                    let local = stream.local_addr().unwrap_or(peer);
                    let _ = stream.set_nodelay(true);
                    let c = Connection::new(stream, peer, local, current.get(), shutdown.clone());
                    tasks.spawn(c.run());
                }
                Err(e) => {
                    // Out of descriptors and the like: back off briefly.
                    eprintln!("spoor: accept: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            r = shutdown.changed() => if r.is_err() { break },
            () = &mut stop => break,
        }
    }
    drop(listener);
    while tasks.join_next().await.is_some() {}
    Ok(())
}

/// The wall-clock time in µs since the epoch (0 before it). Read with
/// `clock_gettime` directly: `SystemTime::now().duration_since(..)` costs
/// three times the instructions, twice per request.
pub(crate) fn now_us() -> i64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid timespec for the call to write into;
    // CLOCK_REALTIME always exists.
    let r = unsafe { libc::clock_gettime(libc::CLOCK_REALTIME, &mut ts) };
    if r != 0 {
        return SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_micros() as i64);
    }
    // (`time_t` and `c_long` are `i64` here, not on every target.)
    #[allow(clippy::useless_conversion)]
    let (sec, nsec) = (i64::from(ts.tv_sec), i64::from(ts.tv_nsec));
    (sec * 1_000_000 + nsec / 1000).max(0)
}
