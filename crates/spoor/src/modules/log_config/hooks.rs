use std::os::unix::ffi::OsStrExt;

use std::cell::RefCell;

use spoor_log::{Conn, Field, Record, Renderer, Request};

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
        let b = &buf[..];
        let empty: &[u8] = b"";
        // A request that timed out before its head completed keeps none.
        let parsed = reply.status != 408 || !reply.dash;
        let mut fields_small: [Field<'_>; FIELDS_STACK] = [(empty, empty); FIELDS_STACK];
        let mut fields_big: Vec<Field<'_>> = Vec::new();
        let want = if parsed { head.headers.len() + 1 } else { 0 };
        let fields: &mut [Field<'_>] = if want <= FIELDS_STACK {
            &mut fields_small[..]
        } else {
            fields_big.resize(want, (empty, empty));
            &mut fields_big[..]
        };
        let n = fill_fields(b, head, fields, if parsed { usize::MAX } else { 0 });
        if let (true, Some(h)) = (reply.host_from_uri, reply.vhost.clone()) {
            // A Host header replaced by the target's host (none is added).
            if let Some(f) = fields[..n]
                .iter_mut()
                .find(|f| f.0.eq_ignore_ascii_case(b"Host"))
            {
                f.1 = &b[h];
            }
        }
        // Request trailers (`%{..}^ti`): only after a chunked body.
        let mut trailer_ranges = Vec::new();
        if !trailers.is_empty() {
            crate::http::chunked::trailer_fields(trailers, &mut trailer_ranges);
        }
        // httpd joins the values of a repeated name with ", ".
        let mut merged: Vec<(&[u8], Vec<u8>)> = Vec::new();
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
        let trailer_fields: Vec<Field<'_>> = merged.iter().map(|(n, v)| (*n, &v[..])).collect();
        // The response headers (on the stack when few).
        let want = reply.headers_out.len() + 1;
        let mut out_small: [Field<'_>; 16] = [(empty, empty); 16];
        let mut out_big: Vec<Field<'_>> = Vec::new();
        let out_fields: &mut [Field<'_>] = if want <= 16 {
            &mut out_small[..]
        } else {
            out_big.resize(want, (empty, empty));
            &mut out_big[..]
        };
        let mut m = reply.headers_out.len();
        for (slot, f) in out_fields.iter_mut().zip(reply.headers_out.iter(out)) {
            *slot = f;
        }
        // HTTP/0.9 sends no headers, but httpd logs the tracking cookie.
        if let Some(n) = reply.set_cookie {
            if !out_fields[..m].iter().any(|f| f.0 == n) {
                out_fields[m] = (n, &cookie_hdr[..]);
                m += 1;
            }
        }
        // Notes: the request's table (mod_log_forensic's id,
        // mod_usertrack's cookie), then httpd's `error-notes` for a
        // refused head; after an internal redirect the original's table is
        // its own.
        let want = notes.len() + 1;
        let mut note_small: [Field<'_>; 8] = [(empty, empty); 8];
        let mut note_big: Vec<Field<'_>> = Vec::new();
        let note_buf: &mut [Field<'_>] = if want <= 8 {
            &mut note_small[..]
        } else {
            note_big.resize(want, (empty, empty));
            &mut note_big[..]
        };
        let mut nn = notes.len();
        for (slot, f) in note_buf.iter_mut().zip(notes.iter()) {
            *slot = f;
        }
        if let Some(e) = reply.note {
            note_buf[nn] = (b"error-notes", e);
            nn += 1;
        }
        let orig_notes: Vec<Field<'_>> = match reply.redirect.as_deref() {
            Some(o) => o.notes.iter().collect(),
            None => Vec::new(),
        };
        let dash: &[u8] = b"-";
        if head.rebuilt && !reply.line_masked {
            // httpd logs the line rebuilt from its parts, single spaces.
            rebuild_line(b, head, rline);
        }
        let request_line = match (head.has_line, head.rebuilt || reply.line_masked) {
            (false, _) => None,
            (true, true) => Some(&rline[..]),
            (true, false) => Some(&b[head.line.clone()]),
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
        let dir_core = if reply.walked {
            &dir.core
        } else {
            &srv.sections.base().core
        };
        let vhost = lookups::server_name(srv, host_lc, local_host, dir_core.canonical_name);

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
            log_id: ids.conn_id(),
            remote_host: remote_name,
            ..Conn::default()
        };
        let filename = if reply.filename {
            Some(path.as_os_str().as_bytes())
        } else {
            None
        };
        // The environment as a field table: on the stack when small.
        let mut env_fields: [Field<'_>; ENV_STACK] = [(empty, empty); ENV_STACK];
        let mut env_vec: Vec<Field<'_>> = Vec::new();
        let env_table: &[Field<'_>] = if env.len() <= env_fields.len() {
            for (slot, kv) in env_fields.iter_mut().zip(env.iter()) {
                *slot = kv;
            }
            &env_fields[..env.len()]
        } else {
            env_vec.extend(env.iter());
            &env_vec
        };
        // After an ErrorDocument redirect this is the final request: a GET
        // of the local URL (see `errordoc`); `orig` is built below.
        let redirected = reply.redirect.is_some();
        let req = Request {
            env: env_table,
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
            content_type: match reply.redirect.as_deref() {
                Some(o) if o.final_content_type.is_some() => o.final_content_type.as_deref(),
                _ => reply.content_type.map(|i| reply.headers_out.value(out, i)),
            },
            headers_in: &fields[..n],
            headers_out: &out_fields[..m],
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
            log_id: ids.request_id(),
            track_id: track.id(),
            user: reply.user.as_deref(),
            // A redirect's final request starts with fresh notes (the
            // forensic id stays with the original).
            notes: &note_buf[..nn],
            ..Request::default()
        };
        let orig_env: Vec<Field<'_>>;
        let orig_out: Vec<Field<'_>>;
        let orig_req;
        let (rec, cond_env) = match reply.redirect.as_deref() {
            None => (Record::new(&conn, &req, end_us), &*env),
            Some(o) => {
                orig_env = o.env.iter().collect();
                orig_out = o.headers_out.iter(b"").collect();
                orig_req = Request {
                    env: &orig_env,
                    method,
                    uri: if reply.dash { dash } else { &o.uri },
                    query: o.query.clone().map(|q| &b[q]),
                    status: o.status as i32,
                    filename: o.filename.as_deref(),
                    handler: o.handler,
                    content_type: o.content_type.as_deref(),
                    headers_out: &orig_out,
                    bytes_sent: o.bytes_sent,
                    body_sent: o.bytes_sent > 0,
                    notes: &orig_notes,
                    user: o.user.as_deref(),
                    log_id: o.log_ids.request_id(),
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
                // A failure is reported by the sink, once per run of failures.
                let _ = cfg.sinks[lu.sink].write_record(line);
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
