//! The directives of mod_access_compat.c, as `spoor -L` lists them
//! (httpd registers three of them in lower case).

use super::dirconf::{Order, Rule, Satisfy};
use crate::config::error::ConfigError;
use crate::config::model::Cmd;
use crate::modules::authz_core::config::inside_only;
use crate::modules::authz_host::ip::{Subnet, SubnetError};
use crate::modules::{Context, DirectiveDef, Parse};

/// The directives of `mod_access_compat.c`, in httpd's `-L` order.
pub const DIRECTIVES: &[DirectiveDef] = &[
    DirectiveDef {
        name: "order",
        context: Context::Inside,
        parse: Parse::Fn(order),
        about: "Which of Allow and Deny is applied last",
    },
    DirectiveDef {
        name: "allow",
        context: Context::Inside,
        parse: Parse::Fn(allow_deny),
        about: "Clients let in: from all, addresses, ranges, host names, env=VAR",
    },
    DirectiveDef {
        name: "deny",
        context: Context::Inside,
        parse: Parse::Fn(allow_deny),
        about: "Clients refused: from all, addresses, ranges, host names, env=VAR",
    },
    DirectiveDef {
        name: "Satisfy",
        context: Context::Inside,
        parse: Parse::Fn(satisfy),
        about: "Whether both the host rules and Require must pass, or either",
    },
];

/// `Order allow,deny|deny,allow|mutual-failure`.
fn order(cmd: &mut Cmd) -> Result<(), ConfigError> {
    inside_only(cmd, "order")?;
    let [w] = cmd.d.args.as_slice() else {
        return Err(
            cmd.error("order takes one argument, 'allow,deny', 'deny,allow', or 'mutual-failure'")
        );
    };
    let o = match w.to_ascii_lowercase().as_str() {
        "allow,deny" => Order::AllowDeny,
        "deny,allow" => Order::DenyAllow,
        "mutual-failure" => Order::MutualFailure,
        _ => return Err(cmd.error("unknown order")),
    };
    let limit = cmd.settings.limit.clone();
    cmd.srv.dir.access.conf_mut().order.push((limit, o));
    Ok(())
}

/// One word after `from`, as httpd sorts it: `env=!VAR`, `env=VAR`,
/// `all`, an address with `/`, an address, else a host name.
fn rule(w: &str) -> Result<Rule, String> {
    let lower = w.get(..5).map(str::to_ascii_lowercase);
    if lower.as_deref() == Some("env=!") {
        return Ok(Rule::NotEnv(w[5..].to_owned()));
    }
    if w.get(..4).is_some_and(|p| p.eq_ignore_ascii_case("env=")) {
        return Ok(Rule::Env(w[4..].to_owned()));
    }
    if w.eq_ignore_ascii_case("all") {
        return Ok(Rule::All);
    }
    if let Some((ip, mask)) = w.split_once('/') {
        return match Subnet::parse(ip, Some(mask)) {
            Ok(s) => Ok(Rule::Ip(s)),
            Err(SubnetError::NotAddress) => Err("An IP address was expected".into()),
            Err(e) => Err(e.text().unwrap_or_default().into()),
        };
    }
    match Subnet::parse(w, None) {
        Ok(s) => Ok(Rule::Ip(s)),
        Err(SubnetError::NotAddress) => Ok(Rule::Host(w.to_owned())),
        Err(e) => Err(e.text().unwrap_or_default().into()),
    }
}

/// `Allow from …`, `Deny from …`.
fn allow_deny(cmd: &mut Cmd) -> Result<(), ConfigError> {
    let allow = cmd.name == "allow";
    let name = if allow { "allow" } else { "deny" };
    inside_only(cmd, name)?;
    let args = &cmd.d.args;
    if args.len() < 2 {
        return Err(cmd.error(format!(
            "{name} requires at least two arguments, 'from' followed by hostnames or IP-address wildcards"
        )));
    }
    if !args[0].eq_ignore_ascii_case("from") {
        return Err(cmd.error("allow and deny must be followed by 'from'"));
    }
    let mut rules = Vec::with_capacity(args.len() - 1);
    for w in &args[1..] {
        let r = rule(w).map_err(|m| cmd.error(m))?;
        rules.push((cmd.settings.limit.clone(), r));
    }
    let conf = cmd.srv.dir.access.conf_mut();
    if allow {
        conf.allow.extend(rules);
    } else {
        conf.deny.extend(rules);
    }
    Ok(())
}

/// `Satisfy All|Any`.
fn satisfy(cmd: &mut Cmd) -> Result<(), ConfigError> {
    inside_only(cmd, "Satisfy")?;
    let [w] = cmd.d.args.as_slice() else {
        return Err(cmd.error(
            "Satisfy takes one argument, access policy if both allow and require used ('all' or 'any')",
        ));
    };
    let s = match w.to_ascii_lowercase().as_str() {
        "all" => Satisfy::All,
        "any" => Satisfy::Any,
        _ => return Err(cmd.error("Satisfy either 'any' or 'all'.")),
    };
    let limit = cmd.settings.limit.clone();
    cmd.srv.dir.access.conf_mut().satisfy.push((limit, s));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_sorted_as_httpd() {
        assert_eq!(rule("ALL"), Ok(Rule::All));
        assert_eq!(rule("env=!x"), Ok(Rule::NotEnv("x".into())));
        assert_eq!(rule("Env=y"), Ok(Rule::Env("y".into())));
        assert_eq!(rule("env="), Ok(Rule::Env(String::new())));
        assert_eq!(rule("1.2.3.x"), Ok(Rule::Host("1.2.3.x".into())));
        assert_eq!(rule("example.com"), Ok(Rule::Host("example.com".into())));
        assert!(matches!(rule("10.1"), Ok(Rule::Ip(_))));
        assert_eq!(rule("foo/8"), Err("An IP address was expected".into()));
        assert_eq!(
            rule("1..2"),
            Err("The specified IP address is invalid.".into())
        );
        assert_eq!(
            rule("1.2.3.4/33"),
            Err("The specified network mask is invalid.".into())
        );
    }
}
