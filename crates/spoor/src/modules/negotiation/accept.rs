//! The `Accept*` header lines as mod_negotiation reads them: a list of
//! items `name; param=value…`, separated by commas (or, in the old
//! form, by white space), each with a quality (`q`, or `qs` in a type
//! map), a `level` and, for media types, a `charset`.
//!
//! Hand-written: httpd's reading is looser than RFC 9110's grammar
//! (quality values without a leading zero, `q =0.5`, items separated by
//! spaces, unterminated quotes) and its choices depend on exactly these
//! values, so a general header parser would choose differently.

/// The most items one line yields; the rest are ignored (httpd has no
/// limit, but its head limits bound a line to a few thousand items).
pub const MAX_ITEMS: usize = 1000;

/// One item of an `Accept*` line (or a type map's `Content-Type`).
#[derive(Clone, Debug, PartialEq)]
pub struct Item {
    /// The name (media type, language, charset or encoding), lower case.
    pub name: String,
    /// `q` or `qs` (1 when absent).
    pub q: f32,
    /// `level` (2 for `text/html` unless given).
    pub level: f32,
    /// `charset` (lower case; empty when absent).
    pub charset: String,
}

/// httpd's `ap_get_token`: from `s` (white space skipped first), up to
/// white space (unless `white`), `;` or `,`, quoted strings kept whole;
/// returns the token and the rest after the white space that follows.
pub fn token(s: &[u8], white: bool) -> (&[u8], &[u8]) {
    let mut i = 0;
    while i < s.len() && s[i].is_ascii_whitespace() {
        i += 1;
    }
    let start = i;
    while i < s.len() && (white || !s[i].is_ascii_whitespace()) && s[i] != b';' && s[i] != b',' {
        let c = s[i];
        i += 1;
        if c == b'"' {
            while i < s.len() {
                let q = s[i];
                i += 1;
                if q == b'"' {
                    break;
                }
            }
        }
    }
    let tok = &s[start..i];
    while i < s.len() && s[i].is_ascii_whitespace() {
        i += 1;
    }
    (tok, &s[i..])
}

/// A quality value as httpd reads it: `0`, `0.d`, `0.dd`, `0.ddd` or
/// `.ddd` give thousandths (a third digit `0` counts as none); anything
/// else not starting with `0` or `.` is 1.
pub fn atoq(s: &[u8]) -> f32 {
    let mut i = 0;
    while i < s.len() && s[i].is_ascii_whitespace() {
        i += 1;
    }
    if i == s.len() {
        // (An empty value reads as 1, as no value at all.)
        return 1.0;
    }
    if s[i] != b'.' {
        if s[i] != b'0' {
            return 1.0;
        }
        i += 1;
    }
    if s.get(i) != Some(&b'.') {
        return 0.0;
    }
    i += 1;
    let mut n = 0u32;
    let d = |j: usize| s.get(j).copied().filter(u8::is_ascii_digit);
    if let Some(a) = d(i) {
        n += u32::from(a - b'0') * 100;
        if let Some(b) = d(i + 1) {
            n += u32::from(b - b'0') * 10;
            if let Some(c) = d(i + 2).filter(|&c| c > b'0') {
                n += u32::from(c - b'0');
            }
        }
    }
    n as f32 / 1000.0
}

/// One item from the front of `s` (httpd's `get_entry`); returns it and
/// the rest of the line.
pub fn entry(s: &[u8]) -> (Item, &[u8]) {
    let (name, mut rest) = token(s, false);
    let name = String::from_utf8_lossy(name).to_ascii_lowercase();
    let level = match name.as_str() {
        "text/html" | "text/x-server-parsed-html" => 2.0,
        "text/x-server-parsed-html3" => 3.0,
        _ => 0.0,
    };
    let mut item = Item {
        name,
        q: 1.0,
        level,
        charset: String::new(),
    };
    while rest.first() == Some(&b';') {
        let (parm, r) = token(&rest[1..], true);
        rest = r;
        // The name runs to white space or `=`.
        let end = parm
            .iter()
            .position(|&c| c.is_ascii_whitespace() || c == b'=')
            .unwrap_or(parm.len());
        if end == parm.len() {
            continue;
        }
        let key = parm[..end].to_ascii_lowercase();
        let mut v = &parm[end + 1..];
        while let Some(&c) = v.first() {
            if c.is_ascii_whitespace() || c == b'=' {
                v = &v[1..];
            } else {
                break;
            }
        }
        let value = if v.first() == Some(&b'"') {
            let v = &v[1..];
            let e = v
                .iter()
                .position(|&c| matches!(c, b'\n' | b'\r' | b'"'))
                .unwrap_or(v.len());
            &v[..e]
        } else {
            let e = v
                .iter()
                .position(u8::is_ascii_whitespace)
                .unwrap_or(v.len());
            &v[..e]
        };
        let value = value.to_ascii_lowercase();
        match &key[..] {
            b"q" | b"qs" => item.q = atoq(&value),
            b"level" => item.level = crate::cnum::strtol(&value) as i32 as f32,
            b"charset" => item.charset = String::from_utf8_lossy(&value).into_owned(),
            _ => {}
        }
    }
    if rest.first() == Some(&b',') {
        rest = &rest[1..];
    }
    (item, rest)
}

/// All the items of a line (httpd's `do_header_line`), at most
/// [`MAX_ITEMS`].
pub fn line(mut s: &[u8]) -> Vec<Item> {
    let mut out = Vec::new();
    while !s.is_empty() && out.len() < MAX_ITEMS {
        let (item, rest) = entry(s);
        if rest.len() == s.len() {
            // (Nothing consumed: only possible at a stray byte httpd
            // would also stop at; never loop.)
            break;
        }
        out.push(item);
        s = rest;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qualities() {
        assert_eq!(atoq(b"0.5"), 0.5);
        assert_eq!(atoq(b".5"), 0.5);
        assert_eq!(atoq(b"0"), 0.0);
        assert_eq!(atoq(b"1"), 1.0);
        assert_eq!(atoq(b"2"), 1.0);
        assert_eq!(atoq(b"0.0001"), 0.0);
        assert_eq!(atoq(b"0.001"), 0.001);
        assert_eq!(atoq(b"0.9999"), 0.999);
        assert_eq!(atoq(b""), 1.0);
        assert_eq!(atoq(b"0x"), 0.0);
    }

    #[test]
    fn lines() {
        let l = line(b"text/html;level=3;q=0.7, TEXT/*; q = .2 ,*/*;q=0");
        assert_eq!(l.len(), 3);
        assert_eq!(
            (l[0].name.as_str(), l[0].level, l[0].q),
            ("text/html", 3.0, 0.7)
        );
        assert_eq!((l[1].name.as_str(), l[1].q), ("text/*", 0.2));
        assert_eq!((l[2].name.as_str(), l[2].q), ("*/*", 0.0));
        let old = line(b"text/html text/plain");
        assert_eq!(old.len(), 2);
        let ct = line(b"text/html; charset=\"UTF-8\"; qs=0.5");
        assert_eq!(ct[0].charset, "utf-8");
        assert_eq!(ct[0].q, 0.5);
        assert!(line(b"").is_empty());
        assert_eq!(line(b",,").len(), 2);
    }
}
