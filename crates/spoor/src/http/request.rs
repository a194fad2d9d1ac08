//! Request-head parsing, line by line as httpd 2.4.71 reads a head
//! (`HttpProtocolOptions Strict`): the request line split and checked as
//! `ap_parse_request_line` does (so malformed lines are logged the way
//! httpd logs them), header lines with httpd's obs-fold joining, trailing
//! white-space trimming, one-line-late field checks and limits, and the
//! framing checks that refuse request smuggling.
//!
//! Lines are read as httpd's core input filter hands them out (up to the
//! LF, or about 16 000 bytes at a time), so a line over its limit counts
//! the bytes httpd would have read for `%I`. All positions are byte ranges
//! into the slice that was parsed, so the caller keeps the head in its read
//! buffer and borrows from it later; [`Head::finish`] writes folded values
//! back into that slice.

use std::ops::Range;

/// The longest request line accepted by default, without CR LF
/// (`LimitRequestLine`).
pub const LINE_LIMIT: usize = 8190;
/// The longest header field line accepted by default, without CR LF
/// (`LimitRequestFieldSize`).
pub const FIELD_LIMIT: usize = 8190;
/// The most header fields accepted by default (`LimitRequestFields`).
pub const FIELDS_MAX: usize = 100;
/// Empty lines skipped before a request line (httpd's
/// `DEFAULT_LIMIT_BLANK_LINES`).
const BLANK_LINES: usize = 10;
/// The size of one socket read in httpd's core input filter.
const BUCKET: usize = 8000;
/// httpd's `HUGE_STRING_LEN`: a line read returns once it holds this much.
const GETLINE_MIN: usize = 8192;

/// The request-head limits in force (`LimitRequestLine`,
/// `LimitRequestFieldSize`, `LimitRequestFields`; 0 fields = no limit).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// The longest request line, without CR LF.
    pub line: usize,
    /// The longest header field line (and merged value), without CR LF.
    pub field_size: usize,
    /// The most header fields; 0 = unlimited.
    pub fields: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            line: LINE_LIMIT,
            field_size: FIELD_LIMIT,
            fields: FIELDS_MAX,
        }
    }
}

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
    /// A line httpd could not read: a bare LF or a NUL byte (400, logged
    /// without method or path).
    Unreadable,
    /// The request line is longer than the limit (414).
    LineTooLong,
    /// A header field is longer than the limit (400).
    FieldTooLong,
    /// A header field grew longer than the limit by obs-fold lines (400).
    FoldTooLong,
    /// The values of one header name, joined, are longer than the limit
    /// (400).
    MergedTooLong,
    /// More header fields than the limit (400).
    TooManyFields,
}

impl HeadError {
    /// httpd's `error-notes` for this refusal, if it sets one.
    pub fn note(self) -> Option<&'static [u8]> {
        match self {
            HeadError::FieldTooLong | HeadError::FoldTooLong | HeadError::MergedTooLong => {
                Some(b"Size of a request header field exceeds server limit.")
            }
            HeadError::TooManyFields => {
                Some(b"The number of request header fields exceeds this server's limit.")
            }
            _ => None,
        }
    }
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
    /// The request line as received, without CR LF: cut to the limit + 1
    /// bytes when too long, with the LF when it ended in a bare LF.
    pub line: Range<usize>,
    /// Set once a request line was seen (complete or cut).
    pub has_line: bool,
    /// The method; `None` when the line could not be read (`%m` = `-`).
    pub method: Option<Range<usize>>,
    /// The request target; `None` when the line has none.
    pub target: Option<Range<usize>>,
    /// The protocol token as split by httpd (may be empty).
    pub protocol: Option<Range<usize>>,
    /// `%H`: the protocol httpd records (`HTTP/1.0` for a refused line
    /// without a valid one, `HTTP/0.9` for a simple request).
    pub protocol_log: [u8; 8],
    /// httpd rebuilt the line for the log as `method SP target SP
    /// protocol` (extra or odd white space, trailing text).
    pub rebuilt: bool,
    /// The version used for framing and keep-alive.
    pub version: Version,
    /// Header fields `(name, value)` in arrival order (on a refusal, those
    /// httpd had stored).
    pub headers: Vec<(Range<usize>, Range<usize>)>,
    /// Bytes of the head httpd reads, leading empty lines and the final
    /// empty line included; on a refusal, the bytes read up to it.
    pub len: usize,
    /// The refused line was decided on the bytes at hand: more may be
    /// readable at once (the caller reads them and parses again).
    pub short: bool,
    /// The line a field refusal is about (for the error log).
    pub bad_line: Range<usize>,
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
    /// More than one `Expect` header was sent.
    pub expect_many: bool,
    /// The value of the first `Host` header (None when the head was
    /// refused for its framing, before httpd looks at the Host).
    pub host: Option<Range<usize>>,
    /// Refused as an HTTP/1.1 request without a `Host` field (httpd still
    /// chose the server by an absolute-form target's host).
    pub no_host: bool,
    /// Folded fields: index in `headers` and the value's parts.
    folds: Vec<(usize, Vec<Range<usize>>)>,
}

