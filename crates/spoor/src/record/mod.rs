pub(crate) mod addr;
pub(crate) mod errlog;

pub(crate) mod table;

use std::ops::Range;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use spoor_log::Field;
use tokio::sync::watch;

use std::time::{SystemTime, UNIX_EPOCH};

use crate::bufpool::{self};
use crate::errorlog::LogIds;
use crate::http::request::Head;
use crate::record::table::HeaderTable;
use crate::setenv::EnvTable;
use crate::site::Config;

pub(crate) use crate::http::method::{ALLOW, KNOWN_METHODS};

/// What the response to the current request says about itself, for the log.
#[derive(Default)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) bytes_sent: u64,
    pub(crate) keepalive: bool,
    pub(crate) aborted: bool,
    /// `%U` and `%m` print `-` (no request line could be parsed).
    pub(crate) dash: bool,
    /// `%f` is set (a file path was mapped).
    pub(crate) filename: bool,
    /// `%R`: the handler (`httpd/unix-directory` for a directory).
    pub(crate) handler: Option<&'static [u8]>,
    /// `vhost` is the host of an absolute-form target: `%{Host}i` logs it.
    pub(crate) host_from_uri: bool,
    /// `rline` holds the request line with a password masked.
    pub(crate) line_masked: bool,
    /// The body goes out without a Content-Length.
    pub(crate) no_length: bool,
    /// A malformed chunked body was refused: httpd's input filter sends
    /// that 400 page itself, without a Content-Length.
    pub(crate) bad_chunk: bool,
    /// A TRACE with a body was refused before the body was read (its 413
    /// page, unlike the body filter's, has a Content-Length).
    pub(crate) trace_refused: bool,
    /// The response headers (httpd's `r->headers_out`; the `Date` and
    /// `Server` lines the protocol adds are not in it).
    pub(crate) headers_out: HeaderTable,
    /// The `Content-Type` entry of `headers_out`.
    pub(crate) content_type: Option<usize>,
    pub(crate) query: Option<Range<usize>>,
    /// The server handling the request: 0 = main, else a virtual host.
    pub(crate) server: usize,
    pub(crate) vhost: Option<Range<usize>>,
    /// 0, or the status the request target alone calls for (400, 404).
    pub(crate) uri_error: u16,
    /// httpd's `error-notes` for the request (`%{error-notes}n`).
    pub(crate) note: Option<&'static [u8]>,
    /// `Expect: 100-continue` was sent and no `100 Continue` went out:
    /// httpd will not keep the connection.
    pub(crate) expecting_100: bool,
    pub(crate) request_time_us: i64,
    /// mod_usertrack set the `cookie` note (`Cx::cookie_note`).
    pub(crate) cookie: bool,
    /// mod_usertrack's new-cookie header, sent with every response after
    /// the fixups step (value in `Connection::cookie_hdr`).
    pub(crate) set_cookie: Option<&'static [u8]>,
    /// The per-directory walk ran (`Cx::dir` is this request's).
    pub(crate) walked: bool,
    /// An `ErrorDocument` redirect to carry out: (status, local URL).
    pub(crate) pending_errdoc: Option<(u16, String)>,
    /// After an internal redirect: the original request (this `Reply`
    /// and the connection's `uri`/`path`/`env` describe the final one).
    pub(crate) redirect: Option<Box<Orig>>,
    /// The final request's query (from the ErrorDocument URL).
    pub(crate) final_query: Option<Vec<u8>>,
    /// Nonzero while serving an ErrorDocument: the status to send.
    pub(crate) error_status: u16,
    /// The keep-alive count before a page later replaced by an
    /// ErrorDocument redirect (so the response counts once).
    pub(crate) keepalives_before: u32,
    /// `Require` refused the request (its type was never looked up).
    pub(crate) access_denied: bool,
    /// The status a phase refused the request with (403, or a redirect's
    /// from translate-name); 0 while none did.
    pub(crate) refused: u16,
    /// The `Location` of a redirect a hook answered with.
    pub(crate) location: Option<Vec<u8>>,
    /// A translate-name hook's file name (mod_alias): the directory it
    /// maps to (a walk's root) and the rest of the path (empty, or from a
    /// `/`); `None`: the server's document root with the URI (or WASD's
    /// mapped path).
    pub(crate) translated: Option<(Vec<u8>, Vec<u8>)>,
    /// mod_access_compat allowed the request under `Satisfy Any`:
    /// `Require` is not looked at.
    pub(crate) satisfied_any: bool,
    /// `Require` needs an authenticated user (mod_authz_core's first
    /// check found none): the check-user-id and auth-checker hooks run.
    pub(crate) authn_needed: bool,
    /// The user named in the `Authorization` field (httpd's `r->user`,
    /// set before the password is checked; `%u`).
    pub(crate) user: Option<Vec<u8>>,
    /// The realm of a `WWW-Authenticate: Basic` challenge to send with
    /// the error response (httpd's `err_headers_out`).
    pub(crate) challenge: Option<String>,
    /// The addresses of the `Require forward-dns` names, looked up for
    /// this request.
    pub(crate) forward_dns: Vec<(String, Vec<std::net::IpAddr>)>,
    /// WASD: the Host named no service (the base service serves it).
    pub(crate) wasd_unknown: bool,
    /// WASD: the file path the mapping rules gave (below the ServerRoot,
    /// starting with `/`); `None`: the URI path under the server's root.
    pub(crate) wasd_file: Option<Vec<u8>>,
    /// WASD: `[ServiceNotFoundURL]` redirect for an unknown service.
    pub(crate) wasd_redirect: Option<Vec<u8>>,
    /// WASD: the length of the mapped root in `wasd_file` (links are
    /// followed only below it).
    pub(crate) wasd_root: Option<usize>,
    /// The directory walk's descriptor and end (`modules/core/walk.rs`).
    pub(crate) walk: WalkState,
    /// The status of an error page that reading the body then replaced
    /// (413 after a 403 or 404): its "Additionally" paragraph is added.
    pub(crate) additionally: u16,
    /// The body ended early because the client closed its side.
    pub(crate) body_eof: bool,
    /// `out` is sent from here on: an HTTP/0.9 answer keeps the header
    /// lines httpd records but does not send ahead of it.
    pub(crate) send_from: usize,
    /// The length of the status line and the `Date` and `Server` lines
    /// at the start of `out` (the head's part not in `headers_out`).
    pub(crate) head_prefix: usize,
    /// The output filters ran on this response's head.
    pub(crate) filtered: bool,
    /// What mod_negotiation chose and what the answer says about it.
    pub(crate) neg: Option<Box<crate::modules::negotiation::out::NegOut>>,
    /// A type map chose a file: the internal redirect to it (URL, and
    /// the name the map gave).
    pub(crate) map_redirect: Option<(String, String)>,
    /// A GET or HEAD of a directory for which mod_dir found no index,
    /// left by core's handler to mod_autoindex's (httpd's
    /// `httpd/unix-directory` handler).
    pub(crate) unindexed: bool,
    /// A module inserted output filters for the request before its
    /// handler ran (httpd's insert-filter step): the static handler then
    /// hands a HEAD request's file to the protocol layer too, so that a
    /// body filter can tell the length it would send.
    pub(crate) filters_inserted: bool,
    /// The response is httpd's error response (a built-in page, an
    /// ErrorDocument text or redirect), which core's `SetOutputFilter`
    /// filters do not touch.
    pub(crate) builtin_page: bool,
    /// `connection_headers` counted this response in the connection's
    /// keep-alive count (undone when a body filter makes an HTTP/1.0
    /// answer's length unknown: httpd decides once, after the filters).
    pub(crate) ka_counted: bool,
    /// The length of the body the handler planned, for the output
    /// filters (set before they run).
    pub(crate) body_len: u64,
}
/// The connection record (httpd's `conn_rec`): what lasts for the whole
/// connection, whatever request is on it.
pub(crate) struct ConnRec {
    /// The server's stop signal (a stopping server keeps no connection).
    pub(crate) shutdown: Stop,
    pub(crate) keepalives: u32,
    pub(crate) served: u32,
    pub(crate) bytes_in: u64,
    pub(crate) bytes_out: u64,
    pub(crate) client_ip: addr::IpText,
    pub(crate) client_port: u16,
    /// The peer's address (IPv4-mapped addresses as IPv4).
    pub(crate) peer_ip: std::net::IpAddr,
    /// `HostnameLookups`: the client's name, once asked for.
    pub(crate) remote_host: RemoteHost,
    /// Whether `remote_host` resolves back to the client's address, once
    /// a host-based access check asked (httpd's `double_reverse`).
    pub(crate) double_reverse: Option<bool>,
    /// `UseCanonicalName DNS`: the local address's name, once asked for.
    pub(crate) local_host: Option<Arc<str>>,
    pub(crate) local_ip: addr::IpText,
    pub(crate) local_addr: std::net::IpAddr,
    pub(crate) local_port: u16,
    /// The connection's base server (the default for its local address):
    /// its head limits and the Timeout for header fields (see
    /// [`crate::site::ConnSettings`]).
    pub(crate) base: usize,
    /// The Timeout in force on the socket: the base server's, then the
    /// server of the last request.
    pub(crate) timeout: Duration,
    /// The wait for the next request on a kept connection.
    pub(crate) ka_wait: Duration,
    /// mod_reqtimeout's deadline for the stage being read (head, body).
    pub(crate) rt: crate::modules::reqtimeout::clock::ReadClock,
}

