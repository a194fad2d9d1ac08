use super::*;
use spoor_log::wasd_log::WasdLogName;

fn load(text: &str) -> Result<Settings, ConfigError> {
    load_map(text, None)
}

fn load_map(text: &str, map: Option<&str>) -> Result<Settings, ConfigError> {
    wasd_settings(
        WasdSources {
            config: (text, Path::new("HTTPD$CONFIG")),
            map: map.map(|m| (m, Path::new("HTTPD$MAP"))),
        },
        Path::new("/srv/wasd"),
    )
}

/// The error's line and message.
fn fails(text: &str) -> (usize, String) {
    let e = load(text).unwrap_err();
    assert_eq!(e.file(), Path::new("HTTPD$CONFIG"));
    (e.line(), e.message().to_string())
}

fn fails_map(map: &str) -> (usize, String) {
    let e = load_map("[Service] a.test:8080\n", Some(map)).unwrap_err();
    assert_eq!(e.file(), Path::new("HTTPD$MAP"));
    (e.line(), e.message().to_string())
}

#[test]
fn seed_service_example() {
    let s = load(
        "# four services over two host names\n\
         [Service]\n\
         alpha.wasd.dsto.defence.gov.au\n\
         alpha.wasd.dsto.defence.gov.au:8080\n\
         beta.wasd.dsto.defence.gov.au\n\
         beta.wasd.dsto.defence.gov.au:8000\n",
    )
    .unwrap();
    let names: Vec<(String, u16)> = s
        .vhosts
        .iter()
        .map(|v| (v.server_name.clone().unwrap(), v.port.unwrap()))
        .collect();
    assert_eq!(
        names,
        [
            ("alpha.wasd.dsto.defence.gov.au".to_string(), 80),
            ("alpha.wasd.dsto.defence.gov.au".to_string(), 8080),
            ("beta.wasd.dsto.defence.gov.au".to_string(), 80),
            ("beta.wasd.dsto.defence.gov.au".to_string(), 8000),
        ]
    );
    // The first service is the administration service.
    assert_eq!(
        s.main.server_name.as_deref(),
        Some("alpha.wasd.dsto.defence.gov.au")
    );
    assert_eq!(s.listen, [(None, 80), (None, 8080), (None, 8000)]);
    assert_eq!(s.wasd.as_ref().unwrap().services.len(), 4);
}

#[test]
fn service_forms() {
    let s = load(
        "[SERVICE] http://Alpha.Test.:8080;notrack\n\
         8081\n\
         127.0.0.1:8082\n\
         beta.test:8083;bind=127.0.0.1;track\n\
         *:8084, gamma.test:8085\n\
         [track] enabled\n",
    )
    .unwrap();
    let w = s.wasd.as_ref().unwrap();
    let local = crate::site::system_host_name().to_ascii_lowercase();
    let got: Vec<(String, u16, Option<IpAddr>, Option<bool>)> = w
        .services
        .iter()
        .map(|v| (v.host.clone(), v.port, v.bind, v.track))
        .collect();
    let lo: IpAddr = "127.0.0.1".parse().unwrap();
    assert_eq!(
        got,
        [
            ("alpha.test".to_string(), 8080, None, Some(false)),
            (local.clone(), 8081, None, None),
            ("127.0.0.1".to_string(), 8082, Some(lo), None),
            ("beta.test".to_string(), 8083, Some(lo), Some(true)),
            (local, 8084, None, None),
            ("gamma.test".to_string(), 8085, None, None),
        ]
    );
    let tracks: Vec<bool> = s.vhosts.iter().map(|v| v.wasd_track.is_some()).collect();
    assert_eq!(tracks, [false, true, true, true, true, true]);
    assert!(s.listen.contains(&(Some(lo), 8082)));
}

#[test]
fn service_errors() {
    for (text, line, needle) in [
        (
            "[Service]\nhttps://a.test\n",
            2,
            "https services are not supported",
        ),
        ("[Service]\na.test:99999\n", 2, "not a port number"),
        (
            "[Service]\na.test;proxy\n",
            2,
            "proxy services are not supported",
        ),
        (
            "[Service]\na.test;frob\n",
            2,
            "unknown service parameter ';frob'",
        ),
        ("[Service]\na.test;bind=x\n", 2, "not a numeric IP address"),
        ("[Service]\na.test\n\nA.TEST:80\n", 4, "already a service"),
        ("[Service]\na b.test\n", 2, "not a host name"),
    ] {
        let (l, m) = fails(text);
        assert_eq!(l, line, "{text}: {m}");
        assert!(m.contains(needle), "{text}: {m}");
    }
}

