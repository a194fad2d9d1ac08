//! mod_access_compat's hook: `Order`, `Allow`, `Deny` of the sections
//! that matched, and `Satisfy`.
//!
//! httpd runs this check in its access-checker hook and mod_authz_core's
//! `Require` in the next one (`access_checker_ex`); how the two combine
//! depends on `Satisfy`: under `All` (or unset) a refusal here is final
//! (403), under `Any` a pass here lets the request through without
//! looking at `Require`, and a refusal leaves the decision to it.

use std::os::unix::ffi::OsStrExt;

use super::dirconf::{AccessConf, Order, Rule, Satisfy};
use crate::errorlog::{Extra, Level, Module as LogModule};
use crate::hooks::{Flow, Module, Need, Phase, Phases};
use crate::modules::authz_core::dirconf::in_domain;
use crate::modules::core::methods::MethodSet;
use crate::record::Cx;
use crate::site::Config;

/// mod_access_compat.
pub(crate) struct AccessCompat;

impl Module for AccessCompat {
    fn name(&self) -> &'static str {
        "mod_access_compat.c"
    }

    fn phases(&self, cfg: &Config) -> Phases {
        // Its directives are read in sections only.
        if cfg.servers.iter().any(|s| s.sections.has_sections()) {
            Phases::NONE.with(Phase::AccessChecker)
        } else {
            Phases::NONE
        }
    }

    fn access_checker(&self, r: &mut Cx) -> Flow {
        r.reply.satisfied_any = false;
        if r.uri == b"*" || !r.cfg.servers[r.reply.server].sections.has_sections() {
            return Flow::Declined;
        }
        let Some(conf) = r.dir.access.conf.clone() else {
            return Flow::Declined;
        };
        let allowed = match r.compat_allowed(&conf, true) {
            Ok(a) => a,
            Err(need) => return Flow::Need(need),
        };
        if !allowed {
            r.compat_denied_log();
        }
        let satisfy = conf.satisfy_for(r.method());
        match (satisfy, allowed) {
            (Satisfy::Any, true) => {
                r.reply.satisfied_any = true;
                Flow::Ok
            }
            (Satisfy::Any, false) | (_, true) => Flow::Declined,
            (_, false) => {
                r.reply.access_denied = true;
                r.reply.filename = true;
                Flow::Status(403)
            }
        }
    }
}

impl Cx {
    /// Whether `conf` lets the client in, as httpd's `Order` rules say;
    /// a host name to test while the client's name is not known yet asks
    /// for it when `may_wait` (else it counts as no name).
    pub(crate) fn compat_allowed(&self, conf: &AccessConf, may_wait: bool) -> Result<bool, Need> {
        let find = |rules: &[(MethodSet, Rule)]| self.find_rule(rules, may_wait);
        Ok(match conf.order_for(self.method()) {
            Order::AllowDeny => {
                let allow = find(&conf.allow)?;
                let deny = find(&conf.deny)?;
                allow && !deny
            }
            Order::DenyAllow => {
                let deny = find(&conf.deny)?;
                let allow = find(&conf.allow)?;
                !deny || allow
            }
            Order::MutualFailure => find(&conf.allow)? && !find(&conf.deny)?,
        })
    }

    /// Whether one of `rules` matches the request (in order: the client's
    /// name is asked for only when a name is reached).
    fn find_rule(&self, rules: &[(MethodSet, Rule)], may_wait: bool) -> Result<bool, Need> {
        let method = self.method();
        for (limit, rule) in rules {
            if !limit.contains(method) {
                continue;
            }
            let hit = match rule {
                Rule::All => true,
                Rule::Env(v) => self.env.contains(v.as_bytes()),
                Rule::NotEnv(v) => !self.env.contains(v.as_bytes()),
                Rule::Ip(s) => s.contains(self.conn.peer_ip),
                Rule::Host(h) => {
                    if may_wait && self.double_reverse_pending() {
                        return Err(Need::DoubleReverse);
                    }
                    self.double_reverse_name().is_some_and(|n| in_domain(h, n))
                }
            };
            if hit {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// The request method as sent.
    pub(crate) fn method(&self) -> &[u8] {
        self.head.method.clone().map_or(&b""[..], |m| &self.buf[m])
    }

    /// mod_access_compat's AH01797 line for the file in `self.path`.
    pub(crate) fn compat_denied_log(&mut self) {
        self.elog(
            LogModule::AccessCompat,
            Level::Error,
            Extra::default(),
            "AH01797",
            |c, m| {
                m.extend_from_slice(b"client denied by server configuration: ");
                m.extend_from_slice(c.path.as_os_str().as_bytes());
            },
        );
    }
}
