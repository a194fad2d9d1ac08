//! WASD server reports in the running server: basic and detailed internal
//! reports, the per-path `set … report=` rule, `[ServerSignature]`
//! DISABLED/ENABLED/EMAIL, `[ServerReportBodyTag]`, `[ErrorReportPath]`
//! with `!UL` (page found, page missing, page forbidden), and the
//! access-log lines of each (Apache `%<s %>s %b %<U %>U` and WASD `!RS !BB
//! !PA`).
//!
//! Most cases build the model in-process (an httpd.conf gives the
//! document root, sections and logs, and the test sets
//! `Server::wasd_report` as the WASD configuration does); the last runs
//! the binary with `spoor --wasd` and a mapping file.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::time::Duration;

use spoor::config::{read_config_str, ReadOptions, Settings};
use spoor::modules::wasd::report::{set_rule, WasdReport};
use spoor_log::Format;

const V: &str = env!("CARGO_PKG_VERSION");

mod common;
use common::{free_port, TempDir, WasdSpoor};

fn tempdir(tag: &str) -> TempDir {
    TempDir::create(
        &format!("wasdrep-{tag}"),
        &["htdocs/errors", "htdocs/docs", "logs"],
        &[("htdocs/index.html", "hello\n")],
    )
}

/// The model for `extra` httpd.conf lines, with two logs: `logs/apache.log`
/// (`%<s %>s %b %<U %>U %k`) and `logs/wasd.log` (WASD `-!RS !BB !PA`,
/// set in `with_server`), and the given report settings.
fn settings(root: &Path, extra: &str, report: WasdReport) -> Settings {
    let text = format!(
        "DocumentRoot {}/htdocs\nServerName wasd.example.test:8001\n\
         CustomLog logs/apache.log \"%<s %>s %b %<U %>U %k\"\n\
         CustomLog logs/wasd.log common\n{extra}\
         LoadModule authz_core_module modules/mod_authz_core.so\n",
        root.display()
    );
    let cfg = read_config_str(&text, &root.join("spoor.conf"), &ReadOptions::new(root)).unwrap();
    let mut s = Settings::from_config(&cfg).unwrap();
    s.main.wasd_report = Some(report);
    s
}

fn report(lines: &[(&str, &str)], rules: &[(&str, &str)]) -> WasdReport {
    let mut r = WasdReport::default();
    for (n, v) in lines {
        r.directive(n, v).unwrap().unwrap();
    }
    for (t, p) in rules {
        r.rules.push(set_rule(t, p).unwrap().unwrap());
    }
    r
}

/// Runs the server while `f` talks to it; returns once it has stopped.
fn with_server(settings: &Settings, f: impl FnOnce(u16)) {
    let mut cfg = spoor::site::build(settings).unwrap();
    cfg.servers[0].logs[1].format = Format::wasd("-!RS !BB !PA").unwrap();
    common::with_site(cfg, f);
}

/// Sends `raw` on its own connection and returns (head, body).
fn exchange(port: u16, raw: &str) -> (String, String) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s.write_all(raw.as_bytes()).unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).unwrap();
    let text = String::from_utf8_lossy(&out).into_owned();
    let end = text.find("\r\n\r\n").expect("a response head");
    (text[..end].to_string(), text[end + 4..].to_string())
}

fn get(port: u16, method: &str, path: &str) -> (String, String) {
    exchange(
        port,
        &format!(
            "{method} {path} HTTP/1.1\r\nHost: wasd.example.test\r\nConnection: close\r\n\r\n"
        ),
    )
}

fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().find_map(|l| {
        let (n, v) = l.split_once(": ")?;
        n.eq_ignore_ascii_case(name).then_some(v)
    })
}

fn logs(dir: &TempDir) -> (Vec<String>, Vec<String>) {
    let read = |n: &str| {
        std::fs::read_to_string(dir.0.join("logs").join(n))
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect()
    };
    (read("apache.log"), read("wasd.log"))
}

const TOP: &str = "<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 3.2 Final//EN\">\n<HTML>\n<HEAD>\n";

