//! The core module's hooks: map-to-storage (the directory walk) and the
//! default handler (static files, OPTIONS, TRACE, 405/501 for other
//! methods).

use crate::errorlog::{Extra, Level, Module as LogModule};
use crate::hooks::{Flow, Module, Phase, Phases};
use crate::http::pages::Detail;
use crate::http::request::Version;
use crate::record::{Cx, KNOWN_METHODS};
use crate::site::Config;

/// httpd's core (core.c, http_core.c).
pub(crate) struct Core;

impl Module for Core {
    fn name(&self) -> &'static str {
        "core.c"
    }

    fn phases(&self, _cfg: &Config) -> Phases {
        Phases::NONE.with(Phase::MapToStorage).with(Phase::Handler)
    }

    fn map_to_storage(&self, r: &mut Cx) -> Flow {
        r.map_to_storage()
    }

    /// The default handler: OPTIONS and TRACE answered, GET, HEAD and
    /// POST served from the file, 405 for other methods httpd knows, 501
    /// for the rest; `*` is only a target for OPTIONS.
    fn handler(&self, r: &mut Cx) -> Flow {
        let http09 = r.head.version == Version::Http09;
        let method = r.head.method.clone().unwrap_or(0..0);
        let m = &r.buf[method];
        let head_only = m == b"HEAD";
        if m == b"OPTIONS" {
            r.options();
        } else if m == b"TRACE" {
            r.trace();
        } else if m != b"GET" && m != b"HEAD" && m != b"POST" {
            let m = m.to_vec();
            // (A method a `<Limit>` named is registered, as httpd does.)
            let known =
                KNOWN_METHODS.contains(&&m[..]) || r.cfg.methods.iter().any(|k| k.as_bytes() == m);
            let status = if known { 405 } else { 501 };
            if !known {
                r.elog(
                    LogModule::Core,
                    Level::Error,
                    Extra::default(),
                    "AH00135",
                    |c, m| {
                        m.extend_from_slice(b"Invalid method in request ");
                        m.extend_from_slice(&c.buf[c.head.line.clone()]);
                    },
                );
            }
            r.error_response(status, Detail::Method(&m), http09);
        } else if r.uri == b"*" {
            r.error_response(400, Detail::None, http09);
        } else {
            // The body, if it comes from the file, is in `r.body`.
            r.static_file(head_only, http09);
            if r.reply.unindexed {
                // A directory without an index: mod_autoindex's.
                return Flow::Declined;
            }
        }
        Flow::Ok
    }
}
