use crate::hooks::{Flow, Module, Need, Phase, Phases};
use crate::modules::core::lookups::{self};
use crate::record::*;
use crate::setenv::RequestView;
use crate::site::Config;

impl Cx {
    /// The post-read-request step: runs the server's SetEnvIf rules on the
    /// request as received.
    pub(crate) fn set_env_early(&mut self) -> Result<(), crate::setenv::SubstitutionTooLong> {
        if self.cfg.servers[self.reply.server].env.rules.is_empty() {
            return Ok(());
        }
        let cfg = self.cfg.clone();
        let rules = &cfg.servers[self.reply.server].env.rules;
        let b = &self.buf[..];
        let empty: &[u8] = b"";
        let mut fields = FieldTable::new();
        header_table(b, &self.head, &mut fields);
        // Request_URI at this stage: the path as received, query removed.
        let uri = match &self.head.target {
            Some(t) => {
                let t = &b[t.clone()];
                &t[..memchr::memchr(b'?', t).unwrap_or(t.len())]
            }
            None => empty,
        };
        let view = RequestView {
            remote_host: lookups::remote_value(&self.conn.remote_host, &self.conn.client_ip),
            remote_addr: self.conn.client_ip.as_bytes(),
            server_addr: self.conn.local_ip.as_bytes(),
            method: self.head.method.clone().map_or(empty, |m| &b[m]),
            protocol: &self.head.protocol_log,
            uri,
            headers: &fields,
        };
        rules.apply(&view, &mut self.env)
    }
}

/// mod_setenvif: the server's rules after the head is read, the rules of
/// `<Directory>`/`<Location>`/`<Files>` sections as header parser.
pub(crate) struct SetEnvIf;

impl Module for SetEnvIf {
    fn name(&self) -> &'static str {
        "mod_setenvif.c"
    }

    fn phases(&self, cfg: &Config) -> Phases {
        let mut p = Phases::NONE;
        if cfg.servers.iter().any(|s| !s.env.rules.is_empty()) {
            p = p.with(Phase::PostReadRequest);
        }
        if cfg.servers.iter().any(|s| s.sections.has_sections()) {
            p = p.with(Phase::HeaderParser);
        }
        p
    }

    fn post_read_request(&self, r: &mut Cx) -> Flow {
        // (Asks for the client's name only when a rule tests it.)
        let lookups = r.dir_conf().core.hostname_lookups;
        if r.rules_need_lookup(&r.cfg.servers[r.reply.server].env.rules, lookups) {
            return Flow::Need(Need::RemoteHost(lookups));
        }
        match r.set_env_early() {
            Ok(()) => Flow::Declined,
            // A `$n` substitution over httpd's limit: 500, as AH01505.
            Err(_) => Flow::Status(500),
        }
    }

    fn header_parser(&self, r: &mut Cx) -> Flow {
        if r.uri == b"*" || !r.cfg.servers[r.reply.server].sections.has_sections() {
            return Flow::Declined;
        }
        let lookups = r.dir.core.hostname_lookups;
        if r.rules_need_lookup(&r.dir.env.rules, lookups) {
            return Flow::Need(Need::RemoteHost(lookups));
        }
        r.section_rules();
        Flow::Declined
    }
}
