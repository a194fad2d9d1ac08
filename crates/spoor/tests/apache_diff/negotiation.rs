//! mod_negotiation in the differential suite (group `DIFF_NEGOTIATION`):
//! the host `neg.test` serves `htdocs/ng` with `Options MultiViews`,
//! Debian's `LanguagePriority`/`ForceLanguagePriority` lines and
//! sections that change them, type maps (files with `qs`, inline bodies,
//! broken ones, `SetHandler type-map`), variants refused by `Require`, a
//! directory without MultiViews and `DirectoryIndex` names found by
//! negotiation; `negc.test` has `CacheNegotiatedDocs On`. Each case is
//! one request with some mix of `Accept`, `Accept-Language`,
//! `Accept-Charset`, `Accept-Encoding` and `Negotiate`. The log
//! (`logs/neg.log`) holds the status, `%U`, `%f` and the negotiated
//! headers; the error log (`logs/elog_neg.log`) is compared too; and
//! every response is compared whole, head (its lines in any order,
//! `Date` and `Server` left out) and body ([`normalise`]), so the 406
//! and 300 pages with their variant lists, the `Alternates` line and the
//! inline bodies are checked byte for byte.

use std::path::Path;

use crate::cases::{rq, Case};

/// Files below `htdocs/ng`, with their contents.
const FILES: &[(&str, &str)] = &[
    ("a.html.en", "english\n"),
    ("a.html.de", "deutsch, etwas laenger\n"),
    ("a.html.fr", "francais\n"),
    ("b.txt.en", "plain text\n"),
    ("b.html.en", "<p>html</p>\n"),
    ("c.html", "no language\n"),
    ("c.html.en", "english c\n"),
    ("d.html.utf8.en", "utf-8 d\n"),
    ("d.html.en", "latin d, longer\n"),
    ("e.txt", "identity e, the longer one\n"),
    ("e.txt.gz", "gzip e\n"),
    ("f.html.en-gb", "british\n"),
    ("f.html.en-us", "american english\n"),
    ("g.html.bak", "a backup\n"),
    ("index.html.en", "index en\n"),
    ("index.html.de", "index de, longer\n"),
    ("idx/index.html.fr", "index fr\n"),
    ("idx/index.txt.en", "index en text\n"),
    ("deny/h.html.en", "h english\n"),
    ("deny/h.html.de", "h deutsch\n"),
    ("off/a.html.en", "no multiviews\n"),
    ("prio/p.html.en", "p en\n"),
    ("prio/p.html.de", "p de\n"),
    ("prio/p.html.fr", "p fr\n"),
    ("fall/p.html.de", "fall de\n"),
    ("fall/p.html.fr", "fall fr\n"),
    ("none/p.html.de", "none de\n"),
    ("none/p.html.fr", "none fr\n"),
    (
        "m.var",
        "# a map of files\nURI: a.html.en\nContent-Type: text/html\nContent-Language: en\n\nURI: a.html.de\nContent-Type: text/html; qs=0.5\nContent-Language: de\nDescription: German,\n  a little longer\n\nURI: b.txt.en\nContent-Type: text/plain;qs=0.9 (a comment)\nContent-Language: en\n",
    ),
    (
        "n.var",
        "Content-Type: text/plain; charset=UTF-8\nContent-Language: en\nBody:--en--\nEnglish inline body\n--en--\n\nContent-Type: text/html\nContent-Language: de\nContent-Encoding: x-gzip\nBody:--de--\n<p>deutsch</p>\n--de--\n",
    ),
    (
        "t.var",
        "URI: t.html.en\nContent-Type: text/html\nContent-Language: en\n\nURI: t.html.de\nContent-Type: text/html\nContent-Language: de\n",
    ),
    ("t.html.en", "t english\n"),
    ("t.html.de", "t deutsch\n"),
    ("bad1.var", "URI a.html.en\nContent-Type: text/html\n"),
    (
        "bad2.var",
        "URI: a.html.en\nContent-Type: text/html\nContent-Language: en\n\nURI: a.html.de\nContent-Length: 12x\nContent-Type: text/html\n",
    ),
    (
        "bad3.var",
        "URI: a.html.fr\nContent-Type: text/html\nContent-Language: fr\n\nContent-Type: text/plain\nBody:--end--\nno end tag here\n",
    ),
    ("bad4.var", "URI: a.html.en\nContent-Type:\n"),
    (
        "sh/map",
        "URI: ../a.html.en\nContent-Type: text/html\nContent-Language: en\n\nURI: ../a.html.fr\nContent-Type: text/html\nContent-Language: fr\n",
    ),
];

