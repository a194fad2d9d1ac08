//! The directives of mod_authz_core.c, as `spoor -L` lists them.

use crate::config::{Cmd, ConfigError, Scope};
use crate::modules::{Context, DirectiveDef, Parse};

/// The directives of `mod_authz_core.c` spoor accepts.
pub const DIRECTIVES: &[DirectiveDef] = &[DirectiveDef {
    name: "Require",
    context: Context::Inside,
    parse: Parse::Fn(require),
    about: "Who may access a resource (all granted, all denied)",
}];

/// `Require [not] all granted|denied` (the only provider spoor has yet);
/// several lines: any one granting grants.
fn require(cmd: &mut Cmd) -> Result<(), ConfigError> {
    let d = cmd.d;
    if cmd.scope != Scope::Dir {
        return Err(cmd.error(format!("{} not allowed here", d.name)));
    }
    let (negated, words) = match d.args.first() {
        Some(w) if w.eq_ignore_ascii_case("not") => (true, &d.args[1..]),
        _ => (false, &d.args[..]),
    };
    let provider = words.first().map(String::as_str).unwrap_or("");
    if !provider.eq_ignore_ascii_case("all") {
        return Err(cmd.error(format!("Unknown Authz provider: {provider}")));
    }
    let granted = match words.get(1).map(|w| w.to_ascii_lowercase()) {
        Some(w) if words.len() == 2 && w == "granted" => true,
        Some(w) if words.len() == 2 && w == "denied" => false,
        _ => return Err(cmd.error("Argument for 'Require all' must be 'granted' or 'denied'")),
    };
    if negated {
        return Err(cmd.error("negative Require directive has no effect in <RequireAny> directive"));
    }
    let authz = &mut cmd.srv.dir.authz;
    authz.granted = Some(authz.granted == Some(true) || granted);
    Ok(())
}
