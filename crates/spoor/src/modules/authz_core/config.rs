//! The directives of mod_authz_core.c, as `spoor -L` lists them, and the
//! `Require` providers of mod_authz_host.c and mod_authz_user.c.

use std::sync::Arc;

use super::dirconf::{AuthzDir, Kind, Merging, Node, Provider};
use crate::config::error::ConfigError;
use crate::config::model::{Cmd, Scope};
use crate::config::tree::Directive;
use crate::modules::authz_host::ip::Subnet;
use crate::modules::core::methods::MethodSet;
use crate::modules::{Context, DirectiveDef, Parse};

/// The directives of `mod_authz_core.c`, in httpd's `-L` order.
pub const DIRECTIVES: &[DirectiveDef] = &[
    DirectiveDef {
        name: "<AuthzProviderAlias",
        context: Context::Server,
        parse: Parse::Fn(not_yet),
        about: "A named provider with its own settings (not supported yet)",
    },
    DirectiveDef {
        name: "Require",
        context: Context::Inside,
        parse: Parse::Fn(require),
        about: "Who may access a resource: a provider and its arguments, optionally negated",
    },
    DirectiveDef {
        name: "<RequireAll",
        context: Context::Inside,
        parse: Parse::Fn(container),
        about: "Requirements that must all hold (none refusing, one granting)",
    },
    DirectiveDef {
        name: "<RequireAny",
        context: Context::Inside,
        parse: Parse::Fn(container),
        about: "Requirements of which one granting is enough",
    },
    DirectiveDef {
        name: "<RequireNone",
        context: Context::Inside,
        parse: Parse::Fn(container),
        about: "Requirements none of which may grant",
    },
    DirectiveDef {
        name: "AuthMerging",
        context: Context::Inside,
        parse: Parse::Fn(auth_merging),
        about: "How a section's requirements combine with the enclosing scope's (Off, And, Or)",
    },
    DirectiveDef {
        name: "AuthzSendForbiddenOnFailure",
        context: Context::Inside,
        parse: Parse::Fn(not_yet),
        about: "403 instead of 401 when authorization fails (not supported yet)",
    },
];

/// A directive of the module spoor does not carry out yet.
fn not_yet(cmd: &mut Cmd) -> Result<(), ConfigError> {
    Err(cmd.error(format!(
        "{} is not supported by spoor yet",
        cmd.d.command_name()
    )))
}

/// httpd's context check for a per-directory directive: `name` is the
/// directive as httpd registers it.
pub(crate) fn inside_only(cmd: &Cmd, name: &str) -> Result<(), ConfigError> {
    match cmd.scope {
        Scope::Dir => Ok(()),
        Scope::Vhost => Err(cmd.error(format!("{name} not allowed in <VirtualHost> context"))),
        Scope::Main => Err(cmd.error(format!("{name} not allowed here"))),
    }
}

/// The text after the first `n` words of a raw argument string (the way
/// httpd's `ap_getword_conf` leaves it: leading white space skipped).
fn after_words(raw: &str, n: usize) -> &str {
    let mut s = raw.trim_start();
    for _ in 0..n {
        let b = s.as_bytes();
        let end = match b.first() {
            Some(&q @ (b'"' | b'\'')) => {
                let mut i = 1;
                while i < b.len() && b[i] != q {
                    i += if b[i] == b'\\' && i + 1 < b.len() {
                        2
                    } else {
                        1
                    };
                }
                (i + 1).min(b.len())
            }
            _ => b
                .iter()
                .position(|c| c.is_ascii_whitespace())
                .unwrap_or(b.len()),
        };
        s = s[end..].trim_start();
    }
    s
}

