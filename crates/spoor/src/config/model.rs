//! The server model built from an httpd.conf directive tree.
//!
//! [`Settings::from_config`] walks the tree that [`super::read_config`]
//! produced and turns each directive into typed settings: process-wide
//! ones (`Listen`, `PidFile`, `BufferedLogs`, …), per-server ones for the
//! main server and every `<VirtualHost>` (names, document root, logs,
//! timeouts, …) and per-directory sections kept in configuration order for
//! the request-time merge. Every directive spoor accepts is handled here; a
//! directive it does not know is an error naming file and line, as httpd's
//! "Invalid command" is.
//!
//! Log formats are resolved the way mod_log_config 2.4.63+ does it
//! (spec/apache-logging.md §1.11): see [`Settings::resolve_logs`].

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use spoor_log::sink::Period;
use spoor_log::wasd_log::{HostPatterns, WasdLogName};
use spoor_log::wasd_track::TrackSettings;
use spoor_log::{Escaping, Format};

use super::{Config, ConfigError, Directive};
use crate::modules::mpm::settings::{Mpm, MpmSettings};
use crate::modules::{module, Context, DirectiveDef, Parse};
use crate::perdir::DirScope;
pub use crate::perdir::{PerDir, Section, SectionKind};
use crate::privileges::IdSetting;
use crate::setenv::{LogCondition, ScopeEnv};

use super::values::Tokens;

/// One address a `<VirtualHost>` answers on; `None` parts are wildcards.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VhostAddr {
    /// The IP address, `None` for `*` and `_default_`.
    pub ip: Option<IpAddr>,
    /// The port, `None` for `*` or no port.
    pub port: Option<u16>,
}

/// A `CustomLog`, `TransferLog` or `GlobalLog` line.
#[derive(Clone, Debug)]
pub struct LogSpec {
    /// The target as written: a path (relative to ServerRoot) or `|prog`.
    pub target: String,
    /// The format or nickname as written; `None` for TransferLog (the
    /// server's default format).
    pub format: Option<String>,
    /// The condition clause (`env=VAR`, `env=!VAR`).
    pub condition: Option<LogCondition>,
    /// Escaping mode (`escape=json` is a spoor extension).
    pub escaping: Escaping,
    /// From GlobalLog: used by every virtual host.
    pub global: bool,
    /// `period=` (a spoor extension) or WASD's `[LogPeriod]`: the log is a
    /// periodic file switched in-process (see `spoor_log::sink::periodic`);
    /// `target` is then a `strftime` pattern unless `wasd_name` is set.
    pub period: Option<Period>,
    /// A WASD generated name for a periodic log (its directory relative
    /// to ServerRoot), used instead of `target`.
    pub wasd_name: Option<WasdLogName>,
    /// The format is a WASD `[LogFormat]` value (`COMMON`, `COMBINED`,
    /// `!` codes), compiled with [`Format::wasd`] and never a nickname.
    pub wasd_format: bool,
    /// Where the directive was.
    pub file: PathBuf,
    /// The line of the directive.
    pub line: usize,
}