/// Where Debian installs its localized error pages.
const DEBIAN_ERRORS: &str = "/usr/share/apache2/error";

/// Writes the files below `htdocs/ng`, then pins the directories'
/// modification times too (a MultiViews answer's `ETag` carries its
/// directory's).
pub fn files(root: &Path) {
    let ng = root.join("htdocs/ng");
    for (f, d) in FILES {
        let p = ng.join(f);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, d).unwrap();
        crate::set_mtime(&p);
    }
    // Debian's localized error pages (type maps with inline bodies), as
    // its localized-error-pages.conf uses them.
    let errors = ng.join("error");
    std::fs::create_dir_all(&errors).unwrap();
    for page in ["HTTP_NOT_FOUND.html.var", "HTTP_FORBIDDEN.html.var"] {
        let from = Path::new(DEBIAN_ERRORS).join(page);
        if let Ok(d) = std::fs::read(&from) {
            let p = errors.join(page);
            std::fs::write(&p, d).unwrap();
            crate::set_mtime(&p);
        }
    }
    let t = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(crate::MTIME);
    for d in [
        "", "idx", "deny", "off", "prio", "fall", "none", "sh", "error",
    ] {
        let dir = std::fs::File::open(ng.join(d)).unwrap();
        dir.set_modified(t).unwrap();
    }
}

