//! The `DEFLATE` output filter: httpd's `deflate_out_filter`, as a
//! [`BodyFilter`].
//!
//! [`start`] makes httpd's checks on the response and edits its head;
//! [`Gzip`] compresses the body as httpd does: zlib's raw deflate behind
//! httpd's own 10-byte gzip header, the CRC-32 and length after it, the
//! output gathered in a buffer of `DeflateBufferSize` bytes that is
//! handed on whenever it fills while input remains (so a body whose
//! compressed form fits gets a `Content-Length`, a larger one is
//! streamed).

use super::conf::{AlterEtag, DeflateConf};
use super::zstream::{crc32, Deflater};
use crate::record::table::Table;
use crate::record::{filter_header_at, header_values, BodyFilter, Cx, FilterOut};

/// httpd's gzip header: magic, deflate, no flags, no time, no extra
/// flags, OS Unix.
const GZIP_HEADER: [u8; 10] = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3];
/// A body of at most this many bytes is not compressed (httpd: the gzip
/// header and trailer and 50 bytes of headers).
const TOO_SMALL: u64 = 10 + 8 + 50;

/// C's `isspace` (apr_isspace).
fn space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r')
}

/// httpd's `ap_get_token`: a token up to a blank (unless `white`), `;`
/// or `,` (quoted strings kept whole), with the blanks around it
/// skipped; `s` moves past it.
fn get_token<'a>(s: &mut &'a [u8], white: bool) -> &'a [u8] {
    let mut p = 0;
    let b = *s;
    while p < b.len() && space(b[p]) {
        p += 1;
    }
    let start = p;
    while p < b.len() && (white || !space(b[p])) && b[p] != b';' && b[p] != b',' {
        p += 1;
        if b[p - 1] == b'"' {
            while p < b.len() {
                p += 1;
                if b[p - 1] == b'"' {
                    break;
                }
            }
        }
    }
    let tok = &b[start..p];
    while p < b.len() && space(b[p]) {
        p += 1;
    }
    *s = &b[p..];
    tok
}

/// Whether an `Accept-Encoding` value lets the answer be gzipped, read as
/// httpd's mod_deflate reads it: the first `gzip` token (any case; not
/// `x-gzip`), refused when the parameter after it is a `q=0…` prefix of
/// `q=0.000`.
pub(crate) fn accepts_gzip(value: &[u8]) -> bool {
    let mut a = value;
    let mut token = Some(get_token(&mut a, false));
    while let Some(t) = token {
        if t.is_empty() || t.eq_ignore_ascii_case(b"gzip") {
            break;
        }
        while a.first() == Some(&b';') {
            a = &a[1..];
            get_token(&mut a, true);
        }
        if a.first() == Some(&b',') {
            a = &a[1..];
        }
        token = (!a.is_empty()).then(|| get_token(&mut a, false));
    }
    let mut q = None;
    if !a.is_empty() {
        while a.first() == Some(&b';') {
            a = &a[1..];
        }
        q = Some(get_token(&mut a, true));
    }
    match token {
        None => false,
        Some([]) => false,
        Some(_) => !q.is_some_and(|q| q.len() >= 3 && b"q=0.000".starts_with(q)),
    }
}

/// Whether a `Content-Encoding` value names a real coding (anything but
/// `identity`, `7bit`, `8bit`, `binary`), as httpd checks before
/// compressing.
fn already_encoded(value: &[u8]) -> bool {
    let mut s = value;
    let mut token = get_token(&mut s, false);
    while !token.is_empty() {
        if ![&b"identity"[..], b"7bit", b"8bit", b"binary"].contains(&token) {
            return true;
        }
        if !s.is_empty() {
            s = &s[1..];
        }
        if s.is_empty() {
            break;
        }
        token = get_token(&mut s, false);
    }
    false
}

/// httpd's `apr_table_mergen` on a response header a filter adds: the
/// value appended to the first entry's after `, `, or a new entry where
/// filters put theirs.
fn merge_header(r: &mut Cx, name: &[u8], value: &[u8]) {
    let (out, hdrs) = (&r.out, &mut r.reply.headers_out);
    match hdrs.get(out, name) {
        Some(old) => {
            let mut v = old.to_vec();
            v.extend_from_slice(b", ");
            v.extend_from_slice(value);
            hdrs.set(out, name, &v);
        }
        None => {
            let at = filter_header_at(hdrs, out);
            hdrs.insert(at, name, value);
        }
    }
}

