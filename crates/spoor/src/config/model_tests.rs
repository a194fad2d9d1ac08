//! Unit tests of the configuration model (`model.rs`): directive
//! parsing, contexts and log resolution, as `apache2 -t` reports them.

use super::*;
use crate::config::reader::{read_config_str, ReadOptions};
use crate::config::values::CanonicalName;

/// Settings from `text` with every module spoor has loaded first (as
/// directives ahead of the file's, so its line numbers stay as
/// written).
fn settings(text: &str) -> Result<Settings, ConfigError> {
    let mut opts = ReadOptions::new(std::env::temp_dir());
    opts.modules = crate::modules::module_names();
    let mut cfg = read_config_str(text, Path::new("test.conf"), &opts)?;
    let loads = crate::modules::MODULES
        .iter()
        .filter(|m| !m.builtin && !m.ident.starts_with("mpm_"))
        .map(|m| {
            let args = vec![m.ident.to_string(), "x.so".to_string()];
            Directive::new("LoadModule", args, "loads.conf".into(), 1)
        });
    cfg.directives.splice(0..0, loads);
    Settings::from_config(&cfg)
}

/// Settings from `text` read with `opts`.
fn bare(text: &str, opts: &ReadOptions) -> Result<Settings, ConfigError> {
    let cfg = read_config_str(text, Path::new("test.conf"), opts)?;
    Settings::from_config(&cfg)
}

#[test]
fn directives_of_modules_not_loaded_are_unknown() {
    // apache2 -t 2.4 without mod_env loaded:
    // AH00526: Syntax error on line 1 of test.conf:
    // Invalid command 'SetEnv', perhaps misspelled or defined by a
    // module not included in the server configuration
    let opts = ReadOptions::new(std::env::temp_dir());
    let e = bare("SetEnv A 1\n", &opts).unwrap_err();
    assert_eq!(e.line(), 1);
    assert_eq!(
        e.message(),
        "Invalid command 'SetEnv', perhaps misspelled or defined by a module not \
         included in the server configuration"
    );
    // Modules load while the files are read and directives run after,
    // so a LoadModule line below the first use still counts (Syntax OK
    // from apache2 -t).
    for text in [
        "LoadModule env_module x.so\nSetEnv A 1\n",
        "SetEnv A 1\nLoadModule env_module x.so\n",
    ] {
        assert_eq!(bare(text, &opts).unwrap().loaded, ["env_module"]);
    }
    // Built-in modules need no line.
    bare("LogFormat x y\nUser nobody\n", &opts).unwrap();
}

fn render(f: &Format) -> String {
    // The formats here are all literal text plus %U, so a minimal
    // record identifies them.
    let conn = spoor_log::Conn::default();
    let req = spoor_log::Request {
        uri: b"/index.html",
        ..Default::default()
    };
    let mut r = spoor_log::Renderer::with_time_zone(spoor_log::TimeZone::UTC);
    let mut out = Vec::new();
    r.render(f, &spoor_log::Record::new(&conn, &req, 0), &mut out);
    String::from_utf8(out).unwrap()
}

#[test]
fn unknown_directive_names_file_and_line() {
    let e = settings("Listen 8080\nFrobnicate on\n").unwrap_err();
    assert_eq!(e.line(), 2);
    assert!(
        e.message().contains("Invalid command 'Frobnicate'"),
        "{}",
        e.message()
    );
}

#[test]
fn log_directive_errors() {
    let m = |t: &str| settings(t).unwrap_err().message().to_string();
    assert_eq!(
        m("LogFormat \"%Z\" x\n"),
        "Unrecognized LogFormat directive %Z"
    );
    assert_eq!(
        m("CustomLog x.log \"%h\" env=\n"),
        "missing environment variable name"
    );
    assert_eq!(
        m("CustomLog x.log \"%h\" env=!\n"),
        "missing environment variable name"
    );
    assert_eq!(m("CustomLog x.log \"%h\" expr=\n"), "missing condition");
    assert_eq!(
        m("CustomLog x.log \"%h\" bogus\n"),
        "error in condition clause"
    );
    assert!(m("CustomLog x.log \"%h\" expr=true\n").contains("does not support expr="));
    assert_eq!(
        m("<VirtualHost *:80>\nGlobalLog x.log common\n</VirtualHost>\n"),
        "GlobalLog cannot occur within <VirtualHost> section"
    );
}

