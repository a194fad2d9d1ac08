use std::os::unix::fs::FileExt;
use std::pin::Pin;
use std::task::Poll;

use crate::hooks::Phase;
use crate::http::request::Version;
use crate::modules::core::handler::{multipart_tail, part_head};
use crate::proto::h1::{wait, Connection};
use crate::proto::h1::{FILE_CHUNK, INLINE_BODY};
use crate::proto::Transport;
use crate::record::*;

impl<T: Transport> Connection<T> {
    /// Sends `out` followed by `count` bytes of `file` from `first`. Small
    /// bodies go in the same write as the header.
    pub(crate) async fn send_file(&mut self, file: &OpenFile, first: u64, count: u64) -> bool {
        if let Some(d) = file.data() {
            // The open-file cache's bytes of a small file: no read.
            let part = usize::try_from(first)
                .ok()
                .and_then(|a| d.get(a..a.checked_add(usize::try_from(count).ok()?)?));
            if let Some(part) = part {
                self.out.extend_from_slice(part);
                self.reply.bytes_sent = count;
                self.send_out().await;
                return true;
            }
        }
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
        if self.stream.sends_files() {
            // The head and the file leave in full segments (TCP_CORK, as
            // lighttpd does): measured, 1 MiB, one worker, against
            // lighttpd in the same run: 0.95 corked with sendfile, 0.49
            // uncorked with sendfile, 0.72 corked with read and write.
            self.stream.cork(true);
            self.send_out().await;
            let done = self.reply.aborted || self.sendfile(file, first, count).await;
            self.stream.cork(false);
            return done;
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
            let data = &self.cx.file_buf[..read];
            let w = wait::write_all(
                &mut self.stream,
                &mut self.timer,
                self.cx.conn.timeout,
                data,
            );
            match w.await {
                true => {
                    self.conn.bytes_out += read as u64;
                    self.reply.bytes_sent += read as u64;
                    off += read as u64;
                }
                false => {
                    self.reply.aborted = true;
                    return true;
                }
            }
        }
        true
    }

    /// Sends `count` bytes of `file` from `first` (the head is out) with
    /// `sendfile(2)`: the bytes go from the page cache to the socket
    /// without a copy through the server, in [`FILE_CHUNK`] steps under
    /// the connection's `Timeout`. A file that ends early (truncated
    /// meanwhile) aborts the response, as a short read does.
    async fn sendfile(&mut self, file: &std::fs::File, first: u64, count: u64) -> bool {
        let mut off = first;
        let end = first + count;
        while off < end {
            let n = ((end - off) as usize).min(FILE_CHUNK);
            let (stream, limit) = (&mut self.stream, self.cx.conn.timeout);
            let sent = wait::timed(&mut self.timer, limit, |cx| {
                stream.poll_send_file(cx, file, off, n)
            })
            .await;
            match sent {
                Some(Ok(k)) if k > 0 => {
                    self.conn.bytes_out += k as u64;
                    self.reply.bytes_sent += k as u64;
                    off += k as u64;
                }
                _ => {
                    self.reply.aborted = true;
                    return true;
                }
            }
        }
        true
    }

    /// Runs the output-filter phase once on the response's head (not on
    /// an HTTP/0.9 answer, which has none); `body_len` is the length of
    /// the body planned after it. When no module inserted a body filter
    /// the head is written again from the table now; otherwise
    /// [`Connection::send_filtered`] writes it once the framing is known.
    fn head_filters(&mut self, body_len: u64) {
        if self.cx.reply.filtered {
            return;
        }
        self.cx.reply.filtered = true;
        let filters = self.hooks.list(Phase::OutputFilter);
        if filters.is_empty() {
            return;
        }
        self.cx.reply.body_len = body_len;
        for m in filters {
            m.output_filter(&mut self.cx);
        }
        if self.cx.reply.send_from != 0 {
            // An HTTP/0.9 answer: httpd's filters run (what they set is
            // logged), but there is no head to rewrite, and spoor sends
            // its body as it is (a client that cannot send headers never
            // asks for an encoding).
            self.cx.filters.clear();
            return;
        }
        if self.cx.filters.is_empty() {
            self.cx.rewrite_head();
        }
    }

