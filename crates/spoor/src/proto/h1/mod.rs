pub(crate) mod body;
pub(crate) mod output;
pub(crate) mod request;
pub(crate) mod wait;

use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::sync::watch;

use crate::bufpool::{self, READ_BUF};
use crate::errorlog::{Extra, Level, LogIds, Module};
use crate::hooks::{Flow, Hooks, Need, Phase};
use crate::http::pages::Detail;
use crate::http::request::Parse;
use crate::modules::core::lookups::RemoteHost;
use crate::modules::status::board::InProgress;
use crate::proto::Transport;
use crate::record::addr::IpText;
use crate::record::now_us;
use crate::record::*;
use crate::site::Config;

/// Bodies up to this size are sent in the same write as the header.
pub(crate) const INLINE_BODY: u64 = 128 * 1024;
/// Chunk size for larger files.
pub(crate) const FILE_CHUNK: usize = 256 * 1024;
/// The longest a lingering close waits for the client to finish sending.
pub(crate) const LINGER_MAX: Duration = Duration::from_secs(2);
/// The most bytes a lingering close reads and drops.
pub(crate) const LINGER_BYTES: usize = 1 << 20;
/// Empty lines httpd reads away between pipelined requests before it
/// gives up on the connection.
pub(crate) const PIPELINE_BLANK_LINES: usize = 10;
/// The largest a read buffer may grow to (a head at the limits fits).
pub(crate) const READ_BUF_MAX: usize = 2 * 1024 * 1024;
/// How a wait for a request head ended.
pub(crate) enum HeadWait {
    /// The head parsed, or was refused.
    Parsed(Parse),
    /// The peer closed, an idle keep-alive connection timed out, the server
    /// is stopping, or the socket failed: close without a word.
    Closed,
    /// `Timeout` passed with part of a request read.
    Timeout,
}

/// One HTTP/1.1 connection: the transport, the timer of every wait for
/// the client, the server's stop signal, and the records its requests
/// fill in ([`Cx`], which the request phases see).
pub(crate) struct Connection<T = TcpStream> {
    pub(crate) stream: T,
    /// The timer of every wait for the client (`Timeout`,
    /// `KeepAliveTimeout`).
    pub(crate) timer: wait::Deadline,
    /// The request phases' module lists of the connection's
    /// configuration.
    pub(crate) hooks: Arc<Hooks>,
    /// The request record, or while the connection waits idle only the
    /// parts of it that last for the connection.
    pub(crate) cx: Slot,
}

/// How long a connection waits for its next request keeping its request
/// record; past that the record goes back to the worker's pool (a busy
/// connection never parks, an idle one holds a few hundred bytes).
const PARK_AFTER: Duration = Duration::from_millis(10);

/// A connection's request record: on the heap while a request is on
/// the connection, given back to the worker's pool while it waits for
/// the next one (so an idle connection holds only its [`Parked`]
/// parts, a few hundred bytes, not the whole record).
// The parked parts are inline on purpose: an idle connection holds them
// and nothing on the heap; a live record is one pointer.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Slot {
    /// A request is being read or served.
    Live(Box<Cx>),
    /// Waiting for the client's next bytes.
    Parked(Parked),
    /// In between (never seen outside `park`/`unpark`).
    Empty,
}

impl std::ops::Deref for Slot {
    type Target = Cx;
    fn deref(&self) -> &Cx {
        match self {
            Slot::Live(cx) => cx,
            _ => unreachable!("the request record is parked"),
        }
    }
}

impl std::ops::DerefMut for Slot {
    fn deref_mut(&mut self) -> &mut Cx {
        match self {
            Slot::Live(cx) => cx,
            _ => unreachable!("the request record is parked"),
        }
    }
}

impl Slot {
    /// Gives the record back to the pool, keeping the connection's parts.
    pub(crate) fn park(&mut self) {
        if let Slot::Live(cx) = std::mem::replace(self, Slot::Empty) {
            *self = Slot::Parked(cx.park());
        }
    }

    /// Takes a record again for the next request.
    pub(crate) fn unpark(&mut self) {
        if let Slot::Parked(p) = std::mem::replace(self, Slot::Empty) {
            *self = Slot::Live(Cx::unpark(p));
        }
    }