/// The group's configuration.
pub fn config(root: &Path, modules: &str) -> String {
    let root = root.display();
    format!(
        "\n# mod_negotiation (apache_diff/negotiation.rs). The next line\n\
         # differs between the two servers, as DIFF_PORT does.\n\
         Define DIFF_NG {root}/htdocs/ng\n\
         <IfDefine DIFF_NEGOTIATION>\n\
         LoadModule negotiation_module {modules}/mod_negotiation.so\n\
         <VirtualHost 127.0.0.1:${{DIFF_PORT}}>\n\
         ServerName neg.test\n\
         DocumentRoot htdocs/ng\n\
         ErrorLog logs/elog_neg.log\n\
         LogLevel warn\n\
         ErrorDocument 404 default\n\
         CustomLog logs/neg.log \"%>s %U %q %f ct=%{{Content-Type}}o cl=%{{Content-Language}}o ce=%{{Content-Encoding}}o v=%{{Vary}}o loc=%{{Content-Location}}o tcn=%{{TCN}}o alt=%{{Alternates}}o etag=%{{ETag}}o exp=%{{Expires}}o %b\"\n\
         AddLanguage en .en\n\
         AddLanguage de .de\n\
         AddLanguage fr .fr\n\
         AddLanguage en-GB .en-gb\n\
         AddLanguage en-US .en-us\n\
         AddCharset UTF-8 .utf8\n\
         AddEncoding x-gzip .gz\n\
         AddHandler type-map .var\n\
         LanguagePriority en ca cs da de el eo es et fr he hr it ja ko ltz nl nn no pl pt pt-BR ru sv tr zh-CN zh-TW\n\
         ForceLanguagePriority Prefer Fallback\n\
         SetEnvIf X-Pref (.+) prefer-language=$1\n\
         BrowserMatch NoGzip no-gzip\n\
         <Directory ${{DIFF_NG}}>\n\
         Options MultiViews\n\
         </Directory>\n\
         <Directory ${{DIFF_NG}}/idx>\n\
         DirectoryIndex index\n\
         </Directory>\n\
         <Files h.html.de>\n\
         Require all denied\n\
         </Files>\n\
         <Directory ${{DIFF_NG}}/off>\n\
         Options -MultiViews\n\
         </Directory>\n\
         <Location /prio/>\n\
         LanguagePriority fr de\n\
         ForceLanguagePriority Prefer\n\
         </Location>\n\
         <Location /fall/>\n\
         ForceLanguagePriority Fallback\n\
         </Location>\n\
         <Location /none/>\n\
         ForceLanguagePriority None\n\
         </Location>\n\
         <Directory ${{DIFF_NG}}/sh>\n\
         SetHandler type-map\n\
         </Directory>\n\
         </VirtualHost>\n\
         <VirtualHost 127.0.0.1:${{DIFF_PORT}}>\n\
         ServerName negc.test\n\
         DocumentRoot htdocs/ng\n\
         CacheNegotiatedDocs On\n\
         CustomLog logs/neg.log \"%>s %U %q %f ct=%{{Content-Type}}o cl=%{{Content-Language}}o ce=%{{Content-Encoding}}o v=%{{Vary}}o loc=%{{Content-Location}}o tcn=%{{TCN}}o alt=%{{Alternates}}o etag=%{{ETag}}o exp=%{{Expires}}o %b\"\n\
         AddLanguage en .en\n\
         AddLanguage de .de\n\
         AddHandler type-map .var\n\
         </VirtualHost>\n\
         # Debian's localized-error-pages.conf block (without mod_include,\n\
         # whose lines it wraps in <IfModule mod_include.c>).\n\
         <VirtualHost 127.0.0.1:${{DIFF_PORT}}>\n\
         ServerName negerr.test\n\
         DocumentRoot htdocs/ng\n\
         ErrorLog logs/elog_negerr.log\n\
         LogLevel warn\n\
         CustomLog logs/neg.log \"%s %>s %U %q %f ct=%{{Content-Type}}o cl=%{{Content-Language}}o v=%{{Vary}}o loc=%{{Content-Location}}o tcn=%{{TCN}}o etag=%{{ETag}}o exp=%{{Expires}}o %b\"\n\
         <Directory ${{DIFF_NG}}/error>\n\
         AddHandler type-map var\n\
         LanguagePriority en cs de es fr it nl sv pt-br ro\n\
         ForceLanguagePriority Prefer Fallback\n\
         </Directory>\n\
         ErrorDocument 404 /error/HTTP_NOT_FOUND.html.var\n\
         ErrorDocument 403 /error/HTTP_FORBIDDEN.html.var\n\
         <Location /forbidden>\n\
         Require all denied\n\
         </Location>\n\
         </VirtualHost>\n\
         </IfDefine>\n"
    )
}

/// Whether a case's responses are compared whole ([`normalise`]).
pub fn compared(name: &str) -> bool {
    name.starts_with("neg ")
}

/// One response for the comparison: the head's lines without `Date`
/// and `Server`, sorted, then the body as sent.
pub fn normalise(resp: &[u8]) -> Vec<u8> {
    let end = memchr::memmem::find(resp, b"\r\n\r\n").map_or(resp.len(), |p| p + 4);
    let (head, body) = resp.split_at(end);
    let mut lines: Vec<&[u8]> = head
        .split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .filter(|l| {
            !l.is_empty()
                && !l.to_ascii_lowercase().starts_with(b"date:")
                && !l.to_ascii_lowercase().starts_with(b"server:")
        })
        .collect();
    // The status line first, the fields in any order.
    let status = if lines.is_empty() {
        Vec::new()
    } else {
        lines.remove(0).to_vec()
    };
    // A multipart answer's boundary is random (and so, through it, is its
    // length): both stand as placeholders.
    let boundary = lines.iter().find_map(|l| {
        let at = memchr::memmem::find(l, b"boundary=")?;
        Some(l[at + 9..].to_vec())
    });
    if boundary.is_some() {
        lines.retain(|l| !l.to_ascii_lowercase().starts_with(b"content-length:"));
    }
    lines.sort();
    let mut out = status;
    for l in lines {
        out.push(b'\n');
        out.extend_from_slice(l);
    }
    out.extend_from_slice(b"\n\n");
    out.extend_from_slice(body);
    match boundary {
        Some(b) if !b.is_empty() => crate::replace(&out, &b, b"<BOUNDARY>"),
        _ => out,
    }
}