#[test]
fn detailed_and_basic_reports_with_their_log_lines() {
    let dir = tempdir("levels");
    let r = report(
        &[],
        &[("/*", "report=basic"), ("/docs/*", "report=detailed")],
    );
    let s = settings(&dir.0, "", r);
    let mut got = Vec::new();
    with_server(&s, |port| {
        got.push(get(port, "GET", "/nothing.html"));
        got.push(get(port, "GET", "/docs/gone%20away.html"));
        got.push(get(port, "HEAD", "/docs/gone.html"));
    });
    let basic = format!(
        "{TOP}<TITLE>ERROR 404 Not Found</TITLE>\n</HEAD>\n<BODY>\n\
         <FONT SIZE=+1><B>ERROR 404</B> &nbsp;-&nbsp; The requested resource could not be found.</FONT>\n\
         </BODY>\n</HTML>\n"
    );
    let detailed = format!(
        "{TOP}<TITLE>ERROR 404 Not Found</TITLE>\n</HEAD>\n<BODY>\n\
         <FONT SIZE=+1><B>ERROR 404</B> &nbsp;-&nbsp; The requested resource could not be found.</FONT>\n\
         <P>Document not found &nbsp;...&nbsp; /docs/gone away.html\n\
         <BR>(document, bookmark, or reference requires revision)\n\
         </BODY>\n</HTML>\n"
    );
    assert_eq!(got[0].1, basic);
    assert_eq!(got[1].1, detailed);
    for (head, _) in &got {
        assert!(head.starts_with("HTTP/1.1 404 Not Found\r\n"), "{head}");
        assert_eq!(
            header(head, "Content-Type"),
            Some("text/html; charset=ISO-8859-1")
        );
    }
    assert_eq!(
        header(&got[0].0, "Content-Length"),
        Some(&*basic.len().to_string())
    );
    assert_eq!(got[2].1, "", "HEAD has no body");
    let (apache, wasd) = logs(&dir);
    let (b, d) = (basic.len(), detailed.len());
    assert_eq!(
        apache,
        [
            format!("404 404 {b} /nothing.html /nothing.html 0"),
            format!("404 404 {d} /docs/gone away.html /docs/gone away.html 0"),
            "404 404 - /docs/gone.html /docs/gone.html 0".to_string(),
        ]
    );
    assert_eq!(
        wasd,
        [
            format!("404 {b} /nothing.html"),
            format!("404 {d} /docs/gone away.html"),
            "404 0 /docs/gone.html".to_string(),
        ]
    );
}

#[test]
fn signatures_disabled_enabled_email() {
    type Lines = &'static [(&'static str, &'static str)];
    let cases: [(Lines, Option<String>); 4] = [
        (&[], None),
        (&[("ServerSignature", "DISABLED")], None),
        (
            &[("ServerSignature", "ENABLED")],
            Some(format!(
                "<P><HR WIDTH=85% ALIGN=left SIZE=2 NOSHADE>\n<ADDRESS>spoor/{V} Server at wasd.example.test Port 8001</ADDRESS>\n"
            )),
        ),
        (
            &[("ServerSignature", "EMAIL"), ("ServerAdmin", "admin@example.test")],
            Some(format!(
                "<P><HR WIDTH=85% ALIGN=left SIZE=2 NOSHADE>\n<ADDRESS>spoor/{V} Server at <A HREF=\"mailto:admin@example.test\">wasd.example.test</A> Port 8001</ADDRESS>\n"
            )),
        ),
    ];
    for (lines, sig) in cases {
        let dir = tempdir("sig");
        let mut l = lines.to_vec();
        l.push(("ReportBasicOnly", "ENABLED"));
        l.push(("ServerReportBodyTag", "<BODY BGCOLOR=\"#eeeeee\">"));
        let s = settings(&dir.0, "", report(&l, &[]));
        let mut body = String::new();
        with_server(&s, |port| body = get(port, "PUT", "/index.html").1);
        let want = format!(
            "{TOP}<TITLE>ERROR 405 Method Not Allowed</TITLE>\n</HEAD>\n<BODY BGCOLOR=\"#eeeeee\">\n\
             <FONT SIZE=+1><B>ERROR 405</B> &nbsp;-&nbsp; The requested method is not allowed for this resource.</FONT>\n\
             {}</BODY>\n</HTML>\n",
            sig.unwrap_or_default()
        );
        assert_eq!(body, want, "{lines:?}");
        let (apache, _) = logs(&dir);
        assert_eq!(
            apache,
            [format!("405 405 {} /index.html /index.html 0", want.len())]
        );
    }
}

