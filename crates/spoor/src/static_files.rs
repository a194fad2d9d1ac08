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
/// Opens `path` for reading as the request path must: without waiting.
/// A FIFO (or a device) named by a URI would block `open(2)` until a
/// writer appears, and with it the worker's whole event loop (httpd
/// blocks one thread on it); with `O_NONBLOCK` the open returns at once
/// and the caller refuses what is not a regular file. Reading a regular
/// file is not affected by the flag.
pub fn open_read(path: &std::path::Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
}

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
    /// Send the whole entity (no, an unusable or an over-limit `Range`).
    Full,
    /// Send the ranges in the list (one: a plain 206; more:
    /// `multipart/byteranges`).
    Parts,
    /// 416.
    Unsatisfiable,
}

/// One of `MaxRanges`, `MaxRangeOverlaps`, `MaxRangeReversals` as a
/// scope sets it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RangeLimit {
    /// `default`: httpd's compiled-in value (200 ranges, 20 overlaps, 20
    /// reversals).
    Default,
    /// `unlimited`.
    Unlimited,
    /// A number; 0 is `none` (no range at all, no overlap, no reversal).
    Max(u32),
}

impl RangeLimit {
    /// Reads a directive's argument as httpd does: `none`, `default`,
    /// `unlimited` (any case), else C's `atoi` of it, which must be
    /// positive (so `12abc` is 12).
    pub fn parse(arg: &str) -> Option<RangeLimit> {
        if arg.eq_ignore_ascii_case("none") {
            return Some(RangeLimit::Max(0));
        }
        if arg.eq_ignore_ascii_case("default") {
            return Some(RangeLimit::Default);
        }
        if arg.eq_ignore_ascii_case("unlimited") {
            return Some(RangeLimit::Unlimited);
        }
        let v = atoi(arg.as_bytes());
        (v > 0).then_some(RangeLimit::Max(v as u32))
    }

    /// The bound in force (`None`: unlimited), `default` being `dflt`.
    fn bound(self, dflt: u32) -> Option<u64> {
        match self {
            RangeLimit::Default => Some(dflt as u64),
            RangeLimit::Unlimited => None,
            RangeLimit::Max(n) => Some(n as u64),
        }
    }
}

/// C's `atoi` on glibc: `strtol` cut to an `int`.
fn atoi(s: &[u8]) -> i32 {
    crate::cnum::strtol(s) as i32
}

/// The three range limits in force for a request (`None`: unlimited).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RangeLimits {
    /// `MaxRanges`: the most ranges (after merging) served as ranges.
    pub ranges: Option<u64>,
    /// `MaxRangeOverlaps`: the most ranges merged into the one before.
    pub overlaps: Option<u64>,
    /// `MaxRangeReversals`: the most ranges merged that start before the
    /// one they join.
    pub reversals: Option<u64>,
}

impl Default for RangeLimits {
    /// httpd's defaults: 200 ranges, 20 overlaps, 20 reversals.
    fn default() -> Self {
        RangeLimits::new(None, None, None)
    }
}

impl RangeLimits {
    /// The limits from the three directives' values (`None`: not set,
    /// which is `default`).
    pub fn new(
        ranges: Option<RangeLimit>,
        overlaps: Option<RangeLimit>,
        reversals: Option<RangeLimit>,
    ) -> Self {
        let d = RangeLimit::Default;
        RangeLimits {
            ranges: ranges.unwrap_or(d).bound(200),
            overlaps: overlaps.unwrap_or(d).bound(20),
            reversals: reversals.unwrap_or(d).bound(20),
        }
    }

    /// Whether `Accept-Ranges` says `none` (`MaxRanges none`).
    pub fn no_ranges(&self) -> bool {
        self.ranges == Some(0)
    }
}

/// What the `Range` value itself says, before any limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RangeSpec {
    /// Ignore the field: a syntax error, a value not starting with
    /// `bytes=`, no range at all, or ranges that add up to more than the
    /// entity.
    Ignore,
    /// Every range starts past the end.
    Unsatisfiable,
    /// The merged ranges are in the list; `overlaps` ranges were merged
    /// into the one before them (touching counts), `reversals` of those
    /// started before it.
    Ranges {
        /// Ranges merged into their predecessor.
        overlaps: u64,
        /// Merged ranges that moved their predecessor's start back.
        reversals: u64,
    },
}