#[test]
fn nickname_and_inheritance_rules() {
    // spec/apache-logging.md §1.11.
    let s = settings(
        "LogFormat \"MAIN %U\" nick\n\
         LogFormat \"MAINDEF %U\"\n\
         CustomLog main.log nick\n\
         TransferLog transfer.log\n\
         GlobalLog global.log \"G %U\"\n\
         CustomLog lit.log undefinednick\n\
         <VirtualHost 127.0.0.1:80>\n\
         LogFormat \"VH1 %U\" nick\n\
         LogFormat \"VH1DEF %U\"\n\
         </VirtualHost>\n\
         <VirtualHost 127.0.0.1:81>\n\
         CustomLog own.log nick\n\
         </VirtualHost>\n",
    )
    .unwrap();
    let r = s.resolve_logs();
    let lines = |i: usize| -> Vec<(usize, String)> {
        r[i].iter().map(|l| (l.log, render(&l.format))).collect()
    };
    // The first-defined vhost without logs redefines `nick`: the shared
    // main log uses its definition for every server.
    assert_eq!(
        lines(0),
        vec![
            (0, "VH1 /index.html\n".into()),
            (1, "MAINDEF /index.html\n".into()),
            (2, "G /index.html\n".into()),
            (3, "undefinednick\n".into()),
        ]
    );
    assert_eq!(
        lines(1),
        vec![
            (0, "VH1 /index.html\n".into()),
            (1, "VH1DEF /index.html\n".into()),
            (2, "G /index.html\n".into()),
            (3, "undefinednick\n".into()),
        ]
    );
    // A vhost with its own log keeps only the main GlobalLog.
    assert_eq!(
        lines(2),
        vec![
            (4, "MAIN /index.html\n".into()),
            (2, "G /index.html\n".into())
        ]
    );
}

#[test]
fn core_directives() {
    let s = settings(
        "Listen 127.0.0.1:8080\nListen 8081\nBufferedLogs off\nServerName www.example.com:8080\n\
         Timeout 30\nKeepAliveTimeout 2\nMaxKeepAliveRequests 0\nKeepAlive Off\n\
         HostnameLookups Off\nUseCanonicalName On\nServerSignature Off\n\
         LoadModule log_forensic_module /usr/lib/apache2/modules/mod_log_forensic.so\n",
    )
    .unwrap();
    assert_eq!(
        s.listen,
        vec![(Some("127.0.0.1".parse().unwrap()), 8080), (None, 8081)]
    );
    assert!(!s.buffered_logs);
    assert_eq!(s.main.server_name.as_deref(), Some("www.example.com"));
    assert_eq!(s.main.port, Some(8080));
    assert_eq!(s.main.timeout, Some(Duration::from_secs(30)));
    assert_eq!(s.main.max_keepalive, Some(0));
    assert_eq!(s.main.keepalive, Some(false));
    assert_eq!(s.main.dir.core.canonical_name, Some(CanonicalName::On));
    let e = settings("LoadModule ssl_module x.so\n").unwrap_err();
    assert!(e.message().contains("ssl_module"));
}

#[test]
fn json_escaping_per_log() {
    let s = settings(
        "LogFormat \"{\\\"u\\\":\\\"%U\\\",\\\"s\\\":%>s}\" j\n\
         CustomLog a.log j escape=json\n\
         CustomLog b.log j\n",
    )
    .unwrap();
    assert_eq!(s.main.logs[0].escaping, Escaping::Json);
    assert_eq!(s.main.logs[1].escaping, Escaping::Apache);
    let r = s.resolve_logs();
    assert_eq!(r[0][0].format.escaping(), Escaping::Json);
    assert_eq!(
        render(&r[0][0].format),
        "{\"u\":\"/index.html\",\"s\":null}\n"
    );
    let e = settings("CustomLog a.log \"%h\" escape=xml\n").unwrap_err();
    assert_eq!(e.message(), "escape= takes json or default, not 'xml'");
}