    /// The connection's record, live or parked.
    pub(crate) fn conn(&self) -> &ConnRec {
        match self {
            Slot::Live(cx) => &cx.conn,
            Slot::Parked(p) => &p.conn,
            Slot::Empty => unreachable!("the request record is in between"),
        }
    }
}

impl<T> Drop for Connection<T> {
    /// The record goes back to the pool when the connection ends.
    fn drop(&mut self) {
        self.cx.park();
    }
}

impl<T> std::ops::Deref for Connection<T> {
    type Target = Cx;
    fn deref(&self) -> &Cx {
        &self.cx
    }
}

impl<T> std::ops::DerefMut for Connection<T> {
    fn deref_mut(&mut self) -> &mut Cx {
        &mut self.cx
    }
}

impl<T: Transport> Connection<T> {
    pub(crate) fn new(
        stream: T,
        peer: SocketAddr,
        local: SocketAddr,
        cfg: Arc<Config>,
        hooks: Arc<Hooks>,
        shutdown: watch::Receiver<bool>,
    ) -> Connection<T> {
        let base = if cfg.vhosts.is_empty() {
            0
        } else {
            cfg.vhosts
                .select(local.ip().to_canonical(), local.port(), None)
                .map_or(0, |i| i + 1)
        };
        let base_conn = cfg.servers[base].conn;
        let conn = ConnRec {
            shutdown: wait::Stop::new(shutdown),
            keepalives: 0,
            served: 0,
            bytes_in: 0,
            bytes_out: 0,
            client_ip: IpText::new(peer.ip().to_canonical()),
            client_port: peer.port(),
            peer_ip: peer.ip().to_canonical(),
            remote_host: RemoteHost::Unknown,
            double_reverse: None,
            local_host: None,
            local_ip: IpText::new(local.ip().to_canonical()),
            local_addr: local.ip().to_canonical(),
            local_port: local.port(),
            base,
            timeout: base_conn.timeout,
            ka_wait: base_conn.keepalive_timeout,
            rt: Default::default(),
        };
        let cx = Cx::unpark(Parked {
            cfg,
            conn,
            ids: LogIds::default(),
        });
        Connection {
            stream,
            timer: wait::Deadline::default(),
            hooks,
            cx: Slot::Live(cx),
        }
    }

