//! The running configuration: what the connection engine consults per
//! request, built from the [`Settings`] model.
//!
//! Building opens every access log (relative to ServerRoot, as httpd does)
//! and resolves each server's list of logs and formats once, so a request
//! only picks its server and walks a short list.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use spoor_log::{Format, TimeZone};

use crate::config::model::Settings;
use crate::errorlog::ServerErrorLog;
use crate::http::pages;
use crate::kept::{keep_if_denied, Kept};
use crate::modules::mime::types::MimeTable;
use crate::modules::reqtimeout::stages::{ReadTimeouts, ServerStages};
use crate::perdir::{opt, Merge, PerDir, Sections};
use crate::setenv::{LogCondition, ScopeEnv};
use crate::vhost::Vhosts;
use spoor_log::sink::{PipedCommand, Sink, SinkOptions};
use spoor_log::wasd_track::TrackSettings;

/// One access log as a server uses it.
#[derive(Debug)]
pub struct LogUse {
    /// Index into [`Config::sinks`].
    pub sink: usize,
    /// The compiled format.
    pub format: Format,
    /// When to write (`None`: always).
    pub condition: Option<LogCondition>,
}

/// A server's connection settings, resolved as httpd's virtual hosts
/// inherit them from the main server (a value unset, or 0 for `Timeout`,
/// `KeepAliveTimeout` and the `LimitRequest*` numbers, is the main
/// server's).
///
/// Which server's values apply when (as httpd 2.4.71 with the event MPM):
/// the request line is read under the `Timeout` in force on the socket
/// (the connection's base server, the default for its address, on the
/// first request; the previous request's server after that), the header
/// fields under the base server's, the body and the response under the
/// server chosen by `Host`. The head limits are always the base server's.
/// `KeepAlive`, `MaxKeepAliveRequests` and the `Keep-Alive` header's
/// timeout are the chosen server's; the wait for the next request is the
/// chosen server's `KeepAliveTimeout` when it sets one, else the base
/// server's.
#[derive(Clone, Copy, Debug)]
pub struct ConnSettings {
    /// `Timeout`.
    pub timeout: Duration,
    /// `KeepAlive`.
    pub keepalive: bool,
    /// `KeepAliveTimeout` (the main server's when this one sets none).
    pub keepalive_timeout: Duration,
    /// This server's own lines set `KeepAliveTimeout`.
    pub keepalive_timeout_set: bool,
    /// `MaxKeepAliveRequests` (0 = unlimited).
    pub max_keepalive: u32,
    /// `LimitRequestLine`, `LimitRequestFieldSize`, `LimitRequestFields`.
    pub limits: crate::http::request::Limits,
    /// mod_reqtimeout's stages (all off unless the module is loaded).
    pub read: ReadTimeouts,
}

impl Default for ConnSettings {
    /// httpd's defaults.
    fn default() -> Self {
        ConnSettings {
            timeout: Duration::from_secs(60),
            keepalive: true,
            keepalive_timeout: Duration::from_secs(5),
            keepalive_timeout_set: false,
            max_keepalive: 100,
            limits: Default::default(),
            read: ReadTimeouts::default(),
        }
    }
}

impl ConnSettings {
    /// The settings of `srv` (`None`: the main server itself);
    /// `reqtimeout`: mod_reqtimeout is loaded.
    fn resolve(
        main: &crate::config::model::Server,
        srv: Option<&crate::config::model::Server>,
        reqtimeout: bool,
    ) -> Self {
        let read = |stages: ServerStages| {
            if reqtimeout {
                ReadTimeouts::resolve(stages)
            } else {
                ReadTimeouts::default()
            }
        };
        let d = ConnSettings::default();
        let nonzero = |v: Option<Duration>| v.filter(|t| !t.is_zero());
        let main_set = ConnSettings {
            timeout: main.timeout.unwrap_or(d.timeout),
            keepalive: main.keepalive.unwrap_or(d.keepalive),
            keepalive_timeout: main.keepalive_timeout.unwrap_or(d.keepalive_timeout),
            keepalive_timeout_set: main.keepalive_timeout.is_some(),
            max_keepalive: main.max_keepalive.unwrap_or(d.max_keepalive),
            limits: crate::config::model::Limits::resolve(&main.limits, None),
            read: read(main.reqtimeout),
        };
        let Some(v) = srv else { return main_set };
        ConnSettings {
            timeout: nonzero(v.timeout).unwrap_or(main_set.timeout),
            keepalive: v.keepalive.unwrap_or(main_set.keepalive),
            keepalive_timeout: nonzero(v.keepalive_timeout).unwrap_or(main_set.keepalive_timeout),
            keepalive_timeout_set: v.keepalive_timeout.is_some(),
            max_keepalive: v.max_keepalive.unwrap_or(main_set.max_keepalive),
            limits: crate::config::model::Limits::resolve(&main.limits, Some(&v.limits)),
            read: read(v.reqtimeout.over(main.reqtimeout)),
        }
    }
}