/// The requests: (path, extra header lines, method and protocol).
fn requests() -> Vec<(String, Vec<&'static str>, &'static str)> {
    let mut v: Vec<(String, Vec<&'static str>, &'static str)> = Vec::new();
    let langs: &[&str] = &[
        "",
        "Accept-Language: de",
        "Accept-Language: fr",
        "Accept-Language: en-US",
        "Accept-Language: en-US,en;q=0.5",
        "Accept-Language: de;q=0.5, fr;q=0.9",
        "Accept-Language: *",
        "Accept-Language: fr;q=0, *",
        "Accept-Language: xx",
        "Accept-Language: de;q=0",
        "Accept-Language: DE , FR;q=.8",
    ];
    for l in langs {
        for p in [
            "/a", "/prio/p", "/fall/p", "/none/p", "/m.var", "/t.var", "/deny/h", "/c", "/f",
        ] {
            v.push((p.into(), vec![l], "GET"));
        }
    }
    let types: &[&str] = &[
        "Accept: text/plain",
        "Accept: text/html",
        "Accept: text/*",
        "Accept: */*",
        "Accept: text/plain;q=0.5, text/html;q=0.6",
        "Accept: image/png",
        "Accept: text/html;level=3, text/plain",
        "Accept: text/html text/plain",
        "Accept: text/html, */*",
        "Accept: text/plain;q=0",
    ];
    for t in types {
        for p in ["/b", "/m.var", "/n.var", "/c"] {
            v.push((p.into(), vec![t], "GET"));
        }
    }
    let charsets: &[&str] = &[
        "Accept-Charset: utf-8",
        "Accept-Charset: iso-8859-1",
        "Accept-Charset: *;q=0",
        "Accept-Charset: utf-8;q=0",
        "Accept-Charset: iso-8859-5",
    ];
    for c in charsets {
        for p in ["/d", "/n.var"] {
            v.push((p.into(), vec![c], "GET"));
        }
    }
    let encs: &[&str] = &[
        "",
        "Accept-Encoding: gzip",
        "Accept-Encoding: x-gzip",
        "Accept-Encoding: identity",
        "Accept-Encoding: gzip;q=0",
        "Accept-Encoding: *;q=0",
        "Accept-Encoding: gzip, identity;q=0",
        "User-Agent: NoGzip",
    ];
    for e in encs {
        for p in ["/e", "/n.var"] {
            v.push((p.into(), vec![e], "GET"));
        }
    }
    let negs: &[&[&str]] = &[
        &["Negotiate: trans"],
        &["Negotiate: trans", "Accept-Language: xx"],
        &["Negotiate: *", "Accept-Language: xx"],
        &["Negotiate: 1.0", "Accept-Language: de"],
        &["Negotiate: vlist", "Accept-Language: fr"],
        &["Negotiate: trans", "User-Agent: Lynx/2.8"],
        &["Negotiate: guess-small, trans", "Accept: text/plain"],
        &["X-Pref: fr"],
        &["X-Pref: xx", "Accept-Language: de"],
    ];
    for n in negs {
        for p in ["/a", "/b", "/t.var", "/m.var"] {
            v.push((p.into(), n.to_vec(), "GET"));
        }
    }
    for p in [
        "/",
        "/idx/",
        "/off/a",
        "/g",
        "/bad1.var",
        "/bad2.var",
        "/bad3.var",
        "/bad4.var",
        "/sh/map",
        "/missing.var",
        "/a?x=1",
        "/a.html",
        "/index",
        "/zz",
        "/a/extra",
        "/b/x/y",
        "/a.html.en/extra",
        "/m.var/extra",
    ] {
        v.push((p.into(), vec![], "GET"));
        v.push((p.into(), vec!["Accept-Language: fr"], "GET"));
    }
    v.push(("/idx/".into(), vec!["Accept-Language: xx"], "GET"));
    // Validators and ranges of a negotiated answer (the files' and
    // directories' times are pinned: apache_diff.rs's MTIME).
    for h in [
        "If-Modified-Since: Fri, 02 Jan 2026 03:04:05 GMT",
        "If-None-Match: \"8-6475ef64cf340;6475ef64cf340",
        "If-None-Match: \"8-6475ef64cf340\"",
        "Range: bytes=0-2",
        "Range: bytes=0-1,3-4",
        "Range: bytes=99-",
        "If-Match: \"x\"",
    ] {
        for p in ["/a", "/m.var", "/n.var", "/"] {
            // (Several ranges of an inline body: see the module's notes.)
            if !(p == "/n.var" && h.contains(',')) {
                v.push((p.into(), vec![h], "GET"));
            }
        }
    }
    for h in [
        "If-Unmodified-Since: Thu, 01 Jan 2026 00:00:00 GMT",
        "If-None-Match: *",
        "Range: bytes=5-",
    ] {
        v.push(("/n.var".into(), vec![h], "GET"));
    }
    v.push((
        "/".into(),
        vec!["Accept-Language: xx", "Negotiate: trans"],
        "GET",
    ));
    for (p, m) in [
        ("/a", "HEAD"),
        ("/a", "POST"),
        ("/n.var", "HEAD"),
        ("/n.var", "POST"),
        ("/m.var", "HEAD"),
    ] {
        v.push((p.into(), vec!["Accept-Language: de"], m));
    }
    v
}

