//! The WASD configuration dialect (`spoor --wasd FILE`, WASD's
//! HTTPD$CONFIG) and its mapping file (`--wasd-map FILE`, HTTPD$MAP), read
//! into the same [`Settings`] model the Apache dialect builds.
//!
//! ```text
//! # HTTPD$CONFIG
//! [Service]
//! alpha.example.org:8080
//! beta.example.org:8080;notrack
//! [Logging] ENABLED
//! [LogFormat] COMBINED
//! [LogPeriod] DAILY
//! ```
//!
//! The file is a list of `[Directive]`s (names in any case), each followed
//! by its value on the same line and, for list directives, further values
//! one per line until the next `[Directive]`. Lines starting with `#` are
//! comments. A directive spoor does not know, a bad value, or a directive
//! whose behaviour spoor lacks is an error naming the file and line; none
//! is ignored.
//!
//! How the parts land in the model:
//!
//! * each `[Service]` is a virtual host (server index `i + 1`) with its
//!   host as ServerName, listening on its port (see
//!   [`crate::modules::wasd::site::Service`] for the address); the first is the
//!   administration service and also names the main server;
//! * `[Logging]` opens `[LogFileName]` (a spoor reading of the name WASD
//!   takes from `HTTPD$LOG`; default `logs/access.log` below the
//!   ServerRoot) with `[LogFormat]`; with `[LogPeriod]` or
//!   `[LogPerService]` the files get WASD's generated names in that file's
//!   directory (`spoor_log::wasd_log::plan`), and every service writes the
//!   file planned for it ([`super::Server::wasd_logs`]);
//! * `[Track]`, `[TrackMultiSession]`, `[TrackDomain]` and the services'
//!   `;track`/`;notrack` give each service its
//!   [`super::Server::wasd_track`];
//! * `[AddType]`, `[ServiceNotFoundURL]` and the mapping rules go to
//!   [`Settings::wasd`].

use std::net::{IpAddr, ToSocketAddrs};
use std::path::{Path, PathBuf};

use spoor_log::sink::Period;
use spoor_log::wasd_log::{plan, HostPatterns, LogNaming, ServiceName};
use spoor_log::wasd_track::{TrackDomain, TrackSettings};
use spoor_log::{Escaping, Format};

use super::fs::ReadError;
use super::fs::MAX_FILE_LEN;
use super::{
    Config, ConfigError, Directive, HostnameLookups, LogSpec, Server, Settings, VhostAddr,
};
use crate::modules::wasd::report::{ReportRule, WasdReport};
use crate::modules::wasd::site::{stars, MapRules, MapScope, Rule, Service, Verb, WasdSite};

/// The default `[LogFileName]`, relative to the ServerRoot.
pub const DEFAULT_LOG_FILE: &str = "logs/access.log";

/// One `[Directive]` with its values.
#[derive(Debug)]
struct Entry {
    /// The name as written, without brackets.
    name: String,
    /// The line of the `[Directive]`.
    line: usize,
    /// Each value and its line.
    values: Vec<(String, usize)>,
}

/// Every directive the loader knows, lower case.
const DIRECTIVES: &[&str] = &[
    "service",
    "logging",
    "logfilename",
    "logformat",
    "logperiod",
    "logperservice",
    "logperservicehostonly",
    "lognaming",
    "logexcludehosts",
    "dnslookup",
    "track",
    "trackmultisession",
    "trackdomain",
    "addtype",
    "serveradmin",
    "servicenotfoundurl",
    // The report directives, carried out by `crate::modules::wasd::report`.
    "errorreportpath",
    "reportbasiconly",
    "serversignature",
    "serverreportbodytag",
    "reportmetainfo",
];

/// Directives that take a list of values (one a line); the others take
/// exactly one.
const LISTS: &[&str] = &["service", "addtype", "logexcludehosts"];