/// The request record (httpd's `request_rec`), with the connection's
/// ([`Cx::conn`]) and the buffers both use: everything a request's phases
/// read and write, apart from the transport and its timers (which the
/// protocol layer, [`crate::proto::h1::Connection`], keeps).
pub(crate) struct Cx {
    pub(crate) cfg: Arc<Config>,
    /// Read buffer; bytes `pos..end` are unconsumed.
    pub(crate) buf: Vec<u8>,
    pub(crate) pos: usize,
    pub(crate) end: usize,
    pub(crate) head: Head,
    pub(crate) out: Vec<u8>,
    pub(crate) line: Vec<u8>,
    /// A request line rebuilt for the log.
    pub(crate) rline: Vec<u8>,
    pub(crate) uri: Vec<u8>,
    pub(crate) scratch: Vec<u8>,
    pub(crate) path: PathBuf,
    /// What the directory walk's stat of `path` found (httpd's
    /// `r->finfo`), for the handler.
    pub(crate) file_meta: Option<FileStat>,
    /// The content type of the file being served.
    pub(crate) ct_buf: Vec<u8>,
    pub(crate) file_buf: Vec<u8>,
    pub(crate) reply: Reply,
    /// The request's host name, lower case, without the port.
    pub(crate) host_lc: Vec<u8>,
    /// The request's environment (SetEnvIf, SetEnv): `%{..}e`, `env=`.
    pub(crate) env: EnvTable,
    /// `%L` / `%{c}L`: set once an error-log line is written.
    pub(crate) ids: LogIds,
    /// The request's merged per-directory settings (see `dirhooks`).
    pub(crate) dir: Arc<crate::perdir::PerDir>,
    /// WASD access tracking of the current request.
    pub(crate) track: crate::modules::wasd::track::ConnTrack,
    /// mod_log_forensic's state for the request in progress.
    pub(crate) forensic: crate::modules::log_forensic::state::Forensic,
    /// mod_usertrack: the `cookie` note and the Set-Cookie value.
    pub(crate) cookie_note: Vec<u8>,
    /// The request's notes (httpd's `r->notes`, `%{..}n`): what modules
    /// leave for each other and the log.
    pub(crate) notes: table::Table,
    pub(crate) cookie_hdr: Vec<u8>,
    /// The trailer section of the request's chunked body (`%{..}^ti`).
    pub(crate) trailers: Vec<u8>,
    /// The response body the handler planned, sent after the head in
    /// `out` by the protocol layer (`None`: `out` is the whole response).
    pub(crate) body: Option<Body>,
    /// The body filters of the response, in order (httpd's output
    /// filters over the body): modules push them in the output-filter
    /// phase ([`crate::hooks::Module::output_filter`]); empty for almost
    /// every response, which then goes out as it was planned.
    pub(crate) filters: Vec<Box<dyn BodyFilter>>,
    /// The connection record (httpd's `conn_rec`).
    pub(crate) conn: ConnRec,
}