/// `Require [not] provider args…`.
fn require(cmd: &mut Cmd) -> Result<(), ConfigError> {
    inside_only(cmd, "Require")?;
    let d = cmd.d;
    let (negate, words) = match d.args.first() {
        Some(w) if w.eq_ignore_ascii_case("not") => (true, &d.args[1..]),
        _ => (false, &d.args[..]),
    };
    let name = words.first().map(String::as_str).unwrap_or("");
    let args = words.get(1..).unwrap_or(&[]);
    let rest = after_words(&d.raw_args, 1 + usize::from(negate)).to_owned();
    let host_loaded = cmd.settings.loaded.contains(&"authz_host_module");
    let user_loaded = cmd.settings.loaded.contains(&"authz_user_module");
    let provider = match name {
        "all" => {
            let granted = match args {
                [w] if w.eq_ignore_ascii_case("granted") => true,
                [w] if w.eq_ignore_ascii_case("denied") => false,
                _ => {
                    return Err(
                        cmd.error("Argument for 'Require all' must be 'granted' or 'denied'")
                    )
                }
            };
            Provider::All(granted)
        }
        "ip" if host_loaded => {
            if args.is_empty() {
                return Err(cmd.error("'require ip' requires an argument"));
            }
            let mut subnets = Vec::with_capacity(args.len());
            for a in args {
                match Subnet::parse_text(a) {
                    Ok(s) => subnets.push(s),
                    Err(e) => {
                        return Err(cmd.error(match e.text() {
                            None => format!("ip address '{a}' appears to be invalid"),
                            Some(t) => format!("ip address '{a}' appears to be invalid: {t}"),
                        }))
                    }
                }
            }
            Provider::Ip(subnets)
        }
        "local" if host_loaded => Provider::Local,
        "host" | "forward-dns" if host_loaded => {
            // httpd reads these lines as ap_expr strings.
            if args.iter().any(|a| a.contains("%{") || a.contains('\\')) {
                return Err(cmd.error(format!(
                    "Require {name} with an expression ({}) is not supported by spoor yet",
                    args.join(" ")
                )));
            }
            let names = args.to_vec();
            if name == "host" {
                Provider::Host(names)
            } else {
                Provider::ForwardDns(names)
            }
        }
        "valid-user" if user_loaded => Provider::ValidUser,
        "user" if user_loaded => {
            // httpd reads the names as an ap_expr string.
            if args.iter().any(|a| a.contains("%{") || a.contains('\\')) {
                return Err(cmd.error(format!(
                    "Require user with an expression ({}) is not supported by spoor yet",
                    args.join(" ")
                )));
            }
            Provider::User(args.to_vec())
        }
        _ => return Err(cmd.error(format!("Unknown Authz provider: {name}"))),
    };
    let node = Node {
        negate,
        limited: cmd.settings.limit.clone(),
        kind: Kind::Line(provider, rest),
    };
    add_node(&mut cmd.srv.dir.authz, node, cmd.d)
}

/// Adds `node` to the container being read (the scope's implicit
/// `<RequireAny>` outside any), refusing a negated node where any child
/// may grant.
fn add_node(authz: &mut AuthzDir, node: Node, d: &Directive) -> Result<(), ConfigError> {
    let parent = authz
        .section
        .get_or_insert_with(|| Arc::new(Node::group(false, false, MethodSet::none())));
    if node.negate && parent.is_or() {
        let what = match node.kind {
            Kind::Line(..) => "negative Require".to_owned(),
            Kind::Group { .. } => node.describe(),
        };
        return Err(ConfigError::directive(
            d,
            format!(
                "{what} directive has no effect in {} directive",
                parent.describe()
            ),
        ));
    }
    let parent = Arc::make_mut(parent);
    parent.limited = parent.limited.union(&node.limited);
    if let Kind::Group { children, .. } = &mut parent.kind {
        children.push(node);
    }
    Ok(())
}

