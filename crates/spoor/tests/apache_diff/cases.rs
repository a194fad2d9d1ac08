//! The request cases: raw bytes, the address they go to, and how many
//! requests they make. Generated from small lists (cartesian products);
//! every case is deterministic.

/// One case: one connection.
pub struct Case {
    /// Unique name, printed with mismatches.
    pub name: String,
    /// 1 → 127.0.0.1 (the virtual hosts), 2 → 127.0.0.2 (the main server),
    /// 3 → 127.0.0.3 (group DIFF_RANGES: a host with httpd's head limits).
    pub addr: u8,
    /// Byte chunks written one after another; between two chunks the
    /// harness reads what the server sent (keep-alive sequences).
    pub steps: Vec<Vec<u8>>,
    /// How many log records the case should make (in logs/sync.log).
    pub records: usize,
    /// Keep the connection open after the last chunk instead of
    /// half-closing it (the server times out: 408).
    pub hold: bool,
}

fn case(name: impl Into<String>, addr: u8, bytes: Vec<u8>, records: usize) -> Case {
    Case {
        name: name.into(),
        addr,
        steps: vec![bytes],
        records,
        hold: false,
    }
}

/// A request: the request line and header lines, CRLF-terminated, then an
/// empty line and the body.
pub fn rq(line: &[u8], headers: &[&[u8]], body: &[u8]) -> Vec<u8> {
    let mut v = line.to_vec();
    v.extend_from_slice(b"\r\n");
    for h in headers {
        v.extend_from_slice(h);
        v.extend_from_slice(b"\r\n");
    }
    v.extend_from_slice(b"\r\n");
    v.extend_from_slice(body);
    v
}

fn get(path: &str, host: &str) -> Vec<u8> {
    let line = format!("GET {path} HTTP/1.1");
    let h = format!("Host: {host}");
    rq(line.as_bytes(), &[h.as_bytes()], b"")
}

fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

/// (method, body, extra header lines).
type Method = (&'static str, &'static [u8], &'static [&'static [u8]]);

const LAST_MODIFIED: &str = "Fri, 02 Jan 2026 03:04:05 GMT";

