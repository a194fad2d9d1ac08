//! The module registry: one [`ModuleDef`] per httpd module whose work
//! spoor does, each in its own folder with its directive table.
//!
//! [`MODULES`] is the one list to edit when spoor takes over another
//! module's job. It decides which `<IfModule>` tests are true, which
//! `LoadModule` lines are accepted silently, what `-l`, `-M` and `-L`
//! print, and which `LogLevel module:level` names exist. A module's own
//! directives are declared in `<name>/config.rs`, so adding a directive to
//! the list touches only that file; its request-phase hooks are in
//! `<name>/hooks.rs` ([`crate::hooks`], listed in `server::hook_modules`).

pub mod access_compat;
pub mod alias;
pub mod auth_basic;
pub mod authn_core;
pub mod authn_file;
pub mod authz_core;
pub mod authz_host;
pub mod authz_user;
pub mod autoindex;
pub mod core;
pub mod deflate;
pub mod dir;
pub mod env;
pub mod filter;
pub mod log_config;
pub mod log_forensic;
pub mod logio;
pub mod mime;
pub mod mpm;
pub mod negotiation;
pub mod reqtimeout;
pub mod setenvif;
pub mod so;
pub mod status;
pub mod unique_id;
pub mod unixd;
pub mod usertrack;
pub mod wasd;

use std::sync::LazyLock;

/// One httpd module spoor stands in for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModuleDef {
    /// The module structure's name, as used by `LoadModule` and
    /// `<IfModule x_module>`.
    pub ident: &'static str,
    /// The module's source file name, as used by `<IfModule mod_x.c>`.
    pub source: &'static str,
    /// Whether Debian's apache2 has it compiled in (`apache2 -l`), so that
    /// it is there without a `LoadModule` line.
    pub builtin: bool,
    /// The directives it owns, in `-L` order.
    pub directives: &'static [DirectiveDef],
    /// The `%` items it adds to mod_log_config's formats (httpd's
    /// `ap_register_log_handler`), by name: a format may use them only
    /// while the module is loaded (`spoor_log::REGISTERED_ITEMS`).
    pub log_items: &'static [&'static str],
}

/// One directive a module owns, as `spoor -L` lists it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DirectiveDef {
    /// The name as httpd spells it (sections with `<`).
    pub name: &'static str,
    /// Where it may appear.
    pub context: Context,
    /// What it does, in a line.
    pub about: &'static str,
    /// Who parses it.
    pub parse: Parse,
}

/// A module's parse function for one of its directives: httpd's
/// `cmd_func`. It gets the directive, where it is, and the records it may
/// write (the process-wide settings and the scope's server or section),
/// after the model has checked that the module is loaded and, for
/// [`Context::Server`], that the directive is not in a section. The error
/// is the message `apache2 -t` prints; warnings go through
/// [`Cmd::warn`](crate::config::model::Cmd::warn).
pub type ParseFn =
    fn(&mut crate::config::model::Cmd<'_>) -> Result<(), crate::config::error::ConfigError>;

/// Who carries out a directive.
#[derive(Debug, Clone, Copy)]
pub enum Parse {
    /// A section (`<VirtualHost>`, `<Directory>`, …), walked by the
    /// configuration model, which reads the directives inside it.
    Section,
    /// The module's function.
    Fn(ParseFn),
}

impl PartialEq for Parse {
    fn eq(&self, other: &Parse) -> bool {
        match (self, other) {
            (Parse::Section, Parse::Section) => true,
            (Parse::Fn(a), Parse::Fn(b)) => std::ptr::fn_addr_eq(*a, *b),
            _ => false,
        }
    }
}

impl Eq for Parse {}

/// Where a directive may appear, in `-L`'s words (spoor reads no
/// `.htaccess` files, so none is listed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    /// The server and virtual-host level only.
    Server,
    /// Anywhere in the configuration files.
    Anywhere,
    /// Only inside `<Directory>`, `<Files>`, `<Location>` sections.
    Inside,
}

impl Context {
    /// httpd's `-L` line for the context.
    pub fn describe(self) -> &'static str {
        match self {
            Context::Server => {
                "Allowed in *.conf only outside <Directory>, <Files>, <Location>, or <If>"
            }
            Context::Anywhere => "Allowed in *.conf anywhere",
            Context::Inside => {
                "Allowed in *.conf only inside <Directory>, <Files>, <Location>, or <If>"
            }
        }
    }
}

/// Every module spoor implements, in `-l`/`-M` order (httpd's two core
/// modules first, as apache2 lists them).
///
/// Source names are httpd's own; httpd matches both spellings
/// case-sensitively (checked with apache2 -t: `<IfModule mod_log_config.c>`
/// and `<IfModule log_config_module>` are true, `MOD_LOG_CONFIG.C`,
/// `log_config` and `mod_log_config` are false).
pub const MODULES: &[ModuleDef] = &[
    core::CORE,
    core::HTTP,
    so::SO,
    log_config::LOG_CONFIG,
    logio::LOGIO,
    unixd::UNIXD,
    log_forensic::LOG_FORENSIC,
    usertrack::USERTRACK,
    unique_id::UNIQUE_ID,
    setenvif::SETENVIF,
    env::ENV,
    mime::MIME,
    dir::DIR,
    negotiation::NEGOTIATION,
    autoindex::AUTOINDEX,
    authz_core::AUTHZ_CORE,
    authz_host::AUTHZ_HOST,
    access_compat::ACCESS_COMPAT,
    auth_basic::AUTH_BASIC,
    authn_core::AUTHN_CORE,
    authn_file::AUTHN_FILE,
    authz_user::AUTHZ_USER,
    alias::ALIAS,
    status::STATUS,
    reqtimeout::REQTIMEOUT,
    filter::FILTER,
    deflate::DEFLATE,
    mpm::EVENT,
    mpm::WORKER,
    mpm::PREFORK,
];