/// Per-server settings: the main server or one `<VirtualHost>`.
#[derive(Clone, Debug, Default)]
pub struct Server {
    /// The `<VirtualHost>` addresses; empty for the main server.
    pub addrs: Vec<VhostAddr>,
    /// `ServerName` host part (lower case), if given.
    pub server_name: Option<String>,
    /// `ServerName` port, if given.
    pub port: Option<u16>,
    /// `ServerAlias` names (lower case, `*`/`?` wildcards allowed).
    pub aliases: Vec<String>,
    /// `ServerAdmin`.
    pub server_admin: Option<String>,
    /// `DocumentRoot`.
    pub document_root: Option<PathBuf>,
    /// `LogFormat fmt nickname` entries, in order (nickname, format).
    pub formats: Vec<(String, String)>,
    /// `LogFormat fmt` (no nickname): this server's default format.
    pub default_format: Option<String>,
    /// This server's own log lines.
    pub logs: Vec<LogSpec>,
    /// `ErrorLog`.
    pub error_log: Option<String>,
    /// `ForensicLog` (a virtual host without one uses the main server's
    /// name with a descriptor of its own; see `crate::modules::log_forensic::state`).
    pub forensic_log: Option<String>,
    /// `LogLevel`: the arguments of this server's LogLevel lines, in
    /// order, joined by spaces (validated; see [`crate::errorlog::LogLevels`]).
    pub log_level: Option<String>,
    /// `Timeout`.
    pub timeout: Option<Duration>,
    /// `KeepAlive`.
    pub keepalive: Option<bool>,
    /// `KeepAliveTimeout`.
    pub keepalive_timeout: Option<Duration>,
    /// `MaxKeepAliveRequests`.
    pub max_keepalive: Option<u32>,
    /// `LimitRequestLine`, `LimitRequestFieldSize`, `LimitRequestFields`
    /// as written in this server (see [`Limits`]).
    pub limits: Limits,
    /// Server- or vhost-level per-directory defaults.
    pub dir: PerDir,
    /// `SetEnv`, `UnsetEnv`, `SetEnvIf`, `BrowserMatch`… of this server.
    pub env: ScopeEnv,
    /// `<Directory>`, `<Location>`, `<Files>` sections in order.
    pub sections: Vec<Section>,
    /// mod_usertrack's server-level state (`CookieExpires`), gathered over
    /// the server and its sections.
    pub usertrack: crate::modules::usertrack::cookie::ServerTrack,
    /// mod_reqtimeout's `RequestReadTimeout` stages written in this server.
    pub reqtimeout: crate::modules::reqtimeout::stages::ServerStages,
    /// mod_deflate's settings written in this server (no inheritance: a
    /// virtual host starts from the defaults, as httpd).
    pub deflate: crate::modules::deflate::conf::DeflateConf,
    /// Where the `<VirtualHost>` began (for messages).
    pub defined_at: Option<(PathBuf, usize)>,
    /// WASD access tracking for this server (service): `Some` when it
    /// tracks (`[Track]` on, not `;notrack`, and not a proxy service unless
    /// `;track`). See [`crate::modules::wasd::track`].
    pub wasd_track: Option<TrackSettings>,
    /// WASD server reports for this service (`None`: Apache's error
    /// pages). A virtual host without its own uses the main server's.
    /// See [`crate::modules::wasd::report`].
    pub wasd_report: Option<crate::modules::wasd::report::WasdReport>,
    /// A WASD service: exactly these log lines of the main server (indexes
    /// into its `logs`) are written for its requests (`[LogPerService]`
    /// gives each service its file). `None`: httpd's inheritance rules.
    pub wasd_logs: Option<Vec<usize>>,
    /// `TraceEnable`.
    pub trace_enable: Option<super::values::TraceEnable>,
    /// mod_alias's `Alias*` and `Redirect*` lines of this server.
    pub alias: crate::modules::alias::settings::AliasConf,
}

/// Request-head limits (`LimitRequestLine`, `LimitRequestFieldSize`,
/// `LimitRequestFields`) as one server's lines set them; `None` where it
/// has none. As in httpd, a virtual host whose value is unset or 0 takes
/// the main server's ([`Limits::resolve`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Limits {
    /// `LimitRequestLine`.
    pub request_line: Option<usize>,
    /// `LimitRequestFieldSize`.
    pub field_size: Option<usize>,
    /// `LimitRequestFields` (0 = unlimited in the main server).
    pub fields: Option<usize>,
}

impl Limits {
    /// The limits in force for a server: the main server's values (httpd's
    /// defaults 8190, 8190, 100 where it sets none), replaced by a virtual
    /// host's nonzero ones.
    pub fn resolve(main: &Limits, vhost: Option<&Limits>) -> crate::http::request::Limits {
        let d = crate::http::request::Limits::default();
        let pick = |m: Option<usize>, v: Option<usize>, default: usize| match v {
            Some(v) if v != 0 => v,
            _ => m.unwrap_or(default),
        };
        let v = vhost.copied().unwrap_or_default();
        crate::http::request::Limits {
            line: pick(main.request_line, v.request_line, d.line),
            field_size: pick(main.field_size, v.field_size, d.field_size),
            fields: pick(main.fields, v.fields, d.fields),
        }
    }
}