#[inline]
fn is_tchar(b: u8) -> bool {
    TCHAR[b as usize]
}

/// RFC 9110 `tchar`: the bytes of a method or a field name.
static TCHAR: [bool; 256] = {
    let mut t = [false; 256];
    let extra = b"!#$%&'*+-.^_`|~";
    let mut b = 0;
    while b < 256 {
        t[b] = (b as u8).is_ascii_alphanumeric();
        b += 1;
    }
    let mut i = 0;
    while i < extra.len() {
        t[extra[i] as usize] = true;
        i += 1;
    }
    t
};

/// `apr_isspace`.
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// A visible character or obs-text (`ap_scan_vchar_obstext`).
fn is_vchar(b: u8) -> bool {
    (0x21..0x7f).contains(&b) || b >= 0x80
}

/// A field value holds no control character but tab (and no DEL).
fn value_ok(v: &[u8]) -> bool {
    let byte_ok = |&b: &u8| b == b'\t' || (b >= 0x20 && b != 0x7f);
    // Whether the word may hold a refused byte: some byte below 0x20, or
    // some byte equal to 0x7f (exact tests: a borrow only propagates above
    // a byte that is itself flagged). Tabs are flagged too; the bytes of a
    // flagged word are then checked one by one.
    let suspect = |w: &[u8]| {
        let x = u64::from_le_bytes(w.try_into().unwrap_or_default());
        let low = x.wrapping_sub(0x2020_2020_2020_2020) & !x & 0x8080_8080_8080_8080;
        let y = x ^ 0x7f7f_7f7f_7f7f_7f7f;
        let del = y.wrapping_sub(0x0101_0101_0101_0101) & !y & 0x8080_8080_8080_8080;
        (low | del) != 0
    };
    if v.len() < 8 {
        return v.iter().all(byte_ok);
    }
    let mut words = v.chunks_exact(8);
    for w in &mut words {
        if suspect(w) && !w.iter().all(byte_ok) {
            return false;
        }
    }
    // The tail: the last eight bytes, overlapping words already checked.
    let last = &v[v.len() - 8..];
    words.remainder().is_empty() || !suspect(last) || last.iter().all(byte_ok)
}

/// `HTTP/x.y` with single digits and x > 0: the version.
fn protocol_version(p: &[u8]) -> Option<Version> {
    match p {
        [b'H', b'T', b'T', b'P', b'/', maj, b'.', min]
            if maj.is_ascii_digit() && min.is_ascii_digit() && *maj != b'0' =>
        {
            Some(if (maj - b'0', min - b'0') == (1, 0) {
                Version::Http10
            } else {
                Version::Http11
            })
        }
        _ => None,
    }
}

/// How reading one line ended.
enum Line {
    /// No LF yet and the line is not known to be too long.
    Partial,
    /// A line of `content` (CR LF excluded); the next starts at `next`.
    Ok { content: Range<usize>, next: usize },
    /// Over the limit: httpd read up to `read` (`short`: fewer bytes than
    /// it would have, for want of data).
    TooLong { read: usize, short: bool },
    /// A bare LF or a NUL byte: refused after reading up to `next`.
    Unreadable { next: usize },
}

/// Reads the line at `start` as `ap_rgetline` does with room for `n` bytes
/// (LF included). httpd accepts a request line or field one byte longer
/// than its limit (content + CR LF up to limit + 3 bytes, checked with
/// apache2 for limits 300, 500, 1000 and 8190), so callers pass
/// `limit + 3`.
#[inline]
fn get_line(buf: &[u8], start: usize, n: usize) -> Line {
    // One pass finds the LF and tells whether a NUL comes before it.
    let (lf, nul) = match memchr::memchr2(b'\n', 0, &buf[start..]) {
        Some(p) if buf[start + p] == b'\n' => (Some(start + p), false),
        Some(p) => (
            memchr::memchr(b'\n', &buf[start + p..]).map(|q| start + p + q),
            true,
        ),
        None => (None, false),
    };
    if let Some(lf) = lf {
        if lf + 1 - start <= n {
            if lf == start || buf[lf - 1] != b'\r' || nul {
                return Line::Unreadable { next: lf + 1 };
            }
            return Line::Ok {
                content: start..lf - 1,
                next: lf + 1,
            };
        }
    }
    long_line(buf, start, n, lf)
}