/// `<RequireAll>`, `<RequireAny>`, `<RequireNone>`: the directives inside
/// are read into a container, which joins the enclosing one.
fn container(cmd: &mut Cmd) -> Result<(), ConfigError> {
    let d = cmd.d;
    let canonical = match cmd.name {
        "requireall" => "<RequireAll",
        "requireany" => "<RequireAny",
        _ => "<RequireNone",
    };
    inside_only(cmd, canonical)?;
    if !d.args.is_empty() {
        return Err(cmd.error(format!(
            "{canonical}> directive doesn't take additional arguments"
        )));
    }
    let (and, negate) = match cmd.name {
        "requireall" => (true, false),
        "requireany" => (false, false),
        _ => (false, true),
    };
    let outer = cmd.srv.dir.authz.section.take();
    let limited = cmd.settings.limit.clone();
    cmd.srv.dir.authz.section = Some(Arc::new(Node::group(and, negate, limited.clone())));
    cmd.settings.authz_depth += 1;
    let read = crate::modules::core::limit::read_inside(cmd, d);
    let group = std::mem::replace(&mut cmd.srv.dir.authz.section, outer);
    cmd.settings.authz_depth -= 1;
    read?;
    let group = group
        .map(|g| (*g).clone())
        .unwrap_or_else(|| Node::group(and, negate, limited));
    let Kind::Group { children, .. } = &group.kind else {
        unreachable!("a container holds a group");
    };
    if children.is_empty() {
        return Err(cmd.error(format!(
            "{} directive contains no authorization directives",
            group.describe()
        )));
    }
    add_node(&mut cmd.srv.dir.authz, group, d)?;
    if cmd.settings.authz_depth == 0 {
        // httpd's check once the configuration is read, which also
        // reshapes the tree.
        if let Some(root) = &mut cmd.srv.dir.authz.section {
            let mut errors = Vec::new();
            normalize(Arc::make_mut(root), &mut errors);
            cmd.settings.check_errors.extend(errors);
        }
    }
    Ok(())
}

/// httpd's post-configuration pass over a container: a child container
/// of the same kind (not negated) is replaced by its children; a negated
/// one of the other kind (`<RequireNone>` in `<RequireAll>`) by its
/// children negated; any other is checked in turn. A container left
/// with only negated children is an error (AH01624).
fn normalize(s: &mut Node, errors: &mut Vec<String>) {
    let Kind::Group { and, children, .. } = &mut s.kind else {
        return;
    };
    let and = *and;
    let mut todo: std::collections::VecDeque<Node> = std::mem::take(children).into();
    let mut out = Vec::new();
    while let Some(mut c) = todo.pop_front() {
        let Kind::Group { and: c_and, .. } = c.kind else {
            out.push(c);
            continue;
        };
        if !c.negate && c_and == and {
            if let Kind::Group {
                children: inner, ..
            } = c.kind
            {
                for n in inner.into_iter().rev() {
                    todo.push_front(n);
                }
            }
            continue;
        }
        normalize(&mut c, errors);
        if c.negate && c_and != and {
            if let Kind::Group {
                children: inner, ..
            } = c.kind
            {
                out.extend(inner.into_iter().map(|mut n| {
                    n.negate = !n.negate;
                    n
                }));
            }
            continue;
        }
        out.push(c);
    }
    *children = out;
    if children.iter().all(|c| c.negate) {
        errors.push(format!(
            "AH01624: {} directive contains only negative authorization directives",
            s.describe()
        ));
    }
}

/// `AuthMerging Off|And|Or`.
fn auth_merging(cmd: &mut Cmd) -> Result<(), ConfigError> {
    inside_only(cmd, "AuthMerging")?;
    let [w] = cmd.d.args.as_slice() else {
        return Err(cmd.error(
            "AuthMerging takes one argument, controls how a <Directory>, <Location>, or similar directive's authorization directives are combined with those of its predecessor",
        ));
    };
    let m = match w.to_ascii_lowercase().as_str() {
        "off" => Merging::Off,
        "and" => Merging::And,
        "or" => Merging::Or,
        _ => return Err(cmd.error("AuthMerging must be one of: Off | And | Or")),
    };
    cmd.srv.dir.authz.merging = Some(m);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::after_words;

    #[test]
    fn rest_of_line() {
        assert_eq!(after_words("ip 10.1  10.2", 1), "10.1  10.2");
        assert_eq!(after_words("  not   host a", 2), "a");
        assert_eq!(after_words("local", 1), "");
        assert_eq!(after_words("\"ip\" 1", 1), "1");
    }
}
