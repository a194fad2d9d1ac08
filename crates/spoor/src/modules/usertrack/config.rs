//! The directives of mod_usertrack.c, as `spoor -L` lists them.

use crate::config::{split_words, ConfigError, Directive, Server};
use crate::modules::{Context, DirectiveDef, Parse};
use crate::perdir::DirScope;
use crate::usertrack::{matcher, ServerTrack, Style, UserTrack};

/// Any `Cookie*` directive, into the scope's usertrack record and its
/// server's (`CookieExpires` is per server wherever it is written).
fn cookie_directive(
    srv: &mut Server,
    d: &Directive,
    _: DirScope,
) -> Result<Option<String>, ConfigError> {
    directive(&mut srv.dir.usertrack, &mut srv.usertrack, &d.name, &d.args)
        .map_err(|m| ConfigError::directive(d, m))?;
    Ok(None)
}

/// The directives of `mod_usertrack.c` spoor accepts, spelled as httpd
/// registers them (its messages use these spellings).
pub const DIRECTIVES: &[DirectiveDef] = &[
    DirectiveDef {
        name: "CookieTracking",
        context: Context::Anywhere,
        parse: Parse::Server(cookie_directive),
        about: "Whether clients get a tracking cookie",
    },
    DirectiveDef {
        name: "CookieName",
        context: Context::Anywhere,
        parse: Parse::Server(cookie_directive),
        about: "The tracking cookie's name",
    },
    DirectiveDef {
        name: "CookieDomain",
        context: Context::Anywhere,
        parse: Parse::Server(cookie_directive),
        about: "The tracking cookie's Domain attribute",
    },
    DirectiveDef {
        name: "CookieExpires",
        context: Context::Anywhere,
        parse: Parse::Server(cookie_directive),
        about: "How long the tracking cookie lasts",
    },
    DirectiveDef {
        name: "CookieStyle",
        context: Context::Anywhere,
        parse: Parse::Server(cookie_directive),
        about: "The tracking cookie's syntax (Netscape, Cookie, Cookie2…)",
    },
    DirectiveDef {
        name: "CookieSameSite",
        context: Context::Anywhere,
        parse: Parse::Server(cookie_directive),
        about: "The tracking cookie's SameSite attribute",
    },
    DirectiveDef {
        name: "CookieSecure",
        context: Context::Anywhere,
        parse: Parse::Server(cookie_directive),
        about: "Whether the tracking cookie is marked Secure",
    },
    DirectiveDef {
        name: "CookieHttpOnly",
        context: Context::Anywhere,
        parse: Parse::Server(cookie_directive),
        about: "Whether the tracking cookie is marked HttpOnly",
    },
];

/// Whether `name` (any case) is a usertrack directive.
pub fn handles(name: &str) -> bool {
    DIRECTIVES.iter().any(|d| d.name.eq_ignore_ascii_case(name))
}

