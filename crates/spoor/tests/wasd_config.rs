//! The WASD configuration dialect through the binary: `spoor --wasd FILE
//! [--wasd-map FILE]` and `-t`, services chosen by Host, unknown services
//! (redirected or mapped by the `[[*]]` rules), mapping rules, `[AddType]`
//! content types with charset and catch-all, `?httpd=content&type=`, and
//! `[LogPeriod]`/`[LogPerService]`/`[Track]` writing WASD's generated file
//! names with the tracking token in the COMMON remote-ID slot.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::Duration;

mod common;
use common::{free_port, next_line_starting, TempDir, WasdSpoor};

fn tempdir(tag: &str) -> TempDir {
    TempDir::create(&format!("wasdcfg-{tag}"), &[], &[])
}

/// One request on its own connection; returns the head and the body.
fn get(port: u16, target: &str, host: Option<&str>, extra: &str) -> (String, String) {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let host = host.map_or(String::new(), |h| format!("Host: {h}\r\n"));
    let version = if host.is_empty() { "1.0" } else { "1.1" };
    write!(
        s,
        "GET {target} HTTP/{version}\r\n{host}{extra}Connection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).unwrap();
    let text = String::from_utf8_lossy(&out).into_owned();
    let end = text.find("\r\n\r\n").expect("a response head");
    (text[..end].to_string(), text[end + 4..].to_string())
}

fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().find_map(|l| {
        let (n, v) = l.split_once(": ")?;
        n.eq_ignore_ascii_case(name).then_some(v)
    })
}

fn status(head: &str) -> u16 {
    head.split(' ').nth(1).unwrap().parse().unwrap()
}

fn today() -> String {
    let us = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_micros() as i64;
    let tm = spoor_log::time::Tm::new(&spoor_log::TimeZone::UTC, us);
    format!("{:04}{:02}{:02}", tm.dt.year(), tm.dt.month(), tm.dt.day())
}

/// `-t` with `--wasd`: "Syntax OK", or the error with file and line and
/// exit status 1.
#[test]
fn check_only() {
    let dir = tempdir("t");
    std::fs::create_dir_all(dir.0.join("logs")).unwrap();
    let run = |text: &str| {
        dir.write("HTTPD_CONFIG.CONF", text);
        let out = Command::new(env!("CARGO_BIN_EXE_spoor"))
            .args(["-t", "--wasd", "HTTPD_CONFIG.CONF", "-d"])
            .arg(&dir.0)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, err) = run("# ok\n[Service]\n127.0.0.1:8080\n[Logging] ENABLED\n");
    assert_eq!((code, err.as_str()), (Some(0), "Syntax OK\n"));
    let (code, err) = run("[Service]\n127.0.0.1:8080\n\n[LogPeriod] FORTNIGHTLY\n");
    assert_eq!(code, Some(1));
    let file = dir.0.join("HTTPD_CONFIG.CONF");
    assert!(
        err.contains(&format!("line 4 of {}", file.display())) && err.contains("FORTNIGHTLY"),
        "{err}"
    );
    let (code, err) = run("[Bogus] 1\n");
    assert_eq!(code, Some(1));
    assert!(err.contains("unknown directive [Bogus]"), "{err}");
    // A missing mapping file is named.
    let out = Command::new(env!("CARGO_BIN_EXE_spoor"))
        .args([
            "-t",
            "--wasd",
            "HTTPD_CONFIG.CONF",
            "--wasd-map",
            "NOPE",
            "-d",
        ])
        .arg(&dir.0)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("NOPE"));
}

