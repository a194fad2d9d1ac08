//! httpd's mod_deflate.c: what spoor does in its place.
//!
//! [`config`] holds the module's directive table, [`conf`] its
//! per-server settings; [`zstream`] the zlib stream; [`filter`] the `DEFLATE` body
//! filter, which mod_filter (`AddOutputFilterByType DEFLATE …`) inserts
//! for a response through [`filter::start`]. The module has no request
//! phase of its own: like httpd's, it is only a filter.

pub mod conf;
pub mod config;
pub(crate) mod filter;
pub(crate) mod zstream;

use super::ModuleDef;

/// `deflate_module` (`mod_deflate.c`); Debian ships it as a shared object
/// enabled by default (`mods-enabled/deflate.load`), so a configuration
/// needs `LoadModule`.
pub const DEFLATE: ModuleDef = ModuleDef {
    ident: "deflate_module",
    source: "mod_deflate.c",
    builtin: false,
    directives: config::DIRECTIVES,
    log_items: &[],
};
