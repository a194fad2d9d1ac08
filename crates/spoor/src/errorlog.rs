//! The error log: `ErrorLog`, `LogLevel`, httpd 2.4's default error-log
//! line and the request/connection log ids (`%L`, `%{c}L`).
//!
//! A line looks exactly like one httpd 2.4.71 writes without an
//! `ErrorLogFormat` (checked against a live apache2):
//!
//! ```text
//! [Sun Nov 22 04:09:04.123456 2026] [core:info] [pid 7:tid 9] [client 127.0.0.1:5555] AH00128: File does not exist: /srv/nope, referer: http://r/
//! ```
//!
//! * the local time as `ctime` with microseconds (day of month zero-padded);
//! * `module:level`;
//! * the process id and the kernel thread id of the writing thread;
//! * at `debug` and above, the source position httpd reports
//!   (`protocol.c(1043): `);
//! * an OS error as `(errno)text: `;
//! * `[client ip:port] ` for a line about a request;
//! * the message with httpd's error-log escaping (control bytes, bytes
//!   above 0x7e and `\` escaped; `"` kept), then `, referer: …` when the
//!   request had a non-empty Referer.
//!
//! The log ids are generated lazily, as httpd does (spec
//! apache-logging.md §4.3): only when a line is actually written for a
//! request do the request and its connection get an id, which `%L` and
//! `%{c}L` then print (`-` otherwise). The default format does not print
//! the id in the error-log line itself.
//!
//! With no `ErrorLog`, lines go to standard error (httpd would write
//! `logs/error_log`); the level still decides which lines exist, so `%L`
//! behaves the same either way. spoor's own start-up and shutdown
//! messages always stay on standard error: unlike httpd, spoor does not
//! point descriptor 2 at the error log.

use std::io::Write as _;
use std::sync::Arc;

use spoor_log::sink::{Sink, SinkOptions};
use spoor_log::TimeZone;

use crate::config::model::{Server, Settings};
use crate::modules::MODULES;

/// An error-log severity, most severe first (httpd's `APLOG_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// `emerg`
    Emerg,
    /// `alert`
    Alert,
    /// `crit`
    Crit,
    /// `error`
    Error,
    /// `warn` (httpd's default)
    Warn,
    /// `notice`
    Notice,
    /// `info`
    Info,
    /// `debug`
    Debug,
    /// `trace1` … `trace8`
    Trace(u8),
}

const LEVEL_ERROR: &str =
    "Log level keyword must be one of emerg/alert/crit/error/warn/notice/info/debug/trace1/.../trace8";

impl Level {
    /// Parses a level keyword, case-insensitively as httpd does.
    pub fn parse(s: &str) -> Option<Level> {
        Some(match s.to_ascii_lowercase().as_str() {
            "emerg" => Level::Emerg,
            "alert" => Level::Alert,
            "crit" => Level::Crit,
            "error" => Level::Error,
            "warn" => Level::Warn,
            "notice" => Level::Notice,
            "info" => Level::Info,
            "debug" => Level::Debug,
            t => {
                let n: u8 = t.strip_prefix("trace")?.parse().ok()?;
                if !(1..=8).contains(&n) || t.len() != 6 {
                    return None;
                }
                Level::Trace(n)
            }
        })
    }

    /// The keyword as the line prints it.
    pub fn name(self) -> &'static str {
        const TRACE: [&str; 8] = [
            "trace1", "trace2", "trace3", "trace4", "trace5", "trace6", "trace7", "trace8",
        ];
        match self {
            Level::Emerg => "emerg",
            Level::Alert => "alert",
            Level::Crit => "crit",
            Level::Error => "error",
            Level::Warn => "warn",
            Level::Notice => "notice",
            Level::Info => "info",
            Level::Debug => "debug",
            Level::Trace(n) => TRACE[(n.clamp(1, 8) - 1) as usize],
        }
    }
}

