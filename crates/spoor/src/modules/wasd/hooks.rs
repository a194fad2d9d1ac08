//! WASD at request time: the mapping rules as map-to-storage (the
//! [`Wasd`] module), and the tracking token a request carries in and the
//! `Set-Cookie` its response carries out (`Cx::begin_track`, which the
//! protocol layer calls once the service is chosen, as WASD tracks every
//! request of a tracking service, refused ones included; and
//! `Cx::track_cookie`, written with the response head).

use super::site::{Mapped, WasdSite};
use crate::hooks::{Flow, Module, Phase, Phases, REALLY_FIRST};
use crate::record::{header, header_values, Cx};
use crate::site::Config;

/// WASD's mapping (`pass`, `map`, `fail`, `[ServiceNotFoundURL]`).
pub(crate) struct Wasd;

impl Module for Wasd {
    fn name(&self) -> &'static str {
        "wasd_map"
    }

    fn phases(&self, cfg: &Config) -> Phases {
        if cfg.wasd.is_some() {
            Phases::NONE.with(Phase::MapToStorage)
        } else {
            Phases::NONE
        }
    }

    fn order(&self, _p: Phase) -> i8 {
        // Before core's walk, which starts from the file the rules give.
        REALLY_FIRST
    }

    /// The rules of the request's service give the file below the
    /// ServerRoot (`reply.wasd_file`), or refuse the path (403), or
    /// redirect an unknown service; core's walk then maps the file.
    fn map_to_storage(&self, r: &mut Cx) -> Flow {
        let Some(w) = r.cfg.wasd.clone() else {
            return Flow::Declined;
        };
        if r.uri != b"*" && !r.uri.is_empty() && !r.wasd_map(&w) {
            return Flow::Status(403);
        }
        Flow::Declined
    }
}

impl Cx {
    /// WASD: an unknown service is redirected to `[ServiceNotFoundURL]`
    /// (when set); else the mapping rules of the request's service (only
    /// the rules for every service when it is unknown) give the file.
    /// Returns false when the rules refuse the path (403).
    pub(crate) fn wasd_map(&mut self, w: &WasdSite) -> bool {
        // An internal redirect maps its own path.
        self.reply.wasd_file = None;
        self.reply.wasd_root = None;
        if self.reply.wasd_unknown {
            if let Some(loc) = w.not_found_location() {
                self.reply.wasd_redirect = Some(loc);
                return true;
            }
        }
        let service = if self.reply.wasd_unknown {
            None
        } else {
            w.service(self.reply.server)
                .map(|s| (s.host.as_str(), s.port))
        };
        match w.map.map_rooted(service, &self.uri) {
            (Mapped::File(f), root) => {
                self.reply.wasd_file = Some(f);
                self.reply.wasd_root = Some(root);
                true
            }
            (Mapped::Fail, _) => false,
        }
    }

    /// WASD tracking: the request's token from its cookie, or a new one
    /// (none for a request refused before its headers were read).
    pub(crate) fn begin_track(&mut self, refused: bool) {
        let track = self.cfg.servers[self.reply.server].track.as_ref();
        if refused || track.is_none() {
            self.track.clear();
            return;
        }
        let cookies = header_values(&self.buf, &self.head, b"Cookie");
        self.track.begin(
            track,
            cookies,
            self.conn.local_addr,
            self.reply.request_time_us,
        );
    }

    /// The `Set-Cookie` of a new tracking token, with the response head.
    pub(crate) fn track_cookie(&mut self) {
        let track = self.cfg.servers[self.reply.server].track.as_ref();
        let now = self.reply.request_time_us;
        if let Some(v) = self.track.set_cookie(track, &self.host_lc, now) {
            header(&mut self.out, &mut self.reply.headers_out, b"Set-Cookie", v);
        }
    }
}