/// [`get_line`] for a line that is too long or not complete yet (out of
/// line: the usual line never gets here).
#[cold]
#[inline(never)]
fn long_line(buf: &[u8], start: usize, n: usize, lf: Option<usize>) -> Line {
    // Too long, or not known yet: httpd reads in pieces that end at the LF
    // or, once 8192 bytes are held, at the end of an 8000-byte socket read.
    let mut end = (start / BUCKET + 1) * BUCKET;
    while end - start < GETLINE_MIN {
        end += BUCKET;
    }
    loop {
        let piece_end = match lf {
            Some(lf) if lf < end => lf + 1,
            _ => end,
        };
        if piece_end - start > n {
            return if piece_end <= buf.len() {
                Line::TooLong {
                    read: piece_end,
                    short: false,
                }
            } else if buf.len() - start > n {
                Line::TooLong {
                    read: buf.len(),
                    short: true,
                }
            } else {
                Line::Partial
            };
        }
        if lf.is_some_and(|lf| lf < end) || piece_end > buf.len() {
            return Line::Partial;
        }
        end += 2 * BUCKET;
    }
}

/// How many bytes at the start of `s` satisfy `f`.
#[inline]
fn run(s: &[u8], f: impl Fn(u8) -> bool) -> usize {
    s.iter().position(|&b| !f(b)).unwrap_or(s.len())
}

/// Where `ap_parse_request_line` found the parts of a request line.
struct Split {
    method: Range<usize>,
    uri: Range<usize>,
    protocol: Range<usize>,
    /// A deferred error (white space, method, target, protocol).
    bad: bool,
}

/// Splits the request line `s..e` of `buf` as httpd's strict parser does.
fn split_line(buf: &[u8], s: usize, e: usize) -> Split {
    let at = |i: usize| if i < e { buf[i] } else { 0 };
    let mut bad = false;
    let mut m = s;
    if is_space(at(m)) {
        bad = true;
        while is_space(at(m)) {
            m += 1;
        }
    }
    let mut ll = m + run(&buf[m.min(e)..e], is_tchar);
    let mut cut = ll;
    if (ll == m || (ll < e && !is_space(buf[ll]))) && !bad {
        bad = true;
        ll = (ll..e).find(|&i| is_space(buf[i])).unwrap_or(e);
        cut = ll;
        if ll == e {
            // No white space: no target, no protocol.
            return Split {
                method: m..e,
                uri: e..e,
                protocol: e..e,
                bad,
            };
        }
    }
    let method = m..cut;
    if ll < e && is_space(at(ll + 1)) {
        bad = true;
    }
    // The target starts after the white space (a character that ended the
    // method without being white space is overwritten by httpd).
    let mut u = ll;
    if u < e && !is_space(buf[u]) {
        u += 1;
        return Split {
            method,
            uri: u..u,
            protocol: u..u,
            bad: true,
        };
    }
    while is_space(at(u)) {
        if buf[u] != b' ' {
            bad = true;
        }
        u += 1;
    }
    if u >= e {
        bad = true;
    }
    let mut ll = u + run(&buf[u.min(e)..e], is_vchar);
    if ll == u || (ll < e && !is_space(buf[ll])) {
        bad = true;
        match (ll..e).find(|&i| is_space(buf[i])) {
            Some(i) => ll = i,
            None => {
                return Split {
                    method,
                    uri: u..e.max(u),
                    protocol: e..e,
                    bad,
                }
            }
        }
    }
    let uri = u..ll;
    if ll >= e {
        return Split {
            method,
            uri,
            protocol: e..e,
            bad,
        };
    }
    if is_space(at(ll + 1)) {
        bad = true;
    }
    let mut p = ll;
    while is_space(at(p)) {
        if buf[p] != b' ' {
            bad = true;
        }
        p += 1;
    }
    let q = p + run(&buf[p.min(e)..e], is_vchar);
    if q < e {
        // Text or white space after the protocol.
        bad = true;
    }
    Split {
        method,
        uri,
        protocol: p..q,
        bad,
    }
}

