//! Rendering a compiled [`Format`] against a [`Record`].
//!
//! [`Renderer::render`] appends one line, LF included, to a caller-owned
//! buffer. It allocates nothing once the buffer and the renderer's scratch
//! space have grown to their working size: values are copied (and escaped)
//! straight from the record into the output.

use jiff::tz::TimeZone;

use crate::cookie::find_cookie;
use crate::escape::{escape_json, escape_logitem};
use crate::format::{put_fixed, strftime_format, Ctx, Format, Item, Kind, TimeForm};
use crate::record::{table_get, Field, NameKey, Record, Request};
use crate::time::{day_abbrev, month_abbrev, strftime, ClfCache, Tm};

/// Renders formats; holds the time-zone, the CLF cache and scratch space.
///
/// Keep one per thread or per connection and reuse it: it is cheap to keep
/// and costly to rebuild only in that it starts with a cold time cache.
#[derive(Clone, Debug)]
pub struct Renderer {
    clf: ClfCache,
    pid: u32,
    scratch: Vec<u8>,
}

impl Default for Renderer {
    fn default() -> Self {
        Renderer::new()
    }
}

impl Renderer {
    /// A renderer for the system time zone (`TZ`, else `/etc/localtime`).
    pub fn new() -> Renderer {
        Renderer::with_time_zone(TimeZone::system())
    }

    /// A renderer for the given time zone.
    pub fn with_time_zone(tz: TimeZone) -> Renderer {
        Renderer {
            clf: ClfCache::new(tz),
            pid: std::process::id(),
            scratch: Vec::with_capacity(256),
        }
    }

    /// The time zone local times are rendered in.
    pub fn time_zone(&self) -> &TimeZone {
        self.clf.time_zone()
    }

    /// Appends the line for `rec` to `out`, ending in one LF.
    pub fn render(&mut self, fmt: &Format, rec: &Record<'_>, out: &mut Vec<u8>) {
        out.reserve(256);
        for item in &fmt.items {
            item.prefix.put(out);
            if !item.conds.is_empty() {
                let status = rec.last.status;
                let in_list = item.conds.contains(&status);
                if in_list == item.negate {
                    missing(out, item.ctx, fmt.empty);
                    continue;
                }
            }
            self.item(fmt, item, rec, out);
        }
        fmt.end.put(out);
    }

