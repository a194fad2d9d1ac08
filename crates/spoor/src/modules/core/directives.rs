//! The parse functions of core.c's and http_core.c's directives, named in
//! the tables of [`super::config`].

use std::net::IpAddr;

use crate::config::error::ConfigError;
use crate::config::model::{flag, host_port, limit_number, nargs, number, seconds};
use crate::config::model::{Cmd, Scope};
use crate::config::values::{CanonicalName, HostnameLookups, Signature};
use crate::config::values::{Tokens, TraceEnable};
use crate::perdir::ErrorDoc;
use crate::static_files::RangeLimit;

type Done = Result<(), ConfigError>;

/// `Listen [addr:]port [protocol]`.
pub(crate) fn listen(cmd: &mut Cmd) -> Done {
    cmd.global_only()?;
    let d = cmd.d;
    nargs(
        d,
        1,
        2,
        "A port number or a numeric IP address and a port number, and an optional protocol",
    )?;
    let (host, port) = match host_port(&d.args[0]) {
        (h, Some(p)) => (Some(h), p.to_string()),
        (p, None) => (None, p),
    };
    let port: u16 = port
        .parse()
        .ok()
        .filter(|&p| p != 0)
        .ok_or_else(|| cmd.error("Port must be specified"))?;
    let ip = match host.as_deref() {
        None | Some("*") | Some("") => None,
        Some(h) => Some(
            h.parse::<IpAddr>()
                .map_err(|_| cmd.error(format!("Could not resolve host name {h} -- ignoring!")))?,
        ),
    };
    cmd.settings.listen.push((ip, port));
    Ok(())
}

/// `PidFile path`, relative to ServerRoot.
pub(crate) fn pid_file(cmd: &mut Cmd) -> Done {
    cmd.global_only()?;
    nargs(cmd.d, 1, 1, "A file for logging the server process ID")?;
    cmd.settings.pid_file = Some(cmd.settings.root_relative(&cmd.d.args[0]));
    Ok(())
}

/// `ServerTokens`: an unknown word is `Full`, as httpd.
pub(crate) fn server_tokens(cmd: &mut Cmd) -> Done {
    cmd.global_only()?;
    nargs(cmd.d, 1, 1, "Tokens: Prod, Major, Minor, Min, OS, Full")?;
    cmd.settings.tokens = match cmd.d.args[0].to_ascii_lowercase().as_str() {
        "os" => Tokens::Os,
        "min" | "minimal" => Tokens::Minimal,
        "minor" => Tokens::Minor,
        "major" => Tokens::Major,
        "prod" | "productonly" => Tokens::Prod,
        _ => Tokens::Full,
    };
    Ok(())
}

/// `LimitRequestLine`, `LimitRequestFieldSize`, `LimitRequestFields`.
pub(crate) fn limit_request(cmd: &mut Cmd) -> Done {
    cmd.server_only()?;
    let d = cmd.d;
    let limits = &mut cmd.srv.limits;
    match cmd.name {
        "limitrequestline" => {
            limits.request_line = Some(limit_number(
                d,
                "Limit on maximum size of an HTTP request line",
            )?)
        }
        "limitrequestfieldsize" => {
            limits.field_size = Some(limit_number(
                d,
                "Limit on maximum size of an HTTP request header field",
            )?)
        }
        _ => {
            limits.fields = Some(limit_number(
                d,
                "Limit (0 = unlimited) on max number of header fields in a request message",
            )?)
        }
    }
    Ok(())
}

/// `ServerName [scheme://]host[:port]`.
pub(crate) fn server_name(cmd: &mut Cmd) -> Done {
    cmd.server_only()?;
    nargs(cmd.d, 1, 1, "The hostname and port of the server")?;
    let (h, p) = host_port(&cmd.d.args[0]);
    let h = h
        .split_once("://")
        .map_or(h.as_str(), |(_, rest)| rest)
        .to_ascii_lowercase();
    cmd.srv.server_name = Some(h);
    if let Some(p) = p {
        cmd.srv.port = Some(
            p.parse()
                .map_err(|_| cmd.error("The port number must be in the range 1 to 65535"))?,
        );
    }
    Ok(())
}

