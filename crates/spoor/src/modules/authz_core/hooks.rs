//! mod_authz_core's hook: `Require` of the sections that matched.

use crate::hooks::{Flow, Module, Phase, Phases};
use crate::record::Cx;
use crate::site::Config;

/// mod_authz_core (`Require all granted|denied`).
pub(crate) struct AuthzCore;

impl Module for AuthzCore {
    fn name(&self) -> &'static str {
        "mod_authz_core.c"
    }

    fn phases(&self, cfg: &Config) -> Phases {
        // `Require` is read in sections only.
        if cfg.servers.iter().any(|s| s.sections.has_sections()) {
            Phases::NONE.with(Phase::AccessChecker)
        } else {
            Phases::NONE
        }
    }

    fn access_checker(&self, r: &mut Cx) -> Flow {
        r.access_check()
    }
}