/// A transformation of the response body, inserted by a module for one
/// response (httpd's output filter of type `AP_FTYPE_CONTENT_SET`). The
/// module decides in its output-filter hook, with the final status and
/// headers, and edits the head there (`Content-Encoding`, `Vary`, no
/// `Content-Length`); the protocol layer then streams the body through
/// [`BodyFilter::data`] and [`BodyFilter::finish`] and frames what comes
/// out as httpd's content-length filter does: when the filter holds
/// everything until the end, the head gets a `Content-Length`; when it
/// hands output on before the end, the head goes out without one
/// (chunked on HTTP/1.1, up to the close on HTTP/1.0).
pub(crate) trait BodyFilter: Send {
    /// Transforms `data` (the next part of the body), appending the
    /// result to `out`, and marks with [`FilterOut::pass`] each point up
    /// to which it hands its output on now (httpd passes a brigade
    /// downstream; each goes out as one piece, a chunk on HTTP/1.1);
    /// what follows the last mark it keeps for later.
    fn data(&mut self, data: &[u8], out: &mut FilterOut);

    /// The body ended: appends the rest to `out` and leaves the filter's
    /// notes for the log.
    fn finish(&mut self, out: &mut FilterOut, notes: &mut table::Table);
}

/// What a body filter produced: bytes, and the points up to which it
/// handed them on.
#[derive(Debug, Default)]
pub(crate) struct FilterOut {
    /// The output not sent yet.
    pub(crate) buf: Vec<u8>,
    /// Ends of pieces handed on, ascending offsets into `buf`.
    pub(crate) cuts: Vec<usize>,
}

