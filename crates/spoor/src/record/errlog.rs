use std::io;
use std::os::unix::ffi::OsStrExt;

use crate::errorlog::{Extra, Level, Module};
use crate::http::request::HeadError;
use crate::record::*;

impl Cx {
    /// Writes one error-log line about the current request; `msg` builds
    /// the message (only called when the line is written).
    pub(crate) fn elog(
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
            client_ip: &self.conn.client_ip,
            client_port: self.conn.client_port,
            request_time_us: self.reply.request_time_us,
            referer: &referer,
        };
        let ids = &mut self.ids;
        crate::errorlog::request_line(log, ids, module, level, &ctx, extra, ah, &[&text]);
    }

    /// Writes one error-log line about the connection (httpd's
    /// `ap_log_cerror`): the base server's log and levels, no request id,
    /// no referer.
    pub(crate) fn conn_elog(&mut self, module: Module, level: Level, ah: &str, msg: &[&[u8]]) {
        let log = &self.cfg.servers[self.conn.base].errorlog;
        let (ip, port) = (&self.conn.client_ip, self.conn.client_port);
        crate::errorlog::conn_line(log, &mut self.ids, module, level, ip, port, ah, msg);
    }

    /// mod_reqtimeout's AH01382 when a read of the stage under its
    /// deadline failed on time (its own deadline or `Timeout`).
    pub(crate) fn read_timeout_log(&mut self) {
        let word = self.conn.rt.kind().word();
        if word.is_empty() {
            return;
        }
        self.conn_elog(
            Module::Reqtimeout,
            Level::Info,
            "AH01382",
            &[b"Request ", word.as_bytes(), b" read timeout"],
        );
    }

    /// A request head refused while reading it (414, 400).
    pub(crate) fn head_error_log(&mut self, e: HeadError) {
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
        let limit = self.cfg.servers[self.conn.base].conn.limits.line;
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
    pub(crate) fn uri_error_log(&mut self) {
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
    pub(crate) fn open_error_log(&mut self, e: &io::Error) {
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
            match &c.reply.translated {
                // mod_alias's file name.
                Some((root, rest)) => {
                    if root.as_slice() != b"/" {
                        m.extend_from_slice(root);
                    }
                    m.extend_from_slice(rest);
                }
                None => {
                    let root = &c.cfg.servers[c.reply.server].root;
                    m.extend_from_slice(root.as_os_str().as_bytes());
                    m.extend_from_slice(c.reply.wasd_file.as_deref().unwrap_or(&c.uri));
                }
            }
        });
    }
}