/// Carries out one usertrack directive. `dir` is the record of the scope
/// the directive is in (created with defaults if the scope had none, as
/// httpd creates it), `server` the scope's server-level state. The error
/// is httpd's message.
pub fn directive(
    dir: &mut UserTrack,
    server: &mut ServerTrack,
    name: &str,
    args: &[String],
) -> Result<(), String> {
    let canonical = DIRECTIVES
        .iter()
        .find(|d| d.name.eq_ignore_ascii_case(name))
        .map_or("CookieTracking", |d| d.name);
    server.used = true;
    let rec = std::sync::Arc::make_mut(dir.0.get_or_insert_with(Default::default));
    // One non-empty argument (httpd's TAKE1).
    let take1 = |what: &str| -> Result<&str, String> {
        match args {
            [a] if !a.is_empty() => Ok(a.as_str()),
            _ => Err(format!("{canonical} takes one argument, {what}")),
        }
    };
    // httpd's FLAG: the first word must be On or Off; more are ignored.
    let flag = || -> Result<bool, String> {
        match args.first().map(|a| a.to_ascii_lowercase()).as_deref() {
            Some("on") => Ok(true),
            Some("off") => Ok(false),
            _ => Err(format!("{canonical} must be On or Off")),
        }
    };
    match canonical {
        "CookieExpires" => {
            let a = take1("an expiry date code")?;
            server.expires = Some(parse_expires(a)?);
        }
        "CookieTracking" => rec.enabled = flag()?,
        "CookieSecure" => rec.secure = flag()?,
        "CookieHttpOnly" => rec.http_only = flag()?,
        "CookieDomain" => {
            let a = take1("domain to which this cookie applies")?;
            if !a.starts_with('.') {
                return Err("CookieDomain values must begin with a dot".into());
            }
            if !a[1..].contains('.') {
                return Err("CookieDomain values must contain at least one embedded dot".into());
            }
            rec.domain = Some(a.to_string());
        }
        "CookieStyle" => {
            let a = take1("'Netscape', 'Cookie' (RFC2109), or 'Cookie2' (RFC2965)")?;
            rec.style = match a.to_ascii_lowercase().as_str() {
                "netscape" => Style::Netscape,
                "cookie" | "rfc2109" => Style::Cookie,
                "cookie2" | "rfc2965" => Style::Cookie2,
                _ => return Err(format!("Invalid CookieStyle keyword: '{a}'")),
            };
        }
        "CookieName" => {
            let a = take1("name of the tracking cookie")?;
            rec.name = a.to_string();
            rec.matcher = matcher(a);
        }
        "CookieSameSite" => {
            let a = take1("SameSite setting")?;
            rec.same_site = Some(match a.to_ascii_lowercase().as_str() {
                "strict" => "SameSite=Strict",
                "lax" => "SameSite=Lax",
                "none" => "SameSite=None",
                _ => return Err("CookieSameSite accepts 'Strict', 'Lax', or 'None'".into()),
            });
        }
        _ => unreachable!("handles() admitted only usertrack directives"),
    }
    Ok(())
}

/// C's `atol` on a string starting with a digit, then truncated to `int`
/// as httpd stores it (glibc saturates an overflow at `LONG_MAX`).
fn atol_int(s: &str) -> i32 {
    let mut v: i64 = 0;
    for b in s.bytes().take_while(u8::is_ascii_digit) {
        v = v
            .checked_mul(10)
            .and_then(|v| v.checked_add(i64::from(b - b'0')))
            .unwrap_or(i64::MAX);
        if v == i64::MAX {
            break;
        }
    }
    v as i32
}

/// `CookieExpires`: plain seconds when the text starts and ends with a
/// digit (then only the leading number counts: `"1 month 2"` is 1), else
/// `[plus] {<num> <type>}*` with httpd's prefix tests for the type. The
/// total is truncated to 32 bits as httpd's `int` (a negative result still
/// counts: a date in the past, a negative max-age).
pub fn parse_expires(arg: &str) -> Result<i32, String> {
    let b = arg.as_bytes();
    if b.first().is_some_and(u8::is_ascii_digit) && b.last().is_some_and(u8::is_ascii_digit) {
        return Ok(atol_int(arg));
    }
    let words = split_words(arg);
    let mut words = words.iter().map(String::as_str);
    let mut word = words.next().unwrap_or("");
    // Only the first letter of `plus` is compared.
    if word
        .as_bytes()
        .first()
        .is_some_and(|c| c.eq_ignore_ascii_case(&b'p'))
    {
        word = words.next().unwrap_or("");
    }
    let mut total: i64 = 0;
    while !word.is_empty() {
        if !word.as_bytes()[0].is_ascii_digit() {
            return Err("bad expires code, numeric value expected.".into());
        }
        let num = i64::from(atol_int(word));
        let ty = words.next().unwrap_or("");
        if ty.is_empty() {
            return Err("bad expires code, missing <type>".into());
        }
        let prefix = |p: &str| {
            ty.len() >= p.len() && ty.as_bytes()[..p.len()].eq_ignore_ascii_case(p.as_bytes())
        };
        let factor: i64 = if prefix("y") {
            365 * 86400
        } else if prefix("mo") {
            30 * 86400
        } else if prefix("w") {
            7 * 86400
        } else if prefix("d") {
            86400
        } else if prefix("h") {
            3600
        } else if prefix("mi") {
            60
        } else if prefix("s") {
            1
        } else {
            return Err("bad expires code, unrecognized type".into());
        };
        total = total.wrapping_add(factor.wrapping_mul(num));
        word = words.next().unwrap_or("");
    }
    Ok(total as i32)
}
