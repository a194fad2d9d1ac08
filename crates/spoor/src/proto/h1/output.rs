use std::os::unix::fs::FileExt;
use std::pin::Pin;
use std::task::Poll;

use crate::hooks::Phase;
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
        self.send_out().await;
        if self.reply.aborted {
            return true;
        }
        if self.stream.sends_files() {
            return self.sendfile(file, first, count).await;
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

    /// Writes the response buffer.
    pub(crate) async fn send_out(&mut self) {
        if !self.cx.reply.filtered && self.cx.reply.send_from == 0 {
            self.cx.reply.filtered = true;
            let filters = self.hooks.list(Phase::OutputFilter);
            if !filters.is_empty() {
                for m in filters {
                    m.output_filter(&mut self.cx);
                }
                self.cx.rewrite_head();
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
                self.send_file(&file, first, count).await;
            }
            Some(Body::Multipart {
                file,
                parts,
                len,
                ct,
                chunked,
            }) => {
                self.send_out().await;
                self.send_multipart(&file, &parts, len, ct, chunked).await;
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