/// `Vary: Accept-Encoding` merged into the response's `Vary`, which
/// httpd's header filter then writes with each field name once (the
/// first spelling), joined by `,` (its `fixup_vary`).
fn merge_vary(r: &mut Cx) {
    let (out, hdrs) = (&r.out, &mut r.reply.headers_out);
    if hdrs.position(out, b"Vary").is_none() {
        let at = filter_header_at(hdrs, out);
        hdrs.insert(at, b"Vary", b"Accept-Encoding");
        return;
    }
    let mut names: Vec<&[u8]> = Vec::new();
    let all = (0..hdrs.len())
        .filter(|&i| hdrs.name(out, i).eq_ignore_ascii_case(b"Vary"))
        .map(|i| hdrs.value(out, i))
        .chain(std::iter::once(&b"Accept-Encoding"[..]));
    for v in all {
        for n in v
            .split(|&b| b == b',' || space(b))
            .filter(|n| !n.is_empty())
        {
            if !names.iter().any(|m| m.eq_ignore_ascii_case(n)) {
                names.push(n);
            }
        }
    }
    let v = names.join(&b","[..]);
    hdrs.set(out, b"Vary", &v);
}

/// httpd's `apr_table_setn` for a header a filter sets.
fn set_header(r: &mut Cx, name: &[u8], value: &[u8]) {
    let (out, hdrs) = (&r.out, &mut r.reply.headers_out);
    if hdrs.position(out, name).is_some() {
        hdrs.set(out, name, value);
    } else {
        let at = filter_header_at(hdrs, out);
        hdrs.insert(at, name, value);
    }
}

/// Decides on the response about to be sent, as httpd's filter does on
/// its first call, and edits its head: `Vary: Accept-Encoding` once the
/// response is one it would compress for a client asking; then, if the
/// client asked, `Content-Encoding: gzip`, no `Content-Length`, the
/// `ETag` changed as `DeflateAlterETag` says. Returns the filter, or
/// `None` when the body goes out as it is.
pub(crate) fn start(r: &mut Cx) -> Option<Box<dyn BodyFilter>> {
    // A body known to be this small is not worth it (no Vary either).
    if r.reply.body_len <= TOO_SMALL {
        return None;
    }
    let out = &r.out;
    let hdrs = &r.reply.headers_out;
    if r.reply.status == 204
        || r.env.contains(b"no-gzip")
        || hdrs.position(out, b"Content-Range").is_some()
    {
        return None;
    }
    let ct = r.reply.content_type.map(|i| hdrs.value(out, i));
    if !ct.is_some_and(|t| t.starts_with(b"text/html"))
        && r.env.get(b"gzip-only-text/html") == Some(b"1")
    {
        return None;
    }
    let encoding = hdrs.get(out, b"Content-Encoding").map(<[u8]>::to_vec);
    if encoding.as_deref().is_some_and(already_encoded) {
        return None;
    }
    merge_vary(r);
    if !r.env.contains(b"force-gzip") {
        let mut accept: Option<Vec<u8>> = None;
        for v in header_values(&r.buf, &r.head, b"Accept-Encoding") {
            match &mut accept {
                None => accept = Some(v.to_vec()),
                Some(a) => {
                    a.extend_from_slice(b", ");
                    a.extend_from_slice(v);
                }
            }
        }
        if !accept.as_deref().is_some_and(accepts_gzip) {
            return None;
        }
    }
    let conf = r.cfg.servers[r.reply.server].deflate.clone();
    let z = Deflater::new(conf.level, conf.window_bits, conf.mem_level)?;
    match &encoding {
        Some(e) if !e.eq_ignore_ascii_case(b"identity") => {
            merge_header(r, b"Content-Encoding", b"gzip")
        }
        _ => set_header(r, b"Content-Encoding", b"gzip"),
    }
    let out = &r.out;
    let hdrs = &mut r.reply.headers_out;
    hdrs.unset(out, b"Content-Length");
    hdrs.unset(out, b"Content-MD5");
    match conf.etag {
        AlterEtag::NoChange => {}
        AlterEtag::Remove => hdrs.unset(out, b"ETag"),
        AlterEtag::AddSuffix => {
            if let Some(tag) = hdrs.get(out, b"ETag") {
                if tag.len() > 2 && tag.ends_with(b"\"") {
                    let mut t = tag[..tag.len() - 1].to_vec();
                    t.extend_from_slice(b"-gzip\"");
                    hdrs.set(out, b"ETag", &t);
                }
            }
        }
    }
    let buf = vec![0u8; conf.buffer];
    Some(Box::new(Gzip {
        z,
        buf,
        used: 0,
        crc: 0,
        header: true,
        conf,
    }))
}

