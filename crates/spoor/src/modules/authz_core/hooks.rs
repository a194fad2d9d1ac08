//! mod_authz_core's hook: the `Require` tree of the sections that
//! matched (with mod_authz_host's providers).

use std::os::unix::ffi::OsStrExt;

use super::dirconf::{AuthzDir, Client, Event, Kind, Verdict};
use crate::errorlog::{Extra, Level, Module as LogModule};
use crate::hooks::{Flow, Module, Need, Phase, Phases, LAST};
use crate::perdir::PerDir;
use crate::record::Cx;
use crate::site::Config;

/// mod_authz_core.
pub(crate) struct AuthzCore;

impl Module for AuthzCore {
    fn name(&self) -> &'static str {
        "mod_authz_core.c"
    }

    fn phases(&self, cfg: &Config) -> Phases {
        // `Require` is read in sections only.
        if cfg.servers.iter().any(|s| s.sections.has_sections()) {
            Phases::NONE
                .with(Phase::AccessChecker)
                .with(Phase::AuthChecker)
        } else {
            Phases::NONE
        }
    }

    /// httpd hooks `Require` into the hook after the access checker
    /// (`access_checker_ex`), last: after mod_access_compat.
    fn order(&self, _p: Phase) -> i8 {
        LAST
    }

    /// The check without a user (httpd's `access_checker_ex`): granted,
    /// refused (403), or waiting for a user (`reply.authn_needed`: the
    /// check-user-id hooks authenticate, then [`Module::auth_checker`]
    /// decides).
    fn access_checker(&self, r: &mut Cx) -> Flow {
        r.reply.authn_needed = false;
        if r.uri == b"*"
            || r.reply.satisfied_any
            || !r.cfg.servers[r.reply.server].sections.has_sections()
        {
            return Flow::Declined;
        }
        // (The tree's own count is touched, not the shared settings'.)
        let authz = r.dir.authz.clone();
        if authz.section.is_none() && r.dir.authn.has_type() {
            r.elog(
                LogModule::AuthzCore,
                Level::Error,
                Extra::default(),
                "AH01627",
                |_, m| {
                    m.extend_from_slice(
                        b"AuthType configured with no corresponding authorization directives",
                    );
                },
            );
            r.reply.access_denied = true;
            r.reply.filename = true;
            return Flow::Status(500);
        }
        match r.authz_verdict(&authz, true, false) {
            Ok(Verdict::Granted) => Flow::Declined,
            Ok(Verdict::DeniedNoUser) => {
                r.reply.authn_needed = true;
                Flow::Declined
            }
            Ok(_) => {
                r.denied_log();
                r.reply.access_denied = true;
                r.reply.filename = true;
                Flow::Status(403)
            }
            Err(need) => Flow::Need(need),
        }
    }

    /// The check with the user the check-user-id hooks authenticated
    /// (httpd's `auth_checker`), for a request the first check left
    /// waiting for one.
    fn auth_checker(&self, r: &mut Cx) -> Flow {
        if !r.reply.authn_needed {
            return Flow::Declined;
        }
        r.reply.access_denied = true;
        r.reply.filename = true;
        let Some(user) = r.reply.user.clone() else {
            // httpd's core, between the two hooks. Without mod_authn_core
            // no check-user-id hook accepted the request at all.
            if !r.cfg.loaded("authn_core_module") {
                r.elog(
                    LogModule::Core,
                    Level::Crit,
                    Extra::default(),
                    "AH00025",
                    |c, m| {
                        m.extend_from_slice(b"configuration error:  couldn't check user: ");
                        m.extend_from_slice(&c.uri);
                    },
                );
                return Flow::Status(500);
            }
            r.elog(
                LogModule::Core,
                Level::Error,
                Extra::default(),
                "AH00027",
                |c, m| {
                    m.extend_from_slice(
                        b"No authentication done but request not allowed without authentication for ",
                    );
                    m.extend_from_slice(&c.uri);
                    m.extend_from_slice(b". Authentication not configured?");
                },
            );
            return Flow::Status(500);
        };
        let authz = r.dir.authz.clone();
        let v = match r.authz_verdict(&authz, true, true) {
            Ok(v) => v,
            Err(need) => return Flow::Need(need),
        };
        match v {
            Verdict::Granted => {
                r.reply.access_denied = false;
                Flow::Declined
            }
            Verdict::DeniedNoUser => {
                r.elog(
                    LogModule::AuthzCore,
                    Level::Error,
                    Extra::default(),
                    "AH01629",
                    |c, m| {
                        m.extend_from_slice(b"authorization failure (no authenticated user): ");
                        m.extend_from_slice(&c.uri);
                    },
                );
                r.note_auth_failure();
                Flow::Status(401)
            }
            Verdict::Denied | Verdict::Neutral if !r.dir.authn.has_type() => {
                r.denied_log();
                Flow::Status(403)
            }
            Verdict::Denied | Verdict::Neutral => {
                r.elog(
                    LogModule::AuthzCore,
                    Level::Error,
                    Extra::default(),
                    "AH01631",
                    |c, m| {
                        m.extend_from_slice(b"user ");
                        m.extend_from_slice(&user);
                        m.extend_from_slice(b": authorization failure for \"");
                        m.extend_from_slice(&c.uri);
                        m.extend_from_slice(b"\": ");
                    },
                );
                r.note_auth_failure();
                Flow::Status(401)
            }
        }
    }
}

