//! Request-head parsing: the request line by hand (so that malformed lines
//! can be logged the way Apache logs them), the header fields with
//! `httparse`, and the framing checks that refuse request smuggling.
//!
//! All positions are byte ranges into the slice that was parsed, so the
//! caller keeps the head in its read buffer and borrows from it later.

use std::ops::Range;

/// The longest request line accepted, without CR LF (Apache's
/// `LimitRequestLine` default).
pub const LINE_LIMIT: usize = 8190;
/// The longest header field line accepted, without CR LF
/// (`LimitRequestFieldSize`).
pub const FIELD_LIMIT: usize = 8190;
/// The most header fields accepted (`LimitRequestFields`).
pub const FIELDS_MAX: usize = 100;

/// The HTTP version of a request, as far as framing is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Version {
    /// A request line without a protocol: no headers, a bare body reply.
    Http09,
    /// HTTP/1.0: keep-alive only on request.
    #[default]
    Http10,
    /// HTTP/1.1 or a later 1.x/2.x version named on an HTTP/1 connection.
    Http11,
}

/// Why a request head was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeadError {
    /// A malformed request line or header (400).
    Bad,
    /// The request line is longer than [`LINE_LIMIT`] (414).
    LineTooLong,
    /// A header field is longer than [`FIELD_LIMIT`] (400).
    FieldTooLong,
    /// More than [`FIELDS_MAX`] header fields (400).
    TooManyFields,
}

/// The outcome of [`Head::parse`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Parse {
    /// More bytes are needed.
    Partial,
    /// The head is complete; [`Head::len`] bytes belong to it.
    Done,
    /// The head is refused; the fields known so far are set.
    Error(HeadError),
}

/// A parsed request head. Reuse one per connection: parsing clears it.
#[derive(Clone, Debug, Default)]
pub struct Head {
    /// The request line as logged by `%r`: without CR LF, cut to
    /// `LINE_LIMIT + 1` bytes when too long, with the LF when it ended in a
    /// bare LF.
    pub line: Range<usize>,
    /// Set once a request line was seen (complete or cut).
    pub has_line: bool,
    /// The method; `None` when the line could not be split (`%m` = `-`).
    pub method: Option<Range<usize>>,
    /// The request target as sent.
    pub target: Option<Range<usize>>,
    /// The protocol token as sent.
    pub protocol: Option<Range<usize>>,
    /// The protocol token is a valid `HTTP/x.y` (else `%H` logs
    /// `HTTP/1.0`, as Apache does).
    pub protocol_ok: bool,
    /// The line had extra white space: Apache logs it rebuilt as
    /// `method SP target SP protocol`.
    pub rebuilt: bool,
    /// The version used for framing and keep-alive.
    pub version: Version,
    /// Header fields `(name, value)` in arrival order.
    pub headers: Vec<(Range<usize>, Range<usize>)>,
    /// Bytes of the head, leading empty lines and the final empty line
    /// included.
    pub len: usize,
    /// The `Content-Length`, when one valid header was sent.
    pub content_length: Option<u64>,
    /// `Transfer-Encoding: chunked` was sent.
    pub chunked: bool,
    /// `Connection: close` was sent.
    pub conn_close: bool,
    /// `Connection: keep-alive` was sent.
    pub conn_keep_alive: bool,
    /// The value of the first `Expect` header.
    pub expect: Option<Range<usize>>,
    /// The value of the first `Host` header.
    pub host: Option<Range<usize>>,
}

fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

fn offset(base: &[u8], part: &[u8]) -> Range<usize> {
    let start = part.as_ptr() as usize - base.as_ptr() as usize;
    start..start + part.len()
}

/// `HTTP/x.y` with single digits: the version, or `None`.
fn protocol_version(p: &[u8]) -> Option<Version> {
    match p {
        [b'H', b'T', b'T', b'P', b'/', maj, b'.', min]
            if maj.is_ascii_digit() && min.is_ascii_digit() =>
        {
            match (maj - b'0', min - b'0') {
                (0, _) => None,
                (1, 0) => Some(Version::Http10),
                _ => Some(Version::Http11),
            }
        }
        _ => None,
    }
}