/// `[LogPeriod]` + `[LogPerService]` + `[Track]`: each service writes its
/// generated, dated file; unknown Hosts are logged by the base service;
/// the token fills the remote-ID slot; `;notrack` services set no cookie.
#[test]
fn periodic_per_service_logs_with_tracking() {
    let dir = tempdir("logs");
    let port = free_port();
    dir.write("htdocs/index.html", "hello\n");
    std::fs::create_dir_all(dir.0.join("ht_logs")).unwrap();
    dir.write(
        "HTTPD_CONFIG.CONF",
        &format!(
            "# WASD-style configuration\n\
             [Service]\n\
             127.0.0.1:{port}\n\
             alpha.wasd.test:{port};bind=127.0.0.1\n\
             beta.wasd.test:{port};bind=127.0.0.1;notrack\n\
             [Logging]   enabled\n\
             [LogFileName] ht_logs/ACCESS.LOG\n\
             [LogFormat] COMMON\n\
             [LogPeriod] DAILY\n\
             [LogPerService] ENABLED\n\
             [Track] ENABLED\n\
             [AddType]\n\
             .html \"text/html; charset=ISO-8859-1\" - HTML\n"
        ),
    );
    let before = today();
    let srv = WasdSpoor::start(&dir.0, port, false);
    let (a1, _) = get(port, "/index.html", Some("alpha.wasd.test"), "");
    let cookie = header(&a1, "Set-Cookie").expect("alpha tracks").to_string();
    let token = cookie
        .strip_prefix("WASDtrack=")
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    assert_eq!(cookie, format!("WASDtrack={token}; path=/"));
    let (a2, _) = get(
        port,
        "/index.html",
        Some("ALPHA.wasd.test."),
        &format!("Cookie: WASDtrack={token}\r\n"),
    );
    assert_eq!(header(&a2, "Set-Cookie"), None);
    let (b, _) = get(port, "/index.html", Some("beta.wasd.test"), "");
    assert_eq!(header(&b, "Set-Cookie"), None, "beta is ;notrack");
    let (n, _) = get(port, "/index.html", Some("127.0.0.1"), "");
    let (u, _) = get(port, "/index.html", Some("unknown.wasd.test"), "");
    let (h10, _) = get(port, "/index.html", None, "");
    srv.stop();
    let after = today();
    for h in [&a1, &a2, &b, &n, &u, &h10] {
        assert_eq!(status(h), 200, "{h}");
        assert_eq!(
            header(h, "Content-Type"),
            Some("text/html; charset=ISO-8859-1")
        );
    }
    let read = |host: &str| {
        let name = |d: &str| dir.0.join(format!("ht_logs/{host}_{port}_{d}_ACCESS.LOG"));
        std::fs::read_to_string(name(&before))
            .or_else(|_| std::fs::read_to_string(name(&after)))
            .unwrap_or_else(|e| panic!("{host}: {e}"))
    };
    let alpha = read("ALPHA");
    let lines: Vec<&str> = alpha.lines().collect();
    assert_eq!(lines.len(), 2, "{alpha}");
    for l in &lines {
        assert!(l.starts_with(&format!("127.0.0.1 {token} - [")), "{l}");
        assert!(l.contains("] \"GET /index.html HTTP/1.1\" 200 "), "{l}");
    }
    let beta = read("BETA");
    assert_eq!(beta.lines().count(), 1, "{beta}");
    assert!(beta.starts_with("127.0.0.1 - - ["), "{beta}");
    // The numeric service (NAME naming: the first label) logs its own
    // request, the unknown Host's and the one without Host.
    let base = read("127");
    let lines: Vec<&str> = base.lines().collect();
    assert_eq!(lines.len(), 3, "{base}");
    assert!(lines[2].contains("\"GET /index.html HTTP/1.0\""), "{base}");
    // Only the three generated files.
    let mut files: Vec<String> = std::fs::read_dir(dir.0.join("ht_logs"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(files.len(), 3, "{files:?}");
}

/// Mapping rules per service, the `[[*]]` fallback for unknown services,
/// `fail`, content types and the `?httpd=content&type=` override.
#[test]
fn mapping_and_content_types() {
    let dir = tempdir("map");
    let port = free_port();
    dir.write("web/virtual1/index.html", "one\n");
    dir.write("web/virtual1/README.1ST", "readme\n");
    dir.write("web/virtual1/notes.txt", "notes\n");
    dir.write("web/virtual2/index.html", "two\n");
    dir.write("web/servicenotfound.html", "no such service\n");
    dir.write("ht_root/doc/manual.html", "manual\n");
    dir.write("ht_root/local/secret.txt", "secret\n");
    dir.write(
        "HTTPD_CONFIG.CONF",
        &format!(
            "[Service]\n\
             virtual1.host.name:{port};bind=127.0.0.1\n\
             virtual2.host.name:{port};bind=127.0.0.1\n\
             [AddType]\n\
             .html \"text/html; charset=UTF-8\" - HyperText Markup Language\n\
             .txt text/plain - plain text\n\
             * internal/x-unknown - text/plain\n"
        ),
    );
    dir.write(
        "HTTPD_MAP.CONF",
        "# HTTPD$MAP\n\
         pass /ht_root/doc/*\n\
         fail /ht_root/*\n\
         [[virtual1.host.name]]\n\
         set /ht_root/* report=basic\n\
         /* /web/virtual1/*\n\
         [[virtual2.host.name:1]]\n\
         pass /* /web/nowhere/*\n\
         [[virtual2.host.name]]\n\
         map /two/* /*\n\
         pass /* /web/virtual2/*\n\
         [[*]]\n\
         /* /web/servicenotfound.html\n",
    );
    let srv = WasdSpoor::start(&dir.0, port, true);
    let g = |target: &str, host: &str| get(port, target, Some(host), "");
    let (h, body) = g("/", "virtual1.host.name");
    assert_eq!((status(&h), body.as_str()), (200, "one\n"), "{h}");
    assert_eq!(header(&h, "Content-Type"), Some("text/html; charset=UTF-8"));
    let (h, body) = g("/two/index.html", "virtual2.host.name");
    assert_eq!((status(&h), body.as_str()), (200, "two\n"), "{h}");
    // The catch-all's description is the default type.
    let (h, _) = g("/README.1ST", "virtual1.host.name");
    assert_eq!(header(&h, "Content-Type"), Some("text/plain"));
    // The query names the type.
    let (h, body) = g(
        "/notes.txt?httpd=content&type=application/octet-stream",
        "virtual1.host.name",
    );
    assert_eq!(body, "notes\n");
    assert_eq!(header(&h, "Content-Type"), Some("application/octet-stream"));
    let (h, _) = g(
        "/notes.txt?httpd=content&type=text/html%3B+charset%3Dutf-8",
        "virtual1.host.name",
    );
    assert_eq!(header(&h, "Content-Type"), Some("text/html; charset=utf-8"));
    let (h, _) = g(
        "/notes.txt?httpd=index&type=text/html",
        "virtual1.host.name",
    );
    assert_eq!(header(&h, "Content-Type"), Some("text/plain"));
    // Rules for every service come first.
    let (h, body) = g("/ht_root/doc/manual.html", "virtual2.host.name");
    assert_eq!((status(&h), body.as_str()), (200, "manual\n"), "{h}");
    let (h, body) = g("/ht_root/local/secret.txt", "virtual1.host.name");
    assert_eq!(status(&h), 403, "{h}");
    // A WASD report, not Apache's page; basic by virtual1's set rule.
    assert!(body.contains("<B>ERROR 403</B>"), "{body}");
    assert!(!body.contains("Access denied"), "{body}");
    // An unknown service: only the rules for every service.
    let (h, body) = g("/index.html", "virtual3.host.name");
    assert_eq!(
        (status(&h), body.as_str()),
        (200, "no such service\n"),
        "{h}"
    );
    let (h, body) = g("/ht_root/local/secret.txt", "virtual3.host.name");
    assert_eq!(status(&h), 403, "{h}");
    // virtual1's set rule is not for it: a detailed report.
    assert!(body.contains("<B>ERROR 403</B>"), "{body}");
    assert!(body.contains("Access denied"), "{body}");
    // No Host: the base service (virtual1).
    let (h, body) = get(port, "/index.html", None, "");
    assert_eq!((status(&h), body.as_str()), (200, "one\n"), "{h}");
    srv.stop();
}

/// `[ServiceNotFoundURL]`: an unknown service is redirected there.
#[test]
fn service_not_found_redirect() {
    let dir = tempdir("notfound");
    let port = free_port();
    dir.write("htdocs/index.html", "hello\n");
    dir.write("logs/.keep", "");
    dir.write(
        "HTTPD_CONFIG.CONF",
        &format!(
            "[Service]\n\
             known.test:{port};bind=127.0.0.1\n\
             [ServiceNotFoundURL]  //server.host.name/httpd/-/servicenotfound.html\n\
             [Logging] ENABLED\n\
             [LogFormat] -!RS|!SN|!RQ\n"
        ),
    );
    let srv = WasdSpoor::start(&dir.0, port, false);
    let (h, _) = get(port, "/index.html", Some("known.test"), "");
    assert_eq!(status(&h), 200, "{h}");
    let (h, _) = get(port, "/index.html?x=1", Some("unknown.test"), "");
    assert_eq!(status(&h), 302, "{h}");
    assert_eq!(
        header(&h, "Location"),
        Some("http://server.host.name/httpd/-/servicenotfound.html")
    );
    srv.stop();
    let log = std::fs::read_to_string(dir.0.join("logs/access.log")).unwrap();
    assert_eq!(
        log,
        "200|known.test|GET /index.html HTTP/1.1\n302|known.test|GET /index.html?x=1 HTTP/1.1\n"
    );
}

/// A block of the README, from the line `    # NAME` to the next blank
/// line, without its indentation.
fn readme_block(name: &str) -> String {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md")).unwrap();
    let start = readme
        .find(&format!("    # {name}\n"))
        .unwrap_or_else(|| panic!("README has no {name} block"));
    let rest = &readme[start..];
    let end = rest.find("\n\n").unwrap();
    rest[..end]
        .lines()
        .map(|l| l.strip_prefix("    ").unwrap_or(l))
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

/// The README's WASD example runs as shown (on a free port).
#[test]
fn readme_example_runs() {
    let dir = tempdir("readme");
    let port = free_port();
    let conf = readme_block("site/httpd_config.conf").replace("8080", &port.to_string());
    dir.write("HTTPD_CONFIG.CONF", &conf);
    let map = readme_block("site/httpd_map.conf").replace("8080", &port.to_string());
    dir.write("HTTPD_MAP.CONF", &map);
    dir.write("htdocs/index.html", "hello\n");
    std::fs::create_dir_all(dir.0.join("ht_logs")).unwrap();
    // The mapping example reads too.
    let out = Command::new(env!("CARGO_BIN_EXE_spoor"))
        .args([
            "-t",
            "--wasd",
            "HTTPD_CONFIG.CONF",
            "--wasd-map",
            "HTTPD_MAP.CONF",
            "-d",
        ])
        .arg(&dir.0)
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "Syntax OK\n",
        "{conf}"
    );
    let before = today();
    let srv = WasdSpoor::start(&dir.0, port, false);
    let (h, body) = get(port, "/index.html", Some("alpha.example.test"), "");
    srv.stop();
    let after = today();
    assert_eq!((status(&h), body.as_str()), (200, "hello\n"), "{h}");
    assert_eq!(header(&h, "Content-Type"), Some("text/html; charset=UTF-8"));
    let token = header(&h, "Set-Cookie")
        .and_then(|c| c.strip_prefix("WASDtrack="))
        .map(|c| c.split(';').next().unwrap().to_string())
        .expect("a tracking cookie");
    let name = |d: &str| dir.0.join(format!("ht_logs/ALPHA_{port}_{d}_ACCESS.LOG"));
    let log = std::fs::read_to_string(name(&before))
        .or_else(|_| std::fs::read_to_string(name(&after)))
        .unwrap();
    assert!(log.starts_with(&format!("127.0.0.1 {token} - [")), "{log}");
}

/// `[LogExcludeHosts]` from the configuration: requests from a listed
/// address are in no log.
#[test]
fn excluded_hosts() {
    let dir = tempdir("exclude");
    let port = free_port();
    dir.write("htdocs/index.html", "hello\n");
    dir.write("logs/.keep", "");
    let conf = |exclude: &str| {
        format!(
            "[Service] 127.0.0.1:{port}\n[Logging] ENABLED\n[LogFormat] -!CA !RS\n\
             [LogExcludeHosts]\n{exclude}\n"
        )
    };
    dir.write("HTTPD_CONFIG.CONF", &conf("10.*, 127.0.0.*"));
    let srv = WasdSpoor::start(&dir.0, port, false);
    get(port, "/index.html", Some("127.0.0.1"), "");
    srv.stop();
    let log = dir.0.join("logs/access.log");
    assert_eq!(std::fs::read_to_string(&log).unwrap(), "");
    dir.write("HTTPD_CONFIG.CONF", &conf("10.*\n127.0.0.2"));
    let srv = WasdSpoor::start(&dir.0, port, false);
    get(port, "/index.html", Some("127.0.0.1"), "");
    srv.stop();
    assert_eq!(std::fs::read_to_string(&log).unwrap(), "127.0.0.1 200\n");
}

/// SIGHUP re-reads the WASD files (a failing file keeps the old
/// configuration).
#[test]
fn sighup_reloads_the_wasd_configuration() {
    let dir = tempdir("hup");
    let port = free_port();
    dir.write("htdocs/index.html", "hello\n");
    dir.write("logs/.keep", "");
    let conf =
        |fmt: &str| format!("[Service] 127.0.0.1:{port}\n[Logging] ENABLED\n[LogFormat] {fmt}\n");
    dir.write("HTTPD_CONFIG.CONF", &conf("-one|!RS"));
    let (srv, stderr) = WasdSpoor::start_reporting(&dir.0, port, false);
    get(port, "/index.html", Some("127.0.0.1"), "");
    let hup = |srv: &WasdSpoor| {
        // SAFETY: signalling our own child.
        unsafe { libc::kill(srv.0.id() as i32, libc::SIGHUP) };
    };
    // A broken file: refused, the old configuration goes on.
    dir.write(
        "HTTPD_CONFIG.CONF",
        &format!("[Service] 127.0.0.1:{port}\n[Nonsense] 1\n"),
    );
    hup(&srv);
    let failed = next_line_starting(&stderr, "spoor: reload");
    assert!(
        failed.starts_with("spoor: reload failed, the old configuration keeps serving: "),
        "{failed}"
    );
    get(port, "/index.html", Some("127.0.0.1"), "");
    dir.write("HTTPD_CONFIG.CONF", &conf("-two|!RS"));
    hup(&srv);
    // As root the log stays the descriptor opened before the privilege
    // drop (a warning says so); then the reload's own line.
    assert_eq!(
        next_line_starting(&stderr, "spoor: c"),
        "spoor: configuration reloaded, logs reopened"
    );
    get(port, "/missing", Some("127.0.0.1"), "");
    srv.stop();
    let text = std::fs::read_to_string(dir.0.join("logs/access.log")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines, ["one|200", "one|200", "two|404"], "{text}");
}

/// The seed's per-service error reports: one `[ErrorReportPath]`, mapped
/// by each service's rules to its own page.
#[test]
fn error_report_path_mapped_per_service() {
    let dir = tempdir("errpath");
    let port = free_port();
    dir.write("ht_root/local/alphareport.shtml", "alpha report\n");
    dir.write("ht_root/local/betareport.shtml", "beta report\n");
    dir.write("web/index.html", "hello\n");
    dir.write(
        "HTTPD_CONFIG.CONF",
        &format!(
            "[Service]\n\
             alpha.wasd.dsto.gov.au:{port};bind=127.0.0.1\n\
             beta.wasd.dsto.gov.au:{port};bind=127.0.0.1\n\
             [ErrorReportPath] /errorreport.shtml\n"
        ),
    );
    dir.write(
        "HTTPD_MAP.CONF",
        "# HTTPD$MAP\n\
         [[alpha.wasd.dsto.gov.au]]\n\
         pass /errorreport.shtml /ht_root/local/alphareport.shtml\n\
         [[beta.wasd.dsto.gov.au]]\n\
         pass /errorreport.shtml /ht_root/local/betareport.shtml\n\
         [[*]]\n\
         pass /* /web/*\n",
    );
    let srv = WasdSpoor::start(&dir.0, port, true);
    let (h, body) = get(port, "/missing.html", Some("alpha.wasd.dsto.gov.au"), "");
    assert_eq!((status(&h), body.as_str()), (404, "alpha report\n"), "{h}");
    let (h, body) = get(port, "/missing.html", Some("beta.wasd.dsto.gov.au"), "");
    assert_eq!((status(&h), body.as_str()), (404, "beta report\n"), "{h}");
    let (h, body) = get(port, "/index.html", Some("beta.wasd.dsto.gov.au"), "");
    assert_eq!((status(&h), body.as_str()), (200, "hello\n"), "{h}");
    srv.stop();
}