    fn item(&mut self, fmt: &Format, it: &Item, rec: &Record<'_>, out: &mut Vec<u8>) {
        let r: &Request<'_> = if it.orig { rec.orig } else { rec.last };
        let c = rec.conn;
        let ctx = it.ctx;
        let e = fmt.empty;
        match it.kind {
            Kind::Literal => out.extend_from_slice(&it.arg),
            Kind::Arg => text(out, ctx, e, Some(&it.arg), false),
            Kind::UserAgentIp => text(out, ctx, e, Some(r.useragent_ip.as_bytes()), false),
            Kind::ClientIp => text(out, ctx, e, Some(c.client_ip.as_bytes()), false),
            Kind::LocalIp => text(out, ctx, e, Some(c.local_ip.as_bytes()), false),
            Kind::BytesClf => {
                if !r.body_sent || r.bytes_sent == 0 {
                    missing(out, ctx, e)
                } else {
                    num(out, r.bytes_sent)
                }
            }
            Kind::Bytes => num(out, if r.body_sent { r.bytes_sent } else { 0 }),
            Kind::Cookie => {
                let v = self
                    .merged(r.headers_in, &it.key)
                    .and_then(|h| find_cookie(h, &it.arg));
                text(out, ctx, e, v, true)
            }
            Kind::DurationUs => inum(out, rec.end_time_us - r.request_time_us),
            Kind::DurationMs => inum(out, (rec.end_time_us - r.request_time_us) / 1000),
            Kind::DurationS => inum(out, (rec.end_time_us - r.request_time_us) / 1_000_000),
            Kind::DurationFrac => {
                let d = (rec.end_time_us - r.request_time_us).max(0);
                num(out, (d / 1_000_000) as u64);
                out.push(b'.');
                pad(out, (d % 1_000_000) as u64, 6);
            }
            Kind::Env => text(out, ctx, e, it.key.get(r.env), true),
            Kind::Filename => text(out, ctx, e, r.filename, true),
            // An address never needs escaping; a looked-up name might.
            Kind::UserAgentHost => match r.useragent_host {
                Some(h) => text(out, ctx, e, Some(h.as_bytes()), true),
                None => text(out, ctx, e, Some(r.useragent_ip.as_bytes()), false),
            },
            Kind::ClientHost => match c.remote_host {
                Some(h) => text(out, ctx, e, Some(h.as_bytes()), true),
                None => text(out, ctx, e, Some(c.client_ip.as_bytes()), false),
            },
            Kind::Protocol => text(out, ctx, e, Some(r.protocol), true),
            Kind::HeaderIn => {
                let v = self.merged(r.headers_in, &it.key);
                // `merged` may return the scratch buffer; copy through a
                // split borrow.
                text(out, ctx, e, v, true)
            }
            Kind::KeepAlives => num(out, c.keepalives.saturating_sub(1) as u64),
            Kind::Logname => text(out, ctx, e, c.remote_logname, true),
            Kind::LogId => text(out, ctx, e, r.log_id, false),
            Kind::ConnLogId => text(out, ctx, e, c.log_id, false),
            // httpd logs `-` for a request whose line was never read (an
            // idle connection's 408): its method and URI are NULL. An
            // empty request line has an empty method, logged as such.
            Kind::Method => text(out, ctx, e, r.method, true),
            Kind::Note => text(out, ctx, e, it.key.get(r.notes), true),
            Kind::HeaderOut => text(out, ctx, e, it.key.get(r.headers_out), true),
            Kind::ContentType => {
                let v = match r.content_type {
                    Some(ct) => Some(field_noparam(ct)),
                    None => it.key.get(r.headers_out),
                };
                text(out, ctx, e, v, true)
            }
            Kind::SetCookies => {
                let v = self.merged(r.headers_out, &it.key);
                text(out, ctx, e, v, true)
            }
            Kind::ServerPort => num(out, r.server_port as u64),
            Kind::LocalPort => num(out, c.local_port as u64),
            Kind::RemotePort => num(out, r.useragent_port as u64),
            Kind::Pid => num(out, self.pid as u64),
            Kind::Tid => num(out, crate::sys::thread_id()),
            Kind::HexTid => {
                let mut buf = [0u8; 16];
                let t = crate::sys::thread_id();
                let n = crate::hex::digits(t, &mut buf);
                out.extend_from_slice(&buf[16 - n..]);
            }
            Kind::Query => match r.query {
                Some(q) => prefixed(out, ctx, b"?", q, true),
                None => text(out, ctx, e, Some(b""), false),
            },
            Kind::QueryBare => text(out, ctx, e, r.query, true),
            Kind::RequestLine => text(out, ctx, e, r.request_line, true),
            Kind::Handler => text(out, ctx, e, r.handler, true),
            Kind::Status => match r.status {
                100..=999 => {
                    let s = r.status as u32;
                    let d = [
                        b'0' + (s / 100) as u8,
                        b'0' + (s / 10 % 10) as u8,
                        b'0' + (s % 10) as u8,
                    ];
                    out.extend_from_slice(&d);
                }
                ..=0 => missing(out, ctx, e),
                s => num(out, s as u64),
            },
            Kind::Time { end, form } => {
                let t = if end {
                    rec.end_time_us
                } else {
                    r.request_time_us
                };
                self.time(out, ctx, form, t, &it.arg);
            }
            Kind::User => match r.user {
                Some(b"") if matches!(ctx, Ctx::Apache) => out.extend_from_slice(b"\"\""),
                u => text(out, ctx, e, u, true),
            },
            Kind::Uri => text(out, ctx, e, non_empty(r.uri), true),
            Kind::ServerName => text(out, ctx, e, Some(r.server_name), true),
            Kind::VhostName => text(out, ctx, e, Some(r.vhost_name), true),
            Kind::ConnStatus => {
                let s: &[u8] = if c.aborted {
                    b"X"
                } else if c.keepalive
                    && (c.keepalive_max == 0 || c.keepalive_max as i64 - c.keepalives as i64 > 0)
                {
                    b"+"
                } else {
                    b"-"
                };
                text(out, ctx, e, Some(s), false)
            }
            Kind::TrailerIn => text(out, ctx, e, it.key.get(r.trailers_in), true),
            Kind::TrailerOut => text(out, ctx, e, it.key.get(r.trailers_out), true),
            Kind::BytesIn => num(out, c.bytes_in),
            Kind::BytesOut => num(out, c.bytes_out),
            Kind::BytesInOut => num(out, c.bytes_in + c.bytes_out),
            Kind::Ttfb => match r.ttfb_us {
                Some(t) => inum(out, t),
                None => missing(out, ctx, e),
            },
            Kind::TlsVar => {
                let v = it.key.get(c.tls_vars).filter(|v| !v.is_empty());
                text(out, ctx, e, v, true)
            }
            Kind::TlsConn => {
                let name: &[u8] = match &*it.arg {
                    b"version" => b"SSL_PROTOCOL",
                    b"cipher" => b"SSL_CIPHER",
                    b"subjectdn" | b"clientcert" => b"SSL_CLIENT_S_DN",
                    b"issuerdn" | b"cacert" => b"SSL_CLIENT_I_DN",
                    b"errstr" => b"SSL_CLIENT_VERIFY_ERROR",
                    _ => b"",
                };
                let v = if name.is_empty() {
                    None
                } else {
                    table_get(c.tls_vars, name).filter(|v| !v.is_empty())
                };
                text(out, ctx, e, v, true)
            }
            Kind::AuthRealm => text(out, ctx, e, r.auth_realm, true),
            Kind::ScriptName => text(out, ctx, e, r.script_name, true),
            Kind::Scheme => {
                let s: &[u8] = if r.scheme == "https" {
                    b"https:"
                } else {
                    b"http:"
                };
                text(out, ctx, e, Some(s), false)
            }
            Kind::TrackId => text(out, ctx, e, r.track_id, true),
        }
    }