impl FilterOut {
    /// Hands everything written so far on, as one piece.
    pub(crate) fn pass(&mut self) {
        let end = self.buf.len();
        if self.cuts.last() != Some(&end) {
            self.cuts.push(end);
        }
    }
}

/// A response body that is not in the response buffer: what the handler
/// chose, for the protocol layer to send.
pub(crate) enum Body {
    /// `count` bytes of `file` from `first`.
    File {
        file: OpenFile,
        first: u64,
        count: u64,
    },
    /// A `multipart/byteranges` body of these ranges of a file of `len`
    /// bytes with type `ct`; `chunked`: framed as chunks (no length
    /// known on HTTP/1.1).
    Multipart {
        file: OpenFile,
        parts: Vec<(u64, u64)>,
        len: u64,
        ct: Option<Vec<u8>>,
        chunked: bool,
    },
}

/// A file the handler serves: opened for this request, or a descriptor
/// the worker's open-file cache keeps ([`crate::file_cache`]).
#[derive(Debug)]
pub(crate) enum OpenFile {
    /// Opened for this request.
    Own(std::fs::File),
    /// Shared with the cache.
    Kept(std::sync::Arc<crate::file_cache::Kept>),
}

impl OpenFile {
    /// The whole file's bytes, when the open-file cache keeps them.
    pub(crate) fn data(&self) -> Option<&[u8]> {
        match self {
            OpenFile::Own(_) => None,
            OpenFile::Kept(k) => k.data(),
        }
    }
}

impl std::ops::Deref for OpenFile {
    type Target = std::fs::File;
    fn deref(&self) -> &std::fs::File {
        match self {
            OpenFile::Own(f) => f,
            OpenFile::Kept(f) => f.file(),
        }
    }
}

pub(crate) use crate::file_cache::FileStat;

/// Header fields kept inline in a [`FieldTable`]; more go to the heap.
pub(crate) const FIELDS_STACK: usize = 32;
/// Environment entries kept on the stack when rendering.
pub(crate) const ENV_STACK: usize = 16;

/// A field table of the request's headers: inline up to
/// [`FIELDS_STACK`] entries, whose unused slots cost nothing, on the heap
/// beyond.
pub(crate) type FieldTable<'b> = smallvec::SmallVec<[Field<'b>; FIELDS_STACK]>;