/// Every case, in sending order.
pub fn cases() -> Vec<Case> {
    let mut v = Vec::new();

    // 1. Paths × methods × protocols on the main server.
    let paths = [
        "/",
        "/index.html",
        "/1k.bin",
        "/empty.txt",
        "/sub/",
        "/sub",
        "/sub/page.txt",
        "/with%20space.txt",
        "/100%25.txt",
        "/caf%C3%A9.txt",
        "/noindex/",
        "/missing.html",
        "/a.png",
        "/noext",
        "/index.html/extra",
        "/dots.tar.gz",
        // Readable by root alone (both servers serve as nobody).
        "/rootonly.txt",
        "/rootonly.txt/extra",
    ];
    for p in paths {
        for m in ["GET", "HEAD"] {
            for proto in ["HTTP/1.0", "HTTP/1.1"] {
                let line = format!("{m} {p} {proto}");
                let mut hs: Vec<&[u8]> = vec![b"Host: main.test"];
                if proto == "HTTP/1.0" {
                    hs.pop();
                }
                v.push(case(
                    format!("path {m} {p} {proto}"),
                    2,
                    rq(line.as_bytes(), &hs, b""),
                    1,
                ));
            }
        }
    }

    // 2. Query strings.
    let queries: &[&[u8]] = &[
        b"?",
        b"?a=1",
        b"?a=1&b=2",
        b"?q=%22x%22",
        b"?q=\"raw\"",
        b"?x=%00",
        b"?sp=a+b",
        b"?%ff%fe",
        b"?back\\slash",
        b"?q=\xe9t\xe9",
        b"??",
        b"?a=1#frag",
        b"?#",
        b"#frag",
        b"?tab=%09&nl=%0a",
        b"?del=\x7f",
    ];
    for (i, q) in queries.iter().enumerate() {
        let line = cat(&[b"GET /index.html", q, b" HTTP/1.1"]);
        v.push(case(
            format!("query {i} {}", String::from_utf8_lossy(q).escape_debug()),
            2,
            rq(&line, &[b"Host: main.test"], b""),
            1,
        ));
    }
    let long_q = format!("/index.html?long={}", "x".repeat(500));
    v.push(case("query long", 2, get(&long_q, "main.test"), 1));

    // 3. Encoded and odd paths.
    let odd: &[&[u8]] = &[
        b"/a%08%09%0a%0b%0c%0d%1b%7f%80%ff%22%5c%20b",
        b"/%00",
        b"/%2f",
        b"/a%2fb",
        b"/%zz",
        b"/%",
        b"/%4",
        b"/sub/../index.html",
        b"/./index.html",
        b"//index.html",
        b"/sub/./page.txt",
        b"/../../etc/passwd",
        b"/%2e%2e/index.html",
        b"/\xe9t\xe9",
        b"/~user",
        b"/index.html;param",
        b"/INDEX.HTML",
        b"/UPPER.HTML",
        b"/sub%2Fpage.txt",
        b"/a%C3%A9",
        b"/%69ndex.html",
        b"/index%2ehtml",
        b"/sub/..",
        b"/sub/../../",
        b"/a\"b",
        b"/a\\b",
        b"*",
        b"index.html",
    ];
    for (i, p) in odd.iter().enumerate() {
        let line = cat(&[b"GET ", p, b" HTTP/1.1"]);
        v.push(case(
            format!("odd path {i} {}", String::from_utf8_lossy(p).escape_debug()),
            2,
            rq(&line, &[b"Host: main.test"], b""),
            1,
        ));
    }

    // 4. User-Agent × Referer.
    let uas: &[&[u8]] = &[
        b"",
        b"User-Agent: Mozilla/5.0 (X11; Linux x86_64)",
        b"User-Agent: quote\"in\"ua",
        b"User-Agent: back\\slash\\",
        b"User-Agent: high \xe9\xff bytes",
        b"User-Agent: tab\there",
        b"User-Agent:",
        b"User-Agent: bot/1.0 (+http://bot.test)",
        b"User-Agent: curl/8.0.1",
        b"User-Agent: Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1)",
    ];
    let refs: &[&[u8]] = &[
        b"",
        b"Referer: http://ref.test/x?y=1&z=\"2\"",
        b"Referer: http://EVIL.test/",
    ];
    for (i, ua) in uas.iter().enumerate() {
        for (j, r) in refs.iter().enumerate() {
            let mut hs: Vec<&[u8]> = vec![b"Host: main.test"];
            if !ua.is_empty() {
                hs.push(ua);
            }
            if !r.is_empty() {
                hs.push(r);
            }
            v.push(case(
                format!("ua {i} referer {j}"),
                2,
                rq(b"GET /index.html HTTP/1.1", &hs, b""),
                1,
            ));
        }
    }
    let long_ua = format!("User-Agent: {}", "u".repeat(2000));
    v.push(case(
        "ua long",
        2,
        rq(
            b"GET /index.html HTTP/1.1",
            &[b"Host: main.test", long_ua.as_bytes()],
            b"",
        ),
        1,
    ));

    // 5. Repeated and odd headers.
    let hdrs: &[(&str, &[&[u8]])] = &[
        ("multi two", &[b"X-Multi: one", b"X-Multi: two"]),
        (
            "multi three case",
            &[b"X-Multi: one", b"x-multi: two", b"X-MULTI: three"],
        ),
        ("multi empty", &[b"X-Multi:", b"X-Multi: two"]),
        ("esc", &[b"X-Esc: a\"b\\c\xe9\xff\tz ~"]),
        ("esc spaces", &[b"X-Esc:    padded value   "]),
        ("no value", &[b"X-Esc:"]),
        ("obs fold", &[b"X-Esc: first", b" folded"]),
        ("space before colon", &[b"X-Esc : v"]),
        ("no colon", &[b"NoColonHere"]),
        ("ctl in value", &[b"X-Esc: a\x01b"]),
        ("del in value", &[b"X-Esc: a\x7fb"]),
        ("two hosts", &[b"Host: other.test"]),
        ("accept", &[b"Accept: text/html, */*;q=0.1"]),
        ("x-case", &[b"X-Case: hello"]),
        ("env header", &[b"X-Env: v\"\\\xe9 x"]),
        ("content-length zero", &[b"Content-Length: 0"]),
        ("connection close", &[b"Connection: close"]),
        ("connection keep-alive", &[b"Connection: keep-alive"]),
        (
            "connection upgrade",
            &[b"Connection: Upgrade", b"Upgrade: h2c"],
        ),
        ("expect", &[b"Expect: 100-continue"]),
        ("expect bad", &[b"Expect: something"]),
        ("authorization", &[b"Authorization: Basic YWxpY2U6c2VjcmV0"]),
        ("bad name", &[b"X(Bad): v"]),
    ];
    for (name, hs) in hdrs {
        let mut all: Vec<&[u8]> = vec![b"Host: main.test"];
        all.extend_from_slice(hs);
        v.push(case(
            format!("header {name}"),
            2,
            rq(b"GET /index.html HTTP/1.1", &all, b""),
            1,
        ));
    }
    let long_hdr = format!("X-Esc: {}", "h".repeat(9000));
    v.push(case(
        "header too long",
        2,
        rq(
            b"GET /index.html HTTP/1.1",
            &[b"Host: main.test", long_hdr.as_bytes()],
            b"",
        ),
        1,
    ));
    let mut many: Vec<Vec<u8>> = vec![b"Host: main.test".to_vec()];
    for i in 0..101 {
        many.push(format!("X-H{i}: {i}").into_bytes());
    }
    let many_refs: Vec<&[u8]> = many.iter().map(|h| h.as_slice()).collect();
    v.push(case(
        "header 101 fields",
        2,
        rq(b"GET /index.html HTTP/1.1", &many_refs, b""),
        1,
    ));
    let mut some: Vec<Vec<u8>> = vec![b"Host: main.test".to_vec()];
    for i in 0..30 {
        some.push(format!("X-H{i}: {i}").into_bytes());
    }
    let some_refs: Vec<&[u8]> = some.iter().map(|h| h.as_slice()).collect();
    v.push(case(
        "header 31 fields",
        2,
        rq(b"GET /index.html HTTP/1.1", &some_refs, b""),
        1,
    ));
    let mid_hdr = format!("X-Esc: {}", "m".repeat(1500));
    v.push(case(
        "header 1500 bytes",
        2,
        rq(
            b"GET /index.html HTTP/1.1",
            &[b"Host: main.test", mid_hdr.as_bytes()],
            b"",
        ),
        1,
    ));

    // 6. Cookies.
    let cookies: &[&[&[u8]]] = &[
        &[b"Cookie: a=1; foo = bar baz ; c=3"],
        &[b"Cookie: FOO=1;foo=2"],
        &[b"Cookie: foo=a=b"],
        &[b"Cookie: foo"],
        &[b"Cookie: foo=", b"Cookie: foo=late"],
        &[b"Cookie: =foo=bar;;c=;x=\"q\\\xe9\""],
        &[b"Cookie: foo=bar ;"],
        &[b"Cookie: foo=;foo=x; a=\t1\t;c= 2 "],
        &[b"Cookie: ;;foo=x;;a=b, c=d"],
        &[b"Cookie: xfoo=1; foox=2; \tfoo\t=\t3"],
        &[b"Cookie: foo=bar \t; x=1;a=b ;"],
        &[b"Cookie: sess=abc123; Path=/"],
        &[b"Cookie: a=1", b"Cookie: c=2", b"Cookie: x=3"],
        &[b"Cookie:"],
        &[b"Cookie: x=\"quoted value\""],
    ];
    for (i, cs) in cookies.iter().enumerate() {
        let mut all: Vec<&[u8]> = vec![b"Host: main.test"];
        all.extend_from_slice(cs);
        v.push(case(
            format!("cookie {i}"),
            2,
            rq(b"GET /index.html HTTP/1.1", &all, b""),
            1,
        ));
    }

    // 7. Host names × paths on the virtual-host address.
    let hosts: &[&str] = &[
        "a.test",
        "A.TEST",
        "www.a.test",
        "x.wild.test",
        "deep.x.wild.test",
        "b.test",
        "B.Test",
        "bz.alias.test",
        "b.alias.test",
        "BZ.Alias.Test",
        "bzz.alias.test",
        "x.upper.test",
        "b.br.test",
        "c.test",
        "c2.test",
        "d.test",
        "unknown.test",
        "127.0.0.1",
        "a.test.",
        "a.test:80",
        "b.test:1",
        "[::1]",
        "a_b.test",
        "",
    ];
    for h in hosts {
        for p in ["/", "/index.html", "/missing", "/page.txt"] {
            v.push(case(format!("host {h:?} {p}"), 1, get(p, h), 1));
        }
    }
    for h in ["a.test", "b.test", "unknown.test"] {
        v.push(case(
            format!("host {h} HTTP/1.0"),
            1,
            rq(
                b"GET /index.html HTTP/1.0",
                &[format!("Host: {h}").as_bytes()],
                b"",
            ),
            1,
        ));
    }
    v.push(case(
        "host none HTTP/1.0 vhost address",
        1,
        rq(b"GET /index.html HTTP/1.0", &[], b""),
        1,
    ));
    v.push(case(
        "host bad characters",
        1,
        rq(b"GET / HTTP/1.1", &[b"Host: bad host"], b""),
        1,
    ));
    v.push(case(
        "host two lines",
        1,
        rq(b"GET / HTTP/1.1", &[b"Host: a.test", b"Host: b.test"], b""),
        1,
    ));
    for h in ["b.test", "unknown.test", "", "www.a.test"] {
        v.push(case(format!("main address host {h:?}"), 2, get("/", h), 1));
    }

    // 7b. Per-directory sections (group DIFF_ACCESS): Require, section
    // environment, DirectoryIndex, on the main server and d.test.
    let pd_paths = [
        "/pd/",
        "/pd",
        "/pd/index.html",
        "/pd/page.txt",
        "/pd/page.txt/info",
        "/pd/a.secret",
        "/pd/missing.secret",
        "/pd/deny/",
        "/pd/deny/file.txt",
        "/pd/denyx",
        "/pd/sub/",
        "/pd/sub",
        "/pd/sub/page.txt",
        "/pd/grant/x.secret",
        "/pd/idx/",
        "/pd/idx/idx.secret",
        "/pdx",
        "/noindex/file.txt",
        "/noindex",
        "//pd//page.txt",
        "/pd/%70age.txt",
        "/pd/x.pd",
        "/pd/x.txt.pdx",
        "/pd/x.pd.txt",
        "/pd/missing.pd",
    ];
    for p in pd_paths {
        for (addr, host) in [(2u8, "main.test"), (1, "d.test")] {
            v.push(case(format!("perdir {host} {p}"), addr, get(p, host), 1));
        }
    }
    for (name, line, ua) in [
        ("perdir head denied", "HEAD /pd/a.secret HTTP/1.1", "x"),
        ("perdir post denied", "POST /pd/deny/file.txt HTTP/1.1", "x"),
        (
            "perdir options denied",
            "OPTIONS /pd/a.secret HTTP/1.1",
            "x",
        ),
        ("perdir ua curl", "GET /pd/page.txt HTTP/1.1", "curl/8"),
        ("perdir ua bot index", "GET /pd/ HTTP/1.1", "bot"),
        ("perdir http/1.0 denied", "GET /pd/a.secret HTTP/1.0", "x"),
    ] {
        v.push(case(
            name,
            2,
            rq(
                line.as_bytes(),
                &[b"Host: main.test", format!("User-Agent: {ua}").as_bytes()],
                b"",
            ),
            1,
        ));
    }

    // 7c. ErrorDocument (group DIFF_ERRDOC): text, remote URL, local URL
    // (internal redirect), a failing local URL, in server, vhost and
    // <Location> scope.
    for (name, line) in [
        ("errdoc 404 server", "GET /nothere.html?a=b HTTP/1.1"),
        ("errdoc 404 head", "HEAD /nothere.html HTTP/1.1"),
        ("errdoc 404 post", "POST /nothere.html HTTP/1.1"),
        ("errdoc 404 http/1.0", "GET /nothere.html HTTP/1.0"),
        (
            "errdoc 404 range ignored",
            "GET /nothere.html HTTP/1.1\r\nRange: bytes=0-3",
        ),
        ("errdoc 404 recursive", "GET /ed/nothere HTTP/1.1"),
        ("errdoc 404 recursive head", "HEAD /ed/nothere HTTP/1.1"),
        (
            "errdoc 404 local with query",
            "GET /ed/local/nothere?q=1 HTTP/1.1",
        ),
        ("errdoc 404 local post", "POST /ed/local/nothere HTTP/1.1"),
        ("errdoc 403 text", "GET /ed/deny HTTP/1.1"),
        ("errdoc 403 text head", "HEAD /ed/deny/x HTTP/1.1"),
        ("errdoc 403 local denied", "GET /ed/deny2 HTTP/1.1"),
        ("errdoc 404 to directory", "GET /ed/dir/nothere HTTP/1.1"),
        ("errdoc 405 text", "DELETE /index.html HTTP/1.1"),
        ("errdoc 501 remote", "BREW /index.html HTTP/1.1"),
        ("errdoc 404 encoded slash", "GET /a%2fb HTTP/1.1"),
    ] {
        let mut raw = line.as_bytes().to_vec();
        raw.extend_from_slice(b"\r\nHost: main.test\r\n\r\n");
        v.push(case(name, 2, raw, 1));
    }
    v.push(case("errdoc vhost text", 1, get("/nothere", "d.test"), 1));

    // 8. Absolute-form targets.
    let absolute: &[(&str, &str)] = &[
        ("http://b.test/index.html", "a.test"),
        ("http://B.TEST:80/", "a.test"),
        ("https://b.test/", "a.test"),
        ("http://user:pw@b.test/index.html", "a.test"),
        ("HTTP://c.test/index.html", "a.test"),
        ("ftp://b.test/", "a.test"),
        ("http://unknown.test/", "b.test"),
        ("http://b.test", "a.test"),
        ("http://b.test/page.txt?q=1", "c.test"),
        ("http://[::1]/", "a.test"),
        ("http:/b.test/", "a.test"),
    ];
    for (t, h) in absolute {
        v.push(case(format!("absolute {t} host {h}"), 1, get(t, h), 1));
    }
    // Absolute-form targets without a Host field.
    for (t, proto) in [
        ("http://b.test/index.html", "HTTP/1.1"),
        ("http://B.TEST/index.html", "HTTP/1.1"),
        ("http://B.Test:80/sub/", "HTTP/1.0"),
        ("http://unknown.test/", "HTTP/1.1"),
    ] {
        let line = format!("GET {t} {proto}");
        v.push(case(
            format!("absolute {t} {proto} no host"),
            1,
            rq(line.as_bytes(), &[], b""),
            1,
        ));
    }

    // 9. Conditional requests.
    let conds: &[(&str, String)] = &[
        ("ims equal", format!("If-Modified-Since: {LAST_MODIFIED}")),
        (
            "ims older",
            "If-Modified-Since: Thu, 01 Jan 2026 00:00:00 GMT".into(),
        ),
        (
            "ims future",
            "If-Modified-Since: Sat, 01 Jan 2050 00:00:00 GMT".into(),
        ),
        ("ims invalid", "If-Modified-Since: yesterday".into()),
        ("inm star", "If-None-Match: *".into()),
        ("inm other", "If-None-Match: \"nope\"".into()),
        (
            "ius past",
            "If-Unmodified-Since: Thu, 01 Jan 2026 00:00:00 GMT".into(),
        ),
        ("ius equal", format!("If-Unmodified-Since: {LAST_MODIFIED}")),
        ("im star", "If-Match: *".into()),
        ("im other", "If-Match: \"nope\"".into()),
    ];
    for (name, h) in conds {
        for m in ["GET", "HEAD"] {
            let line = format!("{m} /index.html HTTP/1.1");
            v.push(case(
                format!("cond {name} {m}"),
                2,
                rq(line.as_bytes(), &[b"Host: main.test", h.as_bytes()], b""),
                1,
            ));
        }
    }

    // 10. Ranges.
    let ranges: &[(&str, &str)] = &[
        ("/1k.bin", "bytes=0-9"),
        ("/1k.bin", "bytes=1000-"),
        ("/1k.bin", "bytes=-5"),
        ("/1k.bin", "bytes=0-0"),
        ("/1k.bin", "bytes=2000-3000"),
        ("/1k.bin", "bytes=x"),
        ("/1k.bin", "bytes=9-0"),
        ("/1k.bin", "bytes=0-2000"),
        ("/1k.bin", "items=0-9"),
        ("/empty.txt", "bytes=0-9"),
        ("/index.html", "bytes=0-4"),
        ("/1k.bin", "bytes=0-9,20-29"),
    ];
    for (p, r) in ranges {
        for m in ["GET", "HEAD"] {
            let line = format!("{m} {p} HTTP/1.1");
            let h = format!("Range: {r}");
            v.push(case(
                format!("range {m} {p} {r}"),
                2,
                rq(line.as_bytes(), &[b"Host: main.test", h.as_bytes()], b""),
                1,
            ));
        }
    }
    v.push(case(
        "range with if-range date",
        2,
        rq(
            b"GET /1k.bin HTTP/1.1",
            &[
                b"Host: main.test",
                b"Range: bytes=0-9",
                format!("If-Range: {LAST_MODIFIED}").as_bytes(),
            ],
            b"",
        ),
        1,
    ));

    // 10b. Range limits (MaxRanges, MaxRangeOverlaps, MaxRangeReversals):
    // httpd's defaults on the main server, group DIFF_RANGES's values on
    // ranges.test and its sections. The head limits of group DIFF_LIMITS
    // (a field of at most 1,000 bytes on 127.0.0.2, 600 on 127.0.0.1)
    // bound how many ranges one field can hold.
    for c in range_limit_cases() {
        let line = format!("{} {} {}", c.method, c.path, c.proto);
        let host = format!("Host: {}", c.host);
        let mut hs: Vec<&[u8]> = vec![host.as_bytes()];
        let fields: Vec<String> = c.range.split('\n').map(|f| format!("Range: {f}")).collect();
        hs.extend(fields.iter().map(|f| f.as_bytes()));
        v.push(case(
            format!("ranges {}", c.name),
            c.addr,
            rq(line.as_bytes(), &hs, b""),
            1,
        ));
    }

    // A client closing the connection: httpd still chunks 33 parts, but
    // not its 416 page (the connection was closed by the range answer).
    for (name, r) in [
        ("33 parts", distinct(33)),
        ("unsatisfiable", "bytes=5000-".to_string()),
    ] {
        let h = format!("Range: {r}");
        v.push(case(
            format!("ranges close {name}"),
            2,
            rq(
                b"GET /1k.bin HTTP/1.1",
                &[b"Host: main.test", h.as_bytes(), b"Connection: close"],
                b"",
            ),
            1,
        ));
    }

    // 11. Methods.
    let methods: &[Method] = &[
        (
            "POST",
            b"hello",
            &[b"Content-Length: 5", b"Content-Type: text/plain"],
        ),
        ("PUT", b"hello", &[b"Content-Length: 5"]),
        ("DELETE", b"", &[]),
        ("OPTIONS", b"", &[]),
        ("TRACE", b"", &[]),
        ("PATCH", b"x", &[b"Content-Length: 1"]),
        ("FOO", b"", &[]),
        ("get", b"", &[]),
        ("PROPFIND", b"", &[]),
        ("GET", b"body", &[b"Content-Length: 4"]),
    ];
    for (m, body, hs) in methods {
        let line = format!("{m} /index.html HTTP/1.1");
        let mut all: Vec<&[u8]> = vec![b"Host: main.test"];
        all.extend_from_slice(hs);
        v.push(case(
            format!("method {m}"),
            2,
            rq(line.as_bytes(), &all, body),
            1,
        ));
    }
    // Methods on a directory (mod_dir's fixups run for every method) and
    // on a file with path info.
    for (m, t) in [
        ("DELETE", "/sub"),
        ("DELETE", "/sub/"),
        ("OPTIONS", "/sub"),
        ("OPTIONS", "/sub/"),
        ("OPTIONS", "/noext"),
        ("OPTIONS", "/missing.html"),
        ("TRACE", "/sub/"),
        ("TRACE", "/index.html/extra"),
        ("TRACE", "/noindex/"),
        ("CONNECT", "/sub/"),
        ("PUT", "/sub"),
        ("FOO", "/sub/"),
    ] {
        let line = format!("{m} {t} HTTP/1.1");
        v.push(case(
            format!("method {m} {t}"),
            2,
            rq(line.as_bytes(), &[b"Host: main.test"], b""),
            1,
        ));
    }
    let more: &[(&str, &[u8])] = &[
        ("TRACE http/1.0", b"TRACE /index.html HTTP/1.0\r\n\r\n"),
        (
            "TRACE with body",
            b"TRACE /index.html HTTP/1.1\r\nHost: main.test\r\nContent-Length: 3\r\n\r\nabc",
        ),
        ("OPTIONS * http/1.0", b"OPTIONS * HTTP/1.0\r\n\r\n"),
        (
            "OPTIONS denied",
            b"OPTIONS /noindex/ HTTP/1.1\r\nHost: main.test\r\n\r\n",
        ),
        (
            "DELETE denied",
            b"DELETE /noindex/file.txt HTTP/1.1\r\nHost: main.test\r\n\r\n",
        ),
        ("CONNECT http/1.0", b"CONNECT b.test:80 HTTP/1.0\r\n\r\n"),
        ("HEAD dir", b"HEAD /sub HTTP/1.1\r\nHost: main.test\r\n\r\n"),
        (
            "OPTIONS path info",
            b"OPTIONS /index.html/extra HTTP/1.1\r\nHost: main.test\r\n\r\n",
        ),
    ];
    for (name, bytes) in more {
        v.push(case(format!("method {name}"), 2, bytes.to_vec(), 1));
    }
    // TraceEnable Off (c.test, on 127.0.0.1): 405 with an empty Allow,
    // the body read and thrown away, the connection kept.
    let trace_off: &[(&str, &[u8], usize)] = &[
        (
            "keep-alive",
            b"TRACE /index.html HTTP/1.1\r\nHost: c.test\r\n\r\nGET /index.html HTTP/1.1\r\nHost: c.test\r\nConnection: close\r\n\r\n",
            2,
        ),
        (
            "with body",
            b"TRACE /index.html HTTP/1.1\r\nHost: c.test\r\nContent-Length: 3\r\n\r\nabcGET /index.html HTTP/1.1\r\nHost: c.test\r\nConnection: close\r\n\r\n",
            2,
        ),
        ("http/1.0", b"TRACE /sub/ HTTP/1.0\r\nHost: c2.test\r\n\r\n", 1),
        (
            "missing",
            b"TRACE /missing.html HTTP/1.1\r\nHost: c.test\r\nConnection: close\r\n\r\n",
            1,
        ),
    ];
    for (name, bytes, records) in trace_off {
        v.push(case(
            format!("TRACE off {name}"),
            1,
            bytes.to_vec(),
            *records,
        ));
    }
    for t in ["b.test:80", "main.test", "c.test:8080", "[::1]:443"] {
        let line = format!("CONNECT {t} HTTP/1.1");
        v.push(case(
            format!("method CONNECT {t} on 127.0.0.1"),
            1,
            rq(line.as_bytes(), &[b"Host: a.test"], b""),
            1,
        ));
    }
    v.push(case(
        "method OPTIONS *",
        2,
        rq(b"OPTIONS * HTTP/1.1", &[b"Host: main.test"], b""),
        1,
    ));
    v.push(case(
        "method CONNECT",
        2,
        rq(
            b"CONNECT main.test:443 HTTP/1.1",
            &[b"Host: main.test"],
            b"",
        ),
        1,
    ));
    v.push(case(
        "post chunked",
        2,
        rq(
            b"POST /index.html HTTP/1.1",
            &[b"Host: main.test", b"Transfer-Encoding: chunked"],
            b"3\r\nabc\r\n0\r\nX-Tr: trailer \"v\"\r\n\r\n",
        ),
        1,
    ));
    v.push(case(
        "post chunked repeated trailers",
        2,
        rq(
            b"POST /index.html HTTP/1.1",
            &[b"Host: main.test", b"Transfer-Encoding: chunked"],
            b"3\r\nabc\r\n0\r\nX-Tr: one\r\nx-tr:  two  \r\nX-Other: 1\r\nX-Tr:\r\n\r\n",
        ),
        1,
    ));
    v.push(case(
        "post missing file",
        2,
        rq(
            b"POST /missing HTTP/1.1",
            &[b"Host: main.test", b"Content-Length: 3"],
            b"abc",
        ),
        1,
    ));
    v.push(case(
        "te and cl",
        2,
        rq(
            b"POST /index.html HTTP/1.1",
            &[
                b"Host: main.test",
                b"Content-Length: 3",
                b"Transfer-Encoding: chunked",
            ],
            b"0\r\n\r\n",
        ),
        1,
    ));
    v.push(case(
        "bad content-length",
        2,
        rq(
            b"POST /index.html HTTP/1.1",
            &[b"Host: main.test", b"Content-Length: abc"],
            b"",
        ),
        1,
    ));
    v.push(case(
        "unknown transfer-encoding",
        2,
        rq(
            b"POST /index.html HTTP/1.1",
            &[b"Host: main.test", b"Transfer-Encoding: gzip"],
            b"",
        ),
        1,
    ));

    // 12. Protocols and request-line shapes.
    let lines: &[(&str, &[u8])] = &[
        ("http/0.9 root", b"GET /\r\n"),
        ("http/0.9 file", b"GET /index.html\r\n"),
        ("http/0.9 head", b"HEAD /index.html\r\n"),
        ("http/0.9 missing", b"GET /nothere.html\r\n"),
        ("http/0.9 dir", b"GET /sub\r\n"),
        ("http/0.9 empty", b"GET /empty.txt\r\n"),
        (
            "http/1.2",
            b"GET /index.html HTTP/1.2\r\nHost: main.test\r\n\r\n",
        ),
        (
            "http/2.0",
            b"GET /index.html HTTP/2.0\r\nHost: main.test\r\n\r\n",
        ),
        ("missing host 1.1", b"GET /index.html HTTP/1.1\r\n\r\n"),
        (
            "http/1.10",
            b"GET /index.html HTTP/1.10\r\nHost: main.test\r\n\r\n",
        ),
        (
            "lowercase protocol",
            b"GET /index.html http/1.1\r\nHost: main.test\r\n\r\n",
        ),
        (
            "protocol HTTP/1",
            b"GET /index.html HTTP/1\r\nHost: main.test\r\n\r\n",
        ),
        (
            "extra token",
            b"GET /index.html HTTP/1.1 extra\r\nHost: main.test\r\n\r\n",
        ),
        (
            "double spaces",
            b"GET  /index.html  HTTP/1.1\r\nHost: main.test\r\n\r\n",
        ),
        (
            "trailing space",
            b"GET /index.html HTTP/1.1 \r\nHost: main.test\r\n\r\n",
        ),
        (
            "tab separator",
            b"GET\t/index.html\tHTTP/1.1\r\nHost: main.test\r\n\r\n",
        ),
        (
            "leading blank lines",
            b"\r\n\r\nGET /index.html HTTP/1.1\r\nHost: main.test\r\n\r\n",
        ),
        ("bare LF", b"GET /index.html HTTP/1.1\nHost: main.test\n\n"),
        ("method only", b"GET\r\n\r\n"),
        (
            "space in target",
            b"GET /a b HTTP/1.1\r\nHost: main.test\r\n\r\n",
        ),
        ("garbage", b"GARBAGE\r\n\r\n"),
        (
            "tls hello",
            b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03\r\n\r\n",
        ),
        (
            "nul in line",
            b"GET /a\x00b HTTP/1.1\r\nHost: main.test\r\n\r\n",
        ),
        (
            "high byte method",
            b"G\xe9T / HTTP/1.1\r\nHost: main.test\r\n\r\n",
        ),
        (
            "http/1.0 keep-alive",
            b"GET /index.html HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
        ),
        (
            "HTTP/1.1 lower host",
            b"GET /index.html HTTP/1.1\r\nhost: main.test\r\n\r\n",
        ),
    ];
    for (name, bytes) in lines {
        v.push(case(format!("line {name}"), 2, bytes.to_vec(), 1));
    }
    let too_long = format!("GET /{} HTTP/1.1", "l".repeat(9000));
    v.push(case(
        "line too long",
        2,
        rq(too_long.as_bytes(), &[b"Host: main.test"], b""),
        1,
    ));
    let long_ok = format!("GET /{} HTTP/1.1", "k".repeat(1500));
    v.push(case(
        "line 1500 bytes",
        2,
        rq(long_ok.as_bytes(), &[b"Host: main.test"], b""),
        1,
    ));
    // A path component over NAME_MAX (255 bytes) within the line limits.
    for (name, target) in [
        ("name too long", format!("/{}", "n".repeat(300))),
        (
            "name too long in dir",
            format!("/sub/{}/x", "n".repeat(300)),
        ),
        ("name too long query", format!("/{}?q=1", "n".repeat(256))),
    ] {
        let line = format!("GET {target} HTTP/1.1");
        v.push(case(
            format!("line {name}"),
            2,
            rq(line.as_bytes(), &[b"Host: main.test"], b""),
            1,
        ));
    }
    v.push(case("connect and close", 2, Vec::new(), 0));

    // 13. Pipelined requests on one connection (one write).
    let ka = |p: &str, h: &str| -> Vec<u8> { get(p, h) };
    let close = |p: &str, h: &str| -> Vec<u8> {
        let line = format!("GET {p} HTTP/1.1");
        let host = format!("Host: {h}");
        rq(
            line.as_bytes(),
            &[host.as_bytes(), b"Connection: close"],
            b"",
        )
    };
    let head = rq(b"HEAD /index.html HTTP/1.1", &[b"Host: main.test"], b"");
    let pipes: Vec<(&str, u8, Vec<u8>, usize)> = vec![
        (
            "three, last close",
            2,
            cat(&[
                &ka("/index.html", "main.test"),
                &ka("/empty.txt", "main.test"),
                &close("/1k.bin", "main.test"),
            ]),
            3,
        ),
        (
            "get head get",
            2,
            cat(&[&ka("/", "main.test"), &head, &ka("/sub/", "main.test")]),
            3,
        ),
        (
            "five",
            2,
            cat(&[
                &ka("/index.html", "main.test"),
                &ka("/missing", "main.test"),
                &ka("/1k.bin", "main.test"),
                &ka("/sub/page.txt", "main.test"),
                &ka("/index.html?x=5", "main.test"),
            ]),
            5,
        ),
        (
            "malformed second",
            2,
            cat(&[
                &ka("/index.html", "main.test"),
                b"GARBAGE\r\n\r\n",
                &ka("/index.html", "main.test"),
            ]),
            2,
        ),
        (
            "hosts differ",
            1,
            cat(&[
                &ka("/index.html", "a.test"),
                &ka("/index.html", "b.test"),
                &ka("/index.html", "c.test"),
                &ka("/index.html", "d.test"),
            ]),
            4,
        ),
        (
            "first 404",
            2,
            cat(&[&ka("/nope", "main.test"), &ka("/index.html", "main.test")]),
            2,
        ),
        (
            "http/1.0 then 1.1",
            2,
            cat(&[
                b"GET /index.html HTTP/1.0\r\n\r\n",
                &ka("/index.html", "main.test"),
            ]),
            1,
        ),
        (
            "post then get",
            2,
            cat(&[
                &rq(
                    b"POST /index.html HTTP/1.1",
                    &[b"Host: main.test", b"Content-Length: 2"],
                    b"hi",
                ),
                &ka("/index.html", "main.test"),
            ]),
            2,
        ),
        (
            "range then cond",
            2,
            cat(&[
                &rq(
                    b"GET /1k.bin HTTP/1.1",
                    &[b"Host: main.test", b"Range: bytes=0-1"],
                    b"",
                ),
                &rq(
                    b"GET /index.html HTTP/1.1",
                    &[
                        b"Host: main.test",
                        format!("If-Modified-Since: {LAST_MODIFIED}").as_bytes(),
                    ],
                    b"",
                ),
            ]),
            2,
        ),
    ];
    for (name, addr, bytes, n) in pipes {
        v.push(case(format!("pipeline {name}"), addr, bytes, n));
    }

    // 14. Keep-alive sequences: one request, read the answer, the next.
    let seqs: Vec<(&str, u8, Vec<Vec<u8>>)> = vec![
        (
            "two",
            2,
            vec![ka("/index.html", "main.test"), ka("/1k.bin", "main.test")],
        ),
        (
            "three with close",
            2,
            vec![
                ka("/index.html", "main.test"),
                ka("/missing", "main.test"),
                close("/", "main.test"),
            ],
        ),
        (
            "vhosts",
            1,
            vec![
                ka("/index.html", "a.test"),
                ka("/index.html", "b.test"),
                ka("/", "unknown.test"),
            ],
        ),
        (
            "head and range",
            2,
            vec![
                head.clone(),
                rq(
                    b"GET /1k.bin HTTP/1.1",
                    &[b"Host: main.test", b"Range: bytes=5-9"],
                    b"",
                ),
            ],
        ),
        (
            "then garbage",
            2,
            vec![ka("/index.html", "main.test"), b"GARBAGE\r\n\r\n".to_vec()],
        ),
        (
            "http/1.0 keep-alive",
            2,
            vec![
                b"GET /index.html HTTP/1.0\r\nConnection: keep-alive\r\n\r\n".to_vec(),
                b"GET /sub/ HTTP/1.0\r\nConnection: keep-alive\r\n\r\n".to_vec(),
            ],
        ),
    ];
    for (name, addr, steps) in seqs {
        let n = steps.len();
        v.push(Case {
            name: format!("keepalive {name}"),
            addr,
            steps,
            records: n,
            hold: false,
        });
    }

    // 15. Head shapes as httpd's strict reader sees them: obs-fold
    // variants, refusals a line late, unreadable lines, Expect, and
    // pipelines with empty lines between requests.
    let shapes: &[(&str, &[u8], usize)] = &[
        (
            "fold tabs",
            b"GET /index.html HTTP/1.1\r\nHost: main.test\r\nX-Esc: first \r\n\t\t folded  \r\n  again\r\n\r\n",
            1,
        ),
        (
            "fold first",
            b"GET /index.html HTTP/1.1\r\n X-Esc: v\r\nHost: main.test\r\n\r\n",
            1,
        ),
        (
            "fold empty",
            b"GET /index.html HTTP/1.1\r\nHost: main.test\r\nX-Esc: v\r\n \r\n\r\n",
            1,
        ),
        (
            "fold host",
            b"GET /index.html HTTP/1.1\r\nHost: main\r\n .test\r\n\r\n",
            1,
        ),
        (
            "bad name then field",
            b"GET /index.html HTTP/1.1\r\nHost: main.test\r\nX(Bad): v\r\nX-Esc: after\r\n\r\n",
            1,
        ),
        (
            "bare LF in header",
            b"GET /index.html HTTP/1.1\r\nHost: main.test\r\nX-Esc: v\n\r\n",
            1,
        ),
        (
            "empty header name",
            b"GET /index.html HTTP/1.1\r\nHost: main.test\r\n: v\r\n\r\n",
            1,
        ),
        (
            "trailing white space values",
            b"GET /index.html HTTP/1.1\r\nHost: main.test\r\nX-Esc: v  \t \r\nX-Multi:  \t\r\n\r\n",
            1,
        ),
        ("LF before line", b"\nGET /index.html HTTP/1.1\r\nHost: main.test\r\n\r\n", 1),
        ("leading space", b" GET /index.html HTTP/1.1\r\nHost: main.test\r\n\r\n", 1),
        ("tab and lowercase", b"GET\t/index.html http/1.1\r\nHost: main.test\r\n\r\n", 1),
        ("HTTP/0.9 named", b"GET /index.html HTTP/0.9\r\nHost: main.test\r\n\r\n", 1),
        ("CR in line", b"GET /a\rb HTTP/1.1\r\nHost: main.test\r\n\r\n", 1),
        ("POST HTTP/0.9", b"POST /index.html\r\n", 1),
        (
            "expect HTTP/1.0",
            b"GET /index.html HTTP/1.0\r\nExpect: something\r\n\r\n",
            1,
        ),
        (
            "expect twice",
            b"GET /index.html HTTP/1.1\r\nHost: main.test\r\nExpect: 100-continue\r\nExpect: 100-continue\r\n\r\n",
            1,
        ),
        (
            "expect keep-alive HTTP/1.0",
            b"GET /index.html HTTP/1.0\r\nConnection: keep-alive\r\nExpect: something\r\n\r\n",
            1,
        ),
        (
            "expect continue POST",
            b"POST /index.html HTTP/1.1\r\nHost: main.test\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nhi",
            1,
        ),
    ];
    for (name, bytes, n) in shapes {
        v.push(case(format!("shape {name}"), 2, bytes.to_vec(), *n));
    }
    let crlf11 = [&b"\r\n".repeat(11)[..], &get("/index.html", "main.test")].concat();
    v.push(case("shape eleven empty lines", 2, crlf11, 1));
    let crlf10 = [&b"\r\n".repeat(10)[..], &get("/index.html", "main.test")].concat();
    v.push(case("shape ten empty lines", 2, crlf10, 1));
    let head_ka = rq(b"HEAD /index.html HTTP/1.1", &[b"Host: main.test"], b"");
    let pipes2: Vec<(&str, Vec<u8>, usize)> = vec![
        (
            "empty lines between",
            cat(&[
                &get("/index.html", "main.test"),
                b"\r\n\r\n",
                &get("/index.html", "main.test"),
                &get("/nope", "main.test"),
                b"\n",
                &get("/nope", "main.test"),
            ]),
            4,
        ),
        ("heads", cat(&[&head_ka, &head_ka, &head_ka]), 3),
        (
            "empty file then 304",
            cat(&[
                &get("/empty.txt", "main.test"),
                &rq(
                    b"GET /index.html HTTP/1.1",
                    &[b"Host: main.test", b"If-None-Match: *"],
                    b"",
                ),
                &get("/1k.bin", "main.test"),
            ]),
            3,
        ),
        (
            "keep-alive token",
            cat(&[
                &rq(
                    b"GET /index.html HTTP/1.1",
                    &[b"Host: main.test", b"Connection: keep-alive"],
                    b"",
                ),
                &rq(
                    b"GET /index.html HTTP/1.0",
                    &[b"Connection: keep-alive"],
                    b"",
                ),
            ]),
            2,
        ),
    ];
    for (name, bytes, n) in pipes2 {
        v.push(case(format!("pipeline {name}"), 2, bytes, n));
    }

    // 16. A request that never completes: the server's Timeout (408).
    v.push(Case {
        name: "timeout partial request".into(),
        addr: 2,
        steps: vec![b"GET /index.html HTTP/1.1\r\nHost: main.test\r\n".to_vec()],
        records: 1,
        hold: true,
    });

    // 16. Forensic records: escaping of the request line and of header
    // names and values, repeated names, each server's forensic log.
    let fhdrs: &[(&str, &[&[u8]])] = &[
        ("pipe colon percent", &[b"X-F: a|b:c%d%%7c"]),
        ("high bytes", &[b"X-F: \xe9t\xe9 \x80\xff end"]),
        ("tab and quote", &[b"X-F: a\tb \"q\" \\ x"]),
        (
            "repeated mixed case",
            &[
                b"X-F: 1",
                b"Accept: */*",
                b"x-f: 2|3",
                b"X-f: %",
                b"ACCEPT: a:b",
            ],
        ),
        ("odd names", &[b"X|Y: v", b"X%Z: w", b"a.b_c~d: x"]),
        (
            "empty and spaces",
            &[b"X-F:", b"X-G:   ", b"X-H:  in  side  "],
        ),
        (
            "order kept",
            &[b"Zeta: z", b"Alpha: a", b"Mid: m", b"alpha: b"],
        ),
    ];
    for (name, hs) in fhdrs {
        let mut all: Vec<&[u8]> = vec![b"Host: main.test"];
        all.extend_from_slice(hs);
        v.push(case(
            format!("forensic {name}"),
            2,
            rq(b"GET /index.html?a|b=%7c:%25 HTTP/1.1", &all, b""),
            1,
        ));
    }
    for (host, path) in [
        ("a.test", "/index.html"),
        ("b.test", "/page.txt"),
        ("b.test", "/missing|x"),
        ("c2.test", "/sub/"),
        ("unknown.test", "/"),
    ] {
        v.push(case(
            format!("forensic vhost {host} {path}"),
            1,
            rq(
                format!("GET {path} HTTP/1.1").as_bytes(),
                &[format!("Host: {host}").as_bytes(), b"X-F: v:1|2"],
                b"",
            ),
            1,
        ));
    }
    v.push(case(
        "forensic pipelined pairs",
        1,
        cat(&[
            &rq(
                b"GET /index.html HTTP/1.1",
                &[b"Host: a.test", b"X-N: 1"],
                b"",
            ),
            &rq(
                b"GET /page.txt HTTP/1.1",
                &[b"Host: b.test", b"X-N: 2"],
                b"",
            ),
            &rq(b"HEAD /x%7c HTTP/1.1", &[b"Host: a.test", b"X-N: 3"], b""),
            &rq(
                b"GET /index.html HTTP/1.1",
                &[b"Host: a.test", b"X-N: 4", b"Connection: close"],
                b"",
            ),
        ]),
        4,
    ));
    v.push(case(
        "forensic post body",
        2,
        rq(
            b"POST /index.html HTTP/1.1",
            &[
                b"Host: main.test",
                b"Content-Length: 5",
                b"Content-Type: a/b",
            ],
            b"a|b:c",
        ),
        1,
    ));
    v.push(case(
        "forensic bad chunk",
        2,
        rq(
            b"POST /index.html HTTP/1.1",
            &[b"Host: main.test", b"Transfer-Encoding: chunked"],
            b"zz\r\n",
        ),
        1,
    ));
    v.push(case(
        "forensic http/0.9",
        2,
        b"GET /index.html\r\n".to_vec(),
        1,
    ));
    v.push(case(
        "forensic refused head",
        2,
        rq(
            b"GET /index.html HTTP/1.1",
            &[b"Host: main.test", b"X|F: v"],
            b"",
        ),
        1,
    ));
    v.extend(limit_cases());
    v
}