impl Head {
    fn reset(&mut self) {
        let mut headers = std::mem::take(&mut self.headers);
        headers.clear();
        *self = Head {
            headers,
            ..Head::default()
        };
    }

    /// Parses the head at the start of `buf`.
    pub fn parse(&mut self, buf: &[u8]) -> Parse {
        self.reset();
        // Empty lines before the request line are skipped.
        let mut i = 0;
        while i < buf.len() {
            if buf[i] == b'\n' {
                i += 1;
            } else if buf[i] == b'\r' && buf.get(i + 1) == Some(&b'\n') {
                i += 2;
            } else if buf[i] == b'\r' && i + 1 == buf.len() {
                return Parse::Partial;
            } else {
                break;
            }
        }
        let start = i;
        let Some(lf) = memchr::memchr(b'\n', &buf[start..]) else {
            if buf.len() - start > LINE_LIMIT + 1 {
                self.has_line = true;
                self.line = start..start + LINE_LIMIT + 1;
                self.len = buf.len();
                return Parse::Error(HeadError::LineTooLong);
            }
            return Parse::Partial;
        };
        self.has_line = true;
        let lf = start + lf;
        let content_end = if lf > start && buf[lf - 1] == b'\r' {
            lf - 1
        } else {
            // A bare LF ends the line: refused, logged with the LF.
            self.line = start..lf + 1;
            self.len = lf + 1;
            return Parse::Error(HeadError::Bad);
        };
        self.len = lf + 1;
        if content_end - start > LINE_LIMIT {
            self.line = start..start + LINE_LIMIT + 1;
            return Parse::Error(HeadError::LineTooLong);
        }
        self.line = start..content_end;
        let line = &buf[start..content_end];
        let ws = |b: &u8| *b == b' ' || *b == b'\t';
        let mut words = line.split(ws).filter(|w| !w.is_empty());
        let method = words.next().unwrap_or(&line[..0]);
        self.method = Some(offset(buf, method));
        let target = words.next();
        // The protocol is the rest of the line after the target.
        let protocol = target.and_then(|t| {
            let after = offset(buf, t).end;
            let rest = buf[after..content_end].trim_ascii();
            (!rest.is_empty()).then(|| {
                let s = after
                    + (buf[after..content_end].len()
                        - buf[after..content_end].trim_ascii_start().len());
                &buf[s..s + rest.len()]
            })
        });
        let canonical = match (target, protocol) {
            (Some(t), Some(p)) => method.len() + t.len() + p.len() + 2 == line.len(),
            (Some(t), None) => method.len() + t.len() + 1 == line.len(),
            _ => true,
        };
        self.rebuilt = !canonical;
        let Some(target) = target else {
            return Parse::Error(HeadError::Bad);
        };
        self.target = Some(offset(buf, target));
        let method_ok = !method.is_empty() && method.iter().all(|&b| is_tchar(b));
        let target_ok = !target.is_empty() && target.iter().all(|&b| b > b' ' && b != 0x7f);
        // Targets httpd refuses before reading any header field.
        let target_ok = target_ok && !crate::http::uri::refused_at_line(method, target);
        let Some(protocol) = protocol else {
            self.version = Version::Http09;
            if !method_ok || !target_ok || method != b"GET" {
                return Parse::Error(HeadError::Bad);
            }
            return Parse::Done;
        };
        self.protocol = Some(offset(buf, protocol));
        let version = protocol_version(protocol);
        self.protocol_ok = version.is_some();
        self.version = version.unwrap_or(Version::Http10);
        if !method_ok || !target_ok || version.is_none() || !canonical {
            return Parse::Error(HeadError::Bad);
        }
        self.parse_fields(buf, lf + 1)
    }

