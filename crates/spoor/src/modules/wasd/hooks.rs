//! The WASD mapping rules as translate-name / map-to-storage.

use crate::hooks::{Flow, Module, Phase, Phases, REALLY_FIRST};
use crate::record::Cx;
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
