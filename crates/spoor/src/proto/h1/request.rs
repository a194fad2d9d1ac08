use crate::config::values::TraceEnable;
use crate::errorlog::{Extra, Level, Module};
use crate::hooks::{Flow, Phase};
use crate::http::pages::{self, Detail};
use crate::http::request::{HeadError, Parse, Version};
use crate::http::uri;
use crate::modules::core::errordoc;
use crate::proto::h1::body::BodyError;
use crate::proto::h1::Connection;
use crate::proto::h1::PIPELINE_BLANK_LINES;
use crate::proto::Transport;
use crate::record::now_us;
use crate::record::*;

impl<T: Transport> Connection<T> {
    /// Serves one parsed (or refused) request; returns whether to keep the
    /// connection.
    pub(crate) async fn request(&mut self, p: Parse) -> bool {
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
        self.new_request();
        self.prepare_uri();
        if self.reply.vhost.is_none() {
            self.reply.vhost = self.head.host.clone();
        }
        self.host_lc.clear();
        if let Some(h) = self.reply.vhost.clone() {
            let cx = &mut *self.cx;
            let h = &cx.buf[h];
            // A malformed or empty Host sets no host name (httpd answers
            // 400 and logs the server's name for %V). (A head that parsed
            // had its Host header checked.)
            let checked = p == Parse::Done && !cx.reply.host_from_uri;
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
            cx.host_lc.extend(h.iter().map(|b| b.to_ascii_lowercase()));
        }
        // A target refused with the request line: its host is `%V`, but
        // the server is chosen by address and no Host header is logged.
        let early = matches!(p, Parse::Error(_)) && self.reply.host_from_uri && !self.head.no_host;
        self.reply.host_from_uri &= !early;
        if let Some(w) = &self.cfg.wasd {
            // WASD: the service the Host names, else the interface's base
            // service (an unknown service when a Host named none).
            let host = (!self.host_lc.is_empty() && !early).then_some(&self.host_lc[..]);
            let sel = w.select(self.conn.local_addr, self.conn.local_port, host);
            self.reply.server = sel.server;
            self.reply.wasd_unknown = !sel.known;
        } else if !self.cfg.vhosts.is_empty() {
            let host = (!self.host_lc.is_empty() && !early).then_some(&self.host_lc[..]);
            self.reply.server = self
                .cfg
                .vhosts
                .select(self.conn.local_addr, self.conn.local_port, host)
                .map_or(0, |i| i + 1);
        }
        self.begin_track(matches!(p, Parse::Error(_)));
        if self.local_pending() {
            self.lookup_local().await;
        }
        let head_len = self.head.len;
        if let Parse::Error(e) = p {
            self.head_error_log(e);
            self.conn.bytes_in += head_len as u64;
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
        self.conn.bytes_in += head_len as u64;
        let body_start = self.pos + head_len;
        // The chosen server's Timeout for the body and the response; its
        // KeepAliveTimeout for the next wait if it sets one, else the base
        // server's (httpd's event MPM).
        let sc = self.cfg.servers[self.reply.server].conn;
        self.conn.timeout = sc.timeout;
        self.conn.ka_wait = if sc.keepalive_timeout_set {
            sc.keepalive_timeout
        } else {
            self.cfg.servers[self.conn.base].conn.keepalive_timeout
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
        let flow = match self.run_hooks(Phase::PostReadRequest, 0, usize::MAX) {
            (Flow::Need(need), at) => self.continue_phase(Phase::PostReadRequest, need, at).await,
            (f, _) => f,
        };
        if let Flow::Status(_) = flow {
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
            self.reply.uri_error == 0 && !self.request_phases().await
        };
        if self.local_pending() {
            self.lookup_local().await;
        }

        // TraceEnable off: TRACE is refused (405, with an empty Allow) when
        // httpd maps the URI to storage; the body is read and thrown away
        // first, as for any error, so the connection stays open.
        let trace_off = early_answer
            && self.reply.uri_error == 0
            && &self.buf[method.clone()] == b"TRACE"
            && self.cfg.servers[self.reply.server].trace_enable == TraceEnable::Off;

        // TraceEnable on: a TRACE with a body is refused (413) before the
        // body is read.
        if early_answer
            && !trace_off
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
        if matches!(read, Err(BodyError::Timeout)) {
            self.read_timeout_log();
        }
        self.conn.rt.stop();
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
            let pending = match self.reply.uri_error {
                0 if denied => self.reply.refused,
                s => s,
            };
            // A local ErrorDocument for the error already met (403, 404):
            // httpd redirects to it first, and the final request (a GET)
            // is the one whose handler reads the body and fails.
            let mut redirected = false;
            if pending != 0 {
                if let errordoc::Custom::Local(url) = self.custom_response(pending) {
                    self.reply.keepalives_before = self.conn.keepalives;
                    let _ = self.redirect_phases(pending, &url).await;
                    redirected = true;
                }
            }
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
            if redirected {
                // The final request's 413 sends the original's page
                // (`Custom::Recursive`), and the final request is logged
                // with the 413 and no body.
                let m = self.buf[method.clone()].to_vec();
                self.error_response(413, Detail::Method(&m), http09);
                // What httpd's final request had set when its body read
                // failed (logged, not sent).
                self.reply.headers_out.add(b"Content-Length", b"0");
                self.reply.headers_out.add(b"Connection", b"close");
                if self.head_is_head() && !http09 {
                    self.header_only();
                }
                self.send_out().await;
                self.log().await;
                return false;
            }
            self.reply.additionally = pending;
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
            _ if denied => {
                let status = self.reply.refused;
                match self.reply.location.take() {
                    Some(loc) => self.error_response(status, Detail::Location(&loc), http09),
                    None if status == 500 => {
                        let admin = self.cfg.servers[self.reply.server].server_admin.clone();
                        self.error_response(500, Detail::Admin(admin.as_bytes()), http09)
                    }
                    None => self.error_response(status, Detail::None, http09),
                }
            }
            _ if trace_off => {
                self.reply.trace_refused = true;
                self.reply.note = Some(b"TRACE denied by server configuration");
                self.error_response(405, Detail::Method(b"TRACE"), http09);
            }
            _ => {
                // (No handler asks for a lookup.)
                let _ = self.run_hooks(Phase::Handler, 0, usize::MAX);
                if let Some((url, _)) = self.reply.map_redirect.take() {
                    // A type map chose a file: httpd's internal redirect.
                    self.reply.keepalives_before = self.conn.keepalives;
                    let ok = self.redirect_phases(200, &url).await;
                    self.reply.error_status = 0;
                    // An error of the final request is its own (not an
                    // ErrorDocument's failure): the original is put back
                    // for the log afterwards.
                    let orig = self.reply.redirect.take();
                    if ok {
                        self.static_file(head_only, http09);
                    } else {
                        self.error_response(403, Detail::None, http09);
                    }
                    if self.reply.redirect.is_none() {
                        self.reply.redirect = orig;
                    }
                }
                if self.cx.body.is_some() {
                    // The body comes from the file.
                    self.send_response().await;
                    let from_file = self.reply.bytes_sent > 0;
                    return self.finish_request(from_file).await;
                }
            }
        }
        if let Some((status, url)) = self.reply.pending_errdoc.take() {
            if self.error_redirect(status, &url, head_only, http09).await {
                self.send_response().await;
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

    /// The internal redirect to the local URL `url` for an error with
    /// `status` (httpd's `ap_internal_redirect`): the final request's
    /// post-read-request step (the server's SetEnvIf rules on the new
    /// URI), its walk, access check and fixups, and the handler. Returns
    /// true when the response's body comes from a file
    /// ([`Cx::body`]); otherwise the response is in `out`.
    pub(crate) async fn error_redirect(
        &mut self,
        status: u16,
        url: &str,
        head_only: bool,
        http09: bool,
    ) -> bool {
        if !self.redirect_phases(status, url).await {
            self.error_response(403, crate::http::pages::Detail::None, http09);
            return false;
        }
        if self.is_type_map() {
            // An ErrorDocument that is a type map (Debian's localized
            // error pages): its inline body, or its file served in place.
            let from_file = self.type_map(head_only, http09);
            if let Some((_, name)) = self.reply.map_redirect.take() {
                return self.map_in_place(&name, head_only, http09);
            }
            return from_file;
        }
        let from_file = self.static_file(head_only, http09);
        if self.reply.unindexed {
            // A directory without an index: mod_autoindex's handler.
            let _ = crate::hooks::Module::handler(
                &crate::modules::autoindex::hooks::Autoindex,
                &mut self.cx,
            );
        }
        from_file
    }

    /// An internal redirect's final request up to its handler: the
    /// redirect itself, the post-read-request step (the server's SetEnvIf
    /// rules on the new URI), the walk, access check and fixups. Returns
    /// false when the final request is refused (403).
    async fn redirect_phases(&mut self, status: u16, url: &str) -> bool {
        self.cx.start_error_redirect(status, url);
        let cfg = self.cfg.clone();
        let rules = &cfg.servers[self.reply.server].env.rules;
        let lookups = cfg.servers[self.reply.server]
            .sections
            .base()
            .core
            .hostname_lookups;
        if self.rules_need_lookup(rules, lookups) {
            self.lookup_remote(lookups).await;
        }
        self.apply_rules(rules);
        // (mod_usertrack's fixup sees the redirect: the original keeps
        // its cookie header, the note is the final request's.)
        self.request_phases().await
    }

    /// Logs the request and, on a kept connection, looks at what the client
    /// already sent as httpd's `check_pipeline` does: it peeks at the next
    /// byte (two after a CR) and reads away empty lines, and mod_logio
    /// counts those bytes. They land in this request's `%I` unless its
    /// response went out from a file (httpd logs those before the check),
    /// else in the next one's. Returns whether to keep the connection.
    pub(crate) async fn finish_request(&mut self, from_file: bool) -> bool {
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
        self.conn.bytes_in += count;
        if !from_file {
            self.reply.keepalive &= keep;
            self.log().await;
        }
        keep
    }

    /// Drops the body from the response in `out`.
    pub(crate) fn header_only(&mut self) {
        let hdr_end =
            memchr::memmem::find(&self.out, b"\r\n\r\n").map_or(self.out.len(), |p| p + 4);
        self.out.truncate(hdr_end);
        self.reply.bytes_sent = 0;
    }
}

impl Cx {
    /// Fills `self.uri` (and the query) from the parsed target.
    pub(crate) fn prepare_uri(&mut self) {
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
}