/// Per-server settings the engine needs at request time.
#[derive(Debug)]
pub struct ServerConf {
    /// DocumentRoot.
    pub root: PathBuf,
    /// The canonical name (`%v`).
    pub server_name: String,
    /// The port `%p` prints: ServerName's, else 80.
    pub port: u16,
    /// `ServerAdmin` (the main server's when the host has none).
    pub server_admin: String,
    /// `TraceEnable` (the main server's when the host has none).
    pub trace_enable: crate::config::values::TraceEnable,
    /// mod_alias: the host's entries, then the main server's.
    pub alias: crate::modules::alias::settings::AliasConf,
    /// The logs written for requests this server handles.
    pub logs: Vec<LogUse>,
    /// Environment rules: the main server's merged with the host's.
    pub env: ScopeEnv,
    /// The error log and LogLevel (a vhost without ErrorLog shares the
    /// main server's log).
    pub errorlog: ServerErrorLog,
    /// Per-directory settings: the server's defaults and its sections.
    pub sections: Sections,
    /// WASD access tracking (`None`: this server does not track).
    pub track: Option<TrackSettings>,
    /// `ForensicLog`: this server's own descriptor or program.
    pub forensic: Option<std::sync::Arc<spoor_log::forensic::ForensicLog>>,
    /// mod_usertrack's `CookieExpires` for this server.
    pub cookie_expires: i32,
    /// WASD server reports (`None`: Apache's error pages).
    pub report: Option<std::sync::Arc<crate::modules::wasd::report::WasdReport>>,
    /// Timeouts, keep-alive and head limits.
    pub conn: ConnSettings,
    /// mod_deflate's settings (the server's own lines only).
    pub deflate: crate::modules::deflate::conf::DeflateConf,
}

/// A server's per-directory defaults: its directives outside sections
/// (the main server's merged under a virtual host's), with its
/// `SetEnv`/`UnsetEnv` (its `SetEnvIf` rules run earlier, from
/// [`ServerConf::env`]).
fn dir_defaults(srv: &crate::config::model::Server) -> PerDir {
    let mut d = srv.dir.clone();
    // A server's Options start from FollowSymLinks (httpd's default);
    // the model applied the server's lines to an unset state.
    let o = &mut d.core.options;
    if o.opts & opt::UNSET != 0 && o.remove & opt::SYM_LINKS == 0 {
        o.opts |= opt::SYM_LINKS;
    }
    // A server always has mod_autoindex's record (httpd creates every
    // module's for a server; a section gets one only from a directive).
    d.autoindex.set = true;
    d.env = ScopeEnv {
        rules: Default::default(),
        settings: srv.env.settings.clone(),
    };
    d
}

/// The host name httpd falls back to without a ServerName.
pub(crate) fn system_host_name() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: the buffer is valid for its length; gethostname writes at
    // most that many bytes.
    let r = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
    if r != 0 {
        return "localhost".into();
    }
    let n = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    String::from_utf8_lossy(&buf[..n]).into_owned()
}

/// Builds the running configuration from the model; the error text is
/// ready to print.
pub fn build(settings: &Settings) -> Result<Config, String> {
    build_reusing(settings, None)
}