#[test]
fn error_report_path_ul_found_missing_and_forbidden() {
    let dir = tempdir("erp");
    let page404 = "<p>custom 404</p>\n";
    std::fs::write(dir.0.join("htdocs/errors/report404.html"), page404).unwrap();
    std::fs::write(dir.0.join("htdocs/errors/report403.html"), "<p>403</p>\n").unwrap();
    let r = report(&[("ErrorReportPath", "/errors/report!UL.html")], &[]);
    let s = settings(
        &dir.0,
        "<Location /private>\nRequire all denied\n</Location>\n\
         <Location /errors/report403.html>\nRequire all denied\n</Location>\n",
        r,
    );
    let mut got = Vec::new();
    with_server(&s, |port| {
        // The page exists: served with the error status.
        got.push(get(port, "GET", "/missing.html?a=b"));
        // No report405.html: the internal report, for the original method.
        got.push(get(port, "DELETE", "/index.html"));
        // report403.html exists but is itself forbidden: internal report.
        got.push(get(port, "GET", "/private/x.html"));
        // A head refused before the request is read: internal report.
        got.push(exchange(port, "GET /a HTTP/1.1\r\nNo colon here\r\n\r\n"));
        // A keep-alive connection keeps going after a redirected error.
        let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        s.write_all(
            b"GET /nope HTTP/1.1\r\nHost: h\r\n\r\nGET /index.html HTTP/1.1\r\nHost: h\r\n\r\n\
              GET /index.html HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n",
        )
        .unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        assert_eq!(
            out.matches("HTTP/1.1 404 Not Found\r\n").count(),
            1,
            "{out}"
        );
        assert_eq!(out.matches("HTTP/1.1 200 OK\r\n").count(), 2, "{out}");
        assert!(out.contains(page404), "{out}");
    });
    assert!(
        got[0].0.starts_with("HTTP/1.1 404 Not Found\r\n"),
        "{}",
        got[0].0
    );
    assert_eq!(got[0].1, page404);
    assert_eq!(header(&got[0].0, "Content-Type"), Some("text/html"));

    let r405 = &got[1];
    assert!(r405.0.starts_with("HTTP/1.1 405 Method Not Allowed\r\n"));
    assert!(
        r405.1
            .contains("<P>Method not allowed (DELETE) &nbsp;...&nbsp; /index.html\n"),
        "{}",
        r405.1
    );
    let r403 = &got[2];
    assert!(r403.0.starts_with("HTTP/1.1 403 Forbidden\r\n"));
    assert!(
        r403.1
            .contains("<P>Access denied &nbsp;...&nbsp; /private/x.html\n"),
        "{}",
        r403.1
    );
    let r400 = &got[3];
    assert!(r400.0.starts_with("HTTP/1.1 400 Bad Request\r\n"));
    assert!(r400.1.contains("<B>ERROR 400</B>"), "{}", r400.1);

    let (apache, wasd) = logs(&dir);
    let n = page404.len();
    assert_eq!(
        apache,
        [
            // Logged as an internal redirect: the final request is the
            // page, with the original's status.
            format!("404 404 {n} /missing.html /errors/report404.html 0"),
            // Undone: as if there had been no redirect.
            format!("405 405 {} /index.html /index.html 0", r405.1.len()),
            format!("403 403 {} /private/x.html /private/x.html 0", r403.1.len()),
            format!("400 400 {} /a /a 0", r400.1.len()),
            format!("404 404 {n} /nope /errors/report404.html 0"),
            // The redirected error counted once for keep-alive (%k).
            "200 200 6 /index.html /index.html 1".to_string(),
            "200 200 6 /index.html /index.html 1".to_string(),
        ]
    );
    assert_eq!(wasd[0], format!("404 {n} /missing.html"));
    assert_eq!(wasd[1], format!("405 {} /index.html", r405.1.len()));
}