/// The modules spoor writes error-log lines for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Module {
    /// httpd's `core` (core.c, protocol.c, vhost.c, the default handler).
    Core,
    /// httpd's `http` (http_core.c, http_filters.c: chunked bodies).
    Http,
    /// mod_authz_core (`Require`).
    AuthzCore,
    /// mod_access_compat (`Allow`, `Deny`).
    AccessCompat,
    /// mod_authz_host (`Require host` without a client name).
    AuthzHost,
    /// mod_auth_basic (a failed login).
    AuthBasic,
    /// mod_authn_core (an `AuthType` no module took).
    AuthnCore,
    /// mod_authn_file (no or an unreadable `AuthUserFile`).
    AuthnFile,
    /// mod_authz_user (`Require user` not met).
    AuthzUser,
    /// mod_log_forensic (a record that could not be written).
    LogForensic,
    /// mod_reqtimeout (a request read past its deadline).
    Reqtimeout,
    /// mod_negotiation (no acceptable variant, a broken type map).
    Negotiation,
    /// mod_autoindex (a directory it may not or cannot list).
    Autoindex,
}

impl Module {
    /// The short name a line prints and `LogLevel mod:level` uses.
    pub fn name(self) -> &'static str {
        match self {
            Module::Core => "core",
            Module::Http => "http",
            Module::AuthzCore => "authz_core",
            Module::AccessCompat => "access_compat",
            Module::AuthzHost => "authz_host",
            Module::AuthBasic => "auth_basic",
            Module::AuthnCore => "authn_core",
            Module::AuthnFile => "authn_file",
            Module::AuthzUser => "authz_user",
            Module::LogForensic => "log_forensic",
            Module::Reqtimeout => "reqtimeout",
            Module::Negotiation => "negotiation",
            Module::Autoindex => "autoindex",
        }
    }
}

/// The short name (`mime`) of a module named by its short name, its
/// structure name (`mime_module`) or its source file (`mod_mime.c`), among
/// the modules spoor provides; case-sensitive, as httpd.
fn module_short_name(name: &str) -> Option<&'static str> {
    MODULES.iter().find_map(|m| {
        let short = m.ident.strip_suffix("_module").unwrap_or(m.ident);
        (name == short || name == m.ident || name == m.source).then_some(short)
    })
}

/// A server's `LogLevel`: the level for every module, with per-module
/// exceptions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogLevels {
    /// The level of modules without an exception.
    pub global: Level,
    /// `(module short name, level)`.
    pub modules: Vec<(&'static str, Level)>,
}

impl Default for LogLevels {
    fn default() -> Self {
        LogLevels {
            global: Level::Warn,
            modules: Vec::new(),
        }
    }
}

impl LogLevels {
    /// Applies one `LogLevel` line's arguments in order, checked as httpd
    /// checks them: a bare level sets every module (dropping the
    /// exceptions so far), `module:level` sets one module.
    pub fn apply<S: AsRef<str>>(&mut self, args: &[S]) -> Result<(), String> {
        for a in args {
            let a = a.as_ref();
            match a.rsplit_once(':') {
                None => {
                    self.global = Level::parse(a).ok_or(LEVEL_ERROR)?;
                    self.modules.clear();
                }
                Some((module, level)) => {
                    if level.is_empty() {
                        return Err(format!(
                            "Module specifier '{module}' must be followed by a log level keyword"
                        ));
                    }
                    let level = Level::parse(level).ok_or_else(|| format!("{a}: {LEVEL_ERROR}"))?;
                    let short = module_short_name(module)
                        .ok_or_else(|| format!("Cannot find module {module}"))?;
                    self.modules.retain(|(m, _)| *m != short);
                    self.modules.push((short, level));
                }
            }
        }
        Ok(())
    }

    /// The level in force for `module`.
    pub fn level(&self, module: Module) -> Level {
        self.modules
            .iter()
            .find(|(m, _)| *m == module.name())
            .map_or(self.global, |&(_, l)| l)
    }

    /// Whether a line of `level` from `module` is written.
    pub fn enabled(&self, module: Module, level: Level) -> bool {
        level <= self.level(module)
    }
}

