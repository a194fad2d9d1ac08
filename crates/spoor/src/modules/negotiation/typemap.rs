//! Type maps (`.var` files) as mod_negotiation reads them: records of
//! header lines (`URI`, `Content-Type` with `qs`, `Content-Language`,
//! `Content-Encoding`, `Content-Length`, `Description`, `Body`)
//! separated by blank lines, `#` comment lines, continuation lines that
//! start with white space, `(comments)` in values, and inline bodies
//! between a `Body:` tag line and the next occurrence of the tag.
//!
//! Hand-written: the format is httpd's own (no crate reads it), and the
//! map's quirks (line length, where a comment may stand, what ends a
//! body) decide which variants exist.

use super::accept;
use super::choose::Variant;

/// httpd's `MAX_STRING_LEN`: the longest line read at once, and how
/// far after a `Body:` line its end tag is looked for.
const LINE_MAX: usize = 8192;

/// The most variants one map gives (httpd has no limit).
pub const MAX_VARIANTS: usize = 1000;

/// The largest map read (the rest is ignored; httpd has no limit).
pub const MAX_MAP: u64 = 16 << 20;

/// A line of the map that stopped the reading, for the error log: its
/// `AHxxxxx` code and message (the map's file name goes where the
/// message has `\0`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MapError {
    /// httpd's message number.
    pub code: &'static str,
    /// The message, with `\0` where the file name goes.
    pub msg: Vec<u8>,
    /// Whether the request fails (500); otherwise the variants read
    /// before it are used.
    pub fatal: bool,
}

/// What a map gave.
#[derive(Debug, Default)]
pub struct Map {
    /// The variants, in the map's order.
    pub variants: Vec<Variant>,
    /// The error that ended the reading early, if one did.
    pub error: Option<MapError>,
}

enum Line {
    Eof,
    Sep,
    Seen(Vec<u8>),
}

struct Reader<'a> {
    d: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    /// `apr_file_gets`: up to a newline (kept) or `LINE_MAX - 1` bytes.
    fn gets(&mut self) -> Option<Vec<u8>> {
        if self.pos >= self.d.len() {
            return None;
        }
        let rest = &self.d[self.pos..];
        let max = rest.len().min(LINE_MAX - 1);
        let end = memchr::memchr(b'\n', &rest[..max]).map_or(max, |i| i + 1);
        self.pos += end;
        Some(rest[..end].to_vec())
    }

    fn getc(&mut self) -> Option<u8> {
        let c = self.d.get(self.pos).copied();
        if c.is_some() {
            self.pos += 1;
        }
        c
    }

    fn ungetc(&mut self) {
        self.pos = self.pos.saturating_sub(1);
    }

    /// httpd's `get_header_line`.
    fn header_line(&mut self) -> Line {
        let mut buf = loop {
            match self.gets() {
                None => return Line::Eof,
                Some(l) if l.first() == Some(&b'#') => continue,
                Some(l) => break l,
            }
        };
        if buf.iter().all(u8::is_ascii_whitespace) {
            return Line::Sep;
        }
        if buf.len() >= 5 && buf[..5].eq_ignore_ascii_case(b"body:") {
            return Line::Seen(buf);
        }
        while let Some(mut c) = self.getc() {
            if c == b'#' {
                while let Some(x) = self.getc() {
                    if x == b'\n' {
                        break;
                    }
                }
            } else if c.is_ascii_whitespace() {
                let mut at_end = false;
                while c != b'\n' && c.is_ascii_whitespace() {
                    match self.getc() {
                        Some(x) => c = x,
                        None => {
                            at_end = true;
                            break;
                        }
                    }
                }
                if !at_end {
                    self.ungetc();
                }
                if c == b'\n' {
                    return Line::Seen(buf);
                }
                while buf.len() < LINE_MAX - 2 {
                    match self.getc() {
                        Some(b'\n') | None => break,
                        Some(x) => buf.push(x),
                    }
                }
                buf.push(b'\n');
            } else {
                self.ungetc();
                return Line::Seen(buf);
            }
        }
        Line::Seen(buf)
    }

    /// httpd's `get_body`: the text up to `tag` within the next
    /// `LINE_MAX - 1` bytes; the reading goes on after the tag's line.
    /// Returns the body's offset and length.
    fn body(&mut self, tag: &[u8]) -> Option<(u64, u64)> {
        let start = self.pos;
        let end = (start + LINE_MAX - 1).min(self.d.len());
        let mut window = &self.d[start..end];
        // (httpd searches the buffer as a C string.)
        if let Some(nul) = memchr::memchr(0, window) {
            window = &window[..nul];
        }
        let at = memchr::memmem::find(window, tag)?;
        let mut after = at + tag.len();
        match memchr::memchr(b'\n', &window[after..]) {
            Some(i) => after += i + 1,
            None => after = window.len(),
        }
        self.pos = start + after;
        Some((start as u64, at as u64))
    }
}

/// httpd's `strip_paren_comments`: `(…)` blanked out, quoted strings
/// kept.
fn strip_comments(h: &mut [u8]) {
    let mut i = 0;
    while i < h.len() {
        if h[i] == b'"' {
            match memchr::memchr(b'"', &h[i + 1..]) {
                Some(j) => i += j + 2,
                None => return,
            }
        } else if h[i] == b'(' {
            while i < h.len() && h[i] != b')' {
                h[i] = b' ';
                i += 1;
            }
            if i < h.len() {
                h[i] = b' ';
                i += 1;
            }
        } else {
            i += 1;
        }
    }
}

