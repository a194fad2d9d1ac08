//! The directives of mod_usertrack.c, as `spoor -L` lists them.

use crate::config::{ConfigError, Directive, Server};
use crate::modules::{Context, DirectiveDef, Parse};
use crate::perdir::DirScope;

/// Any `Cookie*` directive, into the scope's usertrack record and its
/// server's (`CookieExpires` is per server wherever it is written).
fn cookie_directive(
    srv: &mut Server,
    d: &Directive,
    _: DirScope,
) -> Result<Option<String>, ConfigError> {
    crate::usertrack::directive(&mut srv.dir.usertrack, &mut srv.usertrack, &d.name, &d.args)
        .map_err(|m| ConfigError::directive(d, m))?;
    Ok(None)
}

/// The directives of `mod_usertrack.c` spoor accepts.
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
