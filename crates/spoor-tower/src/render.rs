//! From `http` types to spoor-log's [`Record`], and the lines written.
//!
//! Everything a line needs is gathered into per-thread buffers that live
//! as long as the thread, so writing the lines allocates nothing once the
//! buffers are warm: the only per-request allocations are the state the
//! layer keeps (see the crate documentation).

use std::cell::RefCell;
use std::io::Write;
use std::net::SocketAddr;
use std::ops::Range;

use http::header::{CONNECTION, CONTENT_TYPE, HOST};
use http::{HeaderMap, Method, Uri, Version};
use spoor_log::{Conn, Field, Record, Renderer, Request};

use crate::context::Shared;
use crate::log::Config;

/// What the layer took from the request before the inner service got it.
#[derive(Debug)]
pub(crate) struct Captured {
    pub(crate) start_us: i64,
    pub(crate) method: Method,
    pub(crate) uri: Uri,
    pub(crate) version: Version,
    pub(crate) headers: HeaderMap,
    pub(crate) peer: Option<SocketAddr>,
    pub(crate) local: Option<SocketAddr>,
    pub(crate) unique_id: Option<[u8; spoor_log::unique_id::UNIQUE_ID_LEN]>,
}

/// What the response did.
#[derive(Debug)]
pub(crate) struct Finished {
    pub(crate) status: u16,
    pub(crate) headers_out: HeaderMap,
    pub(crate) trailers_out: Option<HeaderMap>,
    pub(crate) bytes_sent: u64,
    pub(crate) body_sent: bool,
}

/// Microseconds since the Unix epoch.
pub(crate) fn now_us() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_micros() as i64)
        .unwrap_or(0)
}

/// `HTTP/1.1` and the like, as `%H` and the request line show them.
pub(crate) fn protocol(v: Version) -> &'static str {
    match v {
        Version::HTTP_09 => "HTTP/0.9",
        Version::HTTP_10 => "HTTP/1.0",
        Version::HTTP_11 => "HTTP/1.1",
        Version::HTTP_2 => "HTTP/2.0",
        Version::HTTP_3 => "HTTP/3.0",
        _ => "HTTP/1.1",
    }
}

/// Appends the request line as `%r` shows it: method, target, protocol.
/// The target is the path and query for origin form and HTTP/2 (whose
/// `:authority` is no part of a request line), the whole URI for an
/// absolute-form HTTP/1 request.
pub(crate) fn request_line(method: &Method, uri: &Uri, version: Version, out: &mut Vec<u8>) {
    out.extend_from_slice(method.as_str().as_bytes());
    out.push(b' ');
    match (uri.scheme(), version) {
        (Some(_), Version::HTTP_09 | Version::HTTP_10 | Version::HTTP_11) => {
            let _ = write!(out, "{uri}");
        }
        _ => match uri.path_and_query() {
            Some(pq) => out.extend_from_slice(pq.as_str().as_bytes()),
            None => out.push(b'/'),
        },
    }
    out.push(b' ');
    out.extend_from_slice(protocol(version).as_bytes());
}

/// The bytes of a header block as HTTP/1.1 writes it (`Name: value` CR
/// LF per field, CR LF at the end).
fn head_fields_len(h: &HeaderMap) -> u64 {
    h.iter()
        .map(|(n, v)| (n.as_str().len() + v.len() + 4) as u64)
        .sum::<u64>()
        + 2
}

/// Whether a `Connection` header lists `token`.
fn connection_has(h: &HeaderMap, token: &str) -> bool {
    h.get_all(CONNECTION).iter().any(|v| {
        v.as_bytes()
            .split(|&b| b == b',')
            .any(|t| t.trim_ascii().eq_ignore_ascii_case(token.as_bytes()))
    })
}

/// The value of a hex digit.
fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// `%U`: the path with `%hh` decoded and `.`/`..` segments removed, as
/// httpd's `r->uri` (a `%` not followed by two hex digits stays as it is;
/// httpd would have refused that request with 400).
pub(crate) fn decoded_path(path: &str, out: &mut Vec<u8>) {
    let start = out.len();
    let p = path.as_bytes();
    let mut i = 0;
    while i < p.len() {
        if p[i] == b'%' && i + 2 < p.len() {
            if let (Some(h), Some(l)) = (hex_val(p[i + 1]), hex_val(p[i + 2])) {
                out.push(h << 4 | l);
                i += 3;
                continue;
            }
        }
        out.push(p[i]);
        i += 1;
    }
    remove_dot_segments(out, start);
}