/// `ServerAlias name…`, in a virtual host only.
pub(crate) fn server_alias(cmd: &mut Cmd) -> Done {
    if cmd.scope != Scope::Vhost {
        return Err(cmd.error("ServerAlias only used in <VirtualHost>"));
    }
    nargs(
        cmd.d,
        1,
        usize::MAX,
        "A name or names alternately used to access the server",
    )?;
    cmd.srv
        .aliases
        .extend(cmd.d.args.iter().map(|a| a.to_ascii_lowercase()));
    Ok(())
}

/// `ServerAdmin`.
pub(crate) fn server_admin(cmd: &mut Cmd) -> Done {
    cmd.server_only()?;
    nargs(cmd.d, 1, 1, "The email address of the server administrator")?;
    cmd.srv.server_admin = Some(cmd.d.args[0].clone());
    Ok(())
}

/// `DocumentRoot`, which must be a readable directory when read.
pub(crate) fn document_root(cmd: &mut Cmd) -> Done {
    cmd.server_only()?;
    nargs(cmd.d, 1, 1, "Root directory of the document tree")?;
    let p = cmd.settings.root_relative(&cmd.d.args[0]);
    if !p.is_dir() {
        return Err(cmd.error(format!(
            "DocumentRoot '{}' is not a directory, or is not readable",
            p.display()
        )));
    }
    cmd.srv.document_root = Some(p);
    Ok(())
}

/// `ErrorLog file|"|program"` (syslog is not supported yet).
pub(crate) fn error_log(cmd: &mut Cmd) -> Done {
    cmd.server_only()?;
    nargs(cmd.d, 1, 1, "The filename of the error log")?;
    let a = &cmd.d.args[0];
    if a.eq_ignore_ascii_case("syslog") || a.to_ascii_lowercase().starts_with("syslog:") {
        return Err(cmd.error(format!(
            "ErrorLog {a} is not supported by spoor yet (use a file or a piped logger)"
        )));
    }
    cmd.srv.error_log = Some(a.clone());
    Ok(())
}

/// `LogLevel [module:]level…`: validated now, applied in order.
pub(crate) fn log_level(cmd: &mut Cmd) -> Done {
    let d = cmd.d;
    if cmd.scope == Scope::Dir {
        // httpd takes a per-directory LogLevel; spoor's error log has one
        // level set per server.
        let what = if d.args.is_empty() {
            d.command_name()
        } else {
            format!("{} {}", d.name, d.args.join(" "))
        };
        return Err(cmd.error(format!("{what} is not supported by spoor yet")));
    }
    nargs(d, 1, usize::MAX, "Level of verbosity in error logging")?;
    crate::errorlog::LogLevels::default()
        .apply(&d.args)
        .map_err(|m| cmd.error(m))?;
    // Each LogLevel line applies after the ones before it. (Appended in
    // place: a copy per line would make many LogLevel lines quadratic.)
    let args = d.args.join(" ");
    match &mut cmd.srv.log_level {
        Some(prev) => {
            prev.push(' ');
            prev.push_str(&args);
        }
        None => cmd.srv.log_level = Some(args),
    }
    Ok(())
}

/// `Timeout seconds`.
pub(crate) fn timeout(cmd: &mut Cmd) -> Done {
    cmd.server_only()?;
    cmd.srv.timeout = Some(seconds(cmd.d, "Timeout duration (sec)")?);
    Ok(())
}

/// `KeepAlive On|Off`.
pub(crate) fn keep_alive(cmd: &mut Cmd) -> Done {
    cmd.server_only()?;
    cmd.srv.keepalive = Some(flag(
        cmd.d,
        "Whether persistent connections should be On or Off",
    )?);
    Ok(())
}

/// `KeepAliveTimeout seconds`.
pub(crate) fn keep_alive_timeout(cmd: &mut Cmd) -> Done {
    cmd.server_only()?;
    cmd.srv.keepalive_timeout = Some(seconds(cmd.d, "Keep-Alive timeout duration (sec)")?);
    Ok(())
}

/// `MaxKeepAliveRequests n` (0: no limit).
pub(crate) fn max_keep_alive_requests(cmd: &mut Cmd) -> Done {
    cmd.server_only()?;
    cmd.srv.max_keepalive = Some(number(
        cmd.d,
        "Maximum number of Keep-Alive requests per connection, or 0 for infinite",
    )?);
    Ok(())
}

/// `Options [+|-]option…`.
pub(crate) fn options(cmd: &mut Cmd) -> Done {
    let d = cmd.d;
    cmd.srv
        .dir
        .core
        .options
        .apply(&d.args)
        .map_err(|m| ConfigError::directive(d, m))
}