/// An `[ErrorReportPath]` naming a directory: its slash redirect is not
/// sent in place of the error; the internal report is.
#[test]
fn error_report_path_to_a_directory_falls_back() {
    let dir = tempdir("erpdir");
    std::fs::create_dir_all(dir.0.join("htdocs/errors/dir404")).unwrap();
    let r = report(
        &[
            ("ErrorReportPath", "/errors/dir!UL"),
            ("ReportBasicOnly", "ENABLED"),
        ],
        &[],
    );
    let s = settings(&dir.0, "", r);
    let mut got = (String::new(), String::new());
    with_server(&s, |port| got = get(port, "GET", "/missing"));
    assert!(got.0.starts_with("HTTP/1.1 404 Not Found\r\n"), "{}", got.0);
    assert_eq!(header(&got.0, "Location"), None);
    assert!(got.1.contains("<B>ERROR 404</B>"), "{}", got.1);
    let (apache, wasd) = logs(&dir);
    let n = got.1.len();
    assert_eq!(apache, [format!("404 404 {n} /missing /missing 0")]);
    assert_eq!(wasd, [format!("404 {n} /missing")]);
}

#[test]
fn redirect_and_meta_info() {
    let dir = tempdir("meta");
    let r = report(&[("ReportMetaInfo", "ENABLED")], &[]);
    let s = settings(&dir.0, "", r);
    let mut got = Vec::new();
    with_server(&s, |port| {
        got.push(get(port, "GET", "/docs"));
        got.push(get(port, "GET", "/gone"));
    });
    let (head, body) = &got[0];
    assert!(
        head.starts_with("HTTP/1.1 301 Moved Permanently\r\n"),
        "{head}"
    );
    let loc = "http://wasd.example.test:8001/docs/";
    assert_eq!(header(head, "Location"), Some(loc));
    assert!(body.contains(&format!(
        "<TITLE>301 Moved Permanently</TITLE>\n</HEAD>\n<BODY>\n<FONT SIZE=+1><B>301</B> &nbsp;-&nbsp; The document has moved permanently.</FONT>\n<P>New location: &nbsp;<A HREF=\"{loc}\">{loc}</A>\n</BODY>"
    )), "{body}");
    let body = &got[1].1;
    assert!(
        body.starts_with(&format!(
        "{TOP}<META NAME=\"generator\" CONTENT=\"spoor/{V}\">\n<META NAME=\"module\" CONTENT=\""
    )),
        "{body}"
    );
    assert!(
        body.contains("\">\n<META NAME=\"line\" CONTENT=\""),
        "{body}"
    );
    assert!(
        body.contains("\">\n<TITLE>ERROR 404 Not Found</TITLE>"),
        "{body}"
    );
}

#[test]
fn apache_dialect_pages_are_unchanged() {
    let dir = tempdir("apache");
    let mut s = settings(&dir.0, "", WasdReport::default());
    s.main.wasd_report = None;
    let mut got = (String::new(), String::new());
    with_server(&s, |port| got = get(port, "GET", "/nothing.html"));
    assert_eq!(
        header(&got.0, "Content-Type"),
        Some("text/html; charset=iso-8859-1")
    );
    assert!(got
        .1
        .starts_with("<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.01//EN\""));
    assert_eq!(got.1.len(), 236);
}