/// RFC 3986's dot-segment removal on `buf[start..]`, in place.
fn remove_dot_segments(buf: &mut Vec<u8>, start: usize) {
    let mut r = start; // read position
    let mut w = start; // write position
    let n = buf.len();
    while r < n {
        // At a segment start (after a '/', or the beginning).
        let seg_end = buf[r..n]
            .iter()
            .skip(1)
            .position(|&b| b == b'/')
            .map_or(n, |p| r + 1 + p);
        let seg = &buf[r..seg_end];
        if seg == b"/." {
            r = seg_end;
            if r == n {
                buf[w] = b'/';
                w += 1;
            }
            continue;
        }
        if seg == b"/.." {
            // Drop the last written segment.
            while w > start {
                w -= 1;
                if buf[w] == b'/' {
                    break;
                }
            }
            r = seg_end;
            if r == n {
                buf[w] = b'/';
                w += 1;
            }
            continue;
        }
        buf.copy_within(r..seg_end, w);
        w += seg_end - r;
        r = seg_end;
    }
    buf.truncate(w);
}

/// Per-thread buffers for building records and lines.
#[derive(Default)]
struct Scratch {
    line: Vec<u8>,
    text: Vec<u8>,
    fields: Vec<Field<'static>>,
    /// Renderers by the id of the layer time zone they render in (a few
    /// layers may share a thread; the oldest goes beyond [`RENDERERS`]).
    renderers: Vec<(u64, Renderer)>,
}

/// Most renderers kept per thread.
const RENDERERS: usize = 8;

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// Gives an empty vector of borrowed fields another lifetime, keeping its
/// allocation (the standard library collects a map over a vector's own
/// iterator in place when the element layouts agree, as they do here).
fn relabel<'a, 'b>(mut v: Vec<Field<'a>>) -> Vec<Field<'b>> {
    v.clear();
    v.into_iter().map(|_| unreachable!("empty")).collect()
}

/// Writes the line of every log whose condition accepts the record.
pub(crate) fn write_logs(
    cfg: &Config,
    shared: &Shared,
    cap: &Captured,
    done: &Finished,
    aborted: bool,
) {
    if cfg.logs.is_empty() {
        return;
    }
    let end_us = now_us();
    SCRATCH.with(|s| match s.try_borrow_mut() {
        Ok(mut s) => render_into(&mut s, cfg, shared, cap, done, aborted, end_us),
        // Only if a sink or condition itself ended a request on this
        // thread: fresh buffers then.
        Err(_) => render_into(
            &mut Scratch::default(),
            cfg,
            shared,
            cap,
            done,
            aborted,
            end_us,
        ),
    });
}

fn range_of<'a>(text: &'a [u8], r: &Range<usize>) -> &'a [u8] {
    &text[r.clone()]
}

fn str_of<'a>(text: &'a [u8], r: &Range<usize>) -> &'a str {
    std::str::from_utf8(&text[r.clone()]).unwrap_or("-")
}

