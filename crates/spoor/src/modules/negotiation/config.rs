//! The directives of mod_negotiation.c, as `spoor -L` lists them.

use super::choose::{FORCE_FALLBACK, FORCE_NONE, FORCE_PREFER};
use crate::config::error::ConfigError;
use crate::config::model::nargs;
use crate::config::model::Cmd;
use crate::modules::{Context, DirectiveDef, Parse};

/// The directives of `mod_negotiation.c`.
pub const DIRECTIVES: &[DirectiveDef] = &[
    DirectiveDef {
        name: "CacheNegotiatedDocs",
        context: Context::Server,
        parse: Parse::Fn(cache_negotiated_docs),
        about: "Whether HTTP/1.0 caches may keep negotiated answers (Off: they get an Expires of now)",
    },
    DirectiveDef {
        name: "LanguagePriority",
        context: Context::Anywhere,
        parse: Parse::Fn(language_priority),
        about: "Languages in order of preference, for ties and clients without Accept-Language",
    },
    DirectiveDef {
        name: "ForceLanguagePriority",
        context: Context::Anywhere,
        parse: Parse::Fn(force_language_priority),
        about: "None, or Prefer and/or Fallback: LanguagePriority settles ties, or stands in when no language fits",
    },
];

/// `CacheNegotiatedDocs On|Off`.
fn cache_negotiated_docs(cmd: &mut Cmd) -> Result<(), ConfigError> {
    cmd.server_only()?;
    // httpd's FLAG directives read the first word only (the rest is
    // ignored), and want one.
    let on = match cmd.d.args.first().map(|a| a.to_ascii_lowercase()) {
        Some(w) if w == "on" => true,
        Some(w) if w == "off" => false,
        _ => {
            return Err(ConfigError::directive(
                cmd.d,
                format!("{} must be On or Off", cmd.d.name),
            ))
        }
    };
    // httpd keeps a server's value only when On: Off in a virtual host
    // leaves the main server's On in force.
    if on {
        cmd.srv.dir.neg.cache = true;
    }
    Ok(())
}

/// `LanguagePriority lang…` (lines add up within a scope).
fn language_priority(cmd: &mut Cmd) -> Result<(), ConfigError> {
    nargs(
        cmd.d,
        1,
        usize::MAX,
        "space-delimited list of MIME language abbreviations",
    )?;
    let list = cmd.srv.dir.neg.priority.get_or_insert_with(Vec::new);
    list.extend(cmd.d.args.iter().cloned());
    Ok(())
}

/// `ForceLanguagePriority None|Prefer|Fallback…` (lines add up within a
/// scope; `None` mixes with nothing).
fn force_language_priority(cmd: &mut Cmd) -> Result<(), ConfigError> {
    nargs(
        cmd.d,
        1,
        usize::MAX,
        "Force LanguagePriority elections, either None, or Fallback and/or Prefer",
    )?;
    let d = cmd.d;
    let force = &mut cmd.srv.dir.neg.force;
    for w in &d.args {
        if w.eq_ignore_ascii_case("none") {
            if *force & !FORCE_NONE != 0 {
                return Err(ConfigError::directive(
                    d,
                    "Cannot combine ForceLanguagePriority options with None",
                ));
            }
            *force = FORCE_NONE;
        } else if w.eq_ignore_ascii_case("prefer") || w.eq_ignore_ascii_case("fallback") {
            let (bit, name) = if w.eq_ignore_ascii_case("prefer") {
                (FORCE_PREFER, "Prefer")
            } else {
                (FORCE_FALLBACK, "Fallback")
            };
            if *force & FORCE_NONE != 0 {
                return Err(ConfigError::directive(
                    d,
                    format!("Cannot combine ForceLanguagePriority options None and {name}"),
                ));
            }
            *force |= bit;
        } else {
            return Err(ConfigError::directive(
                d,
                format!("Invalid ForceLanguagePriority option {w}"),
            ));
        }
    }
    Ok(())
}
