//! WASD formats and the JSON mode, rendered end to end.
//!
//! WASD expectations follow the v7.1 documentation's equivalences
//! (spec/wasd-logging.md §1–2: COMMON = `-!CN - !AU [!TC] \q!RQ\q !RS
//! !BY`, the token in the remote-ID slot) and the renderings settled in
//! spec/decisions.md (`!TC`, `!TG`, `!TV`, COMMON_SERVER).

use spoor_log::{Conn, Escaping, Format, Record, Renderer, Request, TimeZone};

// 2026-11-22 04:09:04.123456 UTC, a Sunday.
const T: i64 = 1_795_320_544_123_456;

fn line(fmt: &Format, req: &Request<'_>, conn: &Conn<'_>, dur: i64) -> String {
    let mut r = Renderer::with_time_zone(TimeZone::UTC);
    let mut out = Vec::new();
    r.render(
        fmt,
        &Record::new(conn, req, req.request_time_us + dur),
        &mut out,
    );
    String::from_utf8(out).unwrap()
}

fn base<'a>(headers: &'a [(&'a [u8], &'a [u8])]) -> Request<'a> {
    Request {
        request_line: Some(b"GET /docs/index.html?x=1 HTTP/1.1"),
        method: Some(b"GET"),
        uri: b"/docs/index.html",
        query: Some(b"x=1"),
        protocol: b"HTTP/1.1",
        status: 200,
        headers_in: headers,
        server_name: b"wasd.example.org",
        vhost_name: b"wasd.example.org",
        server_port: 80,
        scheme: "http",
        useragent_ip: "192.0.2.1",
        bytes_sent: 1000,
        body_sent: true,
        request_time_us: T,
        ..Default::default()
    }
}

fn conn() -> Conn<'static> {
    Conn {
        client_ip: "192.0.2.1",
        bytes_out: 1234,
        ..Default::default()
    }
}

#[test]
fn wasd_predefined_formats() {
    let h: [(&[u8], &[u8]); 2] = [
        (b"Referer", b"http://a.example/"),
        (b"User-Agent", b"Lynx/2.8"),
    ];
    let req = base(&h);
    let c = conn();
    let common = Format::wasd("COMMON").unwrap();
    assert_eq!(
        line(&common, &req, &c, 0),
        "192.0.2.1 - - [22/Nov/2026:04:09:04 +0000] \"GET /docs/index.html?x=1 HTTP/1.1\" 200 1234\n"
    );
    // The documented user-format equivalent renders the same line.
    let user = Format::wasd("-!CN - !AU [!TC] \\q!RQ\\q !RS !BY").unwrap();
    assert_eq!(line(&user, &req, &c, 0), line(&common, &req, &c, 0));
    assert_eq!(
        line(&Format::wasd("COMMON_SERVER").unwrap(), &req, &c, 0),
        "192.0.2.1 - - [22/Nov/2026:04:09:04 +0000] \"GET /docs/index.html?x=1 HTTP/1.1\" 200 1234 wasd.example.org\n"
    );
    assert_eq!(
        line(&Format::wasd("COMBINED").unwrap(), &req, &c, 0),
        "192.0.2.1 - - [22/Nov/2026:04:09:04 +0000] \"GET /docs/index.html?x=1 HTTP/1.1\" 200 1234 \"http://a.example/\" \"Lynx/2.8\"\n"
    );
    // No referer: the empty-field substitute.
    let h2: [(&[u8], &[u8]); 0] = [];
    let req2 = base(&h2);
    assert!(line(&Format::wasd("COMBINED").unwrap(), &req2, &c, 0).ends_with(" 1234 \"-\" \"-\"\n"));
}

