//! Static-file semantics: entity tags, conditional requests and ranges,
//! following Apache httpd's defaults (`FileETag MTime Size`).

use std::cell::RefCell;

use crate::http::date;

/// What a request's conditional headers decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Condition {
    /// Serve the entity.
    Proceed,
    /// 304 Not Modified.
    NotModified,
    /// 412 Precondition Failed.
    Failed,
}

/// Appends the entity tag Apache makes for a file of `len` bytes modified
/// at `mtime_us`: `"<len hex>-<mtime µs hex>"`, weak (`W/`) when the file
/// changed less than a second before the request.
///
/// The quoted part is cached per thread for the last file asked about (a
/// server sends the same few files over and over).
pub fn etag(len: u64, mtime_us: i64, request_time_us: i64, out: &mut Vec<u8>) {
    thread_local! {
        static LAST: RefCell<(u64, i64, Vec<u8>)> = const { RefCell::new((0, 0, Vec::new())) };
    }
    if request_time_us - mtime_us <= 1_000_000 {
        out.extend_from_slice(b"W/");
    }
    LAST.with(|c| {
        let mut c = c.borrow_mut();
        let (l, m, tag) = &mut *c;
        if tag.is_empty() || *l != len || *m != mtime_us {
            tag.clear();
            tag.push(b'"');
            spoor_log::hex::push(len, tag);
            tag.push(b'-');
            spoor_log::hex::push(mtime_us.max(0) as u64, tag);
            tag.push(b'"');
            (*l, *m) = (len, mtime_us);
        }
        out.extend_from_slice(tag);
    })
}

fn opaque(tag: &[u8]) -> &[u8] {
    tag.strip_prefix(b"W/").unwrap_or(tag)
}

/// Whether a list of entity tags (`If-Match`, `If-None-Match`) contains
/// `tag`; `strong` refuses weak tags on either side.
fn list_matches(list: &[u8], tag: &[u8], strong: bool) -> bool {
    if list.trim_ascii() == b"*" {
        return true;
    }
    if strong && tag.starts_with(b"W/") {
        return false;
    }
    list.split(|&b| b == b',').any(|t| {
        let t = t.trim_ascii();
        if strong {
            t == tag
        } else {
            opaque(t) == opaque(tag)
        }
    })
}

/// Evaluates `If-Match`, `If-Unmodified-Since`, `If-None-Match` and
/// `If-Modified-Since` for a GET or HEAD of a file. `get` is a lookup of
/// the first request header of a name.
pub fn conditions<'a>(
    get: impl Fn(&[u8]) -> Option<&'a [u8]>,
    tag: &[u8],
    mtime_s: i64,
    request_s: i64,
) -> Condition {
    if let Some(m) = get(b"If-Match") {
        if !list_matches(m, tag, true) {
            return Condition::Failed;
        }
    } else if let Some(t) = get(b"If-Unmodified-Since").and_then(date::parse) {
        if mtime_s > t {
            return Condition::Failed;
        }
    }
    if let Some(m) = get(b"If-None-Match") {
        if list_matches(m, tag, false) {
            return Condition::NotModified;
        }
    } else if let Some(t) = get(b"If-Modified-Since").and_then(date::parse) {
        if mtime_s <= t && t <= request_s {
            return Condition::NotModified;
        }
    }
    Condition::Proceed
}

/// A `Range` request's outcome for an entity of a known length.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ByteRange {
    /// Send the whole entity (no, or an unusable, `Range`).
    Full,
    /// Send the ranges in the list (one: a plain 206; more:
    /// `multipart/byteranges`).
    Parts,
    /// 416.
    Unsatisfiable,
}

/// Interprets a `Range` header value as httpd does: the satisfiable
/// ranges, in the order given, each merged with the one before it when
/// they overlap or touch, go to `parts` as `(first, last)`. A syntax error
/// anywhere, or an empty entity, means the whole entity.
pub fn byte_ranges(value: &[u8], len: u64, parts: &mut Vec<(u64, u64)>) -> ByteRange {
    parts.clear();
    let value = value.trim_ascii();
    let Some(spec) = value
        .get(..6)
        .filter(|p| p.eq_ignore_ascii_case(b"bytes="))
        .map(|_| &value[6..])
    else {
        return ByteRange::Full;
    };
    if len == 0 {
        return ByteRange::Full;
    }
    let num = |s: &[u8]| -> Option<u64> {
        let s = s.trim_ascii();
        if s.is_empty() || s.len() > 19 || !s.iter().all(u8::is_ascii_digit) {
            return None;
        }
        s.iter().try_fold(0u64, |a, &b| {
            a.checked_mul(10)?.checked_add((b - b'0') as u64)
        })
    };
    for one in spec.split(|&b| b == b',') {
        let Some(dash) = memchr::memchr(b'-', one) else {
            parts.clear();
            return ByteRange::Full;
        };
        let (a, b) = (&one[..dash], &one[dash + 1..]);
        let range = if a.trim_ascii().is_empty() {
            // Suffix range: the last n bytes.
            match num(b) {
                None => {
                    parts.clear();
                    return ByteRange::Full;
                }
                Some(0) => None,
                Some(n) => Some((len.saturating_sub(n), len - 1)),
            }
        } else {
            let Some(first) = num(a) else {
                parts.clear();
                return ByteRange::Full;
            };
            let last = if b.trim_ascii().is_empty() {
                u64::MAX
            } else {
                match num(b) {
                    Some(l) if l >= first => l,
                    _ => {
                        parts.clear();
                        return ByteRange::Full;
                    }
                }
            };
            (first < len).then(|| (first, last.min(len - 1)))
        };
        let Some((a, b)) = range else {
            continue;
        };
        match parts.last_mut() {
            Some(p) if a <= p.1.saturating_add(1) && b.saturating_add(1) >= p.0 => {
                p.0 = p.0.min(a);
                p.1 = p.1.max(b);
            }
            _ => parts.push((a, b)),
        }
    }
    if parts.is_empty() {
        ByteRange::Unsatisfiable
    } else {
        ByteRange::Parts
    }
}

