//! The directives of mod_alias.c, as `spoor -L` lists them, and their
//! parse functions (messages as `apache2 -t` prints them).

use regex::bytes::Regex;

use super::settings::{prefix_match, Entry, Pattern};
use crate::config::error::ConfigError;
use crate::config::model::{Cmd, Scope};
use crate::modules::{Context, DirectiveDef, Parse};

type Done = Result<(), ConfigError>;

/// `Alias*` in a `<Directory>`, `<Location>` or `<Files>` section:
/// httpd's message (the one-argument `Alias` of a `<Location>` is not
/// carried out yet).
fn section_check(cmd: &Cmd) -> Done {
    if cmd.scope != Scope::Dir {
        return Ok(());
    }
    let d = cmd.d;
    if cmd.settings.section_kind == Some(crate::perdir::SectionKind::Files) {
        return Err(cmd.error(format!("{} cannot occur within <Files> section", d.name)));
    }
    if d.args.len() == 2 {
        return Err(cmd.error(format!("{} cannot occur within directory context", d.name)));
    }
    Err(cmd.error(format!(
        "{} with one argument in a <Location> is not supported by spoor yet",
        d.name
    )))
}

/// A file path spoor can serve from: absolute.
fn absolute(cmd: &Cmd, path: &str) -> Done {
    if path.starts_with('/') {
        Ok(())
    } else {
        Err(cmd.error(format!(
            "{} with the relative path {path} is not supported by spoor yet (give an absolute path)",
            cmd.d.name
        )))
    }
}

/// A regular expression as httpd compiles one (`ap_pregcomp`).
fn regex(cmd: &Cmd, re: &str) -> Result<Regex, ConfigError> {
    Regex::new(re).map_err(|_| cmd.error("Regular expression could not be compiled."))
}

/// `Alias URL-path file-path`.
fn alias(cmd: &mut Cmd) -> Done {
    let d = cmd.d;
    if d.args.is_empty() || d.args.len() > 2 {
        return Err(cmd.error(
            "Alias takes 1-2 arguments, a fakename and a realname, or a realname in a Location",
        ));
    }
    section_check(cmd)?;
    if d.args.len() == 1 {
        return Err(cmd.error("Alias must have two arguments when used globally"));
    }
    let (fake, real) = (&d.args[0], &d.args[1]);
    absolute(cmd, real)?;
    // httpd warns when an earlier entry already takes every URI this one
    // would.
    let earlier = cmd.srv.alias.aliases.iter().find_map(|e| match &e.pattern {
        Pattern::Prefix(p) => prefix_match(fake.as_bytes(), p.as_bytes()).map(|_| "Alias"),
        Pattern::Regex(re) => re.is_match(fake.as_bytes()).then_some("AliasMatch"),
    });
    if let Some(kind) = earlier {
        let at = format!("{} at line {}", d.file.display(), d.line);
        cmd.warn(format_args!(
            "AH00671: The Alias directive in {at} will probably never match because it overlaps an earlier {kind}."
        ));
    }
    cmd.srv.alias.aliases.push(Entry {
        pattern: Pattern::Prefix(fake.clone()),
        target: Some(real.clone()),
        status: 0,
        whole: false,
    });
    Ok(())
}

/// `AliasMatch regex file-path`.
fn alias_match(cmd: &mut Cmd) -> Done {
    let d = cmd.d;
    if d.args.len() != 2 {
        return Err(
            cmd.error("AliasMatch takes two arguments, a regular expression and a filename")
        );
    }
    section_check(cmd)?;
    absolute(cmd, &d.args[1])?;
    let re = regex(cmd, &d.args[0])?;
    cmd.srv.alias.aliases.push(Entry {
        pattern: Pattern::Regex(re),
        target: Some(d.args[1].clone()),
        status: 0,
        whole: false,
    });
    Ok(())
}

/// `ScriptAlias`, `ScriptAliasMatch` (refused until spoor runs CGI),
/// `RedirectRelative`, `AliasPreservePath` (not carried out yet).
fn not_yet(cmd: &mut Cmd) -> Done {
    let why = if cmd.name.starts_with("script") {
        " (it runs no CGI programs)"
    } else {
        ""
    };
    Err(cmd.error(format!("{} is not supported by spoor yet{why}", cmd.d.name)))
}