/// The languages of a `Content-Language` value (httpd's
/// `do_languages_line`).
fn languages(mut s: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    while !s.is_empty() && out.len() < accept::MAX_ITEMS {
        let (t, rest) = accept::token(s, false);
        out.push(String::from_utf8_lossy(t).to_ascii_lowercase());
        s = rest;
        if matches!(s.first(), Some(b',' | b';')) {
            s = &s[1..];
        }
    }
    out
}

/// Reads the map `d`, whose own file name (for inline bodies) is
/// `map_name`.
pub fn read(d: &[u8], map_name: &str) -> Map {
    let mut r = Reader { d, pos: 0 };
    let mut map = Map::default();
    let mut cur = Variant::blank(String::new());
    let mut has_content = false;
    loop {
        let line = r.header_line();
        let mut buf = match line {
            Line::Seen(b) => b,
            Line::Sep | Line::Eof => {
                if !cur.file_name.is_empty() && has_content && map.variants.len() < MAX_VARIANTS {
                    map.variants.push(cur);
                }
                cur = Variant::blank(String::new());
                has_content = false;
                if matches!(line, Line::Eof) {
                    return map;
                }
                continue;
            }
        };
        let Some(colon) = memchr::memchr(b':', &buf) else {
            buf.make_ascii_lowercase();
            let mut msg = b"Syntax error in type map, no ':' in \0 for header ".to_vec();
            msg.extend_from_slice(&buf);
            map.error = Some(MapError {
                code: "AH00681",
                msg,
                fatal: true,
            });
            return map;
        };
        buf[..colon].make_ascii_lowercase();
        let mut v = colon + 1;
        while v < buf.len() && buf[v].is_ascii_whitespace() {
            v += 1;
        }
        if v == buf.len() {
            let mut msg = b"Syntax error in type map --- no header body: \0 for ".to_vec();
            msg.extend_from_slice(&buf);
            map.error = Some(MapError {
                code: "AH00682",
                msg,
                fatal: true,
            });
            return map;
        }
        strip_comments(&mut buf[v..]);
        let (name, body) = (&buf[..=colon], &buf[v..]);
        match name {
            b"uri:" => {
                cur.file_name = String::from_utf8_lossy(accept::token(body, false).0).into_owned();
            }
            b"content-type:" => {
                cur.set_type(accept::entry(body).0);
                has_content = true;
            }
            b"content-length:" => {
                let t = accept::token(body, false).0;
                match strict_length(t) {
                    Some(n) => cur.bytes = Some(n),
                    None => {
                        let mut msg = b"Parse error in type map, Content-Length: '".to_vec();
                        msg.extend_from_slice(t);
                        msg.extend_from_slice(b"' in \0 is invalid.");
                        map.error = Some(MapError {
                            code: "AH00684",
                            msg,
                            fatal: false,
                        });
                        return map;
                    }
                }
                has_content = true;
            }
            b"content-language:" => {
                cur.languages = languages(body);
                has_content = true;
            }
            b"content-encoding:" => {
                cur.encoding =
                    Some(String::from_utf8_lossy(accept::token(body, false).0).into_owned());
                has_content = true;
            }
            b"description:" => {
                let mut d: Vec<u8> = body
                    .iter()
                    .map(|&c| if c == b'\n' { b' ' } else { c })
                    .collect();
                d.pop();
                cur.description = String::from_utf8_lossy(&d).into_owned();
            }
            b"body:" => {
                let mut tag = body.to_vec();
                while tag.last().is_some_and(u8::is_ascii_whitespace) {
                    tag.pop();
                }
                match r.body(&tag) {
                    Some((off, len)) => {
                        cur.body = Some((off, len));
                        cur.bytes = Some(len);
                        cur.file_name = map_name.to_string();
                    }
                    None => {
                        let mut msg = b"Syntax error in type map, no end tag '".to_vec();
                        msg.extend_from_slice(&tag);
                        msg.extend_from_slice(b"' found in \0 for Body: content.");
                        map.error = Some(MapError {
                            code: "AH00685",
                            msg,
                            fatal: false,
                        });
                        return map;
                    }
                }
            }
            _ => {}
        }
    }
}

/// httpd's `ap_parse_strict_length`: decimal digits only, no sign, no
/// overflow.
fn strict_length(t: &[u8]) -> Option<u64> {
    if t.is_empty() || !t.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(t)
        .ok()?
        .parse::<i64>()
        .ok()
        .map(|n| n as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_bodies_and_errors() {
        let m = read(
            b"# c\nURI: a.html.en\nContent-Type: text/html;qs=0.5 (x)\nContent-Language: en, de\n\nURI: b\n  .txt\n\nContent-Type: text/plain\nContent-Language: fr\nDescription: one\n two\nBody:--x--\ninline\n--x-- tail\nURI: ignored\n",
            "m.var",
        );
        assert!(m.error.is_none());
        assert_eq!(m.variants.len(), 2);
        assert_eq!(m.variants[0].file_name, "a.html.en");
        assert_eq!(m.variants[0].source_quality, 0.5);
        assert_eq!(m.variants[0].languages, ["en", "de"]);
        // (A URI after the body's end tag renames the inline variant.)
        assert_eq!(m.variants[1].file_name, "ignored");
        assert_eq!(m.variants[1].description, "one two");
        assert!(m.variants[1].body.is_some());
        let b = read(
            b"Content-Type: text/plain\nBody:--x--\ninline\n--x--\n",
            "m.var",
        );
        assert_eq!(b.variants[0].body, Some((36, 7)));
        assert_eq!(b.variants[0].file_name, "m.var");
        let e = read(b"URI x\n", "m.var");
        assert_eq!(e.error.unwrap().code, "AH00681");
        let e = read(b"URI: a\nContent-Length: 1x\n", "m.var");
        assert_eq!(e.error.as_ref().unwrap().code, "AH00684");
        assert!(!e.error.unwrap().fatal);
    }
}