/// One server's error log: where lines go and which are written.
#[derive(Clone, Debug)]
pub struct ServerErrorLog {
    /// The destination (shared with the main server when a virtual host
    /// has no `ErrorLog` of its own).
    pub sink: Arc<Sink>,
    /// The `LogLevel` in force.
    pub levels: LogLevels,
    /// The time zone the line's time is shown in.
    pub time_zone: TimeZone,
}

impl Default for ServerErrorLog {
    /// Standard error at `warn`.
    fn default() -> Self {
        ServerErrorLog {
            sink: Arc::new(Sink::stderr(&SinkOptions::default()).expect("standard error")),
            levels: LogLevels::default(),
            time_zone: TimeZone::system(),
        }
    }
}

/// Opens the error log of every server (index 0 = main, then the virtual
/// hosts in order): `ErrorLog` relative to ServerRoot or `|program`; a
/// virtual host without one shares the main server's. The error text is
/// ready to print.
pub fn open(settings: &Settings) -> Result<Vec<ServerErrorLog>, String> {
    open_reusing(settings, [])
}

/// [`open`] for a reload: `previous` are the error logs of the
/// configuration in force, kept as [`crate::site::build_reusing`] keeps
/// access logs
/// (a piped logger with the same command keeps running; a file the
/// unprivileged user may not open again keeps its descriptor).
pub fn open_reusing(
    settings: &Settings,
    previous: impl IntoIterator<Item = Arc<Sink>>,
) -> Result<Vec<ServerErrorLog>, String> {
    let mut kept = crate::kept::Kept::new(previous);
    let opts = SinkOptions {
        working_dir: Some(settings.server_root.clone()),
        ..SinkOptions::default()
    };
    let tz = TimeZone::system();
    let levels_of = |base: &LogLevels, srv: &Server| -> LogLevels {
        let mut l = base.clone();
        if let Some(args) = &srv.log_level {
            let args: Vec<&str> = args.split(' ').collect();
            l.apply(&args)
                .expect("validated when the directive was read");
        }
        l
    };
    let main_levels = levels_of(&LogLevels::default(), &settings.main);
    let main_sink = match &settings.main.error_log {
        Some(t) => open_target(settings, t, None, &opts, &mut kept)?,
        None => ServerErrorLog::default().sink,
    };
    let mut out = vec![ServerErrorLog {
        sink: main_sink.clone(),
        levels: main_levels.clone(),
        time_zone: tz.clone(),
    }];
    for v in &settings.vhosts {
        let sink = match &v.error_log {
            Some(t) => open_target(settings, t, Some(v), &opts, &mut kept)?,
            None => main_sink.clone(),
        };
        out.push(ServerErrorLog {
            sink,
            levels: levels_of(&main_levels, v),
            time_zone: tz.clone(),
        });
    }
    Ok(out)
}

fn open_target(
    settings: &Settings,
    target: &str,
    vhost: Option<&Server>,
    opts: &SinkOptions,
    kept: &mut crate::kept::Kept<Sink>,
) -> Result<Arc<Sink>, String> {
    if let Some(rest) = target.strip_prefix('|') {
        let command = spoor_log::sink::PipedCommand::parse(rest);
        if let Some(s) =
            kept.take(|s| s.piped_command() == Some((&command, opts.working_dir.as_deref())))
        {
            return Ok(s);
        }
        return Sink::open(target, opts).map(Arc::new).map_err(|e| {
            format!(
                "AH00089: Couldn't start ErrorLog process '{}': {e}",
                target[1..].trim_start_matches('|')
            )
        });
    }
    let path = settings.root_relative(target);
    let whose = match vhost.and_then(|v| v.defined_at.as_ref()) {
        Some((f, l)) => format!("error log of vhost defined at {}:{l}", f.display()),
        None => "main error log".to_string(),
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        if !dir.is_dir() {
            return Err(format!(
                "(2)No such file or directory: AH02291: Cannot access directory '{}/' for {whose}",
                dir.display()
            ));
        }
    }
    let opened = Sink::file(&path, opts).map(Arc::new);
    crate::kept::keep_if_denied(opened, &path, || {
        kept.take(|s| {
            s.piped_command().is_none() && s.current_path().as_deref() == Some(path.as_path())
        })
    })
    .map_err(|e| {
        format!(
            "AH00091: could not open error log file {}: {e}",
            path.display()
        )
    })
}