#[test]
fn general_syntax_errors() {
    for (text, line, needle) in [
        ("[Frobnicate] 1\n", 1, "unknown directive [Frobnicate]"),
        ("# c\nvalue first\n", 2, "outside any [Directive]"),
        ("[Logging\n", 1, "closing ']'"),
        (
            "[Logging] ENABLED\nDISABLED\n",
            2,
            "[Logging] takes one value",
        ),
        ("\n[Logging]\n", 2, "[Logging] needs a value"),
        ("[Logging] maybe\n", 1, "must be ENABLED or DISABLED"),
        ("[LogFormat] -!ZZ\n", 1, "[LogFormat]"),
        ("[LogPeriod] HOURLY\n", 1, "'HOURLY'"),
        ("[LogPeriod] WEEKLY\n", 1, "'WEEKLY'"),
        ("[LogNaming] FULL\n", 1, "NAME, HOST or ADDRESS"),
        ("[TrackDomain] site.org\n", 1, "[TrackDomain]"),
        ("[ServiceNotFoundURL] nowhere\n", 1, "is not a URL"),
        ("[LogExcludeHosts]\n10.0.0.*\n*.example.org\n", 3, "numeric"),
        (
            "[ErrorReportPath] x!UL.html\n",
            1,
            "[ErrorReportPath] must be a URL path",
        ),
        (
            "\n[ServerSignature] maybe\n",
            2,
            "[ServerSignature] takes ENABLED, EMAIL or DISABLED",
        ),
    ] {
        let (l, m) = fails(text);
        assert_eq!(l, line, "{text}: {m}");
        assert!(m.contains(needle), "{text}: {m}");
    }
}

#[test]
fn every_flag_directive_checks_its_value() {
    for d in [
        "Logging",
        "LogPerService",
        "LogPerServiceHostOnly",
        "DNSLookup",
        "Track",
        "TrackMultiSession",
        "ReportBasicOnly",
        "ReportMetaInfo",
    ] {
        let (l, m) = fails(&format!("# flags\n[{d}] sometimes\n"));
        assert_eq!(l, 2, "{d}");
        assert!(
            m.contains(&format!("[{d}]")) && m.contains("sometimes"),
            "{d}: {m}"
        );
        assert!(
            load(&format!("[{}] disabled\n", d.to_ascii_uppercase())).is_ok(),
            "{d}"
        );
    }
    // Single-value directives refuse a second value.
    for d in [
        "LogFormat",
        "LogPeriod",
        "LogNaming",
        "TrackDomain",
        "ServerAdmin",
    ] {
        let (l, m) = fails(&format!("[{d}]\na\nb\n"));
        assert_eq!((l, m), (3, format!("[{d}] takes one value")));
    }
}

#[test]
fn seed_mapping_examples_read() {
    // The package-tree, error-report-per-host and unknown-service
    // examples of the WASD chapter (the last without its exec rule,
    // which spoor refuses).
    let services = "[Service]\nalpha.wasd.dsto.gov.au\nbeta.wasd.dsto.gov.au\n\
                    gamma.wasd.dsto.gov.au\nvirtual1.host.name\nvirtual2.host.name\n\
                    virtual3.host.name\n";
    for map in [
        "# HTTPD$MAP\npass /ht_root/doc/*\npass /ht_root/src/*\npass /ht_root/example/*\n\
         pass /ht_root/exercise/*\nfail /ht_root/*\n",
        "# HTTPD$MAP\npass /ht_root/*\n",
        "[[alpha.wasd.dsto.gov.au]]\npass /errorreport.shtml /ht_root/local/alphareport.shtml\n\
         [[beta.wasd.dsto.gov.au]]\npass /errorreport.shtml /ht_root/local/betareport.shtml\n\
         [[gamma.wasd.dsto.gov.au]]\npass /errorreport.shtml /ht_root/local/gammareport.shtml\n",
        "pass /*/-/admin/*\npass /*/-/* /ht_root/runtime/*/*\n\
         [[virtual1.host.name]]\n/* /web/virtual1/*\n/ /web/virtual1/\n\
         [[virtual2.host.name]]\n/* /web/virtual2/*\n/ /web/virtual2/\n\
         [[virtual3.host.name]]\n/* /web/virtual3/*\n/ /web/virtual3/\n\
         [[*]]\n/* /web/servicenotfound.html\n",
        "# default is basic reports\nset /* report=basic\nset /internal-documents/* report=detailed\n\
         set /other/path/* report=detailed\n",
    ] {
        let s = load_map(services, Some(map)).unwrap_or_else(|e| panic!("{map}: {e}"));
        assert!(s.warnings.is_empty(), "{:?}", s.warnings);
    }
    let s = load_map(
        services,
        Some(
            "[[beta.wasd.dsto.gov.au]]\npass /errorreport.shtml /ht_root/local/betareport.shtml\n",
        ),
    )
    .unwrap();
    let m = &s.wasd.as_ref().unwrap().map;
    assert_eq!(
        m.map(Some(("beta.wasd.dsto.gov.au", 80)), b"/errorreport.shtml"),
        crate::modules::wasd::site::Mapped::File(b"/ht_root/local/betareport.shtml".to_vec())
    );
    assert_eq!(
        m.map(Some(("alpha.wasd.dsto.gov.au", 80)), b"/errorreport.shtml"),
        crate::modules::wasd::site::Mapped::Fail
    );
}