/// An accumulated header line: the raw line and its fold parts.
struct Pending {
    line: Range<usize>,
    folds: Vec<Range<usize>>,
    len: usize,
}

impl Head {
    fn reset(&mut self) {
        let mut headers = std::mem::take(&mut self.headers);
        let mut folds = std::mem::take(&mut self.folds);
        headers.clear();
        folds.clear();
        *self = Head {
            headers,
            folds,
            ..Head::default()
        };
    }

    /// Whether the client asked to keep the connection: HTTP/1.1 unless it
    /// sent `Connection: close`, HTTP/1.0 only with a `Connection:
    /// keep-alive` token, HTTP/0.9 never.
    pub fn asks_keep_alive(&self) -> bool {
        !self.conn_close
            && (self.version == Version::Http11
                || (self.version == Version::Http10 && self.conn_keep_alive))
    }

    /// Parses the head at the start of `buf` under `limits`. Once the head
    /// is complete or refused, folded header values are written back into
    /// `buf` (see [`Head::finish`]); a partial head leaves `buf` as it is.
    pub fn parse(&mut self, buf: &mut [u8], limits: &Limits) -> Parse {
        let r = self.parse_line(buf, limits);
        if r != Parse::Done {
            if r != Parse::Partial {
                self.finish(buf);
            }
            return r;
        }
        if self.version == Version::Http09 {
            return Parse::Done;
        }
        let r = self.parse_fields(buf, self.len, limits);
        if r == Parse::Partial {
            return r;
        }
        self.finish(buf);
        if r != Parse::Done {
            return r;
        }
        // Values of one name are joined; the result must fit the limit
        // (which all values joined do in the usual head: then no group
        // needs checking).
        let all: usize = self.headers.iter().map(|(_, v)| v.len() + 2).sum();
        for (k, (n, _)) in self.headers.iter().enumerate() {
            if all <= limits.field_size + 2 {
                break;
            }
            let name = &buf[n.clone()];
            if self.headers[..k]
                .iter()
                .any(|(m, _)| buf[m.clone()].eq_ignore_ascii_case(name))
            {
                continue;
            }
            let (count, total) = self
                .headers
                .iter()
                .filter(|(m, _)| buf[m.clone()].eq_ignore_ascii_case(name))
                .fold((0usize, 0usize), |(c, t), (_, v)| (c + 1, t + v.len()));
            if total + 2 * (count - 1) > limits.field_size {
                self.bad_line = n.clone();
                return Parse::Error(HeadError::MergedTooLong);
            }
        }
        self.check_fields(buf)
    }

    /// Reads past empty lines to the request line and splits it; `Done`
    /// means the line is good (the fields come next).
    fn parse_line(&mut self, buf: &[u8], limits: &Limits) -> Parse {
        self.reset();
        self.protocol_log = *b"HTTP/1.0";
        let mut i = 0;
        let mut blanks = 0;
        let (s, e) = loop {
            match get_line(buf, i, limits.line + 3) {
                Line::Partial => return Parse::Partial,
                Line::TooLong { read, short } => {
                    self.has_line = true;
                    self.line = i..(i + limits.line + 1).min(buf.len());
                    self.len = read;
                    self.short = short;
                    return Parse::Error(HeadError::LineTooLong);
                }
                Line::Unreadable { next } => {
                    self.has_line = true;
                    let end = if memchr::memchr(0, &buf[i..next]).is_some() && next >= i + 2 {
                        next - 1 - usize::from(buf[next - 2] == b'\r')
                    } else {
                        next
                    };
                    self.line = i..end;
                    self.len = next;
                    return Parse::Error(HeadError::Unreadable);
                }
                Line::Ok { content, next } => {
                    if content.is_empty() && blanks < BLANK_LINES {
                        blanks += 1;
                        i = next;
                        continue;
                    }
                    self.len = next;
                    break (content.start, content.end);
                }
            }
        };
        self.has_line = true;
        self.line = s..e;
        let sp = split_line(buf, s, e);
        let mut bad = sp.bad;
        let protocol = &buf[sp.protocol.clone()];
        // The line as httpd rebuilds it.
        let mut k = sp.method.end;
        let mut same = sp.method.start == s;
        for part in [&sp.uri, &sp.protocol] {
            if !part.is_empty() {
                same &= buf[k] == b' ' && part.start == k + 1;
                k = part.end;
            }
        }
        self.rebuilt = !same || k != e;
        self.method = Some(sp.method.clone());
        self.target = (!sp.uri.is_empty()).then(|| sp.uri.clone());
        self.protocol = Some(sp.protocol.clone());
        let method = &buf[sp.method.clone()];
        let http09 = protocol.is_empty();
        if let Some(v) = protocol_version(protocol) {
            self.version = v;
            self.protocol_log.copy_from_slice(protocol);
        } else if protocol.len() == 8
            && protocol[..4].eq_ignore_ascii_case(b"HTTP")
            && protocol_version(&[b"HTTP", &protocol[4..]].concat()).is_some()
        {
            // A lower-case protocol: refused; recorded as sent unless the
            // line was already refused, then with `HTTP` in capitals.
            self.version =
                protocol_version(&[b"HTTP", &protocol[4..]].concat()).unwrap_or(Version::Http10);
            self.protocol_log.copy_from_slice(protocol);
            if bad {
                self.protocol_log[..4].copy_from_slice(b"HTTP");
            }
            bad = true;
        } else if !http09 {
            bad = true;
            self.version = Version::Http10;
        } else {
            self.version = Version::Http09;
            self.protocol_log = *b"HTTP/0.9";
            // A simple request must be a GET.
            bad |= method != b"GET";
        }
        let target = &buf[sp.uri.clone()];
        // Targets httpd refuses before reading any header field.
        let target_refused =
            !target.is_empty() && crate::http::uri::refused_at_line(method, target);
        if bad || target_refused {
            if self.version == Version::Http09 || !protocol_version_any(protocol) {
                self.version = Version::Http10;
                self.protocol_log = *b"HTTP/1.0";
            }
            return Parse::Error(HeadError::Bad);
        }
        Parse::Done
    }

