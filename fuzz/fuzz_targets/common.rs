// Shared by the fuzz targets: split the input into a format and the bytes
// the record's fields are cut from, then render.

use spoor_log::{Conn, Format, Record, Renderer, Request, TimeZone};

pub fn split(data: &[u8]) -> (&[u8], &[u8]) {
    match data.iter().position(|&b| b == 0) {
        Some(n) => (&data[..n], &data[n + 1..]),
        None => (data, &[]),
    }
}

pub fn render(fmt: &Format, rest: &[u8]) {
    let mut parts = rest.split(|&b| b == 0xff);
    let mut next = || parts.next().unwrap_or(b"");
    let (ua, cookie, uri, line, q, env) = (next(), next(), next(), next(), next(), next());
    let headers = [
        (&b"User-Agent"[..], ua),
        (&b"Cookie"[..], cookie),
        (&b"Cookie"[..], env),
        (&b"Referer"[..], q),
    ];
    let out_headers = [(&b"Content-Type"[..], env), (&b"Set-Cookie"[..], cookie)];
    let vars = [(&b"X"[..], env), (&b"cookie"[..], cookie)];
    let n = rest.len() as i64;
    let conn = Conn {
        client_ip: "127.0.0.1",
        local_ip: "127.0.0.1",
        keepalives: n as u32,
        keepalive: n % 2 == 0,
        keepalive_max: (n % 5) as u32,
        aborted: n % 7 == 0,
        bytes_in: n as u64 * 3,
        bytes_out: n as u64 * 5,
        ..Default::default()
    };
    let req = Request {
        request_line: if line.is_empty() { None } else { Some(line) },
        method: Some(b"GET"),
        uri,
        query: if q.is_empty() { None } else { Some(q) },
        protocol: b"HTTP/1.1",
        status: (n % 700) as i32 - 50,
        user: if n % 3 == 0 { Some(env) } else { None },
        headers_in: &headers,
        headers_out: &out_headers,
        trailers_in: &vars,
        trailers_out: &vars,
        env: &vars,
        notes: &vars,
        server_name: uri,
        vhost_name: ua,
        useragent_ip: "127.0.0.1",
        bytes_sent: n as u64,
        body_sent: n % 4 != 0,
        request_time_us: n.wrapping_mul(987_654_321_123) % 4_000_000_000_000_000,
        ttfb_us: if n % 2 == 0 { Some(n) } else { None },
        track_id: if n % 2 == 1 { Some(ua) } else { None },
        ..Default::default()
    };
    let rec = Record::new(&conn, &req, req.request_time_us + n * 1000);
    let mut r = Renderer::with_time_zone(TimeZone::UTC);
    let mut out = Vec::new();
    r.render(fmt, &rec, &mut out);
    assert_eq!(out.last(), Some(&b'\n'));
}