#[test]
fn error_log_and_log_level() {
    let s = settings(
        "ErrorLog logs/error.log\nLogLevel info core:debug\nLogLevel http:trace2\n\
         <VirtualHost *:80>\nErrorLog \"|cat\"\nLogLevel warn\n</VirtualHost>\n",
    )
    .unwrap();
    assert_eq!(s.main.error_log.as_deref(), Some("logs/error.log"));
    assert_eq!(
        s.main.log_level.as_deref(),
        Some("info core:debug http:trace2")
    );
    assert_eq!(s.vhosts[0].error_log.as_deref(), Some("|cat"));
    let m = |t: &str| settings(t).unwrap_err().message().to_string();
    assert_eq!(m("LogLevel nomod:info\n"), "Cannot find module nomod");
    assert!(m("ErrorLog syslog:local7\n").contains("not supported by spoor yet"));
    assert_eq!(
        m("<Directory />\nErrorLog x\n</Directory>\n"),
        "ErrorLog not allowed in <Directory> context"
    );
    assert_eq!(
        m("<Location />\nServerName x\n</Location>\n"),
        "ServerName not allowed in <Location> context"
    );
    // The table's context is checked before the directive's own test
    // (apache2 -t: not "ServerAlias only used in <VirtualHost>").
    assert_eq!(
        m("<Directory />\nServerAlias x\n</Directory>\n"),
        "ServerAlias not allowed in <Directory> context"
    );
    assert_eq!(
        m("ServerAlias x\n"),
        "ServerAlias only used in <VirtualHost>"
    );
}

#[test]
fn section_errors_as_apache2_t() {
    // Each message and line as `apache2 -t` 2.4.71 reported them.
    let m = |t: &str| {
        let e = settings(t).unwrap_err();
        (e.line(), e.message().to_string())
    };
    let cases: &[(&str, usize, &str)] = &[
        (
            "<Directory>\n</Directory>\n",
            1,
            "<Directory> directive requires additional arguments",
        ),
        (
            "<Directory a b>\n</Directory>\n",
            1,
            "Multiple <Directory> arguments not (yet) supported.",
        ),
        (
            "<Location ~ a b>\n</Location>\n",
            1,
            "Multiple <Location> arguments not (yet) supported.",
        ),
        (
            "<DirectoryMatch (>\n</DirectoryMatch>\n",
            1,
            "Regex could not be compiled",
        ),
        (
            "<Directory />\n<Directory /x>\n</Directory>\n</Directory>\n",
            2,
            "<Directory not allowed in <Directory> context",
        ),
        (
            "<Location />\n<Directory /x>\n</Directory>\n</Location>\n",
            2,
            "<Directory not allowed in <Location> context",
        ),
        (
            "<Files a>\n<Location b>\n</Location>\n</Files>\n",
            2,
            "<Location not allowed in <Files> context",
        ),
        (
            "<Location />\n<FilesMatch x>\n</FilesMatch>\n</Location>\n",
            2,
            "<FilesMatch> cannot occur within <Location> section",
        ),
        ("Require all granted\n", 1, "Require not allowed here"),
        (
            "<Location />\nRequire all maybe\n</Location>\n",
            2,
            "Argument for 'Require all' must be 'granted' or 'denied'",
        ),
        (
            "<Directory />\nOptions Indexes +FollowSymLinks\n</Directory>\n",
            2,
            "Either all Options must start with + or -, or no Option may.",
        ),
    ];
    for (text, line, msg) in cases {
        assert_eq!(m(text), (*line, msg.to_string()), "{text}");
    }
}

#[test]
fn debian_default_access_pattern_reads() {
    let s = settings(
        "<Directory />\nOptions FollowSymLinks\nRequire all denied\n</Directory>\n\
         <Directory /var/www/>\nOptions Indexes FollowSymLinks\nRequire all granted\n</Directory>\n\
         <FilesMatch \"^\\.ht\">\nRequire all denied\n</FilesMatch>\n",
    )
    .unwrap();
    assert_eq!(s.main.sections.len(), 3);
    assert_eq!(s.main.sections[1].pattern, "/var/www/");
    assert_eq!(s.main.sections[2].kind, SectionKind::Files);
}

#[test]
fn files_nested_in_directory() {
    let s = settings(
        "<Directory /var/www/>\n<Files \"*.txt\">\nRequire all denied\n</Files>\n\
         <FilesMatch \"^a\">\nSetEnv A 1\n</FilesMatch>\n</Directory>\n",
    )
    .unwrap();
    assert_eq!(s.main.sections.len(), 1);
    let d = &s.main.sections[0];
    assert_eq!(d.nested.len(), 2);
    assert_eq!(d.nested[0].kind, SectionKind::Files);
    assert_eq!(d.nested[1].pattern, "^a");
    let e = settings("<Files a>\n<Files b>\n</Files>\n</Files>\n").unwrap_err();
    assert!(e.message().ends_with("is not supported by spoor yet"));
    let e = settings("<Location /a>\n<Files b>\n</Files>\n</Location>\n").unwrap_err();
    assert_eq!(
        e.message(),
        "<Files> cannot occur within <Location> section"
    );
}