/// httpd's `atoi`-based reading of a LimitRequest* number: leading white
/// space and digits (anything after them ignored, no digits is 0); a
/// negative value is refused with httpd's words.
pub(crate) fn limit_number(d: &Directive, what: &str) -> Result<usize, ConfigError> {
    nargs(d, 1, 1, what)?;
    let a = d.args[0].trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let (neg, digits) = match a.as_bytes().first() {
        Some(b'-') => (true, &a[1..]),
        Some(b'+') => (false, &a[1..]),
        _ => (false, a),
    };
    let end = digits
        .bytes()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(digits.len());
    // atoi on an int: saturate rather than wrap.
    let v: u64 = digits[..end]
        .parse()
        .unwrap_or(if end == 0 { 0 } else { u64::MAX });
    let v = v.min(i32::MAX as u64) as usize;
    if neg && v != 0 {
        return Err(ConfigError::directive(
            d,
            format!(
                "{} \"{}\" must be a non-negative integer",
                d.name, d.args[0]
            ),
        ));
    }
    Ok(v)
}

/// Everything a configuration file says.
#[derive(Clone, Debug)]
pub struct Settings {
    /// `ServerRoot`.
    pub server_root: PathBuf,
    /// `Listen` addresses (`addr:port` or `port`), in order.
    pub listen: Vec<(Option<IpAddr>, u16)>,
    /// `PidFile`.
    pub pid_file: Option<PathBuf>,
    /// `User` (main server only): the account a server started as root
    /// serves as (see [`crate::privileges`]).
    pub user: Option<IdSetting>,
    /// `Group` (main server only).
    pub group: Option<IdSetting>,
    /// `BufferedLogs`: the last occurrence anywhere wins.
    pub buffered_logs: bool,
    /// `ServerTokens`.
    pub tokens: Tokens,
    /// `TypesConfig`.
    pub types_config: Option<PathBuf>,
    /// `LoadModule unique_id_module`: requests get `UNIQUE_ID`.
    pub unique_id: bool,
    /// The structure names of the modules the configuration loads with
    /// `LoadModule` (built-in modules are always there and not listed).
    pub loaded: Vec<&'static str>,
    /// mod_filter: some scope has an `AddOutputFilterByType` line (the
    /// module's hooks run only then).
    pub output_filters: bool,
    /// The MPM loaded and its directives (see [`crate::modules::mpm`]).
    pub mpm: MpmSettings,
    /// The most requests served at once: `MaxRequestWorkers` after httpd's
    /// adjustments when an MPM is loaded, else no bound.
    pub max_workers: Option<usize>,
    /// `DefaultRuntimeDir` (checked to be a directory; spoor keeps no
    /// run-time files there).
    pub runtime_dir: Option<PathBuf>,
    /// `ExtendedStatus` (mod_status's page; on by default).
    pub extended_status: Option<bool>,
    /// `AccessFileName` (no effect while every `AllowOverride` is `None`,
    /// the only value spoor accepts).
    pub access_file_names: Vec<String>,
    /// The kind of the per-directory section being read (for the
    /// directives httpd treats differently in `<Location>` and `<Files>`).
    pub(crate) section_kind: Option<SectionKind>,
    /// The path of the plain `<Location>` being read (for the directives
    /// whose one-argument form takes it, as mod_alias's `Redirect`).
    pub(crate) location_path: Option<String>,
    /// The path or pattern of the per-directory section being read
    /// (httpd's `cmd->path`; mod_autoindex keeps it with its items).
    pub(crate) section_path: Option<String>,
    /// The main server.
    pub main: Server,
    /// `<VirtualHost>`s in configuration order.
    pub vhosts: Vec<Server>,
    /// Warnings to print at start-up (file:line: text).
    pub warnings: Vec<String>,
    /// WASD's `[LogExcludeHosts]`: requests from these clients are written
    /// to no access log.
    pub log_exclude_hosts: HostPatterns,
    /// A WASD configuration's services, mapping rules and content types
    /// (`spoor --wasd`); `None` for the Apache dialect.
    pub wasd: Option<crate::modules::wasd::site::WasdSite>,
    /// Failures of the checks httpd makes once the whole configuration is
    /// read (mod_authz_core's AH01624), in the order found; the first is
    /// the error.
    pub check_errors: Vec<String>,
    /// `<RequireAll>`-like containers open while reading (mod_authz_core).
    pub authz_depth: usize,
    /// The methods of the `<Limit>`/`<LimitExcept>` being read (all
    /// outside one).
    pub limit: crate::modules::core::methods::MethodSet,
    /// Methods named by a `<Limit>` that httpd does not know by itself
    /// (it registers them).
    pub methods: Vec<String>,
}