/// Builds the running configuration as a reload does: `previous` is the
/// configuration in force. Piped loggers whose command (and working
/// directory and buffering) did not change keep running; log files are
/// opened again, and one the unprivileged user may not open after the
/// privilege drop keeps the descriptor `previous` holds for the same
/// path ([`crate::privileges`]). Error logs and forensic logs follow the
/// same rules.
pub fn build_reusing(settings: &Settings, previous: Option<&Config>) -> Result<Config, String> {
    let logs = settings.all_logs();
    let mut kept = Kept::new(previous.into_iter().flat_map(|p| p.sinks.iter().cloned()));
    let mut sinks: Vec<Arc<Sink>> = Vec::with_capacity(logs.len());
    let opts = SinkOptions {
        buffered: settings.buffered_logs,
        working_dir: Some(settings.server_root.clone()),
        ..SinkOptions::default()
    };
    let time_zone = TimeZone::system();
    for l in &logs {
        if let Some(period) = l.period {
            let name = crate::periodic_log::name(settings, l);
            crate::periodic_log::check_dir(settings, l, period, &time_zone)?;
            let opened =
                crate::periodic_log::open_io(settings, l, period, &time_zone, &opts).map(Arc::new);
            let r = keep_if_denied(opened, &name, || {
                kept.take(|s| {
                    s.is_periodic()
                        && s.is_buffered() == opts.buffered
                        && Path::new(s.name()) == name
                })
            });
            sinks.push(r.map_err(|e| {
                crate::periodic_log::open_error(settings, l, period, &time_zone, &e)
            })?);
            continue;
        }
        if l.target.starts_with('|') {
            // Reliable piped logs: the logger is restarted if it dies, and
            // what is in the pipe survives. One whose command is unchanged
            // keeps running across a reload.
            let command = PipedCommand::parse(&l.target[1..]);
            let same = kept.take(|s| {
                s.is_buffered() == opts.buffered
                    && s.piped_command() == Some((&command, opts.working_dir.as_deref()))
            });
            if let Some(s) = same {
                sinks.push(s);
                continue;
            }
            let sink = Sink::open(&l.target, &opts).map_err(|e| {
                format!(
                    "AH00104: unable to start piped log program '{}': {e}",
                    &l.target[1..]
                )
            })?;
            sinks.push(Arc::new(sink));
            continue;
        }
        let path = settings.root_relative(&l.target);
        let dir = path.parent().map(PathBuf::from).unwrap_or_default();
        if !dir.as_os_str().is_empty() && !dir.is_dir() {
            return Err(format!(
                "AH02297: Cannot access directory '{}/' for log file '{}' defined at {}:{}",
                dir.display(),
                l.target,
                l.file.display(),
                l.line
            ));
        }
        let opened = Sink::file(&path, &opts).map(Arc::new);
        let sink = keep_if_denied(opened, &path, || {
            kept.take(|s| {
                !s.is_periodic()
                    && s.is_buffered() == opts.buffered
                    && s.current_path().as_deref() == Some(path.as_path())
            })
        })
        .map_err(|e| {
            format!(
                "AH00649: could not open transfer log file {}: {e}",
                path.display()
            )
        })?;
        sinks.push(sink);
    }
    let resolved = settings.resolve_logs();
    let main_name = settings
        .main
        .server_name
        .clone()
        .unwrap_or_else(system_host_name);
    let main_root = settings
        .main
        .document_root
        .clone()
        .unwrap_or_else(|| settings.server_root.join("htdocs"));
    let old = previous.into_iter().flat_map(|p| p.servers.iter());
    let old_errorlogs = old.clone().map(|s| s.errorlog.sink.clone());
    let old_forensics = old.filter_map(|s| s.forensic.clone());
    let mut errorlogs = crate::errorlog::open_reusing(settings, old_errorlogs)?.into_iter();
    let mut forensics =
        crate::modules::log_forensic::state::open_reusing(settings, old_forensics)?.into_iter();
    let mut servers = Vec::with_capacity(1 + settings.vhosts.len());
    for (i, list) in resolved.into_iter().enumerate() {
        let srv = if i == 0 {
            &settings.main
        } else {
            &settings.vhosts[i - 1]
        };
        let main = &settings.main;
        servers.push(ServerConf {
            root: srv
                .document_root
                .clone()
                .unwrap_or_else(|| main_root.clone()),
            server_name: srv.server_name.clone().unwrap_or_else(|| main_name.clone()),
            port: srv.port.or(main.port).unwrap_or(80),
            server_admin: srv
                .server_admin
                .clone()
                .or_else(|| main.server_admin.clone())
                .unwrap_or_else(|| crate::http::pages::DEFAULT_ADMIN.to_string()),
            trace_enable: srv.trace_enable.or(main.trace_enable).unwrap_or_default(),
            deflate: srv.deflate.clone(),
            alias: if i == 0 {
                main.alias.clone()
            } else {
                crate::modules::alias::settings::AliasConf::merge(&main.alias, &srv.alias)
            },
            logs: list
                .into_iter()
                .map(|r| LogUse {
                    sink: r.log,
                    format: r.format,
                    condition: logs[r.log].condition.clone(),
                })
                .collect(),
            env: if i == 0 {
                main.env.clone()
            } else {
                ScopeEnv::merge(&main.env, &srv.env)
            },
            errorlog: errorlogs.next().unwrap_or_default(),
            sections: if i == 0 {
                Sections::new(dir_defaults(main), &[], &main.sections)
            } else {
                let base = Merge::merge(&dir_defaults(main), &dir_defaults(srv));
                Sections::new(base, &main.sections, &srv.sections)
            },
            track: srv.wasd_track.clone(),
            forensic: forensics.next().flatten(),
            cookie_expires: crate::modules::usertrack::cookie::server_expires(
                &main.usertrack,
                (i > 0).then_some(&srv.usertrack),
            ),
            report: srv
                .wasd_report
                .as_ref()
                .or(main.wasd_report.as_ref())
                .map(|r| std::sync::Arc::new(r.clone())),
            conn: ConnSettings::resolve(
                main,
                (i > 0).then_some(srv),
                settings.loaded.contains(&"reqtimeout_module"),
            ),
        });
    }
    let mime = match &settings.types_config {
        Some(p) => MimeTable::from_file(p)
            .map_err(|e| format!("could not open mime types config file {}: {e}", p.display()))?,
        None => MimeTable::system(),
    };
    Ok(Config {
        servers,
        vhosts: Vhosts::new(settings),
        sinks,
        mime,
        time_zone,
        tz_id: next_tz_id(),
        log_exclude_hosts: settings.log_exclude_hosts.clone(),
        unique_ids: settings.unique_id,
        wasd: settings.wasd.clone().map(std::sync::Arc::new),
        banner: crate::http::pages::banner(settings.tokens),
        workers: settings
            .max_workers
            .map(|n| Arc::new(tokio::sync::Semaphore::new(n))),
        status: settings.loaded.contains(&"status_module").then(|| {
            crate::modules::status::board::StatusConf {
                extended: settings.extended_status.unwrap_or(true),
                mpm: match settings.mpm.mpm {
                    Some(crate::modules::mpm::settings::Mpm::Worker) => "worker",
                    Some(crate::modules::mpm::settings::Mpm::Prefork) => "prefork",
                    _ => "event",
                },
                workers: settings.max_workers.map_or_else(
                    || std::thread::available_parallelism().map_or(1, |n| n.get() as u64),
                    |n| n as u64,
                ),
            }
        }),
        methods: settings.methods.clone(),
        output_filters: settings.output_filters,
        loaded: settings.loaded.clone(),
    })
}

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
    /// Names `time_zone` for the per-thread log renderers: a number no
    /// other configuration of the process has (comparing zones costs a
    /// database lookup).
    pub tz_id: u64,
    /// WASD `[LogExcludeHosts]`: clients whose requests are not logged.
    pub log_exclude_hosts: spoor_log::wasd_log::HostPatterns,
    /// mod_unique_id is loaded: requests get `UNIQUE_ID`.
    pub unique_ids: bool,
    /// A WASD configuration's services, mapping rules and content types
    /// (`None` for the Apache dialect).
    pub wasd: Option<Arc<crate::modules::wasd::site::WasdSite>>,
    /// The server's name and version as `ServerTokens` shows them (the
    /// `Server` header and `ServerSignature` footers).
    pub banner: String,
    /// `MaxRequestWorkers` (with an MPM loaded): a permit per request
    /// being served; a request past the bound waits for one.
    pub workers: Option<Arc<tokio::sync::Semaphore>>,
    /// mod_status is loaded: what its page shows of the configuration
    /// (and the protocol layer counts requests and connections for it).
    pub status: Option<crate::modules::status::board::StatusConf>,
    /// Methods a `<Limit>` named that httpd does not know by itself: httpd
    /// registers them, and answers them 405 instead of 501.
    pub methods: Vec<String>,
    /// mod_filter is loaded and some scope has an `AddOutputFilterByType`
    /// line.
    pub output_filters: bool,
    /// The modules that are not built in and were loaded (`LoadModule`).
    pub loaded: Vec<&'static str>,
}