fn err(file: &Path, line: usize, msg: impl Into<String>) -> ConfigError {
    ConfigError::directive(&Directive::new("", Vec::new(), file.into(), line), msg)
}

/// Splits a WASD file into its directives.
fn entries(text: &str, file: &Path) -> Result<Vec<Entry>, ConfigError> {
    let mut out: Vec<Entry> = Vec::new();
    for (n, raw) in text.lines().enumerate() {
        let line = n + 1;
        let l = raw.trim();
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        if let Some(rest) = l.strip_prefix('[') {
            let Some(end) = rest.find(']') else {
                return Err(err(
                    file,
                    line,
                    format!("'{l}': a directive needs its closing ']'"),
                ));
            };
            let name = rest[..end].trim().to_string();
            let key = name.to_ascii_lowercase();
            if !DIRECTIVES.contains(&key.as_str()) {
                return Err(err(
                    file,
                    line,
                    format!("unknown directive [{name}] (not a WASD directive spoor knows)"),
                ));
            }
            let mut e = Entry {
                name,
                line,
                values: Vec::new(),
            };
            let v = rest[end + 1..].trim();
            if !v.is_empty() {
                e.values.push((v.to_string(), line));
            }
            out.push(e);
            continue;
        }
        match out.last_mut() {
            Some(e) => e.values.push((l.to_string(), line)),
            None => return Err(err(file, line, format!("'{l}' is outside any [Directive]"))),
        }
    }
    Ok(out)
}

/// The WASD settings being gathered.
#[derive(Default)]
struct Wasd {
    services: Vec<Service>,
    logging: bool,
    logging_line: usize,
    log_file: Option<(String, usize)>,
    log_format: Option<String>,
    period: Option<Period>,
    per_service: bool,
    host_only: bool,
    naming: LogNaming,
    naming_line: usize,
    exclude: Vec<(String, usize)>,
    dns: Option<usize>,
    track: bool,
    multi_session: bool,
    domain: Option<TrackDomain>,
    site: WasdSite,
    admin: Option<String>,
    report: WasdReport,
}

fn flag(file: &Path, e: &Entry, v: &str) -> Result<bool, ConfigError> {
    match v.to_ascii_uppercase().as_str() {
        "ENABLED" => Ok(true),
        "DISABLED" => Ok(false),
        _ => Err(err(
            file,
            e.line,
            format!("[{}] must be ENABLED or DISABLED, not '{v}'", e.name),
        )),
    }
}

/// The local host name (a service without a host name takes it).
fn local_host_name() -> String {
    crate::site::system_host_name().to_ascii_lowercase()
}

