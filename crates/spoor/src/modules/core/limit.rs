//! `<Limit>` and `<LimitExcept>` (core): the sections that narrow the
//! access-control directives inside them to some methods
//! ([`MethodSet`]).

use super::methods::MethodSet;
use crate::config::error::ConfigError;
use crate::config::model::{Cmd, Scope};

/// `<Limit methods>` / `<LimitExcept methods>`: the directives inside
/// apply to those methods (or to all others) only, intersected with an
/// enclosing one's.
pub(crate) fn limit_section(cmd: &mut Cmd) -> Result<(), ConfigError> {
    let d = cmd.d;
    let except = cmd.name == "limitexcept";
    let name = if except { "<LimitExcept" } else { "<Limit" };
    match cmd.scope {
        Scope::Dir => {}
        Scope::Vhost => {
            return Err(cmd.error(format!("{name} not allowed in <VirtualHost> context")))
        }
        Scope::Main => return Err(cmd.error(format!("{name} not allowed here"))),
    }
    if d.args.is_empty() {
        return Err(cmd.error(format!("{name}> directive requires additional arguments")));
    }
    if !except && d.args.iter().any(|m| m == "TRACE") {
        return Err(cmd.error("TRACE cannot be controlled by <Limit>, see TraceEnable"));
    }
    for m in &d.args {
        let b = m.as_bytes();
        let builtin = matches!(b, b"GET" | b"HEAD" | b"POST" | b"OPTIONS" | b"TRACE")
            || crate::http::method::KNOWN_METHODS.contains(&b);
        if !builtin && !cmd.settings.methods.contains(m) {
            cmd.settings.methods.push(m.clone());
        }
    }
    let new = MethodSet::of(&d.args, except);
    let old = cmd.settings.limit.clone();
    let both = old.intersect(&new);
    if both.is_empty() {
        return Err(cmd.error(format!("{name}> directive excludes all methods")));
    }
    if both == old {
        return Err(cmd.error(format!(
            "{name}> directive specifies methods already excluded"
        )));
    }
    cmd.settings.limit = both;
    let r = read_inside(cmd, d);
    cmd.settings.limit = old;
    r
}

/// Reads the directives inside a `<Limit>`, `<LimitExcept>` or
/// `<Require*>` section into the enclosing scope, up to the first error;
/// a per-directory section among them is refused with httpd's words.
pub(crate) fn read_inside(
    cmd: &mut Cmd,
    d: &crate::config::tree::Directive,
) -> Result<(), ConfigError> {
    for c in &d.children {
        match c.name.to_ascii_lowercase().as_str() {
            "files" | "filesmatch" | "directory" | "directorymatch" | "location"
            | "locationmatch"
                if c.section =>
            {
                return Err(ConfigError::directive(
                    c,
                    format!(
                        "{}> cannot occur within <Limit> or <LimitExcept> section",
                        c.command_name()
                    ),
                ))
            }
            _ => cmd.settings.apply(c, Scope::Dir, cmd.srv)?,
        }
    }
    Ok(())
}
