//! httpd's mod_status.c: `SetHandler server-status` answers with the
//! server's state, as an HTML page or, with `?auto`, the `Key: value`
//! lines the tools that watch Apache read (Munin, collectd, Prometheus'
//! apache_exporter). The keys are httpd's; the values are spoor's own:
//! one process, its requests in progress as busy workers, the rest of
//! `MaxRequestWorkers` (or of its worker threads) as idle ones.
//!
//! [`board`] holds the counters, [`hooks`] the handler and the count of
//! each request, [`page`] the two outputs. `ExtendedStatus` is core's
//! (`modules/core/directives.rs`).

pub(crate) mod board;
pub(crate) mod hooks;
pub(crate) mod page;

use super::ModuleDef;

/// `status_module` (`mod_status.c`). It has no directives of its own.
pub const STATUS: ModuleDef = ModuleDef {
    ident: "status_module",
    source: "mod_status.c",
    builtin: false,
    directives: &[],
    log_items: &[],
};