    /// Writes the response buffer.
    pub(crate) async fn send_out(&mut self) {
        if !self.cx.reply.filtered {
            let body = if self.cx.reply.send_from != 0 {
                self.out.len() - self.reply.send_from
            } else {
                memchr::memmem::find(&self.out, b"\r\n\r\n").map_or(0, |p| self.out.len() - p - 4)
            };
            self.head_filters(body as u64);
            if !self.cx.filters.is_empty() {
                // Boxed, as the other rare paths below: their states
                // would otherwise size every request's future (1,152
                // bytes, past glibc's per-thread cache of small blocks).
                Box::pin(self.send_filtered(None)).await;
                return;
            }
        }
        let from = self.reply.send_from.min(self.out.len());
        if self.out.len() == from {
            return;
        }
        let (stream, out) = (&mut self.stream, &self.cx.out[from..]);
        let mut done = 0;
        let w = wait::timed(&mut self.timer, self.cx.conn.timeout, |cx| loop {
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
            Some(true) => self.conn.bytes_out += (self.out.len() - from) as u64,
            _ => self.reply.aborted = true,
        }
    }

    /// Sends the response: the head in `out`, then the body the handler
    /// planned ([`Cx::body`]), if any.
    pub(crate) async fn send_response(&mut self) {
        match self.cx.body.take() {
            None => self.send_out().await,
            Some(Body::File { file, first, count }) => {
                self.head_filters(count);
                if !self.cx.filters.is_empty() {
                    Box::pin(self.send_filtered(Some((&file, first, count)))).await;
                } else if self.head_is_head() {
                    // A HEAD request's file, kept for a filter that did
                    // not take the response: the head alone.
                    self.reply.bytes_sent = 0;
                    self.send_out().await;
                } else {
                    self.send_file(&file, first, count).await;
                }
            }
            Some(Body::Multipart {
                file,
                parts,
                len,
                ct,
                chunked,
            }) => {
                // A `multipart/byteranges` answer is a 206, which no
                // body filter of spoor's takes (mod_filter filters 200s).
                self.head_filters(len);
                self.cx.filters.clear();
                self.send_out().await;
                Box::pin(self.send_multipart(&file, &parts, len, ct, chunked)).await;
            }
        }
    }

    /// Sends a `multipart/byteranges` body (the head is out), in chunks
    /// of [`FILE_CHUNK`], framed as chunks when `chunked`.
    async fn send_multipart(
        &mut self,
        file: &std::fs::File,
        parts: &[(u64, u64)],
        len: u64,
        ct: Option<Vec<u8>>,
        chunked: bool,
    ) {
        let boundary = multipart_boundary();
        let tail = multipart_tail(boundary);
        // The body goes out in chunks built in `file_buf` (`out` keeps the
        // header values the log reads).
        let mut body = std::mem::take(&mut self.file_buf);
        body.clear();
        let mut sent = 0u64;
        let mut framed = Vec::new();
        let mut ok = !self.reply.aborted;
        'parts: for (i, &(a, b)) in parts.iter().enumerate() {
            part_head(boundary, ct.as_deref(), len, a, b, &mut body);
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
                    let limit = self.cx.conn.timeout;
                    if !wait::write_all(&mut self.stream, &mut self.timer, limit, data).await {
                        ok = false;
                        break 'parts;
                    }
                    self.conn.bytes_out += data.len() as u64;
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
    }
}

impl<T: Transport> Connection<T> {
    /// Sends a response whose body goes through the body filters of
    /// [`Cx::filters`]: the body is `count` bytes of `file` from `first`,
    /// or (`None`) what follows the head in `out`. The body is read in
    /// pieces of [`FILE_CHUNK`] and streamed through the chain; each
    /// piece the last filter hands on goes out at once. The head goes out
    /// with the first: with a `Content-Length` when the filters kept
    /// everything to the end, else without one (httpd's content-length
    /// filter): chunked on HTTP/1.1, up to the close on HTTP/1.0. A HEAD
    /// answer's body is filtered for its length only, and no further
    /// than the first piece handed on (httpd's mod_deflate stops there).
    pub(crate) async fn send_filtered(&mut self, file: Option<(&std::fs::File, u64, u64)>) {
        let head_end =
            memchr::memmem::find(&self.out, b"\r\n\r\n").map_or(self.out.len(), |p| p + 4);
        let mem_body = self.out.split_off(head_end);
        let head_only = self.head_is_head();
        let mut chain = Chain::new(std::mem::take(&mut self.cx.filters));
        let mut input = std::mem::take(&mut self.file_buf);
        let mut pending = FilterOut::default();
        let mut head_sent = false;
        let mut chunked = false;
        let mut sent = 0u64;
        let (mut off, end) = match file {
            Some((_, first, count)) => (first, first + count),
            None => (0, mem_body.len() as u64),
        };
        let mut ok = !self.reply.aborted;
        while ok && off < end {
            let piece: &[u8] = match file {
                Some((f, _, _)) => {
                    let n = ((end - off) as usize).min(FILE_CHUNK);
                    input.resize(n, 0);
                    match f.read_at(&mut input[..n], off) {
                        Ok(r) if r > 0 => &input[..r],
                        _ => {
                            ok = false;
                            break;
                        }
                    }
                }
                None => &mem_body,
            };
            off += piece.len() as u64;
            chain.data(piece, &mut pending);
            if pending.cuts.is_empty() {
                continue;
            }
            if !head_sent {
                head_sent = true;
                chunked = self.unknown_length(head_only);
                self.cx.rewrite_head();
                let head = std::mem::take(&mut self.cx.out);
                ok = self.write_body(&head).await;
                self.cx.out = head;
                if head_only {
                    // The head alone; the filters stop here.
                    self.reply.bytes_sent = 0;
                    self.file_buf = input;
                    self.reply.aborted |= !ok;
                    return;
                }
            }
            let mut from = 0;
            for i in 0..pending.cuts.len() {
                let to = pending.cuts[i];
                if ok {
                    ok = self
                        .write_body_framed(&pending.buf[from..to], chunked, false)
                        .await;
                    sent += (to - from) as u64;
                }
                from = to;
            }
            pending.buf.drain(..from);
            pending.cuts.clear();
        }
        self.file_buf = input;
        if !ok {
            self.reply.aborted = true;
            self.reply.bytes_sent = sent;
            return;
        }
        chain.finish(&mut pending, &mut self.cx.notes);
        if head_sent {
            // (Pieces handed on at the end go out as one, with the
            // last-chunk.)
            let last = self.write_body_framed(&pending.buf, chunked, true).await;
            sent += pending.buf.len() as u64;
            self.reply.aborted |= !last;
            self.reply.bytes_sent = sent;
            return;
        }
        // Everything was kept to the end: the length is known.
        let body = pending.buf;
        let at = filter_header_at(&self.cx.reply.headers_out, &self.cx.out);
        let mut ib = itoa::Buffer::new();
        let len = ib.format(body.len());
        self.cx
            .reply
            .headers_out
            .insert(at, b"Content-Length", len.as_bytes());
        self.cx.rewrite_head();
        if head_only {
            self.reply.bytes_sent = 0;
        } else {
            self.cx.out.extend_from_slice(&body);
            self.reply.bytes_sent = body.len() as u64;
        }
        let out = std::mem::take(&mut self.cx.out);
        let done = self.write_body(&out).await;
        self.cx.out = out;
        self.reply.aborted |= !done;
    }