/// httpd's strict number: decimal digits only (at least one), no sign or
/// white space, and no more than a signed 64-bit offset holds.
fn strict_number(s: &[u8]) -> Option<u64> {
    if s.is_empty() {
        return None;
    }
    s.iter().try_fold(0u64, |a, &b| {
        if !b.is_ascii_digit() {
            return None;
        }
        a.checked_mul(10)?
            .checked_add((b - b'0') as u64)
            .filter(|v| *v <= i64::MAX as u64)
    })
}

/// Reads a `Range` value (several `Range` fields joined with `, `) for an
/// entity of `len` bytes as httpd 2.4's byterange filter does, filling
/// `parts` with `(first, last)` pairs.
///
/// The value must start with `bytes=` (any case); the rest is split at
/// commas (a run of commas counts as one; an empty piece ends the list).
/// Each piece is `a-b`, `a-` or `-n` with plain decimal numbers; anything
/// else (white space included), `a > b` or `-0` makes the whole field
/// ignored. A piece starting at or past the end is skipped (all of them:
/// unsatisfiable); `0-` alone wins over everything else and stops the
/// reading. Pieces are merged only with the one just before them, when
/// they overlap or touch it: each merge is an overlap, and a reversal
/// too when it moves the start back. When the merged ranges add up to
/// more than the entity, the field is ignored.
pub fn range_spec(value: &[u8], len: u64, parts: &mut Vec<(u64, u64)>) -> RangeSpec {
    let spec = read_ranges(value, len, parts);
    if spec == RangeSpec::Ignore || spec == RangeSpec::Unsatisfiable {
        parts.clear();
    }
    spec
}

/// [`range_spec`] before `parts` is emptied for an ignored field.
fn read_ranges(value: &[u8], len: u64, parts: &mut Vec<(u64, u64)>) -> RangeSpec {
    parts.clear();
    let Some(spec) = value
        .get(..6)
        .filter(|p| p.eq_ignore_ascii_case(b"bytes="))
        .map(|_| &value[6..])
    else {
        return RangeSpec::Ignore;
    };
    if len == 0 {
        return RangeSpec::Ignore;
    }
    let (mut overlaps, mut reversals) = (0u64, 0u64);
    let mut unsatisfiable = false;
    // The range being grown by merges, not yet in `parts`.
    let mut open: Option<(u64, u64)> = None;
    let mut rest = spec;
    loop {
        let cut = memchr::memchr(b',', rest).unwrap_or(rest.len());
        let piece = &rest[..cut];
        rest = &rest[cut..];
        while let [b',', tail @ ..] = rest {
            rest = tail;
        }
        if piece.is_empty() {
            break;
        }
        let Some(dash) = memchr::memchr(b'-', piece) else {
            return RangeSpec::Ignore;
        };
        let (start, end) = if dash == 0 {
            // The last n bytes.
            match strict_number(&piece[1..]) {
                Some(n) if n >= 1 => (len.saturating_sub(n), len - 1),
                _ => return RangeSpec::Ignore,
            }
        } else {
            let Some(first) = strict_number(&piece[..dash]) else {
                return RangeSpec::Ignore;
            };
            let tail = &piece[dash + 1..];
            if tail.is_empty() {
                if first == 0 {
                    // The whole entity as one range, whatever else (the
                    // counts so far stay, as httpd keeps them).
                    parts.clear();
                    open = Some((0, len - 1));
                    break;
                }
                (first, len - 1)
            } else {
                match strict_number(tail) {
                    Some(last) if last >= first => (first, last),
                    _ => return RangeSpec::Ignore,
                }
            }
        };
        if start >= len {
            unsatisfiable = true;
            continue;
        }
        let end = end.min(len - 1);
        let Some((ostart, oend)) = open.as_mut() else {
            open = Some((start, end));
            continue;
        };
        let mut merged = start >= *ostart && end <= *oend;
        if start < *ostart && end + 1 >= *ostart {
            *ostart = start;
            reversals += 1;
            merged = true;
        }
        if end >= *oend && start <= *oend + 1 {
            *oend = end;
            merged = true;
        }
        if merged {
            overlaps += 1;
        } else {
            parts.push((*ostart, *oend));
            open = Some((start, end));
        }
    }
    match open {
        Some(r) => parts.push(r),
        None if unsatisfiable => return RangeSpec::Unsatisfiable,
        None => return RangeSpec::Ignore,
    }
    // Each range lies inside the entity, so this sum cannot overflow
    // before it passes `len`.
    let mut sum = 0u64;
    for &(a, b) in parts.iter() {
        sum += b - a + 1;
        if sum > len {
            return RangeSpec::Ignore;
        }
    }
    RangeSpec::Ranges {
        overlaps,
        reversals,
    }
}

