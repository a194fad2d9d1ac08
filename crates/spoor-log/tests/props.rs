//! Property tests: rendering never panics, escaped items never let a raw
//! control byte, quote or backslash through, and JSON mode always yields
//! valid JSON; each escaper (Apache, JSON, forensic) round-trips through a
//! reference decoder written here and emits only the bytes it may; random
//! Apache formats over random records render exactly as a model renderer
//! written here (`%h %l %u %t %r %s %>s %b %B %U %q %m %H %v %%`,
//! `%{X}i %{X}o %{X}e %{X}n` and literals).

use proptest::prelude::*;
use spoor_log::{Conn, Escaping, Format, Record, Renderer, Request, TimeZone};

/// Owned data behind one record.
#[derive(Debug, Clone)]
struct Data {
    line: Vec<u8>,
    method: Vec<u8>,
    uri: Vec<u8>,
    query: Option<Vec<u8>>,
    user: Option<Vec<u8>>,
    headers: Vec<(Vec<u8>, Vec<u8>)>,
    out_headers: Vec<(Vec<u8>, Vec<u8>)>,
    env: Vec<(Vec<u8>, Vec<u8>)>,
    status: i32,
    bytes: u64,
    body_sent: bool,
    begin: i64,
    dur: i64,
    keepalives: u32,
    aborted: bool,
}

fn bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..24),
        "[ -~]{0,24}".prop_map(|s| s.into_bytes()),
        "\\PC{0,8}".prop_map(|s| s.into_bytes()),
    ]
}

fn name() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(b"User-Agent".to_vec()),
        Just(b"Referer".to_vec()),
        Just(b"Cookie".to_vec()),
        Just(b"X".to_vec()),
        Just(b"Set-Cookie".to_vec()),
        Just(b"Content-Type".to_vec()),
    ]
}

fn table() -> impl Strategy<Value = Vec<(Vec<u8>, Vec<u8>)>> {
    proptest::collection::vec((name(), bytes()), 0..5)
}

fn data() -> impl Strategy<Value = Data> {
    (
        (
            bytes(),
            bytes(),
            bytes(),
            proptest::option::of(bytes()),
            proptest::option::of(bytes()),
        ),
        (table(), table(), table()),
        (
            -5i32..1200,
            prop_oneof![Just(0u64), 0u64..100_000, any::<u64>()],
            any::<bool>(),
        ),
        (
            0i64..4_000_000_000_000_000,
            0i64..100_000_000_000,
            any::<u32>(),
            any::<bool>(),
        ),
    )
        .prop_map(
            |(
                (line, method, uri, query, user),
                (headers, out_headers, env),
                (status, bytes, body_sent),
                (begin, dur, keepalives, aborted),
            )| Data {
                line,
                method,
                uri,
                query,
                user,
                headers,
                out_headers,
                env,
                status,
                bytes,
                body_sent,
                begin,
                dur,
                keepalives,
                aborted,
            },
        )
}

fn render(fmt: &Format, d: &Data) -> Vec<u8> {
    let headers: Vec<_> = d.headers.iter().map(|(n, v)| (&n[..], &v[..])).collect();
    let out_headers: Vec<_> = d
        .out_headers
        .iter()
        .map(|(n, v)| (&n[..], &v[..]))
        .collect();
    let env: Vec<_> = d.env.iter().map(|(n, v)| (&n[..], &v[..])).collect();
    let conn = Conn {
        client_ip: "192.0.2.7",
        local_ip: "127.0.0.1",
        keepalives: d.keepalives,
        aborted: d.aborted,
        keepalive: !d.aborted,
        bytes_in: d.bytes / 3,
        bytes_out: d.bytes / 2,
        ..Default::default()
    };
    let req = Request {
        request_line: Some(&d.line),
        method: (!d.method.is_empty()).then_some(&d.method[..]),
        uri: &d.uri,
        query: d.query.as_deref(),
        protocol: b"HTTP/1.1",
        status: d.status,
        user: d.user.as_deref(),
        headers_in: &headers,
        headers_out: &out_headers,
        env: &env,
        notes: &env,
        server_name: &d.method,
        vhost_name: &d.uri,
        useragent_ip: "192.0.2.7",
        bytes_sent: d.bytes,
        body_sent: d.body_sent,
        request_time_us: d.begin,
        filename: Some(&d.uri),
        track_id: d.user.as_deref(),
        ..Default::default()
    };
    let rec = Record::new(&conn, &req, d.begin + d.dur);
    let mut r = Renderer::with_time_zone(TimeZone::UTC);
    let mut out = Vec::new();
    r.render(fmt, &rec, &mut out);
    out
}

