//! Hot paths of the engine: rendering the combined line for a realistic
//! record, the CLF time cache, escaping, and compiling a format.
//!
//! `cargo bench -p spoor-log --bench render`

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use spoor_log::{escape, time::ClfCache, Conn, Format, Record, Renderer, Request, TimeZone};

fn bench(c: &mut Criterion) {
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
        client_port: 51234,
        local_ip: "192.0.2.10",
        local_port: 80,
        keepalives: 2,
        keepalive: true,
        ..Default::default()
    };
    let req = Request {
        request_line: Some(b"GET /articles/2026/11/logging.html?utm_source=feed HTTP/1.1"),
        method: Some(b"GET"),
        uri: b"/articles/2026/11/logging.html",
        query: Some(b"utm_source=feed"),
        protocol: b"HTTP/1.1",
        status: 200,
        headers_in: &headers,
        server_name: b"www.example.com",
        vhost_name: b"www.example.com",
        server_port: 80,
        useragent_ip: "203.0.113.195",
        bytes_sent: 18_734,
        body_sent: true,
        request_time_us: 1_795_320_544_123_456,
        ..Default::default()
    };
    let rec = Record::new(&conn, &req, req.request_time_us + 812);
    let combined = Format::apache(spoor_log::COMBINED).unwrap();
    let mut r = Renderer::with_time_zone(TimeZone::system());
    let mut out = Vec::with_capacity(1024);
    r.render(&combined, &rec, &mut out);
    let mut g = c.benchmark_group("render");
    g.throughput(Throughput::Elements(1));
    g.bench_function("combined", |b| {
        b.iter(|| {
            out.clear();
            r.render(black_box(&combined), black_box(&rec), &mut out);
        })
    });
    let json = Format::apache_with(
        br#"{"h":"%h","t":"%{%Y-%m-%dT%H:%M:%S}t.%{usec_frac}t","r":"%r","s":%>s,"b":%B,"ua":"%{User-Agent}i","D":%D}"#,
        spoor_log::Escaping::Json,
    )
    .unwrap();
    g.bench_function("json", |b| {
        b.iter(|| {
            out.clear();
            r.render(black_box(&json), black_box(&rec), &mut out);
        })
    });
    let wasd = Format::wasd("COMBINED").unwrap();
    g.bench_function("wasd_combined", |b| {
        b.iter(|| {
            out.clear();
            r.render(black_box(&wasd), black_box(&rec), &mut out);
        })
    });
    g.finish();

    let mut cache = ClfCache::new(TimeZone::system());
    let mut t = 1_795_320_544_000_000i64;
    c.bench_function("clf_cache_hit", |b| {
        b.iter(|| {
            out.clear();
            cache.write(black_box(t), &mut out);
        })
    });
    c.bench_function("clf_cache_miss", |b| {
        b.iter(|| {
            t += 1_000_000;
            out.clear();
            cache.write(black_box(t), &mut out);
        })
    });
    let ua = headers[1].1;
    c.bench_function("escape_logitem_clean_ua", |b| {
        b.iter(|| {
            out.clear();
            escape::escape_logitem(black_box(ua), &mut out);
        })
    });
    c.bench_function("compile_combined", |b| {
        b.iter(|| Format::apache(black_box(spoor_log::COMBINED)).unwrap())
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
