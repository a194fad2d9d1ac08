//! Name lookups and server signatures in the differential suite:
//! `HostnameLookups On|Double` (server, virtual host and section scope),
//! `UseCanonicalName DNS`, `ServerSignature On|EMail` with `ServerAdmin`.
//! Virtual hosts on 127.0.0.1, each logging to `logs/lk_<name>.log` with
//! the `lookups` format (the main server's GlobalLogs see them too), plus
//! `<Location /lk>` sections of the main server (reached on 127.0.0.2).
//!
//! Clients: 127.0.0.1 is `localhost` in /etc/hosts (forward-confirmed, so
//! `Double` keeps it); cases listed in [`CLIENT_FROM`] connect from
//! 127.0.0.2, which has no name (`%h` logs the address).
//!
//! Signature pages: httpd's footer names `Apache/2.4.71 (Debian)`, spoor's
//! names spoor, so such a page is longer or shorter by the difference.
//! For the cases in [`PAGES`] the harness keeps both responses and
//! compares their bodies with the banner replaced by `<BANNER>` (one check
//! per case), and in that case's log lines replaces, on each side, the
//! number that is that side's page length (a whole number) by `<PAGE>`;
//! everything else in the lines is compared as usual.

use crate::cases::{rq, Case};

/// The format of every `lk_*.log` (TAB-separated).
pub const FORMAT: &str = "%h\\t%{c}h\\t%a\\t%V\\t%v\\t%{LK_RH}e\\t%{LK_SEC}e\\t%>s\\t%b\\t\
%{Location}o\\t%m\\t%U%q\\t%f";

/// (host name part, directives inside the `<VirtualHost>`).
fn hosts() -> Vec<(&'static str, &'static str)> {
    vec![
        (
            "on",
            "HostnameLookups On\nSetEnvIf Remote_Host \"^(.+)$\" LK_RH=$1",
        ),
        (
            "double",
            "HostnameLookups Double\nSetEnvIf Remote_Host \"^(.+)$\" LK_RH=$1",
        ),
        // Off in the host, On or Double in sections; the name found in a
        // section serves the rest of the connection (httpd keeps it in the
        // connection).
        (
            "dir",
            "HostnameLookups Off\n\
             SetEnvIf Remote_Host \"^(.+)$\" LK_RH=$1\n\
             <Location /sub>\nHostnameLookups On\nSetEnvIf Remote_Host \"^(.+)$\" LK_SEC=$1\n</Location>\n\
             <DirectoryMatch \"/htdocs/pd/\">\nHostnameLookups Double\n</DirectoryMatch>",
        ),
        // A section turns lookups off again: the host's On still looked
        // the client up for its SetEnvIf rule.
        (
            "on-off",
            "HostnameLookups On\nSetEnvIf Remote_Host \"^(.+)$\" LK_RH=$1\n\
             <Location /sub>\nHostnameLookups Off\n</Location>",
        ),
        // On without anything asking before the log: only the log looks.
        ("on-quiet", "HostnameLookups on"),
        (
            "dns",
            "UseCanonicalName DNS\nServerSignature On\n\
             <Location /pd>\nUseCanonicalName Off\n</Location>\n\
             <Location /sub/page.txt>\nUseCanonicalName On\n</Location>",
        ),
        (
            "dns-port",
            "ServerName lk-dns-port.test:8123\nUseCanonicalName DNS\nServerSignature EMail",
        ),
        (
            "canon-on",
            "ServerName lk-canon-on.test:8080\nUseCanonicalName On\nServerSignature On",
        ),
        (
            "sig-on",
            "ServerSignature On\nServerAdmin webmaster@sig.test\n\
             <Location /pd>\nServerSignature Off\n</Location>\n\
             <Location /edtext>\nErrorDocument 404 \"plain text, no footer\"\n</Location>",
        ),
        (
            "sig-email",
            "ServerSignature EMail\nServerAdmin \"<admin>&co@sig.test\"\n\
             <Location /sub>\nServerSignature On\n</Location>",
        ),
        (
            "sig-url",
            "ServerSignature email\nServerAdmin http://admin.example/contact?a=1&b=2",
        ),
        ("sig-mailto", "ServerSignature EMail\nServerAdmin mailto:root@sig.test"),
        ("sig-off", "ServerSignature On\n<Location />\nServerSignature off\n</Location>"),
        // <Files> nested in a <Directory>: only inside it, walked after
        // the host's own <Files>.
        (
            "files",
            "<Files \"page.txt\">\nSetEnv LK_SEC top\n</Files>\n\
             <DirectoryMatch \"/htdocs/sub/\">\n\
             <Files \"page.txt\">\nSetEnv LK_SEC nested\n</Files>\n\
             <FilesMatch \"^index\\.html$\">\nSetEnv LK_RH sub-index\n</FilesMatch>\n\
             </DirectoryMatch>\n\
             <DirectoryMatch \"/htdocs/pd/\">\n\
             <Files \"second.html\">\nRequire all denied\n</Files>\n\
             </DirectoryMatch>",
        ),
    ]
}

