//! Methods crossed with request-target shapes: every method httpd 2.4
//! registers (`ap_method_registry_init` in httpd's http_protocol.c) and a
//! few it does not, sent to the main server (127.0.0.2) against each
//! shape of target a scanner or an attacker sends, as HTTP/1.1 with a
//! Host, as HTTP/1.1 with a small body (with a length, and chunked), and
//! as HTTP/1.0 without a Host.
//! Each case is one request and one record; the harness compares every
//! log, so the status, the page length, the response headers the formats
//! record and the per-directory work done (environment, file name) must
//! all agree with apache2's.
//!
//! Then body lengths at the edges of what httpd can count: Content-Length
//! values and chunk sizes around 2^63, leading zeros, and chunk-size
//! lines httpd refuses (white space, control characters, over
//! `LimitRequestFieldSize`).

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
    ("dot segments", "/sub/../index.html"),
    ("errdoc local", "/ed/local/missing.html"),
    ("errdoc denied", "/ed/deny2/x.html"),
    ("star", "*"),
    ("absolute", "http://main.test/index.html"),
];

/// A protocol variant: (name, protocol, header lines, body).
type Variant = (
    &'static str,
    &'static str,
    &'static [&'static [u8]],
    &'static [u8],
);

/// The protocol variants.
const VARIANTS: &[Variant] = &[
    ("1.1", "HTTP/1.1", &[b"Host: main.test"], b""),
    (
        "1.1 body",
        "HTTP/1.1",
        &[b"Host: main.test", b"Content-Length: 5"],
        b"hello",
    ),
    (
        "1.1 chunked",
        "HTTP/1.1",
        &[b"Host: main.test", b"Transfer-Encoding: chunked"],
        b"5\r\nhello\r\n0\r\n\r\n",
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

/// Content-Length values and chunk-size lines at httpd's edges, each
/// named `lengths <what>`.
pub fn length_cases() -> Vec<Case> {
    let mut v = Vec::new();
    let mut push = |name: String, addr: u8, bytes: Vec<u8>| {
        v.push(Case {
            name: format!("lengths {name}"),
            addr,
            steps: vec![bytes],
            records: 1,
            hold: false,
        })
    };
    // (length, body): over the main server's LimitRequestBody (20), at
    // and past a signed 64-bit offset, with leading zeros.
    let lengths: &[(&str, &[u8])] = &[
        ("9223372036854775807", b""),
        ("9223372036854775808", b""),
        ("18446744073709551616", b""),
        ("99999999999999999999999", b""),
        ("0000000000000000000000005", b"hello"),
        ("1000000000000000000", b"hello"),
    ];
    for (n, body) in lengths {
        for (m, t) in [("POST", "/index.html"), ("GET", "/missing.html")] {
            let line = format!("{m} {t} HTTP/1.1");
            let cl = format!("Content-Length: {n}");
            push(
                format!("{m} {t} content-length {n}"),
                2,
                rq(line.as_bytes(), &[b"Host: main.test", cl.as_bytes()], body),
            );
        }
        // A directory whose index mod_dir serves: httpd reads the body
        // only once its fixup has made the request the index's.
        let cl = format!("Content-Length: {n}");
        push(
            format!("directory index content-length {n}"),
            2,
            rq(
                b"POST /sub/ HTTP/1.1",
                &[b"Host: main.test", cl.as_bytes()],
                body,
            ),
        );
        // LimitRequestBody 0 (none): the length itself decides.
        let cl = format!("Content-Length: {n}");
        push(
            format!("unlimited content-length {n}"),
            1,
            rq(
                b"POST /index.html HTTP/1.1",
                &[b"Host: lim-off.test", cl.as_bytes()],
                body,
            ),
        );
    }
    // TRACE: refused for its body before reading it (a page with a
    // length), unless the path is refused first (then the body is read
    // for the 404 and overflows: no length).
    // (d.test's ErrorDocument 404 is a text; the main server's is a local
    // URL, whose redirect happens before the body is read.)
    for (name, addr, host, t) in [
        ("trace", 2, "main.test", "/index.html"),
        ("trace nul", 2, "main.test", "/index.html%00"),
        ("trace nul text errordoc", 1, "d.test", "/index.html%00"),
    ] {
        let line = format!("TRACE {t} HTTP/1.1");
        let h = format!("Host: {host}");
        push(
            format!("{name} chunk 2^63"),
            addr,
            rq(
                line.as_bytes(),
                &[h.as_bytes(), b"Transfer-Encoding: chunked"],
                b"8000000000000000\r\nabc",
            ),
        );
    }
    // A denied path with an ErrorDocument 403 text, then a body over the
    // limit: the 413 page says "Additionally, a 403", and the text counts
    // in the bytes sent.
    for (name, framing, body) in [
        ("length", &b"Content-Length: 25"[..], &[b'b'; 25][..]),
        (
            "chunked",
            b"Transfer-Encoding: chunked",
            b"8000000000000000\r\nabc",
        ),
    ] {
        push(
            format!("denied text errordoc {name} over"),
            2,
            rq(
                b"POST /ed/deny/x.html HTTP/1.1",
                &[b"Host: main.test", framing],
                body,
            ),
        );
    }
    // Framing refused before the Host is looked at, sent to a virtual
    // host on 127.0.0.1 whose server is not the address's default: the
    // default server must answer as in httpd.
    let framing: &[(&str, &[&[u8]])] = &[
        ("two lengths", &[b"Content-Length: 5", b"Content-Length: 5"]),
        ("length list", &[b"Content-Length: 5, 5"]),
        ("negative length", &[b"Content-Length: -1"]),
        ("plus length", &[b"Content-Length: +5"]),
        ("huge length", &[b"Content-Length: 99999999999999999999"]),
        ("gzip coding", &[b"Transfer-Encoding: gzip"]),
        ("two codings", &[b"Transfer-Encoding: gzip, chunked"]),
    ];
    for (name, hs) in framing {
        for (hname, host) in [("host first", true), ("host last", false)] {
            let mut all: Vec<&[u8]> = Vec::new();
            if host {
                all.push(b"Host: lim-off.test");
            }
            all.extend_from_slice(hs);
            if !host {
                all.push(b"Host: lim-off.test");
            }
            push(
                format!("framing {name} {hname}"),
                1,
                rq(b"POST /index.html HTTP/1.1", &all, b"hello"),
            );
        }
    }
    let long_ext = format!("1;{}\r\na\r\n0\r\n\r\n", "e".repeat(1100));
    let chunks: &[(&str, &[u8])] = &[
        ("2^63", b"8000000000000000\r\nabc"),
        ("2^63-1", b"7fffffffffffffff\r\nabc"),
        ("2^64", b"10000000000000000\r\nabc"),
        ("16 f", b"ffffffffffffffff\r\nabc"),
        ("zeros then 2^63", b"00008000000000000000\r\nabc"),
        ("second chunk 2^63", b"3\r\nabc\r\n8000000000000000;x=1\r\n"),
        (
            "leading zeros",
            b"000000000000000000000003\r\nabc\r\n0\r\n\r\n",
        ),
        ("ten spaces", b"3          \r\nabc\r\n0\r\n\r\n"),
        ("eleven spaces", b"3           \r\nabc\r\n0\r\n\r\n"),
        ("space digit", b"3 3\r\nabc\r\n0\r\n\r\n"),
        ("tab ext", b"3\t;a=b\tc\r\nabc\r\n0\r\n\r\n"),
        ("control in ext", b"3;a\x01b\r\nabc\r\n0\r\n\r\n"),
        ("del in ext", b"3;a\x7f\r\nabc\r\n0\r\n\r\n"),
        ("high byte in ext", b"3;a\xe9\r\nabc\r\n0\r\n\r\n"),
        ("bare lf", b"3\nabc\r\n0\r\n\r\n"),
        ("long ext", long_ext.as_bytes()),
    ];
    for (name, body) in chunks {
        push(
            format!("chunk {name}"),
            2,
            rq(
                b"POST /index.html HTTP/1.1",
                &[b"Host: main.test", b"Transfer-Encoding: chunked"],
                body,
            ),
        );
        push(
            format!("chunk {name} directory index"),
            2,
            rq(
                b"POST /sub/ HTTP/1.1",
                &[b"Host: main.test", b"Transfer-Encoding: chunked"],
                body,
            ),
        );
        push(
            format!("chunk {name} unlimited"),
            1,
            rq(
                b"POST /index.html HTTP/1.1",
                &[b"Host: lim-off.test", b"Transfer-Encoding: chunked"],
                body,
            ),
        );
    }
    v
}
