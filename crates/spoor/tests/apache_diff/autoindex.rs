//! mod_autoindex in the differential suite (group `DIFF_AUTOINDEX`): the
//! host `ai.test` serves `htdocs/ai` with Debian's `autoindex.conf`
//! directives under `Options Indexes`, a folder under `Options -Indexes`,
//! a plain `IndexOptions` folder, a denied entry, HTML and text header
//! and readme files, and every sort query. It logs status, method, URI,
//! query, type, `Content-Length`, `Transfer-Encoding` and `%b` to
//! `logs/autoindex.log`, and its error log (AH01276, AH01630) to
//! `logs/elog_autoindex.log`; the bodies themselves are compared byte for
//! byte by `tests/autoindex.rs`. The group loads mod_autoindex for the
//! whole configuration, so every other group's directory without an
//! index is its refusal (403 and AH01276) on both servers.

use std::path::Path;

use crate::cases::{rq, Case};

/// The served names and sizes, below `htdocs/ai`.
const FILES: &[(&str, usize)] = &[
    ("a.txt", 3),
    ("a1", 1),
    ("a10", 10),
    ("a2", 2),
    ("b &<>\".html", 20),
    ("héllo wörld.txt", 7),
    ("long_name_over_twenty_three_bytes.tar.gz", 1500),
    ("c:d.txt", 972),
    ("x.png", 1234),
    ("secret.txt", 4),
    ("old~", 1),
    ("sub/f.txt", 1),
    ("noidx/f.txt", 1),
    ("plain/f.txt", 1),
    ("hdr/HEADER.html", 0),
    ("hdr/README.html", 0),
    ("txt/HEADER.txt", 0),
    ("txt/README.txt", 0),
    ("idx/index.html", 6),
];

/// The files (a header or readme holds its own text).
pub fn files(root: &Path) {
    let ai = root.join("htdocs/ai");
    for (name, size) in FILES {
        let p = ai.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        let text = match *name {
            "hdr/HEADER.html" => "<p>header</p>\n".to_string(),
            "hdr/README.html" => "<p>readme</p>\n".to_string(),
            "txt/HEADER.txt" => "a <text> & header\n".to_string(),
            "txt/README.txt" => "a <text> & readme\n".to_string(),
            _ => "x".repeat(*size),
        };
        std::fs::write(&p, text).unwrap();
        crate::set_mtime(&p);
    }
}

/// The group's configuration.
pub fn config(modules: &str) -> String {
    format!(
        "\n# mod_autoindex (apache_diff/autoindex.rs).\n\
         <IfDefine DIFF_AUTOINDEX>\n\
         LoadModule autoindex_module {modules}/mod_autoindex.so\n\
         <VirtualHost 127.0.0.1:${{DIFF_PORT}}>\n\
         ServerName ai.test\n\
         DocumentRoot htdocs/ai\n\
         ErrorLog logs/elog_autoindex.log\n\
         LogLevel warn\n\
         CustomLog logs/autoindex.log \"%>s %m %U%q %{{Content-Type}}o %{{Content-Length}}o %{{Transfer-Encoding}}o %b\"\n\
         IndexOptions FancyIndexing VersionSort HTMLTable NameWidth=* DescriptionWidth=* Charset=UTF-8\n\
         AddIconByEncoding (CMP,/icons/compressed.gif) x-compress x-gzip x-bzip2\n\
         AddIconByType (TXT,/icons/text.gif) text/*\n\
         AddIconByType (IMG,/icons/image2.gif) image/*\n\
         AddIcon /icons/compressed.gif .Z .z .tgz .gz .zip\n\
         AddIcon /icons/back.gif ..\n\
         AddIcon /icons/folder.gif ^^DIRECTORY^^\n\
         AddIcon /icons/blank.gif ^^BLANKICON^^\n\
         DefaultIcon /icons/unknown.gif\n\
         ReadmeName README.html\n\
         HeaderName HEADER.html\n\
         IndexIgnore .??* *~ *# RCS CVS *,v *,t\n\
         <Location />\n\
         Options Indexes\n\
         </Location>\n\
         <Location /noidx/>\n\
         Options -Indexes\n\
         </Location>\n\
         <Location /plain/>\n\
         IndexOptions VersionSort\n\
         </Location>\n\
         <Location /txt/>\n\
         HeaderName HEADER.txt\n\
         ReadmeName README.txt\n\
         </Location>\n\
         <Files secret.txt>\n\
         Require all denied\n\
         </Files>\n\
         </VirtualHost>\n\
         </IfDefine>\n"
    )
}

/// The cases: the listings with every sort query, the folders, HEAD,
/// HTTP/1.0 and POST.
pub fn cases() -> Vec<Case> {
    let mut targets: Vec<String> = Vec::new();
    for c in ["N", "M", "S", "D"] {
        for o in ["A", "D"] {
            targets.push(format!("/?C={c};O={o}"));
        }
    }
    for q in ["F=0", "F=1", "F=2", "V=0", "V=1", "P=a*", "P=%2F", "C=X"] {
        targets.push(format!("/?{q}"));
    }
    for d in [
        "/", "/sub/", "/sub", "/noidx/", "/plain/", "/hdr/", "/txt/", "/idx/",
    ] {
        targets.push(d.to_string());
    }
    let mut v = Vec::new();
    for t in &targets {
        let line = format!("GET {t} HTTP/1.1");
        v.push(Case {
            name: format!("autoindex {t}"),
            addr: 1,
            steps: vec![rq(line.as_bytes(), &[b"Host: ai.test"], b"")],
            records: 1,
            hold: false,
        });
    }
    for (m, t, version) in [
        ("HEAD", "/", "HTTP/1.1"),
        ("HEAD", "/noidx/", "HTTP/1.1"),
        ("GET", "/hdr/", "HTTP/1.0"),
        ("GET", "/", "HTTP/1.0"),
        ("POST", "/sub/", "HTTP/1.1"),
    ] {
        let line = format!("{m} {t} {version}");
        let body: &[u8] = if m == "POST" { b"x" } else { b"" };
        let headers: &[&[u8]] = if m == "POST" {
            &[b"Host: ai.test", b"Content-Length: 1"]
        } else {
            &[b"Host: ai.test"]
        };
        v.push(Case {
            name: format!("autoindex {m} {t} {version}"),
            addr: 1,
            steps: vec![rq(line.as_bytes(), headers, body)],
            records: 1,
            hold: false,
        });
    }
    v
}
