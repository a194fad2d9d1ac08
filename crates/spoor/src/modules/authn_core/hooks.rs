//! mod_authn_core's check-user-id hook: an `AuthType` that no
//! authentication module took is an error.

use crate::errorlog::{Extra, Level, Module as LogModule};
use crate::hooks::{Flow, Module, Phase, Phases, LAST};
use crate::record::Cx;
use crate::site::Config;

/// mod_authn_core.
pub(crate) struct AuthnCore;

impl Module for AuthnCore {
    fn name(&self) -> &'static str {
        "mod_authn_core.c"
    }

    fn phases(&self, cfg: &Config) -> Phases {
        if cfg.loaded("authn_core_module") && cfg.servers.iter().any(|s| s.sections.has_sections())
        {
            Phases::NONE.with(Phase::CheckUserId)
        } else {
            Phases::NONE
        }
    }

    /// httpd hooks it last, after the schemes' modules.
    fn order(&self, _p: Phase) -> i8 {
        LAST
    }

    fn check_user_id(&self, r: &mut Cx) -> Flow {
        if !r.reply.authn_needed {
            return Flow::Declined;
        }
        // No AuthType: no authentication wanted (core then refuses the
        // request for want of a user).
        let Some(name) = r
            .dir
            .authn
            .type_name
            .clone()
            .filter(|_| r.dir.authn.has_type())
        else {
            return Flow::Ok;
        };
        r.elog(
            LogModule::AuthnCore,
            Level::Error,
            Extra::default(),
            "AH01796",
            |_, m| {
                m.extend_from_slice(b"AuthType ");
                m.extend_from_slice(name.as_bytes());
                m.extend_from_slice(b" configured without corresponding module");
            },
        );
        Flow::Status(500)
    }
}