    /// The value of a request or response header, repeated entries joined
    /// with `", "` as Apache's core merges them. A single entry is returned
    /// in place; several are joined in the scratch buffer.
    fn merged<'s>(&'s mut self, table: &'s [Field<'s>], key: &NameKey) -> Option<&'s [u8]> {
        let i = table.iter().position(|(n, _)| key.matches(n))?;
        let first = table[i].1;
        let rest = &table[i + 1..];
        let Some(j) = rest.iter().position(|(n, _)| key.matches(n)) else {
            return Some(first);
        };
        self.scratch.clear();
        self.scratch.extend_from_slice(first);
        for (n, v) in &rest[j..] {
            if key.matches(n) {
                self.scratch.extend_from_slice(b", ");
                self.scratch.extend_from_slice(v);
            }
        }
        Some(&self.scratch)
    }

    fn time(&mut self, out: &mut Vec<u8>, ctx: Ctx, form: TimeForm, t: i64, arg: &[u8]) {
        let json = matches!(ctx, Ctx::JsonString | Ctx::JsonValue);
        let quote = ctx == Ctx::JsonValue;
        match form {
            TimeForm::Sec => inum(out, t / 1_000_000),
            TimeForm::Msec => inum(out, t / 1000),
            TimeForm::Usec => inum(out, t),
            // Zero-padded, so not a JSON number: quoted as a bare value.
            TimeForm::MsecFrac | TimeForm::UsecFrac => {
                if quote {
                    out.push(b'"');
                }
                if form == TimeForm::MsecFrac {
                    pad(out, ((t / 1000) % 1000) as u64, 3);
                } else {
                    pad(out, (t % 1_000_000) as u64, 6);
                }
                if quote {
                    out.push(b'"');
                }
            }
            TimeForm::Clf if !quote => self.clf.write(t, out),
            TimeForm::Clf | TimeForm::ClfBare => {
                let s = self.clf.get(t);
                let s = if form == TimeForm::ClfBare {
                    &s[1..s.len() - 1]
                } else {
                    s
                };
                if quote {
                    out.push(b'"');
                }
                out.extend_from_slice(s);
                if quote {
                    out.push(b'"');
                }
            }
            TimeForm::Gmt | TimeForm::Vms | TimeForm::Strftime => {
                let tz = if form == TimeForm::Gmt {
                    TimeZone::UTC
                } else {
                    self.clf.time_zone().clone()
                };
                let tm = Tm::new(&tz, t);
                let mut scratch = std::mem::take(&mut self.scratch);
                scratch.clear();
                match form {
                    TimeForm::Gmt => write_gmt(&tm, &mut scratch),
                    TimeForm::Vms => write_vms(&tm, &mut scratch),
                    _ => strftime(strftime_format(arg), &tm, &mut scratch),
                }
                if json {
                    if quote {
                        out.push(b'"');
                    }
                    escape_json(&scratch, out);
                    if quote {
                        out.push(b'"');
                    }
                } else {
                    out.extend_from_slice(&scratch);
                }
                self.scratch = scratch;
            }
        }
    }
}