/// The log ids of one connection: the connection's, kept for its life,
/// and the current request's.
#[derive(Clone, Debug, Default)]
pub struct LogIds {
    conn: Option<[u8; 11]>,
    request: Option<[u8; 11]>,
    /// With mod_unique_id, the request's UNIQUE_ID: `%L` prints it.
    unique: Option<[u8; spoor_log::unique_id::UNIQUE_ID_LEN]>,
}

impl LogIds {
    /// Forgets the request id: a new request starts.
    pub fn new_request(&mut self) {
        self.request = None;
        self.unique = None;
    }

    /// mod_unique_id: the request's UNIQUE_ID, which is also its log id
    /// (httpd's generate_log_id hook).
    pub fn set_unique(&mut self, id: [u8; spoor_log::unique_id::UNIQUE_ID_LEN]) {
        self.unique = Some(id);
    }

    /// The request's UNIQUE_ID, with mod_unique_id.
    pub fn unique(&self) -> Option<&[u8]> {
        self.unique.as_ref().map(|u| &u[..])
    }

    /// An internal redirect starts: returns the original request's ids
    /// (for `%<L`) and leaves the final request without a request id
    /// until a line is written for it, as httpd's new `request_rec` (the
    /// connection's id and mod_unique_id's id stay).
    pub fn start_redirect(&mut self) -> LogIds {
        let orig = self.clone();
        self.request = None;
        orig
    }

    /// A redirect undone: the request keeps an id if either request had
    /// one.
    pub fn undo_redirect(&mut self, orig: &LogIds) {
        if self.request.is_none() {
            self.request = orig.request;
        }
    }

    /// `%L`: the request's id, if a line was written for it.
    pub fn request_id(&self) -> Option<&[u8]> {
        self.request
            .as_ref()
            .map(|b| self.unique.as_ref().map_or(&b[..], |u| &u[..]))
    }

    /// `%{c}L`: the connection's id, if a line was written for it.
    pub fn conn_id(&self) -> Option<&[u8]> {
        self.conn.as_ref().map(|b| &b[..])
    }
}

/// What a line says about the request it is written for.
#[derive(Clone, Copy, Debug, Default)]
pub struct Context<'a> {
    /// The client's address (`[client ip:port]`).
    pub client_ip: &'a str,
    /// The client's port.
    pub client_port: u16,
    /// The request's start (the request id's time), µs since the epoch.
    pub request_time_us: i64,
    /// The request's Referer values (joined with `, `).
    pub referer: &'a [&'a [u8]],
}

/// Extra parts of one line.
#[derive(Clone, Copy, Debug, Default)]
pub struct Extra<'a> {
    /// The source position httpd prints at debug and above.
    pub source: Option<&'a str>,
    /// An OS error (`(errno)text: `).
    pub errno: Option<i32>,
}

impl<'a> Extra<'a> {
    /// Just a source position (`protocol.c(1481)`).
    pub fn src(source: &'a str) -> Extra<'a> {
        Extra {
            source: Some(source),
            errno: None,
        }
    }

    /// Just an OS error number.
    pub fn errno(errno: i32) -> Extra<'a> {
        Extra {
            source: None,
            errno: Some(errno),
        }
    }
}

/// Writes one line for a request if `log`'s level lets it through; then
/// the request and its connection have log ids. `ah` is the message
/// number (`AH00128`), `msg` the message parts, escaped as httpd does.
#[allow(clippy::too_many_arguments)]
pub fn request_line(
    log: &ServerErrorLog,
    ids: &mut LogIds,
    module: Module,
    level: Level,
    ctx: &Context<'_>,
    extra: Extra<'_>,
    ah: &str,
    msg: &[&[u8]],
) {
    line(log, ids, module, level, ctx, extra, ah, msg, true);
}

