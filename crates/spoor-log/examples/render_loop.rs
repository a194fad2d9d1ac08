//! Renders the combined line N times (default 1,000,000), for profilers:
//! `valgrind --tool=callgrind target/release/examples/render_loop 100000`.

use spoor_log::{Conn, Format, Record, Renderer, Request, TimeZone};

fn main() {
    let n: u64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let headers: [(&[u8], &[u8]); 6] = [
        (b"Host", b"www.example.com"),
        (
            b"User-Agent",
            b"Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
        ),
        (
            b"Accept",
            b"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        ),
        (b"Accept-Language", b"en-US,en;q=0.5"),
        (
            b"Referer",
            b"https://www.example.com/articles/2026/11/logging.html",
        ),
        (b"Connection", b"keep-alive"),
    ];
    let conn = Conn {
        client_ip: "203.0.113.195",
        local_ip: "192.0.2.10",
        ..Default::default()
    };
    let req = Request {
        request_line: Some(b"GET /articles/2026/11/logging.html?utm_source=feed HTTP/1.1"),
        method: Some(b"GET"),
        uri: b"/articles/2026/11/logging.html",
        protocol: b"HTTP/1.1",
        status: 200,
        headers_in: &headers,
        useragent_ip: "203.0.113.195",
        bytes_sent: 18_734,
        body_sent: true,
        request_time_us: 1_795_320_544_123_456,
        ..Default::default()
    };
    let rec = Record::new(&conn, &req, req.request_time_us + 812);
    let fmt = Format::apache(spoor_log::COMBINED).unwrap();
    let mut r = Renderer::with_time_zone(TimeZone::system());
    let mut out = Vec::with_capacity(1024);
    let mut total = 0usize;
    let start = std::time::Instant::now();
    for _ in 0..n {
        out.clear();
        r.render(&fmt, std::hint::black_box(&rec), &mut out);
        total += out.len();
    }
    let el = start.elapsed();
    eprintln!(
        "{} lines, {} bytes, {:.1} ns/line",
        n,
        total,
        el.as_nanos() as f64 / n as f64
    );
}