/// Parses a `[Service]` value: `[scheme://]host[:port][;keyword…]`.
fn service(file: &Path, line: usize, v: &str) -> Result<Service, ConfigError> {
    let e = |m: String| err(file, line, format!("[Service] {v}: {m}"));
    let mut parts = v.split(';');
    let spec = parts.next().unwrap_or("").trim();
    let (scheme, rest) = match spec.split_once("://") {
        Some((s, r)) => (s.to_ascii_lowercase(), r),
        None => ("http".to_string(), spec),
    };
    match scheme.as_str() {
        "http" => {}
        "https" => {
            return Err(e(
                "https services are not supported by spoor (it serves plain HTTP)".into(),
            ))
        }
        _ => return Err(e(format!("unknown scheme '{scheme}'"))),
    }
    // host, host:port, :port, port, [v6]:port
    let (host, port) = if let Some(r) = rest.strip_prefix('[') {
        let end = r.find(']').ok_or_else(|| e("missing ']'".into()))?;
        let after = &r[end + 1..];
        let port = match after.strip_prefix(':') {
            Some(p) => Some(p),
            None if after.is_empty() => None,
            None => return Err(e("text after the address".into())),
        };
        (r[..end].to_string(), port)
    } else if !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_digit()) {
        (String::new(), Some(rest))
    } else {
        match rest.rsplit_once(':') {
            Some((h, p)) => (h.to_string(), Some(p)),
            None => (rest.to_string(), None),
        }
    };
    let port = match port {
        None => 80,
        Some(p) => p
            .parse::<u16>()
            .ok()
            .filter(|&p| p != 0)
            .ok_or_else(|| e(format!("'{p}' is not a port number")))?,
    };
    let mut host = host.trim_end_matches('.').to_ascii_lowercase();
    if host.is_empty() || host == "*" {
        host = local_host_name();
    }
    if host
        .bytes()
        .any(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_' | b':')))
    {
        return Err(e(format!("'{host}' is not a host name")));
    }
    let mut bind = host.parse::<IpAddr>().ok();
    let mut track = None;
    for kw in parts {
        let kw = kw.trim();
        let (k, val) = match kw.split_once('=') {
            Some((k, v)) => (k.trim().to_ascii_lowercase(), Some(v.trim())),
            None => (kw.to_ascii_lowercase(), None),
        };
        match (k.as_str(), val) {
            ("track", None) => track = Some(true),
            ("notrack", None) => track = Some(false),
            ("bind", Some(a)) => {
                bind = Some(
                    a.parse::<IpAddr>()
                        .map_err(|_| e(format!("bind={a}: not a numeric IP address")))?,
                )
            }
            ("proxy" | "cache" | "chain" | "pauth" | "lauth" | "connect", _) => {
                return Err(e(format!(
                    ";{k}: proxy services are not supported by spoor"
                )))
            }
            ("cert", _) => {
                return Err(e(
                    ";cert: SSL services are not supported by spoor".to_string()
                ))
            }
            ("", None) => {}
            _ => return Err(e(format!("unknown service parameter ';{kw}'"))),
        }
    }
    Ok(Service {
        host,
        port,
        bind,
        track,
        file: file.to_path_buf(),
        line,
    })
}

/// Splits an `[AddType]` value into words; a double-quoted word keeps its
/// spaces (a type with its charset).
fn words(v: &str) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let mut chars = v.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let Some(&c) = chars.peek() else { break };
        let mut w = String::new();
        if c == '"' {
            chars.next();
            loop {
                match chars.next() {
                    Some('"') => break,
                    Some(c) => w.push(c),
                    None => return None,
                }
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() {
                    break;
                }
                w.push(c);
                chars.next();
            }
        }
        out.push(w);
    }
    Some(out)
}

fn valid_type(t: &str) -> bool {
    let main = t.split(';').next().unwrap_or("").trim();
    match main.split_once('/') {
        Some((a, b)) => {
            !a.is_empty() && !b.is_empty() && t.bytes().all(|b| (0x20..0x7f).contains(&b))
        }
        None => false,
    }
}

/// Parses an `[AddType]` value: `.suffix content-type script description`.
fn add_type(file: &Path, line: usize, v: &str, site: &mut WasdSite) -> Result<(), ConfigError> {
    let e = |m: &str| err(file, line, format!("[AddType] {v}: {m}"));
    let w = words(v).ok_or_else(|| e("unterminated quote"))?;
    if w.len() < 3 {
        return Err(e(
            "needs a .suffix, a content type, a script name (or -) and a description",
        ));
    }
    let (suffix, ty, script) = (&w[0], &w[1], &w[2]);
    if !valid_type(ty) {
        return Err(e(&format!("'{ty}' is not a content type")));
    }
    if script != "-" {
        return Err(e(&format!(
            "auto-scripting ('{script}') is not supported by spoor; use - for none"
        )));
    }
    if suffix == "*" {
        // The catch-all: its description is the default type.
        let def = w[3..].join(" ");
        if def.is_empty() {
            site.types.set_default("application/octet-stream");
        } else if valid_type(&def) {
            site.types.set_default(&def);
        } else {
            return Err(e(&format!(
                "the catch-all's description '{def}' is not a content type"
            )));
        }
        return Ok(());
    }
    match suffix.strip_prefix('.') {
        Some(s) if !s.is_empty() && !s.contains(['.', '/', '*']) => {
            site.types.add(s, ty);
            Ok(())
        }
        _ => Err(e(&format!(
            "'{suffix}' is not a file type (.suffix, or * for the catch-all)"
        ))),
    }
}