    /// Serves the connection until it closes.
    ///
    /// (Not an `async fn`: one moves its arguments into locals of the
    /// future, so the future would hold the connection twice; the block
    /// uses the captured connection in place, which keeps an idle
    /// connection's task about 1.6 KiB smaller.)
    #[allow(clippy::manual_async_fn)]
    pub(crate) fn run(mut self) -> impl std::future::Future<Output = ()> + Send {
        async move {
            // mod_status counts the connections open.
            let _open = self
                .cfg
                .status
                .map(|_| InProgress::start(&crate::modules::status::board::CONNS));
            let mut rx = self.conn.shutdown.receiver();
            let changed = std::pin::pin!(rx.changed());
            wait::register(changed).await;
            loop {
                // Move a pipelined remainder to the front.
                if self.pos == self.end {
                    self.pos = 0;
                    self.end = 0;
                } else if self.pos > 0 {
                    let cx = &mut *self.cx;
                    cx.buf.copy_within(cx.pos..cx.end, 0);
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
                        Box::pin(self.timed_out()).await;
                        self.linger().await;
                        return;
                    }
                    HeadWait::Parsed(p) => {
                        let complete = matches!(p, Parse::Done);
                        // MaxRequestWorkers: served once a place is free.
                        let _place = match &self.cfg.workers {
                            Some(w) => w.clone().acquire_owned().await.ok(),
                            None => None,
                        };
                        // mod_status: a busy worker while it is served.
                        let _busy = self
                            .cfg
                            .status
                            .map(|_| InProgress::start(&crate::modules::status::board::BUSY));
                        // (Boxed: its state would otherwise be part of
                        // every idle connection's task.)
                        let keep = Box::pin(self.request(p)).await;
                        if !keep && complete && self.client_done() {
                            // Nothing more is coming: a plain close.
                            return;
                        }
                        keep
                    }
                };
                self.conn.served += 1;
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
    ///
    /// (The waits use the connection's own timer, as every other read of
    /// the connection does, instead of a timer entry per read.)
    pub(crate) async fn linger(&mut self) {
        if self.reply.aborted || self.stream.shutdown().await.is_err() {
            return;
        }
        let deadline = tokio::time::Instant::now() + LINGER_MAX;
        let mut drained = 0usize;
        while drained < LINGER_BYTES {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let cx = &mut *self.cx;
            match wait::read(&mut self.stream, &mut self.timer, left, &mut cx.buf[..]).await {
                Some(Ok(n)) if n > 0 => drained += n,
                _ => return,
            }
        }
    }

    /// Whether the client has said it sends nothing more on this
    /// connection, and every byte it sent has been read: its request asked
    /// for the close (`Connection: close`, or HTTP/1.0 and older without a
    /// keep-alive token), had no body, and nothing follows it in the
    /// buffer. Then the connection is closed at once, as nginx does,
    /// instead of lingering as httpd always does: lingering only keeps
    /// bytes still arriving from turning the close into a reset that could
    /// destroy the response before the client read it, and such a client
    /// sends none (ARCHITECTURE.md, "Deviations from httpd").
    fn client_done(&self) -> bool {
        let h = &self.head;
        !h.asks_keep_alive()
            && !h.chunked
            && h.content_length.unwrap_or(0) == 0
            && self.pos == self.end
    }

    /// Reads until a request head is complete or refused.
    pub(crate) async fn read_head(&mut self) -> HeadWait {
        let base = self.cfg.servers[self.conn.base].conn;
        let limits = base.limits;
        self.begin_head_clock(base.read);
        loop {
            if self.end > self.pos {
                let cx = &mut *self.cx;
                match cx.head.parse(&mut cx.buf[cx.pos..cx.end], &limits) {
                    Parse::Partial => {}
                    Parse::Error(_) if self.head.short && self.read_ready() => continue,
                    p => {
                        self.conn.rt.stop();
                        return HeadWait::Parsed(p);
                    }
                }
            }
            if self.conn.rt.expired() {
                return HeadWait::Timeout;
            }
            let idle = self.end == self.pos;
            if idle && self.conn.shutdown.stopping() {
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
            // Within mod_reqtimeout's deadline, if it has one.
            let limit = if idle && self.conn.served > 0 {
                self.conn.ka_wait
            } else if self.line_read() {
                // Header fields: the base server's Timeout.
                self.conn.rt.limit(base.timeout)
            } else {
                self.conn.rt.limit(self.conn.timeout)
            };
            // A wait for the next request also ends when the server stops.
            let cx = &mut *self.cx;
            let (stream, stop) = (&mut self.stream, &cx.conn.shutdown);
            let mut rb = tokio::io::ReadBuf::new(&mut cx.buf[cx.end..]);
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
                Some(Some(Ok(n))) => {
                    self.end += n;
                    if !self.head_clock_read(self.end - n) {
                        return HeadWait::Timeout;
                    }
                }
                None if idle && self.conn.served > 0 => return HeadWait::Closed,
                None => return HeadWait::Timeout,
            }
        }
    }

    /// mod_reqtimeout's header stage for the next request, with the base
    /// server's settings: on a new connection its clock starts now, on a
    /// kept one when the request's first byte is there (bytes already
    /// read, pipelined, count as arriving now).
    fn begin_head_clock(&mut self, read: crate::modules::reqtimeout::stages::ReadTimeouts) {
        use crate::modules::reqtimeout::clock::Kind;
        if !read.enabled {
            self.conn.rt.stop();
            return;
        }
        self.conn.rt.begin(Kind::Header, read.header);
        if !self.conn.rt.active() {
            return;
        }
        if self.end > self.pos {
            self.head_clock_read(self.pos);
        } else if self.conn.served == 0 {
            self.conn.rt.start(tokio::time::Instant::now());
        }
    }

    /// Head bytes `from..end` have just been read: mod_reqtimeout's check
    /// and MinRate. False when its deadline had passed before they came
    /// (httpd does not read them: they are dropped, uncounted).
    fn head_clock_read(&mut self, from: usize) -> bool {
        if !self.conn.rt.active() {
            return true;
        }
        let now = tokio::time::Instant::now();
        self.conn.rt.start(now);
        let cx = &mut *self.cx;
        if cx.conn.rt.head_chunk(now, &cx.buf[from..cx.end]) {
            return true;
        }
        self.end = from;
        false
    }

    /// Whether the unconsumed bytes hold a complete request line (after
    /// any empty lines).
    pub(crate) fn line_read(&self) -> bool {
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
    pub(crate) fn read_ready(&mut self) -> bool {
        let mut got = false;
        loop {
            if self.end == self.buf.len() {
                if self.buf.len() >= READ_BUF_MAX {
                    return got;
                }
                let n = (self.buf.len() * 2).min(READ_BUF_MAX);
                self.buf.resize(n, 0);
            }
            let cx = &mut *self.cx;
            match self.stream.try_read(&mut cx.buf[cx.end..]) {
                Ok(n) if n > 0 => {
                    self.end += n;
                    if !self.head_clock_read(self.end - n) {
                        return got;
                    }
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
    pub(crate) async fn timed_out(&mut self) {
        let received = (self.end - self.pos) as u64;
        self.conn.bytes_in += received;
        // Refused before the Host could choose a server: the base
        // server's.
        self.reply = Reply {
            status: 408,
            request_time_us: now_us(),
            dash: true,
            server: self.conn.base,
            ..Reply::default()
        };
        self.new_request();
        self.read_timeout_log();
        self.conn.rt.stop();
        self.uri.clear();
        // Re-parse to learn how far the head got (fields httpd stored
        // are logged).
        let limits = self.cfg.servers[self.conn.base].conn.limits;
        let cx = &mut *self.cx;
        let p = cx.head.parse(&mut cx.buf[cx.pos..cx.end], &limits);
        cx.head.finish(&mut cx.buf[cx.pos..cx.end]);
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
        if self.conn.keepalives == 0 || has_line {
            self.log().await;
        }
    }

    /// Waits, holding no buffers, until the client sends something, then
    /// takes a set. `Some` ends the wait as reading would have: the peer
    /// went away, the server is stopping, or the timeout passed
    /// (`KeepAliveTimeout` after a request, else `Timeout`).
    pub(crate) async fn wait_readable(&mut self) -> Option<HeadWait> {
        let limit = if self.conn.served > 0 {
            self.conn.ka_wait
        } else {
            self.conn.rt.limit(self.conn.timeout)
        };
        let quick = limit.min(PARK_AFTER);
        let mut r = self.ready_within(quick).await;
        if r.is_none() && limit > quick {
            // Idle for a while with nothing unread: the request record
            // waits in the worker's pool for the rest of the wait.
            let parks = self.pos == self.end && self.buf.is_empty();
            if parks {
                self.cx.park();
            }
            r = self.ready_within(limit - quick).await;
            if parks {
                self.cx.unpark();
            }
        }
        if matches!(r, Some(None)) {
            return Some(HeadWait::Closed);
        }
        let b = bufpool::take();
        (self.buf, self.out, self.line) = (b.buf, b.out, b.line);
        match r {
            Some(Some(Ok(()))) => None,
            Some(_) => Some(HeadWait::Closed),
            None if self.conn.served > 0 => Some(HeadWait::Closed),
            None => Some(HeadWait::Timeout),
        }
    }

    /// Waits at most `limit` for the socket to be readable: `None` when
    /// the limit passed, `Some(None)` when the server is stopping.
    async fn ready_within(&mut self, limit: Duration) -> Option<Option<std::io::Result<()>>> {
        let (stream, stop) = (&self.stream, &self.cx.conn().shutdown);
        wait::timed(&mut self.timer, limit, |cx| {
            if stop.stopping() {
                return Poll::Ready(None);
            }
            stream.poll_read_ready(cx).map(Some)
        })
        .await
    }

    /// A request record starts: fresh log ids, environment and forensic
    /// state, then the create-request hooks.
    pub(crate) fn new_request(&mut self) {
        self.cx.ids.new_request();
        self.cx.env.clear();
        self.cx.notes.clear();
        self.cx.filters.clear();
        self.cx.forensic.reset();
        for m in self.hooks.list(Phase::CreateRequest) {
            m.create_request(&mut self.cx);
        }
    }

    /// Runs the hooks of `phase` (not create-request, output-filter or
    /// log-transaction) from the `from`-th on, as httpd runs them: each in
    /// turn while they decline or (except in map-to-storage, type checker
    /// and handler, where the first that acts ends the phase) return
    /// `Ok`; a status ends it. A hook that needs a lookup ends the run
    /// with `Flow::Need` and its index; `retry` is the index of a hook
    /// that asked before and got its lookup (asked again, it goes on
    /// without).
    fn run_hooks(&mut self, phase: Phase, from: usize, retry: usize) -> (Flow, usize) {
        let run_first = matches!(
            phase,
            Phase::TranslateName
                | Phase::MapToStorage
                | Phase::CheckUserId
                | Phase::AuthChecker
                | Phase::TypeChecker
                | Phase::Handler
        );
        let list = self.hooks.list(phase);
        let mut i = from;
        while let Some(m) = list.get(i) {
            let r = &mut self.cx;
            let flow = match phase {
                Phase::PostReadRequest => m.post_read_request(r),
                Phase::TranslateName => m.translate_name(r),
                Phase::MapToStorage => m.map_to_storage(r),
                Phase::HeaderParser => m.header_parser(r),
                Phase::AccessChecker => m.access_checker(r),
                Phase::CheckUserId => m.check_user_id(r),
                Phase::AuthChecker => m.auth_checker(r),
                Phase::TypeChecker => m.type_checker(r),
                Phase::Fixups => m.fixups(r),
                Phase::Handler => m.handler(r),
                Phase::CreateRequest | Phase::OutputFilter | Phase::LogTransaction => {
                    Flow::Declined
                }
            };
            match flow {
                // Asked again after its lookup: the lookup cannot give
                // more.
                Flow::Need(_) if i == retry => {}
                Flow::Need(_) => return (flow, i),
                Flow::Declined => {}
                Flow::Ok if !run_first => {}
                other => return (other, i),
            }
            i += 1;
        }
        (Flow::Declined, list.len())
    }

    /// Goes on with `phase` after its `at`-th hook asked for `need`: does
    /// the lookup and runs the hooks from that one on, as often as they
    /// ask. (Callers run [`Connection::run_hooks`] first, so a phase whose
    /// hooks ask for nothing costs no future.)
    pub(crate) async fn continue_phase(&mut self, phase: Phase, need: Need, at: usize) -> Flow {
        let (mut flow, mut at) = (Flow::Need(need), at);
        while let Flow::Need(need) = flow {
            self.resolve(need).await;
            (flow, at) = self.run_hooks(phase, at, at);
        }
        flow
    }

    /// Does the lookup a hook asked for.
    async fn resolve(&mut self, need: Need) {
        match need {
            Need::RemoteHost(lookups) => self.cx.lookup_remote(lookups).await,
            Need::DoubleReverse => self.cx.lookup_double_reverse().await,
            Need::ForwardDns => self.cx.lookup_forward_dns().await,
        }
    }

    /// httpd's steps from translate-name to the fixups, for a request with
    /// a usable target. Returns false when it is refused (the status in
    /// `reply.refused`, 403 or a redirect's, which the caller answers;
    /// `%f` names the file).
    pub(crate) async fn request_phases(&mut self) -> bool {
        self.cx.start_walk();
        let (mut p, mut from, mut retry) = (0, 0, usize::MAX);
        while let Some(&phase) = self.hooks.walk_phases().get(p) {
            match self.run_hooks(phase, from, retry) {
                (Flow::Status(status), _) => {
                    self.cx.reply.refused = status;
                    return false;
                }
                (Flow::Need(need), at) => {
                    self.resolve(need).await;
                    (from, retry) = (at, at);
                }
                _ => {
                    (p, from, retry) = (p + 1, 0, usize::MAX);
                }
            }
        }
        true
    }

    /// Logs the current request: the name lookups its settings call for,
    /// then the log-transaction hooks; then mod_logio's counters start
    /// again.
    pub(crate) async fn log(&mut self) {
        if self.log_needs_lookup() {
            self.lookups_for_log().await;
        }
        for m in self.hooks.list(Phase::LogTransaction) {
            m.log_transaction(&mut self.cx);
        }
        self.cx.conn.bytes_in = 0;
        self.cx.conn.bytes_out = 0;
        // A walk's descriptor no handler took (other methods) is not kept
        // while the connection waits.
        self.cx.reply.walk.file = None;
        self.cx.reply.walk.kept = None;
        self.cx.reply.walk.keep = None;
    }
}

#[cfg(test)]
mod tests;
