//! The HTTP/1.1 server: accept loop, per-connection engine (keep-alive,
//! pipelining, body discarding, timeouts), static files and access logging.
//!
//! One task serves one connection. It owns a read buffer, a response
//! buffer, a log-line buffer and a [`Renderer`], all reused from request to
//! request, so a request served from a small file allocates nothing on the
//! hot path. Request heads stay in the read buffer until the request is
//! logged, and the log record borrows its header table from there.

use std::io;
use std::net::SocketAddr;
use std::ops::Range;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::task::Poll;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use spoor_log::{Conn, Field, Format, Record, Renderer, Request, TimeZone};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::config::CanonicalName;
use crate::errorlog::{Extra, Level, LogIds, Module};
use crate::http::chunked::{ChunkError, Chunked};
use crate::http::pages::{self, Detail};
use crate::http::request::{Head, HeadError, Parse, Version};
use crate::http::{date, uri};
use crate::mime::MimeTable;
use crate::setenv::{EnvTable, RequestView, ScopeEnv};
use crate::site::{LogUse, ServerConf};
use crate::static_files::{self, ByteRange, Condition};
use crate::vhost::Vhosts;
use lookups::RemoteHost;
use spoor_log::sink::{Sink, SinkOptions};

mod dirhooks;
mod errordoc;
mod lookups;
mod wait;
mod walk;

/// Bodies up to this size are sent in the same write as the header.
const INLINE_BODY: u64 = 128 * 1024;
/// Chunk size for larger files.
const FILE_CHUNK: usize = 256 * 1024;
/// The longest a lingering close waits for the client to finish sending.
const LINGER_MAX: Duration = Duration::from_secs(2);
/// The most bytes a lingering close reads and drops.
const LINGER_BYTES: usize = 1 << 20;
use crate::bufpool::{self, READ_BUF};
/// Empty lines httpd reads away between pipelined requests before it
/// gives up on the connection.
const PIPELINE_BLANK_LINES: usize = 10;
/// The largest a read buffer may grow to (a head at the limits fits).
const READ_BUF_MAX: usize = 2 * 1024 * 1024;
/// The `Allow` value Apache sends for static content.
const ALLOW: &[u8] = b"GET,POST,OPTIONS,HEAD,TRACE";
/// Methods Apache knows, which get 405 instead of 501 on static content.
const KNOWN_METHODS: &[&[u8]] = &[
    b"PUT",
    b"DELETE",
    b"CONNECT",
    b"PATCH",
    b"PROPFIND",
    b"PROPPATCH",
    b"MKCOL",
    b"COPY",
    b"MOVE",
    b"LOCK",
    b"UNLOCK",
    b"VERSION-CONTROL",
    b"CHECKOUT",
    b"UNCHECKOUT",
    b"CHECKIN",
    b"UPDATE",
    b"LABEL",
    b"REPORT",
    b"MKWORKSPACE",
    b"MKACTIVITY",
    b"BASELINE-CONTROL",
    b"MERGE",
];

/// Everything a server needs to run.
#[derive(Debug)]
pub struct Config {
    /// The main server (index 0) and the virtual hosts, in order.
    pub servers: Vec<ServerConf>,
    /// Chooses the server for a request.
    pub vhosts: Vhosts,
    /// Every access log, opened; [`LogUse::sink`] indexes this.
    pub sinks: Vec<Arc<Sink>>,
    /// Content types.
    pub mime: MimeTable,
    /// The time zone log times are rendered in.
    pub time_zone: TimeZone,
    /// WASD `[LogExcludeHosts]`: clients whose requests are not logged.
    pub log_exclude_hosts: spoor_log::wasd_log::HostPatterns,
    /// mod_unique_id is loaded: requests get `UNIQUE_ID`.
    pub unique_ids: bool,
    /// A WASD configuration's services, mapping rules and content types
    /// (`None` for the Apache dialect).
    pub wasd: Option<Arc<crate::wasd::WasdSite>>,
    /// The server's name and version as `ServerTokens` shows them (the
    /// `Server` header and `ServerSignature` footers).
    pub banner: String,
}

impl Config {
    /// The embedded default: serve `root`, combined format to stdout,
    /// Apache's default timeouts and limits.
    pub fn new(root: PathBuf) -> Config {
        Config {
            servers: vec![ServerConf {
                root,
                server_name: "localhost".to_string(),
                port: 80,
                server_admin: pages::DEFAULT_ADMIN.to_string(),
                logs: vec![LogUse {
                    sink: 0,
                    format: Format::apache(spoor_log::COMBINED)
                        .expect("the combined format compiles"),
                    condition: None,
                }],
                env: ScopeEnv::new(),
                errorlog: Default::default(),
                sections: crate::perdir::Sections::new(Default::default(), &[], &[]),
                track: None,
                forensic: None,
                cookie_expires: 0,
                report: None,
                conn: Default::default(),
            }],
            vhosts: Vhosts::empty(),
            sinks: vec![Arc::new(
                Sink::stdout(&SinkOptions::default()).expect("standard output"),
            )],
            mime: MimeTable::system(),
            time_zone: TimeZone::system(),
            log_exclude_hosts: Default::default(),
            unique_ids: false,
            wasd: None,
            banner: pages::banner(Default::default()),
        }
    }
}

/// The configuration in force; a reload swaps it. Each connection keeps the
/// configuration it was accepted under, as httpd's old children finish
/// their connections after a graceful restart.
#[derive(Debug)]
pub struct Current(std::sync::RwLock<Arc<Config>>);

impl Current {
    /// Holds `config`.
    pub fn new(config: Config) -> Current {
        Current(std::sync::RwLock::new(Arc::new(config)))
    }