impl Config {
    /// Whether module `ident` (`auth_basic_module`) is loaded.
    pub fn loaded(&self, ident: &str) -> bool {
        self.loaded.contains(&ident)
    }

    /// The embedded default: serve `root`, combined format to stdout,
    /// Apache's default timeouts and limits.
    pub fn new(root: PathBuf) -> Config {
        let mut cfg = Config::placeholder_with(root);
        cfg.sinks = vec![Arc::new(
            Sink::stdout(&SinkOptions::default()).expect("standard output"),
        )];
        cfg.mime = MimeTable::system();
        cfg
    }

    /// A configuration that serves nothing: what a pooled request record
    /// holds in place of its connection's (no log opened, no file read).
    pub(crate) fn placeholder() -> Config {
        Config::placeholder_with(PathBuf::from("/"))
    }

    fn placeholder_with(root: PathBuf) -> Config {
        Config {
            servers: vec![ServerConf {
                root,
                server_name: "localhost".to_string(),
                port: 80,
                server_admin: pages::DEFAULT_ADMIN.to_string(),
                trace_enable: Default::default(),
                deflate: Default::default(),
                alias: Default::default(),
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
            sinks: Vec::new(),
            mime: MimeTable::parse(""),
            time_zone: TimeZone::system(),
            tz_id: next_tz_id(),
            log_exclude_hosts: Default::default(),
            unique_ids: false,
            wasd: None,
            banner: pages::banner(Default::default()),
            workers: None,
            status: None,
            methods: Vec::new(),
            output_filters: false,
            loaded: Vec::new(),
        }
    }
}

/// A number for a configuration's time zone (see [`Config::tz_id`]).
fn next_tz_id() -> u64 {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}