fn render_into(
    s: &mut Scratch,
    cfg: &Config,
    shared: &Shared,
    cap: &Captured,
    done: &Finished,
    aborted: bool,
    end_us: i64,
) {
    let extra = shared.extra();
    let Scratch {
        line,
        text,
        fields,
        renderers,
    } = s;
    text.clear();
    let mark = |text: &mut Vec<u8>, f: &dyn Fn(&mut Vec<u8>)| {
        let a = text.len();
        f(text);
        a..text.len()
    };
    let peer_ip = mark(text, &|t| match cap.peer {
        Some(p) => {
            let _ = write!(t, "{}", p.ip());
        }
        None => t.push(b'-'),
    });
    let local_ip = mark(text, &|t| match cap.local {
        Some(p) => {
            let _ = write!(t, "{}", p.ip());
        }
        None => t.push(b'-'),
    });
    let req_line = mark(text, &|t| {
        request_line(&cap.method, &cap.uri, cap.version, t)
    });
    let uri = mark(text, &|t| decoded_path(cap.uri.path(), t));
    // The host the client asked for, lower-cased and without its port,
    // as httpd keeps `r->hostname`.
    let host_hdr: Option<&str> = cap
        .uri
        .host()
        .or_else(|| cap.headers.get(HOST).and_then(|h| h.to_str().ok()));
    let (host_name, host_port) = match host_hdr {
        Some(h) => split_host(h),
        None => ("", None),
    };
    let host = mark(text, &|t| {
        t.extend(host_name.bytes().map(|b| b.to_ascii_lowercase()));
    });
    let server_name: &[u8] = match &cfg.server_name {
        Some(n) => n,
        None => range_of(text, &host),
    };
    let vhost_name: &[u8] = if host.is_empty() {
        server_name
    } else {
        range_of(text, &host)
    };
    let https = cap.uri.scheme_str() == Some("https");
    let server_port = cfg
        .server_port
        .or(cap.local.map(|l| l.port()))
        .or(host_port)
        .unwrap_or(if https { 443 } else { 80 });

    // Fields: request headers, response headers, env, notes, trailers.
    let mut f = relabel(std::mem::take(fields));
    let a = f.len();
    for (n, v) in &cap.headers {
        f.push((n.as_str().as_bytes(), v.as_bytes()));
    }
    let headers_in = a..f.len();
    let a = f.len();
    for (n, v) in &done.headers_out {
        f.push((n.as_str().as_bytes(), v.as_bytes()));
    }
    let headers_out = a..f.len();
    let a = f.len();
    for v in extra.vars.iter().filter(|v| !v.note) {
        f.push((&v.name, &v.value));
    }
    if let Some(id) = &cap.unique_id {
        if !f[a..]
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case(b"UNIQUE_ID"))
        {
            f.push((b"UNIQUE_ID", id));
        }
    }
    let env = a..f.len();
    let a = f.len();
    for v in extra.vars.iter().filter(|v| v.note) {
        f.push((&v.name, &v.value));
    }
    let notes = a..f.len();
    let a = f.len();
    if let Some(t) = &done.trailers_out {
        for (n, v) in t {
            f.push((n.as_str().as_bytes(), v.as_bytes()));
        }
    }
    let trailers_out = a..f.len();
    let a = f.len();
    if let Some(t) = &extra.trailers_in {
        for (n, v) in t {
            f.push((n.as_str().as_bytes(), v.as_bytes()));
        }
    }
    let trailers_in = a..f.len();

    let keepalive = !aborted
        && match cap.version {
            Version::HTTP_11 => {
                !connection_has(&cap.headers, "close")
                    && !connection_has(&done.headers_out, "close")
            }
            Version::HTTP_10 => {
                connection_has(&cap.headers, "keep-alive")
                    && !connection_has(&done.headers_out, "close")
            }
            Version::HTTP_2 | Version::HTTP_3 => true,
            _ => false,
        };
    let req_head = req_line.len() as u64 + 2 + head_fields_len(&cap.headers);
    let reason = http::StatusCode::from_u16(done.status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .map_or(0, str::len);
    let resp_head = if done.status == 0 {
        0
    } else {
        "HTTP/1.1 200 \r\n".len() as u64 + reason as u64 + head_fields_len(&done.headers_out)
    };
    let unique_id = cap.unique_id.as_ref().map(|u| &u[..]);
    let text: &[u8] = text;
    let conn = Conn {
        client_ip: str_of(text, &peer_ip),
        client_port: cap.peer.map_or(0, |p| p.port()),
        local_ip: str_of(text, &local_ip),
        local_port: cap.local.map_or(0, |l| l.port()),
        keepalives: 0,
        aborted,
        keepalive,
        bytes_in: req_head + shared.body_in.load(std::sync::atomic::Ordering::Relaxed),
        bytes_out: resp_head + done.bytes_sent,
        ..Default::default()
    };
    let query = cap.uri.query().map(str::as_bytes);
    let req = Request {
        request_line: Some(range_of(text, &req_line)),
        method: Some(cap.method.as_str().as_bytes()),
        uri: range_of(text, &uri),
        query,
        protocol: protocol(cap.version).as_bytes(),
        status: i32::from(done.status),
        user: extra.user.as_deref(),
        content_type: done.headers_out.get(CONTENT_TYPE).map(|v| v.as_bytes()),
        headers_in: &f[headers_in],
        headers_out: &f[headers_out],
        trailers_in: &f[trailers_in],
        trailers_out: &f[trailers_out],
        env: &f[env],
        notes: &f[notes],
        log_id: unique_id,
        server_name,
        vhost_name,
        server_port,
        scheme: if https { "https" } else { "http" },
        useragent_ip: conn.client_ip,
        useragent_port: conn.client_port,
        bytes_sent: done.bytes_sent,
        body_sent: done.body_sent,
        request_time_us: cap.start_us,
        track_id: extra.track_id.as_deref(),
        ..Default::default()
    };
    let rec = Record::new(&conn, &req, end_us);
    let at = match renderers.iter().position(|(id, _)| *id == cfg.tz_id) {
        Some(i) => i,
        None => {
            if renderers.len() >= RENDERERS {
                renderers.remove(0);
            }
            renderers.push((cfg.tz_id, Renderer::with_time_zone(cfg.time_zone.clone())));
            renderers.len() - 1
        }
    };
    let renderer = &mut renderers[at].1;
    for log in &cfg.logs {
        if let Some(c) = &log.condition {
            if !c(&rec) {
                continue;
            }
        }
        line.clear();
        renderer.render(&log.format, &rec, line);
        // A failed write is reported and counted by the sink itself.
        // Grouped: a record is handed to a thread already writing this
        // log instead of waiting for the file's lock in the kernel.
        let _ = log.sink.write_record_grouped(line);
    }

    *fields = relabel(f);
}