/// The compressing filter of one response.
pub(crate) struct Gzip {
    z: Deflater,
    /// The output buffer (`DeflateBufferSize` bytes), `used` of it
    /// filled.
    buf: Vec<u8>,
    used: usize,
    /// CRC-32 of the input so far.
    crc: u32,
    /// The gzip header is still to go out (with the first output).
    header: bool,
    conf: DeflateConf,
}

impl Gzip {
    /// Moves the filled part of the buffer to `out`.
    fn consume(&mut self, out: &mut Vec<u8>) {
        if self.header {
            out.extend_from_slice(&GZIP_HEADER);
            self.header = false;
        }
        out.extend_from_slice(&self.buf[..self.used]);
        self.used = 0;
    }
}

impl BodyFilter for Gzip {
    fn data(&mut self, data: &[u8], out: &mut FilterOut) {
        self.crc = crc32(self.crc, data);
        let mut input = data;
        while !input.is_empty() {
            if self.used == self.buf.len() {
                // The buffer is full and input remains: hand it on.
                self.consume(&mut out.buf);
                out.pass();
            }
            let used = self.used;
            let step = self
                .z
                .step(input, &mut self.buf[used..], libz_sys::Z_NO_FLUSH);
            self.used += step.written;
            input = &input[step.read..];
            if step.code != libz_sys::Z_OK {
                break;
            }
        }
    }

    fn finish(&mut self, out: &mut FilterOut, notes: &mut Table) {
        let out = &mut out.buf;
        // Everything zlib holds, then the trailer.
        let mut done = false;
        loop {
            if self.used > 0 || self.header {
                self.consume(out);
            }
            if done {
                break;
            }
            let used = self.used;
            let step = self.z.step(&[], &mut self.buf[used..], libz_sys::Z_FINISH);
            self.used += step.written;
            if step.code == libz_sys::Z_BUF_ERROR {
                break;
            }
            done = self.used < self.buf.len() || step.code == libz_sys::Z_STREAM_END;
            if step.code != libz_sys::Z_OK && step.code != libz_sys::Z_STREAM_END {
                break;
            }
        }
        let (tin, tout) = (self.z.total_in(), self.z.total_out());
        out.extend_from_slice(&self.crc.to_le_bytes());
        out.extend_from_slice(&(tin as u32).to_le_bytes());
        let mut ib = itoa::Buffer::new();
        let dash = |n: u64, ib: &mut itoa::Buffer| -> Vec<u8> {
            if tin > 0 {
                ib.format(n).as_bytes().to_vec()
            } else {
                b"-".to_vec()
            }
        };
        if let Some(n) = &self.conf.note_input {
            let v = dash(tin, &mut ib);
            notes.set(n.as_bytes(), &v);
        }
        if let Some(n) = &self.conf.note_output {
            let v = dash(tout, &mut ib);
            notes.set(n.as_bytes(), &v);
        }
        if let Some(n) = &self.conf.note_ratio {
            // httpd's `(int)(out * 100 / in)`, `-` for no input.
            let v = match (tout * 100).checked_div(tin) {
                Some(ratio) => ib.format(ratio as i32).as_bytes().to_vec(),
                None => b"-".to_vec(),
            };
            notes.set(n.as_bytes(), &v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{accepts_gzip, already_encoded};

    #[test]
    fn accept_encoding_is_read_as_httpd_reads_it() {
        for (v, yes) in [
            (&b"gzip"[..], true),
            (b"GZIP", true),
            (b"deflate, gzip", true),
            (b"x-gzip", false),
            (b"identity", false),
            (b"*", false),
            (b"", false),
            (b", gzip", false),
            (b"gzip;q=0", false),
            (b"gzip; q=0", false),
            (b"gzip;q=0.0", false),
            (b"gzip;q=0.000", false),
            (b"gzip;q=0.0001", true),
            (b"gzip;q=0.5", true),
            (b"gzip;q=0 ", true),
            (b"gzip;Q=0", true),
            (b"br;q=1, gzip;q=0.001", true),
            (b"deflate;q=0.5, gzip;q=0, br", false),
        ] {
            assert_eq!(accepts_gzip(v), yes, "{}", String::from_utf8_lossy(v));
        }
    }

    #[test]
    fn identity_codings_are_not_encodings() {
        assert!(!already_encoded(b"identity"));
        assert!(!already_encoded(b"7bit, binary"));
        assert!(already_encoded(b"gzip"));
        assert!(already_encoded(b"identity, x-compress"));
    }
}