impl Wasd {
    fn directive(&mut self, file: &Path, e: &Entry) -> Result<(), ConfigError> {
        let key = e.name.to_ascii_lowercase();
        let list = LISTS.contains(&key.as_str());
        if !list && e.values.len() > 1 {
            return Err(err(
                file,
                e.values[1].1,
                format!("[{}] takes one value", e.name),
            ));
        }
        if e.values.is_empty() {
            return Err(err(file, e.line, format!("[{}] needs a value", e.name)));
        }
        let (v, vline) = (e.values[0].0.as_str(), e.values[0].1);
        match key.as_str() {
            "service" => {
                for (v, line) in &e.values {
                    for one in v.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                        let s = service(file, *line, one)?;
                        if self
                            .services
                            .iter()
                            .any(|o| o.host == s.host && o.port == s.port)
                        {
                            return Err(err(
                                file,
                                *line,
                                format!(
                                    "[Service] {one}: {}:{} is already a service",
                                    s.host, s.port
                                ),
                            ));
                        }
                        self.services.push(s);
                    }
                }
            }
            "logging" => {
                self.logging = flag(file, e, v)?;
                self.logging_line = vline;
            }
            "logfilename" => self.log_file = Some((v.to_string(), vline)),
            "logformat" => {
                Format::wasd(v).map_err(|m| err(file, vline, format!("[LogFormat] {}", m.0)))?;
                self.log_format = Some(v.to_string());
            }
            "logperiod" => {
                // WASD names the weekday; it has no WEEKLY.
                let p = if v.eq_ignore_ascii_case("weekly") {
                    Err(format!("log period must be DAILY, MONDAY to SUNDAY (weekly from that day) or MONTHLY, not '{v}'"))
                } else {
                    Period::parse(v)
                };
                self.period = Some(p.map_err(|m| err(file, vline, format!("[LogPeriod] {m}")))?);
            }
            "logperservice" => self.per_service = flag(file, e, v)?,
            "logperservicehostonly" => self.host_only = flag(file, e, v)?,
            "lognaming" => {
                self.naming = LogNaming::parse(v)
                    .map_err(|m| err(file, vline, format!("[LogNaming] {m}")))?;
                self.naming_line = vline;
            }
            "logexcludehosts" => self.exclude.extend(e.values.iter().cloned()),
            "dnslookup" => self.dns = flag(file, e, v)?.then_some(vline),
            "track" => self.track = flag(file, e, v)?,
            "trackmultisession" => self.multi_session = flag(file, e, v)?,
            "trackdomain" => {
                self.domain = Some(
                    TrackDomain::parse(v)
                        .map_err(|m| err(file, vline, format!("[TrackDomain] {m}")))?,
                )
            }
            "addtype" => {
                for (v, line) in &e.values {
                    add_type(file, *line, v, &mut self.site)?;
                }
            }
            "serveradmin" => {
                self.admin = Some(v.to_string());
                self.report_directive(file, e, v, vline)?;
            }
            "servicenotfoundurl" => {
                if !(v.starts_with("//") || v.starts_with('/') || v.contains("://"))
                    || v.bytes().any(|b| !(0x21..0x7f).contains(&b))
                {
                    return Err(err(
                        file,
                        vline,
                        format!("[ServiceNotFoundURL] '{v}' is not a URL (//host/path, /path or scheme://host/path)"),
                    ));
                }
                self.site.not_found_url = Some(v.to_string());
            }
            _ => self.report_directive(file, e, v, vline)?,
        }
        Ok(())
    }

    /// `[ErrorReportPath]`, `[ReportBasicOnly]`, `[ServerSignature]`,
    /// `[ServerReportBodyTag]`, `[ReportMetaInfo]` (and `[ServerAdmin]`'s
    /// part in signatures): see [`crate::modules::wasd::report`].
    fn report_directive(
        &mut self,
        file: &Path,
        e: &Entry,
        v: &str,
        vline: usize,
    ) -> Result<(), ConfigError> {
        match self.report.directive(&e.name, v) {
            Some(Ok(())) => Ok(()),
            Some(Err(m)) => Err(err(file, vline, m)),
            None => Err(err(
                file,
                e.line,
                format!("[{}] is not supported by spoor yet", e.name),
            )),
        }
    }
}

