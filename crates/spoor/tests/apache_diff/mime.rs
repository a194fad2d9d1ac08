//! mod_mime in full in the differential suite (group `DIFF_MIME`): the
//! host `mime.test` serves `htdocs/mm` with Debian's mime.conf lines
//! (`AddLanguage`, `AddCharset`, `RemoveType`, `AddHandler type-map`),
//! `AddEncoding`, `DefaultLanguage`, and sections with `ForceType`,
//! `AddDefaultCharset`, `SetHandler` and `Remove*` over inherited
//! mappings. It logs status, URI, type, language and encoding to
//! `logs/mime.log`; the whole head's length is compared through the
//! bytes on the wire (`%O`), so a charset parameter that differs shows.

use crate::cases::{rq, Case};

/// The served names (each file holds its name and a newline).
const FILES: &[&str] = &[
    "a.html",
    "a.html.en",
    "a.en.html",
    "a.html.fr.en",
    "a.txt.de",
    "a.HTML.EN",
    "doc.utf8.txt",
    "z.html.de.utf8",
    "b.tar.gz",
    "c.gz",
    "g.txt.gz",
    "a.gzz.Z",
    "all.html.de.utf8.gzz",
    "l.de.gzz",
    "x.var",
    "a.foo",
    "e.html.es",
    "q.tr.html",
    "noext",
    "two..dots.txt",
    "forced/a.html",
    "forced/b.txt.en",
    "forced/none/c.html",
    "cs/a.html",
    "cs/b.txt",
    "cs/c.png",
    "cs/d.utf8.txt",
    "cs/off/e.html",
    "rm/a.html.en",
    "rm/b.txt.utf8",
    "rm/c.gzz",
    "rm/d.html",
    "rm/e.txt.qq",
    "q/e.txt.qq",
    "lang/a.html",
    "lang/b.html.fr",
    "h/x.txt",
];

/// The files, below `htdocs/mm`.
pub fn docs() -> Vec<(String, Vec<u8>)> {
    FILES
        .iter()
        .map(|f| (format!("mm/{f}"), format!("{f}\n").into_bytes()))
        .collect()
}

/// The group's configuration.
pub fn config(modules: &str) -> String {
    let _ = modules;
    "\n# mod_mime (apache_diff/mime.rs).\n\
     <IfDefine DIFF_MIME>\n\
     <VirtualHost 127.0.0.1:${DIFF_PORT}>\n\
     ServerName mime.test\n\
     DocumentRoot htdocs/mm\n\
     CustomLog logs/mime.log \"%>s %U %{Content-Type}o|%{Content-Language}o|%{Content-Encoding}o|%b\"\n\
     AddType application/x-gzip .gz .tgz\n\
     AddLanguage en .en\n\
     AddLanguage fr .fr\n\
     AddLanguage de .de\n\
     AddLanguage es .es\n\
     AddLanguage zh-CN .zh-cn\n\
     RemoveType es\n\
     RemoveType tr\n\
     AddCharset UTF-8 .utf8\n\
     AddCharset ISO-8859-2 .iso8859-2 .latin2 .cen\n\
     AddEncoding x-gzip .gz\n\
     AddEncoding x-compress .Z\n\
     AddEncoding gzip .gzz\n\
     AddHandler type-map var\n\
     AddHandler foo-handler .foo\n\
     AddType text/x-q .qq\n\
     <Location /forced/>\n\
     ForceType text/x-forced\n\
     </Location>\n\
     <Location /forced/none/>\n\
     ForceType None\n\
     </Location>\n\
     <Location /cs/>\n\
     AddDefaultCharset On\n\
     </Location>\n\
     <Location /cs/off/>\n\
     AddDefaultCharset Off\n\
     </Location>\n\
     <Location /rm/>\n\
     RemoveLanguage .en\n\
     RemoveCharset utf8\n\
     RemoveEncoding .gzz\n\
     RemoveType html\n\
     RemoveType qq\n\
     </Location>\n\
     <Location /lang/>\n\
     DefaultLanguage it\n\
     </Location>\n\
     <Location /h/>\n\
     SetHandler some-handler\n\
     </Location>\n\
     </VirtualHost>\n\
     </IfDefine>\n"
        .to_string()
}

/// The cases: every file by GET, and a few by HEAD and HTTP/1.0.
pub fn cases() -> Vec<Case> {
    let mut v = Vec::new();
    for f in FILES {
        let line = format!("GET /{f} HTTP/1.1");
        v.push(Case {
            name: format!("mime {f}"),
            addr: 1,
            steps: vec![rq(line.as_bytes(), &[b"Host: mime.test"], b"")],
            records: 1,
            hold: false,
        });
    }
    for f in ["all.html.de.utf8.gzz", "cs/a.html", "a.html.fr.en"] {
        let line = format!("HEAD /{f} HTTP/1.1");
        v.push(Case {
            name: format!("mime HEAD {f}"),
            addr: 1,
            steps: vec![rq(line.as_bytes(), &[b"Host: mime.test"], b"")],
            records: 1,
            hold: false,
        });
        let line = format!("GET /{f} HTTP/1.0");
        v.push(Case {
            name: format!("mime http/1.0 {f}"),
            addr: 1,
            steps: vec![rq(line.as_bytes(), &[b"Host: mime.test"], b"")],
            records: 1,
            hold: false,
        });
    }
    v
}