    fn parse_fields(&mut self, buf: &[u8], hstart: usize) -> Parse {
        let rest = &buf[hstart..];
        let mut storage = [httparse::EMPTY_HEADER; FIELDS_MAX + 1];
        match httparse::parse_headers(rest, &mut storage) {
            Ok(httparse::Status::Partial) => {
                self.len = buf.len();
                let line_start = memchr::memrchr(b'\n', rest).map_or(0, |p| p + 1);
                if rest.len() - line_start > FIELD_LIMIT + 1 {
                    return Parse::Error(HeadError::FieldTooLong);
                }
                if memchr::memchr_iter(b'\n', rest).count() > FIELDS_MAX {
                    return Parse::Error(HeadError::TooManyFields);
                }
                Parse::Partial
            }
            Ok(httparse::Status::Complete((n, fields))) => {
                self.len = hstart + n;
                if fields.len() > FIELDS_MAX {
                    self.len = buf.len();
                    return Parse::Error(HeadError::TooManyFields);
                }
                for f in fields.iter() {
                    let name = f.name.as_bytes();
                    if name.len() + 2 + f.value.len() > FIELD_LIMIT {
                        return Parse::Error(HeadError::FieldTooLong);
                    }
                    self.headers.push((offset(buf, name), offset(buf, f.value)));
                }
                self.check_fields(buf)
            }
            Err(httparse::Error::TooManyHeaders) => {
                self.len = buf.len();
                Parse::Error(HeadError::TooManyFields)
            }
            Err(_) => {
                self.len = buf.len();
                let line_start = memchr::memrchr(b'\n', rest).map_or(0, |p| p + 1);
                if rest.len() - line_start > FIELD_LIMIT + 1 {
                    return Parse::Error(HeadError::FieldTooLong);
                }
                Parse::Error(HeadError::Bad)
            }
        }
    }

    /// Framing and connection semantics of the parsed fields.
    fn check_fields(&mut self, buf: &[u8]) -> Parse {
        let mut te_seen = false;
        let mut cl_seen = false;
        for (n, v) in &self.headers {
            let name = &buf[n.clone()];
            let value = buf[v.clone()].trim_ascii();
            if name.eq_ignore_ascii_case(b"content-length") {
                if cl_seen
                    || value.is_empty()
                    || value.len() > 18
                    || !value.iter().all(u8::is_ascii_digit)
                {
                    return Parse::Error(HeadError::Bad);
                }
                cl_seen = true;
                self.content_length =
                    Some(value.iter().fold(0u64, |a, &b| a * 10 + (b - b'0') as u64));
            } else if name.eq_ignore_ascii_case(b"transfer-encoding") {
                if te_seen || !value.eq_ignore_ascii_case(b"chunked") {
                    return Parse::Error(HeadError::Bad);
                }
                te_seen = true;
                self.chunked = true;
            } else if name.eq_ignore_ascii_case(b"connection") {
                for token in value.split(|&b| b == b',') {
                    let token = token.trim_ascii();
                    if token.eq_ignore_ascii_case(b"close") {
                        self.conn_close = true;
                    } else if token.eq_ignore_ascii_case(b"keep-alive") {
                        self.conn_keep_alive = true;
                    }
                }
            } else if name.eq_ignore_ascii_case(b"expect") {
                if self.expect.is_none() {
                    self.expect = Some(v.clone());
                }
            } else if name.eq_ignore_ascii_case(b"host") {
                if self.host.is_some() {
                    return Parse::Error(HeadError::Bad);
                }
                self.host = Some(v.clone());
            }
        }
        if te_seen && cl_seen {
            // Both framings: a smuggling shape, refused outright.
            return Parse::Error(HeadError::Bad);
        }
        if self.version == Version::Http11
            && self.host.is_none()
            && !self
                .target
                .clone()
                .is_some_and(|t| crate::http::uri::has_http_host(&buf[t]))
        {
            return Parse::Error(HeadError::Bad);
        }
        if let Some(h) = &self.host {
            let h = &buf[h.clone()];
            if (h.is_empty() && self.version == Version::Http11) || !valid_host(h) {
                // httpd: "Client sent malformed Host header" (400).
                return Parse::Error(HeadError::Bad);
            }
        }
        Parse::Done
    }
}