/// `Redirect`, `RedirectMatch`, `RedirectPermanent`, `RedirectTemp`:
/// `[status] URL-path|regex [URL]`.
fn redirect(cmd: &mut Cmd) -> Done {
    let d = cmd.d;
    let name = cmd.name;
    let regex_form = name == "redirectmatch";
    let usage = match name {
        "redirectmatch" => "RedirectMatch takes two or three arguments, an optional status, then a regular expression and destination URL",
        "redirectpermanent" => "RedirectPermanent takes two arguments, a document to be redirected, then the destination URL",
        "redirecttemp" => "RedirectTemp takes two arguments, a document to be redirected, then the destination URL",
        _ => "Redirect takes one, two or three arguments, an optional status, then document to be redirected and destination URL",
    };
    let fixed = match name {
        "redirectpermanent" => Some(301),
        "redirecttemp" => Some(302),
        _ => None,
    };
    let args = &d.args;
    // In a plain `<Location>`, one argument less: the section's path is
    // the URL-path.
    let location = if regex_form || cmd.scope != Scope::Dir {
        None
    } else {
        cmd.settings.location_path.clone()
    };
    let count_ok = match (fixed, regex_form) {
        (Some(_), _) => args.len() == 2 || (location.is_some() && args.len() == 1),
        (None, true) => (2..=3).contains(&args.len()),
        (None, false) => (1..=3).contains(&args.len()),
    };
    if !count_ok {
        return Err(cmd.error(usage));
    }
    // The status: a keyword or a number first, when there is one.
    let keyword = |w: &str| -> Option<u16> {
        match w.to_ascii_lowercase().as_str() {
            "permanent" => Some(301),
            "temp" => Some(302),
            "seeother" => Some(303),
            "gone" => Some(410),
            _ => None,
        }
    };
    let (status, rest) = match fixed {
        Some(s) => (s, &args[..]),
        None => {
            let first = &args[0];
            if let Some(s) = keyword(first) {
                (s, &args[1..])
            } else if first.bytes().all(|b| b.is_ascii_digit()) && !first.is_empty() {
                (first.parse::<u16>().unwrap_or(0), &args[1..])
            } else if args.len() == 3 {
                return Err(cmd.error("Redirect: invalid first argument (of three)"));
            } else {
                (302, &args[..])
            }
        }
    };
    let (from, url, whole) = match (rest, &location) {
        // `<Location /p> Redirect URL` (or a status alone).
        ([], Some(p)) => (p, None, true),
        ([url], Some(p)) if is_url(url) || url.starts_with('/') => (p, Some(url), true),
        // The same form in `<Directory>`, `<Files>` or `<LocationMatch>`.
        ([] | [_], None) if cmd.scope == Scope::Dir => {
            return Err(cmd.error(format!(
                "{} without a URL-path outside a plain <Location> is not supported by spoor yet",
                d.name
            )))
        }
        ([from], _) => (from, None, false),
        ([from, url], _) => (from, Some(url), false),
        _ => return Err(cmd.error(usage)),
    };
    let redirect_status = (300..=399).contains(&status);
    match url {
        None if redirect_status => return Err(cmd.error("URL to redirect to is missing")),
        Some(_) if !redirect_status => {
            return Err(cmd.error("Redirect URL not valid for this status"))
        }
        Some(u) if !is_url(u) && !u.starts_with('/') => {
            return Err(cmd.error("Redirect to non-URL"))
        }
        _ => {}
    }
    // The statuses spoor has httpd's page for (405 and 501 carry an
    // `Allow` header httpd fills oddly for a redirect; 304 no page).
    let page = crate::http::pages::reason(status) != "Unknown";
    if !page || matches!(status, 304 | 405 | 501) || status < 300 {
        return Err(cmd.error(format!(
            "{} with status {status} is not supported by spoor yet",
            d.name
        )));
    }
    let pattern = if regex_form {
        Pattern::Regex(regex(cmd, from)?)
    } else {
        Pattern::Prefix(from.clone())
    };
    let entry = Entry {
        pattern,
        target: url.cloned(),
        status,
        whole,
    };
    // A section's lines are checked in its fixups (mod_alias's
    // `fixup_redir`), the server's at translate-name.
    if cmd.scope == Scope::Dir {
        cmd.srv.dir.alias.redirects.push(entry);
    } else {
        cmd.srv.alias.redirects.push(entry);
    }
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

/// The directives of `mod_alias.c` spoor accepts.
pub const DIRECTIVES: &[DirectiveDef] = &[
    DirectiveDef {
        name: "Alias",
        context: Context::Anywhere,
        parse: Parse::Fn(alias),
        about: "A URL-path served from a file-system path",
    },
    DirectiveDef {
        name: "ScriptAlias",
        context: Context::Anywhere,
        parse: Parse::Fn(not_yet),
        about: "Not supported by spoor yet (CGI)",
    },
    DirectiveDef {
        name: "Redirect",
        context: Context::Anywhere,
        parse: Parse::Fn(redirect),
        about: "A URL-path redirected to a URL, or answered with a status",
    },
    DirectiveDef {
        name: "AliasMatch",
        context: Context::Server,
        parse: Parse::Fn(alias_match),
        about: "URL-paths matching a regular expression served from file-system paths",
    },
    DirectiveDef {
        name: "ScriptAliasMatch",
        context: Context::Server,
        parse: Parse::Fn(not_yet),
        about: "Not supported by spoor yet (CGI)",
    },
    DirectiveDef {
        name: "RedirectMatch",
        context: Context::Anywhere,
        parse: Parse::Fn(redirect),
        about: "URL-paths matching a regular expression redirected",
    },
    DirectiveDef {
        name: "RedirectTemp",
        context: Context::Anywhere,
        parse: Parse::Fn(redirect),
        about: "A URL-path redirected with 302",
    },
    DirectiveDef {
        name: "RedirectPermanent",
        context: Context::Anywhere,
        parse: Parse::Fn(redirect),
        about: "A URL-path redirected with 301",
    },
    DirectiveDef {
        name: "RedirectRelative",
        context: Context::Anywhere,
        parse: Parse::Fn(not_yet),
        about: "Not supported by spoor yet (relative redirect targets as-is)",
    },
    DirectiveDef {
        name: "AliasPreservePath",
        context: Context::Anywhere,
        parse: Parse::Fn(not_yet),
        about: "Not supported by spoor yet (the full path after the fakename)",
    },
];