/// The cases.
pub fn cases() -> Vec<Case> {
    let mut out = Vec::new();
    for (i, (path, hdrs, method)) in requests().into_iter().enumerate() {
        let line = format!("{method} {path} HTTP/1.1");
        let mut h: Vec<&[u8]> = vec![b"Host: neg.test"];
        h.extend(hdrs.iter().filter(|x| !x.is_empty()).map(|x| x.as_bytes()));
        let mut hh = h.clone();
        if method == "POST" {
            hh.push(b"Content-Length: 0");
        }
        out.push(Case {
            name: format!("neg {i} {method} {path} {}", hdrs.join(" | ")),
            addr: 1,
            steps: vec![rq(line.as_bytes(), &hh, b"")],
            records: 1,
            hold: false,
        });
    }
    for (i, (m, path, hdr)) in [
        ("GET", "/nothing", ""),
        ("GET", "/nothing", "Accept-Language: de"),
        ("GET", "/nothing", "Accept-Language: fr"),
        ("GET", "/nothing", "Accept-Language: xx"),
        ("GET", "/nothing", "Accept-Language: sv, en;q=0.5"),
        ("GET", "/nothing", "Accept-Language: pt-br"),
        ("GET", "/nothing", "Accept: text/plain"),
        ("GET", "/forbidden", "Accept-Language: es"),
        ("HEAD", "/nothing", "Accept-Language: de"),
        ("POST", "/nothing", "Accept-Language: it"),
    ]
    .into_iter()
    .enumerate()
    {
        let line = format!("{m} {path} HTTP/1.1");
        let mut h: Vec<&[u8]> = vec![b"Host: negerr.test"];
        if !hdr.is_empty() {
            h.push(hdr.as_bytes());
        }
        if m == "POST" {
            h.push(b"Content-Length: 0");
        }
        out.push(Case {
            name: format!("neg errpage {i} {m} {path} {hdr}"),
            addr: 1,
            steps: vec![rq(line.as_bytes(), &h, b"")],
            records: 1,
            hold: false,
        });
    }
    for (host, path, hdr) in [
        ("neg.test", "/a", "Accept-Language: de"),
        ("neg.test", "/m.var", "Accept-Language: de"),
        ("neg.test", "/n.var", "Accept-Language: de"),
        ("neg.test", "/", "Accept-Language: de"),
        ("negc.test", "/m.var", "Accept-Language: de"),
        ("negerr.test", "/nothing", "Accept-Language: fr"),
    ] {
        let req = format!("GET {path} HTTP/1.0\r\nHost: {host}\r\n{hdr}\r\n\r\n");
        out.push(Case {
            name: format!("neg http/1.0 {host} {path}"),
            addr: 1,
            steps: vec![req.into_bytes()],
            records: 1,
            hold: false,
        });
    }
    out
}
