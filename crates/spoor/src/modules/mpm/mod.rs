//! httpd's three Unix MPMs (event, worker, prefork): what their directives
//! mean in spoor, which is one process with one worker thread per CPU.
//!
//! A configuration may load one of them (Debian's loads `mpm_event`); its
//! directives are then accepted. `MaxRequestWorkers`, after the
//! adjustments httpd makes with `ServerLimit`, `ThreadLimit` and
//! `ThreadsPerChild` (and the same warnings), bounds the requests spoor
//! serves at once; `ListenBacklog` is the listening sockets' backlog. The
//! directives that shape httpd's processes and threads have no effect and
//! say so at start-up ([`settings`]). [`config`] holds the tables.

pub mod config;
pub mod settings;

use super::ModuleDef;

/// `mpm_event_module` (`event.c`).
pub const EVENT: ModuleDef = ModuleDef {
    ident: "mpm_event_module",
    source: "event.c",
    builtin: false,
    directives: config::EVENT,
    log_items: &[],
};

/// `mpm_worker_module` (`worker.c`).
pub const WORKER: ModuleDef = ModuleDef {
    ident: "mpm_worker_module",
    source: "worker.c",
    builtin: false,
    directives: config::WORKER,
    log_items: &[],
};

/// `mpm_prefork_module` (`prefork.c`).
pub const PREFORK: ModuleDef = ModuleDef {
    ident: "mpm_prefork_module",
    source: "prefork.c",
    builtin: false,
    directives: config::PREFORK,
    log_items: &[],
};
