//! The directives of mod_usertrack.c, as `spoor -L` lists them.

use crate::modules::{Context, DirectiveDef};

/// The directives of `mod_usertrack.c` spoor accepts.
pub const DIRECTIVES: &[DirectiveDef] = &[
    DirectiveDef {
        name: "CookieTracking",
        context: Context::Anywhere,
        about: "Whether clients get a tracking cookie",
    },
    DirectiveDef {
        name: "CookieName",
        context: Context::Anywhere,
        about: "The tracking cookie's name",
    },
    DirectiveDef {
        name: "CookieDomain",
        context: Context::Anywhere,
        about: "The tracking cookie's Domain attribute",
    },
    DirectiveDef {
        name: "CookieExpires",
        context: Context::Anywhere,
        about: "How long the tracking cookie lasts",
    },
    DirectiveDef {
        name: "CookieStyle",
        context: Context::Anywhere,
        about: "The tracking cookie's syntax (Netscape, Cookie, Cookie2…)",
    },
    DirectiveDef {
        name: "CookieSameSite",
        context: Context::Anywhere,
        about: "The tracking cookie's SameSite attribute",
    },
    DirectiveDef {
        name: "CookieSecure",
        context: Context::Anywhere,
        about: "Whether the tracking cookie is marked Secure",
    },
    DirectiveDef {
        name: "CookieHttpOnly",
        context: Context::Anywhere,
        about: "Whether the tracking cookie is marked HttpOnly",
    },
];