/// `None` for an empty value.
#[inline]
fn non_empty(v: &[u8]) -> Option<&[u8]> {
    if v.is_empty() {
        None
    } else {
        Some(v)
    }
}

/// `ap_field_noparam`: the value up to the first `;`, trailing white space
/// removed.
fn field_noparam(v: &[u8]) -> &[u8] {
    match v.iter().position(|&b| b == b';') {
        None => v,
        Some(mut n) => {
            while n > 0 && v[n - 1].is_ascii_whitespace() {
                n -= 1;
            }
            &v[..n]
        }
    }
}

/// `00` to `99`.
static DIGITS2: [u8; 200] = {
    let mut t = [0u8; 200];
    let mut i = 0;
    while i < 100 {
        t[2 * i] = b'0' + (i / 10) as u8;
        t[2 * i + 1] = b'0' + (i % 10) as u8;
        i += 1;
    }
    t
};

/// Appends `v` in decimal. Values below 10^8 (nearly all byte counts,
/// durations and ports) are written two digits at a time from the right
/// into an 8-byte word, shifted down to its first bytes and copied with one
/// fixed-size move.
#[inline]
fn num(out: &mut Vec<u8>, v: u64) {
    if v >= 100_000_000 {
        out.extend_from_slice(itoa::Buffer::new().format(v).as_bytes());
        return;
    }
    let mut x = v as u32;
    let mut buf = [0u8; 8];
    let mut i = 8;
    while x >= 100 {
        let d = (x % 100) as usize * 2;
        x /= 100;
        i -= 2;
        buf[i] = DIGITS2[d];
        buf[i + 1] = DIGITS2[d + 1];
    }
    if x >= 10 {
        let d = x as usize * 2;
        i -= 2;
        buf[i] = DIGITS2[d];
        buf[i + 1] = DIGITS2[d + 1];
    } else {
        i -= 1;
        buf[i] = b'0' + x as u8;
    }
    let n = 8 - i;
    let word = u64::from_le_bytes(buf) >> (8 * i);
    put_fixed(out, &word.to_le_bytes(), n);
}

#[inline]
fn inum(out: &mut Vec<u8>, v: i64) {
    out.extend_from_slice(itoa::Buffer::new().format(v).as_bytes());
}

fn pad(out: &mut Vec<u8>, v: u64, width: usize) {
    let mut buf = itoa::Buffer::new();
    let s = buf.format(v).as_bytes();
    out.extend(std::iter::repeat_n(b'0', width.saturating_sub(s.len())));
    out.extend_from_slice(s);
}

