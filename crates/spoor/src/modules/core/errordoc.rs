//! `ErrorDocument`: what httpd's `ap_die` does with a configured response
//! for an error status.
//!
//! * a text: sent as the body of the error response;
//! * a full URL: a 302 to it (`%<s` and `%>s` are 302);
//! * a local URL: an internal redirect. The original request keeps its
//!   status, URI, file and environment for `%<…` items; the final request
//!   is a GET of the local URL (query from that URL), its environment the
//!   original's renamed `REDIRECT_*` plus `REDIRECT_STATUS` and
//!   `REDIRECT_REQUEST_METHOD`, walked, access-checked and fixed up on its
//!   own, and served with the original status (no conditional requests or
//!   ranges). If the final request fails in turn, the answer is the
//!   original status's built-in page with httpd's "Additionally, …"
//!   paragraph: the original request is logged with that body, the final
//!   with its own status and no body.
//!
//! A WASD service's `[ErrorReportPath]` takes the local-URL path (see
//! [`crate::modules::wasd::report`]), except that a final request that fails is
//! undone: the original request gets the internal report of its own
//! status and is logged as if it had not been redirected.

use std::os::unix::ffi::{OsStrExt, OsStringExt};

use crate::http::uri;
use crate::perdir::ErrorDoc;
use crate::record::Cx;
use crate::setenv::EnvTable;

pub(crate) use crate::record::Orig;

/// What `error_response` should do for a status.
pub(crate) enum Custom {
    /// The built-in page.
    None,
    /// This text as the body.
    Text(String),
    /// A 302 to this URL.
    Remote(String),
    /// An internal redirect to this local URL (queued; the built-in page
    /// is prepared meanwhile).
    Local(String),
    /// The final request of an internal redirect failed: the original
    /// status's page with the "Additionally" paragraph.
    Recursive(u16),
    /// The final request of a WASD `[ErrorReportPath]` redirect failed:
    /// undo the redirect and send the internal report for this original
    /// status.
    WasdFallback(u16),
}

impl Cx {
    /// The `ErrorDocument` in force for `status`.
    pub(crate) fn custom_response(&self, status: u16) -> Custom {
        if let Some(rep) = self.cfg.servers[self.report_server()].report.as_deref() {
            return match &self.reply.redirect {
                // Anything but the page itself (an error, or the slash
                // redirect of a directory) means the page failed.
                Some(o) => Custom::WasdFallback(o.status),
                None => rep.error_page(status).map_or(Custom::None, Custom::Local),
            };
        }
        if let Some(o) = &self.reply.redirect {
            return if status >= 400 {
                Custom::Recursive(o.status)
            } else {
                Custom::None
            };
        }
        let dir = if self.reply.walked {
            &self.dir
        } else {
            self.cfg.servers[self.reply.server].sections.base()
        };
        match dir.core.error_document(status) {
            None => Custom::None,
            Some(ErrorDoc::Text(t)) => Custom::Text(t.clone()),
            Some(ErrorDoc::Remote(u)) => Custom::Remote(u.clone()),
            Some(ErrorDoc::Local(u)) => Custom::Local(u.clone()),
            Some(ErrorDoc::Default) => Custom::None,
        }
    }

    /// Appends httpd's paragraph for an error met while serving an
    /// ErrorDocument to a built-in page (before `</body></html>`).
    pub(crate) fn additionally(status: u16, body: &mut Vec<u8>) {
        let tail = b"</body></html>\n";
        let at = if body.ends_with(tail) {
            body.len() - tail.len()
        } else {
            body.len()
        };
        let mut p = b"<p>Additionally, a ".to_vec();
        p.extend_from_slice(itoa::Buffer::new().format(status).as_bytes());
        p.push(b' ');
        p.extend_from_slice(crate::http::pages::reason(status).as_bytes());
        p.extend_from_slice(
            b"\nerror was encountered while trying to use an ErrorDocument to handle the request.</p>\n",
        );
        body.splice(at..at, p);
    }

    /// Undoes an internal redirect whose final request failed (WASD's
    /// `[ErrorReportPath]`): the connection describes the original
    /// request again, for the report and the log.
    pub(crate) fn undo_redirect(&mut self) {
        let Some(o) = self.reply.redirect.take() else {
            return;
        };
        let o = *o;
        self.ids.undo_redirect(&o.log_ids);
        self.uri = o.uri;
        self.reply.query = o.query;
        self.reply.filename = o.filename.is_some();
        if let Some(f) = o.filename {
            self.path = std::ffi::OsString::from_vec(f).into();
        }
        self.reply.handler = o.handler;
        self.reply.user = o.user;
        self.env = o.env;
        self.reply.final_query = None;
        self.reply.error_status = 0;
        // The original's notes (mod_usertrack's among them) and cookie.
        self.reply.cookie = o.notes.get(b"cookie").is_some();
        if let Some(c) = o.notes.get(b"cookie") {
            self.cookie_note = c.to_vec();
        }
        self.notes = o.notes;
        self.reply.set_cookie = o.set_cookie.map(|(n, v)| {
            self.cookie_hdr = v;
            n
        });
    }