/// [`range_spec`] with the limits applied as httpd applies them: more
/// merged ranges than `MaxRanges`, more overlaps than `MaxRangeOverlaps`
/// or more reversals than `MaxRangeReversals` mean the whole entity (with
/// `parts` emptied); an unsatisfiable field is a 416 whatever the limits.
pub fn byte_ranges(
    value: &[u8],
    len: u64,
    limits: &RangeLimits,
    parts: &mut Vec<(u64, u64)>,
) -> ByteRange {
    let over = |n: u64, max: Option<u64>| max.is_some_and(|m| n > m);
    match range_spec(value, len, parts) {
        RangeSpec::Ignore => ByteRange::Full,
        RangeSpec::Unsatisfiable => ByteRange::Unsatisfiable,
        RangeSpec::Ranges {
            overlaps,
            reversals,
        } => {
            if over(parts.len() as u64, limits.ranges)
                || over(overlaps, limits.overlaps)
                || over(reversals, limits.reversals)
            {
                parts.clear();
                ByteRange::Full
            } else {
                ByteRange::Parts
            }
        }
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
            let k = byte_ranges(v, len, &RangeLimits::default(), &mut p);
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
        // What apache2 answered for a 37-byte file.
        assert_eq!(r(b"bytes=0-1, 3-4", 37), (Full, vec![]));
        assert_eq!(r(b"bytes= 0-1", 37), (Full, vec![]));
        assert_eq!(r(b"bytes=0-1,,3-4", 37), (Parts, vec![(0, 1), (3, 4)]));
        assert_eq!(r(b"bytes=0-1,", 37), (Parts, vec![(0, 1)]));
        assert_eq!(r(b"bytes=,0-1", 37), (Full, vec![]));
        assert_eq!(r(b"bytes=-0", 37), (Full, vec![]));
        assert_eq!(r(b"bytes=0-1,-0", 37), (Full, vec![]));
        assert_eq!(r(b"bytes=0-1,5-6,9-9,x", 37), (Full, vec![]));
        assert_eq!(r(b"bytes=100-,0-1", 37), (Parts, vec![(0, 1)]));
        assert_eq!(r(b"bytes=5-6,0-", 37), (Parts, vec![(0, 36)]));
        assert_eq!(r(b"bytes=5-6,0-,x", 37), (Parts, vec![(0, 36)]));
        assert_eq!(r(b"bytes=2-3,0-2", 37), (Parts, vec![(0, 3)]));
        assert_eq!(r(b"bytes=0-5,2-3,0-5", 37), (Parts, vec![(0, 5)]));
        assert_eq!(r(b"bytes=+1-2", 37), (Full, vec![]));
        assert_eq!(r(b"BYTES=00-01", 37), (Parts, vec![(0, 1)]));
        assert_eq!(r(b"bytes=0-99999999999999999999", 37), (Full, vec![]));
        assert_eq!(r(b"bytes=0-1, bytes=3-4", 37), (Full, vec![]));
        // Ranges adding up to more than the file: ignored.
        assert_eq!(r(b"bytes=0-1,3-3,0-1", 4), (Full, vec![]));
    }

    #[test]
    fn range_counts() {
        let spec = |v: &[u8]| range_spec(v, 100, &mut Vec::new());
        let ranges = |o, r| RangeSpec::Ranges {
            overlaps: o,
            reversals: r,
        };
        // Touching and overlapping merges count; so does one inside.
        assert_eq!(spec(b"bytes=0-1,2-3"), ranges(1, 0));
        assert_eq!(spec(b"bytes=0-9,3-4"), ranges(1, 0));
        assert_eq!(spec(b"bytes=5-9,0-4"), ranges(1, 1));
        assert_eq!(spec(b"bytes=5-9,0-20"), ranges(1, 1));
        // Only the range just before is looked at.
        assert_eq!(spec(b"bytes=0-1,5-6,0-1"), ranges(0, 0));
        assert_eq!(spec(b"bytes=10-11,8-9,6-7,4-5"), ranges(3, 3));
        // `0-` drops the ranges before it, not their counts.
        assert_eq!(spec(b"bytes=10-11,8-9,0-"), ranges(1, 1));
    }

    #[test]
    fn range_limits() {
        let lim = |r, o, v| RangeLimits::new(r, o, v);
        let run = |v: &[u8], l: &RangeLimits| {
            let mut p = Vec::new();
            (byte_ranges(v, 1000, l, &mut p), p.len())
        };
        let many = |n: u64| {
            let mut v = b"bytes=".to_vec();
            for i in 0..n {
                if i > 0 {
                    v.push(b',');
                }
                v.extend_from_slice(format!("{}-{}", i * 3, i * 3).as_bytes());
            }
            v
        };
        let d = RangeLimits::default();
        assert_eq!(run(&many(200), &d), (ByteRange::Parts, 200));
        assert_eq!(run(&many(201), &d), (ByteRange::Full, 0));
        let unl = lim(Some(RangeLimit::Unlimited), None, None);
        assert_eq!(run(&many(300), &unl), (ByteRange::Parts, 300));
        let none = lim(Some(RangeLimit::Max(0)), None, None);
        assert!(none.no_ranges());
        assert_eq!(run(b"bytes=0-1", &none), (ByteRange::Full, 0));
        // An unsatisfiable field stays a 416, even with `none`.
        assert_eq!(run(b"bytes=5000-", &none), (ByteRange::Unsatisfiable, 0));
        let one = lim(Some(RangeLimit::Max(1)), None, None);
        assert_eq!(run(b"bytes=0-1", &one), (ByteRange::Parts, 1));
        assert_eq!(run(b"bytes=0-1,3-4", &one), (ByteRange::Full, 0));
        assert_eq!(run(b"bytes=0-1,2-4", &one), (ByteRange::Parts, 1));
        let ov = lim(None, Some(RangeLimit::Max(1)), None);
        assert_eq!(run(b"bytes=0-1,2-4", &ov), (ByteRange::Parts, 1));
        assert_eq!(run(b"bytes=0-1,2-4,5-6", &ov), (ByteRange::Full, 0));
        let rev = lim(None, None, Some(RangeLimit::Max(0)));
        assert_eq!(run(b"bytes=0-1,2-4", &rev), (ByteRange::Parts, 1));
        assert_eq!(run(b"bytes=2-4,0-1", &rev), (ByteRange::Full, 0));
        // The defaults: 20 overlaps and 20 reversals pass, 21 do not.
        let down = |n: u64| {
            let mut v = b"bytes=".to_vec();
            for i in (0..=n).rev() {
                v.extend_from_slice(format!("{}-{},", i * 2, i * 2 + 1).as_bytes());
            }
            v
        };
        assert_eq!(run(&down(20), &d), (ByteRange::Parts, 1));
        assert_eq!(run(&down(21), &d), (ByteRange::Full, 0));
    }

    #[test]
    fn limit_arguments() {
        use RangeLimit::*;
        assert_eq!(RangeLimit::parse("NONE"), Some(Max(0)));
        assert_eq!(RangeLimit::parse("Default"), Some(Default));
        assert_eq!(RangeLimit::parse("unlimited"), Some(Unlimited));
        assert_eq!(RangeLimit::parse("7"), Some(Max(7)));
        assert_eq!(RangeLimit::parse(" +7x"), Some(Max(7)));
        assert_eq!(RangeLimit::parse("0"), None);
        assert_eq!(RangeLimit::parse("-3"), None);
        assert_eq!(RangeLimit::parse("x"), None);
        // atoi: a `long` cut to an `int`.
        assert_eq!(RangeLimit::parse("4294967297"), Some(Max(1)));
        assert_eq!(RangeLimit::parse("99999999999999999999"), None);
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
