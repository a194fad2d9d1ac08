//! httpd's mod_reqtimeout.c: what spoor does in its place.
//!
//! [`config`] holds the module's directive table and `RequestReadTimeout`'s
//! parser, [`stages`] the per-server stages it sets; [`clock`] the per-connection
//! deadline the protocol layer (`proto/h1`) consults before each wait for
//! request bytes. The module has no request-phase hooks: httpd's are
//! connection filters, which in spoor are the reads of `proto/h1`
//! (`Connection::read_head`, `discard_body`).

pub(crate) mod clock;
pub mod config;
pub mod stages;

use super::ModuleDef;

/// `reqtimeout_module` (`mod_reqtimeout.c`); Debian ships it as a shared
/// object enabled by default (`mods-enabled/reqtimeout.load`), so a
/// configuration needs `LoadModule`.
pub const REQTIMEOUT: ModuleDef = ModuleDef {
    ident: "reqtimeout_module",
    source: "mod_reqtimeout.c",
    builtin: false,
    directives: config::DIRECTIVES,
    log_items: &[],
};