#[test]
fn logging_directives() {
    // Logging off: no logs at all.
    let s = load("[Service] a.test:8080\n[LogFormat] COMBINED\n").unwrap();
    assert!(s.main.logs.is_empty());
    let s = load(
        "[Service] a.test:8080\n[Logging] ENABLED\n[LogFileName] logs/HTTPD.LOG\n\
         [LogFormat] -!CN|!RQ\n[LogExcludeHosts] 10.0.0.*, 192.168.*\n",
    )
    .unwrap();
    assert_eq!(s.main.logs.len(), 1);
    let l = &s.main.logs[0];
    assert_eq!(l.target, "logs/HTTPD.LOG");
    assert!(l.wasd_format && l.period.is_none());
    assert_eq!(s.vhosts[0].wasd_logs.as_deref(), Some(&[0][..]));
    assert!(s.log_exclude_hosts.matches("10.0.0.7", None));
    assert!(s.log_exclude_hosts.matches("192.168.1.1", None));
    // The default file and format.
    let s = load("[Service] a.test:8080\n[Logging] ENABLED\n").unwrap();
    assert_eq!(s.main.logs[0].target, DEFAULT_LOG_FILE);
    assert_eq!(s.main.logs[0].format.as_deref(), Some("COMMON"));
}

#[test]
fn per_service_and_periodic_names() {
    let s = load(
        "[Service]\nwasd.dsto.defence.gov.au:80\nbeta.dsto.defence.gov.au:80\n\
         beta.dsto.defence.gov.au:443;notrack\n\
         [Logging] ENABLED\n[LogFileName] ht_logs/x.log\n\
         [LogPerService] ENABLED\n[LogPerServiceHostOnly] ENABLED\n[LogNaming] HOST\n",
    )
    .unwrap();
    let t: Vec<&str> = s.main.logs.iter().map(|l| l.target.as_str()).collect();
    assert_eq!(
        t,
        [
            "ht_logs/WASD-DSTO-DEFENCE-GOV-AU_ACCESS.LOG",
            "ht_logs/BETA-DSTO-DEFENCE-GOV-AU_ACCESS.LOG"
        ]
    );
    let per: Vec<_> = s
        .vhosts
        .iter()
        .map(|v| v.wasd_logs.clone().unwrap())
        .collect();
    assert_eq!(per, [vec![0], vec![1], vec![1]]);
    // A period without per-service logs: one file named after the
    // first service.
    let s = load(
        "[Service]\nwasd.dsto.defence.gov.au:80\nbeta.test:81\n\
         [Logging] ENABLED\n[LogFileName] ht_logs/x.log\n[LogPeriod] MONDAY\n",
    )
    .unwrap();
    assert_eq!(s.main.logs.len(), 1);
    let l = &s.main.logs[0];
    assert_eq!(
        l.wasd_name.as_ref().unwrap(),
        &WasdLogName {
            dir: "ht_logs".into(),
            host: "WASD".into(),
            port: Some(80)
        }
    );
    assert!(l.period.is_some());
    // ADDRESS naming takes a numeric service's address.
    let s = load(
        "[Service]\n127.0.0.1:8080\n[Logging] ENABLED\n[LogPerService] ENABLED\n\
         [LogNaming] ADDRESS\n",
    )
    .unwrap();
    assert_eq!(s.main.logs[0].target, "logs/127-0-0-1_8080_ACCESS.LOG");
}

#[test]
fn tracking_directives() {
    let s = load(
        "[Service]\na.site.org.domain:80\nb.site.org.domain:80;notrack\n\
         [Track] ENABLED\n[TrackMultiSession] ENABLED\n[TrackDomain] .site.org.domain\n",
    )
    .unwrap();
    let t = s.vhosts[0].wasd_track.as_ref().unwrap();
    assert!(t.multi_session);
    assert_eq!(t.domain.as_ref().unwrap().as_str(), ".site.org.domain");
    assert!(s.vhosts[1].wasd_track.is_none());
    // [Track] off: ;track alone does not track.
    let s = load("[Service]\na.test;track\n").unwrap();
    assert!(s.vhosts[0].wasd_track.is_none());
}