/// A value that is not there: Apache's `-`, WASD's substitute, JSON `null`.
#[inline]
fn missing(out: &mut Vec<u8>, ctx: Ctx, empty: Option<u8>) {
    match ctx {
        Ctx::JsonValue => out.extend_from_slice(b"null"),
        Ctx::JsonString => out.push(b'-'),
        Ctx::Apache | Ctx::Wasd => {
            if let Some(c) = empty {
                out.push(c)
            }
        }
    }
}

/// A text value: `escape` says whether Apache escapes this item.
#[inline]
fn text(out: &mut Vec<u8>, ctx: Ctx, empty: Option<u8>, v: Option<&[u8]>, escape: bool) {
    let Some(v) = v else {
        return missing(out, ctx, empty);
    };
    match ctx {
        Ctx::Apache => {
            if escape {
                escape_logitem(v, out)
            } else {
                out.extend_from_slice(v)
            }
        }
        Ctx::Wasd => {
            if v.is_empty() {
                missing(out, ctx, empty)
            } else {
                escape_logitem(v, out)
            }
        }
        Ctx::JsonString => escape_json(v, out),
        Ctx::JsonValue => {
            out.push(b'"');
            escape_json(v, out);
            out.push(b'"');
        }
    }
}

fn prefixed(out: &mut Vec<u8>, ctx: Ctx, prefix: &[u8], v: &[u8], escape: bool) {
    match ctx {
        Ctx::JsonValue => {
            out.push(b'"');
            out.extend_from_slice(prefix);
            escape_json(v, out);
            out.push(b'"');
        }
        _ => {
            out.extend_from_slice(prefix);
            text(out, ctx, None, Some(v), escape);
        }
    }
}

/// `Sun, 22 Nov 2026 04:05:49 GMT` (WASD `!TG`).
fn write_gmt(tm: &Tm, out: &mut Vec<u8>) {
    let dt = &tm.dt;
    out.extend_from_slice(day_abbrev(dt.weekday().to_sunday_zero_offset() as usize));
    out.extend_from_slice(b", ");
    pad(out, dt.day() as u64, 2);
    out.push(b' ');
    out.extend_from_slice(month_abbrev(dt.month() as usize - 1));
    out.push(b' ');
    inum(out, dt.year() as i64);
    out.push(b' ');
    hms(tm, out);
    out.extend_from_slice(b" GMT");
}

/// `22-NOV-2026 04:05:49.12` (WASD `!TV`): VMS absolute time in local time,
/// the day zero-padded so the field holds no space.
fn write_vms(tm: &Tm, out: &mut Vec<u8>) {
    let dt = &tm.dt;
    pad(out, dt.day() as u64, 2);
    out.push(b'-');
    out.extend(
        month_abbrev(dt.month() as usize - 1)
            .iter()
            .map(|b| b.to_ascii_uppercase()),
    );
    out.push(b'-');
    inum(out, dt.year() as i64);
    out.push(b' ');
    hms(tm, out);
    out.push(b'.');
    pad(out, (tm.epoch_us.rem_euclid(1_000_000) / 10_000) as u64, 2);
}

fn hms(tm: &Tm, out: &mut Vec<u8>) {
    pad(out, tm.dt.hour() as u64, 2);
    out.push(b':');
    pad(out, tm.dt.minute() as u64, 2);
    out.push(b':');
    pad(out, tm.dt.second() as u64, 2);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn num_agrees_with_itoa() {
        let mut vals: Vec<u64> = (0..=100_000).collect();
        let mut p = 1u64;
        while let Some(q) = p.checked_mul(10) {
            vals.extend([p - 1, p, p + 1, q - 1]);
            p = q;
        }
        vals.push(u64::MAX);
        let mut out = b"x".to_vec();
        for v in vals {
            out.truncate(1);
            num(&mut out, v);
            assert_eq!(&out[1..], v.to_string().as_bytes());
        }
    }
}