impl Cx {
    /// Evaluates `authz` for the request: true when it grants or has no
    /// `Require`; a refusal is logged (AH01630, and the AH01626 debug
    /// lines of each node evaluated). A lookup not done yet is asked for
    /// when `may_wait`, else counts as failed. (A sub-request's check:
    /// the user is the request's, and a tree still wanting one refuses.)
    pub(crate) fn authz_allows(&mut self, authz: &AuthzDir, may_wait: bool) -> Result<bool, Need> {
        let v = self.authz_verdict(authz, may_wait, true)?;
        if v == Verdict::Granted {
            return Ok(true);
        }
        self.denied_log();
        Ok(false)
    }

    /// The verdict of `authz` for the request (granted when it has no
    /// `Require`, AH01628), with the AH01626/AH01625/AH01753/AH01663
    /// lines of the nodes evaluated; `with_user`: the authenticated user
    /// (if any) is seen by `user` lines, else there is none yet.
    pub(crate) fn authz_verdict(
        &mut self,
        authz: &AuthzDir,
        may_wait: bool,
        with_user: bool,
    ) -> Result<Verdict, Need> {
        let Some(root) = &authz.section else {
            let src = Extra::src("mod_authz_core.c(843)");
            self.elog(
                LogModule::AuthzCore,
                Level::Debug,
                src,
                "AH01628",
                |_, m| {
                    m.extend_from_slice(b"authorization result: granted (no directives)");
                },
            );
            return Ok(Verdict::Granted);
        };
        let debug = self.cfg.servers[self.reply.server]
            .errorlog
            .levels
            .enabled(LogModule::AuthzCore, Level::Debug);
        let debug_user = self.cfg.servers[self.reply.server]
            .errorlog
            .levels
            .enabled(LogModule::AuthzUser, Level::Debug);
        let mut lines = Vec::new();
        let client = Client {
            method: self.method(),
            ip: self.conn.peer_ip,
            local: self.conn.local_addr,
            host: self.double_reverse_name(),
            forward: &self.reply.forward_dns,
            may_wait,
            host_pending: self.double_reverse_pending(),
            user: if with_user {
                self.reply.user.as_deref()
            } else {
                None
            },
        };
        // (kind: 0 AH01626, 1 AH01625, 2 AH01753, 3 AH01663; text)
        let verdict = root.eval(&client, true, &mut |n, e| match e {
            Event::Result(v) if debug => {
                let text = format!("authorization result of {}: {}", n.describe(), v.word());
                lines.push((0, text));
            }
            Event::Limited(v) if debug => {
                let text = format!(
                    "authorization result of {}: {} (directive limited to other methods)",
                    n.describe(),
                    v.word()
                );
                lines.push((1, text));
            }
            Event::NotUser if debug_user => lines.push((3, String::new())),
            Event::Result(_) | Event::Limited(_) | Event::NotUser => {}
            Event::NoHost => {
                if let Kind::Line(_, rest) = &n.kind {
                    lines.push((2, rest.clone()));
                }
            }
        })?;
        for (kind, text) in lines {
            let (src, ah) = match kind {
                0 => ("mod_authz_core.c(815)", "AH01626"),
                1 => ("mod_authz_core.c(733)", "AH01625"),
                3 => {
                    let src = Extra::src("mod_authz_user.c(77)");
                    self.elog(
                        LogModule::AuthzUser,
                        Level::Debug,
                        src,
                        "AH01663",
                        |c, m| {
                            m.extend_from_slice(b"access to ");
                            m.extend_from_slice(&c.uri);
                            m.extend_from_slice(b" failed, reason: user '");
                            m.extend_from_slice(c.reply.user.as_deref().unwrap_or_default());
                            m.extend_from_slice(
                                b"' does not meet 'require'ments for user to be allowed access",
                            );
                        },
                    );
                    continue;
                }
                _ => {
                    let e = Extra::default();
                    self.elog(LogModule::AuthzHost, Level::Error, e, "AH01753", |c, m| {
                        m.extend_from_slice(b"access check of '");
                        m.extend_from_slice(text.as_bytes());
                        m.extend_from_slice(b"' to ");
                        m.extend_from_slice(&c.uri);
                        m.extend_from_slice(b" failed, reason: unable to get the remote host name");
                    });
                    continue;
                }
            };
            self.elog(
                LogModule::AuthzCore,
                Level::Debug,
                Extra::src(src),
                ah,
                |_, m| {
                    m.extend_from_slice(text.as_bytes());
                },
            );
        }
        Ok(verdict)
    }

    /// The access check of a sub-request (a `DirectoryIndex` candidate)
    /// under its settings `sub`: mod_access_compat, then `Require`, as
    /// `Satisfy` combines them. A sub-request cannot wait for a lookup:
    /// a name not looked up yet counts as none.
    pub(crate) fn sub_access(&mut self, sub: &PerDir) -> bool {
        if let Some(conf) = sub.access.conf.clone() {
            let allowed = self.compat_allowed(&conf, false).unwrap_or(false);
            if !allowed {
                self.compat_denied_log();
            }
            match conf.satisfy_for(self.method()) {
                super::super::access_compat::dirconf::Satisfy::Any if allowed => return true,
                super::super::access_compat::dirconf::Satisfy::Any => {}
                _ if !allowed => return false,
                _ => {}
            }
        }
        self.authz_allows(&sub.authz, false).unwrap_or(false)
    }

    /// mod_authz_core's AH01630 line for the file in `self.path`.
    pub(crate) fn denied_log(&mut self) {
        self.elog(
            LogModule::AuthzCore,
            Level::Error,
            Extra::default(),
            "AH01630",
            |c, m| {
                m.extend_from_slice(b"client denied by server configuration: ");
                m.extend_from_slice(c.path.as_os_str().as_bytes());
            },
        );
    }
}