/// A log as one server uses it: which log line, and the compiled format
/// (`None`: the server's default format).
#[derive(Clone, Debug)]
pub struct ResolvedLog {
    /// Index into [`Settings::all_logs`].
    pub log: usize,
    /// The format for this log on this server.
    pub format: Format,
}

/// Where a directive is being read: httpd's `cmd->server` and
/// `cmd->path` together.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// The main server, outside any section.
    Main,
    /// A `<VirtualHost>`, outside any per-directory section.
    Vhost,
    /// Inside a `<Directory>`, `<Location>` or `<Files>` section.
    Dir,
}

/// One directive being carried out: what a module's parse function
/// ([`crate::modules::ParseFn`]) gets, as httpd's `cmd_parms` with the
/// module's config records.
pub struct Cmd<'a> {
    /// The directive as read.
    pub d: &'a Directive,
    /// Its name in lower case (a function serving several directives
    /// matches on it).
    pub name: &'a str,
    /// Where it is.
    pub scope: Scope,
    /// The process-wide settings (`Listen`, `PidFile`, `User`, …).
    pub settings: &'a mut Settings,
    /// The record of the scope it is in: the main server, a virtual host,
    /// or a section (a [`Server`] while read, of which the section keeps
    /// the per-directory parts).
    pub srv: &'a mut Server,
}

impl Cmd<'_> {
    /// httpd's `ap_check_cmd_context(GLOBAL_ONLY)`: the main server only.
    pub fn global_only(&self) -> Result<(), ConfigError> {
        match self.scope {
            Scope::Main => Ok(()),
            Scope::Vhost => Err(not_in_vhost(self.d)),
            Scope::Dir => Err(not_allowed(self.d)),
        }
    }

    /// Not inside a per-directory section.
    pub fn server_only(&self) -> Result<(), ConfigError> {
        if self.scope == Scope::Dir {
            Err(not_allowed(self.d))
        } else {
            Ok(())
        }
    }

    /// Server level or section, for per-directory records.
    pub fn dir_scope(&self) -> DirScope {
        if self.scope == Scope::Dir {
            DirScope::Section
        } else {
            DirScope::Server
        }
    }

    /// An error about this directive, with its file and line.
    pub fn error(&self, msg: impl Into<String>) -> ConfigError {
        ConfigError::directive(self.d, msg)
    }

    /// A start-up warning about this directive (`file:line: text`).
    pub fn warn(&mut self, text: impl std::fmt::Display) {
        self.settings
            .warnings
            .push(format!("{}:{}: {text}", self.d.file.display(), self.d.line));
    }
}

pub(crate) fn nargs(d: &Directive, min: usize, max: usize, what: &str) -> Result<(), ConfigError> {
    let n = d.args.len();
    if n < min || n > max {
        let count = match (min, max) {
            (1, 1) => "takes one argument".to_string(),
            (2, 2) => "takes two arguments".to_string(),
            (1, 2) => "takes one or two arguments".to_string(),
            (2, 3) => "takes two or three arguments".to_string(),
            (0, 1) => "takes zero or one argument".to_string(),
            (1, usize::MAX) => "requires at least one argument".to_string(),
            (2, usize::MAX) => "requires at least two arguments".to_string(),
            (a, b) => format!("takes {a} to {b} arguments"),
        };
        return Err(ConfigError::directive(
            d,
            format!("{} {count}, {what}", d.name),
        ));
    }
    Ok(())
}

