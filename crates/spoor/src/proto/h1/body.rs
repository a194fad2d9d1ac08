use crate::bufpool::READ_BUF;
use crate::http::chunked::{ChunkError, Chunked};
use crate::http::request::Version;
use crate::proto::h1::{wait, Connection};
use crate::proto::Transport;

/// Why a request body could not be read.
pub(crate) enum BodyError {
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

impl<T: Transport> Connection<T> {
    /// Reads and discards the request body that starts at `body_start`.
    pub(crate) async fn discard_body(
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
            let limit = self.cx.conn.timeout;
            if !wait::write_all(&mut self.stream, &mut self.timer, limit, msg).await {
                self.reply.aborted = true;
                return Err(BodyError::Bad);
            }
            self.conn.bytes_out += msg.len() as u64;
        }
        self.begin_body_clock();
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
                            self.conn.bytes_in += used as u64;
                            return Err(match e {
                                ChunkError::Invalid => BodyError::BadChunk,
                                ChunkError::Overflow => BodyError::Overflow,
                            });
                        }
                    };
                    if c.over_limit() {
                        self.pos += n;
                        self.conn.bytes_in += n as u64;
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
            self.conn.bytes_in += used as u64;
            self.conn.rt.extend(used);
            if left == 0 {
                return Ok(());
            }
            // mod_reqtimeout checks its deadline before every read; the
            // wait lasts at most the time left (at least a second) and
            // `Timeout`.
            if self.conn.rt.active() && !self.conn.rt.check(tokio::time::Instant::now()) {
                return Err(BodyError::Timeout);
            }
            let limit = self.conn.rt.limit(self.cx.conn.timeout);
            // Keep the head in place; reuse the space after it.
            self.end = body_start;
            self.pos = body_start;
            let cx = &mut *self.cx;
            if cx.end == cx.buf.len() {
                cx.buf.resize(cx.buf.len() + READ_BUF, 0);
            }
            let buf = &mut cx.buf[cx.end..];
            let read = wait::read(&mut self.stream, &mut self.timer, limit, buf);
            match read.await {
                Some(Ok(n)) if n > 0 => self.end += n,
                Some(Ok(_)) => {
                    // The client stopped sending: httpd still answers 400
                    // (the connection is not aborted) and logs no chunk
                    // error.
                    self.reply.body_eof = true;
                    return Err(BodyError::Bad);
                }
                // The chosen server's Timeout (or mod_reqtimeout's
                // deadline) passed: httpd answers 408.
                None => return Err(BodyError::Timeout),
                Some(Err(_)) => {
                    self.reply.aborted = true;
                    return Err(BodyError::Bad);
                }
            }
        }
    }

    /// mod_reqtimeout's body stage starts with the body's first read:
    /// the request's server's `body=` setting, if the connection's base
    /// server enables the module (never for CONNECT).
    fn begin_body_clock(&mut self) {
        use crate::modules::reqtimeout::clock::Kind;
        let read = self.cfg.servers[self.reply.server].conn.read;
        let connect = self
            .head
            .method
            .clone()
            .is_some_and(|m| &self.buf[m] == b"CONNECT");
        if !self.cfg.servers[self.conn.base].conn.read.enabled || connect {
            self.conn.rt.stop();
            return;
        }
        self.conn.rt.begin(Kind::Body, read.body);
        self.conn.rt.start(tokio::time::Instant::now());
    }
}