#[test]
fn directives_the_engine_lacks_are_refused() {
    let text = "<Directory /x>\nLogLevel debug\n</Directory>\n";
    let e = settings(text).unwrap_err();
    assert!(
        e.message().ends_with("is not supported by spoor yet"),
        "{text}: {}",
        e.message()
    );
    assert_eq!(e.line(), 2, "{text}");
}

#[test]
fn mpm_and_process_directives_as_apache2_t() {
    // Each message is what apache2 -t printed for the same lines.
    let event = "LoadModule mpm_event_module mod_mpm_event.so\n";
    let prefork = "LoadModule mpm_prefork_module mod_mpm_prefork.so\n";
    let opts = ReadOptions::new(PathBuf::from("/"));
    let m = |t: &str| bare(t, &opts).unwrap_err().message().to_string();
    assert_eq!(
        m("StartServers 2\n"),
        "Invalid command 'StartServers', perhaps misspelled or defined by a module not included in the server configuration"
    );
    assert_eq!(
        m(&format!("{event}LoadModule mpm_worker_module x.so\n")),
        "AH00534: Configuration error: More than one MPM loaded."
    );
    assert!(m(&format!("{prefork}ThreadsPerChild 3\n"))
        .starts_with("Invalid command 'ThreadsPerChild'"));
    assert!(
        m(&format!("{event}MinSpareServers 3\n")).starts_with("Invalid command 'MinSpareServers'")
    );
    assert_eq!(
        m(&format!(
            "{event}<VirtualHost *:80>\nStartServers 2\n</VirtualHost>\n"
        )),
        "StartServers cannot occur within <VirtualHost> section"
    );
    assert_eq!(
        m(&format!("{event}StartServers\n")),
        "StartServers takes one argument, Number of child processes launched at server startup"
    );
    assert_eq!(
        m(&format!("{prefork}ServerLimit\n")),
        "ServerLimit takes one argument, Maximum value of MaxRequestWorkers for this run of Apache"
    );
    assert_eq!(
        m(&format!("{event}ListenBacklog x\n")),
        "ListenBacklog must be > 0"
    );
    assert_eq!(
        m(&format!("{event}AsyncRequestWorkerFactor 0\n")),
        "AsyncRequestWorkerFactor argument must be a positive number"
    );
    assert_eq!(
        m(&format!("{event}AsyncRequestWorkerFactor x\n")),
        "error parsing value"
    );
    assert_eq!(
        m("Mutex foo\n"),
        "Invalid Mutex argument foo (Mutex mechanisms are: 'none', 'default', 'flock:/path/to/file', 'fcntl:/path/to/file', 'file:/path/to/file', 'pthread', 'sysvsem', 'posixsem', 'sem')"
    );
    assert_eq!(
        m("Mutex file:/nonexist default\n"),
        "Invalid Mutex directory in argument file:/nonexist"
    );
    assert_eq!(m("Mutex default bogus\n"), "Mutex type bogus is not valid");
    assert_eq!(
        m("<VirtualHost *:80>\nMutex default\n</VirtualHost>\n"),
        "Mutex cannot occur within <VirtualHost> section"
    );
    assert_eq!(
        m("TraceEnable maybe\n"),
        "TraceEnable must be one of 'on', 'off', or 'extended'"
    );
    assert!(m("TraceEnable extended\n").contains("not supported by spoor yet"));
    assert_eq!(
        m("<Directory />\nTraceEnable on\n</Directory>\n"),
        "TraceEnable not allowed in <Directory> context"
    );
    assert_eq!(m("AllowOverride None\n"), "AllowOverride not allowed here");
    assert_eq!(
        m("<Directory />\nAllowOverride Bogus\n</Directory>\n"),
        "Illegal override option Bogus"
    );
    assert_eq!(
        m("<Directory />\nAllowOverride Options=Bogus\n</Directory>\n"),
        "Illegal option Bogus"
    );
    assert!(m("<Directory />\nAllowOverride All\n</Directory>\n")
        .contains("not supported by spoor yet"));
    assert!(
        m("<Directory />\nAllowOverrideList DirectoryIndex\n</Directory>\n")
            .contains("not supported by spoor yet")
    );
    assert_eq!(
        m("<Directory />\nAccessFileName x\n</Directory>\n"),
        "AccessFileName not allowed in <Directory> context"
    );
    assert_eq!(
        m("<VirtualHost *:80>\nMaxConnectionsPerChild 4\n</VirtualHost>\n"),
        "MaxConnectionsPerChild cannot occur within <VirtualHost> section"
    );
    let e = bare("DefaultRuntimeDir /nonexist\n", &opts).unwrap_err();
    assert_eq!(
        e.to_string(),
        "Syntax error on line 1 of test.conf: DefaultRuntimeDir must be a valid directory, absolute or relative to ServerRoot"
    );

    // Accepted: Debian's lines, with their warnings and the bound.
    let s = bare(
        &format!(
            "{event}StartServers 2\nMinSpareThreads 25\nMaxSpareThreads 75\nThreadLimit 64\n\
             ThreadsPerChild 25\nMaxRequestWorkers 150\nMaxConnectionsPerChild 0\n\
             DefaultRuntimeDir /tmp\nAccessFileName .htaccess\nTraceEnable Off\n\
             <Directory />\nAllowOverride None\nAllowOverrideList None\n</Directory>\n\
             <Location />\nAllowOverride All\n</Location>\n\
             <Directory /x>\nAllowOverrideList NoSuchDirective\n</Directory>\n\
             Mutex file:/tmp default\n"
        ),
        &opts,
    )
    .unwrap();
    assert_eq!(s.max_workers, Some(150));
    assert_eq!(s.mpm.listen_backlog, None);
    assert_eq!(
        s.main.trace_enable,
        Some(crate::config::values::TraceEnable::Off)
    );
    let w = s.warnings.join("\n");
    for want in [
        "test.conf:2: StartServers has no effect",
        "test.conf:3: MinSpareThreads has no effect",
        "test.conf:4: MaxSpareThreads has no effect",
        "test.conf:17: AH00114: Useless use of AllowOverride in line 17 of test.conf.",
        "test.conf:20: AH00116: Discarding unrecognized directive `NoSuchDirective' in AllowOverrideList at test.conf:20",
        "test.conf:22: Mutex has no effect",
    ] {
        assert!(w.contains(want), "{want}\n{w}");
    }
    assert_eq!(s.warnings.len(), 6, "{w}");
    // Without an MPM, no bound.
    assert_eq!(bare("Listen 80\n", &opts).unwrap().max_workers, None);
}