/// The WASD files of a configuration: HTTPD$CONFIG and, optionally,
/// HTTPD$MAP, with their names for messages.
#[derive(Clone, Copy, Debug)]
pub struct WasdSources<'a> {
    /// The configuration text and its file name.
    pub config: (&'a str, &'a Path),
    /// The mapping file's text and name.
    pub map: Option<(&'a str, &'a Path)>,
}

/// Reads `--wasd FILE` (and `--wasd-map FILE`), relative to `server_root`
/// when relative, into the model.
pub fn read_wasd(
    config: &Path,
    map: Option<&Path>,
    server_root: &Path,
) -> Result<Settings, ConfigError> {
    let read = |p: &Path| -> Result<(PathBuf, String), ConfigError> {
        let p = if p.is_absolute() {
            p.to_path_buf()
        } else {
            server_root.join(p)
        };
        // The same rules as the httpd.conf reader: regular files only,
        // opened without blocking, at most MAX_FILE_LEN bytes.
        let text = super::fs::read_config_file(&p, MAX_FILE_LEN).map_err(|e| {
            let why = match e {
                ReadError::Io(e) => e.to_string(),
                ReadError::NotRegular => format!(
                    "AH00554: Access to file {} denied by server: not a regular file",
                    p.display()
                ),
                ReadError::TooLarge => format!("larger than {MAX_FILE_LEN} bytes (spoor's limit)"),
            };
            ConfigError::file_level(
                &p,
                0,
                format!("could not open configuration file {}: {why}", p.display()),
            )
        })?;
        Ok((p, String::from_utf8_lossy(&text).into_owned()))
    };
    let (cfile, ctext) = read(config)?;
    let m = map.map(read).transpose()?;
    wasd_settings(
        WasdSources {
            config: (&ctext, &cfile),
            map: m.as_ref().map(|(p, t)| (t.as_str(), p.as_path())),
        },
        server_root,
    )
}

