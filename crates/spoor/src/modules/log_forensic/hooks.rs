use std::io;

use crate::errorlog::{Extra, Level, Module};
use crate::hooks::{self, Flow, Phase, Phases, REALLY_FIRST, REALLY_LAST};
use crate::http::request::Version;
use crate::record::now_us;
use crate::record::*;
use crate::site::Config;

impl Cx {
    /// The post-read-request step: the `+` record in the server's forensic log. A record that cannot be
    /// written stops the server before the request is served.
    pub(crate) fn forensic_begin(&mut self) {
        let Some(log) = &self.cfg.servers[self.reply.server].forensic else {
            return;
        };
        let b = &self.buf[..];
        let head = &self.head;
        // An absolute-form target's host stands in for Host: the name in
        // lower case without a trailing dot, the port as written.
        let mut host = Vec::new();
        let mut fields = FieldTable::new();
        header_table(b, head, &mut fields);
        // (An HTTP/0.9 request has no header table to change.)
        let http09 = head.version == Version::Http09;
        if let (true, false, Some(h)) = (self.reply.host_from_uri, http09, self.reply.vhost.clone())
        {
            let h = &b[h];
            let split = if h.first() == Some(&b'[') {
                memchr::memchr(b']', h).map_or(h.len(), |p| p + 1)
            } else {
                memchr::memrchr(b':', h).unwrap_or(h.len())
            };
            let name = &h[..split];
            let name = name.strip_suffix(b".").unwrap_or(name);
            host.extend(name.iter().map(u8::to_ascii_lowercase));
            host.extend_from_slice(&h[split..]);
        }
        if !host.is_empty() {
            if let Some(f) = fields
                .iter_mut()
                .find(|f| f.0.eq_ignore_ascii_case(b"Host"))
            {
                f.1 = &host[..];
            }
        }
        // The request line as `%r` logs it (extra white space of an
        // HTTP/0.9 line dropped).
        let mut line = Vec::new();
        let raw = &b[head.line.clone()];
        let request_line = if head.rebuilt {
            rebuild_line(b, head, &mut line);
            &line[..]
        } else {
            raw
        };
        let time_s = now_us().div_euclid(1_000_000);
        let unique = self.ids.unique();
        let r = self
            .forensic
            .begin(log.clone(), unique, time_s, request_line, &fields);
        drop(fields);
        if let Err(e) = r {
            let log = self.cfg.servers[self.reply.server].forensic.clone();
            self.forensic_failed(log.as_deref().expect("the log written to"), e);
        }
        // `%{forensic-id}n`.
        let Cx {
            forensic, notes, ..
        } = self;
        if let Some(id) = forensic.note() {
            notes.set(b"forensic-id", id);
        }
    }

    /// After the access logs: the `-` record.
    pub(crate) fn forensic_end(&mut self) {
        if let Err((log, e)) = self.forensic.end() {
            self.forensic_failed(&log, e);
        }
    }

    /// A forensic record could not be written: report it and stop.
    pub(crate) fn forensic_failed(
        &mut self,
        log: &spoor_log::forensic::ForensicLog,
        e: io::Error,
    ) -> ! {
        let extra = e.raw_os_error().map_or(Extra::default(), Extra::errno);
        let msg = crate::modules::log_forensic::state::failure_message(log, &e);
        self.elog(Module::LogForensic, Level::Crit, extra, "", |_, m| {
            m.extend_from_slice(msg.as_bytes())
        });
        crate::modules::log_forensic::state::stop(&self.cfg.sinks, log, &e)
    }
}

/// mod_log_forensic: `+` before the request is served, `-` after it is
/// logged.
pub(crate) struct LogForensic;

impl hooks::Module for LogForensic {
    fn name(&self) -> &'static str {
        "mod_log_forensic.c"
    }

    fn phases(&self, cfg: &Config) -> Phases {
        if cfg.servers.iter().any(|s| s.forensic.is_some()) {
            Phases::NONE
                .with(Phase::PostReadRequest)
                .with(Phase::LogTransaction)
        } else {
            Phases::NONE
        }
    }

    fn order(&self, p: Phase) -> i8 {
        // First before the request, last after it (httpd's order).
        if p == Phase::LogTransaction {
            REALLY_LAST
        } else {
            REALLY_FIRST
        }
    }

    fn post_read_request(&self, r: &mut Cx) -> Flow {
        r.forensic_begin();
        Flow::Declined
    }

    fn log_transaction(&self, r: &mut Cx) {
        r.forensic_end();
    }
}
