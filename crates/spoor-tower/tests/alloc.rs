//! The layer allocates a fixed few blocks per request for the state it
//! keeps (the record), and nothing to render and write the lines: a
//! counting global allocator wraps the system one, and the same requests
//! run through the bare service, through the layer with one log and with
//! three logs (writing to /dev/null). Only this thread's allocations are
//! counted; the service and bodies complete without a runtime.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll, Waker};

use bytes::Bytes;
use http::{HeaderValue, Request, Response, Uri};
use http_body::Body;
use http_body_util::Full;
use spoor_tower::sink::{Sink, SinkOptions};
use spoor_tower::{AccessLog, ConnInfo, Log};
use tower::{Layer, Service};

struct Counting;

static ALLOCS: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    static ARMED: Cell<bool> = const { Cell::new(false) };
}

fn count() {
    if ARMED.with(Cell::get) {
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

fn block_on<F: Future>(f: F) -> F::Output {
    let mut f = pin!(f);
    let mut cx = Context::from_waker(Waker::noop());
    for _ in 0..1000 {
        if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
            return v;
        }
    }
    panic!("future did not complete");
}

fn request(i: usize) -> Request<Full<Bytes>> {
    // Static values stand for what hyper hands over: header values and
    // the target are slices of its shared read buffer, whose clones only
    // count a reference. (Values made from a `&str` are promoted to a
    // shared buffer on their first clone, an allocation hyper's are
    // spared.)
    let v = HeaderValue::from_static;
    let mut r = Request::builder()
        .uri(Uri::from_static(if i % 2 == 0 {
            "/index.html?q=1"
        } else {
            "/a/b/c.png"
        }))
        .header("Host", v("www.example.test"))
        .header(
            "User-Agent",
            v("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"),
        )
        .header("Referer", v("https://www.example.test/start"))
        .header("Accept", v("*/*"))
        .header("Cookie", v("a=1; session=abc"))
        .body(Full::new(Bytes::from_static(b"")))
        .unwrap();
    let peer: SocketAddr = "203.0.113.9:51234".parse().unwrap();
    r.extensions_mut().insert(ConnInfo { peer, local: None });
    r
}

fn inner() -> impl Service<
    Request<Full<Bytes>>,
    Response = Response<Full<Bytes>>,
    Error = Infallible,
    Future = impl Future<Output = Result<Response<Full<Bytes>>, Infallible>>,
> + Clone {
    tower::service_fn(|_req: Request<Full<Bytes>>| async {
        let mut r = Response::new(Full::new(Bytes::from_static(b"<html>hello</html>\n")));
        r.headers_mut().insert(
            "content-type",
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
        Ok::<_, Infallible>(r)
    })
}

/// Allocations for `n` requests through `svc`, bodies read to the end.
fn measure<S, B>(svc: &mut S, n: usize) -> usize
where
    S: Service<Request<Full<Bytes>>, Response = Response<B>>,
    S::Error: std::fmt::Debug,
    B: Body + Unpin,
    B::Error: std::fmt::Debug,
{
    let run = |svc: &mut S, i| {
        let resp = block_on(svc.call(request(i))).unwrap();
        let mut body = resp.into_body();
        while let Some(f) = block_on(std::future::poll_fn(|cx| {
            std::pin::Pin::new(&mut body).poll_frame(cx)
        })) {
            f.unwrap();
        }
    };
    // Warm up the per-thread buffers and the time cache.
    for i in 0..50 {
        run(svc, i);
    }
    ALLOCS.store(0, Ordering::Relaxed);
    ARMED.with(|a| a.set(true));
    for i in 0..n {
        run(svc, i);
    }
    ARMED.with(|a| a.set(false));
    ALLOCS.load(Ordering::Relaxed)
}

fn devnull() -> Sink {
    Sink::file("/dev/null", &SinkOptions::default()).unwrap()
}

#[test]
fn per_request_allocations_are_the_state_only() {
    const N: usize = 2000;
    let base = measure(&mut inner(), N);
    let one = AccessLog::apache("combined").unwrap().to(devnull());
    let one = measure(&mut one.layer(inner()), N);
    let three = AccessLog::apache("combined")
        .unwrap()
        .to(devnull())
        .log(
            Log::apache(
                "%h %l %u %t \"%r\" %>s %b %D %{Cookie}i %{session}C %{Content-Type}o %I %O",
            )
            .unwrap()
            .to(devnull()),
        )
        .log(Log::wasd("COMBINED").unwrap().to(devnull()));
    let three = measure(&mut three.layer(inner()), N);
    let per_request = |total: usize| (total - base) as f64 / N as f64;
    eprintln!(
        "allocations per request: bare {}, one log +{}, three logs +{}",
        base as f64 / N as f64,
        per_request(one),
        per_request(three)
    );
    // Rendering and writing lines allocate nothing: two more logs, no
    // more allocations.
    assert_eq!(one, three, "more logs allocated more");
    // The state kept per request: the shared Arc, the clones of the
    // request and response header maps, and the LogContext extension.
    assert!(
        per_request(one) <= STATE_ALLOCS as f64,
        "{}",
        per_request(one)
    );
}

/// Allocations of the kept state, per request (see the test's comment).
const STATE_ALLOCS: usize = 6;