/// Appends the request's header lines in `buf` to `table`, in arrival
/// order (one `push` at a time, which measured cheaper than `extend`).
#[inline]
pub(crate) fn header_table<'b>(buf: &'b [u8], head: &Head, table: &mut FieldTable<'b>) {
    for (n, v) in head.headers.iter() {
        table.push((&buf[n.clone()], &buf[v.clone()]));
    }
}

/// The request line as httpd rebuilds it for the log: method, target and
/// protocol joined by single spaces.
pub(crate) fn rebuild_line(buf: &[u8], head: &Head, out: &mut Vec<u8>) {
    out.clear();
    if let Some(m) = &head.method {
        out.extend_from_slice(&buf[m.clone()]);
    }
    if let Some(t) = &head.target {
        out.push(b' ');
        out.extend_from_slice(&buf[t.clone()]);
    }
    if let Some(p) = head.protocol.clone().filter(|p| !p.is_empty()) {
        out.push(b' ');
        out.extend_from_slice(&buf[p]);
    }
}

/// The values of every request header field named `name` (any case), in
/// arrival order.
pub(crate) fn header_values<'a, 'n>(
    buf: &'a [u8],
    head: &'a Head,
    name: &'n [u8],
) -> impl Iterator<Item = &'a [u8]> + use<'a, 'n> {
    head.headers
        .iter()
        .filter(move |(n, _)| buf[n.clone()].eq_ignore_ascii_case(name))
        .map(move |(_, v)| &buf[v.clone()])
}

/// Appends one response header line to the head being written in `out`
/// and to the response-header table (what `%{..}o` and output filters
/// see).
#[inline(always)]
pub(crate) fn header(out: &mut Vec<u8>, hdrs: &mut HeaderTable, n: &[u8], v: &[u8]) {
    // One capacity check for the whole line.
    out.reserve(n.len() + v.len() + 4);
    let ns = out.len();
    out.extend_from_slice(n);
    let ne = out.len();
    out.extend_from_slice(b": ");
    let vs = out.len();
    out.extend_from_slice(v);
    hdrs.add_from(ns..ne, vs..out.len());
    out.extend_from_slice(b"\r\n");
}

/// The place in `headers_out` where a header a body filter adds goes:
/// before the fields httpd's header filter writes after every module
/// (`Keep-Alive`, `Connection`, `Transfer-Encoding`, `Content-Type`).
pub(crate) fn filter_header_at(hdrs: &HeaderTable, out: &[u8]) -> usize {
    (0..hdrs.len())
        .find(|&i| {
            let n = hdrs.name(out, i);
            [
                &b"Keep-Alive"[..],
                b"Connection",
                b"Transfer-Encoding",
                b"Content-Type",
            ]
            .iter()
            .any(|t| n.eq_ignore_ascii_case(t))
        })
        .unwrap_or(hdrs.len())
}

/// [`header`] with a decimal number as its value.
pub(crate) fn header_num(out: &mut Vec<u8>, hdrs: &mut HeaderTable, n: &[u8], v: u64) {
    header(out, hdrs, n, itoa::Buffer::new().format(v).as_bytes());
}

/// Writes `n` in lower-case hex into `buf`; returns the digits.
pub(crate) fn hex_len(n: usize, buf: &mut [u8; 16]) -> &[u8] {
    const H: &[u8; 16] = b"0123456789abcdef";
    let mut i = 16;
    let mut n = n;
    loop {
        i -= 1;
        buf[i] = H[n & 15];
        n >>= 4;
        if n == 0 {
            break;
        }
    }
    &buf[i..]
}

/// A `multipart/byteranges` answer with more parts than this goes out
/// without a `Content-Length`, as httpd's (which passes the body on every
/// 32 parts).
pub(crate) const STREAMED_PARTS: usize = 32;

