//! mod_deflate with mod_filter in the differential suite (group
//! `DIFF_DEFLATE`): the host `deflate.test` serves `htdocs/df` with
//! Debian's deflate.conf line for `text/html text/plain`, the three
//! `DeflateFilterNote`s, `AddEncoding gzip .gz` and a `SetEnvIf` setting
//! `no-gzip`. It logs status, URI, `%b`, `Content-Encoding`, `Vary`,
//! `ETag`, `Content-Length`, `Transfer-Encoding` and the notes to
//! `logs/deflate.log` (`%O` counts spoor's own `Server` line, so the
//! head and the compressed bytes are compared in `tests/deflate.rs`).

use crate::cases::{rq, Case};

/// Lines of text, `n` bytes.
fn text(n: usize) -> Vec<u8> {
    let mut t = Vec::with_capacity(n + 64);
    let mut i = 0;
    while t.len() < n {
        t.extend_from_slice(format!("line {i} of the deflate group <p>\n").as_bytes());
        i += 1;
    }
    t.truncate(n);
    t
}

/// The served files: name and size.
const FILES: &[(&str, usize)] = &[
    ("small.html", 60),
    ("k1.html", 1024),
    ("k8.txt", 8192),
    ("big.html", 300_000),
    ("a.png", 4000),
    ("t.html.gz", 4000),
    ("ng/x.html", 4000),
];

/// The files, below `htdocs/df`.
pub fn docs() -> Vec<(String, Vec<u8>)> {
    FILES
        .iter()
        .map(|&(f, n)| (format!("df/{f}"), text(n)))
        .collect()
}

/// The group's configuration.
pub fn config(modules: &str) -> String {
    format!(
        "\n# mod_deflate with mod_filter (apache_diff/deflate.rs).\n\
         <IfDefine DIFF_DEFLATE>\n\
         LoadModule filter_module {modules}/mod_filter.so\n\
         LoadModule deflate_module {modules}/mod_deflate.so\n\
         <VirtualHost 127.0.0.1:${{DIFF_PORT}}>\n\
         ServerName deflate.test\n\
         DocumentRoot htdocs/df\n\
         CustomLog logs/deflate.log \"%>s %U %b [%{{Content-Encoding}}o] [%{{Vary}}o] [%{{ETag}}o] [%{{Content-Length}}o] [%{{Transfer-Encoding}}o] %{{in}}n/%{{out}}n/%{{ratio}}n\"\n\
         AddEncoding gzip .gz\n\
         DeflateFilterNote Input in\n\
         DeflateFilterNote Output out\n\
         DeflateFilterNote Ratio ratio\n\
         AddOutputFilterByType DEFLATE text/html text/plain\n\
         SetEnvIf Request_URI ^/ng/ no-gzip\n\
         </VirtualHost>\n\
         </IfDefine>\n"
    )
}

fn one(name: String, line: &str, headers: &[&[u8]]) -> Case {
    let mut h: Vec<&[u8]> = vec![b"Host: deflate.test"];
    h.extend_from_slice(headers);
    Case {
        name,
        addr: 1,
        steps: vec![rq(line.as_bytes(), &h, b"")],
        records: 1,
        hold: false,
    }
}

/// The cases: every file with and without `Accept-Encoding: gzip`, by
/// HEAD, on HTTP/1.0; `Accept-Encoding` forms; a 404; a kept connection.
pub fn cases() -> Vec<Case> {
    let mut v = Vec::new();
    for &(f, _) in FILES {
        let get = format!("GET /{f} HTTP/1.1");
        v.push(one(
            format!("deflate gzip {f}"),
            &get,
            &[b"Accept-Encoding: gzip"],
        ));
        v.push(one(format!("deflate plain {f}"), &get, &[]));
        let head = format!("HEAD /{f} HTTP/1.1");
        v.push(one(
            format!("deflate HEAD {f}"),
            &head,
            &[b"Accept-Encoding: gzip"],
        ));
        let old = format!("GET /{f} HTTP/1.0");
        v.push(one(
            format!("deflate http/1.0 {f}"),
            &old,
            &[b"Accept-Encoding: gzip", b"Connection: keep-alive"],
        ));
    }
    for (i, ae) in [
        &b"Accept-Encoding: x-gzip"[..],
        b"Accept-Encoding: gzip;q=0",
        b"Accept-Encoding: gzip;q=0.5",
        b"Accept-Encoding: identity",
        b"Accept-Encoding: deflate, GZIP",
    ]
    .into_iter()
    .enumerate()
    {
        v.push(one(
            format!("deflate accept {i}"),
            "GET /k1.html HTTP/1.1",
            &[ae],
        ));
    }
    v.push(one(
        "deflate 404".into(),
        "GET /none.html HTTP/1.1",
        &[b"Accept-Encoding: gzip"],
    ));
    v.push(Case {
        name: "deflate kept".into(),
        addr: 1,
        steps: vec![
            rq(
                b"GET /big.html HTTP/1.1",
                &[b"Host: deflate.test", b"Accept-Encoding: gzip"],
                b"",
            ),
            rq(b"GET /k1.html HTTP/1.1", &[b"Host: deflate.test"], b""),
        ],
        records: 2,
        hold: false,
    });
    v
}