/// Checks that `s` holds only printable ASCII and well-formed Apache
/// escapes.
fn assert_apache_clean(s: &[u8]) {
    let mut i = 0;
    while i < s.len() {
        let b = s[i];
        assert!((0x20..0x7f).contains(&b), "raw byte {b:#x} in {s:?}");
        assert_ne!(b, b'"', "raw quote in {:?}", String::from_utf8_lossy(s));
        if b == b'\\' {
            match s.get(i + 1) {
                Some(b'b' | b't' | b'n' | b'v' | b'r' | b'"' | b'\\') => i += 2,
                Some(b'x') => {
                    let h = &s[i + 2..i + 4];
                    assert!(
                        h.iter()
                            .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(c)),
                        "bad \\x escape in {s:?}"
                    );
                    i += 4;
                }
                _ => panic!("bad escape in {s:?}"),
            }
        } else {
            i += 1;
        }
    }
}

/// Every item httpd escapes, each on a line of its own (separated by a
/// byte the escaper never emits raw).
const ESCAPED: &[&str] = &[
    "%{User-Agent}i",
    "%{X}i",
    "%{Cookie}C",
    "%{X}e",
    "%f",
    "%H",
    "%m",
    "%{X}n",
    "%{X}o",
    "%{Content-Type}o",
    "%{Set-Cookie}o",
    "%r",
    "%U",
    "%u",
    "%v",
    "%V",
    "%q",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn escaped_items_are_clean(d in data()) {
        for item in ESCAPED {
            let fmt = Format::apache(item).unwrap();
            let out = render(&fmt, &d);
            let line = &out[..out.len() - 1];
            if item == &"%u" && line == b"\"\"" {
                continue; // httpd's rendering of an empty user name.
            }
            assert_apache_clean(line);
        }
    }

    #[test]
    fn json_mode_is_always_valid(d in data()) {
        // The format of httpd's own pytest suite (spec §5), plus strings.
        let fmt = Format::apache_with(
            br#"{ "request": "%r", "status": %>s, "bytes_resp_B": %B, "bytes_tx_O": %O, "bytes_rx_I": %I, "bytes_rx_tx_S": %S, "time_taken": %D, "b": %b, "ua": "%{User-Agent}i", "bare_ua": %{User-Agent}i, "t": %t, "st": "%t", "q": %q, "u": %u, "c": %{Cookie}C, "x": "%X", "k": %k, "lit": "a\"b%%c", "s404": %404s, "strf": "%{%d/%b \" %H}t", "strf2": %{%c}t, "us": %{usec_frac}t, "e": %{X}e }"#,
            Escaping::Json,
        )
        .unwrap();
        let out = render(&fmt, &d);
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap_or_else(|e| {
            panic!("{e}: {}", String::from_utf8_lossy(&out))
        });
        prop_assert!(v.is_object());
    }

    #[test]
    fn arbitrary_formats_never_panic(
        f in "[%{}<>!,0-9a-zA-Z^ \\\\\"-]{0,40}",
        d in data(),
    ) {
        if let Ok(fmt) = Format::apache(&f) {
            let out = render(&fmt, &d);
            prop_assert_eq!(out.last(), Some(&b'\n'));
        }
        if let Ok(fmt) = Format::apache_with(f.as_bytes(), Escaping::Json) {
            render(&fmt, &d);
        }
    }

    #[test]
    fn arbitrary_wasd_formats_never_panic(
        f in "[!A-Za-z0-9\\\\ \\[\\]-]{0,40}",
        d in data(),
    ) {
        if let Ok(fmt) = Format::wasd(&f) {
            let out = render(&fmt, &d);
            prop_assert_eq!(out.last(), Some(&b'\n'));
        }
    }
}

// ---------------------------------------------------------------------
// Escaping: each escaper's output decoded by a reference decoder written
// here gives the input back, and holds only the bytes it may hold.

use spoor_log::escape::{escape_forensic, escape_json, escape_logitem};

fn hex_val(h: u8) -> u8 {
    match h {
        b'0'..=b'9' => h - b'0',
        b'a'..=b'f' => h - b'a' + 10,
        _ => panic!("{h:#x} is not a lower-case hex digit"),
    }
}