/// Whether an `If-Range` value still matches the entity (so the range
/// applies).
pub fn if_range_matches(value: &[u8], tag: &[u8], mtime_s: i64) -> bool {
    let value = value.trim_ascii();
    if value.first() == Some(&b'"') || value.starts_with(b"W/") {
        !tag.starts_with(b"W/") && value == tag
    } else {
        date::parse(value) == Some(mtime_s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn etags() {
        let mut v = Vec::new();
        etag(26, 0x660d65a22d906, 0x660d65a22d906 + 5_000_000, &mut v);
        assert_eq!(v, b"\"1a-660d65a22d906\"");
        v.clear();
        etag(26, 10, 20, &mut v);
        assert_eq!(v, b"W/\"1a-a\"");
        // The cached tag: the same file later (strong), then another one.
        v.clear();
        etag(26, 10, 5_000_000, &mut v);
        assert_eq!(v, b"\"1a-a\"");
        v.clear();
        etag(27, 10, 5_000_000, &mut v);
        assert_eq!(v, b"\"1b-a\"");
        v.clear();
        etag(27, 11, 5_000_000, &mut v);
        assert_eq!(v, b"\"1b-b\"");
    }

    #[test]
    fn ranges() {
        let r = |v: &[u8], len| {
            let mut p = Vec::new();
            let k = byte_ranges(v, len, &mut p);
            (k, p)
        };
        use ByteRange::*;
        assert_eq!(r(b"bytes=2-5", 26), (Parts, vec![(2, 5)]));
        assert_eq!(r(b"bytes=2-", 26), (Parts, vec![(2, 25)]));
        assert_eq!(r(b"bytes=-3", 26), (Parts, vec![(23, 25)]));
        assert_eq!(r(b"bytes=-30", 26), (Parts, vec![(0, 25)]));
        assert_eq!(r(b"bytes=20-100", 26), (Parts, vec![(20, 25)]));
        assert_eq!(r(b"bytes=100-", 26), (Unsatisfiable, vec![]));
        assert_eq!(r(b"bytes=5-2", 26), (Full, vec![]));
        assert_eq!(r(b"items=1-2", 26), (Full, vec![]));
        assert_eq!(r(b"bytes=0-1,3-4", 26), (Parts, vec![(0, 1), (3, 4)]));
        assert_eq!(r(b"bytes=0-9,5-15", 26), (Parts, vec![(0, 15)]));
        assert_eq!(r(b"bytes=0-9,10-19", 26), (Parts, vec![(0, 19)]));
        assert_eq!(r(b"bytes=20-22,0-9", 26), (Parts, vec![(20, 22), (0, 9)]));
        assert_eq!(r(b"bytes=0-9,200-300", 26), (Parts, vec![(0, 9)]));
        assert_eq!(r(b"bytes=0-9", 0), (Full, vec![]));
    }

    #[test]
    fn conds() {
        let tag = b"\"1a-5\"";
        let h = |n: &'static [u8], v: &'static [u8]| {
            move |q: &[u8]| {
                if q.eq_ignore_ascii_case(n) {
                    Some(v)
                } else {
                    None
                }
            }
        };
        assert_eq!(
            conditions(h(b"If-None-Match", b"\"1a-5\""), tag, 100, 200),
            Condition::NotModified
        );
        assert_eq!(
            conditions(h(b"If-None-Match", b"W/\"1a-5\", \"x\""), tag, 100, 200),
            Condition::NotModified
        );
        assert_eq!(
            conditions(h(b"If-None-Match", b"\"x\""), tag, 100, 200),
            Condition::Proceed
        );
        assert_eq!(
            conditions(h(b"If-Match", b"\"x\""), tag, 100, 200),
            Condition::Failed
        );
        let ims = date::format(150);
        let ims: &'static [u8] = Box::leak(Box::new(ims));
        assert_eq!(
            conditions(h(b"If-Modified-Since", ims), tag, 100, 200),
            Condition::NotModified
        );
        assert_eq!(
            conditions(h(b"If-Modified-Since", ims), tag, 160, 200),
            Condition::Proceed
        );
    }
}
