//! Rendering a line allocates nothing once the buffers are warm.
//!
//! A counting global allocator wraps the system one; the test renders the
//! combined format (and a few heavier formats) for many records, across
//! second boundaries so the time cache misses too, and checks that the
//! allocation count did not move. Only the rendering thread's allocations
//! are counted: the test harness's own threads allocate at times of their
//! choosing.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use spoor_log::{Conn, Format, Record, Renderer, Request, TimeZone};

struct Counting;

static ALLOCS: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    static ARMED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

fn count() {
    if ARMED.with(|a| a.get()) {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
    }
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn check(fmt: &Format, tz: TimeZone) {
    let headers: [(&[u8], &[u8]); 5] = [
        (b"Host", b"www.example.com"),
        (
            b"User-Agent",
            b"Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
        ),
        (b"Referer", b"https://www.example.com/start?x=\"1\""),
        (b"Cookie", b"a=1; session=abc123; b=2"),
        (b"Cookie", b"late=1"),
    ];
    let out_headers: [(&[u8], &[u8]); 3] = [
        (b"Content-Type", b"text/html; charset=utf-8"),
        (b"Set-Cookie", b"a=1"),
        (b"Set-Cookie", b"b=2"),
    ];
    let conn = Conn {
        client_ip: "203.0.113.9",
        client_port: 51234,
        local_ip: "127.0.0.1",
        local_port: 8080,
        keepalives: 3,
        keepalive: true,
        bytes_in: 412,
        bytes_out: 5321,
        ..Default::default()
    };
    let mut renderer = Renderer::with_time_zone(tz);
    let mut out = Vec::with_capacity(4096);
    let mut run = |n: i64, out: &mut Vec<u8>| {
        for i in 0..n {
            let req = Request {
                request_line: Some(b"GET /index.html?q=\xe9t\xe9 HTTP/1.1"),
                method: Some(b"GET"),
                uri: b"/index.html",
                query: Some(b"q=\xe9t\xe9"),
                protocol: b"HTTP/1.1",
                status: 200,
                headers_in: &headers,
                headers_out: &out_headers,
                server_name: b"www.example.com",
                vhost_name: b"www.example.com",
                server_port: 80,
                useragent_ip: "203.0.113.9",
                bytes_sent: 4976,
                body_sent: true,
                request_time_us: 1_795_320_544_000_000 + i * 370_001,
                ..Default::default()
            };
            let rec = Record::new(&conn, &req, req.request_time_us + 1234);
            out.clear();
            renderer.render(fmt, &rec, out);
        }
    };
    run(50, &mut out);
    ARMED.with(|a| a.set(true));
    let before = ALLOCS.load(Ordering::SeqCst);
    run(1000, &mut out);
    let after = ALLOCS.load(Ordering::SeqCst);
    ARMED.with(|a| a.set(false));
    assert_eq!(after - before, 0, "allocations while rendering {fmt:?}");
}

#[test]
fn no_allocation_per_line() {
    let formats = [
        Format::apache(spoor_log::COMBINED).unwrap(),
        Format::apache(
            "%a %{c}a %A %p %{local}p %{remote}p %P %{tid}P %{hextid}P %k %X %I %O %S %D %T %{ms}T \
             %{sec}t %{msec_frac}t %{end:usec}t %t %{%d/%b/%Y %T %z}t %{Cookie}i %{session}C \
             %{Content-Type}o %{Set-Cookie}o %q %U %r %>s %b %B %400,501{User-Agent}i",
        )
        .unwrap(),
        Format::apache_with(
            br#"{"r":"%r","s":%>s,"ua":"%{User-Agent}i","t":%t,"q":%q}"#,
            spoor_log::Escaping::Json,
        )
        .unwrap(),
        Format::wasd("-!CN !ID !AU [!TC] \\q!RQ\\q !RS !BY !TG !TV !ES").unwrap(),
    ];
    for fmt in &formats {
        check(fmt, TimeZone::UTC);
        check(fmt, TimeZone::posix("EST5EDT,M3.2.0,M11.1.0").unwrap());
    }
}
