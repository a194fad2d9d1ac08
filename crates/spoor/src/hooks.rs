//! Request phases and the modules hooked into them, in httpd's order.
//!
//! A module implements [`Module`]: one method per phase, each defaulting
//! to "declined". [`Hooks::build`] asks every module once per
//! configuration which phases it has work in ([`Module::phases`]) and
//! keeps, per phase, the list of those modules in order; the protocol
//! layer ([`crate::proto::h1`]) runs a phase's list at the point httpd
//! runs it. A module the configuration does not use is in no list, so it
//! costs nothing per request.
//!
//! Hooks are synchronous, as httpd's. A hook that needs a name lookup
//! first (DNS, which spoor never does on a thread that serves requests)
//! returns [`Flow::Need`]; the protocol layer does the lookup and calls
//! the same hook again, so everything it did before asking must be safe
//! to repeat.

use crate::record::Cx;
use crate::site::Config;

/// The request phases, in the order httpd runs them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Phase {
    /// A request record was created (httpd's `create_request`): every
    /// request, a refused one included.
    CreateRequest,
    /// The head was read and the server chosen (`post_read_request`).
    PostReadRequest,
    /// The URI becomes a file name or a redirect (`translate_name`):
    /// mod_alias here; the document root's translation is core's, done
    /// with its walk in map-to-storage when no module translated.
    TranslateName,
    /// The file name is walked (`map_to_storage`: core's directory walk
    /// and per-directory settings; WASD's mapping rules).
    MapToStorage,
    /// Per-directory header checks (`header_parser`).
    HeaderParser,
    /// Host-based access control (`access_checker`; `Require` of
    /// mod_authz_core runs here too while no authentication module
    /// exists).
    AccessChecker,
    /// Authentication (`check_user_id`).
    CheckUserId,
    /// Authorisation (`auth_checker`).
    AuthChecker,
    /// Content type, language, encoding (`type_checker`).
    TypeChecker,
    /// Last changes before the handler (`fixups`).
    Fixups,
    /// The handler that produces the response (`handler`).
    Handler,
    /// The response head on its way out (httpd's output filters on
    /// their first call: a module may change the headers in
    /// `reply.headers_out` and insert body filters; the protocol layer
    /// then writes the head from the table, framed for the body the
    /// filters produce).
    OutputFilter,
    /// The response is complete (`log_transaction`).
    LogTransaction,
}

impl Phase {
    /// Every phase, in order.
    pub(crate) const ALL: [Phase; 13] = [
        Phase::CreateRequest,
        Phase::PostReadRequest,
        Phase::TranslateName,
        Phase::MapToStorage,
        Phase::HeaderParser,
        Phase::AccessChecker,
        Phase::CheckUserId,
        Phase::AuthChecker,
        Phase::TypeChecker,
        Phase::Fixups,
        Phase::Handler,
        Phase::OutputFilter,
        Phase::LogTransaction,
    ];

    /// httpd's name of the hook.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Phase::CreateRequest => "create_request",
            Phase::PostReadRequest => "post_read_request",
            Phase::TranslateName => "translate_name",
            Phase::MapToStorage => "map_to_storage",
            Phase::HeaderParser => "header_parser",
            Phase::AccessChecker => "access_checker",
            Phase::CheckUserId => "check_user_id",
            Phase::AuthChecker => "auth_checker",
            Phase::TypeChecker => "type_checker",
            Phase::Fixups => "fixups",
            Phase::Handler => "handler",
            Phase::OutputFilter => "output_filter",
            Phase::LogTransaction => "log_transaction",
        }
    }

    fn bit(self) -> u16 {
        1 << self as u16
    }
}

/// A set of phases ([`Module::phases`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Phases(u16);

impl Phases {
    /// No phase.
    pub(crate) const NONE: Phases = Phases(0);

    /// This set and `p`.
    pub(crate) const fn with(self, p: Phase) -> Phases {
        Phases(self.0 | 1 << p as u16)
    }

    /// Whether `p` is in the set.
    pub(crate) fn has(self, p: Phase) -> bool {
        self.0 & p.bit() != 0
    }
}

pub(crate) use crate::dns::Need;

/// What a hook did, as httpd's hook results.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[must_use]
pub(crate) enum Flow {
    /// Nothing to do here (`DECLINED`): the next module runs.
    Declined,
    /// Done its part (`OK`): in a run-all phase the next module runs; in
    /// a run-first phase (map-to-storage, type checker, handler) the
    /// phase ends.
    Ok,
    /// Refused with this status: the protocol layer sends its error
    /// response (or the `ErrorDocument`).
    Status(u16),
    /// Call again once this lookup is done.
    Need(Need),
}

/// One module's hooks. Every method has a default that declines, so a
/// module implements only its phases (and lists them in
/// [`Module::phases`]).
pub(crate) trait Module: Sync {
    /// httpd's name of the module (`mod_x.c`).
    fn name(&self) -> &'static str;

