//! HTTP dates (RFC 9110 IMF-fixdate): formatting with a per-thread
//! one-second cache, and parsing of the three historical forms.

use std::cell::RefCell;

const DAYS: [&[u8; 3]; 7] = [b"Thu", b"Fri", b"Sat", b"Sun", b"Mon", b"Tue", b"Wed"];
const MONTHS: [&[u8; 3]; 12] = [
    b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec",
];

// The civil-date arithmetic below stays hand-written although jiff is a
// dependency, not for speed (measured: jiff's timestamp-to-date and
// date-to-timestamp conversions are as fast, about 7 ns a pair against 8)
// but for range and leniency: `format` takes any i64 (a file's mtime) and
// clamps the year to 0..=9999, and `parse` takes any day 1..=31 in any
// month and any year, where jiff refuses dates outside -9999..=9999 and
// days a month lacks. Moving to jiff changes which `If-Modified-Since`
// values are honoured, which needs a check against httpd first.

/// Civil date from days since 1970-01-01 (proleptic Gregorian).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Days since 1970-01-01 of a civil date.
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn two(out: &mut [u8], v: u32) {
    out[0] = b'0' + (v / 10) as u8;
    out[1] = b'0' + (v % 10) as u8;
}

/// Formats `secs` (Unix time) as `Sun, 06 Nov 1994 08:49:37 GMT` (29 bytes).
pub fn format(secs: i64) -> [u8; 29] {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400) as u32;
    let (y, m, d) = civil_from_days(days);
    let mut b = *b"Thu, 01 Jan 1970 00:00:00 GMT";
    b[0..3].copy_from_slice(DAYS[days.rem_euclid(7) as usize]);
    two(&mut b[5..7], d);
    b[8..11].copy_from_slice(MONTHS[m as usize - 1]);
    let y = y.clamp(0, 9999) as u32;
    two(&mut b[12..14], y / 100);
    two(&mut b[14..16], y % 100);
    two(&mut b[17..19], rem / 3600);
    two(&mut b[20..22], rem / 60 % 60);
    two(&mut b[23..25], rem % 60);
    b
}

thread_local! {
    static NOW: RefCell<(i64, [u8; 29])> = const { RefCell::new((i64::MIN, [0; 29])) };
    static FILE: RefCell<(i64, [u8; 29])> = const { RefCell::new((i64::MIN, [0; 29])) };
}

/// The HTTP date of `secs` for a file's `Last-Modified`: cached per thread
/// apart from the current time's (a server mostly sends a few files over
/// and over, so the last one formatted is usually the one asked for).
pub fn last_modified(secs: i64) -> [u8; 29] {
    FILE.with(|c| {
        let mut c = c.borrow_mut();
        if c.0 != secs {
            *c = (secs, format(secs));
        }
        c.1
    })
}

/// Appends the HTTP date of `secs`, cached per thread for the current second.
pub fn append_cached(secs: i64, out: &mut Vec<u8>) {
    NOW.with(|c| {
        let mut c = c.borrow_mut();
        if c.0 != secs {
            *c = (secs, format(secs));
        }
        out.extend_from_slice(&c.1);
    })
}

fn num(s: &[u8]) -> Option<u32> {
    if s.is_empty() || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(s.iter().fold(0u32, |a, &b| a * 10 + (b - b'0') as u32))
}

fn month(s: &[u8]) -> Option<u32> {
    MONTHS
        .iter()
        .position(|m| m.eq_ignore_ascii_case(s))
        .map(|i| i as u32 + 1)
}

fn hms(s: &[u8]) -> Option<u32> {
    if s.len() != 8 || s[2] != b':' || s[5] != b':' {
        return None;
    }
    let (h, m, sec) = (num(&s[0..2])?, num(&s[3..5])?, num(&s[6..8])?);
    (h < 24 && m < 60 && sec < 61).then_some(h * 3600 + m * 60 + sec)
}

/// Parses an HTTP date in IMF-fixdate, RFC 850 or asctime form into Unix
/// seconds. Anything else is `None` (the header is then ignored).
pub fn parse(s: &[u8]) -> Option<i64> {
    let s = s.trim_ascii();
    let parts: Vec<&[u8]> = s.split(|&b| b == b' ').filter(|p| !p.is_empty()).collect();
    let (y, m, d, t) = match parts.as_slice() {
        // Sun, 06 Nov 1994 08:49:37 GMT
        [_, d, mo, y, t, b"GMT"] => (num(y)? as i64, month(mo)?, num(d)?, hms(t)?),
        // Sunday, 06-Nov-94 08:49:37 GMT
        [_, dmy, t, b"GMT"] => {
            let mut it = dmy.split(|&b| b == b'-');
            let (d, mo, y) = (it.next()?, it.next()?, it.next()?);
            let mut y = num(y)? as i64;
            if y < 100 {
                y += if y < 70 { 2000 } else { 1900 };
            }
            (y, month(mo)?, num(d)?, hms(t)?)
        }
        // Sun Nov  6 08:49:37 1994
        [_, mo, d, t, y] => (num(y)? as i64, month(mo)?, num(d)?, hms(t)?),
        _ => return None,
    };
    if !(1..=31).contains(&d) {
        return None;
    }
    Some(days_from_civil(y, m, d) * 86_400 + t as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_and_parses() {
        assert_eq!(&format(784_111_777), b"Sun, 06 Nov 1994 08:49:37 GMT");
        assert_eq!(&format(0), b"Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(parse(b"Sun, 06 Nov 1994 08:49:37 GMT"), Some(784_111_777));
        assert_eq!(parse(b"Sunday, 06-Nov-94 08:49:37 GMT"), Some(784_111_777));
        assert_eq!(parse(b"Sun Nov  6 08:49:37 1994"), Some(784_111_777));
        assert_eq!(parse(b"garbage"), None);
        for t in [1_795_320_544i64, 951_782_400, 4_102_444_799] {
            assert_eq!(parse(&format(t)), Some(t));
        }
    }
}