pub(crate) fn flag(d: &Directive, what: &str) -> Result<bool, ConfigError> {
    nargs(d, 1, 1, what)?;
    match d.args[0].to_ascii_lowercase().as_str() {
        "on" => Ok(true),
        "off" => Ok(false),
        _ => Err(ConfigError::directive(
            d,
            format!("{} must be On or Off", d.name),
        )),
    }
}

pub(crate) fn seconds(d: &Directive, what: &str) -> Result<Duration, ConfigError> {
    nargs(d, 1, 1, what)?;
    let a = &d.args[0];
    let (num, ms) = match a.strip_suffix("ms") {
        Some(n) => (n, true),
        None => (a.strip_suffix('s').unwrap_or(a), false),
    };
    let v: u64 = num
        .parse()
        .map_err(|_| ConfigError::directive(d, format!("Invalid {} argument", d.name)))?;
    Ok(if ms {
        Duration::from_millis(v)
    } else {
        Duration::from_secs(v)
    })
}

pub(crate) fn number<T: std::str::FromStr>(d: &Directive, what: &str) -> Result<T, ConfigError> {
    nargs(d, 1, 1, what)?;
    d.args[0].parse().map_err(|_| {
        ConfigError::directive(d, format!("{} argument is not a valid number", d.name))
    })
}

pub(crate) fn not_allowed(d: &Directive) -> ConfigError {
    ConfigError::directive(d, format!("{} not allowed here", d.command_name()))
}

pub(crate) fn not_in_vhost(d: &Directive) -> ConfigError {
    ConfigError::directive(
        d,
        format!(
            "{} cannot occur within <VirtualHost> section",
            d.command_name()
        ),
    )
}

/// Parses `host[:port]` (with `[v6]` brackets).
pub(crate) fn host_port(s: &str) -> (String, Option<&str>) {
    if let Some(rest) = s.strip_prefix('[') {
        if let Some(end) = rest.find(']') {
            let host = &rest[..end];
            let after = &rest[end + 1..];
            return (host.to_string(), after.strip_prefix(':'));
        }
    }
    match s.rfind(':') {
        Some(i) if s[..i].find(':').is_none() => (s[..i].to_string(), Some(&s[i + 1..])),
        _ => (s.to_string(), None),
    }
}

impl Settings {
    /// Builds the model from a directive tree.
    pub fn from_config(cfg: &Config) -> Result<Settings, ConfigError> {
        let mut s = Settings::new(cfg.server_root.clone());
        // httpd loads modules while reading and walks the tree after, so
        // a module's directives may come before its LoadModule line (a
        // LoadModule inside a section is refused when walked).
        for d in cfg.directives.iter().filter(|d| !d.section) {
            if d.name.eq_ignore_ascii_case("LoadModule") && d.args.len() == 2 {
                if let Some(m) = module(&d.args[0]).filter(|m| !m.builtin) {
                    if !s.loaded.contains(&m.ident) {
                        s.loaded.push(m.ident);
                    }
                    if let Some(mpm) = Mpm::from_ident(m.ident) {
                        if s.mpm.mpm.is_some_and(|had| had != mpm) {
                            return Err(ConfigError::file_level(
                                &d.file,
                                d.line,
                                "AH00534: Configuration error: More than one MPM loaded.",
                            ));
                        }
                        s.mpm.mpm = Some(mpm);
                    }
                }
            }
        }
        let mut main = Server::default();
        for d in &cfg.directives {
            s.apply(d, Scope::Main, &mut main)?;
        }
        s.main = main;
        if let Some(m) = s.check_errors.first() {
            return Err(ConfigError::check(m.clone()));
        }
        let mut adjusted = Vec::new();
        s.max_workers = s.mpm.max_workers(&mut adjusted);
        s.warnings.append(&mut adjusted);
        Ok(s)
    }

    /// Nothing configured yet, with ServerRoot `server_root`.
    pub fn new(server_root: PathBuf) -> Settings {
        Settings {
            server_root,
            listen: Vec::new(),
            pid_file: None,
            user: None,
            group: None,
            buffered_logs: false,
            tokens: Tokens::Full,
            types_config: None,
            unique_id: false,
            loaded: Vec::new(),
            output_filters: false,
            mpm: MpmSettings::default(),
            max_workers: None,
            runtime_dir: None,
            access_file_names: vec![".htaccess".into()],
            extended_status: None,
            section_kind: None,
            location_path: None,
            section_path: None,
            main: Server::default(),
            vhosts: Vec::new(),
            warnings: Vec::new(),
            log_exclude_hosts: HostPatterns::default(),
            wasd: None,
            check_errors: Vec::new(),
            authz_depth: 0,
            limit: Default::default(),
            methods: Vec::new(),
        }
    }