    /// After a failed final request: the response just built belongs to
    /// the original request in the log; the final one logs `status` and
    /// no body.
    pub(crate) fn recursive_error_log(&mut self, status: u16) {
        let Some(o) = self.reply.redirect.as_mut() else {
            return;
        };
        // A HEAD sends no body: nothing is counted.
        let head = self
            .head
            .method
            .as_ref()
            .is_some_and(|m| &self.buf[m.clone()] == b"HEAD");
        o.bytes_sent = if head { 0 } else { self.reply.bytes_sent };
        o.headers_out = self.reply.headers_out.to_owned(&self.out);
        o.content_type = self
            .reply
            .content_type
            .map(|i| o.headers_out.value(b"", i).to_vec());
        if status == 404 || status == 413 || self.reply.neg.is_some() {
            // The final request reached the type checker (its handler
            // failed, or its body read did, or mod_negotiation's type map
            // found nothing acceptable): its file's type.
            let cfg = self.cfg.clone();
            let name = self.uri.rsplit(|&b| b == b'/').next().unwrap_or(b"");
            o.final_content_type = self.dir.mime.lookup(&cfg.mime, name).map(<[u8]>::to_vec);
        }
        self.reply.status = status;
        self.reply.bytes_sent = 0;
        self.reply.headers_out.clear();
        self.reply.content_type = None;
        // The response in `out` is complete and its fields now belong to
        // the original request's record: no output filter rewrites its
        // head from the (final request's, empty) table. (mod_filter's
        // harness passes error pages through anyway.)
        self.reply.filtered = true;
    }

    /// The internal redirect to the local URL `url` for an error with
    /// `status`, up to its final request's post-read-request step: the
    /// original request is kept in `reply.redirect` (httpd's `r->prev`),
    /// the final one gets its URI, environment and log ids. The protocol
    /// layer then runs the final request's phases.
    pub(crate) fn start_error_redirect(&mut self, status: u16, url: &str) {
        let method: Vec<u8> = self
            .head
            .method
            .clone()
            .map_or_else(Vec::new, |m| self.buf[m].to_vec());
        let mut orig = Orig {
            uri: std::mem::take(&mut self.uri),
            query: self.reply.query.take(),
            status,
            filename: self
                .reply
                .filename
                .then(|| self.path.as_os_str().as_bytes().to_vec()),
            handler: self.reply.handler.take(),
            env: EnvTable::new(),
            log_ids: self.ids.start_redirect(),
            notes: std::mem::take(&mut self.notes),
            user: self.reply.user.take(),
            ..Orig::default()
        };
        // mod_mime typed the original's file before the error (unless
        // access was refused first): `%<{Content-Type}o`.
        if orig.filename.is_some() && !self.reply.access_denied {
            let cfg = self.cfg.clone();
            let p = self.path.as_os_str().as_bytes();
            let name = p.rsplit(|&b| b == b'/').next().unwrap_or(b"");
            orig.content_type = if orig.handler == Some(b"httpd/unix-directory") {
                Some(b"httpd/unix-directory".to_vec())
            } else {
                self.dir.mime.lookup(&cfg.mime, name).map(<[u8]>::to_vec)
            };
        }
        // The final request's environment: the original's, renamed.
        let mut env = EnvTable::new();
        let mut name = Vec::with_capacity(64);
        for (k, v) in self.env.iter() {
            name.clear();
            name.extend_from_slice(b"REDIRECT_");
            name.extend_from_slice(k);
            env.add(&name, v);
        }
        env.set(b"REDIRECT_REQUEST_METHOD", &method);
        env.set(
            b"REDIRECT_STATUS",
            itoa::Buffer::new().format(status).as_bytes(),
        );
        // mod_unique_id keeps the original's id for the redirect.
        if let Some(id) = env.get(b"REDIRECT_UNIQUE_ID").map(<[u8]>::to_vec) {
            env.set(b"UNIQUE_ID", &id);
        }
        orig.env = std::mem::replace(&mut self.env, env);
        // The final request: GET of the local URL.
        let mut scratch = Vec::new();
        let t = uri::process(url.as_bytes(), &mut self.uri, &mut scratch);
        self.reply.final_query = t.query.map(|q| url.as_bytes()[q].to_vec());
        self.reply.redirect = Some(Box::new(orig));
        // The built-in page prepared meanwhile is not sent.
        self.conn.keepalives = self.reply.keepalives_before;
        self.reply.filename = false;
        self.reply.error_status = status;
        if self.uri.first() != Some(&b'/') {
            self.uri.clear();
            self.uri.push(b'/');
        }
    }
}