/// The `multipart/byteranges` boundary, as httpd's: one random 64-bit
/// number per process, in hex without leading zeros (so shorter than 16
/// digits one time in 16).
pub(crate) fn multipart_boundary() -> &'static str {
    static B: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    B.get_or_init(|| {
        let mut r = [0u8; 8];
        if crate::modules::usertrack::cookie::fill_random(&mut r).is_none() {
            // No randomness at all: the time will do for a separator.
            r = (now_us() as u64)
                .wrapping_mul(0x9e37_79b9_7f4a_7c15)
                .to_ne_bytes();
        }
        format!("{:x}", u64::from_ne_bytes(r))
    })
}

/// Apache's `ap_status_drops_connection`.
pub(crate) fn drops_connection(status: u16) -> bool {
    matches!(status, 400 | 408 | 411 | 413 | 414 | 500 | 501 | 503)
}

pub(crate) use crate::http::uri::escape_path;

impl Cx {
    /// The first request header called `name`.
    pub(crate) fn req_header(&self, name: &[u8]) -> Option<&[u8]> {
        header_values(&self.buf, &self.head, name).next()
    }

    /// Hands the read, response, log-line and file buffers back while the
    /// connection waits for a request (nothing unread is in the buffer).
    pub(crate) fn release_buffers(&mut self) {
        if self.buf.is_empty() {
            return;
        }
        bufpool::give(bufpool::Buffers {
            buf: std::mem::take(&mut self.buf),
            out: std::mem::take(&mut self.out),
            line: std::mem::take(&mut self.line),
        });
        self.file_buf = Vec::new();
        self.pos = 0;
        self.end = 0;
    }
}

impl Drop for Cx {
    /// A connection that ends gives its buffers back too, so that a
    /// connection per request (`Connection: close`) reuses a set instead
    /// of allocating and zeroing a new one.
    fn drop(&mut self) {
        self.release_buffers();
    }
}

/// What a connection keeps of its request record while it waits idle:
/// the parts that last for the connection.
pub(crate) struct Parked {
    /// The connection's configuration.
    pub(crate) cfg: Arc<Config>,
    /// The connection record.
    pub(crate) conn: ConnRec,
    /// The log ids (the connection's lasts).
    pub(crate) ids: LogIds,
}

/// Request records kept per worker thread for the next request of any
/// of its connections.
const RECORDS_MAX: usize = 16;