/// Builds the model from WASD configuration text (see the module docs).
pub fn wasd_settings(src: WasdSources<'_>, server_root: &Path) -> Result<Settings, ConfigError> {
    let (text, file) = src.config;
    let empty = Config {
        directives: Vec::new(),
        server_root: server_root.to_path_buf(),
        defines: Vec::new(),
        warnings: Vec::new(),
    };
    let mut s = Settings::from_config(&empty)?;
    let mut w = Wasd::default();
    for e in entries(text, file)? {
        w.directive(file, &e)?;
    }
    if w.services.is_empty() {
        // WASD's default: port 80 of the local host.
        w.services.push(Service {
            host: local_host_name(),
            port: 80,
            bind: None,
            track: None,
            file: file.to_path_buf(),
            line: 0,
        });
    }

    // [DNSLookup]: carried out by the same engine as HostnameLookups On,
    // so it is refused exactly while that is.
    if let Some(line) = w.dns {
        let probe = Config {
            directives: vec![Directive::new(
                "HostnameLookups",
                vec!["On".into()],
                file.to_path_buf(),
                line,
            )],
            ..empty.clone()
        };
        Settings::from_config(&probe)
            .map_err(|e| err(file, line, format!("[DNSLookup] ENABLED: {}", e.message())))?;
        s.main.dir.core.hostname_lookups = Some(HostnameLookups::On);
    }
    let patterns = HostPatterns::parse(w.exclude.iter().map(|(v, _)| v.as_str()));
    if w.dns.is_none() {
        if let Some(p) = patterns.first_non_numeric() {
            let line = w
                .exclude
                .iter()
                .find(|(v, _)| v.to_ascii_lowercase().contains(p))
                .map_or(0, |(_, l)| *l);
            return Err(err(
                file,
                line,
                format!("[LogExcludeHosts] '{p}' is a host name, but with [DNSLookup] disabled only addresses are known: give numeric addresses"),
            ));
        }
    }
    s.log_exclude_hosts = patterns;

    // Listening: every address of a port if any service there listens on
    // every address, else each address named.
    let mut listen: Vec<(Option<IpAddr>, u16)> = Vec::new();
    for svc in &w.services {
        let any = w
            .services
            .iter()
            .any(|o| o.port == svc.port && o.bind.is_none());
        let l = (if any { None } else { svc.bind }, svc.port);
        if !listen.contains(&l) {
            listen.push(l);
        }
    }
    s.listen = listen;

    // Logs.
    let mut logs: Vec<LogSpec> = Vec::new();
    let mut service_log: Vec<Option<usize>> = vec![None; w.services.len()];
    if w.logging {
        let (target, tline) = w
            .log_file
            .clone()
            .unwrap_or_else(|| (DEFAULT_LOG_FILE.to_string(), w.logging_line));
        let format = w.log_format.clone().unwrap_or_else(|| "COMMON".into());
        let spec = |target: String, period, wasd_name| LogSpec {
            target,
            format: Some(format.clone()),
            condition: None,
            escaping: Escaping::Apache,
            global: false,
            period,
            wasd_name,
            wasd_format: true,
            file: file.to_path_buf(),
            line: tline,
        };
        if w.period.is_some() || w.per_service {
            let dir = Path::new(&target)
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_default();
            let addrs: Vec<String> = w
                .services
                .iter()
                .map(|svc| {
                    if w.naming != LogNaming::Address {
                        return Ok(String::new());
                    }
                    service_address(svc).ok_or_else(|| {
                        err(
                            file,
                            w.naming_line,
                            format!("[LogNaming] ADDRESS: the address of service {}:{} is not known (it does not resolve); give it ;bind=ADDRESS", svc.host, svc.port),
                        )
                    })
                })
                .collect::<Result<_, _>>()?;
            let names: Vec<ServiceName<'_>> = w
                .services
                .iter()
                .zip(&addrs)
                .map(|(svc, a)| ServiceName {
                    host: &svc.host,
                    address: a,
                    port: svc.port,
                })
                .collect();
            let p = plan(&dir, w.naming, w.per_service, w.host_only, &names);
            for name in &p.files {
                logs.push(match w.period {
                    Some(period) => spec(
                        name.path(None).to_string_lossy().into_owned(),
                        Some(period),
                        Some(name.clone()),
                    ),
                    None => spec(name.path(None).to_string_lossy().into_owned(), None, None),
                });
            }
            for (i, f) in p.service_file.iter().enumerate() {
                service_log[i] = Some(*f);
            }
        } else {
            logs.push(spec(target, None, None));
            service_log.iter_mut().for_each(|l| *l = Some(0));
        }
    }
    s.main.logs = logs;

    // Services as virtual hosts.
    let first = &w.services[0];
    s.main.server_name = Some(first.host.clone());
    s.main.port = Some(first.port);
    s.main.server_admin = w.admin.clone();
    s.main.document_root = Some(server_root.to_path_buf());
    for (i, svc) in w.services.iter().enumerate() {
        let tracks = crate::modules::wasd::track::service_tracks(w.track, false, svc.track);
        s.vhosts.push(Server {
            addrs: vec![VhostAddr {
                ip: svc.bind,
                port: Some(svc.port),
            }],
            server_name: Some(svc.host.clone()),
            port: Some(svc.port),
            server_admin: w.admin.clone(),
            document_root: Some(server_root.to_path_buf()),
            defined_at: Some((svc.file.clone(), svc.line)),
            wasd_track: tracks.then(|| TrackSettings {
                multi_session: w.multi_session,
                domain: w.domain.clone(),
            }),
            wasd_logs: Some(service_log[i].into_iter().collect()),
            ..Server::default()
        });
    }

    // The mapping file.
    let mut report_rules = Vec::new();
    if let Some((mtext, mfile)) = src.map {
        let (map, rules) = read_map(mtext, mfile, &w.services, &mut s.warnings)?;
        w.site.map = map;
        report_rules = rules;
    } else {
        // Without one, every path is a file below ServerRoot/htdocs.
        w.site.map = MapRules {
            rules: vec![Rule {
                scope: MapScope::All,
                verb: Verb::Pass,
                template: b"/*".to_vec(),
                result: Some(b"/htdocs/*".to_vec()),
                file: file.to_path_buf(),
                line: 0,
            }],
        };
    }
    // Reports: every service has WASD's, with the `set … report=` rules
    // of the sections that apply to it (an unknown service is reported by
    // the base service that serves it).
    let report_for = |svc: Option<&Service>| {
        let mut r = w.report.clone();
        r.rules = report_rules
            .iter()
            .filter(|(scope, _)| scope.applies(svc.map(|s| (s.host.as_str(), s.port))))
            .map(|(_, rule)| rule.clone())
            .collect();
        r
    };
    s.main.wasd_report = Some(report_for(None));
    for (v, svc) in s.vhosts.iter_mut().zip(&w.services) {
        v.wasd_report = Some(report_for(Some(svc)));
    }
    w.site.services = w.services;
    s.wasd = Some(w.site);
    Ok(s)
}