#[test]
fn add_type_entries() {
    let s = load(
        "[AddType]\n\
         .html  \"text/html; charset=ISO-8859-1\"  -  HTML (ISO-8859-1)\n\
         .TXT   text/plain   -  plain text\n\
         *  internal/x-unknown  -  text/plain\n",
    )
    .unwrap();
    let t = &s.wasd.as_ref().unwrap().types;
    assert_eq!(t.lookup(b"a.HTML"), b"text/html; charset=ISO-8859-1");
    assert_eq!(t.lookup(b"a.txt"), b"text/plain");
    assert_eq!(t.lookup(b"README.VMS"), b"text/plain");
    // Each documented catch-all form.
    for (line, default) in [
        ("*  internal/x-unknown  -", "application/octet-stream"),
        (
            "*  internal/x-unknown  -  application/octet-stream",
            "application/octet-stream",
        ),
        (
            "*  internal/x-unknown  -  something/else-entirely",
            "something/else-entirely",
        ),
    ] {
        let s = load(&format!("[AddType]\n{line}\n")).unwrap();
        assert_eq!(
            s.wasd.as_ref().unwrap().types.default_type(),
            default.as_bytes()
        );
    }
    for (text, needle) in [
        (
            "[AddType]\n.hlb text/x-script /Conan VMS Help library\n",
            "auto-scripting",
        ),
        ("[AddType]\n.html text/html\n", "needs a .suffix"),
        ("[AddType]\nhtml text/html - x\n", "not a file type"),
        ("[AddType]\n.html texthtml - x\n", "not a content type"),
        ("[AddType]\n.html \"text/html - x\n", "unterminated quote"),
        (
            "[AddType]\n* internal/x-unknown - plain text\n",
            "not a content type",
        ),
    ] {
        let (l, m) = fails(text);
        assert_eq!(l, 2, "{text}");
        assert!(m.contains(needle), "{text}: {m}");
    }
}

#[test]
fn report_directives_reach_every_service() {
    use crate::modules::wasd::report::WasdSignature;
    let s = load(
        "[Service]\na.test\nb.test\n[ServerSignature] EMAIL\n[ServerAdmin] web@a.test\n\
         [ReportBasicOnly] ENABLED\n[ReportMetaInfo] ENABLED\n\
         [ServerReportBodyTag] <BODY BGCOLOR=\"#ffffff\">\n\
         [ErrorReportPath] /ht_root/local/reporterror!UL.html\n",
    )
    .unwrap();
    for v in s.vhosts.iter().chain([&s.main]) {
        let r = v.wasd_report.as_ref().unwrap();
        assert_eq!(r.signature, WasdSignature::Email);
        assert_eq!(r.server_admin.as_deref(), Some("web@a.test"));
        assert!(r.basic_only && r.meta_info);
        assert_eq!(r.body_tag, "<BODY BGCOLOR=\"#ffffff\">");
        assert_eq!(
            r.error_page(404).as_deref(),
            Some("/ht_root/local/reporterror404.html")
        );
    }
    // Without report directives, WASD's defaults (not Apache's pages).
    let s = load("[Service] a.test\n").unwrap();
    assert_eq!(
        s.vhosts[0].wasd_report,
        Some(crate::modules::wasd::report::WasdReport::default())
    );
}

#[test]
fn admin_and_not_found_url() {
    let s = load(
        "[Service] a.test:8080\n[ServerAdmin] webmaster@a.test\n\
         [ServiceNotFoundURL]  //server.host.name/httpd/-/servicenotfound.html\n",
    )
    .unwrap();
    assert_eq!(
        s.vhosts[0].server_admin.as_deref(),
        Some("webmaster@a.test")
    );
    let w = s.wasd.as_ref().unwrap();
    assert_eq!(
        w.not_found_location().unwrap(),
        b"http://server.host.name/httpd/-/servicenotfound.html"
    );
}

