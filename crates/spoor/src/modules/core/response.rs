use crate::config::values::CanonicalName;
use crate::http::date;
use crate::http::pages::{self, Detail};
use crate::http::request::Version;
use crate::modules::core::errordoc;
use crate::record::*;

impl Cx {
    /// Writes the status line and the headers every response starts with.
    pub(crate) fn start(&mut self, status: u16) {
        self.reply.status = status;
        self.out.clear();
        self.reply.headers_out.clear();
        match common_status_line(status) {
            Some(line) => self.out.extend_from_slice(line),
            None => {
                self.out.extend_from_slice(b"HTTP/1.1 ");
                self.out
                    .extend_from_slice(itoa::Buffer::new().format(status).as_bytes());
                self.out.push(b' ');
                self.out.extend_from_slice(pages::reason(status).as_bytes());
                self.out.extend_from_slice(b"\r\n");
            }
        }
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
        self.reply.head_prefix = self.out.len();
        self.reply.filtered = false;
        // httpd's err_headers_out come first: the challenge of a failed
        // login (mod_auth_basic, kept for an ErrorDocument's final
        // request), mod_usertrack's cookie.
        if let Some(realm) = &self.reply.challenge {
            let mut v = Vec::with_capacity(realm.len() + 14);
            v.extend_from_slice(b"Basic realm=\"");
            v.extend_from_slice(realm.as_bytes());
            v.push(b'"');
            header(
                &mut self.out,
                &mut self.reply.headers_out,
                b"WWW-Authenticate",
                &v,
            );
        }
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
        // WASD tracking's cookie (modules/wasd/hooks.rs).
        self.track_cookie();
        // mod_negotiation's lines (Content-Location, Vary, TCN…).
        if self.reply.neg.is_some() {
            self.neg_headers();
        }
    }