thread_local! {
    // Boxed: a record moves between a connection's `Slot` and the pool as
    // one pointer.
    #[allow(clippy::vec_box)]
    static RECORDS: std::cell::RefCell<Vec<Box<Cx>>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// What a pooled record holds in place of a connection's configuration
/// and settings, so that the pool keeps no configuration alive (an old
/// one's log files are closed once its last connection ends).
fn placeholder() -> (Arc<Config>, Arc<crate::perdir::PerDir>) {
    static HELD: std::sync::LazyLock<(Arc<Config>, Arc<crate::perdir::PerDir>)> =
        std::sync::LazyLock::new(|| {
            let cfg = Config::placeholder();
            let dir = cfg.servers[0].sections.base().clone();
            (Arc::new(cfg), dir)
        });
    (HELD.0.clone(), HELD.1.clone())
}

impl ConnRec {
    /// A pooled record's stand-in for a connection record.
    fn parked() -> ConnRec {
        ConnRec {
            shutdown: Stop {
                rx: None,
                at_start: false,
            },
            keepalives: 0,
            served: 0,
            bytes_in: 0,
            bytes_out: 0,
            client_ip: addr::IpText::default(),
            client_port: 0,
            peer_ip: std::net::Ipv4Addr::UNSPECIFIED.into(),
            remote_host: RemoteHost::Unknown,
            double_reverse: None,
            local_host: None,
            local_ip: addr::IpText::default(),
            local_addr: std::net::Ipv4Addr::UNSPECIFIED.into(),
            local_port: 0,
            base: 0,
            timeout: Duration::ZERO,
            ka_wait: Duration::ZERO,
            rt: Default::default(),
        }
    }
}

impl Cx {
    /// Gives this record (its buffers already back in their pool) to the
    /// worker's pool; the connection keeps the returned parts.
    pub(crate) fn park(mut self: Box<Cx>) -> Parked {
        self.release_buffers();
        let (cfg, dir) = placeholder();
        let parked = Parked {
            cfg: std::mem::replace(&mut self.cfg, cfg),
            conn: std::mem::replace(&mut self.conn, ConnRec::parked()),
            ids: std::mem::take(&mut self.ids),
        };
        self.dir = dir;
        // Nothing of the request is kept (a pooled record is as a new one
        // for the next connection).
        self.clear_request();
        let _ = RECORDS.try_with(|r| {
            let mut r = r.borrow_mut();
            if r.len() < RECORDS_MAX {
                r.push(self);
            }
        });
        parked
    }

    /// A record for the next request of a parked connection: from the
    /// worker's pool, else new.
    pub(crate) fn unpark(p: Parked) -> Box<Cx> {
        let pooled = RECORDS.try_with(|r| r.borrow_mut().pop()).ok().flatten();
        let mut cx = pooled.unwrap_or_else(|| {
            let (cfg, dir) = placeholder();
            Box::new(Cx::blank(cfg, dir))
        });
        cx.dir = p.cfg.servers[0].sections.base().clone();
        cx.cfg = p.cfg;
        cx.conn = p.conn;
        cx.ids = p.ids;
        cx
    }

    /// A record with nothing in it.
    fn blank(cfg: Arc<Config>, dir: Arc<crate::perdir::PerDir>) -> Cx {
        Cx {
            // Taken from the thread's pool when the first bytes arrive.
            buf: Vec::new(),
            pos: 0,
            end: 0,
            head: Head::default(),
            out: Vec::new(),
            line: Vec::new(),
            rline: Vec::new(),
            uri: Vec::new(),
            scratch: Vec::new(),
            path: PathBuf::new(),
            file_meta: None,
            ct_buf: Vec::new(),
            file_buf: Vec::new(),
            reply: Reply::default(),
            host_lc: Vec::new(),
            env: EnvTable::new(),
            ids: LogIds::default(),
            dir,
            cfg,
            track: Default::default(),
            forensic: Default::default(),
            cookie_note: Vec::new(),
            notes: Default::default(),
            cookie_hdr: Vec::new(),
            trailers: Vec::new(),
            body: None,
            filters: Vec::new(),
            conn: ConnRec::parked(),
        }
    }

    /// Empties what a request wrote that could show another connection's
    /// data (the capacities kept). The rest is reset when a request starts,
    /// as on a kept-alive connection: the head by its parser, the reply,
    /// environment and notes by `new_request` and `request`.
    fn clear_request(&mut self) {
        self.pos = 0;
        self.end = 0;
        self.rline.clear();
        self.uri.clear();
        self.scratch.clear();
        self.path.as_mut_os_string().clear();
        self.file_meta = None;
        self.ct_buf.clear();
        self.host_lc.clear();
        self.cookie_note.clear();
        self.cookie_hdr.clear();
        self.trailers.clear();
        self.body = None;
        self.filters.clear();
    }
}

/// The server's shutdown flag as a connection sees it.
#[derive(Debug)]
pub(crate) struct Stop {
    /// `None` in a pooled record's stand-in connection record.
    rx: Option<watch::Receiver<bool>>,
    /// The flag was already up when the connection was accepted.
    at_start: bool,
}

impl Stop {
    /// Wraps the receiver a connection was given.
    pub(crate) fn new(rx: watch::Receiver<bool>) -> Stop {
        let at_start = *rx.borrow();
        Stop {
            rx: Some(rx),
            at_start,
        }
    }

    /// Whether the server is stopping: an atomic load while nothing was
    /// sent (the flag only ever goes up).
    pub(crate) fn stopping(&self) -> bool {
        self.at_start
            || self
                .rx
                .as_ref()
                .is_some_and(|rx| !matches!(rx.has_changed(), Ok(false)) && *rx.borrow())
    }

    /// A receiver of the same channel, for [`register`].
    pub(crate) fn receiver(&self) -> watch::Receiver<bool> {
        self.rx.clone().expect("a connection's stop signal")
    }
}

/// The wall-clock time in µs since the epoch (0 before it). Read with
/// `clock_gettime` directly: `SystemTime::now().duration_since(..)` costs
/// three times the instructions, twice per request.
pub(crate) fn now_us() -> i64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid timespec for the call to write into;
    // CLOCK_REALTIME always exists.
    let r = unsafe { libc::clock_gettime(libc::CLOCK_REALTIME, &mut ts) };
    if r != 0 {
        return SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_micros() as i64);
    }
    // (`time_t` and `c_long` are `i64` here, not on every target.)
    #[allow(clippy::useless_conversion)]
    let (sec, nsec) = (i64::from(ts.tv_sec), i64::from(ts.tv_nsec));
    (sec * 1_000_000 + nsec / 1000).max(0)
}