/// Undoes `ap_escape_logitem`: the C escapes and `\xhh`; panics on any
/// byte the escaper must not leave raw.
fn decode_logitem(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < s.len() {
        let b = s[i];
        assert!(
            (0x20..0x7f).contains(&b) && b != b'"',
            "raw {b:#x} in {s:?}"
        );
        if b != b'\\' {
            out.push(b);
            i += 1;
            continue;
        }
        let (v, n) = match s[i + 1] {
            b'b' => (0x08, 2),
            b't' => (b'\t', 2),
            b'n' => (b'\n', 2),
            b'v' => (0x0b, 2),
            b'r' => (b'\r', 2),
            b'"' => (b'"', 2),
            b'\\' => (b'\\', 2),
            b'x' => (hex_val(s[i + 2]) << 4 | hex_val(s[i + 3]), 4),
            c => panic!("unknown escape \\{} in {s:?}", c as char),
        };
        out.push(v);
        i += n;
    }
    out
}

/// Undoes the JSON escaping: `\uXXXX` below 0x100 is the byte of that
/// value (a raw byte of invalid UTF-8, or a control), the short escapes
/// their byte, and raw bytes are themselves (valid UTF-8 passes through).
fn decode_json(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < s.len() {
        let b = s[i];
        assert!(b >= 0x20 && b != b'"' && b != 0x7f, "raw {b:#x} in {s:?}");
        if b != b'\\' {
            out.push(b);
            i += 1;
            continue;
        }
        let (v, n) = match s[i + 1] {
            b'"' => (b'"', 2),
            b'\\' => (b'\\', 2),
            b'n' => (b'\n', 2),
            b'r' => (b'\r', 2),
            b't' => (b'\t', 2),
            b'b' => (0x08, 2),
            b'f' => (0x0c, 2),
            b'u' => {
                assert_eq!(&s[i + 2..i + 4], b"00", "{s:?}");
                (hex_val(s[i + 4]) << 4 | hex_val(s[i + 5]), 6)
            }
            c => panic!("unknown escape \\{} in {s:?}", c as char),
        };
        out.push(v);
        i += n;
    }
    out
}

/// Undoes mod_log_forensic's `%hh`; panics on a raw byte it escapes.
fn decode_forensic(s: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < s.len() {
        let b = s[i];
        assert!(
            (0x20..0x7f).contains(&b) && b != b':' && b != b'|',
            "raw {b:#x} in {s:?}"
        );
        if b == b'%' {
            out.push(hex_val(s[i + 1]) << 4 | hex_val(s[i + 2]));
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    out
}

/// Raw bytes of every kind, long enough for the 16-byte fast paths.
fn raw() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..80),
        "[ -~]{0,80}".prop_map(String::into_bytes),
        "\\PC{0,30}".prop_map(String::into_bytes),
        proptest::collection::vec(
            proptest::sample::select(&b"a\"\\:|%\x7f\x00\n\xc3\xa9\xff"[..]),
            0..80
        ),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 4000, ..ProptestConfig::default() })]

    #[test]
    fn logitem_escaping_round_trips(x in raw(), prefix in raw()) {
        let mut out = prefix.clone();
        escape_logitem(&x, &mut out);
        // Appends, leaving what was there.
        prop_assert_eq!(&out[..prefix.len()], &prefix[..]);
        prop_assert_eq!(decode_logitem(&out[prefix.len()..]), x);
    }

    #[test]
    fn json_escaping_round_trips(x in raw()) {
        let mut out = Vec::new();
        escape_json(&x, &mut out);
        prop_assert_eq!(decode_json(&out), x.clone());
        // A JSON reader sees the valid UTF-8 text unchanged.
        let quoted = [&b"\""[..], &out, b"\""].concat();
        let v: String = serde_json::from_slice(&quoted).unwrap();
        if let Ok(s) = std::str::from_utf8(&x) {
            prop_assert_eq!(v, s);
        }
    }

    #[test]
    fn forensic_escaping_round_trips(x in raw()) {
        let mut out = Vec::new();
        escape_forensic(&x, &mut out);
        prop_assert_eq!(decode_forensic(&out), x);
    }
}

// ---------------------------------------------------------------------
// Rendering: random formats over random records, against a model
// renderer written from httpd's documented behaviour of each item.

/// One item of a generated format: its text and what the model prints.
#[derive(Debug, Clone)]
enum Piece {
    Lit(String),
    Item(&'static str, Option<&'static str>),
}

fn piece() -> impl Strategy<Value = Piece> {
    let keys = proptest::sample::select(vec!["X", "x", "Referer", "User-Agent", "Cookie"]);
    prop_oneof![
        "[a-zA-Z0-9 .:/()\\[\\]'-]{1,6}".prop_map(Piece::Lit),
        proptest::sample::select(vec![
            "h", "l", "u", "t", "r", "s", ">s", "b", "B", "U", "q", "m", "H", "v", "%"
        ])
        .prop_map(|i| Piece::Item(i, None)),
        (proptest::sample::select(vec!["i", "o", "e", "n"]), keys)
            .prop_map(|(i, k)| Piece::Item(i, Some(k))),
    ]
}