/// The whole chain from the WASD files: report directives, the map's
/// `set` rules per service section, `[ErrorReportPath]` found and
/// missing, an unknown service, and the access log.
#[test]
fn reports_through_spoor_wasd() {
    let dir = tempdir("binary");
    let port = free_port();
    let page404 = "<p>not here</p>\n";
    std::fs::write(dir.0.join("htdocs/errors/report404.html"), page404).unwrap();
    std::fs::write(
        dir.0.join("HTTPD_CONFIG.CONF"),
        format!(
            "# reports\n[Service]\n\
             alpha.example.test:{port};bind=127.0.0.1\n\
             beta.example.test:{port};bind=127.0.0.1\n\
             [ServerSignature] EMAIL\n\
             [ServerAdmin] web@example.test\n\
             [ServerReportBodyTag] <BODY BGCOLOR=\"#ffffff\">\n\
             [ErrorReportPath] /errors/report!UL.html\n\
             [Logging] ENABLED\n\
             [LogFormat] -!SN !RS !BB !PA\n"
        ),
    )
    .unwrap();
    std::fs::write(
        dir.0.join("HTTPD_MAP.CONF"),
        "# default is basic reports\n\
         set /* report=basic\n\
         pass /errors/* /htdocs/errors/*\n\
         [[alpha.example.test]]\n\
         set /docs/* report=detailed\n\
         fail /docs/secret/*\n\
         pass /* /htdocs/*\n\
         [[beta.example.test]]\n\
         pass /* /htdocs/*\n",
    )
    .unwrap();
    let srv = WasdSpoor::start(&dir.0, port, true);
    let req = |method: &str, path: &str, host: &str| {
        exchange(
            port,
            &format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"),
        )
    };
    let found = req("GET", "/gone.html", "alpha.example.test");
    let detailed = req("GET", "/docs/secret/plan.txt", "alpha.example.test");
    let basic = req("PUT", "/index.html", "beta.example.test");
    let unknown = req("GET", "/docs/secret/plan.txt", "gamma.example.test");
    drop(srv);

    assert!(
        found.0.starts_with("HTTP/1.1 404 Not Found\r\n"),
        "{}",
        found.0
    );
    assert_eq!(found.1, page404);
    let sig = |host: &str| {
        format!(
            "<P><HR WIDTH=85% ALIGN=left SIZE=2 NOSHADE>\n<ADDRESS>spoor/{V} Server at \
             <A HREF=\"mailto:web@example.test\">{host}</A> Port {port}</ADDRESS>\n"
        )
    };
    let want = format!(
        "{TOP}<TITLE>ERROR 403 Forbidden</TITLE>\n</HEAD>\n<BODY BGCOLOR=\"#ffffff\">\n\
         <FONT SIZE=+1><B>ERROR 403</B> &nbsp;-&nbsp; The requested action is not permitted.</FONT>\n\
         <P>Access denied &nbsp;...&nbsp; /docs/secret/plan.txt\n\
         <BR>(the server configuration does not permit this access)\n\
         {}</BODY>\n</HTML>\n",
        sig("alpha.example.test")
    );
    assert!(
        detailed.0.starts_with("HTTP/1.1 403 Forbidden\r\n"),
        "{}",
        detailed.0
    );
    assert_eq!(detailed.1, want);
    let want = format!(
        "{TOP}<TITLE>ERROR 405 Method Not Allowed</TITLE>\n</HEAD>\n<BODY BGCOLOR=\"#ffffff\">\n\
         <FONT SIZE=+1><B>ERROR 405</B> &nbsp;-&nbsp; The requested method is not allowed for this resource.</FONT>\n\
         {}</BODY>\n</HTML>\n",
        sig("beta.example.test")
    );
    assert_eq!(basic.1, want);
    assert_eq!(
        header(&basic.0, "Allow"),
        Some("GET,POST,OPTIONS,HEAD,TRACE")
    );
    // An unknown service: served by the interface's base service (alpha),
    // with only the rules for every service: unmapped, and basic.
    let want = format!(
        "{TOP}<TITLE>ERROR 403 Forbidden</TITLE>\n</HEAD>\n<BODY BGCOLOR=\"#ffffff\">\n\
         <FONT SIZE=+1><B>ERROR 403</B> &nbsp;-&nbsp; The requested action is not permitted.</FONT>\n\
         {}</BODY>\n</HTML>\n",
        sig("alpha.example.test")
    );
    assert_eq!(unknown.1, want);

    let log = std::fs::read_to_string(dir.0.join("logs/access.log")).unwrap();
    assert_eq!(
        log,
        format!(
            "alpha.example.test 404 {} /gone.html\n\
             alpha.example.test 403 {} /docs/secret/plan.txt\n\
             beta.example.test 405 {} /index.html\n\
             alpha.example.test 403 {} /docs/secret/plan.txt\n",
            page404.len(),
            detailed.1.len(),
            basic.1.len(),
            unknown.1.len()
        )
    );
}