/// `ErrorDocument code text|/local|URL|default`.
pub(crate) fn error_document(cmd: &mut Cmd) -> Done {
    let d = cmd.d;
    if d.args.len() != 2 {
        return Err(
            cmd.error("ErrorDocument takes two arguments, Change responses for HTTP errors")
        );
    }
    let code: u16 = d.args[0]
        .parse()
        .ok()
        .filter(|c| (100..600).contains(c))
        .ok_or_else(|| cmd.error(format!("Unsupported HTTP response code {}", d.args[0])))?;
    let msg = &d.args[1];
    if msg.contains("%{") || msg.contains('$') || msg.contains('\\') {
        return Err(cmd.error(format!(
            "ErrorDocument {code} {msg}: expressions in ErrorDocument are not supported by spoor yet"
        )));
    }
    let doc = if msg.eq_ignore_ascii_case("default") {
        ErrorDoc::Default
    } else if msg.contains(' ') {
        ErrorDoc::Text(msg.clone())
    } else if msg.starts_with('/') {
        ErrorDoc::Local(msg.clone())
    } else if is_url(msg) {
        if code == 401 {
            let at = format!("{}:{}", d.file.display(), d.line);
            cmd.warn(format_args!(
                "AH00113: {at} cannot use a full URL in a 401 ErrorDocument directive --- ignoring!"
            ));
            return Ok(());
        }
        ErrorDoc::Remote(msg.clone())
    } else {
        ErrorDoc::Text(msg.clone())
    };
    let docs = &mut cmd.srv.dir.core.error_documents;
    docs.retain(|(c, _)| *c != code);
    docs.push((code, doc));
    Ok(())
}

/// httpd's `ap_is_url`: a scheme (letters, digits, `+ - .`) then `:`.
fn is_url(s: &str) -> bool {
    match s.find(':') {
        Some(i) if i > 0 => s[..i]
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'-' || b == b'.'),
        _ => false,
    }
}

/// `LimitRequestBody bytes`.
pub(crate) fn limit_request_body(cmd: &mut Cmd) -> Done {
    let d = cmd.d;
    if d.args.len() != 1 {
        return Err(cmd.error("LimitRequestBody takes one argument, Limit (in bytes) on maximum size of request message body"));
    }
    let a = &d.args[0];
    if a.starts_with('-') || a.is_empty() || !a.bytes().all(|b| b.is_ascii_digit()) {
        return Err(cmd.error("LimitRequestBody requires a non-negative integer."));
    }
    let v: u64 = a
        .parse()
        .ok()
        .filter(|v| *v <= i64::MAX as u64)
        .ok_or_else(|| cmd.error("LimitRequestBody argument is not parsable."))?;
    cmd.srv.dir.core.limit_request_body = Some(v);
    Ok(())
}

/// `MaxRanges`, `MaxRangeOverlaps`, `MaxRangeReversals`.
pub(crate) fn max_ranges(cmd: &mut Cmd) -> Done {
    let d = cmd.d;
    let (canonical, what) = match cmd.name {
        "maxranges" => ("MaxRanges", "Ranges"),
        "maxrangeoverlaps" => ("MaxRangeOverlaps", "overlaps in Ranges"),
        _ => ("MaxRangeReversals", "reversals in Ranges"),
    };
    if d.args.len() != 1 {
        return Err(cmd.error(format!(
            "{canonical} takes one argument, Maximum number of {what} in a request before returning the entire resource, or 0 for unlimited"
        )));
    }
    let v = RangeLimit::parse(&d.args[0]).ok_or_else(|| {
        cmd.error(format!(
            "{canonical} requires 'none', 'default', 'unlimited' or a positive integer"
        ))
    })?;
    let core = &mut cmd.srv.dir.core;
    let slot = match cmd.name {
        "maxranges" => &mut core.max_ranges,
        "maxrangeoverlaps" => &mut core.max_range_overlaps,
        _ => &mut core.max_range_reversals,
    };
    *slot = Some(v);
    Ok(())
}

/// `ServerSignature On|Off|EMail`.
pub(crate) fn server_signature(cmd: &mut Cmd) -> Done {
    let d = cmd.d;
    if d.args.len() != 1 {
        return Err(cmd.error(
            "ServerSignature takes one argument, En-/disable server signature (on|off|email)",
        ));
    }
    cmd.srv.dir.core.signature = Some(match d.args[0].to_ascii_lowercase().as_str() {
        "on" => Signature::On,
        "off" => Signature::Off,
        "email" => Signature::Email,
        _ => return Err(cmd.error("ServerSignature: use one of: off | on | email")),
    });
    Ok(())
}