#[test]
fn alias_directives_as_apache2_t() {
    // Each message is what apache2 -t printed for the same line.
    let m = |t: &str| settings(t).unwrap_err().message().to_string();
    assert_eq!(
        m("Alias\n"),
        "Alias takes 1-2 arguments, a fakename and a realname, or a realname in a Location"
    );
    assert_eq!(
        m("Alias /a\n"),
        "Alias must have two arguments when used globally"
    );
    assert_eq!(
        m("<Directory /tmp>\nAlias /a /b\n</Directory>\n"),
        "Alias cannot occur within directory context"
    );
    assert_eq!(
        m("<Files x>\nAlias /b\n</Files>\n"),
        "Alias cannot occur within <Files> section"
    );
    assert_eq!(
        m("AliasMatch a\n"),
        "AliasMatch takes two arguments, a regular expression and a filename"
    );
    assert_eq!(
        m("AliasMatch (.* /x\n"),
        "Regular expression could not be compiled."
    );
    assert_eq!(
        m("Redirect\n"),
        "Redirect takes one, two or three arguments, an optional status, then document to be redirected and destination URL"
    );
    assert_eq!(m("Redirect /a\n"), "URL to redirect to is missing");
    assert_eq!(m("Redirect /a b\n"), "Redirect to non-URL");
    assert_eq!(
        m("Redirect bogus /a http://x/\n"),
        "Redirect: invalid first argument (of three)"
    );
    assert_eq!(
        m("Redirect gone /a http://x/\n"),
        "Redirect URL not valid for this status"
    );
    assert_eq!(
        m("Redirect permanent /a\n"),
        "URL to redirect to is missing"
    );
    assert_eq!(
        m("RedirectMatch a\n"),
        "RedirectMatch takes two or three arguments, an optional status, then a regular expression and destination URL"
    );
    assert_eq!(
        m("RedirectPermanent /a\n"),
        "RedirectPermanent takes two arguments, a document to be redirected, then the destination URL"
    );
    assert_eq!(m("RedirectTemp /a b\n"), "Redirect to non-URL");
    assert!(m("ScriptAlias /cgi /x\n").contains("not supported by spoor yet"));
    assert!(m("Alias /a relative\n").contains("not supported by spoor yet"));
    assert!(m("<Location /x>\nAlias /b\n</Location>\n").contains("not supported by spoor yet"));
    assert!(m("<Directory /x>\nRedirect http://y/\n</Directory>\n")
        .contains("not supported by spoor yet"));
    settings("<Location /x>\nRedirect http://y/\n</Location>\n").unwrap();
    // Accepted, with httpd's overlap warning.
    let s = settings(
        "Alias /a /tmp\nAlias /a/b /tmp\nAliasMatch ^/m /tmp\nAlias /m/x /tmp\n\
         Redirect 404 /n\nRedirect /p /q\nRedirect 301 /r http://x/\n",
    )
    .unwrap();
    assert_eq!(s.main.alias.aliases.len(), 4);
    assert_eq!(s.main.alias.redirects.len(), 3);
    let w = s.warnings.join("\n");
    assert!(w.contains("AH00671: The Alias directive in test.conf at line 2 will probably never match because it overlaps an earlier Alias."), "{w}");
    assert!(w.contains("AH00671: The Alias directive in test.conf at line 4 will probably never match because it overlaps an earlier AliasMatch."), "{w}");
}