/// Splits `host[:port]` (or `[v6]:port`).
fn split_host(h: &str) -> (&str, Option<u16>) {
    if let Some(rest) = h.strip_prefix('[') {
        if let Some(end) = rest.find(']') {
            let port = rest[end + 1..]
                .strip_prefix(':')
                .and_then(|p| p.parse().ok());
            return (&h[..end + 2], port);
        }
        return (h, None);
    }
    match h.rsplit_once(':') {
        Some((name, port)) => (name, port.parse().ok()),
        None => (h, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dp(s: &str) -> String {
        let mut v = Vec::new();
        decoded_path(s, &mut v);
        String::from_utf8(v).unwrap()
    }

    #[test]
    fn percent_decoding_and_dot_segments() {
        assert_eq!(dp("/a%20b"), "/a b");
        assert_eq!(dp("/a%2"), "/a%2");
        assert_eq!(dp("/a%zz/"), "/a%zz/");
        assert_eq!(dp("/a/./b"), "/a/b");
        assert_eq!(dp("/a/../b"), "/b");
        assert_eq!(dp("/a/b/.."), "/a/");
        assert_eq!(dp("/a/b/."), "/a/b/");
        assert_eq!(dp("/../x"), "/x");
        assert_eq!(dp("/"), "/");
        assert_eq!(dp("/a/%2e%2e/b"), "/b");
    }

    #[test]
    fn hosts() {
        assert_eq!(split_host("Example.com:8080"), ("Example.com", Some(8080)));
        assert_eq!(split_host("example.com"), ("example.com", None));
        assert_eq!(split_host("[::1]:81"), ("[::1]", Some(81)));
        assert_eq!(split_host("[::1]"), ("[::1]", None));
    }

    #[test]
    fn request_lines() {
        let mut v = Vec::new();
        let uri: Uri = "http://a.example/x?y".parse().unwrap();
        request_line(&Method::GET, &uri, Version::HTTP_11, &mut v);
        assert_eq!(v, b"GET http://a.example/x?y HTTP/1.1");
        v.clear();
        request_line(&Method::GET, &uri, Version::HTTP_2, &mut v);
        assert_eq!(v, b"GET /x?y HTTP/2.0");
        v.clear();
        request_line(
            &Method::OPTIONS,
            &"*".parse().unwrap(),
            Version::HTTP_11,
            &mut v,
        );
        assert_eq!(v, b"OPTIONS * HTTP/1.1");
    }

    #[test]
    fn relabel_keeps_the_allocation() {
        let mut v: Vec<Field<'static>> = Vec::with_capacity(32);
        v.push((b"a", b"b"));
        let p = v.as_ptr() as usize;
        let w: Vec<Field<'_>> = relabel(v);
        assert_eq!(w.as_ptr() as usize, p);
        assert_eq!(w.capacity(), 32);
    }
}
