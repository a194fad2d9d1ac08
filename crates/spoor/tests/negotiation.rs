//! mod_negotiation's directives through the binary: every form of
//! `LanguagePriority`, `ForceLanguagePriority` and `CacheNegotiatedDocs`
//! in every scope, with `spoor -t`'s verdict compared with `apache2 -t`'s
//! byte for byte (the choices themselves are compared with apache2's in
//! the differential suite, group `DIFF_NEGOTIATION`).

mod common;
use common::TempDir;

/// Debian's module directory.
const MODULES: &str = "/usr/lib/apache2/modules";

#[test]
fn directives_checked_as_apache2() {
    if !std::path::Path::new(common::APACHE2).exists() {
        common::skip(
            "negotiation::directives_checked_as_apache2",
            "apache2 is not installed",
        );
        return;
    }
    let t = TempDir::create("negotiation-t", &["htdocs", "run"], &[]);
    let lines = [
        "LanguagePriority en de",
        "LanguagePriority",
        "LanguagePriority en\nLanguagePriority de fr",
        "ForceLanguagePriority Prefer",
        "ForceLanguagePriority Fallback Prefer",
        "ForceLanguagePriority prefer fallback",
        "ForceLanguagePriority None",
        "ForceLanguagePriority None Prefer",
        "ForceLanguagePriority Prefer None",
        "ForceLanguagePriority Fallback\nForceLanguagePriority None",
        "ForceLanguagePriority None\nForceLanguagePriority Fallback",
        "ForceLanguagePriority bogus",
        "ForceLanguagePriority",
        "CacheNegotiatedDocs On",
        "CacheNegotiatedDocs off",
        "CacheNegotiatedDocs maybe",
        "CacheNegotiatedDocs",
        "CacheNegotiatedDocs On Off",
        "Options MultiViews",
        "Options +MultiViews -Indexes",
    ];
    let texts = lines
        .iter()
        .map(|s| s.to_string())
        .chain(
            lines
                .iter()
                .map(|s| format!("<Directory /x>\n{s}\n</Directory>")),
        )
        .chain(
            lines
                .iter()
                .map(|s| format!("<VirtualHost *:80>\n{s}\n</VirtualHost>")),
        )
        .chain(
            lines
                .iter()
                .map(|s| format!("<Location /x>\n{s}\n</Location>")),
        );
    let head = format!(
        "<IfDefine APACHE>\n\
             LoadModule mpm_event_module {MODULES}/mod_mpm_event.so\n\
             DefaultRuntimeDir run\nPidFile run/apache2.pid\nErrorLog run/error.log\n\
             </IfDefine>\n\
             LoadModule mime_module {MODULES}/mod_mime.so\n\
             LoadModule negotiation_module {MODULES}/mod_negotiation.so\n\
             Listen 127.0.0.1:1\nServerName main.test\nDocumentRoot htdocs\n"
    );
    let differ = common::t_differences(&t.0, &head, texts);
    assert!(differ.is_empty(), "{}", differ.join("\n"));
}

/// Without the module, its directives are unknown (as in httpd) and
/// MultiViews does nothing.
#[test]
fn directives_need_the_module() {
    if !std::path::Path::new(common::APACHE2).exists() {
        common::skip(
            "negotiation::directives_need_the_module",
            "apache2 is not installed",
        );
        return;
    }
    let t = TempDir::create("negotiation-nomod", &["htdocs", "run"], &[]);
    let head = "<IfDefine APACHE>\n\
             LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so\n\
             DefaultRuntimeDir run\nPidFile run/apache2.pid\nErrorLog run/error.log\n\
             </IfDefine>\n\
             Listen 127.0.0.1:1\nServerName main.test\nDocumentRoot htdocs\n";
    let texts = [
        "LanguagePriority en",
        "ForceLanguagePriority Prefer",
        "CacheNegotiatedDocs On",
    ]
    .iter()
    .map(|s| s.to_string());
    let differ = common::t_differences(&t.0, head, texts);
    assert!(differ.is_empty(), "{}", differ.join("\n"));
}
