//! Methods crossed with request-target shapes: every method httpd 2.4
//! registers (`ap_method_registry_init` in httpd's http_protocol.c) and a
//! few it does not, sent to the main server (127.0.0.2) against each
//! shape of target a scanner or an attacker sends, as HTTP/1.1 with a
//! Host, as HTTP/1.1 with a small body, and as HTTP/1.0 without a Host.
//! Each case is one request and one record; the harness compares every
//! log, so the status, the page length, the response headers the formats
//! record and the per-directory work done (environment, file name) must
//! all agree with apache2's.

use crate::cases::{rq, Case};

/// The methods httpd knows, in its registration order.
pub const KNOWN: &[&str] = &[
    "GET",
    "HEAD",
    "PUT",
    "POST",
    "DELETE",
    "CONNECT",
    "OPTIONS",
    "TRACE",
    "PATCH",
    "PROPFIND",
    "PROPPATCH",
    "MKCOL",
    "COPY",
    "MOVE",
    "LOCK",
    "UNLOCK",
    "VERSION-CONTROL",
    "CHECKOUT",
    "UNCHECKOUT",
    "CHECKIN",
    "UPDATE",
    "LABEL",
    "REPORT",
    "MKWORKSPACE",
    "MKACTIVITY",
    "BASELINE-CONTROL",
    "MERGE",
];

/// Tokens httpd does not know: an extension method, a known name in the
/// wrong case (methods are case-sensitive) and a long token.
fn unknown() -> Vec<(String, String)> {
    let long = format!("X{}", "LONGMETHOD".repeat(12));
    vec![
        ("FOO".into(), "FOO".into()),
        ("get".into(), "get".into()),
        (long, "LONG121".into()),
    ]
}

/// (name, request target). The names are part of the case names.
pub const SHAPES: &[(&str, &str)] = &[
    ("file", "/index.html"),
    ("missing", "/missing.html"),
    ("dir slash", "/sub/"),
    ("dir", "/sub"),
    ("encoded slash", "/sub%2Fpage.txt"),
    ("nul", "/index.html%00"),
    ("path info", "/index.html/extra"),
    ("query", "/index.html?a=1&b"),
    ("missing query", "/missing.html?a=1"),
    ("missing dir", "/nodir/x.html"),
    ("missing path info", "/missing.html/extra"),
    ("dir path info", "/sub/extra"),
    ("denied", "/noindex/x.txt"),
    ("star", "*"),
    ("absolute", "http://main.test/index.html"),
];

/// The protocol variants: (name, protocol, header lines, body).
const VARIANTS: &[(&str, &str, &[&[u8]], &[u8])] = &[
    ("1.1", "HTTP/1.1", &[b"Host: main.test"], b""),
    (
        "1.1 body",
        "HTTP/1.1",
        &[b"Host: main.test", b"Content-Length: 5"],
        b"hello",
    ),
    ("1.0", "HTTP/1.0", &[], b""),
];

/// Every method × shape × variant case, named
/// `methods <method> <shape> <variant>`.
pub fn cases() -> Vec<Case> {
    let mut methods: Vec<(String, String)> = KNOWN
        .iter()
        .map(|m| (m.to_string(), m.to_string()))
        .collect();
    methods.extend(unknown());
    let mut v = Vec::new();
    for (m, mname) in &methods {
        for (sname, target) in SHAPES {
            for (vname, proto, hs, body) in VARIANTS {
                let line = format!("{m} {target} {proto}");
                v.push(Case {
                    name: format!("methods {mname} {sname} {vname}"),
                    addr: 2,
                    steps: vec![rq(line.as_bytes(), hs, body)],
                    records: 1,
                    hold: false,
                });
            }
        }
    }
    v
}