    /// Decides keep-alive like Apache's `ap_set_keepalive` and writes the
    /// `Keep-Alive`/`Connection` headers.
    pub(crate) fn connection_headers(&mut self) {
        let h = &self.head;
        let sc = self.cfg.servers[self.reply.server].conn;
        let max = sc.max_keepalive;
        let wanted = sc.keepalive
            && !self.reply.expecting_100
            && !drops_connection(self.reply.status)
            && h.asks_keep_alive()
            && !self.conn.shutdown.stopping()
            // HTTP/1.0 keeps the connection only for a body with a length.
            && (h.version == Version::Http11 || !self.reply.no_length);
        let left = max as i64 - self.conn.keepalives as i64;
        if wanted && (max == 0 || left > 0) {
            self.reply.keepalive = true;
            self.conn.keepalives += 1;
            self.reply.ka_counted = true;
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
                self.conn.keepalives += 1;
                self.reply.ka_counted = true;
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

    pub(crate) fn content_type(&mut self, v: &[u8]) {
        header(
            &mut self.out,
            &mut self.reply.headers_out,
            b"Content-Type",
            v,
        );
        self.reply.content_type = self.reply.headers_out.len().checked_sub(1);
    }

    /// Builds an error response in the response buffer: Apache's page, or
    /// on a WASD service its report (see [`crate::modules::wasd::report`]).
    #[track_caller]
    pub(crate) fn error_response(&mut self, status: u16, detail: Detail<'_>, http09: bool) {
        let caller = std::panic::Location::caller();
        // httpd's error response: no content filter runs on it (a local
        // ErrorDocument's final request, below, is a request of its own).
        self.reply.builtin_page = true;
        // mod_negotiation's variant list (httpd's `variant-list` note).
        let variants = match (status, detail) {
            (300 | 406, Detail::None) => self.neg_list(),
            _ => None,
        };
        let detail = match &variants {
            Some(l) => Detail::Variants(l),
            None => detail,
        };
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
        self.reply.keepalives_before = self.conn.keepalives;
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
                    let r = crate::modules::wasd::report::Report {
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
                // A TRACE refused by `TraceEnable off` has no methods
                // allowed yet (httpd's empty header).
                Detail::Method(_) if status == 405 && self.reply.trace_refused => {
                    header(&mut self.out, &mut self.reply.headers_out, b"Allow", b"")
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
            // (Also the original's page when a final request's body read
            // failed so, `Custom::Recursive`.)
            let apache413 = final_status == 413 && wasd.is_none() && !self.reply.trace_refused;
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
                crate::modules::wasd::report::CONTENT_TYPE
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
            errordoc::Custom::Local(url) => {
                self.reply.pending_errdoc = Some((status, url));
                self.reply.builtin_page = false;
            }
            errordoc::Custom::Recursive(_) => self.recursive_error_log(final_status),
            errordoc::Custom::None
            | errordoc::Custom::Text(_)
            | errordoc::Custom::Remote(_)
            | errordoc::Custom::WasdFallback(_) => {}
        }
    }

    /// `ServerSignature`: the footer httpd puts on its own pages, before
    /// `</body></html>`.
    pub(crate) fn signature(&self, body: &mut Vec<u8>) {
        let sig = self.dir_conf().core.signature.unwrap_or_default();
        if sig == crate::config::values::Signature::Off {
            return;
        }
        let srv = &self.cfg.servers[self.reply.server];
        let canonical = self.dir_conf().core.canonical_name;
        let footer = pages::Footer {
            banner: self.cfg.banner.as_bytes(),
            name: self.server_name_for(canonical),
            port: self.server_port(),
            admin: (sig == crate::config::values::Signature::Email)
                .then_some(srv.server_admin.as_bytes()),
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

    /// Whether the method is GET or HEAD (httpd's `M_GET`).
    pub(crate) fn is_get_or_head(&self) -> bool {
        self.head
            .method
            .as_ref()
            .is_some_and(|m| matches!(&self.buf[m.clone()], b"GET" | b"HEAD"))
    }

    pub(crate) fn head_is_head(&self) -> bool {
        self.head
            .method
            .as_ref()
            .is_some_and(|m| &self.buf[m.clone()] == b"HEAD")
    }

    /// The server whose WASD reports answer the request: its own, except
    /// that an unknown WASD service (served by the interface's base
    /// service) gets the main server's, which carries only the `set …
    /// report=` rules for every service.
    pub(crate) fn report_server(&self) -> usize {
        if self.reply.wasd_unknown {
            0
        } else {
            self.reply.server
        }
    }

    /// The `Accept-Ranges` value: `none` under `MaxRanges none`.
    pub(crate) fn accept_ranges(&self) -> &'static [u8] {
        if self.dir.core.range_limits().no_ranges() {
            b"none"
        } else {
            b"bytes"
        }
    }

    /// `Last-Modified`, `ETag`, `Accept-Ranges`.
    pub(crate) fn validators(&mut self, lm_s: i64, tag: &[u8]) {
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

    /// 301 to the same path with a slash, as mod_dir does.
    pub(crate) fn redirect_slash(&mut self, http09: bool) {
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
    pub(crate) fn server_port(&self) -> u16 {
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
    pub(crate) fn self_url(&self, out: &mut Vec<u8>) {
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

    /// Writes the head in `out` again from `headers_out` (after the
    /// output filters changed the table), keeping the status, `Date` and
    /// `Server` lines and the body after the head.
    pub(crate) fn rewrite_head(&mut self) {
        let prefix = self.reply.head_prefix;
        let Some(end) = memchr::memmem::find(&self.out, b"\r\n\r\n") else {
            return;
        };
        if prefix == 0 || end + 2 < prefix {
            return;
        }
        let mut head = std::mem::take(&mut self.scratch);
        head.clear();
        head.extend_from_slice(&self.out[..prefix]);
        self.reply.headers_out = self.reply.headers_out.to_owned(&self.out);
        self.reply.headers_out.write_lines(b"", &mut head);
        head.extend_from_slice(b"\r\n");
        self.out.splice(..end + 4, head.iter().copied());
        self.scratch = head;
        self.reply.content_type = self.reply.headers_out.position(b"", b"Content-Type");
    }
}

/// The status lines of the usual answers to a file request, written out
/// (one copy instead of five pieces); `None` for the others. A test checks
/// each against the line [`Cx::start`] builds from `pages::reason`.
fn common_status_line(status: u16) -> Option<&'static [u8]> {
    Some(match status {
        200 => b"HTTP/1.1 200 OK\r\n",
        206 => b"HTTP/1.1 206 Partial Content\r\n",
        304 => b"HTTP/1.1 304 Not Modified\r\n",
        404 => b"HTTP/1.1 404 Not Found\r\n",
        _ => return None,
    })
}

#[cfg(test)]
mod status_line_tests {
    use super::*;

    #[test]
    fn common_status_lines_are_the_built_ones() {
        for status in [200u16, 206, 304, 404] {
            let built = format!("HTTP/1.1 {status} {}\r\n", pages::reason(status));
            assert_eq!(
                common_status_line(status),
                Some(built.as_bytes()),
                "{status}"
            );
        }
        assert_eq!(common_status_line(500), None);
    }
}
