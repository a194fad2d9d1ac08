//! The parse functions of core.c's and http_core.c's directives, named in
//! the tables of [`super::config`].

use std::net::IpAddr;

use crate::config::model::{flag, host_port, limit_number, nargs, number, seconds};
use crate::config::{CanonicalName, HostnameLookups, Signature};
use crate::config::{Cmd, ConfigError, Scope, Tokens};
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
