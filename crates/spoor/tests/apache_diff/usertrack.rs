//! mod_usertrack in the differential suite: virtual hosts on 127.0.0.1,
//! one per directive combination, each logging to its own
//! `logs/ut_<name>.log` with the `usertrack` format; the cases; and the
//! masks for the per-process parts of a tracking cookie.
//!
//! Masking (only in `ut_*.log`): the format's first two fields are the
//! request time (`%{sec}t`, `%{usec}t`). A cookie value `hex.hex` whose
//! second part is that request time in µs becomes `<Cn>`, numbered by first
//! appearance in the case's lines of the log (so the Set-Cookie value and
//! the `cookie` note must agree, and two requests must get two values); a
//! value with any other time part keeps a `time?` marker that cannot match.
//! An `expires=` date becomes its distance from the request time in
//! seconds, with a marker if its weekday is wrong. Then both time fields
//! are masked. Everything else (names, attributes, their order and
//! spelling) is compared byte for byte.

use std::collections::HashMap;

use crate::cases::{rq, Case};

/// The format of every `ut_*.log` (TAB-separated).
pub const FORMAT: &str = "%{sec}t\\t%{usec}t\\t%v\\t%>s\\t%m %U%q\\t%{cookie}n\\t%{Cookie}n\\t\
%{Set-Cookie}o\\t%{Set-Cookie2}o\\t%{Cookie}i\\t%{Apache}n";

/// (host name part, directives inside the `<VirtualHost>`).
fn hosts() -> Vec<(&'static str, &'static str)> {
    vec![
        ("default", "CookieTracking on"),
        ("netscape", "CookieTracking on\nCookieExpires \"2 weeks 3 days\""),
        (
            "netscape-domain",
            "CookieTracking On\nCookieStyle Netscape\nCookieExpires 60\nCookieDomain .example.com",
        ),
        (
            "cookie",
            "CookieTracking on\nCookieStyle Cookie\nCookieExpires 3600\nCookieDomain .example.com",
        ),
        ("rfc2109", "CookieTracking on\nCookieStyle RFC2109"),
        (
            "cookie2",
            "CookieTracking on\nCookieStyle Cookie2\nCookieExpires \"plus 1 year 2 mo 3 w 4 d 5 h 6 mi 7 s\"\n\
             CookieDomain .example.com\nCookieSameSite Strict\nCookieSecure on\nCookieHTTPOnly on",
        ),
        (
            "rfc2965",
            "CookieTracking on\nCookieStyle rfc2965\nCookieExpires 10",
        ),
        (
            "cookie2-domain",
            "CookieTracking on\nCookieStyle COOKIE2\nCookieDomain .a.example",
        ),
        (
            "samesite-none",
            "CookieTracking on\nCookieSameSite None\nCookieSecure On",
        ),
        (
            "samesite-lax",
            "CookieTracking on\nCookieSameSite lax\nCookieHttpOnly on\nCookieSecure off",
        ),
        (
            "expires-past",
            "CookieTracking on\nCookieExpires 4294967295",
        ),
        (
            "maxage-neg",
            "CookieTracking on\nCookieStyle Cookie\nCookieExpires \"100 years\"",
        ),
        (
            "expires-quirk",
            "CookieTracking on\nCookieExpires \"1 month 2\"",
        ),
        ("name", "CookieTracking on\nCookieName track_me"),
        ("name-dots", "CookieName \"a.b\"\nCookieTracking on"),
        // Tracking off: no cookie, no note, whatever else is set.
        (
            "off",
            "CookieTracking off\nCookieName offname\nCookieExpires 60",
        ),
        // No CookieTracking at all: the record is the host's own, so off.
        ("name-only", "CookieName onlyname"),
        // Flags ignore words after the first.
        ("flag-extra", "CookieTracking on off\nCookieSecure on extra"),
        // The last of repeated directives wins.
        (
            "repeat",
            "CookieTracking on\nCookieName first\nCookieName second\nCookieExpires 5\nCookieExpires 0",
        ),
        // Sections: each one holding a usertrack directive replaces the
        // whole record; CookieExpires anywhere sets the host's expiry (the
        // last one in the file, here the FilesMatch's).
        (
            "dir",
            "CookieTracking on\nCookieExpires 60\n\
             <DirectoryMatch \"/htdocs/sub\">\nCookieName subname\n</DirectoryMatch>\n\
             <Location /sub/page.txt>\nCookieTracking on\nCookieStyle Cookie\n</Location>\n\
             <Files \"1k.bin\">\nCookieTracking on\nCookieName binname\nCookieSameSite Strict\n</Files>\n\
             <FilesMatch \"\\.png$\">\nCookieExpires 30\n</FilesMatch>",
        ),
        // No directive at host level: the main server's record (off)
        // except where a section has one; the host's expiry is its own (0).
        (
            "dir-off",
            "<Location /sub>\nCookieTracking on\nCookieDomain .example.com\n</Location>",
        ),
    ]
}