    /// The phases this module has work in under `cfg` (none: it is in no
    /// list and costs nothing).
    fn phases(&self, cfg: &Config) -> Phases;

    /// Where this module's hook for `p` runs among the others in that
    /// phase, as httpd's hook order: `REALLY_FIRST` -10, `FIRST` 0,
    /// `MIDDLE` 10, `LAST` 20, `REALLY_LAST` 30 (equal values keep the
    /// order of `server::hook_modules`).
    fn order(&self, _p: Phase) -> i8 {
        MIDDLE
    }

    /// A request record was created.
    fn create_request(&self, _r: &mut Cx) {}

    /// The head was read and the server chosen.
    fn post_read_request(&self, _r: &mut Cx) -> Flow {
        Flow::Declined
    }

    /// The URI becomes a file name (set `r.reply.translated`) or a
    /// redirect (a status, with `r.reply.location`).
    fn translate_name(&self, _r: &mut Cx) -> Flow {
        Flow::Declined
    }

    /// The file name is walked.
    fn map_to_storage(&self, _r: &mut Cx) -> Flow {
        Flow::Declined
    }

    /// Per-directory header checks.
    fn header_parser(&self, _r: &mut Cx) -> Flow {
        Flow::Declined
    }

    /// Access control.
    fn access_checker(&self, _r: &mut Cx) -> Flow {
        Flow::Declined
    }

    /// Authentication.
    fn check_user_id(&self, _r: &mut Cx) -> Flow {
        Flow::Declined
    }

    /// Authorisation.
    fn auth_checker(&self, _r: &mut Cx) -> Flow {
        Flow::Declined
    }

    /// Content type and the like.
    fn type_checker(&self, _r: &mut Cx) -> Flow {
        Flow::Declined
    }

    /// Last changes before the handler.
    fn fixups(&self, _r: &mut Cx) -> Flow {
        Flow::Declined
    }

    /// Produces the response (in `out`, and [`Cx::body`] for a file).
    fn handler(&self, _r: &mut Cx) -> Flow {
        Flow::Declined
    }

    /// The response head is about to be written: change
    /// `r.reply.headers_out`, and insert body filters
    /// ([`crate::record::BodyFilter`]) into `r.filters` (httpd's output
    /// filters on their first call, when the status and headers are
    /// final; `r.reply.body_len` is the planned body's length). For an
    /// HTTP/0.9 answer, which has no head, the table changes are only
    /// logged and no body filter runs.
    fn output_filter(&self, _r: &mut Cx) {}

    /// The response is complete.
    fn log_transaction(&self, _r: &mut Cx) {}
}

/// httpd's `APR_HOOK_REALLY_FIRST`.
pub(crate) const REALLY_FIRST: i8 = -10;
/// httpd's `APR_HOOK_MIDDLE`.
pub(crate) const MIDDLE: i8 = 10;
/// httpd's `APR_HOOK_LAST`.
pub(crate) const LAST: i8 = 20;
/// httpd's `APR_HOOK_REALLY_LAST`.
pub(crate) const REALLY_LAST: i8 = 30;

/// Per phase, the modules that have work in it under one configuration.
#[derive(Default)]
pub(crate) struct Hooks {
    lists: [Vec<&'static dyn Module>; 13],
    /// Of the phases from translate-name to the fixups, those some
    /// module has work in, in order.
    walk_phases: Vec<Phase>,
}

impl std::fmt::Debug for Hooks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut m = f.debug_map();
        for p in Phase::ALL {
            let names: Vec<&str> = self.list(p).iter().map(|m| m.name()).collect();
            m.entry(&p.name(), &names);
        }
        m.finish()
    }
}

impl Hooks {
    /// The lists for `cfg` from `modules` (spoor's:
    /// `server::hook_modules`; tests add their own).
    pub(crate) fn build(cfg: &Config, modules: &[&'static dyn Module]) -> Hooks {
        let mut hooks = Hooks::default();
        for &m in modules {
            let phases = m.phases(cfg);
            for p in Phase::ALL {
                if phases.has(p) {
                    hooks.lists[p as usize].push(m);
                }
            }
        }
        for p in Phase::ALL {
            // A stable sort: equal orders keep the list's order.
            hooks.lists[p as usize].sort_by_key(|m| m.order(p));
        }
        hooks.walk_phases = [
            Phase::TranslateName,
            Phase::MapToStorage,
            Phase::HeaderParser,
            Phase::AccessChecker,
            Phase::CheckUserId,
            Phase::AuthChecker,
            Phase::TypeChecker,
            Phase::Fixups,
        ]
        .into_iter()
        .filter(|&p| !hooks.lists[p as usize].is_empty())
        .collect();
        hooks
    }

    /// The phases from translate-name to the fixups that some module has
    /// work in, in order.
    pub(crate) fn walk_phases(&self) -> &[Phase] {
        &self.walk_phases
    }

    /// The modules hooked into `p`, in order.
    pub(crate) fn list(&self, p: Phase) -> &[&'static dyn Module] {
        &self.lists[p as usize]
    }
}