/// A service's IP address as text, for `[LogNaming] ADDRESS`.
fn service_address(svc: &Service) -> Option<String> {
    if let Some(b) = svc.bind {
        if !b.is_unspecified() {
            return Some(b.to_string());
        }
    }
    let addrs: Vec<_> = (svc.host.as_str(), svc.port)
        .to_socket_addrs()
        .ok()?
        .collect();
    addrs
        .iter()
        .find(|a| a.is_ipv4())
        .or(addrs.first())
        .map(|a| a.ip().to_string())
}

/// Reads a mapping file: rules (`pass`, `map`, `fail`, and `set PATH
/// report=basic|detailed`; a rule written without a verb, as
/// `/* /web/virtual1/*` in WASD's examples, is a `pass`), `[[host:port]]`,
/// `[[host]]` and `[[*]]` sections, `#` comments. Returns the mapping
/// rules and the report rules with the section each is in. Sections for
/// hosts no service has draw a warning, as WASD reports them.
pub fn read_map(
    text: &str,
    file: &Path,
    services: &[Service],
    warnings: &mut Vec<String>,
) -> Result<(MapRules, Vec<(MapScope, ReportRule)>), ConfigError> {
    let mut rules = Vec::new();
    let mut report_rules = Vec::new();
    let mut scope = MapScope::All;
    for (n, raw) in text.lines().enumerate() {
        let line = n + 1;
        let l = raw.trim();
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        if let Some(inner) = l.strip_prefix("[[") {
            let inner = inner
                .strip_suffix("]]")
                .ok_or_else(|| {
                    err(
                        file,
                        line,
                        format!("'{l}': a service section ends with ']]'"),
                    )
                })?
                .trim();
            let inner = inner.split_once("://").map_or(inner, |(_, r)| r);
            scope = if inner == "*" {
                MapScope::All
            } else {
                let (h, p) = match inner.rsplit_once(':') {
                    Some((h, p)) if !h.contains(':') || h.starts_with('[') => (h, Some(p)),
                    _ => (inner, None),
                };
                let h = h.trim_end_matches('.').to_ascii_lowercase();
                if h.is_empty() {
                    return Err(err(file, line, format!("'{l}': no host name")));
                }
                let known = match p {
                    None => services.iter().any(|s| s.host == h),
                    Some(p) => {
                        let port = p.parse::<u16>().map_err(|_| {
                            err(file, line, format!("'{l}': '{p}' is not a port number"))
                        })?;
                        services.iter().any(|s| s.host == h && s.port == port)
                    }
                };
                if !known {
                    warnings.push(format!(
                        "{}:{line}: rules for {inner}, which is not a configured [Service]",
                        file.display()
                    ));
                }
                match p {
                    None => MapScope::Host(h),
                    Some(p) => MapScope::Service(h, p.parse().expect("checked")),
                }
            };
            continue;
        }
        let w: Vec<&str> = l.split_whitespace().collect();
        let verb_word = w[0].to_ascii_lowercase();
        let (verb, args) = if w[0].starts_with('/') {
            ("pass".to_string(), &w[..])
        } else {
            (verb_word, &w[1..])
        };
        let e = |m: String| err(file, line, format!("{l}: {m}"));
        let template = match args.first() {
            Some(t) if t.starts_with('/') => t.to_ascii_lowercase().into_bytes(),
            Some(t) => {
                return Err(e(format!(
                    "the template '{t}' must be a path starting with /"
                )))
            }
            None => return Err(e("a rule needs a path template".into())),
        };
        let result = args.get(1).map(|r| r.as_bytes().to_vec());
        let verb = match verb.as_str() {
            "pass" | "map" => {
                if args.len() > 2 {
                    return Err(e("text after the result".into()));
                }
                if verb == "map" && result.is_none() {
                    return Err(e("a map rule needs a result".into()));
                }
                if let Some(r) = &result {
                    if r.first() != Some(&b'/') {
                        return Err(e(format!(
                            "the result '{}' must be a path starting with / (proxying is not supported by spoor)",
                            String::from_utf8_lossy(r)
                        )));
                    }
                    if stars(r) > stars(&template) {
                        return Err(e("the result has more * than the template".into()));
                    }
                }
                if verb == "pass" {
                    Verb::Pass
                } else {
                    Verb::Map
                }
            }
            "fail" => {
                if args.len() > 1 {
                    return Err(e("a fail rule takes only a template".into()));
                }
                Verb::Fail
            }
            "set" => {
                if args.len() < 2 {
                    return Err(e("a set rule needs an option after the template".into()));
                }
                for opt in &args[1..] {
                    match crate::modules::wasd::report::set_rule(args[0], opt) {
                        Some(Ok(r)) => report_rules.push((scope.clone(), r)),
                        Some(Err(m)) => return Err(e(m)),
                        None => {
                            return Err(e(format!(
                                "set rule option '{opt}' is not supported by spoor yet"
                            )))
                        }
                    }
                }
                continue;
            }
            "exec" | "script" | "uxec" => {
                return Err(e(format!(
                    "{verb} rules are not supported by spoor (no scripting)"
                )))
            }
            "redirect" | "protect" => {
                return Err(e(format!("{verb} rules are not supported by spoor yet")))
            }
            _ => return Err(e(format!("unknown mapping rule '{}'", w[0]))),
        };
        let result = if matches!(verb, Verb::Pass | Verb::Map) {
            result
        } else {
            None
        };
        rules.push(Rule {
            scope: scope.clone(),
            verb,
            template,
            result,
            file: file.to_path_buf(),
            line,
        });
    }
    Ok((MapRules { rules }, report_rules))
}

#[cfg(test)]
mod tests;
