use std::os::unix::ffi::OsStrExt;

use std::cell::RefCell;

use smallvec::SmallVec;
use spoor_log::{Conn, Field, Needs, Record, Renderer, Request};

use crate::hooks::{Module, Phase, Phases};
use crate::modules::core::lookups::{self, RemoteHost};
use crate::record::now_us;
use crate::record::*;
use crate::site::Config;

thread_local! {
    /// The worker's renderer, with its time cache, shared by every
    /// connection of the thread (one per connection cost an allocation
    /// and a `getpid` each, and memory while idle), for the configuration
    /// whose time zone it names ([`Config::tz_id`]).
    static RENDERER: RefCell<Option<(u64, Renderer)>> = const { RefCell::new(None) };
}

impl Cx {
    /// Renders and writes the access-log line of the current request (the
    /// protocol layer then resets the mod_logio counters).
    pub(crate) fn write_log(&mut self) {
        let end_us = now_us();
        let (client_port, local_port, keepalives) = (
            self.conn.client_port,
            self.conn.local_port,
            self.conn.keepalives,
        );
        let (bytes_in, bytes_out) = (self.conn.bytes_in, self.conn.bytes_out);
        let Cx {
            buf,
            head,
            out,
            line,
            uri,
            reply,
            cfg,
            path,
            conn,
            rline,
            host_lc,
            env,
            ids,
            track,
            notes,
            cookie_hdr,
            dir,
            trailers,
            ..
        } = &mut *self;
        let ConnRec {
            client_ip,
            local_ip,
            remote_host,
            local_host,
            ..
        } = &*conn;
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
            return;
        }
        if srv.logs.is_empty() {
            // No access log: no record to build.
            return;
        }
        // Only what the server's formats read is gathered (`Format::needs`,
        // known since the formats were compiled); the rest of the record
        // stays empty. (United here rather than kept beside the list, which
        // is public and may be changed after the configuration is built.)
        let needs = srv
            .logs
            .iter()
            .fold(Needs::NONE, |n, lu| n | lu.format.needs());
        let b = &buf[..];
        // A request that timed out before its head completed keeps none.
        let parsed = reply.status != 408 || !reply.dash;
        // The tables are inline vectors: slots that are not filled cost
        // nothing (an array would be initialised in full for every request),
        // and one `push` at a time measured cheaper than `extend`.
        let mut fields = FieldTable::new();
        if parsed && needs.contains(Needs::HEADERS_IN) {
            header_table(b, head, &mut fields);
            if let (true, Some(h)) = (reply.host_from_uri, reply.vhost.clone()) {
                // A Host header replaced by the target's host (none is added).
                if let Some(f) = fields
                    .iter_mut()
                    .find(|f| f.0.eq_ignore_ascii_case(b"Host"))
                {
                    f.1 = &b[h];
                }
            }
        }
        // Request trailers (`%{..}^ti`): only after a chunked body.
        let mut merged: Vec<(&[u8], Vec<u8>)> = Vec::new();
        if !trailers.is_empty() && needs.contains(Needs::TRAILERS_IN) {
            let mut trailer_ranges = Vec::new();
            crate::http::chunked::trailer_fields(trailers, &mut trailer_ranges);
            // httpd joins the values of a repeated name with ", ".
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
        }
        let trailer_fields: Vec<Field<'_>> = merged.iter().map(|(n, v)| (*n, &v[..])).collect();
        // The response headers.
        let mut out_fields: SmallVec<[Field<'_>; 16]> = SmallVec::new();
        if needs.contains(Needs::HEADERS_OUT) {
            for f in reply.headers_out.iter(out) {
                out_fields.push(f);
            }
            // HTTP/0.9 sends no headers, but httpd logs the tracking cookie.
            if let Some(n) = reply.set_cookie {
                if !out_fields.iter().any(|f| f.0 == n) {
                    out_fields.push((n, &cookie_hdr[..]));
                }
            }
        }
        // Notes: the request's table (mod_log_forensic's id,
        // mod_usertrack's cookie), then httpd's `error-notes` for a
        // refused head; after an internal redirect the original's table is
        // its own.
        let mut note_buf: SmallVec<[Field<'_>; 8]> = SmallVec::new();
        if needs.contains(Needs::NOTES) {
            for f in notes.iter() {
                note_buf.push(f);
            }
            if let Some(e) = reply.note {
                note_buf.push((b"error-notes", e));
            }
        }
        // The environment.
        let mut env_table: SmallVec<[Field<'_>; ENV_STACK]> = SmallVec::new();
        if needs.contains(Needs::ENV) {
            for f in env.iter() {
                env_table.push(f);
            }
        }
        let dash: &[u8] = b"-";
        let request_line = if !needs.contains(Needs::REQUEST_LINE) {
            None
        } else {
            if head.rebuilt && !reply.line_masked {
                // httpd logs the line rebuilt from its parts, single spaces.
                rebuild_line(b, head, rline);
            }
            match (head.has_line, head.rebuilt || reply.line_masked) {
                (false, _) => None,
                (true, true) => Some(&rline[..]),
                (true, false) => Some(&b[head.line.clone()]),
            }
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
        let vhost: &[u8] = if needs.contains(Needs::VHOST_NAME) {
            let dir_core = if reply.walked {
                &dir.core
            } else {
                &srv.sections.base().core
            };
            lookups::server_name(srv, host_lc, local_host, dir_core.canonical_name)
        } else {
            b""
        };

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
            log_id: if needs.contains(Needs::CONN_LOG_ID) {
                ids.conn_id()
            } else {
                None
            },
            remote_host: remote_name,
            ..Conn::default()
        };
        let filename = if reply.filename && needs.contains(Needs::FILENAME) {
            Some(path.as_os_str().as_bytes())
        } else {
            None
        };
        // After an ErrorDocument redirect this is the final request: a GET
        // of the local URL (see `errordoc`); `orig` is built below.
        let redirected = reply.redirect.is_some();
        let req = Request {
            env: &env_table,
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
            content_type: if !needs.contains(Needs::HEADERS_OUT) {
                None
            } else {
                match reply.redirect.as_deref() {
                    Some(o) if o.final_content_type.is_some() => o.final_content_type.as_deref(),
                    _ => reply.content_type.map(|i| reply.headers_out.value(out, i)),
                }
            },
            headers_in: &fields,
            headers_out: &out_fields,
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
            log_id: if needs.contains(Needs::LOG_ID) {
                ids.request_id()
            } else {
                None
            },
            track_id: if needs.contains(Needs::TRACK_ID) {
                track.id()
            } else {
                None
            },
            user: reply.user.as_deref(),
            // A redirect's final request starts with fresh notes (the
            // forensic id stays with the original).
            notes: &note_buf,
            ..Request::default()
        };
        let orig_env: Vec<Field<'_>>;
        let orig_out: Vec<Field<'_>>;
        let orig_notes: Vec<Field<'_>>;
        let orig_req;
        let (rec, cond_env) = match reply.redirect.as_deref() {
            None => (Record::new(&conn, &req, end_us), &*env),
            // No item reads the original request apart from the final one.
            Some(o) if !needs.contains(Needs::ORIG) => (Record::new(&conn, &req, end_us), &o.env),
            Some(o) => {
                orig_env = if needs.contains(Needs::ENV) {
                    o.env.iter().collect()
                } else {
                    Vec::new()
                };
                orig_out = if needs.contains(Needs::HEADERS_OUT) {
                    o.headers_out.iter(b"").collect()
                } else {
                    Vec::new()
                };
                orig_notes = if needs.contains(Needs::NOTES) {
                    o.notes.iter().collect()
                } else {
                    Vec::new()
                };
                orig_req = Request {
                    env: &orig_env,
                    method,
                    uri: if reply.dash { dash } else { &o.uri },
                    query: o.query.clone().map(|q| &b[q]),
                    status: o.status as i32,
                    filename: o
                        .filename
                        .as_deref()
                        .filter(|_| needs.contains(Needs::FILENAME)),
                    handler: o.handler,
                    content_type: o
                        .content_type
                        .as_deref()
                        .filter(|_| needs.contains(Needs::HEADERS_OUT)),
                    headers_out: &orig_out,
                    bytes_sent: o.bytes_sent,
                    body_sent: o.bytes_sent > 0,
                    notes: &orig_notes,
                    user: o.user.as_deref(),
                    log_id: if needs.contains(Needs::LOG_ID) {
                        o.log_ids.request_id()
                    } else {
                        None
                    },
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
        RENDERER.with_borrow_mut(|slot| {
            let renderer = match slot {
                Some((id, r)) if *id == cfg.tz_id => r,
                _ => {
                    &mut slot
                        .insert((cfg.tz_id, Renderer::with_time_zone(cfg.time_zone.clone())))
                        .1
                }
            };
            for lu in &srv.logs {
                if lu.condition.as_ref().is_some_and(|c| !c.allows(cond_env)) {
                    continue;
                }
                line.clear();
                renderer.render(&lu.format, &rec, line);
                // A failure is reported by the sink, once per run of
                // failures. Grouped: when another worker is writing this
                // log, the record is handed to it rather than queued in
                // the kernel for the file's lock (`spoor_log::sink`).
                let _ = cfg.sinks[lu.sink].write_record_grouped(line);
            }
        });
    }
}

/// mod_log_config (with mod_logio's counters): the access logs.
pub(crate) struct LogConfig;

impl Module for LogConfig {
    fn name(&self) -> &'static str {
        "mod_log_config.c"
    }

    fn phases(&self, cfg: &Config) -> Phases {
        if cfg.servers.iter().any(|s| !s.logs.is_empty()) {
            Phases::NONE.with(Phase::LogTransaction)
        } else {
            Phases::NONE
        }
    }

    fn log_transaction(&self, r: &mut Cx) {
        r.write_log();
    }
}