#[test]
fn mime_directives_as_apache2_t() {
    // Each message is what apache2 -t printed for the same line.
    let m = |t: &str| settings(t).unwrap_err().message().to_string();
    assert_eq!(
        m("AddCharset x\n"),
        "AddCharset requires at least two arguments, a charset (e.g., iso-2022-jp), followed by one or more file extensions"
    );
    assert_eq!(
        m("AddEncoding\n"),
        "AddEncoding requires at least two arguments, an encoding (e.g., gzip), followed by one or more file extensions"
    );
    assert_eq!(
        m("AddLanguage en\n"),
        "AddLanguage requires at least two arguments, a language (e.g., fr), followed by one or more file extensions"
    );
    assert_eq!(
        m("AddHandler x\n"),
        "AddHandler requires at least two arguments, a handler name followed by one or more file extensions"
    );
    assert_eq!(
        m("RemoveType\n"),
        "RemoveType requires at least one argument, one or more file extensions"
    );
    assert_eq!(
        m("DefaultLanguage a b\n"),
        "DefaultLanguage takes one argument, language to use for documents with no other language file extension"
    );
    assert_eq!(
        m("ForceType a b\n"),
        "ForceType takes one argument, a mime type that overrides other configured type"
    );
    assert_eq!(
        m("SetHandler\n"),
        "SetHandler takes one argument, a handler name that overrides any other configured handler"
    );
    assert_eq!(
        m("AddDefaultCharset a b\n"),
        "AddDefaultCharset takes one argument, The name of the default charset to add to any Content-Type without one or 'Off' to disable"
    );
    assert!(m("AddOutputFilter INCLUDES .shtml\n").contains("not supported by spoor yet"));
    assert_eq!(
        m("SetOutputFilter DEFLATE;INCLUDES\n"),
        "SetOutputFilter INCLUDES: the output filter INCLUDES is not supported by spoor yet"
    );
    let s = settings(
        "AddLanguage zh-CN .zh-cn\nAddCharset UTF-8 .utf8\nRemoveType es\nAddDefaultCharset On\n",
    )
    .unwrap();
    let global = crate::modules::mime::types::MimeTable::parse(
        "text/html html\napplication/ecmascript es\n",
    );
    let info = s.main.dir.mime.info(&global, b"a.html.zh-CN.utf8.es");
    assert_eq!(info.content_type, Some(&b"text/html"[..]));
    assert_eq!(info.languages, vec!["zh-cn"]);
    assert_eq!(info.charset, Some("utf-8"));
    assert_eq!(
        s.main.dir.core.default_charset,
        Some(Some("iso-8859-1".to_string()))
    );
}

#[test]
fn log_level_in_a_section_is_refused() {
    // httpd takes a per-directory LogLevel; spoor keeps one per server and
    // says so with the directive's line, rather than ignoring it.
    let e = settings("<Directory /x>\nLogLevel info core:debug\n</Directory>\n").unwrap_err();
    assert_eq!(e.line(), 2);
    assert_eq!(
        e.message(),
        "LogLevel info core:debug is not supported by spoor yet"
    );
    let e = settings("<Location /x>\nLogLevel\n</Location>\n").unwrap_err();
    assert_eq!(e.message(), "LogLevel is not supported by spoor yet");
    // At server and virtual-host level it is taken.
    settings("LogLevel info\n<VirtualHost *:80>\nLogLevel debug\n</VirtualHost>\n").unwrap();
}