    /// A path relative to ServerRoot, as `ap_server_root_relative` makes it.
    pub fn root_relative(&self, p: &str) -> PathBuf {
        let p = Path::new(p);
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            self.server_root.join(p)
        }
    }

    /// Whether module `m` is there: built in, or loaded by a `LoadModule`
    /// line read so far.
    pub(crate) fn is_loaded(&self, m: &crate::modules::ModuleDef) -> bool {
        m.builtin || self.loaded.contains(&m.ident)
    }

    /// The `%` items the modules loaded so far add to log formats.
    pub(crate) fn log_items(&self) -> Vec<&'static str> {
        crate::modules::log_items(|m| self.is_loaded(m))
    }

    /// Carries out one directive read in `scope` into `srv`: a section
    /// is walked here, any other directive goes to the parse function its
    /// module's table names, after the checks httpd makes before calling
    /// one (module loaded, context).
    pub(crate) fn apply(
        &mut self,
        d: &Directive,
        scope: Scope,
        srv: &mut Server,
    ) -> Result<(), ConfigError> {
        let name = d.name.to_ascii_lowercase();
        // (A section is looked up with its `<`.)
        let present = |m: &crate::modules::ModuleDef| self.is_loaded(m);
        let def = if d.section {
            crate::modules::directive(&format!("<{name}"), present)
        } else {
            crate::modules::directive(&name, present)
        };
        if let Some((_, _, false)) = def {
            // As httpd: the directive of a module not loaded is unknown.
            return Err(ConfigError::invalid_command(d));
        }
        // A module's own section (`<RequireAll>`) is its parse function's;
        // the model walks the others.
        if d.section
            && !matches!(
                def,
                Some((
                    _,
                    DirectiveDef {
                        parse: Parse::Fn(_),
                        ..
                    },
                    _
                ))
            )
        {
            return self.section(d, &name, scope, srv);
        }
        let Some((_, def, _)) = def else {
            return Err(ConfigError::invalid_command(d));
        };
        if def.context == Context::Server && scope == Scope::Dir {
            return Err(not_allowed(d));
        }
        let mut cmd = Cmd {
            d,
            name: &name,
            scope,
            settings: self,
            srv,
        };
        match def.parse {
            Parse::Fn(parse) => parse(&mut cmd),
            // A section's name without its `<` is not a directive.
            Parse::Section => Err(ConfigError::invalid_command(d)),
        }
    }

    fn section(
        &mut self,
        d: &Directive,
        name: &str,
        scope: Scope,
        srv: &mut Server,
    ) -> Result<(), ConfigError> {
        match name {
            "virtualhost" => {
                if scope != Scope::Main {
                    return Err(ConfigError::directive(
                        d,
                        "<VirtualHost> cannot occur within <VirtualHost> section",
                    ));
                }
                if d.args.is_empty() {
                    return Err(ConfigError::directive(
                        d,
                        "<VirtualHost> directive requires additional arguments",
                    ));
                }
                let mut v = Server {
                    defined_at: Some((d.file.clone(), d.line)),
                    ..Server::default()
                };
                for a in &d.args {
                    let (host, port) = host_port(a);
                    let port = match port {
                        None | Some("*") => None,
                        Some(p) => Some(p.parse::<u16>().map_err(|_| {
                            ConfigError::directive(
                                d,
                                format!("The address or port is invalid: {a}"),
                            )
                        })?),
                    };
                    let ip = match host.as_str() {
                        "*" | "_default_" => None,
                        h => Some(h.parse::<IpAddr>().map_err(|_| {
                            ConfigError::directive(
                                d,
                                format!("spoor accepts only IP addresses, * and _default_ in <VirtualHost>, not '{h}'"),
                            )
                        })?),
                    };
                    v.addrs.push(VhostAddr { ip, port });
                }
                for c in &d.children {
                    self.apply(c, Scope::Vhost, &mut v)?;
                }
                self.vhosts.push(v);
                Ok(())
            }
            "directory" | "directorymatch" | "location" | "locationmatch" | "files"
            | "filesmatch" => {
                // httpd makes a relative <Directory> path absolute against
                // its working directory, not ServerRoot.
                let mut sec = Section::open(d, name, |p| {
                    let cwd = std::env::current_dir().unwrap_or_default();
                    cwd.join(p).to_string_lossy().into_owned()
                })?;
                let mut inner = Server::default();
                let outer_kind = self.section_kind.replace(sec.kind);
                let plain_location = sec.kind == SectionKind::Location
                    && matches!(sec.matcher, crate::perdir::Pattern::Exact(_));
                let outer_location = std::mem::replace(
                    &mut self.location_path,
                    plain_location.then(|| sec.pattern.clone()),
                );
                let outer_path = self.section_path.replace(sec.pattern.clone());
                for c in &d.children {
                    if c.section {
                        if let Some(e) = nested_section(c, d) {
                            return Err(e);
                        }
                    }
                    let done = self.apply(c, Scope::Dir, &mut inner);
                    if c.section {
                        // Back from a nested `<Files>`.
                        self.section_kind = Some(sec.kind);
                    }
                    done.map_err(|e| {
                        // httpd names the section a directive may not be in.
                        if e.message() == format!("{} not allowed here", c.command_name()) {
                            ConfigError::directive(
                                c,
                                format!("{} not allowed in <{}> context", c.command_name(), d.name),
                            )
                        } else {
                            e
                        }
                    })?;
                }
                self.section_kind = outer_kind;
                self.location_path = outer_location;
                self.section_path = outer_path;
                srv.usertrack.absorb(&inner.usertrack);
                sec.dir = inner.dir;
                sec.dir.env = inner.env;
                // `<Files>` nested in a `<Directory>` (nested_section
                // refuses every other nesting).
                sec.nested = inner.sections;
                srv.sections.push(sec);
                Ok(())
            }
            _ => Err(ConfigError::invalid_command(d)),
        }
    }

    /// Every log line of the configuration: the main server's first, then
    /// each virtual host's, in order. Indexes into this list identify logs.
    pub fn all_logs(&self) -> Vec<&LogSpec> {
        self.main
            .logs
            .iter()
            .chain(self.vhosts.iter().flat_map(|v| v.logs.iter()))
            .collect()
    }

    /// The nickname table of a server: the main server's entries merged
    /// with the virtual host's, the virtual host's winning (httpd 2.4.63+).
    fn formats_of(&self, vhost: Option<usize>) -> HashMap<String, String> {
        let mut t: HashMap<String, String> = HashMap::new();
        t.insert("clf".into(), spoor_log::CLF.into());
        for (k, v) in &self.main.formats {
            t.insert(k.clone(), v.clone());
        }
        if let Some(i) = vhost {
            for (k, v) in &self.vhosts[i].formats {
                t.insert(k.clone(), v.clone());
            }
        }
        t
    }

    /// The default format of a server: its one-argument LogFormat (else the
    /// main server's), looked up as a nickname in its table, else CLF.
    pub fn default_format(&self, vhost: Option<usize>) -> Format {
        let table = self.formats_of(vhost);
        let s = vhost
            .and_then(|i| self.vhosts[i].default_format.as_ref())
            .or(self.main.default_format.as_ref());
        let text = match s {
            Some(s) => table.get(&s.to_ascii_lowercase()).unwrap_or(s).clone(),
            None => spoor_log::CLF.to_string(),
        };
        Format::apache(&text).expect("validated when the directive was read")
    }

    /// For every server (index 0 = main, then the virtual hosts in order),
    /// the logs a request handled by it is written to, with the format each
    /// uses, resolved as httpd 2.4.71 does:
    ///
    /// * a server logs its own entries, then the main server's: all of them
    ///   when it has none of its own, else only GlobalLogs;
    /// * a format string that names a nickname in the server's table is
    ///   replaced by it; an unknown nickname is a literal format;
    /// * a log without a format (TransferLog) uses the default format of
    ///   the server handling the request;
    /// * the main server's entries are shared: every virtual host without
    ///   logs of its own re-resolves their nicknames against its own table
    ///   while the logs are opened, walking the hosts from the last defined
    ///   to the first, so the first-defined such host sets the format of a
    ///   shared log for every server.
    pub fn resolve_logs(&self) -> Vec<Vec<ResolvedLog>> {
        let resolve = |spec: &LogSpec, table: &HashMap<String, String>| -> Option<Format> {
            let f = spec.format.as_ref()?;
            if spec.wasd_format {
                return Some(Format::wasd(f).expect("validated when the directive was read"));
            }
            let text = table.get(&f.to_ascii_lowercase()).unwrap_or(f);
            Some(
                Format::apache_with(text.as_bytes(), spec.escaping)
                    .expect("validated when the directive was read"),
            )
        };
        let main_table = self.formats_of(None);
        // The shared formats of the main server's entries.
        let mut shared: Vec<Option<Format>> = self
            .main
            .logs
            .iter()
            .map(|l| resolve(l, &main_table))
            .collect();
        for (i, v) in self.vhosts.iter().enumerate().rev() {
            if v.logs.is_empty() {
                let table = self.formats_of(Some(i));
                for (j, l) in self.main.logs.iter().enumerate() {
                    if l.format.is_some() {
                        shared[j] = resolve(l, &table);
                    }
                }
            }
        }
        let main_count = self.main.logs.len();
        let mut out = Vec::with_capacity(1 + self.vhosts.len());
        let main_default = self.default_format(None);
        out.push(
            shared
                .iter()
                .enumerate()
                .map(|(j, f)| ResolvedLog {
                    log: j,
                    format: f.clone().unwrap_or_else(|| main_default.clone()),
                })
                .collect(),
        );
        let mut base = main_count;
        for (i, v) in self.vhosts.iter().enumerate() {
            if let Some(own) = &v.wasd_logs {
                out.push(
                    own.iter()
                        .map(|&j| ResolvedLog {
                            log: j,
                            format: resolve(&self.main.logs[j], &main_table)
                                .unwrap_or_else(|| main_default.clone()),
                        })
                        .collect(),
                );
                base += v.logs.len();
                continue;
            }
            let table = self.formats_of(Some(i));
            let default = self.default_format(Some(i));
            let mut list: Vec<ResolvedLog> = v
                .logs
                .iter()
                .enumerate()
                .map(|(j, l)| ResolvedLog {
                    log: base + j,
                    format: resolve(l, &table).unwrap_or_else(|| default.clone()),
                })
                .collect();
            let own = !v.logs.is_empty();
            for (j, l) in self.main.logs.iter().enumerate() {
                if own && !l.global {
                    continue;
                }
                list.push(ResolvedLog {
                    log: j,
                    format: shared[j].clone().unwrap_or_else(|| default.clone()),
                });
            }
            base += v.logs.len();
            out.push(list);
        }
        out
    }
}

/// A section inside a per-directory section, refused with httpd's words;
/// `<Files>` inside `<Directory>` is allowed (`<Files>` inside `<Files>`,
/// which httpd allows, is not supported yet).
fn nested_section(inner: &Directive, outer: &Directive) -> Option<ConfigError> {
    let i = inner.name.to_ascii_lowercase();
    let o = outer.name.to_ascii_lowercase();
    let files = i == "files" || i == "filesmatch";
    let msg = if files && o.starts_with("location") {
        format!(
            "<{}> cannot occur within <{}> section",
            inner.name, outer.name
        )
    } else if files && o.starts_with("directory") {
        return None;
    } else if files {
        format!(
            "<{}> inside <{}> is not supported by spoor yet",
            inner.name, outer.name
        )
    } else if matches!(
        i.as_str(),
        "directory" | "directorymatch" | "location" | "locationmatch" | "virtualhost"
    ) {
        format!("<{} not allowed in <{}> context", inner.name, outer.name)
    } else {
        return None;
    };
    Some(ConfigError::directive(inner, msg))
}

#[cfg(test)]
#[path = "model_tests.rs"]
mod tests;