/// Writes one line about a connection (httpd's `ap_log_cerror`: no
/// request, so only the connection gets a log id; no referer).
#[allow(clippy::too_many_arguments)]
pub fn conn_line(
    log: &ServerErrorLog,
    ids: &mut LogIds,
    module: Module,
    level: Level,
    client_ip: &str,
    client_port: u16,
    ah: &str,
    msg: &[&[u8]],
) {
    let ctx = Context {
        client_ip,
        client_port,
        request_time_us: 0,
        referer: &[],
    };
    line(
        log,
        ids,
        module,
        level,
        &ctx,
        Extra::default(),
        ah,
        msg,
        false,
    );
}

#[allow(clippy::too_many_arguments)]
fn line(
    log: &ServerErrorLog,
    ids: &mut LogIds,
    module: Module,
    level: Level,
    ctx: &Context<'_>,
    extra: Extra<'_>,
    ah: &str,
    msg: &[&[u8]],
    request: bool,
) {
    if !log.levels.enabled(module, level) {
        return;
    }
    let now = now_us();
    if request && ids.request.is_none() {
        ids.request = Some(make_id(ctx.request_time_us));
    }
    if ids.conn.is_none() {
        ids.conn = Some(make_id(now));
    }
    let mut line = Vec::with_capacity(256);
    write_prefix(&mut line, &log.time_zone, now, module, level);
    if level >= Level::Debug {
        if let Some(src) = extra.source {
            line.extend_from_slice(src.as_bytes());
            line.extend_from_slice(b": ");
        }
    }
    if let Some(e) = extra.errno {
        let _ = write!(line, "({e}){}: ", strerror(e));
    }
    let _ = write!(line, "[client {}:{}] ", ctx.client_ip, ctx.client_port);
    if !ah.is_empty() {
        line.extend_from_slice(ah.as_bytes());
        line.extend_from_slice(b": ");
    }
    for part in msg {
        escape(part, &mut line);
    }
    let mut first = true;
    for r in ctx.referer {
        line.extend_from_slice(if first { b", referer: " } else { b", " });
        first = false;
        escape(r, &mut line);
    }
    line.push(b'\n');
    // A failure is reported by the sink (on standard error), once per run
    // of failures.
    let _ = log.sink.write_record(&line);
}

fn now_us() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as i64)
}

/// `[time] [module:level] [pid P:tid T] `.
fn write_prefix(out: &mut Vec<u8>, tz: &TimeZone, now: i64, module: Module, level: Level) {
    let tm = spoor_log::time::Tm::new(tz, now);
    out.push(b'[');
    spoor_log::time::strftime(b"%a %b %d %H:%M:%S", &tm, out);
    let _ = write!(out, ".{:06} ", now.rem_euclid(1_000_000));
    spoor_log::time::strftime(b"%Y", &tm, out);
    let _ = write!(
        out,
        "] [{}:{}] [pid {}:tid {}] ",
        module.name(),
        level.name(),
        std::process::id(),
        gettid()
    );
}

/// The kernel id of the calling thread, as httpd's `tid` shows it.
fn gettid() -> i64 {
    // SAFETY: gettid takes no arguments and cannot fail.
    unsafe { libc::syscall(libc::SYS_gettid) }
}