fn format_text(ps: &[Piece]) -> String {
    ps.iter()
        .map(|p| match p {
            Piece::Lit(s) => s.clone(),
            Piece::Item(i, None) => format!("%{i}"),
            Piece::Item(i, Some(k)) => format!("%{{{k}}}{i}"),
        })
        .collect()
}

fn esc(v: &[u8]) -> Vec<u8> {
    // The model's own ap_escape_logitem, byte by byte.
    let mut out = Vec::new();
    for &b in v {
        match b {
            0x08 => out.extend_from_slice(b"\\b"),
            b'\t' => out.extend_from_slice(b"\\t"),
            b'\n' => out.extend_from_slice(b"\\n"),
            0x0b => out.extend_from_slice(b"\\v"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            0x20..=0x7e => out.push(b),
            _ => out.extend_from_slice(format!("\\x{b:02x}").as_bytes()),
        }
    }
    out
}

fn first<'a>(t: &'a [(Vec<u8>, Vec<u8>)], k: &str) -> Option<&'a [u8]> {
    t.iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(k.as_bytes()))
        .map(|(_, v)| &v[..])
}

fn status_text(s: i32) -> Vec<u8> {
    if s <= 0 {
        b"-".to_vec()
    } else {
        s.to_string().into_bytes()
    }
}

/// What httpd writes for the format over the record [`render`] builds.
fn model(ps: &[Piece], d: &Data) -> Vec<u8> {
    let dash = || b"-".to_vec();
    let or_dash = |v: Option<&[u8]>| v.map_or_else(dash, esc);
    let mut out = Vec::new();
    for p in ps {
        let v: Vec<u8> = match p {
            Piece::Lit(s) => s.as_bytes().to_vec(),
            Piece::Item(i, key) => match (*i, *key) {
                ("h", _) => b"192.0.2.7".to_vec(),
                ("l", _) => dash(),
                ("u", _) => match d.user.as_deref() {
                    Some(b"") => b"\"\"".to_vec(),
                    u => or_dash(u),
                },
                ("t", _) => {
                    let ts = jiff::Timestamp::from_microsecond(d.begin).unwrap();
                    ts.to_zoned(TimeZone::UTC)
                        .strftime("[%d/%b/%Y:%H:%M:%S %z]")
                        .to_string()
                        .into_bytes()
                }
                ("r", _) => esc(&d.line),
                ("s" | ">s", _) => status_text(d.status),
                ("b", _) if !d.body_sent || d.bytes == 0 => dash(),
                ("b", _) => d.bytes.to_string().into_bytes(),
                ("B", _) => (if d.body_sent { d.bytes } else { 0 })
                    .to_string()
                    .into_bytes(),
                ("U", _) if d.uri.is_empty() => dash(),
                ("U", _) => esc(&d.uri),
                ("q", _) => match &d.query {
                    Some(q) => [&b"?"[..], &esc(q)].concat(),
                    None => Vec::new(),
                },
                ("m", _) if d.method.is_empty() => dash(),
                ("m", _) => esc(&d.method),
                ("H", _) => b"HTTP/1.1".to_vec(),
                // `render` uses the method bytes as the server name.
                ("v", _) => esc(&d.method),
                ("%", _) => b"%".to_vec(),
                ("i", Some(k)) => {
                    // Repeated request headers are joined with ", ".
                    let all: Vec<&[u8]> = d
                        .headers
                        .iter()
                        .filter(|(n, _)| n.eq_ignore_ascii_case(k.as_bytes()))
                        .map(|(_, v)| &v[..])
                        .collect();
                    if all.is_empty() {
                        dash()
                    } else {
                        esc(&all.join(&b", "[..]))
                    }
                }
                ("o", Some(k)) => or_dash(first(&d.out_headers, k)),
                ("e" | "n", Some(k)) => or_dash(first(&d.env, k)),
                other => unreachable!("{other:?}"),
            },
        };
        out.extend_from_slice(&v);
    }
    out.push(b'\n');
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    #[test]
    fn rendering_agrees_with_the_model(
        ps in proptest::collection::vec(piece(), 0..12),
        d in data(),
    ) {
        let text = format_text(&ps);
        let fmt = Format::apache(&text).unwrap();
        let got = render(&fmt, &d);
        let want = model(&ps, &d);
        prop_assert_eq!(
            String::from_utf8_lossy(&got),
            String::from_utf8_lossy(&want),
            "format {:?}",
            text
        );
        prop_assert_eq!(got, want);
    }
}