/// `UseCanonicalName On|Off|DNS`.
pub(crate) fn use_canonical_name(cmd: &mut Cmd) -> Done {
    let d = cmd.d;
    if d.args.len() != 1 {
        return Err(cmd.error("UseCanonicalName takes one argument, How to work out the ServerName : Port when constructing URLs"));
    }
    cmd.srv.dir.core.canonical_name = Some(match d.args[0].to_ascii_lowercase().as_str() {
        "on" => CanonicalName::On,
        "off" => CanonicalName::Off,
        "dns" => CanonicalName::Dns,
        _ => return Err(cmd.error("parameter must be 'on', 'off', or 'dns'")),
    });
    Ok(())
}

/// `HostnameLookups On|Off|Double`.
pub(crate) fn hostname_lookups(cmd: &mut Cmd) -> Done {
    let d = cmd.d;
    if d.args.len() != 1 {
        return Err(cmd.error("HostnameLookups takes one argument, \"on\" to enable, \"off\" to disable reverse DNS lookups, or \"double\" to enable double-reverse DNS lookups"));
    }
    cmd.srv.dir.core.hostname_lookups = Some(match d.args[0].to_ascii_lowercase().as_str() {
        "on" => HostnameLookups::On,
        "off" => HostnameLookups::Off,
        "double" => HostnameLookups::Double,
        _ => return Err(cmd.error("parameter must be 'on', 'off', or 'double'")),
    });
    Ok(())
}

/// `DefaultRuntimeDir dir`: must be a directory (relative to ServerRoot).
/// spoor keeps no run-time files (no scoreboard, no lock files), so it is
/// only checked and kept.
pub(crate) fn default_runtime_dir(cmd: &mut Cmd) -> Done {
    let d = cmd.d;
    // httpd carries it out while reading the files: a read-phase error.
    if d.args.len() != 1 {
        return Err(ConfigError::read(
            &d.file,
            d.line,
            "DefaultRuntimeDir takes one argument, Common directory for run-time files (shared memory, locks, etc.)",
        ));
    }
    let p = cmd.settings.root_relative(&d.args[0]);
    if !p.is_dir() {
        return Err(ConfigError::read(
            &d.file,
            d.line,
            "DefaultRuntimeDir must be a valid directory, absolute or relative to ServerRoot",
        ));
    }
    cmd.settings.runtime_dir = Some(p);
    Ok(())
}

/// httpd's list of mutex mechanisms, as its messages give it.
const MUTEX_MECHANISMS: &str = "(Mutex mechanisms are: 'none', 'default', 'flock:/path/to/file', 'fcntl:/path/to/file', 'file:/path/to/file', 'pthread', 'sysvsem', 'posixsem', 'sem')";

/// `Mutex mechanism [type…]`: checked as httpd checks it, then a warning:
/// spoor is one process and takes no lock between processes.
pub(crate) fn mutex(cmd: &mut Cmd) -> Done {
    cmd.global_only()?;
    let d = cmd.d;
    let Some(mech) = d.args.first() else {
        return Err(cmd.error(format!(
            "Mutex requires at least a mechanism argument {MUTEX_MECHANISMS}"
        )));
    };
    let (kind, dir) = match mech.split_once(':') {
        Some((k, dir)) => (k.to_ascii_lowercase(), Some(dir)),
        None => (mech.to_ascii_lowercase(), None),
    };
    let known = match kind.as_str() {
        "none" | "default" | "pthread" | "sysvsem" | "posixsem" | "sem" => dir.is_none(),
        "flock" | "fcntl" | "file" => true,
        _ => false,
    };
    if !known {
        return Err(cmd.error(format!("Invalid Mutex argument {mech} {MUTEX_MECHANISMS}")));
    }
    if let Some(dir) = dir {
        if !std::path::Path::new(dir).is_absolute() || !std::path::Path::new(dir).is_dir() {
            return Err(cmd.error(format!("Invalid Mutex directory in argument {mech}")));
        }
    }
    // The mutex types are those the loaded modules register; spoor's
    // modules register none, so only `default` (all of them) is valid.
    if let Some(t) = d.args[1..]
        .iter()
        .find(|t| !t.eq_ignore_ascii_case("default"))
    {
        return Err(cmd.error(format!("Mutex type {t} is not valid")));
    }
    cmd.warn("Mutex has no effect: spoor is one process and takes no lock between processes");
    Ok(())
}

