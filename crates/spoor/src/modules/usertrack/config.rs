//! The directives of mod_usertrack.c, as `spoor -L` lists them.

use crate::config::error::ConfigError;
use crate::config::model::Cmd;
use crate::config::tokenize::split_words;
use crate::modules::usertrack::cookie::{matcher, ServerTrack, Style, UserTrack};
use crate::modules::{Context, DirectiveDef, Parse};

/// Any `Cookie*` directive, into the scope's usertrack record and its
/// server's (`CookieExpires` is per server wherever it is written).
fn cookie_directive(cmd: &mut Cmd) -> Result<(), ConfigError> {
    let (srv, d) = (&mut *cmd.srv, cmd.d);
    directive(&mut srv.dir.usertrack, &mut srv.usertrack, &d.name, &d.args)
        .map_err(|m| ConfigError::directive(d, m))
}

/// The directives of `mod_usertrack.c` spoor accepts, spelled as httpd
/// registers them (its messages use these spellings).
pub const DIRECTIVES: &[DirectiveDef] = &[
    DirectiveDef {
        name: "CookieTracking",
        context: Context::Anywhere,
        parse: Parse::Fn(cookie_directive),
        about: "Whether clients get a tracking cookie",
    },
    DirectiveDef {
        name: "CookieName",
        context: Context::Anywhere,
        parse: Parse::Fn(cookie_directive),
        about: "The tracking cookie's name",
    },
    DirectiveDef {
        name: "CookieDomain",
        context: Context::Anywhere,
        parse: Parse::Fn(cookie_directive),
        about: "The tracking cookie's Domain attribute",
    },
    DirectiveDef {
        name: "CookieExpires",
        context: Context::Anywhere,
        parse: Parse::Fn(cookie_directive),
        about: "How long the tracking cookie lasts",
    },
    DirectiveDef {
        name: "CookieStyle",
        context: Context::Anywhere,
        parse: Parse::Fn(cookie_directive),
        about: "The tracking cookie's syntax (Netscape, Cookie, Cookie2…)",
    },
    DirectiveDef {
        name: "CookieSameSite",
        context: Context::Anywhere,
        parse: Parse::Fn(cookie_directive),
        about: "The tracking cookie's SameSite attribute",
    },
    DirectiveDef {
        name: "CookieSecure",
        context: Context::Anywhere,
        parse: Parse::Fn(cookie_directive),
        about: "Whether the tracking cookie is marked Secure",
    },
    DirectiveDef {
        name: "CookieHttpOnly",
        context: Context::Anywhere,
        parse: Parse::Fn(cookie_directive),
        about: "Whether the tracking cookie is marked HttpOnly",
    },
];

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
        _ => unreachable!("the table names this function for usertrack directives only"),
    }
    Ok(())
}

/// `CookieExpires` (see [`spoor_log::usertrack::parse_expires`]), its
/// words split as httpd splits a directive's arguments.
pub fn parse_expires(arg: &str) -> Result<i32, String> {
    let words = split_words(arg);
    spoor_log::usertrack::parse_expires(arg, words.iter().map(String::as_str))
}