    /// The head of a filtered response whose length is not known before
    /// the body goes out: no `Content-Length`; then, unless it answers a
    /// HEAD request (which has no body to frame), chunked on HTTP/1.1
    /// (unless the client waits for a `100 Continue`, as for httpd's
    /// streamed multipart answers), and on HTTP/1.0 the connection is
    /// not kept (httpd decides keep-alive after the filters, once).
    /// Returns whether the body goes out in chunks.
    fn unknown_length(&mut self, head_only: bool) -> bool {
        let cx = &mut *self.cx;
        let out = &cx.out;
        let hdrs = &mut cx.reply.headers_out;
        hdrs.unset(out, b"Content-Length");
        if head_only {
            return false;
        }
        cx.reply.no_length = true;
        if cx.head.version == Version::Http11 && !cx.reply.expecting_100 {
            let at = hdrs.position(out, b"Content-Type").unwrap_or(hdrs.len());
            hdrs.insert(at, b"Transfer-Encoding", b"chunked");
            return true;
        }
        if cx.reply.keepalive || cx.reply.ka_counted {
            hdrs.unset(out, b"Keep-Alive");
            hdrs.unset(out, b"Connection");
            let at = filter_header_at(hdrs, out);
            hdrs.insert(at, b"Connection", b"close");
            if cx.reply.ka_counted {
                cx.conn.keepalives = cx.conn.keepalives.saturating_sub(1);
                cx.reply.ka_counted = false;
            }
            cx.reply.keepalive = false;
        }
        false
    }