/// `TraceEnable on|off|extended`, per server.
pub(crate) fn trace_enable(cmd: &mut Cmd) -> Done {
    cmd.server_only()?;
    let d = cmd.d;
    nargs(
        d,
        1,
        1,
        "'on' (default), 'off' or 'extended' to trace request body content",
    )?;
    cmd.srv.trace_enable =
        Some(match d.args[0].to_ascii_lowercase().as_str() {
            "on" => TraceEnable::On,
            "off" => TraceEnable::Off,
            "extend" | "extended" => return Err(cmd.error(
                "TraceEnable extended is not supported by spoor yet (it would echo request bodies)",
            )),
            _ => return Err(cmd.error("TraceEnable must be one of 'on', 'off', or 'extended'")),
        });
    Ok(())
}

/// `AccessFileName name…`: kept; spoor reads no `.htaccess` files, which
/// is what httpd does while every `AllowOverride` is `None` (its default,
/// and the only value spoor accepts).
pub(crate) fn access_file_name(cmd: &mut Cmd) -> Done {
    cmd.server_only()?;
    if !cmd.d.args.is_empty() {
        cmd.settings.access_file_names = cmd.d.args.clone();
    }
    Ok(())
}

/// `AllowOverride`: in `<Directory>` only (useless elsewhere, as httpd
/// warns); `None` is accepted, anything that would have httpd read
/// `.htaccess` files is refused until spoor reads them.
pub(crate) fn allow_override(cmd: &mut Cmd) -> Done {
    if let Some(done) = useless_override(cmd) {
        return done;
    }
    let d = cmd.d;
    // The effect of the words in order, as httpd applies them.
    let mut any = false;
    for w in &d.args {
        let (word, value) = match w.split_once('=') {
            Some((k, v)) => (k, Some(v)),
            None => (w.as_str(), None),
        };
        match word.to_ascii_lowercase().as_str() {
            "none" if value.is_none() => any = false,
            "all" | "authconfig" | "fileinfo" | "indexes" | "limit" if value.is_none() => {
                any = true
            }
            "options" => {
                for o in value.into_iter().flat_map(|v| v.split(',')) {
                    if !is_option_name(o) {
                        return Err(cmd.error(format!("Illegal option {o}")));
                    }
                }
                any = true;
            }
            "nonfatal" if value.is_some() => {}
            _ => return Err(cmd.error(format!("Illegal override option {w}"))),
        }
    }
    if any {
        return Err(cmd.error(format!(
            "AllowOverride {} is not supported by spoor yet (it reads no .htaccess files; use AllowOverride None)",
            d.args.join(" ")
        )));
    }
    Ok(())
}

/// `AllowOverrideList`: `None` (or nothing) is accepted; a directive
/// spoor knows is refused (it would be read from `.htaccess` files); an
/// unknown one is discarded with httpd's warning.
pub(crate) fn allow_override_list(cmd: &mut Cmd) -> Done {
    if let Some(done) = useless_override(cmd) {
        return done;
    }
    let d = cmd.d;
    if d.args.len() == 1 && d.args[0].eq_ignore_ascii_case("none") {
        return Ok(());
    }
    for a in &d.args {
        if crate::modules::directive(a, |_| true).is_some() {
            return Err(cmd.error(format!(
                "AllowOverrideList {a} is not supported by spoor yet (it reads no .htaccess files)"
            )));
        }
        let at = format!("{}:{}", d.file.display(), d.line);
        cmd.warn(format_args!(
            "AH00116: Discarding unrecognized directive `{a}' in AllowOverrideList at {at}"
        ));
    }
    Ok(())
}

/// httpd's handling of `AllowOverride*` outside `<Directory>`: not
/// allowed at server level, a warning (and no effect) in `<Location>` and
/// `<Files>`.
fn useless_override(cmd: &mut Cmd) -> Option<Done> {
    if cmd.scope != Scope::Dir {
        return Some(Err(cmd.error(format!("{} not allowed here", cmd.d.name))));
    }
    if cmd.settings.section_kind != Some(crate::perdir::SectionKind::Directory) {
        let (file, line) = (cmd.d.file.display().to_string(), cmd.d.line);
        cmd.warn(format_args!(
            "AH00114: Useless use of AllowOverride in line {line} of {file}."
        ));
        return Some(Ok(()));
    }
    None
}

