//! mod_env's hook: `SetEnv` and `UnsetEnv` of the request's scope.

use crate::hooks::{Flow, Module, Phase, Phases};
use crate::record::Cx;
use crate::site::Config;

/// mod_env.
pub(crate) struct Env;

impl Module for Env {
    fn name(&self) -> &'static str {
        "mod_env.c"
    }

    fn phases(&self, _cfg: &Config) -> Phases {
        // (`SetEnv` may appear in any scope; where none does the merged
        // settings are empty and applying them is a length check.)
        Phases::NONE.with(Phase::Fixups)
    }

    fn fixups(&self, r: &mut Cx) -> Flow {
        let Cx { dir, env, .. } = r;
        dir.env.settings.apply(env);
        Flow::Declined
    }
}