/// Paths requested on every host with sections.
const DIR_PATHS: &[&str] = &[
    "/index.html",
    "/sub",
    "/sub/",
    "/sub/index.html",
    "/sub/page.txt",
    "/1k.bin",
    "/a.png",
    "/utloc/x",
];

/// The `<VirtualHost>`s, appended to the shared configuration.
pub fn config(modules: &str) -> String {
    let mut c = format!(
        "\n# mod_usertrack (tests/apache_diff/usertrack.rs).\n\
         LoadModule usertrack_module {modules}/mod_usertrack.so\n\
         LogFormat \"{FORMAT}\" usertrack\n"
    );
    // A main-server section: it applies in every host (after the host's
    // own record).
    c.push_str(
        "<LocationMatch \"^/utloc\">\nCookieTracking on\nCookieName locname\n</LocationMatch>\n",
    );
    for (name, body) in hosts() {
        c.push_str(&format!(
            "<VirtualHost 127.0.0.1:${{DIFF_PORT}}>\n\
             ServerName ut-{name}.test\n\
             CustomLog logs/ut_{name}.log usertrack\n\
             {body}\n\
             </VirtualHost>\n"
        ));
    }
    c
}

fn get(host: &str, path: &str, extra: &[&[u8]]) -> Vec<u8> {
    let line = format!("GET {path} HTTP/1.1");
    let h = format!("Host: {host}");
    let mut hs: Vec<&[u8]> = vec![h.as_bytes()];
    hs.extend_from_slice(extra);
    rq(line.as_bytes(), &hs, b"")
}

fn one(name: String, bytes: Vec<u8>) -> Case {
    Case {
        name,
        addr: 1,
        steps: vec![bytes],
        records: 1,
        hold: false,
    }
}