    fn parse_fields(&mut self, buf: &[u8], mut i: usize, limits: &Limits) -> Parse {
        let mut pending: Option<Pending> = None;
        let mut fields_read = 0usize;
        loop {
            let (content, next) = match get_line(buf, i, limits.field_size + 3) {
                Line::Partial => return Parse::Partial,
                Line::TooLong { read, short } => {
                    self.len = read;
                    self.short = short;
                    self.bad_line = i..read;
                    return Parse::Error(HeadError::FieldTooLong);
                }
                Line::Unreadable { next } => {
                    self.len = next;
                    return Parse::Error(HeadError::Unreadable);
                }
                Line::Ok { content, next } => (content, next),
            };
            self.len = next;
            let (s, mut e) = (content.start, content.end);
            while e - s > 1 && (buf[e - 1] == b' ' || buf[e - 1] == b'\t') {
                e -= 1;
            }
            if e > s && (buf[s] == b' ' || buf[s] == b'\t') {
                // An obs-fold line continues the field before it.
                let Some(p) = pending.as_mut() else {
                    return Parse::Error(HeadError::Bad);
                };
                if e - s == 1 {
                    return Parse::Error(HeadError::Bad);
                }
                let mut f = s;
                while buf[f + 1] == b' ' || buf[f + 1] == b'\t' {
                    f += 1;
                }
                if p.len + (e - f) + 1 >= limits.field_size {
                    self.bad_line = p.line.clone();
                    return Parse::Error(HeadError::FoldTooLong);
                }
                p.folds.push(f + 1..e);
                p.len += e - f;
                i = next;
                continue;
            }
            if let Some(p) = pending.take() {
                fields_read += 1;
                if limits.fields > 0 && fields_read > limits.fields {
                    return Parse::Error(HeadError::TooManyFields);
                }
                let line = p.line;
                let c = line.start
                    + buf[line.clone()]
                        .iter()
                        .position(|&b| !is_tchar(b))
                        .unwrap_or(line.len());
                if c == line.start || c == line.end || buf[c] != b':' {
                    return Parse::Error(HeadError::Bad);
                }
                let name = line.start..c;
                let mut v = c + 1;
                while v < line.end && (buf[v] == b' ' || buf[v] == b'\t') {
                    v += 1;
                }
                let ok = |r: &Range<usize>| value_ok(&buf[r.clone()]);
                if !ok(&(v..line.end)) || !p.folds.iter().all(ok) {
                    return Parse::Error(HeadError::Bad);
                }
                if !p.folds.is_empty() {
                    let mut parts = Vec::with_capacity(p.folds.len() + 1);
                    parts.push(v..line.end);
                    parts.extend(p.folds);
                    self.folds.push((self.headers.len(), parts));
                }
                self.headers.push((name, v..line.end));
            }
            if s == e {
                break;
            }
            pending = Some(Pending {
                line: s..e,
                folds: Vec::new(),
                len: e - s,
            });
            i = next;
        }
        Parse::Done
    }