/// The `<VirtualHost>`s and main-server sections, appended to the shared
/// configuration.
pub fn config() -> String {
    let mut c = format!(
        "\n# Name lookups and signatures (tests/apache_diff/lookups.rs).\n\
         LogFormat \"{FORMAT}\" lookups\n\
         <Location /lk>\n\
         HostnameLookups Double\n\
         UseCanonicalName DNS\n\
         ServerSignature EMail\n\
         ErrorDocument 404 default\n\
         </Location>\n"
    );
    for (name, body) in hosts() {
        // Built-in 404 and 405 pages (the main server's ErrorDocuments
        // of the DIFF_ERRDOC group would replace them).
        let pages = if body.contains("UseCanonicalName") || body.contains("ServerSignature") {
            "ErrorDocument 404 default\nErrorDocument 405 default\n"
        } else {
            ""
        };
        let server_name = if body.contains("ServerName ") {
            String::new()
        } else {
            format!("ServerName lk-{name}.test\n")
        };
        c.push_str(&format!(
            "<VirtualHost 127.0.0.1:${{DIFF_PORT}}>\n\
             {server_name}\
             {pages}\
             CustomLog logs/lk_{name}.log lookups\n\
             {body}\n\
             </VirtualHost>\n"
        ));
    }
    c
}

/// The documents these cases need (under htdocs).
pub fn docs() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("lk/index.html", b"<p>lk index</p>\n".to_vec()),
        ("lk/page.txt", b"lk page\n".to_vec()),
    ]
}

/// Cases whose client connects from 127.0.0.2 (no name): (case, address).
pub const CLIENT_FROM: &[(&str, &str)] = &[
    ("lookups on from unnamed", "127.0.0.2"),
    ("lookups double from unnamed", "127.0.0.2"),
    ("lookups dir sub from unnamed", "127.0.0.2"),
    ("lookups main lk from unnamed", "127.0.0.2"),
    ("lookups main lk missing from unnamed", "127.0.0.2"),
];

/// Cases answered with a page carrying a signature (compared as the
/// module documentation says).
pub const PAGES: &[&str] = &[
    "lookups dns missing",
    "lookups dns sub redirect",
    "lookups dns sub redirect host port",
    "lookups dns-port missing",
    "lookups dns-port sub redirect",
    "lookups canon-on missing",
    "lookups canon-on sub redirect",
    "lookups sig-on missing",
    "lookups sig-on sub redirect",
    "lookups sig-on delete",
    "lookups sig-on bad header",
    "lookups sig-on range",
    "lookups main lk http/1.0 no host",
    "lookups dns pd redirect",
    "lookups sig-url sub redirect",
    "lookups sig-mailto sub redirect",
    "lookups sig-email missing",
    "lookups sig-email sub redirect",
    "lookups sig-url missing",
    "lookups sig-mailto missing",
    "lookups main lk missing from unnamed",
    "lookups main lk redirect",
];

fn get(host: &str, path: &str) -> Vec<u8> {
    let line = format!("GET {path} HTTP/1.1");
    let h = format!("Host: {host}");
    rq(line.as_bytes(), &[h.as_bytes(), b"Connection: close"], b"")
}

fn one(name: &str, addr: u8, bytes: Vec<u8>) -> Case {
    Case {
        name: name.to_string(),
        addr,
        steps: vec![bytes],
        records: 1,
        hold: false,
    }
}

