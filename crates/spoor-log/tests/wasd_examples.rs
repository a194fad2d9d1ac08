//! The WASD v7.1 overview's documented user-format examples (6.5.1),
//! rendered: the combined equivalent equals COMBINED, common plus `!ES`
//! appends the duration, and a generated tracking token lands in the
//! remote-ID slot of every predefined format.
//! (`wasd_json.rs` covers the common equivalent and the WebSite format.)

use std::net::Ipv4Addr;

use spoor_log::wasd_track::{Token, TokenGenerator};
use spoor_log::{Conn, Format, Record, Renderer, Request, TimeZone};

// 2026-11-22 04:05:49 UTC.
const T: i64 = 1_795_320_349_000_000;

fn render(fmt: &str, req: &Request<'_>, dur_us: i64) -> String {
    let conn = Conn {
        client_ip: "131.185.250.202",
        bytes_out: 1500,
        ..Conn::default()
    };
    let mut r = Renderer::with_time_zone(TimeZone::UTC);
    let mut out = Vec::new();
    let f = Format::wasd(fmt).unwrap();
    r.render(&f, &Record::new(&conn, req, T + dur_us), &mut out);
    String::from_utf8(out).unwrap()
}

fn request<'a>(headers: &'a [(&'a [u8], &'a [u8])]) -> Request<'a> {
    Request {
        request_line: Some(b"GET /ht_root/doc/ HTTP/1.0"),
        method: Some(b"GET"),
        uri: b"/ht_root/doc/",
        protocol: b"HTTP/1.0",
        status: 200,
        user: Some(b"DANIEL"),
        headers_in: headers,
        server_name: b"wasd.dsto.defence.gov.au",
        server_port: 80,
        scheme: "http",
        useragent_ip: "131.185.250.202",
        bytes_sent: 1200,
        body_sent: true,
        request_time_us: T,
        ..Request::default()
    }
}

#[test]
fn combined_example_equals_combined() {
    let h: [(&[u8], &[u8]); 2] = [
        (b"Referer", b"http://www.example/"),
        (b"User-Agent", b"Mozilla/4.7 [en] (X11; I; OSF1 V4.0 alpha)"),
    ];
    let req = request(&h);
    let user = render(
        "-!CN - !AU [!TC] \\q!RQ\\q !RS !BY \\q!RF\\q \\q!UA\\q",
        &req,
        0,
    );
    assert_eq!(
        user,
        "131.185.250.202 - DANIEL [22/Nov/2026:04:05:49 +0000] \"GET /ht_root/doc/ HTTP/1.0\" 200 1500 \"http://www.example/\" \"Mozilla/4.7 [en] (X11; I; OSF1 V4.0 alpha)\"\n"
    );
    assert_eq!(render("COMBINED", &req, 0), user);
}

#[test]
fn common_with_duration_in_seconds() {
    let req = request(&[]);
    assert_eq!(
        render("-!CN - !AU [!TC] \\q!RQ\\q !RS !BY !ES", &req, 1_250_000),
        "131.185.250.202 - DANIEL [22/Nov/2026:04:05:49 +0000] \"GET /ht_root/doc/ HTTP/1.0\" 200 1500 1.250000\n"
    );
    assert_eq!(
        render("-!CN - !AU [!TC] \\q!RQ\\q !RS !BY !ES", &req, 42),
        "131.185.250.202 - DANIEL [22/Nov/2026:04:05:49 +0000] \"GET /ht_root/doc/ HTTP/1.0\" 200 1500 0.000042\n"
    );
}

#[test]
fn generated_token_in_the_remote_id_slot() {
    let g = TokenGenerator::new();
    let tok = g.next(T / 1_000_000, Ipv4Addr::new(131, 185, 250, 202));
    let mut req = request(&[]);
    req.track_id = Some(tok.as_bytes());
    let t = tok.as_str();
    let tail = "[22/Nov/2026:04:05:49 +0000] \"GET /ht_root/doc/ HTTP/1.0\" 200 1500";
    assert_eq!(
        render("COMMON", &req, 0),
        format!("131.185.250.202 {t} DANIEL {tail}\n")
    );
    assert_eq!(
        render("COMMON_SERVER", &req, 0),
        format!("131.185.250.202 {t} DANIEL {tail} wasd.dsto.defence.gov.au\n")
    );
    assert_eq!(
        render("COMBINED", &req, 0),
        format!("131.185.250.202 {t} DANIEL {tail} \"-\" \"-\"\n")
    );
    // The logged token reads back as what was issued.
    let logged = render("\\0!ID", &req, 0);
    let back = Token::parse(logged.trim_end().as_bytes()).unwrap();
    assert_eq!(back, tok);
    assert_eq!(back.time() as i64, T / 1_000_000);
}