#[test]
fn wasd_tracking_token_in_remote_id_slot() {
    let h: [(&[u8], &[u8]); 0] = [];
    let mut req = base(&h);
    req.track_id = Some(b"ORoKJAOef8sAAAkuACc");
    req.user = Some(b"alice");
    let c = conn();
    assert_eq!(
        line(&Format::wasd("COMMON").unwrap(), &req, &c, 0),
        "192.0.2.1 ORoKJAOef8sAAAkuACc alice [22/Nov/2026:04:09:04 +0000] \"GET /docs/index.html?x=1 HTTP/1.1\" 200 1234\n"
    );
    assert_eq!(
        line(&Format::wasd("-!ID").unwrap(), &req, &c, 0),
        "ORoKJAOef8sAAAkuACc\n"
    );
}

#[test]
fn wasd_website_tab_format_with_no_substitute() {
    let h: [(&[u8], &[u8]); 1] = [(b"User-Agent", b"Lynx/2.8")];
    let req = base(&h);
    let c = conn();
    let f =
        Format::wasd("\\0!TC\\t!CA\\t!SN\\t!AR\\t!AU\\t!ME\\t!PA\\t!RQ\\t!EM\\t!UA\\t!RS\\t!BB\\t")
            .unwrap();
    assert_eq!(
        line(&f, &req, &c, 2_500),
        "22/Nov/2026:04:09:04 +0000\t192.0.2.1\twasd.example.org\t\t\tGET\t/docs/index.html\tGET /docs/index.html?x=1 HTTP/1.1\t2\tLynx/2.8\t200\t1000\t\n"
    );
}

#[test]
fn wasd_times_durations_and_misc() {
    let h: [(&[u8], &[u8]); 0] = [];
    let req = base(&h);
    let c = conn();
    let f = Format::wasd("-!TG|!TV|!ES|!EM|!SM|!SP|!QS|!SC|!AR|!BB|!BY").unwrap();
    assert_eq!(
        line(&f, &req, &c, 1_234_567),
        "Sun, 22 Nov 2026 04:09:04 GMT|22-NOV-2026 04:09:04.12|1.234567|1234|http:|80|x=1|-|-|1000|1234\n"
    );
    let mut r2 = base(&h);
    r2.body_sent = false;
    r2.bytes_sent = 0;
    r2.query = None;
    let c0 = Conn {
        bytes_out: 0,
        ..conn()
    };
    assert_eq!(
        line(&Format::wasd("-!BB !BY !QS").unwrap(), &r2, &c0, 0),
        "0 0 -\n"
    );
    // Text is escaped as Apache escapes it.
    let h3: [(&[u8], &[u8]); 1] = [(b"User-Agent", b"a\"b\nc")];
    let r3 = base(&h3);
    assert_eq!(
        line(&Format::wasd("-!UA").unwrap(), &r3, &c, 0),
        "a\\\"b\\nc\n"
    );
}

#[test]
fn json_mode() {
    let h: [(&[u8], &[u8]); 2] = [
        (b"User-Agent", b"evil\"agent\\\n\xff\xc3\xa9"),
        (b"X-Num", b"12"),
    ];
    let mut req = base(&h);
    req.status = 404;
    let c = conn();
    let f = Format::apache_with(
        br#"{"ua":"%{User-Agent}i","bare":%{User-Agent}i,"s":%>s,"b":%b,"B":%B,"x":%{X-Missing}i,"q":"%q","t":%{sec}t,"f":%{msec_frac}t,"lit":"a\"%%"}"#,
        Escaping::Json,
    )
    .unwrap();
    let out = line(&f, &req, &c, 0);
    assert_eq!(
        out,
        "{\"ua\":\"evil\\\"agent\\\\\\n\\u00ffé\",\"bare\":\"evil\\\"agent\\\\\\n\\u00ffé\",\"s\":404,\"b\":1000,\"B\":1000,\"x\":null,\"q\":\"?x=1\",\"t\":1795320544,\"f\":\"123\",\"lit\":\"a\\\"%\"}\n"
    );
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["ua"], "evil\"agent\\\n\u{ff}é");
    assert_eq!(v["x"], serde_json::Value::Null);
}