fn strerror(e: i32) -> String {
    let s = std::io::Error::from_raw_os_error(e).to_string();
    // Rust appends " (os error N)"; httpd prints the C library's text.
    match s.rfind(" (os error ") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// httpd's error-log escaping: `\b \n \r \t \v \\` by name, other control
/// bytes and bytes from 0x7f up as `\xhh`; `"` is kept.
pub fn escape(s: &[u8], out: &mut Vec<u8>) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for &b in s {
        match b {
            b'\\' => out.extend_from_slice(b"\\\\"),
            0x08 => out.extend_from_slice(b"\\b"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0x0b => out.extend_from_slice(b"\\v"),
            0x20..=0x7e => out.push(b),
            _ => out.extend_from_slice(&[
                b'\\',
                b'x',
                HEX[(b >> 4) as usize],
                HEX[(b & 15) as usize],
            ]),
        }
    }
}

/// A log id without mod_unique_id (spec §4.3): the time in µs mixed with
/// the pid and the thread, as 8 native-endian bytes in standard base64
/// without the final `=`.
pub fn make_id(time_us: i64) -> [u8; 11] {
    let pid = std::process::id() as u64;
    let thread = spoor_log::sys::thread_id();
    let id = (time_us as u64) ^ (pid << 40) ^ ((pid >> 24) << 56) ^ (thread << 32);
    encode_id(id)
}

fn encode_id(id: u64) -> [u8; 11] {
    use base64::Engine as _;
    let mut out = [0u8; 11];
    base64::engine::general_purpose::STANDARD_NO_PAD
        .encode_slice(id.to_ne_bytes(), &mut out)
        .expect("8 bytes are 11 characters");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The hand-written encoder spoor had before the `base64` crate: a
    /// reference model the crate's output must equal.
    fn encode_id_before_crate(id: u64) -> [u8; 11] {
        const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let b = id.to_ne_bytes();
        let mut out = [0u8; 11];
        let mut o = 0;
        for chunk in b.chunks(3) {
            let n = chunk.len();
            let v = (chunk[0] as u32) << 16
                | (*chunk.get(1).unwrap_or(&0) as u32) << 8
                | *chunk.get(2).unwrap_or(&0) as u32;
            for k in 0..=n {
                out[o] = B64[((v >> (18 - 6 * k)) & 63) as usize];
                o += 1;
            }
        }
        out
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4096))]
        #[test]
        fn crate_encoder_equals_the_hand_written_one(id in proptest::num::u64::ANY) {
            proptest::prop_assert_eq!(encode_id(id), encode_id_before_crate(id));
        }
    }

    #[test]
    fn crate_encoder_equals_the_hand_written_one_at_the_edges() {
        for shift in 0..64 {
            for id in [1u64 << shift, !(1u64 << shift), (1u64 << shift) - 1] {
                assert_eq!(encode_id(id), encode_id_before_crate(id));
            }
        }
    }

    #[test]
    fn levels_parse_as_httpd() {
        assert_eq!(Level::parse("INFO"), Some(Level::Info));
        assert_eq!(Level::parse("trace8"), Some(Level::Trace(8)));
        assert_eq!(Level::parse("trace9"), None);
        assert_eq!(Level::parse("trace01"), None);
        assert_eq!(Level::parse("bogus"), None);
        assert!(Level::Error < Level::Warn && Level::Debug < Level::Trace(1));
        assert_eq!(Level::Trace(3).name(), "trace3");
    }

    #[test]
    fn loglevel_errors_worded_as_httpd() {
        // Each checked with apache2 -t (2.4.71).
        let e = |args: &[&str]| LogLevels::default().apply(args).unwrap_err();
        assert_eq!(e(&["bogus"]), LEVEL_ERROR);
        assert_eq!(e(&["core:bogus"]), format!("core:bogus: {LEVEL_ERROR}"));
        assert_eq!(e(&["nomod:info"]), "Cannot find module nomod");
        assert_eq!(e(&["Core:info"]), "Cannot find module Core");
        assert_eq!(e(&[":info"]), "Cannot find module ");
        assert_eq!(e(&["info", "foo:bar:debug"]), "Cannot find module foo:bar");
        assert_eq!(
            e(&["core:"]),
            "Module specifier 'core' must be followed by a log level keyword"
        );
        assert_eq!(
            e(&["nomod:"]),
            "Module specifier 'nomod' must be followed by a log level keyword"
        );
        assert_eq!(e(&["nomod:bogus"]), format!("nomod:bogus: {LEVEL_ERROR}"));
        for ok in [
            &["INFO", "core:DEBUG"][..],
            &["mime_module:debug"],
            &["mod_mime.c:debug"],
            &["core.c:info"],
            &["http_core.c:info"],
            &["http:trace3"],
            &["info", "info"],
        ] {
            LogLevels::default().apply(ok).unwrap();
        }
    }

    #[test]
    fn bare_level_resets_module_levels() {
        // Checked live: `LogLevel core:info warn` drops core's info.
        let mut l = LogLevels::default();
        l.apply(&["core:info", "warn"]).unwrap();
        assert!(!l.enabled(Module::Core, Level::Info));
        l.apply(&["core:info"]).unwrap();
        assert!(l.enabled(Module::Core, Level::Info));
        assert!(!l.enabled(Module::Http, Level::Info));
        assert!(l.enabled(Module::Http, Level::Warn));
        l.apply(&["error"]).unwrap();
        assert!(!l.enabled(Module::Core, Level::Warn));
    }

    #[test]
    fn escaping_keeps_quotes() {
        let mut out = Vec::new();
        escape(b"/a\nb\"c\xff\td\\\\e\x01", &mut out);
        // As apache2 wrote it for GET /a%0ab%22c%ff%09d%5c\e%01.
        assert_eq!(out, b"/a\\nb\"c\\xff\\td\\\\\\\\e\\x01".to_vec());
    }

    #[test]
    fn ids_are_eleven_base64_chars() {
        assert_eq!(&encode_id(0), b"AAAAAAAAAAA");
        assert_eq!(&encode_id(u64::MAX), b"//////////8");
        let id = make_id(1_795_000_000_000_000);
        assert!(id
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'+' || *b == b'/'));
    }

    #[test]
    fn line_shape() {
        let path = std::env::temp_dir().join(format!("spoor-errorlog-{}.log", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let mut levels = LogLevels::default();
        levels.apply(&["info"]).unwrap();
        let log = ServerErrorLog {
            sink: Arc::new(Sink::file(&path, &SinkOptions::default()).unwrap()),
            levels,
            time_zone: TimeZone::UTC,
        };
        let mut ids = LogIds::default();
        let ctx = Context {
            client_ip: "127.0.0.1",
            client_port: 5555,
            request_time_us: 1,
            referer: &[b"http://r/", b"y"],
        };
        request_line(
            &log,
            &mut ids,
            Module::Core,
            Level::Debug,
            &ctx,
            Extra::default(),
            "AH00569",
            &[b"x"],
        );
        assert!(ids.request_id().is_none() && ids.conn_id().is_none());
        request_line(
            &log,
            &mut ids,
            Module::Core,
            Level::Info,
            &ctx,
            Extra::default(),
            "AH00128",
            &[b"File does not exist: ", b"/srv/a\nb"],
        );
        request_line(
            &log,
            &mut ids,
            Module::Http,
            Level::Info,
            &Context {
                referer: &[],
                ..ctx
            },
            Extra {
                source: Some("x.c(1)"),
                errno: Some(22),
            },
            "AH01590",
            &[b"Error reading/parsing chunk  "],
        );
        assert_eq!(ids.request_id().unwrap().len(), 11);
        assert_eq!(ids.conn_id().unwrap().len(), 11);
        let text = std::fs::read_to_string(&path).unwrap();
        let _ = std::fs::remove_file(&path);
        let re = regex::Regex::new(
            r"^\[[A-Z][a-z]{2} [A-Z][a-z]{2} \d\d \d\d:\d\d:\d\d\.\d{6} \d{4}\] \[(\w+:\w+)\] \[pid \d+:tid \d+\] (.*)$",
        )
        .unwrap();
        let got: Vec<(String, String)> = text
            .lines()
            .map(|l| {
                let c = re.captures(l).unwrap_or_else(|| panic!("{l}"));
                (c[1].to_string(), c[2].to_string())
            })
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    "core:info".into(),
                    "[client 127.0.0.1:5555] AH00128: File does not exist: /srv/a\\nb, referer: http://r/, y".into()
                ),
                (
                    "http:info".into(),
                    "(22)Invalid argument: [client 127.0.0.1:5555] AH01590: Error reading/parsing chunk  ".into()
                ),
            ]
        );
    }
}