    /// The configuration new connections get.
    pub fn get(&self) -> Arc<Config> {
        self.0.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Replaces the configuration for new connections.
    pub fn replace(&self, config: Config) {
        *self.0.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(config);
    }
}

/// Serves connections from `listener` until `shutdown` becomes true, then
/// stops accepting, lets every connection finish its current request, and
/// returns once all of them are closed.
pub async fn serve(
    listener: TcpListener,
    current: Arc<Current>,
    shutdown: watch::Receiver<bool>,
) -> io::Result<()> {
    serve_until(listener, current, shutdown, std::future::pending()).await
}

/// Like [`serve`], and also stops accepting when `stop` completes (a
/// reload that removed this address); the connections already accepted
/// are finished either way, and stopped only by `shutdown`.
pub async fn serve_until(
    listener: TcpListener,
    current: Arc<Current>,
    mut shutdown: watch::Receiver<bool>,
    stop: impl std::future::Future<Output = ()>,
) -> io::Result<()> {
    let mut tasks = JoinSet::new();
    let mut stop = std::pin::pin!(stop);
    loop {
        while tasks.try_join_next().is_some() {}
        if *shutdown.borrow() {
            break;
        }
        tokio::select! {
            r = listener.accept() => match r {
                Ok((stream, peer)) => {
                    let local = stream.local_addr().unwrap_or(peer);
                    let _ = stream.set_nodelay(true);
                    let c = Connection::new(stream, peer, local, current.get(), shutdown.clone());
                    tasks.spawn(c.run());
                }
                Err(e) => {
                    // Out of descriptors and the like: back off briefly.
                    eprintln!("spoor: accept: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            r = shutdown.changed() => if r.is_err() { break },
            () = &mut stop => break,
        }
    }
    drop(listener);
    while tasks.join_next().await.is_some() {}
    Ok(())
}

/// The wall-clock time in µs since the epoch (0 before it). Read with
/// `clock_gettime` directly: `SystemTime::now().duration_since(..)` costs
/// three times the instructions, twice per request.
fn now_us() -> i64 {
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

/// How a wait for a request head ended.
enum HeadWait {
    /// The head parsed, or was refused.
    Parsed(Parse),
    /// The peer closed, an idle keep-alive connection timed out, the server
    /// is stopping, or the socket failed: close without a word.
    Closed,
    /// `Timeout` passed with part of a request read.
    Timeout,
}

/// What the response to the current request says about itself, for the log.
#[derive(Default)]
struct Reply {
    status: u16,
    bytes_sent: u64,
    keepalive: bool,
    aborted: bool,
    /// `%U` and `%m` print `-` (no request line could be parsed).
    dash: bool,
    /// `%f` is set (a file path was mapped).
    filename: bool,
    /// `%R`: the handler (`httpd/unix-directory` for a directory).
    handler: Option<&'static [u8]>,
    /// `vhost` is the host of an absolute-form target: `%{Host}i` logs it.
    host_from_uri: bool,
    /// `rline` holds the request line with a password masked.
    line_masked: bool,
    /// The body goes out without a Content-Length.
    no_length: bool,
    /// A malformed chunked body was refused: httpd's input filter sends
    /// that 400 page itself, without a Content-Length.
    bad_chunk: bool,
    /// A TRACE with a body was refused before the body was read (its 413
    /// page, unlike the body filter's, has a Content-Length).
    trace_refused: bool,
    /// Response header values: name and range in the response buffer.
    headers_out: Vec<(&'static [u8], Range<usize>)>,
    content_type: Option<Range<usize>>,
    query: Option<Range<usize>>,
    /// The server handling the request: 0 = main, else a virtual host.
    server: usize,
    vhost: Option<Range<usize>>,
    /// 0, or the status the request target alone calls for (400, 404).
    uri_error: u16,
    /// httpd's `error-notes` for the request (`%{error-notes}n`).
    note: Option<&'static [u8]>,
    /// `Expect: 100-continue` was sent and no `100 Continue` went out:
    /// httpd will not keep the connection.
    expecting_100: bool,
    request_time_us: i64,
    /// mod_usertrack set the `cookie` note (`Connection::cookie_note`).
    cookie: bool,
    /// mod_usertrack's new-cookie header, sent with every response after
    /// the fixups step (value in `Connection::cookie_hdr`).
    set_cookie: Option<&'static [u8]>,
    /// The per-directory walk ran (`Connection::dir` is this request's).
    walked: bool,
    /// An `ErrorDocument` redirect to carry out: (status, local URL).
    pending_errdoc: Option<(u16, String)>,
    /// After an internal redirect: the original request (this `Reply`
    /// and the connection's `uri`/`path`/`env` describe the final one).
    redirect: Option<Box<errordoc::Orig>>,
    /// The final request's query (from the ErrorDocument URL).
    final_query: Option<Vec<u8>>,
    /// Nonzero while serving an ErrorDocument: the status to send.
    error_status: u16,
    /// The keep-alive count before a page later replaced by an
    /// ErrorDocument redirect (so the response counts once).
    keepalives_before: u32,
    /// `Require` refused the request (its type was never looked up).
    access_denied: bool,
    /// WASD: the Host named no service (the base service serves it).
    wasd_unknown: bool,
    /// WASD: the file path the mapping rules gave (below the ServerRoot,
    /// starting with `/`); `None`: the URI path under the server's root.
    wasd_file: Option<Vec<u8>>,
    /// WASD: `[ServiceNotFoundURL]` redirect for an unknown service.
    wasd_redirect: Option<Vec<u8>>,
    /// WASD: the length of the mapped root in `wasd_file` (links are
    /// followed only below it).
    wasd_root: Option<usize>,
    /// The directory walk's descriptor and end (`server/walk.rs`).
    walk: walk::State,
    /// The status of an error page that reading the body then replaced
    /// (413 after a 403 or 404): its "Additionally" paragraph is added.
    additionally: u16,
    /// The body ended early because the client closed its side.
    body_eof: bool,
    /// `out` is sent from here on: an HTTP/0.9 answer keeps the header
    /// lines httpd records but does not send ahead of it.
    send_from: usize,
}

/// Why a request body could not be read.
enum BodyError {
    /// Cut short, or the connection failed (400).
    Bad,
    /// A malformed chunked body (400 from httpd's input filter).
    BadChunk,
    /// `Timeout` passed waiting for body bytes (408).
    Timeout,
    /// Over `LimitRequestBody`: the length announced or read so far, and
    /// the limit.
    TooLarge(u64, u64),
    /// A chunk size beyond a signed 64-bit offset, or a chunk-size line
    /// over `LimitRequestFieldSize` (413, as httpd's overflow).
    Overflow,
}

struct Connection {
    stream: TcpStream,
    cfg: Arc<Config>,
    shutdown: wait::Stop,
    /// The timer of every wait for the client (`Timeout`,
    /// `KeepAliveTimeout`).
    timer: wait::Deadline,
    /// Read buffer; bytes `pos..end` are unconsumed.
    buf: Vec<u8>,
    pos: usize,
    end: usize,
    head: Head,
    out: Vec<u8>,
    line: Vec<u8>,
    /// A request line rebuilt for the log.
    rline: Vec<u8>,
    uri: Vec<u8>,
    scratch: Vec<u8>,
    path: PathBuf,
    /// What the directory walk's stat of `path` found (httpd's
    /// `r->finfo`), for the handler.
    file_meta: Option<FileStat>,
    /// The content type of the file being served.
    ct_buf: Vec<u8>,
    file_buf: Vec<u8>,
    renderer: Renderer,
    reply: Reply,
    keepalives: u32,
    served: u32,
    bytes_in: u64,
    bytes_out: u64,
    client_ip: String,
    client_port: u16,
    /// The peer's address (IPv4-mapped addresses as IPv4).
    peer_ip: std::net::IpAddr,
    /// `HostnameLookups`: the client's name, once asked for.
    remote_host: RemoteHost,
    /// `UseCanonicalName DNS`: the local address's name, once asked for.
    local_host: Option<Arc<str>>,
    local_ip: String,
    local_addr: std::net::IpAddr,
    local_port: u16,
    /// The request's host name, lower case, without the port.
    host_lc: Vec<u8>,
    /// The request's environment (SetEnvIf, SetEnv): `%{..}e`, `env=`.
    env: EnvTable,
    /// `%L` / `%{c}L`: set once an error-log line is written.
    ids: LogIds,
    /// The request's merged per-directory settings (see `dirhooks`).
    dir: Arc<crate::perdir::PerDir>,
    /// WASD access tracking of the current request.
    track: crate::wasd_track::ConnTrack,
    /// mod_log_forensic's state for the request in progress.
    forensic: crate::forensic::Forensic,
    /// mod_usertrack: the `cookie` note and the Set-Cookie value.
    cookie_note: Vec<u8>,
    cookie_hdr: Vec<u8>,
    /// The connection's base server (the default for its local address):
    /// its head limits and the Timeout for header fields (see
    /// [`crate::site::ConnSettings`]).
    base: usize,
    /// The Timeout in force on the socket: the base server's, then the
    /// server of the last request.
    timeout: Duration,
    /// The wait for the next request on a kept connection.
    ka_wait: Duration,
    /// The trailer section of the request's chunked body (`%{..}^ti`).
    trailers: Vec<u8>,
}

/// What the handler needs of a file's status (a `Metadata` is five times
/// the size, and the connection keeps this while a request is served).
#[derive(Clone, Copy, Debug)]
struct FileStat {
    len: u64,
    /// Modification time in µs.
    mtime_us: i64,
    dir: bool,
    file: bool,
}

impl FileStat {
    fn of(m: &std::fs::Metadata) -> FileStat {
        FileStat {
            len: m.len(),
            mtime_us: m.mtime() * 1_000_000 + m.mtime_nsec() / 1000,
            dir: m.is_dir(),
            file: m.is_file(),
        }
    }
}

/// Header fields kept on the stack when rendering; more go to the heap.
/// (The table is filled anew for every request: a larger one costs its
/// initialisation on every request, a request with more fields one
/// allocation.)
const FIELDS_STACK: usize = 32;
/// Environment entries kept on the stack when rendering.
const ENV_STACK: usize = 16;

/// Points `fields` at the request's header lines in `buf` (at most `max`);
/// returns how many were filled.
fn fill_fields<'b>(buf: &'b [u8], head: &Head, fields: &mut [Field<'b>], max: usize) -> usize {
    let n = head.headers.len().min(max).min(fields.len());
    for (slot, (hn, hv)) in fields.iter_mut().zip(head.headers.iter()).take(n) {
        *slot = (&buf[hn.clone()], &buf[hv.clone()]);
    }
    n
}

/// The request line as httpd rebuilds it for the log: method, target and
/// protocol joined by single spaces.
fn rebuild_line(buf: &[u8], head: &Head, out: &mut Vec<u8>) {
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

/// Appends one response header line and remembers its value's place.
fn header(
    out: &mut Vec<u8>,
    hdrs: &mut Vec<(&'static [u8], Range<usize>)>,
    n: &'static [u8],
    v: &[u8],
) {
    out.extend_from_slice(n);
    out.extend_from_slice(b": ");
    let s = out.len();
    out.extend_from_slice(v);
    hdrs.push((n, s..out.len()));
    out.extend_from_slice(b"\r\n");
}

fn header_num(
    out: &mut Vec<u8>,
    hdrs: &mut Vec<(&'static [u8], Range<usize>)>,
    n: &'static [u8],
    v: u64,
) {
    header(out, hdrs, n, itoa::Buffer::new().format(v).as_bytes());
}

/// Writes `n` in lower-case hex into `buf`; returns the digits.
fn hex_len(n: usize, buf: &mut [u8; 16]) -> &[u8] {
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
const STREAMED_PARTS: usize = 32;

/// The `multipart/byteranges` boundary, as httpd's: one random 64-bit
/// number per process, in hex without leading zeros (so shorter than 16
/// digits one time in 16).
fn multipart_boundary() -> &'static str {
    static B: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    B.get_or_init(|| {
        let mut r = [0u8; 8];
        if crate::usertrack::fill_random(&mut r).is_none() {
            // No randomness at all: the time will do for a separator.
            r = (now_us() as u64)
                .wrapping_mul(0x9e37_79b9_7f4a_7c15)
                .to_ne_bytes();
        }
        format!("{:x}", u64::from_ne_bytes(r))
    })
}

/// Apache's `ap_status_drops_connection`.
fn drops_connection(status: u16) -> bool {
    matches!(status, 400 | 408 | 411 | 413 | 414 | 500 | 501 | 503)
}

/// Appends `s` with the bytes Apache's `ap_os_escape_path` escapes.
fn escape_path(s: &[u8], out: &mut Vec<u8>) {
    const H: &[u8; 16] = b"0123456789ABCDEF";
    for &b in s {
        let safe = b.is_ascii_alphanumeric() || b"$-_.+!*'(),:@&=~/;".contains(&b);
        if safe {
            out.push(b);
        } else {
            out.extend_from_slice(&[b'%', H[(b >> 4) as usize], H[(b & 15) as usize]]);
        }
    }
}

impl Connection {
    fn new(
        stream: TcpStream,
        peer: SocketAddr,
        local: SocketAddr,
        cfg: Arc<Config>,
        shutdown: watch::Receiver<bool>,
    ) -> Connection {
        let renderer = Renderer::with_time_zone(cfg.time_zone.clone());
        let base = if cfg.vhosts.is_empty() {
            0
        } else {
            cfg.vhosts
                .select(local.ip().to_canonical(), local.port(), None)
                .map_or(0, |i| i + 1)
        };
        let base_conn = cfg.servers[base].conn;
        Connection {
            stream,
            shutdown: wait::Stop::new(shutdown),
            timer: wait::Deadline::default(),
            // Taken from the thread's pool when the first bytes arrive.
            buf: Vec::new(),
            pos: 0,
            end: 0,
            head: Head::default(),
            out: Vec::new(),
            line: Vec::new(),
            rline: Vec::new(),
            uri: Vec::with_capacity(128),
            scratch: Vec::with_capacity(128),
            path: PathBuf::new(),
            file_meta: None,
            ct_buf: Vec::new(),
            file_buf: Vec::new(),
            renderer,
            reply: Reply::default(),
            keepalives: 0,
            served: 0,
            bytes_in: 0,
            bytes_out: 0,
            client_ip: peer.ip().to_canonical().to_string(),
            client_port: peer.port(),
            peer_ip: peer.ip().to_canonical(),
            remote_host: RemoteHost::Unknown,
            local_host: None,
            local_ip: local.ip().to_canonical().to_string(),
            local_addr: local.ip().to_canonical(),
            local_port: local.port(),
            host_lc: Vec::with_capacity(64),
            env: EnvTable::new(),
            ids: LogIds::default(),
            dir: cfg.servers[0].sections.base().clone(),
            cfg,
            track: Default::default(),
            forensic: Default::default(),
            cookie_note: Vec::new(),
            cookie_hdr: Vec::new(),
            base,
            timeout: base_conn.timeout,
            ka_wait: base_conn.keepalive_timeout,
            trailers: Vec::new(),
        }
    }

    /// Serves the connection until it closes.
    ///
    /// (Not an `async fn`: one moves its arguments into locals of the
    /// future, so the future would hold the connection twice; the block
    /// uses the captured connection in place, which keeps an idle
    /// connection's task about 1.6 KiB smaller.)
    #[allow(clippy::manual_async_fn)]
    fn run(mut self) -> impl std::future::Future<Output = ()> + Send {
        async move {
            let mut rx = self.shutdown.receiver();
            let changed = std::pin::pin!(rx.changed());
            wait::register(changed).await;
            loop {
                // Move a pipelined remainder to the front.
                if self.pos == self.end {
                    self.pos = 0;
                    self.end = 0;
                } else if self.pos > 0 {
                    self.buf.copy_within(self.pos..self.end, 0);
                    self.end -= self.pos;
                    self.pos = 0;
                }
                if self.buf.len() > READ_BUF && self.end <= READ_BUF {
                    self.buf.truncate(READ_BUF);
                    self.buf.shrink_to(READ_BUF);
                }
                if self.pos == self.end {
                    self.release_buffers();
                }
                let wait = self.read_head().await;
                let keep = match wait {
                    HeadWait::Closed => return,
                    HeadWait::Timeout => {
                        self.timed_out().await;
                        self.linger().await;
                        return;
                    }
                    HeadWait::Parsed(p) => self.request(p).await,
                };
                self.served += 1;
                if !keep {
                    self.linger().await;
                    return;
                }
            }
        }
    }

    /// Closes the connection the way Apache's lingering close does: stop
    /// sending, then read and drop what the client still sends for a short
    /// while, so that unread request bytes do not make the kernel reset the
    /// connection before the client has read the response.
    async fn linger(&mut self) {
        if self.reply.aborted || self.stream.shutdown().await.is_err() {
            return;
        }
        let deadline = tokio::time::Instant::now() + LINGER_MAX;
        let mut drained = 0usize;
        while drained < LINGER_BYTES {
            let read = tokio::time::timeout_at(deadline, self.stream.read(&mut self.buf[..]));
            match read.await {
                Ok(Ok(n)) if n > 0 => drained += n,
                _ => return,
            }
        }
    }

    /// Reads until a request head is complete or refused.
    async fn read_head(&mut self) -> HeadWait {
        let limits = self.cfg.servers[self.base].conn.limits;
        loop {
            if self.end > self.pos {
                match self.head.parse(&mut self.buf[self.pos..self.end], &limits) {
                    Parse::Partial => {}
                    Parse::Error(_) if self.head.short && self.read_ready() => continue,
                    p => return HeadWait::Parsed(p),
                }
            }
            let idle = self.end == self.pos;
            if idle && self.shutdown.stopping() {
                return HeadWait::Closed;
            }
            if self.buf.is_empty() {
                if let Some(w) = self.wait_readable().await {
                    return w;
                }
            }
            if self.end == self.buf.len() {
                if self.buf.len() >= READ_BUF_MAX {
                    return HeadWait::Closed;
                }
                let n = (self.buf.len() * 2).min(READ_BUF_MAX);
                self.buf.resize(n, 0);
            }
            let limit = if idle && self.served > 0 {
                self.ka_wait
            } else if self.line_read() {
                // Header fields: the base server's Timeout.
                self.cfg.servers[self.base].conn.timeout
            } else {
                self.timeout
            };
            // A wait for the next request also ends when the server stops.
            let (stream, stop) = (&mut self.stream, &self.shutdown);
            let mut rb = tokio::io::ReadBuf::new(&mut self.buf[self.end..]);
            let r = wait::timed(&mut self.timer, limit, |cx| {
                if idle && stop.stopping() {
                    return Poll::Ready(None);
                }
                Pin::new(&mut *stream)
                    .poll_read(cx, &mut rb)
                    .map(|r| Some(r.map(|()| rb.filled().len())))
            })
            .await;
            match r {
                Some(None) | Some(Some(Ok(0))) | Some(Some(Err(_))) => return HeadWait::Closed,
                Some(Some(Ok(n))) => self.end += n,
                None if idle && self.served > 0 => return HeadWait::Closed,
                None => return HeadWait::Timeout,
            }
        }
    }

    /// Whether the unconsumed bytes hold a complete request line (after
    /// any empty lines).
    fn line_read(&self) -> bool {
        let mut i = self.pos;
        while let Some(lf) = memchr::memchr(b'\n', &self.buf[i..self.end]) {
            let line = &self.buf[i..i + lf];
            if !line.is_empty() && line != b"\r" {
                return true;
            }
            i += lf + 1;
        }
        false
    }

    /// Reads whatever the peer has already sent, without waiting (httpd
    /// decides on an over-long line with the bytes its read returned).
    /// Returns whether anything was read.
    fn read_ready(&mut self) -> bool {
        let mut got = false;
        loop {
            if self.end == self.buf.len() {
                if self.buf.len() >= READ_BUF_MAX {
                    return got;
                }
                let n = (self.buf.len() * 2).min(READ_BUF_MAX);
                self.buf.resize(n, 0);
            }
            match self.stream.try_read(&mut self.buf[self.end..]) {
                Ok(n) if n > 0 => {
                    self.end += n;
                    got = true;
                }
                _ => return got,
            }
        }
    }

    /// `Timeout` passed while a request was being read. Like Apache: a
    /// request line that never completed gets no answer; one whose header
    /// never completed gets a 408, logged on any request; an incomplete
    /// request line is logged on the first request of a connection only.
    async fn timed_out(&mut self) {
        let received = (self.end - self.pos) as u64;
        self.bytes_in += received;
        // Refused before the Host could choose a server: the base
        // server's.
        self.reply = Reply {
            status: 408,
            request_time_us: now_us(),
            dash: true,
            server: self.base,
            ..Reply::default()
        };
        self.new_request_ids();
        self.uri.clear();
        // Re-parse to learn how far the head got (fields httpd stored
        // are logged).
        let limits = self.cfg.servers[self.base].conn.limits;
        let p = self.head.parse(&mut self.buf[self.pos..self.end], &limits);
        self.head.finish(&mut self.buf[self.pos..self.end]);
        let has_line = self.head.has_line && p == Parse::Partial && self.head.method.is_some();
        if has_line {
            self.reply.dash = false;
            self.prepare_uri();
            let src = Extra::src("protocol.c(1481)");
            self.elog(Module::Core, Level::Debug, src, "AH00567", |_, m| {
                m.extend_from_slice(b"request failed: error reading the headers")
            });
            self.error_response(408, Detail::None, false);
            self.send_out().await;
        } else {
            self.head.has_line = false;
        }
        self.pos = self.end;
        // A later request on the connection is logged only once its
        // request line was read (httpd logs its 408 then).
        if self.keepalives == 0 || has_line {
            self.log().await;
        }
    }

    /// Fills `self.uri` (and the query) from the parsed target.
    fn prepare_uri(&mut self) {
        self.uri.clear();
        match (&self.head.method, &self.head.target) {
            (None, _) => self.reply.dash = true,
            (Some(_), None) => {
                self.uri.push(b'/');
                self.reply.uri_error = 400;
            }
            (Some(m), Some(t))
                if &self.buf[m.clone()] == b"CONNECT"
                    && !uri::connect_target(&self.buf[t.clone()]) =>
            {
                // httpd parses a CONNECT target as an authority only; one
                // that is not is refused with 400 and stays whole as the
                // URI (no query split off, nothing decoded).
                self.uri.extend_from_slice(&self.buf[t.clone()]);
                self.reply.uri_error = 400;
            }
            (Some(m), Some(t)) if &self.buf[m.clone()] == b"CONNECT" => {
                // httpd: the authority stands for the Host header, the
                // path is `/`.
                self.uri.push(b'/');
                if crate::http::request::valid_host(&self.buf[t.clone()]) {
                    self.reply.vhost = Some(t.clone());
                    self.reply.host_from_uri = true;
                } else {
                    self.reply.uri_error = 400;
                }
            }
            (Some(_), Some(t)) => {
                let base = t.start;
                let target = &self.buf[t.clone()];
                let r = uri::process(target, &mut self.uri, &mut self.scratch);
                self.reply.uri_error = match r.status {
                    uri::UriStatus::Ok => 0,
                    uri::UriStatus::Bad => 400,
                    uri::UriStatus::NotFound => 404,
                };
                self.reply.query = r.query.map(|q| base + q.start..base + q.end);
                if let Some(h) = r.host {
                    if crate::http::request::valid_host(&target[h.clone()]) {
                        // httpd takes the host of an absolute `http:` target
                        // for the Host header (and the virtual host).
                        self.reply.vhost = Some(base + h.start..base + h.end);
                        self.reply.host_from_uri = true;
                    } else {
                        self.reply.uri_error = 400;
                    }
                }
                if r.password {
                    // Logged with the password masked.
                    let line = self.head.line.clone();
                    self.rline.clear();
                    self.rline.extend_from_slice(&self.buf[line.start..t.start]);
                    uri::mask_password(target, &mut self.rline);
                    self.rline.extend_from_slice(&self.buf[t.end..line.end]);
                    self.reply.line_masked = true;
                }
            }
        }
    }

    /// Serves one parsed (or refused) request; returns whether to keep the
    /// connection.
    async fn request(&mut self, p: Parse) -> bool {
        // The response-header list keeps its allocation from request to
        // request.
        let mut headers_out = std::mem::take(&mut self.reply.headers_out);
        headers_out.clear();
        self.reply = Reply {
            request_time_us: now_us(),
            headers_out,
            ..Reply::default()
        };
        self.trailers.clear();
        self.new_request_ids();
        self.prepare_uri();
        if self.reply.vhost.is_none() {
            self.reply.vhost = self.head.host.clone();
        }
        self.host_lc.clear();
        if let Some(h) = self.reply.vhost.clone() {
            let h = &self.buf[h];
            // A malformed or empty Host sets no host name (httpd answers
            // 400 and logs the server's name for %V). (A head that parsed
            // had its Host header checked.)
            let checked = p == Parse::Done && !self.reply.host_from_uri;
            let h = if checked || crate::http::request::valid_host(h) {
                h
            } else {
                b""
            };
            // httpd's r->hostname: no port, no IPv6 brackets, no trailing
            // dot, lower case.
            let h = if h.first() == Some(&b'[') {
                let end = memchr::memchr(b']', h).unwrap_or(h.len());
                &h[1..end]
            } else {
                match memchr::memrchr(b':', h) {
                    Some(p) => &h[..p],
                    None => h,
                }
            };
            let h = h.strip_suffix(b".").unwrap_or(h);
            self.host_lc
                .extend(h.iter().map(|b| b.to_ascii_lowercase()));
        }
        // A target refused with the request line: its host is `%V`, but
        // the server is chosen by address and no Host header is logged.
        let early = matches!(p, Parse::Error(_)) && self.reply.host_from_uri && !self.head.no_host;
        self.reply.host_from_uri &= !early;
        if let Some(w) = &self.cfg.wasd {
            // WASD: the service the Host names, else the interface's base
            // service (an unknown service when a Host named none).
            let host = (!self.host_lc.is_empty() && !early).then_some(&self.host_lc[..]);
            let sel = w.select(self.local_addr, self.local_port, host);
            self.reply.server = sel.server;
            self.reply.wasd_unknown = !sel.known;
        } else if !self.cfg.vhosts.is_empty() {
            let host = (!self.host_lc.is_empty() && !early).then_some(&self.host_lc[..]);
            self.reply.server = self
                .cfg
                .vhosts
                .select(self.local_addr, self.local_port, host)
                .map_or(0, |i| i + 1);
        }
        self.begin_track(matches!(p, Parse::Error(_)));
        if self.local_pending() {
            self.lookup_local().await;
        }
        let head_len = self.head.len;
        if let Parse::Error(e) = p {
            self.head_error_log(e);
            self.bytes_in += head_len as u64;
            self.pos += head_len.min(self.end - self.pos);
            let (status, detail) = match e {
                HeadError::LineTooLong => (414, Detail::None),
                HeadError::FieldTooLong | HeadError::FoldTooLong | HeadError::MergedTooLong => {
                    (400, Detail::FieldTooLong)
                }
                HeadError::TooManyFields => (400, Detail::TooManyFields),
                HeadError::Bad | HeadError::Unreadable => (400, Detail::None),
            };
            self.reply.note = e.note();
            self.error_response(status, detail, false);
            if self.head_is_head() {
                // A HEAD request line was understood: no body.
                self.header_only();
            }
            self.send_out().await;
            self.log().await;
            return false;
        }
        self.bytes_in += head_len as u64;
        let body_start = self.pos + head_len;
        // The chosen server's Timeout for the body and the response; its
        // KeepAliveTimeout for the next wait if it sets one, else the base
        // server's (httpd's event MPM).
        let sc = self.cfg.servers[self.reply.server].conn;
        self.timeout = sc.timeout;
        self.ka_wait = if sc.keepalive_timeout_set {
            sc.keepalive_timeout
        } else {
            self.cfg.servers[self.base].conn.keepalive_timeout
        };
        let http09 = self.head.version == Version::Http09;
        let method = self.head.method.clone().unwrap_or(0..0);
        // Expectations, checked with the Host, before the post-read-request
        // step (so no SetEnvIf): anything but `100-continue` is refused
        // with 417, which does not itself drop the connection, but httpd
        // stops reading from it.
        let mut expect_continue = false;
        if let Some(e) = self.head.expect.clone() {
            let mut v = self.buf[e].trim_ascii().to_vec();
            if self.head.expect_many {
                // httpd sees the values joined.
                v.clear();
                for (n, val) in &self.head.headers {
                    if self.buf[n.clone()].eq_ignore_ascii_case(b"expect") {
                        if !v.is_empty() {
                            v.extend_from_slice(b", ");
                        }
                        v.extend_from_slice(&self.buf[val.clone()]);
                    }
                }
            }
            if v.eq_ignore_ascii_case(b"100-continue") {
                expect_continue = true;
                self.reply.expecting_100 = true;
            } else if !v.is_empty() {
                self.elog(
                    Module::Core,
                    Level::Info,
                    Extra::default(),
                    "AH00570",
                    |_, m| {
                        m.extend_from_slice(
                            b"client sent an unrecognized expectation value of Expect: ",
                        );
                        m.extend_from_slice(&v);
                    },
                );
                self.pos = body_start;
                self.error_response(417, Detail::Expect(&v), http09);
                if self.head_is_head() {
                    self.header_only();
                }
                self.send_out().await;
                self.log().await;
                return false;
            }
        }

        // Post-read-request: mod_unique_id and mod_log_forensic first,
        // then SetEnvIf (which may ask for the client's name).
        self.forensic_begin();
        let base = self.dir_conf().core.hostname_lookups;
        if self.rules_need_lookup(&self.cfg.servers[self.reply.server].env.rules, base) {
            self.lookup_remote(base).await;
        }
        if self.set_env_early().is_err() {
            // A `$n` substitution over httpd's limit: 500, as AH01505.
            self.pos = body_start;
            self.error_response(500, Detail::None, http09);
            self.send_out().await;
            self.log().await;
            return false;
        }

        // Per-directory settings, access check and fixups (not reached
        // when the target was refused), before the handler reads the body
        // as in httpd.
        // TRACE and `OPTIONS *` are answered when httpd maps the URI to
        // storage: the file name is the document root joined with the
        // URI, and no walk, access check or fixup runs.
        let early_answer = {
            let m = &self.buf[method.clone()];
            m == b"TRACE" || (m == b"OPTIONS" && self.uri == b"*")
        };
        let denied = if early_answer {
            if self.reply.uri_error == 0 {
                self.translate_only();
            }
            false
        } else {
            self.reply.uri_error == 0 && !self.per_dir_request().await
        };
        if self.local_pending() {
            self.lookup_local().await;
        }
        // mod_usertrack's fixup (TRACE and `*` are answered before it).
        if self.reply.uri_error == 0
            && !denied
            && self.uri != b"*"
            && &self.buf[method.clone()] != b"TRACE"
        {
            self.usertrack();
        }

        // TraceEnable on: a TRACE with a body is refused (413) before the
        // body is read.
        if early_answer
            && self.reply.uri_error == 0
            && &self.buf[method.clone()] == b"TRACE"
            && (self.head.chunked || self.head.content_length.unwrap_or(0) > 0)
        {
            self.reply.note = Some(b"TRACE with a request body is not allowed");
            self.reply.trace_refused = true;
            self.error_response(413, Detail::Method(b"TRACE"), http09);
            self.send_out().await;
            self.log().await;
            return false;
        }

        // The request body is read and thrown away before answering, so
        // the connection can stay open.
        let read = self.discard_body(body_start, expect_continue).await;
        if read.is_err()
            && !early_answer
            && !denied
            && self.reply.uri_error == 0
            && self.uri.last() == Some(&b'/')
            && std::fs::metadata(&self.path).is_ok_and(|m| m.is_dir())
        {
            // httpd reads the body in the handler, after mod_dir's fixup
            // has made a directory's request its index's (URI, file name,
            // per-directory settings): the body's error is the index's.
            let _ = self.directory_index();
        }
        if let Err(e @ (BodyError::TooLarge(..) | BodyError::Overflow)) = read {
            // LimitRequestBody or a chunk-size overflow: 413 (with an
            // error page already chosen, 403 or 404, as its "Additionally"
            // paragraph), no cookie.
            self.reply.set_cookie = None;
            self.uri_error_log();
            if let BodyError::TooLarge(n, limit) = e {
                let (ah, what): (&str, &[u8]) = if self.head.chunked {
                    ("AH01591", b"Read content length of ")
                } else {
                    ("AH01588", b"Requested content-length of ")
                };
                self.elog(Module::Http, Level::Info, Extra::default(), ah, |_, m| {
                    let mut ib = itoa::Buffer::new();
                    m.extend_from_slice(what);
                    m.extend_from_slice(ib.format(n).as_bytes());
                    m.extend_from_slice(b" is larger than the configured limit of ");
                    m.extend_from_slice(ib.format(limit).as_bytes());
                });
            } else {
                let e = Extra::errno(libc::ENOSPC);
                self.elog(Module::Http, Level::Info, e, "AH01590", |_, m| {
                    m.extend_from_slice(b"Error reading/parsing chunk (overflow) ")
                });
            }
            self.reply.additionally = match self.reply.uri_error {
                0 if denied => 403,
                s => s,
            };
            // httpd counts the first error page in the bytes sent, though
            // only the 413 page goes out.
            let mut first = 0;
            if self.reply.additionally != 0 {
                // The first page is the ErrorDocument text when one is
                // set for its status, else the built-in page.
                first = match self.custom_response(self.reply.additionally) {
                    errordoc::Custom::Text(t) => t.len() as u64,
                    _ => {
                        let mut page = Vec::new();
                        pages::error_body(self.reply.additionally, Detail::None, &mut page);
                        page.len() as u64
                    }
                };
            } else if self.uri != b"*"
                && !self.uri.is_empty()
                && self.uri.last() != Some(&b'/')
                && std::fs::metadata(&self.path).is_ok_and(|m| m.is_dir())
            {
                // mod_dir's fixup answered the directory first: its 301.
                self.reply.handler = Some(b"httpd/unix-directory");
                self.redirect_slash(http09);
                first = self.reply.bytes_sent;
                self.reply.additionally = 301;
            }
            let m = self.buf[method.clone()].to_vec();
            self.error_response(413, Detail::Method(&m), http09);
            self.reply.bytes_sent += first;
            if self.head_is_head() && !http09 {
                self.header_only();
            }
            self.send_out().await;
            self.log().await;
            return false;
        }
        if let Err(e) = read {
            // httpd's body-read error page goes out without the cookie
            // (the note stays).
            self.reply.set_cookie = None;
            let timeout = matches!(e, BodyError::Timeout);
            if matches!(e, BodyError::BadChunk) {
                self.reply.bad_chunk = true;
                let e = Extra::errno(libc::EINVAL);
                self.elog(Module::Http, Level::Info, e, "AH01590", |_, m| {
                    m.extend_from_slice(b"Error reading/parsing chunk  ")
                });
            }
            self.error_response(if timeout { 408 } else { 400 }, Detail::None, http09);
            self.send_out().await;
            self.log().await;
            return false;
        }

        self.uri_error_log();
        let m = &self.buf[method.clone()];
        let is_get = m == b"GET" || m == b"HEAD" || m == b"POST";
        let head_only = m == b"HEAD";
        // mod_dir's fixups run for every method: the slash redirect and
        // the index (GET, HEAD and POST meet them in `static_file`).
        let mut fixed = false;
        if !is_get && !early_answer && !denied && self.reply.uri_error == 0 {
            fixed = self.dir_fixups(http09);
        }
        let m = &self.buf[method.clone()];
        match self.reply.uri_error {
            _ if fixed => {}
            400 => self.error_response(400, Detail::None, http09),
            // A path httpd refuses to map (`%2F`, `%00`) is answered 404
            // before any handler looks at the method, whatever it is.
            404 => self.error_response(404, Detail::None, http09),
            _ if self.reply.wasd_redirect.is_some() => {
                let loc = self.reply.wasd_redirect.take().unwrap_or_default();
                self.error_response(302, Detail::Location(&loc), http09);
            }
            _ if denied => self.error_response(403, Detail::None, http09),
            _ if m == b"OPTIONS" => self.options(),
            _ if m == b"TRACE" => self.trace(),
            _ if !is_get => {
                let m = m.to_vec();
                let known = KNOWN_METHODS.contains(&&m[..]);
                let status = if known { 405 } else { 501 };
                if !known {
                    self.elog(
                        Module::Core,
                        Level::Error,
                        Extra::default(),
                        "AH00135",
                        |c, m| {
                            m.extend_from_slice(b"Invalid method in request ");
                            m.extend_from_slice(&c.buf[c.head.line.clone()]);
                        },
                    );
                }
                self.error_response(status, Detail::Method(&m), http09);
            }
            _ if self.uri == b"*" => self.error_response(400, Detail::None, http09),
            _ => {
                if self.static_file(head_only, http09).await {
                    // The body was streamed by `static_file`.
                    let from_file = self.reply.bytes_sent > 0;
                    return self.finish_request(from_file).await;
                }
            }
        }
        if let Some((status, url)) = self.reply.pending_errdoc.take() {
            if self.error_redirect(status, &url, head_only, http09).await {
                let from_file = self.reply.bytes_sent > 0;
                return self.finish_request(from_file).await;
            }
        }
        if head_only && !http09 {
            // A HEAD answer carries no body.
            self.header_only();
        }
        self.send_out().await;
        self.finish_request(false).await
    }

    /// Logs the request and, on a kept connection, looks at what the client
    /// already sent as httpd's `check_pipeline` does: it peeks at the next
    /// byte (two after a CR) and reads away empty lines, and mod_logio
    /// counts those bytes. They land in this request's `%I` unless its
    /// response went out from a file (httpd logs those before the check),
    /// else in the next one's. Returns whether to keep the connection.
    async fn finish_request(&mut self, from_file: bool) -> bool {
        if !self.reply.keepalive || self.reply.aborted {
            self.log().await;
            return false;
        }
        if from_file {
            self.log().await;
        }
        let mut count = 0u64;
        let mut blanks = 0usize;
        let mut keep = true;
        while self.pos < self.end {
            let avail = &self.buf[self.pos..self.end];
            count += 1;
            let n = match avail {
                [b'\n', ..] => 1,
                [b'\r'] => {
                    count += 1;
                    break;
                }
                [b'\r', b'\n', ..] => {
                    count += 2;
                    2
                }
                [b'\r', _, ..] => {
                    count += 2;
                    break;
                }
                _ => break,
            };
            blanks += 1;
            if blanks > PIPELINE_BLANK_LINES {
                keep = false;
                break;
            }
            count += n as u64;
            self.pos += n;
        }
        self.bytes_in += count;
        if !from_file {
            self.reply.keepalive &= keep;
            self.log().await;
        }
        keep
    }

    /// Drops the body from the response in `out`.
    fn header_only(&mut self) {
        let hdr_end =
            memchr::memmem::find(&self.out, b"\r\n\r\n").map_or(self.out.len(), |p| p + 4);
        self.out.truncate(hdr_end);
        self.reply.bytes_sent = 0;
    }

    /// The post-read-request step: runs the server's SetEnvIf rules on the
    /// request as received.
    fn set_env_early(&mut self) -> Result<(), crate::setenv::SubstitutionTooLong> {
        if self.cfg.servers[self.reply.server].env.rules.is_empty() {
            return Ok(());
        }
        let cfg = self.cfg.clone();
        let rules = &cfg.servers[self.reply.server].env.rules;
        let b = &self.buf[..];
        let empty: &[u8] = b"";
        let mut fields_small: [Field<'_>; FIELDS_STACK] = [(empty, empty); FIELDS_STACK];
        let mut fields_big: Vec<Field<'_>> = Vec::new();
        let fields: &mut [Field<'_>] = if self.head.headers.len() <= FIELDS_STACK {
            &mut fields_small[..]
        } else {
            fields_big.resize(self.head.headers.len(), (empty, empty));
            &mut fields_big[..]
        };
        let n = fill_fields(b, &self.head, fields, usize::MAX);
        // Request_URI at this stage: the path as received, query removed.
        let uri = match &self.head.target {
            Some(t) => {
                let t = &b[t.clone()];
                &t[..memchr::memchr(b'?', t).unwrap_or(t.len())]
            }
            None => empty,
        };
        let view = RequestView {
            remote_host: lookups::remote_value(&self.remote_host, &self.client_ip),
            remote_addr: self.client_ip.as_bytes(),
            server_addr: self.local_ip.as_bytes(),
            method: self.head.method.clone().map_or(empty, |m| &b[m]),
            protocol: &self.head.protocol_log,
            uri,
            headers: &fields[..n],
        };
        rules.apply(&view, &mut self.env)
    }

    /// Reads and discards the request body that starts at `body_start`.
    async fn discard_body(
        &mut self,
        body_start: usize,
        expect_continue: bool,
    ) -> Result<(), BodyError> {
        // LimitRequestBody of the request's directory (httpd 2.4.71's
        // default: 1 GiB; 0: none).
        let dir = if self.reply.walked {
            &self.dir
        } else {
            self.cfg.servers[self.reply.server].sections.base()
        };
        let limit = dir.core.limit_request_body.unwrap_or(1 << 30);
        let line_limit = self.cfg.servers[self.reply.server].conn.limits.field_size as u64;
        let mut chunked = self
            .head
            .chunked
            .then(|| Chunked::with_limit(limit).line_limit(line_limit));
        let mut left = if chunked.is_some() {
            u64::MAX
        } else {
            self.head.content_length.unwrap_or(0)
        };
        self.pos = body_start;
        if left == 0 {
            return Ok(());
        }
        if chunked.is_none() && limit > 0 && left > limit {
            // Refused on the announced length, before reading (or asking
            // for) any of the body.
            return Err(BodyError::TooLarge(left, limit));
        }
        if expect_continue && self.head.version == Version::Http11 {
            self.reply.expecting_100 = false;
            let msg: &[u8] = b"HTTP/1.1 100 Continue\r\n\r\n";
            if self.stream.write_all(msg).await.is_err() {
                self.reply.aborted = true;
                return Err(BodyError::Bad);
            }
            self.bytes_out += msg.len() as u64;
        }
        loop {
            // Consume what is buffered.
            let avail = &self.buf[self.pos..self.end];
            let used = match &mut chunked {
                Some(c) => {
                    let n = match c.feed(avail) {
                        Ok(n) => n,
                        Err(e) => {
                            // httpd read the offending line whole: it
                            // counts in %I.
                            let used = c.used_before_error();
                            self.pos += used;
                            self.bytes_in += used as u64;
                            return Err(match e {
                                ChunkError::Invalid => BodyError::BadChunk,
                                ChunkError::Overflow => BodyError::Overflow,
                            });
                        }
                    };
                    if c.over_limit() {
                        self.pos += n;
                        self.bytes_in += n as u64;
                        return Err(BodyError::TooLarge(c.data_len(), limit));
                    }
                    if c.is_done() {
                        left = 0;
                        // The trailer fields, for `%{..}^ti`.
                        self.trailers.clear();
                        self.trailers.extend_from_slice(c.trailers());
                    }
                    n
                }
                None => {
                    let n = left.min(avail.len() as u64) as usize;
                    left -= n as u64;
                    n
                }
            };
            self.pos += used;
            self.bytes_in += used as u64;
            if left == 0 {
                return Ok(());
            }
            // Keep the head in place; reuse the space after it.
            self.end = body_start;
            self.pos = body_start;
            if self.end == self.buf.len() {
                self.buf.resize(self.buf.len() + READ_BUF, 0);
            }
            let read =
                tokio::time::timeout(self.timeout, self.stream.read(&mut self.buf[self.end..]));
            match read.await {
                Ok(Ok(n)) if n > 0 => self.end += n,
                Ok(Ok(_)) => {
                    // The client stopped sending: httpd still answers 400
                    // (the connection is not aborted) and logs no chunk
                    // error.
                    self.reply.body_eof = true;
                    return Err(BodyError::Bad);
                }
                // The chosen server's Timeout passed: httpd answers 408.
                Err(_) => return Err(BodyError::Timeout),
                Ok(Err(_)) => {
                    self.reply.aborted = true;
                    return Err(BodyError::Bad);
                }
            }
        }
    }

    /// Writes the status line and the headers every response starts with.
    fn start(&mut self, status: u16) {
        self.reply.status = status;
        self.out.clear();
        self.reply.headers_out.clear();
        self.out.extend_from_slice(b"HTTP/1.1 ");
        self.out
            .extend_from_slice(itoa::Buffer::new().format(status).as_bytes());
        self.out.push(b' ');
        self.out.extend_from_slice(pages::reason(status).as_bytes());
        self.out.extend_from_slice(b"\r\n");
        // Date and Server are added by httpd's header filter, after the
        // response headers `%{..}o` sees: they are sent but not recorded.
        self.out.extend_from_slice(b"Date: ");
        date::append_cached(
            self.reply.request_time_us.div_euclid(1_000_000),
            &mut self.out,
        );
        self.out.extend_from_slice(b"\r\nServer: ");
        self.out.extend_from_slice(self.cfg.banner.as_bytes());
        self.out.extend_from_slice(b"\r\n");
        // httpd's err_headers_out (mod_usertrack's cookie) come first.
        if let Some((n, v)) = self
            .reply
            .redirect
            .as_ref()
            .and_then(|o| o.set_cookie.as_ref())
        {
            header(&mut self.out, &mut self.reply.headers_out, n, v);
        }
        if let Some(n) = self.reply.set_cookie {
            header(
                &mut self.out,
                &mut self.reply.headers_out,
                n,
                &self.cookie_hdr,
            );
        }
        let track = self.cfg.servers[self.reply.server].track.as_ref();
        let now = self.reply.request_time_us;
        if let Some(v) = self.track.set_cookie(track, &self.host_lc, now) {
            header(&mut self.out, &mut self.reply.headers_out, b"Set-Cookie", v);
        }
    }

    /// WASD tracking: the request's token from its cookie, or a new one
    /// (none for a request refused before its headers were read).
    fn begin_track(&mut self, refused: bool) {
        let track = self.cfg.servers[self.reply.server].track.as_ref();
        if refused || track.is_none() {
            self.track.clear();
            return;
        }
        let b = &self.buf[..];
        let cookies = self
            .head
            .headers
            .iter()
            .filter(|(n, _)| b[n.clone()].eq_ignore_ascii_case(b"Cookie"))
            .map(|(_, v)| &b[v.clone()]);
        self.track
            .begin(track, cookies, self.local_addr, self.reply.request_time_us);
    }

    /// Decides keep-alive like Apache's `ap_set_keepalive` and writes the
    /// `Keep-Alive`/`Connection` headers.
    fn connection_headers(&mut self) {
        let h = &self.head;
        let sc = self.cfg.servers[self.reply.server].conn;
        let max = sc.max_keepalive;
        let wanted = sc.keepalive
            && !self.reply.expecting_100
            && !drops_connection(self.reply.status)
            && !h.conn_close
            && !self.shutdown.stopping()
            // HTTP/1.0 keeps the connection only for a body with a length.
            && (h.version == Version::Http11
                || (h.version == Version::Http10 && h.conn_keep_alive && !self.reply.no_length));
        let left = max as i64 - self.keepalives as i64;
        if wanted && (max == 0 || left > 0) {
            self.reply.keepalive = true;
            self.keepalives += 1;
            if h.conn_keep_alive {
                // The client sent a keep-alive token: httpd answers one.
                let mut v = b"timeout=".to_vec();
                v.extend_from_slice(
                    itoa::Buffer::new()
                        .format(sc.keepalive_timeout.as_secs())
                        .as_bytes(),
                );
                if max > 0 {
                    v.extend_from_slice(b", max=");
                    v.extend_from_slice(itoa::Buffer::new().format(left).as_bytes());
                }
                header(
                    &mut self.out,
                    &mut self.reply.headers_out,
                    b"Keep-Alive",
                    &v,
                );
                header(
                    &mut self.out,
                    &mut self.reply.headers_out,
                    b"Connection",
                    b"Keep-Alive",
                );
            }
        } else {
            if wanted {
                // MaxKeepAliveRequests reached: Apache counts it once more.
                self.keepalives += 1;
            }
            self.reply.keepalive = false;
            header(
                &mut self.out,
                &mut self.reply.headers_out,
                b"Connection",
                b"close",
            );
        }
    }

    fn content_type(&mut self, v: &[u8]) {
        header(
            &mut self.out,
            &mut self.reply.headers_out,
            b"Content-Type",
            v,
        );
        self.reply.content_type = self.reply.headers_out.last().map(|h| h.1.clone());
    }

    /// Builds an error response in the response buffer: Apache's page, or
    /// on a WASD service its report (see [`crate::wasd_report`]).
    #[track_caller]
    fn error_response(&mut self, status: u16, detail: Detail<'_>, http09: bool) {
        let caller = std::panic::Location::caller();
        // ErrorDocument or [ErrorReportPath] (see `errordoc`).
        let mut custom = self.custom_response(status);
        let method: Vec<u8>;
        let (status, detail) = if let errordoc::Custom::WasdFallback(o) = custom {
            // The report page failed: the original request's own report.
            self.undo_redirect();
            custom = errordoc::Custom::None;
            method = self
                .head
                .method
                .clone()
                .map_or_else(Vec::new, |m| self.buf[m].to_vec());
            let d = match o {
                405 | 501 => Detail::Method(&method),
                _ => Detail::None,
            };
            (o, d)
        } else {
            (status, detail)
        };
        let wasd = self.cfg.servers[self.report_server()].report.clone();
        let final_status = status;
        self.reply.keepalives_before = self.keepalives;
        let (status, detail) = match &custom {
            errordoc::Custom::Remote(u) => (302, Detail::Location(u.as_bytes())),
            errordoc::Custom::Recursive(o) if *o == 405 || *o == 501 => {
                (*o, Detail::Method(b"GET"))
            }
            errordoc::Custom::Recursive(o) => (*o, Detail::None),
            _ => (status, detail),
        };
        let mut body = std::mem::take(&mut self.file_buf);
        body.clear();
        match &custom {
            errordoc::Custom::Text(t) => body.extend_from_slice(t.as_bytes()),
            errordoc::Custom::Recursive(o) => {
                pages::error_body(status, detail, &mut body);
                Self::additionally(*o, &mut body);
                self.signature(&mut body);
            }
            _ if self.reply.additionally != 0 && wasd.is_none() => {
                pages::error_body(status, detail, &mut body);
                Self::additionally(self.reply.additionally, &mut body);
            }
            _ => match &wasd {
                Some(rep) => {
                    let srv = &self.cfg.servers[self.reply.server];
                    let file = caller.file();
                    let module = file
                        .rsplit('/')
                        .next()
                        .unwrap_or(file)
                        .trim_end_matches(".rs");
                    let r = crate::wasd_report::Report {
                        status,
                        detail,
                        path: &self.uri,
                        host: &srv.server_name,
                        port: srv.port,
                        source: (module, caller.line()),
                    };
                    rep.render(&r, &mut body);
                }
                None => {
                    pages::error_body(status, detail, &mut body);
                    self.signature(&mut body);
                }
            },
        }
        if http09 {
            // No header is sent; those httpd records go ahead of the body.
            self.reply.status = status;
            self.out.clear();
            self.reply.headers_out.clear();
            if let Detail::Location(l) = detail {
                header(&mut self.out, &mut self.reply.headers_out, b"Location", l);
            }
            // The type the request had (a directory's) stays recorded.
            if self.reply.handler == Some(b"httpd/unix-directory") {
                self.content_type(b"httpd/unix-directory");
            }
            header_num(
                &mut self.out,
                &mut self.reply.headers_out,
                b"Content-Length",
                body.len() as u64,
            );
            self.connection_headers();
            self.reply.send_from = self.out.len();
            self.out.extend_from_slice(&body);
        } else {
            self.start(status);
            match detail {
                Detail::Location(l) => {
                    header(&mut self.out, &mut self.reply.headers_out, b"Location", l)
                }
                Detail::Method(_) if status == 405 || status == 501 => {
                    header(&mut self.out, &mut self.reply.headers_out, b"Allow", ALLOW)
                }
                _ => {}
            }
            let head_only = self.head_is_head();
            // httpd sends its 416 page without a length (a WASD report has
            // one): chunked on HTTP/1.1 when the connection was to be kept
            // (see below), else up to the close.
            let apache416 = status == 416 && wasd.is_none();
            // Its 413 goes out without a length on a connection it closes
            // (the one refusing a TRACE with a body has one).
            let apache413 = status == 413 && wasd.is_none() && !self.reply.trace_refused;
            // So does the 400 for a malformed chunked body.
            let apache400 = status == 400 && self.reply.bad_chunk && wasd.is_none();
            if apache416 || apache413 || apache400 {
                self.reply.no_length = !head_only;
            } else if !head_only {
                header_num(
                    &mut self.out,
                    &mut self.reply.headers_out,
                    b"Content-Length",
                    body.len() as u64,
                );
            }
            let mut kept = false;
            if apache416 {
                // httpd decides keep-alive twice for a 416 (the range
                // response, then the error page): the count goes up twice,
                // and only a connection the first decision kept gets a
                // chunked page.
                let (o, h) = (self.out.len(), self.reply.headers_out.len());
                self.connection_headers();
                kept = self.reply.keepalive;
                self.out.truncate(o);
                self.reply.headers_out.truncate(h);
            }
            let chunked = kept && !head_only && self.head.version == Version::Http11;
            if chunked {
                header(
                    &mut self.out,
                    &mut self.reply.headers_out,
                    b"Transfer-Encoding",
                    b"chunked",
                );
            }
            // A redirect standing in for an error that drops the
            // connection (ErrorDocument to a URL) still drops it.
            let shown = self.reply.status;
            if drops_connection(final_status) {
                self.reply.status = final_status;
            }
            self.connection_headers();
            self.reply.status = shown;
            self.content_type(if wasd.is_some() {
                crate::wasd_report::CONTENT_TYPE
            } else {
                b"text/html; charset=iso-8859-1"
            });
            self.out.extend_from_slice(b"\r\n");
            if chunked {
                let mut n = [0u8; 16];
                let digits = hex_len(body.len(), &mut n);
                self.out.extend_from_slice(digits);
                self.out.extend_from_slice(b"\r\n");
                self.out.extend_from_slice(&body);
                self.out.extend_from_slice(b"\r\n0\r\n\r\n");
            } else {
                self.out.extend_from_slice(&body);
            }
        }
        self.reply.bytes_sent = body.len() as u64;
        self.file_buf = body;
        match custom {
            errordoc::Custom::Local(url) => self.reply.pending_errdoc = Some((status, url)),
            errordoc::Custom::Recursive(_) => self.recursive_error_log(final_status),
            errordoc::Custom::None
            | errordoc::Custom::Text(_)
            | errordoc::Custom::Remote(_)
            | errordoc::Custom::WasdFallback(_) => {}
        }
    }

    /// `ServerSignature`: the footer httpd puts on its own pages, before
    /// `</body></html>`.
    fn signature(&self, body: &mut Vec<u8>) {
        let sig = self.dir_conf().core.signature.unwrap_or_default();
        if sig == crate::config::Signature::Off {
            return;
        }
        let srv = &self.cfg.servers[self.reply.server];
        let canonical = self.dir_conf().core.canonical_name;
        let footer = pages::Footer {
            banner: self.cfg.banner.as_bytes(),
            name: self.server_name_for(canonical),
            port: self.server_port(),
            admin: (sig == crate::config::Signature::Email).then_some(srv.server_admin.as_bytes()),
        };
        let tail = b"</body></html>\n";
        let at = if body.ends_with(tail) {
            body.len() - tail.len()
        } else {
            body.len()
        };
        let mut f = Vec::with_capacity(160);
        footer.write(&mut f);
        body.splice(at..at, f);
    }

    fn head_is_head(&self) -> bool {
        self.head
            .method
            .as_ref()
            .is_some_and(|m| &self.buf[m.clone()] == b"HEAD")
    }

    fn options(&mut self) {
        self.start(200);
        if self.uri != b"*" {
            // `OPTIONS *` is httpd's pong, without Allow.
            header(&mut self.out, &mut self.reply.headers_out, b"Allow", ALLOW);
        }
        header_num(
            &mut self.out,
            &mut self.reply.headers_out,
            b"Content-Length",
            0,
        );
        self.connection_headers();
        if self.uri != b"*" {
            // mod_mime typed the mapped file (path info cut off).
            let (cfg, dir) = (self.cfg.clone(), self.dir.clone());
            let path = self.path.as_os_str().as_bytes();
            let name = path.rsplit(|&b| b == b'/').next().unwrap_or(b"");
            if let Some(ct) = dir.mime.lookup(&cfg.mime, name) {
                self.content_type(ct);
            }
        }
        self.out.extend_from_slice(b"\r\n");
    }

    /// TRACE: the request head echoed as `message/http`.
    fn trace(&mut self) {
        let mut body = std::mem::take(&mut self.file_buf);
        body.clear();
        body.extend_from_slice(&self.buf[self.head.line.clone()]);
        body.extend_from_slice(b"\r\n");
        for (n, v) in &self.head.headers {
            body.extend_from_slice(&self.buf[n.clone()]);
            body.extend_from_slice(b": ");
            body.extend_from_slice(&self.buf[v.clone()]);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(b"\r\n");
        self.start(200);
        // httpd streams the echo: chunked on HTTP/1.1, up to the close
        // on HTTP/1.0.
        let chunked = self.head.version == Version::Http11;
        self.reply.no_length = true;
        if chunked {
            header(
                &mut self.out,
                &mut self.reply.headers_out,
                b"Transfer-Encoding",
                b"chunked",
            );
        }
        self.connection_headers();
        self.content_type(b"message/http");
        self.out.extend_from_slice(b"\r\n");
        if chunked {
            let mut n = [0u8; 16];
            self.out.extend_from_slice(hex_len(body.len(), &mut n));
            self.out.extend_from_slice(b"\r\n");
            self.out.extend_from_slice(&body);
            self.out.extend_from_slice(b"\r\n0\r\n\r\n");
        } else {
            self.out.extend_from_slice(&body);
        }
        self.reply.bytes_sent = body.len() as u64;
        self.file_buf = body;
    }

    /// The first request header called `name`.
    fn req_header(&self, name: &[u8]) -> Option<&[u8]> {
        self.head
            .headers
            .iter()
            .find(|(n, _)| self.buf[n.clone()].eq_ignore_ascii_case(name))
            .map(|(_, v)| &self.buf[v.clone()])
    }

    /// Serves a file for GET/HEAD/POST. Returns true when it already wrote
    /// the response (a large body), false when the response is in `out`.
    async fn static_file(&mut self, head_only: bool, http09: bool) -> bool {
        self.path.as_mut_os_string().clear();
        self.path.push(&self.cfg.servers[self.reply.server].root);
        let rel = self.reply.wasd_file.as_deref().unwrap_or(&self.uri);
        self.path.push(std::ffi::OsStr::from_bytes(&rel[1..]));
        self.reply.filename = true;
        // A checked walk already opened what it checked (server/walk.rs).
        let opened = match self.reply.walk.file.take() {
            Some(r) => r,
            None => std::fs::File::open(&self.path),
        };
        let mut file = match opened {
            Ok(f) => f,
            Err(e) => {
                self.strip_path_info();
                self.open_error(e, http09);
                return false;
            }
        };
        let meta = match self.file_meta.take() {
            Some(m) => Ok(m),
            None => file.metadata().map(|m| FileStat::of(&m)),
        };
        let mut meta = match meta {
            Ok(m) => m,
            Err(e) => {
                self.open_error(e, http09);
                return false;
            }
        };
        if meta.dir {
            self.reply.handler = Some(b"httpd/unix-directory");
            if self.uri.last() != Some(&b'/') {
                self.redirect_slash(http09);
                return false;
            }
            match self.directory_index() {
                dirhooks::Index::Found(f, m) => {
                    file = f;
                    meta = FileStat::of(&m);
                    // mod_dir's internal redirect: the index has no handler.
                    self.reply.handler = None;
                }
                dirhooks::Index::Refused(status) => {
                    self.error_response(status, Detail::None, http09);
                    return false;
                }
                dirhooks::Index::Missing => {
                    // No index and no mod_autoindex: 404, and `%f` keeps
                    // the directory's trailing slash.
                    self.path.as_mut_os_string().clear();
                    self.path.push(&self.cfg.servers[self.reply.server].root);
                    let rel = self.reply.wasd_file.as_deref().unwrap_or(&self.uri);
                    self.path.push(std::ffi::OsStr::from_bytes(&rel[1..]));
                    self.elog(
                        Module::Core,
                        Level::Info,
                        Extra::default(),
                        "AH00129",
                        |c, m| {
                            m.extend_from_slice(b"Attempt to serve directory: ");
                            m.extend_from_slice(c.path.as_os_str().as_bytes());
                        },
                    );
                    self.error_response(404, Detail::None, http09);
                    return false;
                }
            }
        }
        if !meta.file {
            self.error_response(403, Detail::None, http09);
            return false;
        }
        let len = meta.len;
        let mtime_us = meta.mtime_us;
        let req_us = self.reply.request_time_us;
        // Last-Modified never lies in the future.
        let lm_s = mtime_us.min(req_us).div_euclid(1_000_000);
        let mut tag = std::mem::take(&mut self.scratch);
        tag.clear();
        static_files::etag(len, mtime_us, req_us, &mut tag);

        if http09 {
            // A simple request gets no header, but httpd records those
            // its handler set (not Last-Modified, Date or Server).
            self.reply.status = self.reply.error_status.max(200);
            self.out.clear();
            self.reply.headers_out.clear();
            let mut ct = std::mem::take(&mut self.ct_buf);
            ct.clear();
            if self.file_type(&mut ct) {
                self.content_type(&ct);
            }
            self.ct_buf = ct;
            header_num(
                &mut self.out,
                &mut self.reply.headers_out,
                b"Content-Length",
                len,
            );
            let ar = self.accept_ranges();
            header(
                &mut self.out,
                &mut self.reply.headers_out,
                b"Accept-Ranges",
                ar,
            );
            header(&mut self.out, &mut self.reply.headers_out, b"ETag", &tag);
            self.scratch = tag;
            self.connection_headers();
            self.reply.send_from = self.out.len();
            return self.send_file(&file, 0, len).await;
        }

        // The conditional fields are `If-…` (8 to 19 bytes), the other one
        // looked up here is `Range`: a head without a field that could be
        // one of them needs no look-up.
        let b = &self.buf;
        let maybe = self.head.headers.iter().any(|(n, _)| match n.len() {
            5 => b[n.clone()].eq_ignore_ascii_case(b"range"),
            8..=19 => b[n.start] | 0x20 == b'i',
            _ => false,
        });
        // An ErrorDocument is sent whatever the conditions say.
        let cond = if self.reply.error_status != 0 || !maybe {
            Condition::Proceed
        } else {
            static_files::conditions(
                |n| self.req_header(n),
                &tag,
                lm_s,
                req_us.div_euclid(1_000_000),
            )
        };
        match cond {
            Condition::Failed => {
                // httpd's 412 for a file: the validators and the file's
                // type, no body; Content-Length is the file's on HEAD, 0
                // otherwise.
                self.start(412);
                self.validators(lm_s, &tag);
                self.scratch = tag;
                header_num(
                    &mut self.out,
                    &mut self.reply.headers_out,
                    b"Content-Length",
                    if head_only { len } else { 0 },
                );
                self.connection_headers();
                let mut ct = std::mem::take(&mut self.ct_buf);
                ct.clear();
                if self.file_type(&mut ct) {
                    self.content_type(&ct);
                }
                self.ct_buf = ct;
                self.out.extend_from_slice(b"\r\n");
                return false;
            }
            Condition::NotModified => {
                self.start(304);
                self.validators(lm_s, &tag);
                self.connection_headers();
                self.out.extend_from_slice(b"\r\n");
                self.scratch = tag;
                return false;
            }
            Condition::Proceed => {}
        }
        let mut parts = Vec::new();
        let mut range = ByteRange::Full;
        if maybe && !http09 && self.reply.error_status == 0 {
            // Several `Range` fields are one value joined with ", ", as
            // httpd reads them (which makes it unusable).
            let b = &self.buf;
            let mut values = self
                .head
                .headers
                .iter()
                .filter(|(n, _)| b[n.clone()].eq_ignore_ascii_case(b"Range"))
                .map(|(_, v)| &b[v.clone()]);
            if let Some(first) = values.next() {
                let limits = self.dir.core.range_limits();
                range = match values.next() {
                    None => static_files::byte_ranges(first, len, &limits, &mut parts),
                    Some(second) => {
                        let mut joined = first.to_vec();
                        for v in std::iter::once(second).chain(values) {
                            joined.extend_from_slice(b", ");
                            joined.extend_from_slice(v);
                        }
                        static_files::byte_ranges(&joined, len, &limits, &mut parts)
                    }
                };
            }
        }
        if range != ByteRange::Full {
            if let Some(ir) = self.req_header(b"If-Range") {
                if !static_files::if_range_matches(ir, &tag, lm_s) {
                    range = ByteRange::Full;
                }
            }
        }
        let (status, first, count) = match range {
            ByteRange::Full if self.reply.error_status != 0 => (self.reply.error_status, 0, len),
            ByteRange::Full => (200, 0, len),
            ByteRange::Parts => (206, parts[0].0, parts[0].1 - parts[0].0 + 1),
            ByteRange::Unsatisfiable => {
                self.scratch = tag;
                // httpd's 416 goes out without the tracking cookie (the
                // note stays).
                self.reply.set_cookie = None;
                self.error_response(416, Detail::None, http09);
                return false;
            }
        };
        // The type, copied out of the shared configuration (cheaper than
        // holding a reference count on it across the response).
        let mut ct_buf = std::mem::take(&mut self.ct_buf);
        ct_buf.clear();
        let has_ct = self.file_type(&mut ct_buf);
        let ct = has_ct.then_some(&ct_buf[..]);
        self.start(status);
        self.validators(lm_s, &tag);
        self.scratch = tag;
        if parts.len() > 1 {
            let r = self.multipart(&file, &parts, len, ct, head_only).await;
            self.ct_buf = ct_buf;
            return r;
        }
        // httpd sets no Content-Length on a HEAD of an empty entity.
        if !(head_only && count == 0) {
            header_num(
                &mut self.out,
                &mut self.reply.headers_out,
                b"Content-Length",
                count,
            );
        }
        if status == 206 {
            let mut v = b"bytes ".to_vec();
            let mut ib = itoa::Buffer::new();
            v.extend_from_slice(ib.format(first).as_bytes());
            v.push(b'-');
            v.extend_from_slice(ib.format(first + count - 1).as_bytes());
            v.push(b'/');
            v.extend_from_slice(ib.format(len).as_bytes());
            header(
                &mut self.out,
                &mut self.reply.headers_out,
                b"Content-Range",
                &v,
            );
        }
        self.connection_headers();
        if let Some(ct) = ct {
            self.content_type(ct);
        }
        self.ct_buf = ct_buf;
        self.out.extend_from_slice(b"\r\n");
        if head_only {
            return false;
        }
        self.send_file(&file, first, count).await
    }

    /// The server whose WASD reports answer the request: its own, except
    /// that an unknown WASD service (served by the interface's base
    /// service) gets the main server's, which carries only the `set …
    /// report=` rules for every service.
    pub(super) fn report_server(&self) -> usize {
        if self.reply.wasd_unknown {
            0
        } else {
            self.reply.server
        }
    }

    /// The content type of the file being served, appended to `out`
    /// (false: it has none): WASD's `?httpd=content&type=TYPE`, else its
    /// `[AddType]` table (by the served file's type), else mod_mime's
    /// lookup by the URI's last segment.
    fn file_type(&self, out: &mut Vec<u8>) -> bool {
        if let Some(w) = &self.cfg.wasd {
            let forced = self
                .reply
                .query
                .clone()
                .and_then(|q| crate::wasd::forced_type(&self.buf[q]));
            match forced {
                Some(t) => out.extend_from_slice(&t),
                None => {
                    let name = self.path.file_name().map_or(&b""[..], |n| n.as_bytes());
                    out.extend_from_slice(w.types.lookup(name));
                }
            }
            return true;
        }
        let name = self.uri.rsplit(|&b| b == b'/').next().unwrap_or(b"");
        match self.dir.mime.lookup(&self.cfg.mime, name) {
            Some(t) => {
                out.extend_from_slice(t);
                true
            }
            None => false,
        }
    }

    /// A 206 with several ranges: a `multipart/byteranges` body, each part
    /// with the entity's type and its `Content-range`, as httpd sends it.
    /// The status line and validators are already in `out`.
    async fn multipart(
        &mut self,
        file: &std::fs::File,
        parts: &[(u64, u64)],
        len: u64,
        ct: Option<&[u8]>,
        head_only: bool,
    ) -> bool {
        let boundary = multipart_boundary();
        let part_head = |a: u64, b: u64, out: &mut Vec<u8>| {
            out.extend_from_slice(b"\r\n--");
            out.extend_from_slice(boundary.as_bytes());
            if let Some(ct) = ct {
                out.extend_from_slice(b"\r\nContent-type: ");
                out.extend_from_slice(ct);
            }
            out.extend_from_slice(b"\r\nContent-range: bytes ");
            let mut ib = itoa::Buffer::new();
            out.extend_from_slice(ib.format(a).as_bytes());
            out.push(b'-');
            out.extend_from_slice(ib.format(b).as_bytes());
            out.push(b'/');
            out.extend_from_slice(ib.format(len).as_bytes());
            out.extend_from_slice(b"\r\n\r\n");
        };
        let mut tail = b"\r\n--".to_vec();
        tail.extend_from_slice(boundary.as_bytes());
        tail.extend_from_slice(b"--\r\n");
        // httpd hands the body on after every 32 parts, and then no longer
        // knows its length: chunked on HTTP/1.1 (unless the client waits
        // for a `100 Continue`), up to the close on HTTP/1.0, no length on
        // HEAD.
        let streamed = parts.len() > STREAMED_PARTS;
        let chunked = streamed
            && !head_only
            && self.head.version == Version::Http11
            && !self.reply.expecting_100;
        if streamed {
            self.reply.no_length = !head_only;
        } else {
            let mut scratch = Vec::new();
            let mut total = tail.len() as u64;
            for &(a, b) in parts {
                scratch.clear();
                part_head(a, b, &mut scratch);
                total += scratch.len() as u64 + (b - a + 1);
            }
            header_num(
                &mut self.out,
                &mut self.reply.headers_out,
                b"Content-Length",
                total,
            );
        }
        self.connection_headers();
        if chunked {
            header(
                &mut self.out,
                &mut self.reply.headers_out,
                b"Transfer-Encoding",
                b"chunked",
            );
        }
        let mut v = b"multipart/byteranges; boundary=".to_vec();
        v.extend_from_slice(boundary.as_bytes());
        self.content_type(&v);
        self.out.extend_from_slice(b"\r\n");
        if head_only {
            return false;
        }
        self.send_out().await;
        // The body goes out in chunks built in `file_buf` (`out` keeps the
        // header values the log reads).
        let mut body = std::mem::take(&mut self.file_buf);
        body.clear();
        let mut sent = 0u64;
        let mut framed = Vec::new();
        let mut ok = !self.reply.aborted;
        'parts: for (i, &(a, b)) in parts.iter().enumerate() {
            part_head(a, b, &mut body);
            let mut off = a;
            while off <= b {
                let n = ((b - off + 1) as usize).min(FILE_CHUNK);
                let start = body.len();
                body.resize(start + n, 0);
                if file.read_exact_at(&mut body[start..], off).is_err() {
                    ok = false;
                    break 'parts;
                }
                off += n as u64;
                let last = i + 1 == parts.len() && off > b;
                if last {
                    body.extend_from_slice(&tail);
                }
                if body.len() >= FILE_CHUNK || last {
                    let data = if chunked {
                        framed.clear();
                        let mut n = [0u8; 16];
                        framed.extend_from_slice(hex_len(body.len(), &mut n));
                        framed.extend_from_slice(b"\r\n");
                        framed.extend_from_slice(&body);
                        framed.extend_from_slice(b"\r\n");
                        if last {
                            framed.extend_from_slice(b"0\r\n\r\n");
                        }
                        &framed
                    } else {
                        &body
                    };
                    let w = tokio::time::timeout(self.timeout, self.stream.write_all(data));
                    if !matches!(w.await, Ok(Ok(()))) {
                        ok = false;
                        break 'parts;
                    }
                    self.bytes_out += data.len() as u64;
                    sent += body.len() as u64;
                    body.clear();
                }
            }
        }
        if !ok {
            self.reply.aborted = true;
        }
        self.reply.bytes_sent = sent;
        self.file_buf = body;
        true
    }

    /// The `Accept-Ranges` value: `none` under `MaxRanges none`.
    fn accept_ranges(&self) -> &'static [u8] {
        if self.dir.core.range_limits().no_ranges() {
            b"none"
        } else {
            b"bytes"
        }
    }

    /// `Last-Modified`, `ETag`, `Accept-Ranges`.
    fn validators(&mut self, lm_s: i64, tag: &[u8]) {
        header(
            &mut self.out,
            &mut self.reply.headers_out,
            b"Last-Modified",
            &date::last_modified(lm_s),
        );
        header(&mut self.out, &mut self.reply.headers_out, b"ETag", tag);
        let ar = self.accept_ranges();
        header(
            &mut self.out,
            &mut self.reply.headers_out,
            b"Accept-Ranges",
            ar,
        );
    }

    /// After a failed open: cuts `self.path` after the first component
    /// that is missing or is not a directory, as httpd's directory walk
    /// leaves `r->filename` (the rest is path info, which `%f` drops).
    fn strip_path_info(&mut self) {
        let root = &self.cfg.servers[self.reply.server].root;
        let mut p = root.clone();
        let rel = self.reply.wasd_file.as_deref().unwrap_or(&self.uri);
        for seg in rel[1..].split(|&b| b == b'/') {
            if seg.is_empty() {
                continue;
            }
            p.push(std::ffi::OsStr::from_bytes(seg));
            match std::fs::metadata(&p) {
                Ok(m) if m.is_dir() => {}
                _ => break,
            }
        }
        self.path = p;
    }

    fn open_error(&mut self, e: io::Error, http09: bool) {
        self.open_error_log(&e);
        let status = match e.raw_os_error() {
            Some(libc::ENOENT) | Some(libc::ENOTDIR) => 404,
            _ => 403,
        };
        self.error_response(status, Detail::None, http09);
    }

    /// 301 to the same path with a slash, as mod_dir does.
    fn redirect_slash(&mut self, http09: bool) {
        let mut loc = b"http://".to_vec();
        self.self_url(&mut loc);
        escape_path(&self.uri, &mut loc);
        loc.push(b'/');
        if let Some(q) = self.reply.query.clone() {
            loc.push(b'?');
            loc.extend_from_slice(&self.buf[q]);
        }
        self.error_response(301, Detail::Location(&loc), http09);
    }

    /// `ap_get_server_port`: the port self-referential URLs and the
    /// signature name. With `UseCanonicalName On` the server's port; else
    /// the port the client named in Host (or an absolute target), then
    /// the server's.
    fn server_port(&self) -> u16 {
        let srv = &self.cfg.servers[self.reply.server];
        let canonical = self.dir_conf().core.canonical_name.unwrap_or_default();
        if canonical == CanonicalName::On || self.host_lc.is_empty() {
            return srv.port;
        }
        let mut port = None;
        if let Some(h) = self.reply.vhost.clone() {
            let h = &self.buf[h];
            let after = memchr::memrchr(b']', h).map_or(0, |p| p + 1);
            if let Some(c) = memchr::memrchr(b':', &h[after..]) {
                let digits = &h[after + c + 1..];
                port = std::str::from_utf8(digits)
                    .ok()
                    .and_then(|d| d.parse::<u16>().ok());
            }
        }
        port.unwrap_or(srv.port)
    }

    /// `ap_construct_url`'s host part: the server name as
    /// `UseCanonicalName` makes it (IPv6 in brackets) and `:port` unless
    /// 80.
    fn self_url(&self, out: &mut Vec<u8>) {
        let canonical = self.dir_conf().core.canonical_name;
        let name = self.server_name_for(canonical);
        let v6 = name.contains(&b':');
        if v6 {
            out.push(b'[');
        }
        out.extend_from_slice(name);
        if v6 {
            out.push(b']');
        }
        let port = self.server_port();
        if port != 80 {
            out.push(b':');
            out.extend_from_slice(itoa::Buffer::new().format(port).as_bytes());
        }
    }

    /// Sends `out` followed by `count` bytes of `file` from `first`. Small
    /// bodies go in the same write as the header.
    async fn send_file(&mut self, file: &std::fs::File, first: u64, count: u64) -> bool {
        if count <= INLINE_BODY {
            let start = self.out.len();
            self.out.resize(start + count as usize, 0);
            if file.read_exact_at(&mut self.out[start..], first).is_err() {
                self.out.truncate(start);
                self.reply.aborted = true;
            }
            self.reply.bytes_sent = (self.out.len() - start) as u64;
            self.send_out().await;
            return true;
        }
        self.send_out().await;
        if self.reply.aborted {
            return true;
        }
        if self.file_buf.len() < FILE_CHUNK {
            self.file_buf.resize(FILE_CHUNK, 0);
        }
        let mut off = first;
        let end = first + count;
        while off < end {
            let n = ((end - off) as usize).min(FILE_CHUNK);
            let read = match file.read_at(&mut self.file_buf[..n], off) {
                Ok(0) | Err(_) => {
                    self.reply.aborted = true;
                    return true;
                }
                Ok(r) => r,
            };
            let w =
                tokio::time::timeout(self.timeout, self.stream.write_all(&self.file_buf[..read]));
            match w.await {
                Ok(Ok(())) => {
                    self.bytes_out += read as u64;
                    self.reply.bytes_sent += read as u64;
                    off += read as u64;
                }
                _ => {
                    self.reply.aborted = true;
                    return true;
                }
            }
        }
        true
    }

    /// Writes the response buffer.
    async fn send_out(&mut self) {
        let from = self.reply.send_from.min(self.out.len());
        if self.out.len() == from {
            return;
        }
        let (stream, out) = (&mut self.stream, &self.out[from..]);
        let mut done = 0;
        let w = wait::timed(&mut self.timer, self.timeout, |cx| loop {
            match Pin::new(&mut *stream).poll_write(cx, &out[done..]) {
                Poll::Ready(Ok(n)) if n > 0 => {
                    done += n;
                    if done == out.len() {
                        return Poll::Ready(true);
                    }
                }
                Poll::Ready(_) => return Poll::Ready(false),
                Poll::Pending => return Poll::Pending,
            }
        });
        match w.await {
            Some(true) => self.bytes_out += (self.out.len() - from) as u64,
            _ => self.reply.aborted = true,
        }
    }

    /// Logs the current request: first the name lookups its settings
    /// call for, then [`Connection::write_log`].
    async fn log(&mut self) {
        if self.log_needs_lookup() {
            self.lookups_for_log().await;
        }
        self.write_log();
    }

    /// Renders and writes the access-log line of the current request, then
    /// resets the mod_logio counters.
    fn write_log(&mut self) {
        let end_us = now_us();
        let (client_port, local_port, keepalives) =
            (self.client_port, self.local_port, self.keepalives);
        let (bytes_in, bytes_out) = (self.bytes_in, self.bytes_out);
        let Connection {
            buf,
            head,
            out,
            line,
            uri,
            renderer,
            reply,
            cfg,
            path,
            client_ip,
            local_ip,
            rline,
            host_lc,
            env,
            ids,
            track,
            forensic,
            cookie_note,
            cookie_hdr,
            dir,
            remote_host,
            local_host,
            trailers,
            ..
        } = &mut *self;
        let srv = &cfg.servers[reply.server];
        let remote_name = match remote_host {
            RemoteHost::Name(n) => Some(&n[..]),
            _ => None,
        };
        if !cfg.log_exclude_hosts.is_empty()
            && cfg.log_exclude_hosts.matches(client_ip, remote_name)
        {
            // Excluded from the access logs only: the forensic log still
            // gets its `-` record.
            self.bytes_in = 0;
            self.bytes_out = 0;
            self.forensic_end();
            return;
        }
        if srv.logs.is_empty() {
            // No access log: no record to build.
            self.bytes_in = 0;
            self.bytes_out = 0;
            self.forensic_end();
            return;
        }
        let b = &buf[..];
        let empty: &[u8] = b"";
        // A request that timed out before its head completed keeps none.
        let parsed = reply.status != 408 || !reply.dash;
        let mut fields_small: [Field<'_>; FIELDS_STACK] = [(empty, empty); FIELDS_STACK];
        let mut fields_big: Vec<Field<'_>> = Vec::new();
        let want = if parsed { head.headers.len() + 1 } else { 0 };
        let fields: &mut [Field<'_>] = if want <= FIELDS_STACK {
            &mut fields_small[..]
        } else {
            fields_big.resize(want, (empty, empty));
            &mut fields_big[..]
        };
        let n = fill_fields(b, head, fields, if parsed { usize::MAX } else { 0 });
        if let (true, Some(h)) = (reply.host_from_uri, reply.vhost.clone()) {
            // A Host header replaced by the target's host (none is added).
            if let Some(f) = fields[..n]
                .iter_mut()
                .find(|f| f.0.eq_ignore_ascii_case(b"Host"))
            {
                f.1 = &b[h];
            }
        }
        // Request trailers (`%{..}^ti`): only after a chunked body.
        let mut trailer_ranges = Vec::new();
        if !trailers.is_empty() {
            crate::http::chunked::trailer_fields(trailers, &mut trailer_ranges);
        }
        // httpd joins the values of a repeated name with ", ".
        let mut merged: Vec<(&[u8], Vec<u8>)> = Vec::new();
        for (n, v) in &trailer_ranges {
            let (name, value) = (&trailers[n.clone()], &trailers[v.clone()]);
            match merged.iter_mut().find(|m| m.0.eq_ignore_ascii_case(name)) {
                Some(m) => {
                    m.1.extend_from_slice(b", ");
                    m.1.extend_from_slice(value);
                }
                None => merged.push((name, value.to_vec())),
            }
        }
        let trailer_fields: Vec<Field<'_>> = merged.iter().map(|(n, v)| (*n, &v[..])).collect();
        let mut out_fields: [Field<'_>; 16] = [(empty, empty); 16];
        let mut m = reply.headers_out.len().min(16);
        for (slot, (hn, hv)) in out_fields.iter_mut().zip(reply.headers_out.iter()) {
            *slot = (*hn, &out[hv.clone()]);
        }
        // HTTP/0.9 sends no headers, but httpd logs the tracking cookie.
        if let Some(n) = reply.set_cookie {
            if m < 16 && !out_fields[..m].iter().any(|f| f.0 == n) {
                out_fields[m] = (n, &cookie_hdr[..]);
                m += 1;
            }
        }
        // Notes: mod_log_forensic's id, mod_usertrack's cookie; after an
        // internal redirect the original's come first, then the final's.
        let mut note_buf: [Field<'_>; 4] = [(empty, empty); 4];
        let mut nn = 0;
        if let Some(id) = forensic.note() {
            note_buf[nn] = (b"forensic-id", id);
            nn += 1;
        }
        if let Some(c) = reply.redirect.as_ref().and_then(|o| o.cookie_note.as_ref()) {
            note_buf[nn] = (b"cookie", &c[..]);
            nn += 1;
        }
        let forensic_notes = nn;
        if reply.cookie {
            note_buf[nn] = (b"cookie", &cookie_note[..]);
            nn += 1;
        }
        if let Some(e) = reply.note {
            // httpd's `error-notes` for a refused head.
            note_buf[nn] = (b"error-notes", e);
            nn += 1;
        }
        let dash: &[u8] = b"-";
        if head.rebuilt && !reply.line_masked {
            // httpd logs the line rebuilt from its parts, single spaces.
            rebuild_line(b, head, rline);
        }
        let request_line = match (head.has_line, head.rebuilt || reply.line_masked) {
            (false, _) => None,
            (true, true) => Some(&rline[..]),
            (true, false) => Some(&b[head.line.clone()]),
        };
        let (method, uri_v): (Option<&[u8]>, &[u8]) = if reply.dash {
            (None, dash)
        } else {
            (head.method.clone().map(|m| &b[m]), &uri[..])
        };
        let protocol: &[u8] = if reply.dash {
            b"HTTP/1.0"
        } else {
            &head.protocol_log
        };
        let dir_core = if reply.walked {
            &dir.core
        } else {
            &srv.sections.base().core
        };
        let vhost = lookups::server_name(srv, host_lc, local_host, dir_core.canonical_name);

        let conn = Conn {
            client_ip,
            client_port,
            local_ip,
            local_port,
            keepalives,
            aborted: reply.aborted,
            keepalive: reply.keepalive && !reply.aborted,
            keepalive_max: srv.conn.max_keepalive,
            bytes_in,
            bytes_out,
            log_id: ids.conn_id(),
            remote_host: remote_name,
            ..Conn::default()
        };
        let filename = if reply.filename {
            Some(path.as_os_str().as_bytes())
        } else {
            None
        };
        // The environment as a field table: on the stack when small.
        let mut env_fields: [Field<'_>; ENV_STACK] = [(empty, empty); ENV_STACK];
        let mut env_vec: Vec<Field<'_>> = Vec::new();
        let env_table: &[Field<'_>] = if env.len() <= env_fields.len() {
            for (slot, kv) in env_fields.iter_mut().zip(env.iter()) {
                *slot = kv;
            }
            &env_fields[..env.len()]
        } else {
            env_vec.extend(env.iter());
            &env_vec
        };
        // After an ErrorDocument redirect this is the final request: a GET
        // of the local URL (see `errordoc`); `orig` is built below.
        let redirected = reply.redirect.is_some();
        let req = Request {
            env: env_table,
            request_line,
            method: if redirected { Some(b"GET") } else { method },
            uri: uri_v,
            query: if redirected {
                reply.final_query.as_deref()
            } else {
                reply.query.clone().map(|q| &b[q])
            },
            protocol,
            status: reply.status as i32,
            filename,
            handler: reply.handler,
            content_type: match reply.redirect.as_deref() {
                Some(o) if o.final_content_type.is_some() => o.final_content_type.as_deref(),
                _ => reply.content_type.clone().map(|r| &out[r]),
            },
            headers_in: &fields[..n],
            headers_out: &out_fields[..m],
            trailers_in: &trailer_fields,
            server_name: srv.server_name.as_bytes(),
            vhost_name: vhost,
            server_port: srv.port,
            scheme: "http",
            useragent_ip: client_ip,
            useragent_port: client_port,
            useragent_host: remote_name,
            bytes_sent: reply.bytes_sent,
            body_sent: reply.bytes_sent > 0,
            request_time_us: reply.request_time_us,
            log_id: ids.request_id(),
            track_id: track.id(),
            // A redirect's final request starts with fresh notes (the
            // forensic id stays with the original).
            notes: if redirected {
                &note_buf[forensic_notes..nn]
            } else {
                &note_buf[..nn]
            },
            ..Request::default()
        };
        let orig_env: Vec<Field<'_>>;
        let orig_out: Vec<Field<'_>>;
        let orig_req;
        let (rec, cond_env) = match reply.redirect.as_deref() {
            None => (Record::new(&conn, &req, end_us), &*env),
            Some(o) => {
                orig_env = o.env.iter().collect();
                orig_out = o.headers_out.iter().map(|(n, v)| (*n, &v[..])).collect();
                orig_req = Request {
                    env: &orig_env,
                    method,
                    uri: if reply.dash { dash } else { &o.uri },
                    query: o.query.clone().map(|q| &b[q]),
                    status: o.status as i32,
                    filename: o.filename.as_deref(),
                    handler: o.handler,
                    content_type: o.content_type.as_deref(),
                    headers_out: &orig_out,
                    bytes_sent: o.bytes_sent,
                    body_sent: o.bytes_sent > 0,
                    notes: &note_buf[..forensic_notes],
                    log_id: o.log_ids.request_id(),
                    ..req.clone()
                };
                let rec = Record {
                    conn: &conn,
                    orig: &orig_req,
                    last: &req,
                    end_time_us: end_us,
                };
                (rec, &o.env)
            }
        };
        for lu in &srv.logs {
            if lu.condition.as_ref().is_some_and(|c| !c.allows(cond_env)) {
                continue;
            }
            line.clear();
            renderer.render(&lu.format, &rec, line);
            // A failure is reported by the sink, once per run of failures.
            let _ = cfg.sinks[lu.sink].write_record(line);
        }
        self.bytes_in = 0;
        self.bytes_out = 0;
        // A walk's descriptor no handler took (other methods) is not kept
        // while the connection waits.
        self.reply.walk.file = None;
        self.forensic_end();
    }
}

/// mod_unique_id and mod_log_forensic hooks (see [`crate::forensic`]).
impl Connection {
    /// A request starts: fresh log ids and environment; with mod_unique_id
    /// its UNIQUE_ID, stamped with the request's time (it is also `%L`).
    fn new_request_ids(&mut self) {
        self.ids.new_request();
        self.env.clear();
        self.forensic.reset();
        if self.cfg.unique_ids {
            let t = self.reply.request_time_us.div_euclid(1_000_000);
            let id = spoor_log::unique_id::UniqueIds::global().next(t);
            self.ids.set_unique(id);
        }
    }

    /// The post-read-request step: `UNIQUE_ID` in the environment, and the
    /// `+` record in the server's forensic log. A record that cannot be
    /// written stops the server before the request is served.
    fn forensic_begin(&mut self) {
        if let Some(u) = self.ids.unique() {
            let u = u.to_vec();
            self.env.set(b"UNIQUE_ID", &u);
        }
        let Some(log) = &self.cfg.servers[self.reply.server].forensic else {
            return;
        };
        let b = &self.buf[..];
        let head = &self.head;
        let empty: &[u8] = b"";
        let mut fields_small: [Field<'_>; FIELDS_STACK] = [(empty, empty); FIELDS_STACK];
        let mut fields_big: Vec<Field<'_>> = Vec::new();
        let want = head.headers.len();
        let fields: &mut [Field<'_>] = if want <= FIELDS_STACK {
            &mut fields_small[..want]
        } else {
            fields_big.resize(want, (empty, empty));
            &mut fields_big[..]
        };
        let n = fill_fields(b, head, fields, usize::MAX);
        // An absolute-form target's host stands in for Host: the name in
        // lower case without a trailing dot, the port as written.
        let mut host = Vec::new();
        // (An HTTP/0.9 request has no header table to change.)
        let http09 = head.version == Version::Http09;
        if let (true, false, Some(h)) = (self.reply.host_from_uri, http09, self.reply.vhost.clone())
        {
            let h = &b[h];
            let split = if h.first() == Some(&b'[') {
                memchr::memchr(b']', h).map_or(h.len(), |p| p + 1)
            } else {
                memchr::memrchr(b':', h).unwrap_or(h.len())
            };
            let name = &h[..split];
            let name = name.strip_suffix(b".").unwrap_or(name);
            host.extend(name.iter().map(u8::to_ascii_lowercase));
            host.extend_from_slice(&h[split..]);
        }
        if !host.is_empty() {
            if let Some(f) = fields[..n]
                .iter_mut()
                .find(|f| f.0.eq_ignore_ascii_case(b"Host"))
            {
                f.1 = &host[..];
            }
        }
        // The request line as `%r` logs it (extra white space of an
        // HTTP/0.9 line dropped).
        let mut line = Vec::new();
        let raw = &b[head.line.clone()];
        let request_line = if head.rebuilt {
            rebuild_line(b, head, &mut line);
            &line[..]
        } else {
            raw
        };
        let time_s = now_us().div_euclid(1_000_000);
        let unique = self.ids.unique();
        let r = self
            .forensic
            .begin(log.clone(), unique, time_s, request_line, &fields[..n]);
        if let Err(e) = r {
            let log = self.cfg.servers[self.reply.server].forensic.clone();
            self.forensic_failed(log.as_deref().expect("the log written to"), e);
        }
    }

    /// After the access logs: the `-` record.
    fn forensic_end(&mut self) {
        if let Err((log, e)) = self.forensic.end() {
            self.forensic_failed(&log, e);
        }
    }

    /// A forensic record could not be written: report it and stop.
    fn forensic_failed(&mut self, log: &spoor_log::forensic::ForensicLog, e: io::Error) -> ! {
        let extra = e.raw_os_error().map_or(Extra::default(), Extra::errno);
        let msg = crate::forensic::failure_message(log, &e);
        self.elog(Module::LogForensic, Level::Crit, extra, "", |_, m| {
            m.extend_from_slice(msg.as_bytes())
        });
        crate::forensic::stop(&self.cfg, log, &e)
    }
}

/// mod_usertrack's hook (see [`crate::usertrack`]).
impl Connection {
    /// An internal redirect's final request: the original's note and
    /// new cookie move to the original, and the fixup runs again (httpd:
    /// a second Set-Cookie when the client sent none).
    pub(super) fn usertrack_redirect(&mut self) {
        let tracked = self.reply.cookie;
        let sent = self.reply.set_cookie.take();
        if let Some(o) = self.reply.redirect.as_mut() {
            o.cookie_note = tracked.then(|| self.cookie_note.clone());
            o.set_cookie = sent.map(|n| (n, self.cookie_hdr.clone()));
        }
        self.reply.cookie = false;
        self.usertrack();
    }

    /// The fixups step of mod_usertrack: recognise the client's cookie or
    /// issue a new one.
    fn usertrack(&mut self) {
        let expires = self.cfg.servers[self.reply.server].cookie_expires;
        let b = &self.buf;
        let cookies = self
            .head
            .headers
            .iter()
            .filter(|(n, _)| b[n.clone()].eq_ignore_ascii_case(b"Cookie"))
            .map(|(_, v)| &b[v.clone()]);
        let done = crate::usertrack::fixup(
            self.dir.usertrack.get(),
            expires,
            cookies,
            self.reply.request_time_us,
            &mut self.cookie_note,
            &mut self.cookie_hdr,
        );
        self.reply.cookie = done != crate::usertrack::Fixup::Off;
        self.reply.set_cookie = None;
        if let crate::usertrack::Fixup::Issued(n) = done {
            self.reply.set_cookie = Some(n);
        }
    }
}

/// Error-log hooks (see [`crate::errorlog`]): each writes httpd's line for
/// one error site when the server's LogLevel lets it through.
impl Connection {
    /// Writes one error-log line about the current request; `msg` builds
    /// the message (only called when the line is written).
    fn elog(
        &mut self,
        module: Module,
        level: Level,
        extra: Extra<'_>,
        ah: &str,
        msg: impl FnOnce(&Self, &mut Vec<u8>),
    ) {
        let log = &self.cfg.servers[self.reply.server].errorlog;
        if !log.levels.enabled(module, level) {
            return;
        }
        let mut text = Vec::with_capacity(128);
        msg(self, &mut text);
        let b = &self.buf;
        let referer: Vec<&[u8]> = self
            .head
            .headers
            .iter()
            .filter(|(n, v)| b[n.clone()].eq_ignore_ascii_case(b"referer") && !v.is_empty())
            .map(|(_, v)| &b[v.clone()])
            .collect();
        let ctx = crate::errorlog::Context {
            client_ip: &self.client_ip,
            client_port: self.client_port,
            request_time_us: self.reply.request_time_us,
            referer: &referer,
        };
        let ids = &mut self.ids;
        crate::errorlog::request_line(log, ids, module, level, &ctx, extra, ah, &[&text]);
    }

    /// A request head refused while reading it (414, 400).
    fn head_error_log(&mut self, e: HeadError) {
        let (level, ah, text): (_, &str, &[u8]) = match e {
            HeadError::LineTooLong => (
                Level::Info,
                "AH00565",
                b"request failed: client's request-line exceeds LimitRequestLine (longer than ",
            ),
            HeadError::FieldTooLong => (
                Level::Info,
                "AH00561",
                b"Request header exceeds LimitRequestFieldSize: ",
            ),
            HeadError::FoldTooLong => (
                Level::Info,
                "AH00562",
                b"Request header exceeds LimitRequestFieldSize after folding: ",
            ),
            HeadError::MergedTooLong => (
                Level::Info,
                "AH00560",
                b"Request header exceeds LimitRequestFieldSize after merging: ",
            ),
            HeadError::TooManyFields => (
                Level::Info,
                "AH00563",
                b"Number of request headers exceeds LimitRequestFields",
            ),
            HeadError::Unreadable if self.head.method.is_none() => (
                Level::Info,
                "AH00566",
                b"request failed: malformed request line",
            ),
            HeadError::Bad | HeadError::Unreadable => return,
        };
        let limit = self.cfg.servers[self.base].conn.limits.line;
        self.elog(Module::Core, level, Extra::default(), ah, |c, m| {
            m.extend_from_slice(text);
            match e {
                HeadError::LineTooLong => {
                    m.extend_from_slice(itoa::Buffer::new().format(limit).as_bytes());
                    m.push(b')');
                }
                HeadError::FieldTooLong | HeadError::FoldTooLong | HeadError::MergedTooLong => {
                    // The field named up to its colon, at most 80 bytes.
                    let field = &c.buf[c.head.bad_line.clone()];
                    let name = match memchr::memchr(b':', field) {
                        Some(p) if p <= 80 => &field[..p],
                        _ => &field[..field.len().min(80)],
                    };
                    m.extend_from_slice(name);
                }
                _ => {}
            }
        });
        if self.head.method.is_some() && e != HeadError::Bad {
            let src = Extra::src("protocol.c(1481)");
            self.elog(Module::Core, Level::Debug, src, "AH00567", |_, m| {
                m.extend_from_slice(b"request failed: error reading the headers")
            });
        }
    }

    /// A target refused by its path: `%2f`/`%00` (404) or an invalid path
    /// (400).
    fn uri_error_log(&mut self) {
        if self.reply.uri_error != 400 && self.reply.uri_error != 404 {
            return;
        }
        let Some(t) = self.head.target.clone() else {
            return;
        };
        let target = &self.buf[t.clone()];
        let path_len = memchr::memchr(b'?', target).unwrap_or(target.len());
        let path = t.start..t.start + path_len;
        let (level, ah, before, after): (_, _, &[u8], &[u8]) = match self.reply.uri_error {
            404 => (
                Level::Info,
                "AH00026",
                b"found %2f (encoded '/') in URI path (",
                b"), returning 404",
            ),
            400 if target.first() == Some(&b'/') && memchr::memchr(b'#', target).is_none() => {
                (Level::Error, "AH10244", b"invalid URI path (", b")")
            }
            _ => return,
        };
        self.elog(Module::Core, level, Extra::default(), ah, |c, m| {
            m.extend_from_slice(before);
            m.extend_from_slice(&c.buf[path]);
            m.extend_from_slice(after);
        });
    }

    /// The file a request maps to could not be opened.
    fn open_error_log(&mut self, e: &io::Error) {
        let none = Extra::default();
        let (level, extra, ah, text): (_, _, _, &[u8]) = match e.raw_os_error() {
            Some(libc::ENOENT) => (Level::Info, none, "AH00128", b"File does not exist: "),
            Some(libc::ENOTDIR) => (Level::Info, none, "AH00130", b"File does not exist: "),
            Some(libc::EACCES) => (
                Level::Error,
                Extra::errno(libc::EACCES),
                "AH00132",
                b"file permissions deny server access: ",
            ),
            _ => return,
        };
        self.elog(Module::Core, level, extra, ah, |c, m| {
            // httpd names the file with any path info still on it.
            m.extend_from_slice(text);
            let root = &c.cfg.servers[c.reply.server].root;
            m.extend_from_slice(root.as_os_str().as_bytes());
            m.extend_from_slice(c.reply.wasd_file.as_deref().unwrap_or(&c.uri));
        });
    }
}

/// Buffers only while a request is on the connection (see [`bufpool`]).
impl Connection {
    /// Hands the read, response, log-line and file buffers back while the
    /// connection waits for a request (nothing unread is in the buffer).
    fn release_buffers(&mut self) {
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

    /// Waits, holding no buffers, until the client sends something, then
    /// takes a set. `Some` ends the wait as reading would have: the peer
    /// went away, the server is stopping, or the timeout passed
    /// (`KeepAliveTimeout` after a request, else `Timeout`).
    async fn wait_readable(&mut self) -> Option<HeadWait> {
        let limit = if self.served > 0 {
            self.ka_wait
        } else {
            self.timeout
        };
        let (stream, stop) = (&self.stream, &self.shutdown);
        let r = wait::timed(&mut self.timer, limit, |cx| {
            if stop.stopping() {
                return Poll::Ready(None);
            }
            stream.poll_read_ready(cx).map(Some)
        })
        .await;
        if matches!(r, Some(None)) {
            return Some(HeadWait::Closed);
        }
        let b = bufpool::take();
        (self.buf, self.out, self.line) = (b.buf, b.out, b.line);
        match r {
            Some(Some(Ok(()))) => None,
            Some(_) => Some(HeadWait::Closed),
            None if self.served > 0 => Some(HeadWait::Closed),
            None => Some(HeadWait::Timeout),
        }
    }
}