/// Every directive of every module, with the module that owns it, in
/// [`MODULES`] order.
pub fn directives() -> impl Iterator<Item = (&'static ModuleDef, &'static DirectiveDef)> {
    MODULES
        .iter()
        .flat_map(|m| m.directives.iter().map(move |d| (m, d)))
}

/// The names of all directives spoor knows (sections spelled with `<`),
/// gathered once from the module tables.
pub static KNOWN: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
    let mut v: Vec<&'static str> = Vec::new();
    for (_, d) in directives() {
        if !v.contains(&d.name) {
            v.push(d.name);
        }
    }
    v
});

/// The module with structure name `ident` (as a `LoadModule` line gives
/// it), if spoor implements it. Case-sensitive, like httpd.
pub fn module(ident: &str) -> Option<&'static ModuleDef> {
    MODULES.iter().find(|m| m.ident == ident)
}

/// Both spellings of every module, for `<IfModule>`
/// ([`ReadOptions::modules`](crate::config::reader::ReadOptions::modules)).
pub fn module_names() -> Vec<String> {
    MODULES
        .iter()
        .flat_map(|m| [m.ident.to_owned(), m.source.to_owned()])
        .collect()
}

/// Both spellings of every module httpd has built in, which need no
/// `LoadModule` line.
pub fn builtin_module_names() -> Vec<String> {
    MODULES
        .iter()
        .filter(|m| m.builtin)
        .flat_map(|m| [m.ident.to_owned(), m.source.to_owned()])
        .collect()
}

/// The `%` items the modules `present` says are loaded add to log
/// formats.
pub fn log_items(present: impl Fn(&ModuleDef) -> bool) -> Vec<&'static str> {
    MODULES
        .iter()
        .filter(|m| present(m))
        .flat_map(|m| m.log_items.iter().copied())
        .collect()
}

/// The module owning directive `name` (compared as httpd does, ignoring
/// ASCII case), with its table entry. Several modules may declare the same
/// name (each MPM has `StartServers`): the first that `present` says is
/// there wins, else the first declaring it, with `false`.
pub fn directive(
    name: &str,
    present: impl Fn(&ModuleDef) -> bool,
) -> Option<(&'static ModuleDef, &'static DirectiveDef, bool)> {
    let mut first = None;
    for (m, d) in directives().filter(|(_, d)| d.name.eq_ignore_ascii_case(name)) {
        if present(m) {
            return Some((m, d, true));
        }
        first.get_or_insert((m, d, false));
    }
    first
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_spellings_listed() {
        let names = module_names();
        assert!(names.iter().any(|n| n == "log_config_module"));
        assert!(names.iter().any(|n| n == "mod_log_config.c"));
        assert_eq!(names.len(), 2 * MODULES.len());
    }

    #[test]
    fn lookup_is_case_sensitive() {
        assert!(module("logio_module").is_some());
        assert!(module("LOGIO_MODULE").is_none());
        assert!(module("ssl_module").is_none());
    }

    #[test]
    fn builtin_as_debian_apache2_l() {
        // `apache2 -l` on Debian: core.c, mod_so.c, mod_watchdog.c,
        // http_core.c, mod_log_config.c, mod_logio.c, mod_version.c,
        // mod_unixd.c (spoor has no watchdog or version module).
        let built: Vec<&str> = MODULES
            .iter()
            .filter(|m| m.builtin)
            .map(|m| m.source)
            .collect();
        assert_eq!(
            built,
            [
                "core.c",
                "http_core.c",
                "mod_so.c",
                "mod_log_config.c",
                "mod_logio.c",
                "mod_unixd.c"
            ]
        );
    }

    #[test]
    fn each_directive_has_one_owner() {
        // Only the MPMs, of which one at most is loaded, share names.
        let mut seen: Vec<String> = Vec::new();
        for (m, d) in directives().filter(|(m, _)| !m.ident.starts_with("mpm_")) {
            let lower = d.name.to_ascii_lowercase();
            assert!(!seen.contains(&lower), "{} twice (in {})", d.name, m.source);
            seen.push(lower);
        }
        assert_eq!(
            directive("StartServers", |m| m.ident == "mpm_prefork_module")
                .map(|(m, _, present)| (m.ident, present)),
            Some(("mpm_prefork_module", true))
        );
        assert_eq!(
            directive("ThreadsPerChild", |m| m.ident == "mpm_prefork_module")
                .map(|(m, _, present)| (m.ident, present)),
            Some(("mpm_event_module", false))
        );
        assert_eq!(
            directive("customlog", |_| true).map(|(m, _, _)| m.ident),
            Some("log_config_module")
        );
        assert_eq!(
            directive("Cookiename", |_| true).map(|(m, _, _)| m.ident),
            Some("usertrack_module")
        );
        assert!(directive("RewriteRule", |_| true).is_none());
    }
}
