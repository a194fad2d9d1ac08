use std::io;
use std::os::unix::ffi::OsStrExt;

use crate::errorlog::{Extra, Level, Module};
use crate::http::pages::Detail;
use crate::http::request::Version;
use crate::modules::core::dirhooks;
use crate::record::*;
use crate::static_files::{self, ByteRange, Condition};

impl Cx {
    /// Serves a file for GET/HEAD/POST. Returns true when the response's
    /// body comes from the file ([`Cx::body`] says which part; the
    /// protocol layer sends it after the head in `out`), false when the
    /// whole response is in `out`.
    pub(crate) fn static_file(&mut self, head_only: bool, http09: bool) -> bool {
        self.translated_path();
        self.reply.filename = true;
        // A checked walk already opened what it checked (modules/core/walk.rs).
        let kept = self.reply.walk.kept.take();
        let opened = match (self.reply.walk.file.take(), kept) {
            (Some(r), _) => r.map(OpenFile::Own),
            (None, Some(f)) => Ok(OpenFile::Kept(f)),
            (None, None) => static_files::open_read(&self.path).map(OpenFile::Own),
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
        if let (Some(k), OpenFile::Own(_)) = (self.reply.walk.keep.take(), &file) {
            // A file asked for again and again: the worker keeps it for a
            // moment (`file_cache.rs`).
            if let OpenFile::Own(f) = file {
                let path = self.path.as_os_str().as_bytes();
                file = match crate::file_cache::put(k.tag, path, f, meta, k.id, k.born) {
                    Ok(kept) => OpenFile::Kept(kept),
                    Err(f) => OpenFile::Own(f),
                };
            }
        }
        if meta.dir {
            self.reply.handler = Some(b"httpd/unix-directory");
            if self.uri.last() != Some(&b'/') {
                self.redirect_slash(http09);
                return false;
            }
            match self.directory_index() {
                dirhooks::Index::Found(f, m) => {
                    file = OpenFile::Own(f);
                    meta = FileStat::of(&m);
                    // mod_dir's internal redirect: the index has no handler.
                    self.reply.handler = None;
                }
                dirhooks::Index::Refused(status) => {
                    self.error_response(status, Detail::None, http09);
                    return false;
                }
                dirhooks::Index::Missing
                    if self.cfg.loaded("autoindex_module")
                        // (An ErrorDocument's request is a GET.)
                        && (self.is_get_or_head() || self.reply.error_status != 0) =>
                {
                    // mod_dir declines: mod_autoindex's handler lists the
                    // directory (`self.path`) or refuses it.
                    self.reply.unindexed = true;
                    return false;
                }
                dirhooks::Index::Missing => {
                    // No index and no mod_autoindex: 404, and `%f` keeps
                    // the directory's trailing slash.
                    self.translated_path();
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
        if self.reply.neg.is_some() {
            self.neg_etag(&mut tag);
        }

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
            self.mime_headers();
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
            self.body = Some(Body::File {
                file,
                first: 0,
                count: len,
            });
            return true;
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
                self.mime_headers();
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
            let mut values = header_values(&self.buf, &self.head, b"Range");
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
                // note stays) or mod_negotiation's lines.
                self.reply.set_cookie = None;
                self.reply.neg = None;
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
            let r = self.multipart(file, parts, len, ct, head_only);
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
        if self.reply.neg.is_some() {
            self.neg_expires();
        }
        if let Some(ct) = ct {
            self.content_type(ct);
        }
        self.ct_buf = ct_buf;
        self.mime_headers();
        self.out.extend_from_slice(b"\r\n");
        // A HEAD request's file goes to the protocol layer only when an
        // output filter may change the body's length (it sends no body).
        if head_only && !self.reply.filters_inserted {
            return false;
        }
        self.body = Some(Body::File { file, first, count });
        true
    }

    /// A 206 with several ranges: a `multipart/byteranges` body, each part
    /// with the entity's type and its `Content-range`, as httpd sends it.
    /// The status line and validators are already in `out`.
    pub(crate) fn multipart(
        &mut self,
        file: OpenFile,
        parts: Vec<(u64, u64)>,
        len: u64,
        ct: Option<&[u8]>,
        head_only: bool,
    ) -> bool {
        let boundary = multipart_boundary();
        let tail = multipart_tail(boundary);
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
            for &(a, b) in &parts {
                scratch.clear();
                part_head(boundary, ct, len, a, b, &mut scratch);
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
        // (httpd's byte-range filter keeps the entity's language and
        // encoding lines.)
        self.mime_headers();
        self.out.extend_from_slice(b"\r\n");
        if head_only {
            return false;
        }
        self.body = Some(Body::Multipart {
            file,
            parts,
            len,
            ct: ct.map(<[u8]>::to_vec),
            chunked,
        });
        true
    }
}

impl Cx {
    pub(crate) fn options(&mut self) {
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
    pub(crate) fn trace(&mut self) {
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

    /// After a failed open: cuts `self.path` after the first component
    /// that is missing or is not a directory, as httpd's directory walk
    /// leaves `r->filename` (the rest is path info, which `%f` drops).
    pub(crate) fn strip_path_info(&mut self) {
        let (mut p, rel): (std::path::PathBuf, &[u8]) = match &self.reply.translated {
            Some((root, rest)) => (std::ffi::OsStr::from_bytes(root).into(), rest),
            None => (
                self.cfg.servers[self.reply.server].root.clone(),
                self.reply.wasd_file.as_deref().unwrap_or(&self.uri),
            ),
        };
        for seg in rel.get(1..).unwrap_or(b"").split(|&b| b == b'/') {
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

    pub(crate) fn open_error(&mut self, e: io::Error, http09: bool) {
        self.open_error_log(&e);
        let status = match e.raw_os_error() {
            Some(libc::ENOENT) | Some(libc::ENOTDIR) => 404,
            _ => 403,
        };
        self.error_response(status, Detail::None, http09);
    }
}

/// The head of one part of a `multipart/byteranges` body: the boundary,
/// the entity's type and the part's `Content-range`.
pub(crate) fn part_head(
    boundary: &str,
    ct: Option<&[u8]>,
    len: u64,
    a: u64,
    b: u64,
    out: &mut Vec<u8>,
) {
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
}

/// The closing boundary of a `multipart/byteranges` body.
pub(crate) fn multipart_tail(boundary: &str) -> Vec<u8> {
    let mut tail = b"\r\n--".to_vec();
    tail.extend_from_slice(boundary.as_bytes());
    tail.extend_from_slice(b"--\r\n");
    tail
}