/// The cases, all on 127.0.0.1.
pub fn cases() -> Vec<Case> {
    let mut v = Vec::new();
    // Every host: a new cookie, the cookie sent back, one in another name,
    // an error page, HEAD.
    for (name, _) in hosts() {
        let host = format!("ut-{name}.test");
        v.push(one(
            format!("usertrack {name} new"),
            get(&host, "/index.html", &[]),
        ));
        for cookie in [
            "Apache=known.1",
            "track_me=known.2; Apache=other",
            "a.b=known.3",
            "second=known.4",
        ] {
            let h = format!("Cookie: {cookie}");
            v.push(one(
                format!("usertrack {name} sent {cookie}"),
                get(&host, "/index.html", &[h.as_bytes()]),
            ));
        }
        v.push(one(
            format!("usertrack {name} 404"),
            get(&host, "/missing.html", &[]),
        ));
        v.push(one(
            format!("usertrack {name} head"),
            rq(
                b"HEAD / HTTP/1.1",
                &[format!("Host: {host}").as_bytes()],
                b"",
            ),
        ));
    }

    // Per-directory scope.
    for host in [
        "ut-dir.test",
        "ut-dir-off.test",
        "ut-default.test",
        "ut-cookie2.test",
    ] {
        for path in DIR_PATHS {
            v.push(one(
                format!("usertrack section {host} {path}"),
                get(host, path, &[]),
            ));
        }
    }
    for (path, cookie) in [
        ("/sub/page.txt", "Cookie: Apache=p1; subname=s1"),
        ("/sub/", "Cookie: subname=s2"),
        ("/1k.bin", "Cookie: Apache=b0, binname=b1"),
        ("/utloc/x", "Cookie: locname=l1"),
    ] {
        v.push(one(
            format!("usertrack section sent {path} {cookie}"),
            get("ut-dir.test", path, &[cookie.as_bytes()]),
        ));
    }

    // Detection, as httpd's expression does it.
    let host = "ut-default.test";
    let detect: &[&[&[u8]]] = &[
        &[b"Cookie: Apache=abc"],
        &[b"Cookie: x=1; Apache=def; y=2"],
        &[b"Cookie: x=1;Apache=ghi"],
        &[b"Cookie: x=1, Apache=jkl"],
        &[b"Cookie: x=1,Apache= sp ace ;y"],
        &[b"Cookie: Apache=;Apache=second"],
        &[b"Cookie: x=1;\t \tApache=tabs"],
        &[b"Cookie: Apache=x=y"],
        &[b"Cookie: Apache=\"quoted\""],
        &[b"Cookie: apache=lower"],
        &[b"Cookie: XApache=no"],
        &[b"Cookie: Apache="],
        &[b"Cookie: Apache"],
        &[b"Cookie: x=1 Apache=nosep"],
        &[b"Cookie: "],
        &[b"cookie: Apache=lowerheader"],
        &[b"Cookie: x=1", b"Cookie: Apache=two"],
        &[b"Cookie: Apache=a", b"Cookie: Apache=b"],
        &[b"Cookie: x=1", b"X-Other: y", b"Cookie: y=2;Apache=third"],
        &[b"Cookie2: Apache=c2"],
        &[b"Cookie: Apache=\xe9t\xe9"],
    ];
    for (i, hs) in detect.iter().enumerate() {
        v.push(one(
            format!("usertrack detect {i}"),
            get(host, "/index.html", hs),
        ));
    }

    // Which responses carry the cookie: httpd sets it at its fixups step,
    // so requests refused before it get none; the 416 and a body read
    // error lose the header but keep the note.
    let h = format!("Host: {host}");
    let hb = h.as_bytes();
    let lm: &[u8] = b"If-Modified-Since: Fri, 02 Jan 2026 03:04:05 GMT";
    let paths: Vec<(&str, Vec<u8>)> = vec![
        ("sub redirect", get(host, "/sub", &[])),
        ("sub index", get(host, "/sub/", &[])),
        ("noindex 404", get(host, "/noindex/", &[])),
        ("query", get(host, "/index.html?a=1", &[])),
        (
            "unknown method",
            rq(b"FOO /index.html HTTP/1.1", &[hb], b""),
        ),
        ("put 405", rq(b"PUT /index.html HTTP/1.1", &[hb], b"")),
        ("trace", rq(b"TRACE /index.html HTTP/1.1", &[hb], b"")),
        ("options", rq(b"OPTIONS /index.html HTTP/1.1", &[hb], b"")),
        ("options star", rq(b"OPTIONS * HTTP/1.1", &[hb], b"")),
        ("get star", rq(b"GET * HTTP/1.1", &[hb], b"")),
        ("encoded slash", get(host, "/a%2fb", &[])),
        ("dot dot", get(host, "/../index.html", &[])),
        (
            "bad expect",
            get(host, "/index.html", &[b"Expect: nonsense"]),
        ),
        (
            "range 416",
            get(host, "/index.html", &[b"Range: bytes=1000-2000"]),
        ),
        ("range 206", get(host, "/1k.bin", &[b"Range: bytes=0-9"])),
        (
            "if-match 412",
            get(host, "/index.html", &[b"If-Match: \"nope\""]),
        ),
        ("not modified", get(host, "/index.html", &[lm])),
        (
            "post body",
            rq(
                b"POST /index.html HTTP/1.1",
                &[hb, b"Content-Length: 5"],
                b"hello",
            ),
        ),
        (
            "bad chunk",
            rq(
                b"POST /index.html HTTP/1.1",
                &[hb, b"Transfer-Encoding: chunked"],
                b"zz\r\n",
            ),
        ),
        (
            "http/1.0",
            b"GET /index.html HTTP/1.0\r\nHost: ut-default.test\r\n\r\n".to_vec(),
        ),
        (
            "absolute",
            rq(
                b"GET http://ut-default.test/index.html HTTP/1.1",
                &[b"Host: other"],
                b"",
            ),
        ),
        (
            "http/0.9 absolute",
            b"GET http://ut-default.test/index.html\r\n".to_vec(),
        ),
        ("cookie2 style 404", get("ut-cookie2.test", "/missing", &[])),
        (
            "cookie2 style 416",
            get(
                "ut-cookie2.test",
                "/index.html",
                &[b"Range: bytes=1000-2000"],
            ),
        ),
    ];
    for (name, bytes) in paths {
        v.push(one(format!("usertrack path {name}"), bytes));
    }

    // Two requests on one connection: two different cookies; a cookie the
    // client echoes is recognised.
    let ka = |host: &str, path: &str, extra: &[&[u8]]| get(host, path, extra);
    v.push(Case {
        name: "usertrack keepalive two new".into(),
        addr: 1,
        steps: vec![
            ka(host, "/index.html", &[]),
            ka(host, "/missing", &[]),
            ka("ut-cookie2.test", "/index.html", &[]),
        ],
        records: 3,
        hold: false,
    });
    v.push(Case {
        name: "usertrack pipeline mixed".into(),
        addr: 1,
        steps: vec![[
            ka(host, "/index.html", &[b"Cookie: Apache=mine"]),
            ka(host, "/index.html", &[]),
            ka("ut-name.test", "/index.html", &[b"Cookie: Apache=mine"]),
        ]
        .concat()],
        records: 3,
        hold: false,
    });
    v
}