/// The client's name, as far as the connection knows it.
#[derive(Clone, Debug, Default)]
pub(crate) enum RemoteHost {
    /// Not asked yet.
    #[default]
    Unknown,
    /// Asked: no name (or one that failed the double-reverse check);
    /// the address stands for it.
    Unnamed,
    /// Asked: this name (lower case).
    Name(Arc<str>),
}

/// What `SetEnvIf Remote_Host` sees: the name, else the address.
pub(crate) fn remote_value<'a>(host: &'a RemoteHost, ip: &'a str) -> &'a [u8] {
    match host {
        RemoteHost::Name(n) => n.as_bytes(),
        _ => ip.as_bytes(),
    }
}

/// The per-request state of the directory walk (`modules/core/walk.rs`).
#[derive(Debug, Default)]
pub(crate) struct WalkState {
    /// The checked walk's result, for the handler (never reopened by name).
    pub(crate) file: Option<std::io::Result<std::fs::File>>,
    /// The open-file cache's descriptor for the file, whose status is the
    /// request's `file_meta`.
    pub(crate) kept: Option<std::sync::Arc<crate::file_cache::Kept>>,
    /// A file to keep in the open-file cache once opened.
    pub(crate) keep: Option<Keep>,
    /// The directory (with a trailing slash) the last walk ended in, for
    /// the shortcut of a later sub-request or redirect.
    pub(crate) dir: Vec<u8>,
}

/// What the open-file cache needs to keep a file the handler opens
/// ([`crate::file_cache::put`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Keep {
    /// The arrival time (µs) of the request whose walk read the file's
    /// status.
    pub(crate) born: i64,
    /// The walk's tag (0: no link checks; else the sections' generation).
    pub(crate) tag: u64,
    /// The device and inode a status call by name found (None: the
    /// status is the walk's descriptor's own).
    pub(crate) id: Option<(u64, u64)>,
}

/// The original request of an internal redirect, as the log needs it.
#[derive(Debug, Default)]
pub(crate) struct Orig {
    /// The original's authenticated user (`%<u`; the final request has
    /// its own, none unless it authenticates).
    pub user: Option<Vec<u8>>,
    /// `%<U`.
    pub uri: Vec<u8>,
    /// `%<q` (a range of the read buffer).
    pub query: Option<std::ops::Range<usize>>,
    /// `%<s`.
    pub status: u16,
    /// `%<f`.
    pub filename: Option<Vec<u8>>,
    /// `%<R`.
    pub handler: Option<&'static [u8]>,
    /// `%<{..}e`, and the log conditions.
    pub env: crate::setenv::EnvTable,
    /// `%<b` (the body, when the final request failed).
    pub bytes_sent: u64,
    /// `%<{..}o` (when the final request failed).
    pub headers_out: crate::record::table::HeaderTable,
    /// `%<{Content-Type}o`.
    pub content_type: Option<Vec<u8>>,
    /// The final request failed: its `%{Content-Type}o` (the type of its
    /// file name when it was looked for).
    pub final_content_type: Option<Vec<u8>>,
    /// mod_usertrack: the original's `cookie` note.
    pub notes: crate::record::table::Table,
    /// mod_usertrack: the original's new cookie (header name and value),
    /// still sent before the final request's own.
    pub set_cookie: Option<(&'static [u8], Vec<u8>)>,
    /// `%<L`: the original request's log ids.
    pub log_ids: crate::errorlog::LogIds,
}