/// Whether `o` names an option `AllowOverride Options=` may list.
fn is_option_name(o: &str) -> bool {
    matches!(
        o.to_ascii_lowercase().as_str(),
        "indexes"
            | "includes"
            | "includesnoexec"
            | "followsymlinks"
            | "symlinksifownermatch"
            | "execcgi"
            | "multiviews"
            | "all"
            | "none"
    )
}

/// `MaxConnectionsPerChild` / `MaxRequestsPerChild n`: spoor has no child
/// processes to replace, which is what 0 (httpd's default) means; any
/// other value says so.
pub(crate) fn max_connections_per_child(cmd: &mut Cmd) -> Done {
    cmd.global_only()?;
    let what = if cmd.name == "maxrequestsperchild" {
        "Maximum number of connections a particular child serves before dying. (DEPRECATED, use MaxConnectionsPerChild)"
    } else {
        "Maximum number of connections a particular child serves before dying."
    };
    nargs(cmd.d, 1, 1, what)?;
    if crate::modules::mpm::settings::atoi(&cmd.d.args[0]) != 0 {
        let name = cmd.d.name.clone();
        cmd.warn(format_args!(
            "{name} has no effect: spoor has no child processes to replace"
        ));
    }
    Ok(())
}

/// `ForceType type|None`.
pub(crate) fn force_type(cmd: &mut Cmd) -> Done {
    nargs(
        cmd.d,
        1,
        1,
        "a mime type that overrides other configured type",
    )?;
    cmd.srv.dir.core.force_type = Some(cmd.d.args[0].to_ascii_lowercase());
    Ok(())
}

/// `SetHandler name|None` (spoor's only handler is the default one, which
/// serves the file whatever the name, as httpd's does for a handler no
/// module claims).
pub(crate) fn set_handler(cmd: &mut Cmd) -> Done {
    nargs(
        cmd.d,
        1,
        1,
        "a handler name that overrides any other configured handler",
    )?;
    cmd.srv.dir.core.set_handler = Some(cmd.d.args[0].to_ascii_lowercase());
    Ok(())
}

/// `SetOutputFilter FILTER[;FILTER…]` (core's, any case): the filters
/// inserted for every response of the scope. spoor has `DEFLATE`; a name
/// it does not have is refused (httpd accepts any name and logs AH00082
/// when a request cannot add it).
pub(crate) fn set_output_filter(cmd: &mut Cmd) -> Done {
    nargs(
        cmd.d,
        1,
        1,
        "filter (or ; delimited list of filters) to be run on the request content",
    )?;
    let mut list = Vec::new();
    for name in cmd.d.args[0].split(';').filter(|n| !n.is_empty()) {
        if name.eq_ignore_ascii_case("deflate") {
            let p = crate::modules::filter::dirconf::Provider::Deflate;
            if !list.contains(&p) {
                list.push(p);
            }
        } else {
            return Err(cmd.error(format!(
                "SetOutputFilter {name}: the output filter {name} is not supported by spoor yet"
            )));
        }
    }
    cmd.srv.dir.core.set_output_filter = Some(list);
    cmd.settings.output_filters = true;
    Ok(())
}

/// `AddDefaultCharset On|Off|charset`.
pub(crate) fn add_default_charset(cmd: &mut Cmd) -> Done {
    nargs(
        cmd.d,
        1,
        1,
        "The name of the default charset to add to any Content-Type without one or 'Off' to disable",
    )?;
    let a = &cmd.d.args[0];
    cmd.srv.dir.core.default_charset = Some(if a.eq_ignore_ascii_case("off") {
        None
    } else if a.eq_ignore_ascii_case("on") {
        Some("iso-8859-1".to_string())
    } else {
        Some(a.clone())
    });
    Ok(())
}

/// `ExtendedStatus On|Off` (main server only).
pub(crate) fn extended_status(cmd: &mut Cmd) -> Done {
    cmd.global_only()?;
    cmd.settings.extended_status = Some(match cmd.d.args.first().map(|a| a.to_ascii_lowercase()) {
        Some(a) if a == "on" && cmd.d.args.len() == 1 => true,
        Some(a) if a == "off" && cmd.d.args.len() == 1 => false,
        _ => return Err(cmd.error("ExtendedStatus must be On or Off")),
    });
    Ok(())
}