/// A request line of exactly `n` bytes (a query pads it).
fn line_of(n: usize) -> Vec<u8> {
    let mut l = b"GET /index.html?".to_vec();
    l.resize(n - 9, b'q');
    l.extend_from_slice(b" HTTP/1.1");
    l
}

/// The DIFF_LIMITS group: head limits of the connection's base server
/// (a.test on 127.0.0.1, the main server on 127.0.0.2) whatever the Host
/// names, LimitRequestBody per server and per directory, KeepAlive and
/// MaxKeepAliveRequests of the chosen virtual host.
fn limit_cases() -> Vec<Case> {
    let mut v = Vec::new();
    let next = get("/index.html", "main.test");
    // Head limits: a.test's (700, 600, 15) for every host on 127.0.0.1,
    // the main server's (1000, 1000, 20) on 127.0.0.2.
    for (host, addr) in [
        ("lim-big.test", 1),
        ("a.test", 1),
        ("c.test", 1),
        ("main.test", 2),
    ] {
        let h = format!("Host: {host}");
        for n in [650, 701, 950, 1001] {
            v.push(case(
                format!("limits line {n} {host} {addr}"),
                addr,
                rq(&line_of(n), &[h.as_bytes()], b""),
                1,
            ));
        }
        for n in [550, 601, 950, 1001] {
            let f = format!("X-Esc: {}", "f".repeat(n - 7));
            v.push(case(
                format!("limits field {n} {host} {addr}"),
                addr,
                rq(
                    b"GET /index.html HTTP/1.1",
                    &[h.as_bytes(), f.as_bytes()],
                    b"",
                ),
                1,
            ));
        }
        for n in [15, 16, 20, 21] {
            let mut hs: Vec<Vec<u8>> = vec![h.clone().into_bytes()];
            for i in 1..n {
                hs.push(format!("X-H{i}: {i}").into_bytes());
            }
            let refs: Vec<&[u8]> = hs.iter().map(|x| x.as_slice()).collect();
            v.push(case(
                format!("limits {n} fields {host} {addr}"),
                addr,
                rq(b"GET /index.html HTTP/1.1", &refs, b""),
                1,
            ));
        }
    }
    // LimitRequestBody: 20 in the main server, 5 in <Location /lrb>, 100
    // in lim-big.test, 0 (none) in lim-off.test. A refused body closes
    // the connection: the pipelined GET behind it is not served.
    let cl = |n: usize| format!("Content-Length: {n}");
    let bodies: &[(&str, u8, &str, &str, usize, bool)] = &[
        // (name, addr, method+target, host, body length, fits)
        ("post 20", 2, "POST /index.html", "main.test", 20, true),
        ("post 21", 2, "POST /index.html", "main.test", 21, false),
        ("get 25", 2, "GET /index.html", "main.test", 25, false),
        ("head 25", 2, "HEAD /index.html", "main.test", 25, false),
        (
            "missing 25",
            2,
            "POST /nothere.html",
            "main.test",
            25,
            false,
        ),
        ("dir 25", 2, "GET /sub", "main.test", 25, false),
        ("put 25", 2, "PUT /index.html", "main.test", 25, false),
        ("foo 25", 2, "FOO /index.html", "main.test", 25, false),
        ("denied 25", 2, "POST /noindex/", "main.test", 25, false),
        ("encoded slash 25", 2, "POST /a%2fb", "main.test", 25, false),
        ("location 5", 2, "POST /lrb/x", "main.test", 5, true),
        ("location 6", 2, "POST /lrb/x", "main.test", 6, false),
        ("vhost 50", 1, "POST /index.html", "lim-big.test", 50, true),
        (
            "vhost 150",
            1,
            "POST /index.html",
            "lim-big.test",
            150,
            false,
        ),
        (
            "vhost location 6",
            1,
            "POST /lrb/x",
            "lim-big.test",
            6,
            false,
        ),
        (
            "unlimited 150",
            1,
            "POST /index.html",
            "lim-off.test",
            150,
            true,
        ),
        (
            "default vhost 25",
            1,
            "POST /index.html",
            "a.test",
            25,
            false,
        ),
    ];
    for (name, addr, target, host, n, fits) in bodies {
        let line = format!("{target} HTTP/1.1");
        let h = format!("Host: {host}");
        let c = cl(*n);
        let mut bytes = rq(
            line.as_bytes(),
            &[h.as_bytes(), c.as_bytes()],
            &vec![b'b'; *n],
        );
        bytes.extend_from_slice(&next);
        let served = if *fits && *host != "lim-off.test" {
            2
        } else {
            1
        };
        v.push(case(format!("limits body {name}"), *addr, bytes, served));
    }
    /// (name, header lines, body, requests served).
    type BodyCase = (&'static str, &'static [&'static [u8]], &'static [u8], usize);
    let body_cases: &[BodyCase] = &[
        (
            "length only",
            &[b"Host: main.test", b"Content-Length: 21"],
            b"",
            1,
        ),
        (
            "expect continue",
            &[
                b"Host: main.test",
                b"Content-Length: 21",
                b"Expect: 100-continue",
            ],
            b"",
            1,
        ),
        (
            "chunked 20",
            &[b"Host: main.test", b"Transfer-Encoding: chunked"],
            b"a\r\n0123456789\r\na\r\n0123456789\r\n0\r\n\r\n",
            2,
        ),
        (
            "chunked crossing",
            &[b"Host: main.test", b"Transfer-Encoding: chunked"],
            b"c\r\n0123456789ab\r\nc\r\n0123456789ab\r\n0\r\n\r\n",
            1,
        ),
        (
            "chunked one big chunk",
            &[b"Host: main.test", b"Transfer-Encoding: chunked"],
            b"19;ext=1\r\n0123456789012345678901234\r\n0\r\n\r\n",
            1,
        ),
        (
            "chunked cut short",
            &[b"Host: main.test", b"Transfer-Encoding: chunked"],
            b"c\r\n0123",
            1,
        ),
    ];
    for (name, hs, body, n) in body_cases {
        let mut bytes = rq(b"POST /index.html HTTP/1.1", hs, body);
        if *n == 2 || name.starts_with("chunked crossing") {
            bytes.extend_from_slice(&next);
        }
        v.push(case(format!("limits body {name}"), 2, bytes, *n));
    }
    // KeepAlive Off in lim-off.test, MaxKeepAliveRequests 2 in
    // lim-max.test: the chosen host's settings decide.
    let ka = |host: &str| -> Vec<u8> {
        let h = format!("Host: {host}");
        rq(
            b"GET /index.html HTTP/1.1",
            &[h.as_bytes(), b"Connection: keep-alive"],
            b"",
        )
    };
    for (host, served) in [("lim-off.test", 1), ("lim-max.test", 3), ("a.test", 4)] {
        v.push(case(
            format!("limits keep-alive four to {host}"),
            1,
            [ka(host), ka(host), ka(host), ka(host)].concat(),
            served,
        ));
    }
    v.push(case(
        "limits keep-alive base then lim-off",
        1,
        [ka("a.test"), ka("lim-off.test"), ka("a.test")].concat(),
        2,
    ));
    v
}

/// `n` one-byte ranges that never merge (`0-0,2-2,0-0,…`): `n` parts.
fn distinct(n: usize) -> String {
    let v: Vec<&str> = (0..n)
        .map(|i| if i % 2 == 0 { "0-0" } else { "2-2" })
        .collect();
    format!("bytes={}", v.join(","))
}

/// `n + 1` ranges each overlapping the one before: `n` overlaps, one
/// part.
fn overlapping(n: usize) -> String {
    let v: Vec<String> = (0..=n).map(|i| format!("{}-{}", i, i + 9)).collect();
    format!("bytes={}", v.join(","))
}

/// `n + 1` ranges each ending where the one before starts: `n` overlaps
/// that are all reversals, one part.
fn reversed(n: usize) -> String {
    let v: Vec<String> = (0..=n)
        .rev()
        .map(|i| format!("{}-{}", i * 2, i * 2 + 1))
        .collect();
    format!("bytes={}", v.join(","))
}

/// One range-limit case.
struct RangeCase {
    name: String,
    addr: u8,
    host: &'static str,
    method: &'static str,
    proto: &'static str,
    path: &'static str,
    /// The `Range` fields, separated by `\n`.
    range: String,
}

/// The range-limit cases.
fn range_limit_cases() -> Vec<RangeCase> {
    let mut v = Vec::new();
    let mut add = |name: &str, addr: u8, host: &'static str, path: &'static str, r: String| {
        v.push(RangeCase {
            name: name.to_string(),
            addr,
            host,
            method: "GET",
            proto: "HTTP/1.1",
            path,
            range: r,
        });
    };
    // The defaults (main server): MaxRanges 200.
    for n in [1, 2, 31, 32, 33, 199, 200, 201] {
        add(
            &format!("default {n} parts"),
            2,
            "main.test",
            "/1k.bin",
            distinct(n),
        );
    }
    add(
        "default 20 overlaps",
        2,
        "main.test",
        "/1k.bin",
        overlapping(20),
    );
    add(
        "default 21 overlaps",
        2,
        "main.test",
        "/1k.bin",
        overlapping(21),
    );
    add(
        "default 20 reversals",
        2,
        "main.test",
        "/1k.bin",
        reversed(20),
    );
    add(
        "default 21 reversals",
        2,
        "main.test",
        "/1k.bin",
        reversed(21),
    );
    // The shapes of a Range field.
    let shapes: &[(&str, &str)] = &[
        ("overlap", "bytes=0-9,5-14,10-19"),
        ("inside", "bytes=0-99,10-19,0-99"),
        ("reversed", "bytes=20-29,10-20,0-10"),
        ("adjacent", "bytes=0-9,10-19,20-29"),
        ("apart", "bytes=0-9,20-29,0-9"),
        ("more than the file", "bytes=0-999,0-999"),
        ("invalid after valid", "bytes=0-9,x-5"),
        ("unsatisfiable after valid", "bytes=0-9,2000-3000"),
        ("unsatisfiable only", "bytes=2000-3000,5000-"),
        ("suffix zero", "bytes=0-9,-0"),
        ("suffix and first", "bytes=-100,0-9"),
        ("suffix beyond", "bytes=-5000"),
        ("open and first", "bytes=500-,0-9"),
        ("zero open wins", "bytes=500-600,0-,junk"),
        ("open and suffix", "bytes=10-,-10"),
        ("space after comma", "bytes=0-1, 3-4"),
        ("space before", "bytes= 0-1"),
        ("double comma", "bytes=0-1,,3-4"),
        ("trailing comma", "bytes=0-1,"),
        ("leading comma", "bytes=,0-1"),
        ("leading zeros", "bytes=000-001,0010-0020"),
        ("plus sign", "bytes=+1-2"),
        ("huge number", "bytes=0-99999999999999999999"),
        ("two fields", "bytes=0-1\nbytes=3-4"),
        ("upper case", "BYTES=0-1,3-4"),
    ];
    for (name, r) in shapes {
        add(
            &format!("shape {name}"),
            2,
            "main.test",
            "/1k.bin",
            r.to_string(),
        );
    }
    // ranges.test: MaxRanges 3, MaxRangeOverlaps 2, MaxRangeReversals 1.
    let rt = "ranges.test";
    add("vhost 3 parts", 1, rt, "/mr/f.bin", distinct(3));
    add("vhost 4 parts", 1, rt, "/mr/f.bin", distinct(4));
    add("vhost 2 overlaps", 1, rt, "/mr/f.bin", overlapping(2));
    add("vhost 3 overlaps", 1, rt, "/mr/f.bin", overlapping(3));
    add("vhost 1 reversal", 1, rt, "/mr/f.bin", reversed(1));
    add("vhost 2 reversals", 1, rt, "/mr/f.bin", reversed(2));
    add(
        "vhost unsatisfiable",
        1,
        rt,
        "/mr/f.bin",
        "bytes=5000-".into(),
    );
    // <DirectoryMatch> MaxRanges none: no ranges, Accept-Ranges none.
    add("none one", 1, rt, "/mr/none/f.bin", "bytes=0-9".into());
    add(
        "none two",
        1,
        rt,
        "/mr/none/f.bin",
        "bytes=0-9,20-29".into(),
    );
    add(
        "none unsatisfiable",
        1,
        rt,
        "/mr/none/f.bin",
        "bytes=5000-".into(),
    );
    add("none no range", 1, rt, "/mr/none/f.bin", "bytes".into());
    // <DirectoryMatch> unlimited (a field of 600 bytes holds ~140).
    add("unlimited 140 parts", 1, rt, "/mr/unl/f.bin", distinct(140));
    add(
        "unlimited 40 overlaps",
        1,
        rt,
        "/mr/unl/f.bin",
        overlapping(40),
    );
    add(
        "unlimited 40 reversals",
        1,
        rt,
        "/mr/unl/f.bin",
        reversed(40),
    );
    // <DirectoryMatch> default: back to 200/20/20 under the vhost's 3/2/1.
    add(
        "default again 4 parts",
        1,
        rt,
        "/mr/dflt/f.bin",
        distinct(4),
    );
    add(
        "default again 20 overlaps",
        1,
        rt,
        "/mr/dflt/f.bin",
        overlapping(20),
    );
    add(
        "default again 21 reversals",
        1,
        rt,
        "/mr/dflt/f.bin",
        reversed(21),
    );
    // <Location> MaxRanges 1.
    add(
        "one 1 part",
        1,
        rt,
        "/mr/one/f.bin",
        "bytes=0-9,10-19".into(),
    );
    add(
        "one 2 parts",
        1,
        rt,
        "/mr/one/f.bin",
        "bytes=0-9,20-29".into(),
    );
    // <Location> no overlap, no reversal.
    add(
        "ov none apart",
        1,
        rt,
        "/mr/ov/f.bin",
        "bytes=0-9,20-29".into(),
    );
    add(
        "ov none adjacent",
        1,
        rt,
        "/mr/ov/f.bin",
        "bytes=0-9,10-19".into(),
    );
    add(
        "ov none inside",
        1,
        rt,
        "/mr/ov/f.bin",
        "bytes=0-99,10-19".into(),
    );
    // <Files> 5 overlaps and 5 reversals (`5abc` is 5, as atoi reads it).
    add("files 5 reversals", 1, rt, "/mr/x.r5", reversed(5));
    add("files 6 reversals", 1, rt, "/mr/x.r5", reversed(6));
    add("files 6 overlaps", 1, rt, "/mr/x.r5", overlapping(6));
    // 900 ranges (a 3,600-byte field): on 127.0.0.3, whose head limits
    // are httpd's defaults. The whole file under the default MaxRanges;
    // all 900 parts where it is unlimited, as httpd sends them.
    add("900 parts", 3, "big.test", "/1k.bin", distinct(900));
    add(
        "900 parts unlimited",
        3,
        "big.test",
        "/mr/unl/f.bin",
        distinct(900),
    );
    add(
        "900 overlaps unlimited",
        3,
        "big.test",
        "/mr/unl/f.bin",
        overlapping(900),
    );
    // Other methods and protocols with many parts (no length past 32).
    let mut more = |name: &str, method: &'static str, proto: &'static str, n: usize| {
        v.push(RangeCase {
            name: name.to_string(),
            addr: 2,
            host: "main.test",
            method,
            proto,
            path: "/1k.bin",
            range: distinct(n),
        });
    };
    more("head 2 parts", "HEAD", "HTTP/1.1", 2);
    more("head 33 parts", "HEAD", "HTTP/1.1", 33);
    more("http/1.0 33 parts", "GET", "HTTP/1.0", 33);
    more("http/1.0 head 33 parts", "HEAD", "HTTP/1.0", 33);
    v
}
