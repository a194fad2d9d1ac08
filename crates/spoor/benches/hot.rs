//! Hot paths of the server outside the logging engine: parsing a request
//! head, choosing the virtual host, the content type of a file, the HTTP
//! date caches and the URI path. (Rendering the combined line and the CLF
//! time cache are in `spoor-log`'s `render` bench.)
//!
//! `cargo bench -p spoor --bench hot`

use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use spoor::config::{read_config_str, ReadOptions, Settings};
use spoor::http::request::{valid_host, Head, Limits, Parse};
use spoor::http::{date, uri};
use spoor::modules::mime::types::MimeTable;
use spoor::vhost::Vhosts;

/// What a browser sends for a page: eight header fields, ~480 bytes.
const BROWSER_HEAD: &[u8] = b"GET /articles/2026/11/logging.html?utm_source=feed HTTP/1.1\r\n\
Host: www.example.com\r\n\
User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r\n\
Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n\
Accept-Language: en-US,en;q=0.5\r\n\
Accept-Encoding: gzip, deflate, br\r\n\
Referer: https://www.example.com/articles/2026/11/\r\n\
Connection: keep-alive\r\n\
Cookie: session=4f1c2a9e; theme=dark\r\n\r\n";

/// What wrk sends in bench/compare.
const WRK_HEAD: &[u8] = b"GET /f1k.bin HTTP/1.1\r\nHost: 127.0.0.1:18090\r\n\
User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r\n\
Referer: http://bench.test/index.html\r\n\r\n";

fn bench(c: &mut Criterion) {
    let mut head = Head::default();
    let limits = Limits::default();
    let mut browser = BROWSER_HEAD.to_vec();
    let mut wrk = WRK_HEAD.to_vec();
    assert!(matches!(head.parse(&mut browser, &limits), Parse::Done));
    assert!(matches!(head.parse(&mut wrk, &limits), Parse::Done));
    c.bench_function("parse_browser_head", |b| {
        b.iter(|| head.parse(black_box(&mut browser[..]), &limits))
    });
    c.bench_function("parse_wrk_head", |b| {
        b.iter(|| head.parse(black_box(&mut wrk[..]), &limits))
    });

    // Five name-based hosts on one address; the request names the last
    // one's alias, so every name and the aliases before it are compared.
    let mut conf = String::from("Listen 80\nServerName main.example\nDocumentRoot /tmp\n");
    for i in 0..5 {
        conf.push_str(&format!(
            "<VirtualHost *:80>\nServerName site{i}.example\nServerAlias www.site{i}.example\nDocumentRoot /tmp\n</VirtualHost>\n"
        ));
    }
    let cfg = read_config_str(&conf, Path::new("bench.conf"), &ReadOptions::new("/tmp"))
        .expect("configuration");
    let settings = Settings::from_config(&cfg).expect("model");
    let vhosts = Vhosts::new(&settings);
    let local = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 1));
    assert_eq!(
        vhosts.select(local, 80, Some(b"www.site4.example:80")),
        Some(4)
    );
    c.bench_function("vhost_select_alias_of_fifth", |b| {
        b.iter(|| {
            vhosts.select(
                black_box(local),
                80,
                black_box(Some(b"www.site4.example:80")),
            )
        })
    });
    c.bench_function("vhost_select_first", |b| {
        b.iter(|| vhosts.select(black_box(local), 80, black_box(Some(b"site0.example"))))
    });

    // The Host check every request makes.
    c.bench_function("valid_host", |b| {
        b.iter(|| valid_host(black_box(b"www.site4.example:8080")))
    });

    // The content type of the benchmark's file, from a full mime.types.
    let mime = MimeTable::parse(&mime_types());
    assert_eq!(
        mime.lookup(b"f1k.bin"),
        Some(&b"application/octet-stream"[..])
    );
    c.bench_function("mime_lookup", |b| {
        b.iter(|| mime.lookup(black_box(b"f1k.bin")))
    });
    c.bench_function("mime_lookup_two_extensions", |b| {
        b.iter(|| mime.lookup(black_box(b"archive.tar.GZ")))
    });

    // Date (the current second) and Last-Modified (a file's time).
    let now = 1_795_320_544i64;
    let mut out = Vec::with_capacity(64);
    c.bench_function("date_cached", |b| {
        b.iter(|| {
            out.clear();
            date::append_cached(black_box(now), &mut out);
        })
    });
    c.bench_function("last_modified_cached", |b| {
        b.iter(|| date::last_modified(black_box(now - 86_400)))
    });
    c.bench_function("date_format_uncached", |b| {
        b.iter(|| date::format(black_box(now)))
    });

    // The URI path of wrk's request, decoded and normalised.
    let (mut u, mut scratch) = (Vec::with_capacity(128), Vec::with_capacity(128));
    c.bench_function("uri_process_plain", |b| {
        b.iter(|| uri::process(black_box(b"/f1k.bin"), &mut u, &mut scratch).status)
    });
    c.bench_function("uri_process_browser", |b| {
        b.iter(|| {
            uri::process(
                black_box(b"/articles/2026/11/logging.html?utm_source=feed"),
                &mut u,
                &mut scratch,
            )
            .status
        })
    });
}

/// A mime.types of the usual size (Debian's has ~800 types and ~1,200
/// extensions): the common entries plus generated ones.
fn mime_types() -> String {
    let mut t = String::from(
        "application/octet-stream bin deploy msu msp\n\
         application/gzip gz\napplication/x-tar tar\n\
         text/html html htm shtml\ntext/css css\nimage/png png\n",
    );
    for i in 0..800 {
        t.push_str(&format!("application/x-gen{i} g{i}a g{i}b\n"));
    }
    t
}

criterion_group!(benches, bench);
criterion_main!(benches);
