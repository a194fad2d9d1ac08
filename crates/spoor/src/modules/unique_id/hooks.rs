//! mod_unique_id's hooks: a `UNIQUE_ID` for every request.

use crate::hooks::{Flow, Module, Phase, Phases, REALLY_FIRST};
use crate::record::Cx;
use crate::site::Config;

/// mod_unique_id.
pub(crate) struct UniqueId;

impl Module for UniqueId {
    fn name(&self) -> &'static str {
        "mod_unique_id.c"
    }

    fn phases(&self, cfg: &Config) -> Phases {
        if cfg.unique_ids {
            Phases::NONE
                .with(Phase::CreateRequest)
                .with(Phase::PostReadRequest)
        } else {
            Phases::NONE
        }
    }

    fn order(&self, _p: Phase) -> i8 {
        // Before mod_log_forensic, whose record carries the id.
        REALLY_FIRST
    }

    /// The id, stamped with the request's time (it is also `%L`): every
    /// request, a refused one included.
    fn create_request(&self, r: &mut Cx) {
        let t = r.reply.request_time_us.div_euclid(1_000_000);
        let id = spoor_log::unique_id::UniqueIds::global().next(t);
        r.ids.set_unique(id);
    }

    /// `UNIQUE_ID` in the environment.
    fn post_read_request(&self, r: &mut Cx) -> Flow {
        if let Some(u) = r.ids.unique() {
            let u = u.to_vec();
            r.env.set(b"UNIQUE_ID", &u);
        }
        Flow::Declined
    }
}