/// Whether a Host value is well formed as httpd's `fix_hostname` checks
/// it: a name of letters, digits, `-`, `_` and single dots, or a bracketed
/// IPv6 literal, with an optional numeric port.
pub fn valid_host(h: &[u8]) -> bool {
    if h.first() == Some(&b'[') {
        let Some(end) = h.iter().position(|&b| b == b']') else {
            return false;
        };
        let rest = &h[end + 1..];
        return h[1..end]
            .iter()
            .all(|b| b.is_ascii_hexdigit() || *b == b':' || *b == b'.')
            && (rest.is_empty() || (rest[0] == b':' && rest[1..].iter().all(u8::is_ascii_digit)));
    }
    let (name, port) = match memchr::memrchr(b':', h) {
        Some(i) => (&h[..i], Some(&h[i + 1..])),
        None => (h, None),
    };
    port.is_none_or(|p| p.iter().all(u8::is_ascii_digit))
        && !name.windows(2).any(|w| w == b"..")
        && name
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &[u8]) -> (Parse, Head) {
        let mut h = Head::default();
        let r = h.parse(s);
        (r, h)
    }

    #[test]
    fn simple_and_partial() {
        let req = b"GET /a?b HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n\r\nrest";
        let (r, h) = p(req);
        assert_eq!(r, Parse::Done);
        assert_eq!(&req[h.line.clone()], b"GET /a?b HTTP/1.1");
        assert_eq!(h.len, req.len() - 4);
        assert_eq!(h.headers.len(), 2);
        assert_eq!(h.version, Version::Http11);
        for n in 0..req.len() - 4 {
            assert_eq!(p(&req[..n]).0, Parse::Partial, "{n}");
        }
    }

    #[test]
    fn malformed() {
        let (r, h) = p(b"GARBAGE\r\n\r\n");
        assert_eq!(r, Parse::Error(HeadError::Bad));
        assert_eq!(h.line, 0..7);
        assert_eq!(h.len, 9);
        assert!(h.protocol.is_none());
        let (r, h) = p(b"GET / HTTP/1.1\n");
        assert_eq!(r, Parse::Error(HeadError::Bad));
        assert_eq!(h.line, 0..15);
        assert!(p(b"F<O / HTTP/1.1\r\n\r\n").0 == Parse::Error(HeadError::Bad));
        assert!(p(b"GET / HTTP/1.1\r\n\r\n").0 == Parse::Error(HeadError::Bad));
        assert_eq!(p(b"GET /\r\n").0, Parse::Done);
        // Extra white space: refused, logged rebuilt (Apache 2.4.71).
        let (r, h) = p(b"GET  / HTTP/1.1\r\nHost: x\r\n\r\n");
        assert_eq!((r, h.rebuilt), (Parse::Error(HeadError::Bad), true));
        // An invalid protocol is logged as HTTP/1.0.
        let (r, h) = p(b"GET / FOO/1.1\r\nHost: x\r\n\r\n");
        assert_eq!((r, h.protocol_ok), (Parse::Error(HeadError::Bad), false));
    }

    #[test]
    fn framing() {
        let bad: &[&[u8]] = &[
            b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
            b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n",
            b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1, 1\r\n\r\n",
            b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +1\r\n\r\n",
            b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
            b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
        ];
        for b in bad {
            assert_eq!(p(b).0, Parse::Error(HeadError::Bad));
        }
        let (r, h) = p(b"POST / HTTP/1.1\r\nHost: x\r\ncontent-length: 12\r\n\r\n");
        assert_eq!(r, Parse::Done);
        assert_eq!(h.content_length, Some(12));
    }

    #[test]
    fn limits() {
        let mut long = b"GET /".to_vec();
        long.resize(9000, b'a');
        let (r, h) = p(&long);
        assert_eq!(r, Parse::Error(HeadError::LineTooLong));
        assert_eq!(h.line.len(), LINE_LIMIT + 1);
        let mut many = b"GET / HTTP/1.1\r\nHost: x\r\n".to_vec();
        for i in 0..100 {
            many.extend_from_slice(format!("X-{i}: a\r\n").as_bytes());
        }
        many.extend_from_slice(b"\r\n");
        assert_eq!(p(&many).0, Parse::Error(HeadError::TooManyFields));
        let mut field = b"GET / HTTP/1.1\r\nHost: x\r\nX-Long: ".to_vec();
        field.resize(field.len() + 8200, b'a');
        assert_eq!(p(&field).0, Parse::Error(HeadError::FieldTooLong));
    }
}
