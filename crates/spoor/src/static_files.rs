//! Static-file semantics: entity tags, conditional requests and ranges,
//! following Apache httpd's defaults (`FileETag MTime Size`).

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
pub fn etag(len: u64, mtime_us: i64, request_time_us: i64, out: &mut Vec<u8>) {
    if request_time_us - mtime_us <= 1_000_000 {
        out.extend_from_slice(b"W/");
    }
    out.push(b'"');
    hex(len, out);
    out.push(b'-');
    hex(mtime_us.max(0) as u64, out);
    out.push(b'"');
}

fn hex(v: u64, out: &mut Vec<u8>) {
    const H: &[u8; 16] = b"0123456789abcdef";
    let mut buf = [0u8; 16];
    let mut i = 16;
    let mut v = v;
    loop {
        i -= 1;
        buf[i] = H[(v & 15) as usize];
        v >>= 4;
        if v == 0 {
            break;
        }
    }
    out.extend_from_slice(&buf[i..]);
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
    /// Send bytes `first..=last` with 206.
    Part(u64, u64),
    /// 416.
    Unsatisfiable,
}

/// Interprets a `Range` header value. Only a single range is honoured; a
/// list of several ranges is answered with the whole entity.
pub fn byte_range(value: &[u8], len: u64) -> ByteRange {
    let value = value.trim_ascii();
    let Some(spec) = value
        .get(..6)
        .filter(|p| p.eq_ignore_ascii_case(b"bytes="))
        .map(|_| &value[6..])
    else {
        return ByteRange::Full;
    };
    if spec.contains(&b',') {
        return ByteRange::Full;
    }
    let Some(dash) = memchr::memchr(b'-', spec) else {
        return ByteRange::Full;
    };
    let num = |s: &[u8]| -> Option<u64> {
        let s = s.trim_ascii();
        if s.is_empty() || s.len() > 19 || !s.iter().all(u8::is_ascii_digit) {
            return None;
        }
        s.iter().try_fold(0u64, |a, &b| {
            a.checked_mul(10)?.checked_add((b - b'0') as u64)
        })
    };
    let (a, b) = (&spec[..dash], &spec[dash + 1..]);
    if a.trim_ascii().is_empty() {
        // Suffix range: the last n bytes.
        return match num(b) {
            None => ByteRange::Full,
            Some(0) => ByteRange::Unsatisfiable,
            Some(_) if len == 0 => ByteRange::Unsatisfiable,
            Some(n) => ByteRange::Part(len.saturating_sub(n), len - 1),
        };
    }
    let Some(first) = num(a) else {
        return ByteRange::Full;
    };
    let last = if b.trim_ascii().is_empty() {
        u64::MAX
    } else {
        match num(b) {
            Some(l) if l >= first => l,
            _ => return ByteRange::Full,
        }
    };
    if first >= len {
        return ByteRange::Unsatisfiable;
    }
    ByteRange::Part(first, last.min(len - 1))
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
    }

    #[test]
    fn ranges() {
        assert_eq!(byte_range(b"bytes=2-5", 26), ByteRange::Part(2, 5));
        assert_eq!(byte_range(b"bytes=2-", 26), ByteRange::Part(2, 25));
        assert_eq!(byte_range(b"bytes=-3", 26), ByteRange::Part(23, 25));
        assert_eq!(byte_range(b"bytes=-30", 26), ByteRange::Part(0, 25));
        assert_eq!(byte_range(b"bytes=20-100", 26), ByteRange::Part(20, 25));
        assert_eq!(byte_range(b"bytes=100-", 26), ByteRange::Unsatisfiable);
        assert_eq!(byte_range(b"bytes=5-2", 26), ByteRange::Full);
        assert_eq!(byte_range(b"items=1-2", 26), ByteRange::Full);
        assert_eq!(byte_range(b"bytes=0-1,3-4", 26), ByteRange::Full);
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