/// Per (case, log) cookie masks: each distinct value gets the next number.
#[derive(Default)]
pub struct CookieMasks(HashMap<Vec<u8>, usize>);

fn hex_val(s: &[u8]) -> Option<u64> {
    u64::from_str_radix(std::str::from_utf8(s).ok()?, 16).ok()
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `Www, DD-Mon-YY HH:MM:SS GMT` (two-digit year read as 1970–2069) to
/// seconds since the epoch, with whether the weekday is right.
fn netscape_secs(s: &str) -> Option<(i64, bool)> {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let (wd, rest) = s.split_once(", ")?;
    let mut p = rest.split(['-', ' ', ':']);
    let d: i64 = p.next()?.parse().ok()?;
    // The month name is taken once, then looked up (a lookup that took
    // the next part for every month tried matched only January, so every
    // other date was left unmasked and compared as wall-clock text, which
    // differs whenever the two servers' requests straddle a second).
    let mon_name = p.next()?;
    let mon = MONTHS.iter().position(|m| *m == mon_name)? as i64 + 1;
    let yy: i64 = p.next()?.parse().ok()?;
    let y = if yy < 70 { 2000 + yy } else { 1900 + yy };
    let (h, mi, se): (i64, i64, i64) = (
        p.next()?.parse().ok()?,
        p.next()?.parse().ok()?,
        p.next()?.parse().ok()?,
    );
    let days = days_from_civil(y, mon, d);
    let ok = DAYS[days.rem_euclid(7) as usize] == wd;
    Some((days * 86400 + h * 3600 + mi * 60 + se, ok))
}

/// Masks one `ut_*.log` line (see the module docs).
pub fn mask_line(line: &[u8], masks: &mut CookieMasks) -> Vec<u8> {
    let fields: Vec<&[u8]> = line.split(|&b| b == b'\t').collect();
    let num = |i: usize| -> Option<i64> { std::str::from_utf8(fields.get(i)?).ok()?.parse().ok() };
    let (Some(sec), Some(usec)) = (num(0), num(1)) else {
        return line.to_vec();
    };
    let value = regex::bytes::Regex::new(r"\b([0-9a-f]{1,8})\.([0-9a-f]{10,16})\b").unwrap();
    let expires = regex::bytes::Regex::new(
        r"expires=([A-Z][a-z]{2}, \d\d-[A-Z][a-z]{2}-\d\d \d\d:\d\d:\d\d) GMT",
    )
    .unwrap();
    let rest = fields[2..].join(&b'\t');
    let rest = value.replace_all(&rest, |c: &regex::bytes::Captures| {
        let next = masks.0.len() + 1;
        let n = *masks.0.entry(c[0].to_vec()).or_insert(next);
        let good = hex_val(&c[2]) == Some(usec as u64);
        if good {
            format!("<C{n}>").into_bytes()
        } else {
            format!("<C{n} time?>").into_bytes()
        }
    });
    let rest = expires.replace_all(&rest, |c: &regex::bytes::Captures| {
        let text = String::from_utf8_lossy(&c[1]).into_owned();
        match netscape_secs(&text) {
            Some((t, true)) => format!("expires=<request{:+}s>", t - sec).into_bytes(),
            Some((t, false)) => format!("expires=<request{:+}s weekday?>", t - sec).into_bytes(),
            None => c[0].to_vec(),
        }
    });
    let mut out = b"<MASKED>\t<MASKED>\t".to_vec();
    out.extend_from_slice(&rest);
    out
}

#[test]
fn netscape_dates_in_every_month() {
    // 2026-01-01 00:00:00 UTC is 1767225600 and a Thursday.
    assert_eq!(
        netscape_secs("Thu, 01-Jan-26 00:00:00"),
        Some((1_767_225_600, true))
    );
    // 2026-12-04 09:01:25 UTC, a Friday.
    assert_eq!(
        netscape_secs("Fri, 04-Dec-26 09:01:25"),
        Some((1_796_374_885, true))
    );
    assert_eq!(
        netscape_secs("Sat, 04-Dec-26 09:01:25"),
        Some((1_796_374_885, false))
    );
    assert_eq!(netscape_secs("Fri, 04-Dez-26 09:01:25"), None);
    // A line whose cookie expires 60 s after the request time (%{sec}t).
    let line = b"1796374825\t123\tut.test\t200\tGET /\t-\t-\tApache=1.7b; path=/; expires=Fri, 04-Dec-26 09:01:25 GMT";
    let masked = mask_line(line, &mut CookieMasks::default());
    let text = String::from_utf8_lossy(&masked);
    assert!(text.ends_with("expires=<request+60s>"), "{text}");
    // The other server's request a second later, with its own expiry: the
    // same after masking; an expiry one second off its request time is
    // not.
    let later = b"1796374826\t9\tut.test\t200\tGET /\t-\t-\tApache=2.9; path=/; expires=Fri, 04-Dec-26 09:01:26 GMT";
    let off = b"1796374826\t9\tut.test\t200\tGET /\t-\t-\tApache=2.9; path=/; expires=Fri, 04-Dec-26 09:01:27 GMT";
    let cut = |l: &[u8]| {
        let m = mask_line(l, &mut CookieMasks::default());
        let t = String::from_utf8_lossy(&m).into_owned();
        t[t.find("expires=").unwrap()..].to_string()
    };
    assert_eq!(cut(line), cut(later));
    assert_ne!(cut(line), cut(off));
}
