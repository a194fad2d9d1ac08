//! mod_status's handler and its count of each request.

use crate::hooks::{Flow, Module, Phase, Phases, REALLY_FIRST};
use crate::record::{header_num, Cx};
use crate::site::Config;

/// mod_status.
pub(crate) struct Status;

impl Module for Status {
    fn name(&self) -> &'static str {
        "mod_status.c"
    }

    fn phases(&self, cfg: &Config) -> Phases {
        if cfg.status.is_some() {
            Phases::NONE
                .with(Phase::Handler)
                .with(Phase::LogTransaction)
        } else {
            Phases::NONE
        }
    }

    fn order(&self, p: Phase) -> i8 {
        if p == Phase::Handler {
            REALLY_FIRST
        } else {
            crate::hooks::MIDDLE
        }
    }

    /// `server-status` requests by GET (and HEAD): the page; anything
    /// else is the next handler's, as httpd's `status_handler` declines.
    fn handler(&self, r: &mut Cx) -> Flow {
        if r.dir.core.set_handler.as_deref() != Some("server-status") {
            return Flow::Declined;
        }
        let method = r.head.method.clone().unwrap_or(0..0);
        let head_only = &r.buf[method.clone()] == b"HEAD";
        if !head_only && &r.buf[method] != b"GET" {
            return Flow::Declined;
        }
        let auto = r.reply.query.clone().is_some_and(|q| {
            r.buf[q]
                .split(|&b| b == b'&' || b == b';')
                .any(|p| p == b"auto")
        });
        let mut body = Vec::with_capacity(2048);
        super::page::render(r, auto, &mut body);
        r.start(200);
        header_num(
            &mut r.out,
            &mut r.reply.headers_out,
            b"Content-Length",
            body.len() as u64,
        );
        r.connection_headers();
        r.content_type(if auto {
            b"text/plain; charset=ISO-8859-1"
        } else {
            b"text/html; charset=ISO-8859-1"
        });
        r.out.extend_from_slice(b"\r\n");
        if !head_only {
            r.reply.bytes_sent = body.len() as u64;
            r.out.extend_from_slice(&body);
        }
        Flow::Ok
    }

    fn log_transaction(&self, r: &mut Cx) {
        let ms = crate::record::now_us().saturating_sub(r.reply.request_time_us) / 1000;
        super::board::logged(r.reply.bytes_sent, ms.max(0) as u64);
    }
}