    /// Writes `data` as it is; counts it for `%O`.
    async fn write_body(&mut self, data: &[u8]) -> bool {
        if data.is_empty() {
            return true;
        }
        let limit = self.cx.conn.timeout;
        let ok = wait::write_all(&mut self.stream, &mut self.timer, limit, data).await;
        if ok {
            self.conn.bytes_out += data.len() as u64;
        }
        ok
    }

    /// Writes a piece of the filtered body, as a chunk when `chunked`
    /// (`last`: with the last-chunk after it).
    async fn write_body_framed(&mut self, data: &[u8], chunked: bool, last: bool) -> bool {
        if !chunked {
            return self.write_body(data).await;
        }
        let mut framed = Vec::with_capacity(data.len() + 24);
        if !data.is_empty() {
            let mut n = [0u8; 16];
            framed.extend_from_slice(hex_len(data.len(), &mut n));
            framed.extend_from_slice(b"\r\n");
            framed.extend_from_slice(data);
            framed.extend_from_slice(b"\r\n");
        }
        if last {
            framed.extend_from_slice(b"0\r\n\r\n");
        }
        self.write_body(&framed).await
    }
}

/// The body filters of one response, each but the last holding the
/// output it has not handed on yet.
struct Chain {
    filters: Vec<Box<dyn BodyFilter>>,
    held: Vec<FilterOut>,
}

impl Chain {
    fn new(filters: Vec<Box<dyn BodyFilter>>) -> Chain {
        let held = (1..filters.len()).map(|_| FilterOut::default()).collect();
        Chain { filters, held }
    }

    /// Runs `data` through filter `i` and what it hands on through the
    /// ones after it; the last one's output goes to `out`.
    fn run(&mut self, i: usize, data: &[u8], out: &mut FilterOut) {
        if i + 1 == self.filters.len() {
            self.filters[i].data(data, out);
            return;
        }
        let mut mine = std::mem::take(&mut self.held[i]);
        self.filters[i].data(data, &mut mine);
        self.hand_on(i, &mut mine, out);
        self.held[i] = mine;
    }

    /// Feeds the pieces filter `i` handed on to filter `i + 1`.
    fn hand_on(&mut self, i: usize, mine: &mut FilterOut, out: &mut FilterOut) {
        let mut from = 0;
        let cuts = std::mem::take(&mut mine.cuts);
        for to in cuts {
            let piece = mine.buf[from..to].to_vec();
            self.run(i + 1, &piece, out);
            from = to;
        }
        mine.buf.drain(..from);
    }

    /// Runs `data` through the chain.
    fn data(&mut self, data: &[u8], out: &mut FilterOut) {
        self.run(0, data, out);
    }

    /// Ends the body: each filter's rest goes through the ones after it.
    fn finish(&mut self, out: &mut FilterOut, notes: &mut crate::record::table::Table) {
        let n = self.filters.len();
        for i in 0..n {
            if i + 1 == n {
                self.filters[i].finish(out, notes);
                return;
            }
            let mut mine = std::mem::take(&mut self.held[i]);
            self.filters[i].finish(&mut mine, notes);
            mine.pass();
            self.hand_on(i, &mut mine, out);
        }
    }
}
