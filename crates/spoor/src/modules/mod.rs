//! The httpd modules spoor implements, one folder each: the request-phase
//! hooks each registers ([`crate::hooks`]).

pub(crate) mod authz_core;
pub(crate) mod core;
pub(crate) mod env;
pub(crate) mod log_config;
pub(crate) mod log_forensic;
pub(crate) mod mime;
pub(crate) mod setenvif;
pub(crate) mod unique_id;
pub(crate) mod usertrack;
pub(crate) mod wasd;

use crate::hooks::Module;

/// Every module with request-phase hooks (within a phase, ordered by
/// [`Module::order`], then by this list).
pub(crate) fn all() -> &'static [&'static dyn Module] {
    use crate::modules as m;
    &[
        &m::unique_id::hooks::UniqueId,
        &m::log_forensic::hooks::LogForensic,
        &m::setenvif::hooks::SetEnvIf,
        &m::wasd::hooks::Wasd,
        &m::core::hooks::Core,
        &m::authz_core::hooks::AuthzCore,
        &m::env::hooks::Env,
        &m::usertrack::hooks::UserTrack,
        &m::log_config::hooks::LogConfig,
    ]
}
