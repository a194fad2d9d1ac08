//! The httpd modules whose work spoor does itself.
//!
//! This is the one list to edit when spoor takes over another module's job.
//! It decides which `<IfModule>` tests are true and which `LoadModule`
//! lines are accepted silently.

/// One httpd module spoor stands in for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NativeModule {
    /// The module structure's name, as used by `LoadModule` and
    /// `<IfModule x_module>`.
    pub ident: &'static str,
    /// The module's source file name, as used by `<IfModule mod_x.c>`.
    pub source: &'static str,
}

const fn m(ident: &'static str, source: &'static str) -> NativeModule {
    NativeModule { ident, source }
}

/// The modules spoor implements natively.
///
/// Source names are httpd's own (`core.c` and `http_core.c` for the two
/// core modules, `mod_x.c` for the others); httpd matches both spellings
/// case-sensitively (checked with apache2 -t: `<IfModule mod_log_config.c>`
/// and `<IfModule log_config_module>` are true, `MOD_LOG_CONFIG.C`,
/// `log_config` and `mod_log_config` are false).
pub const NATIVE_MODULES: &[NativeModule] = &[
    m("core_module", "core.c"),
    m("http_module", "http_core.c"),
    m("so_module", "mod_so.c"),
    m("log_config_module", "mod_log_config.c"),
    m("logio_module", "mod_logio.c"),
    m("log_forensic_module", "mod_log_forensic.c"),
    m("usertrack_module", "mod_usertrack.c"),
    m("unique_id_module", "mod_unique_id.c"),
    m("setenvif_module", "mod_setenvif.c"),
    m("env_module", "mod_env.c"),
    m("mime_module", "mod_mime.c"),
    m("dir_module", "mod_dir.c"),
    m("authz_core_module", "mod_authz_core.c"),
];

/// Both spellings of every native module, for
/// [`ReadOptions::modules`](super::ReadOptions::modules).
pub fn native_module_names() -> Vec<String> {
    NATIVE_MODULES
        .iter()
        .flat_map(|m| [m.ident.to_owned(), m.source.to_owned()])
        .collect()
}

/// The native module with structure name `ident` (as a `LoadModule` line
/// gives it), if spoor implements it. Case-sensitive, like httpd.
pub fn native_module(ident: &str) -> Option<&'static NativeModule> {
    NATIVE_MODULES.iter().find(|m| m.ident == ident)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_spellings_listed() {
        let names = native_module_names();
        assert!(names.iter().any(|n| n == "log_config_module"));
        assert!(names.iter().any(|n| n == "mod_log_config.c"));
        assert_eq!(names.len(), 2 * NATIVE_MODULES.len());
    }

    #[test]
    fn lookup_is_case_sensitive() {
        assert!(native_module("logio_module").is_some());
        assert!(native_module("LOGIO_MODULE").is_none());
        assert!(native_module("ssl_module").is_none());
    }
}