#[test]
fn dns_lookup_follows_the_engine() {
    // [DNSLookup] ENABLED is carried out exactly when HostnameLookups On
    // is; DISABLED always reads.
    assert!(load("[DNSLookup] DISABLED\n").is_ok());
    let apache = {
        let cfg = Config {
            directives: vec![Directive::new(
                "HostnameLookups",
                vec!["On".into()],
                "x".into(),
                1,
            )],
            server_root: "/".into(),
            defines: Vec::new(),
            warnings: Vec::new(),
        };
        Settings::from_config(&cfg).is_ok()
    };
    let r = load("\n[DNSLookup] ENABLED\n[LogExcludeHosts] *.example.org\n");
    assert_eq!(r.is_ok(), apache);
    if let Ok(s) = &r {
        // Host-name patterns are allowed once names are looked up.
        assert_eq!(s.main.dir.core.hostname_lookups, Some(HostnameLookups::On));
        assert!(s
            .log_exclude_hosts
            .matches("10.0.0.1", Some("www.example.org")));
    }
    if let Err(e) = r {
        assert_eq!(e.line(), 2);
        assert!(
            e.message().starts_with("[DNSLookup] ENABLED: "),
            "{}",
            e.message()
        );
    }
}

#[test]
fn map_file() {
    let s = load_map(
        "[Service]\nvirtual1.host.name:8080\nvirtual2.host.name:8080\n",
        Some(
            "# fallback rules\n\
             pass /*/-/* /ht_root/runtime/*/*\n\
             set /* report=basic\n\
             [[virtual1.host.name]]\n\
             /* /web/virtual1/*\n\
             set /docs/* report=detailed\n\
             / /web/virtual1/\n\
             [[virtual2.host.name:8080]]\n\
             PASS /* /web/virtual2/*\n\
             [[other.host.name]]\n\
             fail /*\n\
             [[*]]\n\
             map /old/* /new/*\n\
             /* /web/servicenotfound.html\n",
        ),
    )
    .unwrap();
    let m = &s.wasd.as_ref().unwrap().map;
    assert_eq!(m.rules.len(), 7);
    assert_eq!(
        m.rules[1].scope,
        MapScope::Host("virtual1.host.name".into())
    );
    assert_eq!(
        m.rules[3].scope,
        MapScope::Service("virtual2.host.name".into(), 8080)
    );
    assert_eq!(m.rules[5].verb, Verb::Map);
    assert_eq!(m.rules[6].scope, MapScope::All);
    // Rules for a host with no service: a warning, as WASD reports.
    assert_eq!(s.warnings.len(), 1, "{:?}", s.warnings);
    assert!(s.warnings[0].contains("HTTPD$MAP:10:"), "{:?}", s.warnings);
    // Report rules go to the services their sections apply to.
    use crate::modules::wasd::report::ReportLevel;
    let r1 = s.vhosts[0].wasd_report.as_ref().unwrap();
    let r2 = s.vhosts[1].wasd_report.as_ref().unwrap();
    assert_eq!((r1.rules.len(), r2.rules.len()), (2, 1));
    assert_eq!(r1.level_for(b"/docs/a"), ReportLevel::Detailed);
    assert_eq!(r2.level_for(b"/docs/a"), ReportLevel::Basic);
}

#[test]
fn map_errors() {
    for (text, line, needle) in [
        (
            "\nexec /cgi-bin/* /cgi-bin/*\n",
            2,
            "not supported by spoor (no scripting)",
        ),
        ("redirect /a /b\n", 1, "not supported by spoor yet"),
        ("frob /a\n", 1, "unknown mapping rule 'frob'"),
        ("pass\n", 1, "needs a path template"),
        ("pass a/b\n", 1, "must be a path"),
        ("pass /a/* http://x/*\n", 1, "proxying is not supported"),
        ("map /a/*\n", 1, "needs a result"),
        ("pass /a /b/*\n", 1, "more * than the template"),
        ("fail /a /b\n", 1, "only a template"),
        ("pass /a /b c\n", 1, "text after the result"),
        (
            "set /* nolog\n",
            1,
            "set rule option 'nolog' is not supported by spoor yet",
        ),
        (
            "set /* report=brief\n",
            1,
            "report= takes basic or detailed",
        ),
        ("set /*\n", 1, "needs an option"),
        ("[[a.test:x]]\n", 1, "not a port number"),
        ("[[a.test\n", 1, "ends with ']]'"),
    ] {
        let (l, m) = fails_map(text);
        assert_eq!(l, line, "{text}: {m}");
        assert!(m.contains(needle), "{text}: {m}");
    }
}

#[test]
fn default_mapping_serves_htdocs() {
    let s = load("[Service] a.test:8080\n").unwrap();
    let m = &s.wasd.as_ref().unwrap().map;
    assert_eq!(
        m.map(Some(("a.test", 8080)), b"/x/y.html"),
        crate::modules::wasd::site::Mapped::File(b"/htdocs/x/y.html".to_vec())
    );
    assert_eq!(
        s.vhosts[0].document_root.as_deref(),
        Some(Path::new("/srv/wasd"))
    );
}