/// The cases.
pub fn cases() -> Vec<Case> {
    let mut v = Vec::new();
    for host in ["on", "double", "dir", "on-off", "on-quiet"] {
        let h = format!("lk-{host}.test");
        for (what, path) in [
            ("index", "/index.html"),
            ("sub", "/sub/page.txt"),
            ("pd", "/pd/page.txt"),
            ("missing", "/missing.html"),
        ] {
            v.push(one(&format!("lookups {host} {what}"), 1, get(&h, path)));
        }
        // Two requests on one connection: a section's lookup first, then
        // a request whose settings say Off (or the other way round).
        let ka = |path: &str| {
            let line = format!("GET {path} HTTP/1.1");
            let hh = format!("Host: {h}");
            rq(line.as_bytes(), &[hh.as_bytes()], b"")
        };
        v.push(Case {
            name: format!("lookups {host} keep-alive sub then index"),
            addr: 1,
            steps: vec![ka("/sub/page.txt"), ka("/index.html")],
            records: 2,
            hold: false,
        });
        v.push(Case {
            name: format!("lookups {host} keep-alive index then pd"),
            addr: 1,
            steps: vec![ka("/index.html"), ka("/pd/page.txt")],
            records: 2,
            hold: false,
        });
    }
    v.push(one(
        "lookups on from unnamed",
        1,
        get("lk-on.test", "/index.html"),
    ));
    v.push(one(
        "lookups double from unnamed",
        1,
        get("lk-double.test", "/index.html"),
    ));
    v.push(one(
        "lookups dir sub from unnamed",
        1,
        get("lk-dir.test", "/sub/page.txt"),
    ));
    // A refused head: no section walk, the host's settings.
    v.push(one(
        "lookups on bad header",
        1,
        b"GET /index.html HTTP/1.1\r\nHost: lk-on.test\r\nno colon here\r\n\r\n".to_vec(),
    ));
    for (what, path) in [
        ("sub page", "/sub/page.txt"),
        ("pd page", "/pd/page.txt"),
        ("sub dir", "/sub/"),
        ("sub index", "/sub/index.html"),
        ("index", "/index.html"),
        ("pd denied", "/pd/second.html"),
        ("pd dir", "/pd/"),
    ] {
        v.push(one(
            &format!("lookups files {what}"),
            1,
            get("lk-files.test", path),
        ));
    }
    // UseCanonicalName DNS: %V and the redirect name the local address's
    // name; the port is the one the client named, else the server's.
    for (host, tag) in [
        ("lk-dns.test", "dns"),
        ("lk-dns-port.test", "dns-port"),
        ("lk-canon-on.test", "canon-on"),
    ] {
        v.push(one(
            &format!("lookups {tag} index"),
            1,
            get(host, "/index.html"),
        ));
        v.push(one(
            &format!("lookups {tag} missing"),
            1,
            get(host, "/missing.html"),
        ));
        v.push(one(
            &format!("lookups {tag} sub redirect"),
            1,
            get(host, "/sub"),
        ));
    }
    v.push(one(
        "lookups dns sub redirect host port",
        1,
        get("lk-dns.test:8123", "/sub"),
    ));
    v.push(one("lookups dns pd redirect", 1, get("lk-dns.test", "/pd")));
    v.push(one(
        "lookups dns section on",
        1,
        get("lk-dns.test", "/sub/page.txt"),
    ));
    // Signatures.
    for tag in ["sig-on", "sig-email", "sig-url", "sig-mailto", "sig-off"] {
        let host = format!("lk-{tag}.test");
        v.push(one(
            &format!("lookups {tag} missing"),
            1,
            get(&host, "/missing.html"),
        ));
        v.push(one(
            &format!("lookups {tag} sub redirect"),
            1,
            get(&host, "/sub"),
        ));
    }
    v.push(one(
        "lookups sig-on section off",
        1,
        get("lk-sig-on.test", "/pd/missing.html"),
    ));
    v.push(one(
        "lookups sig-on text errordocument",
        1,
        get("lk-sig-on.test", "/edtext/missing.html"),
    ));
    v.push(one(
        "lookups sig-on head missing",
        1,
        rq(
            b"HEAD /missing.html HTTP/1.1",
            &[b"Host: lk-sig-on.test"],
            b"",
        ),
    ));
    v.push(one(
        "lookups sig-on delete",
        1,
        rq(
            b"DELETE /index.html HTTP/1.1",
            &[b"Host: lk-sig-on.test", b"Connection: close"],
            b"",
        ),
    ));
    v.push(one(
        "lookups sig-on bad header",
        1,
        b"GET /index.html HTTP/1.1\r\nHost: lk-sig-on.test\r\nno colon here\r\n\r\n".to_vec(),
    ));
    v.push(one(
        "lookups sig-on range",
        1,
        rq(
            b"GET /index.html HTTP/1.0",
            &[b"Host: lk-sig-on.test", b"Range: bytes=9999-"],
            b"",
        ),
    ));
    v.push(one(
        "lookups main lk http/1.0 no host",
        2,
        b"GET /lk/missing.html HTTP/1.0\r\n\r\n".to_vec(),
    ));
    // The main server's <Location /lk> (127.0.0.2: no local name).
    v.push(one(
        "lookups main lk index",
        2,
        get("main.test", "/lk/index.html"),
    ));
    v.push(one("lookups main lk redirect", 2, get("main.test", "/lk")));
    v.push(one(
        "lookups main lk from unnamed",
        2,
        get("main.test", "/lk/page.txt"),
    ));
    v.push(one(
        "lookups main lk missing from unnamed",
        2,
        get("main.test", "/lk/missing.html"),
    ));
    v
}
