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
//!   [`crate::wasd::Service`] for the address); the first is the
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
use super::reader::MAX_FILE_LEN;
use super::{
    Config, ConfigError, Directive, HostnameLookups, LogSpec, Server, Settings, VhostAddr,
};
use crate::wasd::{stars, MapRules, MapScope, Rule, Service, Verb, WasdSite};
use crate::wasd_report::{ReportRule, WasdReport};

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
    // The report directives, carried out by `crate::wasd_report`.
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
    /// part in signatures): see [`crate::wasd_report`].
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
        let tracks = crate::wasd_track::service_tracks(w.track, false, svc.track);
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
                    match crate::wasd_report::set_rule(args[0], opt) {
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
mod tests {
    use super::*;
    use spoor_log::wasd_log::WasdLogName;

    fn load(text: &str) -> Result<Settings, ConfigError> {
        load_map(text, None)
    }

    fn load_map(text: &str, map: Option<&str>) -> Result<Settings, ConfigError> {
        wasd_settings(
            WasdSources {
                config: (text, Path::new("HTTPD$CONFIG")),
                map: map.map(|m| (m, Path::new("HTTPD$MAP"))),
            },
            Path::new("/srv/wasd"),
        )
    }

    /// The error's line and message.
    fn fails(text: &str) -> (usize, String) {
        let e = load(text).unwrap_err();
        assert_eq!(e.file(), Path::new("HTTPD$CONFIG"));
        (e.line(), e.message().to_string())
    }

    fn fails_map(map: &str) -> (usize, String) {
        let e = load_map("[Service] a.test:8080\n", Some(map)).unwrap_err();
        assert_eq!(e.file(), Path::new("HTTPD$MAP"));
        (e.line(), e.message().to_string())
    }

    #[test]
    fn seed_service_example() {
        let s = load(
            "# four services over two host names\n\
             [Service]\n\
             alpha.wasd.dsto.defence.gov.au\n\
             alpha.wasd.dsto.defence.gov.au:8080\n\
             beta.wasd.dsto.defence.gov.au\n\
             beta.wasd.dsto.defence.gov.au:8000\n",
        )
        .unwrap();
        let names: Vec<(String, u16)> = s
            .vhosts
            .iter()
            .map(|v| (v.server_name.clone().unwrap(), v.port.unwrap()))
            .collect();
        assert_eq!(
            names,
            [
                ("alpha.wasd.dsto.defence.gov.au".to_string(), 80),
                ("alpha.wasd.dsto.defence.gov.au".to_string(), 8080),
                ("beta.wasd.dsto.defence.gov.au".to_string(), 80),
                ("beta.wasd.dsto.defence.gov.au".to_string(), 8000),
            ]
        );
        // The first service is the administration service.
        assert_eq!(
            s.main.server_name.as_deref(),
            Some("alpha.wasd.dsto.defence.gov.au")
        );
        assert_eq!(s.listen, [(None, 80), (None, 8080), (None, 8000)]);
        assert_eq!(s.wasd.as_ref().unwrap().services.len(), 4);
    }

    #[test]
    fn service_forms() {
        let s = load(
            "[SERVICE] http://Alpha.Test.:8080;notrack\n\
             8081\n\
             127.0.0.1:8082\n\
             beta.test:8083;bind=127.0.0.1;track\n\
             *:8084, gamma.test:8085\n\
             [track] enabled\n",
        )
        .unwrap();
        let w = s.wasd.as_ref().unwrap();
        let local = crate::site::system_host_name().to_ascii_lowercase();
        let got: Vec<(String, u16, Option<IpAddr>, Option<bool>)> = w
            .services
            .iter()
            .map(|v| (v.host.clone(), v.port, v.bind, v.track))
            .collect();
        let lo: IpAddr = "127.0.0.1".parse().unwrap();
        assert_eq!(
            got,
            [
                ("alpha.test".to_string(), 8080, None, Some(false)),
                (local.clone(), 8081, None, None),
                ("127.0.0.1".to_string(), 8082, Some(lo), None),
                ("beta.test".to_string(), 8083, Some(lo), Some(true)),
                (local, 8084, None, None),
                ("gamma.test".to_string(), 8085, None, None),
            ]
        );
        let tracks: Vec<bool> = s.vhosts.iter().map(|v| v.wasd_track.is_some()).collect();
        assert_eq!(tracks, [false, true, true, true, true, true]);
        assert!(s.listen.contains(&(Some(lo), 8082)));
    }

    #[test]
    fn service_errors() {
        for (text, line, needle) in [
            (
                "[Service]\nhttps://a.test\n",
                2,
                "https services are not supported",
            ),
            ("[Service]\na.test:99999\n", 2, "not a port number"),
            (
                "[Service]\na.test;proxy\n",
                2,
                "proxy services are not supported",
            ),
            (
                "[Service]\na.test;frob\n",
                2,
                "unknown service parameter ';frob'",
            ),
            ("[Service]\na.test;bind=x\n", 2, "not a numeric IP address"),
            ("[Service]\na.test\n\nA.TEST:80\n", 4, "already a service"),
            ("[Service]\na b.test\n", 2, "not a host name"),
        ] {
            let (l, m) = fails(text);
            assert_eq!(l, line, "{text}: {m}");
            assert!(m.contains(needle), "{text}: {m}");
        }
    }

    #[test]
    fn general_syntax_errors() {
        for (text, line, needle) in [
            ("[Frobnicate] 1\n", 1, "unknown directive [Frobnicate]"),
            ("# c\nvalue first\n", 2, "outside any [Directive]"),
            ("[Logging\n", 1, "closing ']'"),
            (
                "[Logging] ENABLED\nDISABLED\n",
                2,
                "[Logging] takes one value",
            ),
            ("\n[Logging]\n", 2, "[Logging] needs a value"),
            ("[Logging] maybe\n", 1, "must be ENABLED or DISABLED"),
            ("[LogFormat] -!ZZ\n", 1, "[LogFormat]"),
            ("[LogPeriod] HOURLY\n", 1, "'HOURLY'"),
            ("[LogPeriod] WEEKLY\n", 1, "'WEEKLY'"),
            ("[LogNaming] FULL\n", 1, "NAME, HOST or ADDRESS"),
            ("[TrackDomain] site.org\n", 1, "[TrackDomain]"),
            ("[ServiceNotFoundURL] nowhere\n", 1, "is not a URL"),
            ("[LogExcludeHosts]\n10.0.0.*\n*.example.org\n", 3, "numeric"),
            (
                "[ErrorReportPath] x!UL.html\n",
                1,
                "[ErrorReportPath] must be a URL path",
            ),
            (
                "\n[ServerSignature] maybe\n",
                2,
                "[ServerSignature] takes ENABLED, EMAIL or DISABLED",
            ),
        ] {
            let (l, m) = fails(text);
            assert_eq!(l, line, "{text}: {m}");
            assert!(m.contains(needle), "{text}: {m}");
        }
    }

    #[test]
    fn every_flag_directive_checks_its_value() {
        for d in [
            "Logging",
            "LogPerService",
            "LogPerServiceHostOnly",
            "DNSLookup",
            "Track",
            "TrackMultiSession",
            "ReportBasicOnly",
            "ReportMetaInfo",
        ] {
            let (l, m) = fails(&format!("# flags\n[{d}] sometimes\n"));
            assert_eq!(l, 2, "{d}");
            assert!(
                m.contains(&format!("[{d}]")) && m.contains("sometimes"),
                "{d}: {m}"
            );
            assert!(
                load(&format!("[{}] disabled\n", d.to_ascii_uppercase())).is_ok(),
                "{d}"
            );
        }
        // Single-value directives refuse a second value.
        for d in [
            "LogFormat",
            "LogPeriod",
            "LogNaming",
            "TrackDomain",
            "ServerAdmin",
        ] {
            let (l, m) = fails(&format!("[{d}]\na\nb\n"));
            assert_eq!((l, m), (3, format!("[{d}] takes one value")));
        }
    }

    #[test]
    fn seed_mapping_examples_read() {
        // The package-tree, error-report-per-host and unknown-service
        // examples of the WASD chapter (the last without its exec rule,
        // which spoor refuses).
        let services = "[Service]\nalpha.wasd.dsto.gov.au\nbeta.wasd.dsto.gov.au\n\
                        gamma.wasd.dsto.gov.au\nvirtual1.host.name\nvirtual2.host.name\n\
                        virtual3.host.name\n";
        for map in [
            "# HTTPD$MAP\npass /ht_root/doc/*\npass /ht_root/src/*\npass /ht_root/example/*\n\
             pass /ht_root/exercise/*\nfail /ht_root/*\n",
            "# HTTPD$MAP\npass /ht_root/*\n",
            "[[alpha.wasd.dsto.gov.au]]\npass /errorreport.shtml /ht_root/local/alphareport.shtml\n\
             [[beta.wasd.dsto.gov.au]]\npass /errorreport.shtml /ht_root/local/betareport.shtml\n\
             [[gamma.wasd.dsto.gov.au]]\npass /errorreport.shtml /ht_root/local/gammareport.shtml\n",
            "pass /*/-/admin/*\npass /*/-/* /ht_root/runtime/*/*\n\
             [[virtual1.host.name]]\n/* /web/virtual1/*\n/ /web/virtual1/\n\
             [[virtual2.host.name]]\n/* /web/virtual2/*\n/ /web/virtual2/\n\
             [[virtual3.host.name]]\n/* /web/virtual3/*\n/ /web/virtual3/\n\
             [[*]]\n/* /web/servicenotfound.html\n",
            "# default is basic reports\nset /* report=basic\nset /internal-documents/* report=detailed\n\
             set /other/path/* report=detailed\n",
        ] {
            let s = load_map(services, Some(map)).unwrap_or_else(|e| panic!("{map}: {e}"));
            assert!(s.warnings.is_empty(), "{:?}", s.warnings);
        }
        let s = load_map(
            services,
            Some("[[beta.wasd.dsto.gov.au]]\npass /errorreport.shtml /ht_root/local/betareport.shtml\n"),
        )
        .unwrap();
        let m = &s.wasd.as_ref().unwrap().map;
        assert_eq!(
            m.map(Some(("beta.wasd.dsto.gov.au", 80)), b"/errorreport.shtml"),
            crate::wasd::Mapped::File(b"/ht_root/local/betareport.shtml".to_vec())
        );
        assert_eq!(
            m.map(Some(("alpha.wasd.dsto.gov.au", 80)), b"/errorreport.shtml"),
            crate::wasd::Mapped::Fail
        );
    }

    #[test]
    fn logging_directives() {
        // Logging off: no logs at all.
        let s = load("[Service] a.test:8080\n[LogFormat] COMBINED\n").unwrap();
        assert!(s.main.logs.is_empty());
        let s = load(
            "[Service] a.test:8080\n[Logging] ENABLED\n[LogFileName] logs/HTTPD.LOG\n\
             [LogFormat] -!CN|!RQ\n[LogExcludeHosts] 10.0.0.*, 192.168.*\n",
        )
        .unwrap();
        assert_eq!(s.main.logs.len(), 1);
        let l = &s.main.logs[0];
        assert_eq!(l.target, "logs/HTTPD.LOG");
        assert!(l.wasd_format && l.period.is_none());
        assert_eq!(s.vhosts[0].wasd_logs.as_deref(), Some(&[0][..]));
        assert!(s.log_exclude_hosts.matches("10.0.0.7", None));
        assert!(s.log_exclude_hosts.matches("192.168.1.1", None));
        // The default file and format.
        let s = load("[Service] a.test:8080\n[Logging] ENABLED\n").unwrap();
        assert_eq!(s.main.logs[0].target, DEFAULT_LOG_FILE);
        assert_eq!(s.main.logs[0].format.as_deref(), Some("COMMON"));
    }

    #[test]
    fn per_service_and_periodic_names() {
        let s = load(
            "[Service]\nwasd.dsto.defence.gov.au:80\nbeta.dsto.defence.gov.au:80\n\
             beta.dsto.defence.gov.au:443;notrack\n\
             [Logging] ENABLED\n[LogFileName] ht_logs/x.log\n\
             [LogPerService] ENABLED\n[LogPerServiceHostOnly] ENABLED\n[LogNaming] HOST\n",
        )
        .unwrap();
        let t: Vec<&str> = s.main.logs.iter().map(|l| l.target.as_str()).collect();
        assert_eq!(
            t,
            [
                "ht_logs/WASD-DSTO-DEFENCE-GOV-AU_ACCESS.LOG",
                "ht_logs/BETA-DSTO-DEFENCE-GOV-AU_ACCESS.LOG"
            ]
        );
        let per: Vec<_> = s
            .vhosts
            .iter()
            .map(|v| v.wasd_logs.clone().unwrap())
            .collect();
        assert_eq!(per, [vec![0], vec![1], vec![1]]);
        // A period without per-service logs: one file named after the
        // first service.
        let s = load(
            "[Service]\nwasd.dsto.defence.gov.au:80\nbeta.test:81\n\
             [Logging] ENABLED\n[LogFileName] ht_logs/x.log\n[LogPeriod] MONDAY\n",
        )
        .unwrap();
        assert_eq!(s.main.logs.len(), 1);
        let l = &s.main.logs[0];
        assert_eq!(
            l.wasd_name.as_ref().unwrap(),
            &WasdLogName {
                dir: "ht_logs".into(),
                host: "WASD".into(),
                port: Some(80)
            }
        );
        assert!(l.period.is_some());
        // ADDRESS naming takes a numeric service's address.
        let s = load(
            "[Service]\n127.0.0.1:8080\n[Logging] ENABLED\n[LogPerService] ENABLED\n\
             [LogNaming] ADDRESS\n",
        )
        .unwrap();
        assert_eq!(s.main.logs[0].target, "logs/127-0-0-1_8080_ACCESS.LOG");
    }

    #[test]
    fn tracking_directives() {
        let s = load(
            "[Service]\na.site.org.domain:80\nb.site.org.domain:80;notrack\n\
             [Track] ENABLED\n[TrackMultiSession] ENABLED\n[TrackDomain] .site.org.domain\n",
        )
        .unwrap();
        let t = s.vhosts[0].wasd_track.as_ref().unwrap();
        assert!(t.multi_session);
        assert_eq!(t.domain.as_ref().unwrap().as_str(), ".site.org.domain");
        assert!(s.vhosts[1].wasd_track.is_none());
        // [Track] off: ;track alone does not track.
        let s = load("[Service]\na.test;track\n").unwrap();
        assert!(s.vhosts[0].wasd_track.is_none());
    }

    #[test]
    fn add_type_entries() {
        let s = load(
            "[AddType]\n\
             .html  \"text/html; charset=ISO-8859-1\"  -  HTML (ISO-8859-1)\n\
             .TXT   text/plain   -  plain text\n\
             *  internal/x-unknown  -  text/plain\n",
        )
        .unwrap();
        let t = &s.wasd.as_ref().unwrap().types;
        assert_eq!(t.lookup(b"a.HTML"), b"text/html; charset=ISO-8859-1");
        assert_eq!(t.lookup(b"a.txt"), b"text/plain");
        assert_eq!(t.lookup(b"README.VMS"), b"text/plain");
        // Each documented catch-all form.
        for (line, default) in [
            ("*  internal/x-unknown  -", "application/octet-stream"),
            (
                "*  internal/x-unknown  -  application/octet-stream",
                "application/octet-stream",
            ),
            (
                "*  internal/x-unknown  -  something/else-entirely",
                "something/else-entirely",
            ),
        ] {
            let s = load(&format!("[AddType]\n{line}\n")).unwrap();
            assert_eq!(
                s.wasd.as_ref().unwrap().types.default_type(),
                default.as_bytes()
            );
        }
        for (text, needle) in [
            (
                "[AddType]\n.hlb text/x-script /Conan VMS Help library\n",
                "auto-scripting",
            ),
            ("[AddType]\n.html text/html\n", "needs a .suffix"),
            ("[AddType]\nhtml text/html - x\n", "not a file type"),
            ("[AddType]\n.html texthtml - x\n", "not a content type"),
            ("[AddType]\n.html \"text/html - x\n", "unterminated quote"),
            (
                "[AddType]\n* internal/x-unknown - plain text\n",
                "not a content type",
            ),
        ] {
            let (l, m) = fails(text);
            assert_eq!(l, 2, "{text}");
            assert!(m.contains(needle), "{text}: {m}");
        }
    }

    #[test]
    fn report_directives_reach_every_service() {
        use crate::wasd_report::WasdSignature;
        let s = load(
            "[Service]\na.test\nb.test\n[ServerSignature] EMAIL\n[ServerAdmin] web@a.test\n\
             [ReportBasicOnly] ENABLED\n[ReportMetaInfo] ENABLED\n\
             [ServerReportBodyTag] <BODY BGCOLOR=\"#ffffff\">\n\
             [ErrorReportPath] /ht_root/local/reporterror!UL.html\n",
        )
        .unwrap();
        for v in s.vhosts.iter().chain([&s.main]) {
            let r = v.wasd_report.as_ref().unwrap();
            assert_eq!(r.signature, WasdSignature::Email);
            assert_eq!(r.server_admin.as_deref(), Some("web@a.test"));
            assert!(r.basic_only && r.meta_info);
            assert_eq!(r.body_tag, "<BODY BGCOLOR=\"#ffffff\">");
            assert_eq!(
                r.error_page(404).as_deref(),
                Some("/ht_root/local/reporterror404.html")
            );
        }
        // Without report directives, WASD's defaults (not Apache's pages).
        let s = load("[Service] a.test\n").unwrap();
        assert_eq!(
            s.vhosts[0].wasd_report,
            Some(crate::wasd_report::WasdReport::default())
        );
    }

    #[test]
    fn admin_and_not_found_url() {
        let s = load(
            "[Service] a.test:8080\n[ServerAdmin] webmaster@a.test\n\
             [ServiceNotFoundURL]  //server.host.name/httpd/-/servicenotfound.html\n",
        )
        .unwrap();
        assert_eq!(
            s.vhosts[0].server_admin.as_deref(),
            Some("webmaster@a.test")
        );
        let w = s.wasd.as_ref().unwrap();
        assert_eq!(
            w.not_found_location().unwrap(),
            b"http://server.host.name/httpd/-/servicenotfound.html"
        );
    }

    #[test]
    fn dns_lookup_follows_the_engine() {
        // [DNSLookup] ENABLED is carried out exactly when HostnameLookups On
        // is; DISABLED always reads.
        assert!(load("[DNSLookup] DISABLED\n").is_ok());
        let apache = {
            let cfg = Config {
                directives: vec![Directive::new(
                    "HostnameLookups",
                    vec!["On".into()],
                    "x".into(),
                    1,
                )],
                server_root: "/".into(),
                defines: Vec::new(),
                warnings: Vec::new(),
            };
            Settings::from_config(&cfg).is_ok()
        };
        let r = load("\n[DNSLookup] ENABLED\n[LogExcludeHosts] *.example.org\n");
        assert_eq!(r.is_ok(), apache);
        if let Ok(s) = &r {
            // Host-name patterns are allowed once names are looked up.
            assert_eq!(s.main.dir.core.hostname_lookups, Some(HostnameLookups::On));
            assert!(s
                .log_exclude_hosts
                .matches("10.0.0.1", Some("www.example.org")));
        }
        if let Err(e) = r {
            assert_eq!(e.line(), 2);
            assert!(
                e.message().starts_with("[DNSLookup] ENABLED: "),
                "{}",
                e.message()
            );
        }
    }

    #[test]
    fn map_file() {
        let s = load_map(
            "[Service]\nvirtual1.host.name:8080\nvirtual2.host.name:8080\n",
            Some(
                "# fallback rules\n\
                 pass /*/-/* /ht_root/runtime/*/*\n\
                 set /* report=basic\n\
                 [[virtual1.host.name]]\n\
                 /* /web/virtual1/*\n\
                 set /docs/* report=detailed\n\
                 / /web/virtual1/\n\
                 [[virtual2.host.name:8080]]\n\
                 PASS /* /web/virtual2/*\n\
                 [[other.host.name]]\n\
                 fail /*\n\
                 [[*]]\n\
                 map /old/* /new/*\n\
                 /* /web/servicenotfound.html\n",
            ),
        )
        .unwrap();
        let m = &s.wasd.as_ref().unwrap().map;
        assert_eq!(m.rules.len(), 7);
        assert_eq!(
            m.rules[1].scope,
            MapScope::Host("virtual1.host.name".into())
        );
        assert_eq!(
            m.rules[3].scope,
            MapScope::Service("virtual2.host.name".into(), 8080)
        );
        assert_eq!(m.rules[5].verb, Verb::Map);
        assert_eq!(m.rules[6].scope, MapScope::All);
        // Rules for a host with no service: a warning, as WASD reports.
        assert_eq!(s.warnings.len(), 1, "{:?}", s.warnings);
        assert!(s.warnings[0].contains("HTTPD$MAP:10:"), "{:?}", s.warnings);
        // Report rules go to the services their sections apply to.
        use crate::wasd_report::ReportLevel;
        let r1 = s.vhosts[0].wasd_report.as_ref().unwrap();
        let r2 = s.vhosts[1].wasd_report.as_ref().unwrap();
        assert_eq!((r1.rules.len(), r2.rules.len()), (2, 1));
        assert_eq!(r1.level_for(b"/docs/a"), ReportLevel::Detailed);
        assert_eq!(r2.level_for(b"/docs/a"), ReportLevel::Basic);
    }

    #[test]
    fn map_errors() {
        for (text, line, needle) in [
            (
                "\nexec /cgi-bin/* /cgi-bin/*\n",
                2,
                "not supported by spoor (no scripting)",
            ),
            ("redirect /a /b\n", 1, "not supported by spoor yet"),
            ("frob /a\n", 1, "unknown mapping rule 'frob'"),
            ("pass\n", 1, "needs a path template"),
            ("pass a/b\n", 1, "must be a path"),
            ("pass /a/* http://x/*\n", 1, "proxying is not supported"),
            ("map /a/*\n", 1, "needs a result"),
            ("pass /a /b/*\n", 1, "more * than the template"),
            ("fail /a /b\n", 1, "only a template"),
            ("pass /a /b c\n", 1, "text after the result"),
            (
                "set /* nolog\n",
                1,
                "set rule option 'nolog' is not supported by spoor yet",
            ),
            (
                "set /* report=brief\n",
                1,
                "report= takes basic or detailed",
            ),
            ("set /*\n", 1, "needs an option"),
            ("[[a.test:x]]\n", 1, "not a port number"),
            ("[[a.test\n", 1, "ends with ']]'"),
        ] {
            let (l, m) = fails_map(text);
            assert_eq!(l, line, "{text}: {m}");
            assert!(m.contains(needle), "{text}: {m}");
        }
    }

    #[test]
    fn default_mapping_serves_htdocs() {
        let s = load("[Service] a.test:8080\n").unwrap();
        let m = &s.wasd.as_ref().unwrap().map;
        assert_eq!(
            m.map(Some(("a.test", 8080)), b"/x/y.html"),
            crate::wasd::Mapped::File(b"/htdocs/x/y.html".to_vec())
        );
        assert_eq!(
            s.vhosts[0].document_root.as_deref(),
            Some(Path::new("/srv/wasd"))
        );
    }
}