    /// Writes each folded value into `buf` (its parts joined by one space,
    /// in the place of the first part) and points the header at it. Call
    /// once the head is done or refused, on the slice that was parsed.
    pub fn finish(&mut self, buf: &mut [u8]) {
        for (k, parts) in std::mem::take(&mut self.folds) {
            let start = parts[0].start;
            let mut w = parts[0].end;
            for p in &parts[1..] {
                buf[w] = b' ';
                w += 1;
                buf.copy_within(p.clone(), w);
                w += p.len();
            }
            self.headers[k].1 = start..w;
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
                // httpd's strict length: decimal digits only (leading
                // zeros allowed), at most a signed 64-bit offset; more is
                // refused with 400 before the body is looked at.
                let len = strict_length(value);
                if cl_seen || len.is_none() {
                    // httpd refuses it before the Host is looked at: the
                    // connection's default server answers.
                    self.host = None;
                    return Parse::Error(HeadError::Bad);
                }
                cl_seen = true;
                self.content_length = len;
            } else if name.eq_ignore_ascii_case(b"transfer-encoding") {
                if te_seen || !value.eq_ignore_ascii_case(b"chunked") {
                    self.host = None;
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
                } else {
                    self.expect_many = true;
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
        if self.version == Version::Http11 && self.host.is_none() {
            // httpd wants the field even when the target names the host.
            self.no_host = true;
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

/// Whether `p` names an HTTP version in either case (`HTTP/1.1`,
/// `http/1.1`).
fn protocol_version_any(p: &[u8]) -> bool {
    p.len() == 8
        && p[..4].eq_ignore_ascii_case(b"HTTP")
        && protocol_version(&[b"HTTP", &p[4..]].concat()).is_some()
}

/// A `Content-Length` value as httpd's `ap_parse_strict_length` takes it:
/// one or more ASCII digits and nothing else, with a value that fits a
/// signed 64-bit offset.
pub fn strict_length(value: &[u8]) -> Option<u64> {
    if value.is_empty() || !value.iter().all(u8::is_ascii_digit) {
        return None;
    }
    value
        .iter()
        .try_fold(0u64, |a, &b| {
            a.checked_mul(10)?.checked_add((b - b'0') as u64)
        })
        .filter(|&n| n <= i64::MAX as u64)
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
    // The port: the digits after the last colon. Digits back from the end
    // that stop at anything but a colon leave the whole value as the name,
    // which then fails on its colon if it has one (as a port with a
    // non-digit would).
    let digits = h.iter().rev().take_while(|b| b.is_ascii_digit()).count();
    let name = match h.len().checked_sub(digits + 1) {
        Some(i) if h[i] == b':' => &h[..i],
        _ => h,
    };
    // One pass: every byte a host character, no dot after a dot.
    let mut prev_dot = false;
    for &b in name {
        let dot = b == b'.';
        if !HOST_CHAR[b as usize] || (dot && prev_dot) {
            return false;
        }
        prev_dot = dot;
    }
    true
}

/// Letters, digits, `-`, `.` and `_`: the bytes of a host name.
static HOST_CHAR: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = c.is_ascii_alphanumeric() || c == b'-' || c == b'.' || c == b'_';
        b += 1;
    }
    t
};

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &[u8]) -> (Parse, Head, Vec<u8>) {
        let mut h = Head::default();
        let mut b = s.to_vec();
        let r = h.parse(&mut b, &Limits::default());
        (r, h, b)
    }

    fn value(h: &Head, b: &[u8], name: &[u8]) -> Option<Vec<u8>> {
        h.headers
            .iter()
            .find(|(n, _)| b[n.clone()].eq_ignore_ascii_case(name))
            .map(|(_, v)| b[v.clone()].to_vec())
    }

    #[test]
    fn content_length_as_httpd() {
        assert_eq!(strict_length(b"0"), Some(0));
        assert_eq!(strict_length(b"000000000000000000000000005"), Some(5));
        assert_eq!(strict_length(b"9223372036854775807"), Some(i64::MAX as u64));
        for bad in [
            &b"9223372036854775808"[..],
            b"18446744073709551616",
            b"99999999999999999999999",
            b"",
            b"+5",
            b"-5",
            b"5 5",
            b"0x5",
        ] {
            assert_eq!(
                strict_length(bad),
                None,
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
        // A length the server cannot take is refused with the head.
        let (r, ..) =
            p(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 9223372036854775808\r\n\r\n");
        assert_eq!(r, Parse::Error(HeadError::Bad));
        let (r, h, _) =
            p(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 9223372036854775807\r\n\r\n");
        assert_eq!(r, Parse::Done);
        assert_eq!(h.content_length, Some(i64::MAX as u64));
    }

    #[test]
    fn simple_and_partial() {
        let req = b"GET /a?b HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n\r\nrest";
        let (r, h, b) = p(req);
        assert_eq!(r, Parse::Done);
        assert_eq!(&b[h.line.clone()], b"GET /a?b HTTP/1.1");
        assert_eq!(h.len, req.len() - 4);
        assert_eq!(h.headers.len(), 2);
        assert_eq!(h.version, Version::Http11);
        for n in 0..req.len() - 4 {
            assert_eq!(p(&req[..n]).0, Parse::Partial, "{n}");
        }
    }

    #[test]
    fn malformed() {
        let (r, h, _) = p(b"GARBAGE\r\n\r\n");
        assert_eq!(r, Parse::Error(HeadError::Bad));
        assert_eq!(h.line, 0..7);
        assert_eq!(h.len, 9);
        assert_eq!(&h.protocol_log, b"HTTP/1.0");
        let (r, h, _) = p(b"GET / HTTP/1.1\n");
        assert_eq!(r, Parse::Error(HeadError::Unreadable));
        assert_eq!(h.line, 0..15);
        assert!(p(b"F<O / HTTP/1.1\r\n\r\n").0 == Parse::Error(HeadError::Bad));
        assert!(p(b"GET / HTTP/1.1\r\n\r\n").0 == Parse::Error(HeadError::Bad));
        assert_eq!(p(b"GET /\r\n").0, Parse::Done);
        assert_eq!(p(b"HEAD /\r\n").0, Parse::Error(HeadError::Bad));
        // Extra white space: refused, logged rebuilt (Apache 2.4.71).
        let (r, h, _) = p(b"GET  / HTTP/1.1\r\nHost: x\r\n\r\n");
        assert_eq!((r, h.rebuilt), (Parse::Error(HeadError::Bad), true));
        // An invalid protocol is logged as HTTP/1.0, a lower-case one as
        // sent (with HTTP in capitals when the line was already bad).
        let (r, h, _) = p(b"GET / FOO/1.1\r\nHost: x\r\n\r\n");
        assert_eq!(
            (r, &h.protocol_log),
            (Parse::Error(HeadError::Bad), b"HTTP/1.0")
        );
        let (_, h, _) = p(b"GET / http/1.1\r\nHost: x\r\n\r\n");
        assert_eq!(&h.protocol_log, b"http/1.1");
        let (_, h, _) = p(b"GET\t/ http/1.1\r\nHost: x\r\n\r\n");
        assert_eq!(&h.protocol_log, b"HTTP/1.1");
        // Trailing text: the line is rebuilt without it.
        let (r, h, _) = p(b"GET / HTTP/1.1 x\r\nHost: x\r\n\r\n");
        assert_eq!(r, Parse::Error(HeadError::Bad));
        assert!(h.rebuilt);
        assert_eq!(h.protocol, Some(6..14));
        // A NUL byte: the line cannot be read.
        let (r, h, _) = p(b"GET /\0 HTTP/1.1\r\n\r\n");
        assert_eq!((r, h.method), (Parse::Error(HeadError::Unreadable), None));
    }

    /// The word-at-a-time value check agrees with the byte rule for every
    /// byte at every place of a word and in the tail.
    #[test]
    fn value_check_is_the_byte_rule() {
        for b in 0..=255u8 {
            let want = b == b'\t' || (b >= 0x20 && b != 0x7f);
            for len in [1usize, 7, 8, 9, 16, 19] {
                for at in 0..len {
                    let mut v = vec![b'a'; len];
                    v[at] = b;
                    assert_eq!(value_ok(&v), want, "byte {b:#x} at {at} of {len}");
                    // Next to high bytes and tabs, which are allowed.
                    let mut w = vec![0xe9u8; len];
                    w[at] = b;
                    if at + 1 < len {
                        w[at + 1] = b'\t';
                    }
                    assert_eq!(value_ok(&w), want, "byte {b:#x} at {at} of {len} (high)");
                }
            }
        }
        assert!(value_ok(b""));
    }

    /// Host values as httpd's `fix_hostname` takes them, the port edge
    /// cases included (an empty port, colons in the name, digits only).
    #[test]
    fn host_values() {
        for good in [
            &b"127.0.0.1:8080"[..],
            b"host:",
            b":80",
            b"123",
            b"a-b_c.example",
            b"[::1]:80",
            b"",
        ] {
            assert!(valid_host(good), "{:?}", String::from_utf8_lossy(good));
        }
        for bad in [
            &b"a:1:2"[..],
            b"host:8x",
            b"host:x8",
            b"a..b",
            b"a b",
            b"a/b",
            b"[::1]x",
            b"[g]",
        ] {
            assert!(!valid_host(bad), "{:?}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn fields_as_httpd_reads_them() {
        // obs-fold: joined with one space, trailing white space dropped.
        let (r, h, b) = p(b"GET / HTTP/1.1\r\nHost: x\r\nX-A: one \r\n\t two\t\r\n three\r\n\r\n");
        assert_eq!(r, Parse::Done);
        assert_eq!(value(&h, &b, b"x-a").unwrap(), b"one two three");
        // A refused field keeps the ones before it, checked a line late.
        let (r, h, b) = p(b"GET / HTTP/1.1\r\nHost: x\r\nX(Bad): v\r\nX-B: 1\r\n\r\n");
        assert_eq!(r, Parse::Error(HeadError::Bad));
        assert_eq!(value(&h, &b, b"host").unwrap(), b"x");
        assert_eq!(h.headers.len(), 1);
        assert_eq!(h.len, 16 + 9 + 11 + 8);
        // A fold before any field, an empty fold.
        assert_eq!(
            p(b"GET / HTTP/1.1\r\n x\r\n\r\n").0,
            Parse::Error(HeadError::Bad)
        );
        assert_eq!(
            p(b"GET / HTTP/1.1\r\nHost: x\r\nX-A: v\r\n \r\n\r\n").0,
            Parse::Error(HeadError::Bad)
        );
        // Control characters in a value; DEL too.
        assert_eq!(
            p(b"GET / HTTP/1.1\r\nHost: x\r\nX-A: a\x7fb\r\n\r\n").0,
            Parse::Error(HeadError::Bad)
        );
        assert_eq!(
            p(b"GET / HTTP/1.1\r\nHost: x\r\nX-A: a\xe9\tb\r\n\r\n").0,
            Parse::Done
        );
    }

    #[test]
    fn limits() {
        let mut long = b"GET /".to_vec();
        long.resize(9000, b'a');
        let (r, h, _) = p(&long);
        assert_eq!(r, Parse::Error(HeadError::LineTooLong));
        assert_eq!(h.line.len(), LINE_LIMIT + 1);
        assert!(h.short);
        long.extend_from_slice(b" HTTP/1.1\r\nHost: x\r\n\r\n");
        let (_, h, _) = p(&long);
        assert_eq!((h.len, h.short), (9011, false));
        let mut many = b"GET / HTTP/1.1\r\nHost: x\r\n".to_vec();
        for i in 0..100 {
            many.extend_from_slice(format!("X-{i}: a\r\n").as_bytes());
        }
        many.extend_from_slice(b"\r\n");
        let (r, h, _) = p(&many);
        assert_eq!(r, Parse::Error(HeadError::TooManyFields));
        assert_eq!(h.headers.len(), 100);
        // The 101st field is checked once the line after it is read.
        assert_eq!(h.len, many.len());
        let mut field = b"GET / HTTP/1.1\r\nHost: x\r\nX-Long: ".to_vec();
        field.resize(field.len() + 8200, b'a');
        assert_eq!(p(&field).0, Parse::Error(HeadError::FieldTooLong));
        let small = Limits {
            line: 20,
            field_size: 20,
            fields: 2,
        };
        let mut b = b"GET / HTTP/1.1\r\nHost: x\r\nX: aaaaaaaaa\r\nX: bbbbbbbbb\r\n\r\n".to_vec();
        let mut h = Head::default();
        assert_eq!(
            h.parse(&mut b, &small),
            Parse::Error(HeadError::TooManyFields)
        );
        let mut b = b"GET / HTTP/1.1\r\nX: aaaaaaaaaa\r\nX: bbbbbbbbbb\r\n\r\n".to_vec();
        assert_eq!(
            h.parse(&mut b, &small),
            Parse::Error(HeadError::MergedTooLong)
        );
        let mut b = b"GET /aaaaaaaaaaaaaaaaaa HTTP/1.1\r\n\r\n".to_vec();
        assert_eq!(
            h.parse(&mut b, &small),
            Parse::Error(HeadError::LineTooLong)
        );
        assert_eq!(h.line.len(), 21);
    }
}
