//! Log timestamps: CLF with a per-second cache, and a C-locale `strftime`.
//!
//! Time-zone conversion comes from jiff (it honours `TZ`, POSIX TZ strings and
//! `/etc/localtime`, and it was the fastest of the crates measured in
//! spec/ecosystem.md §3.1). The formatting itself is written here: Apache
//! hands `%{fmt}t` to the C library's `strftime` in the C locale, and jiff's
//! `strftime` differs from glibc's in the C locale (`%c`, `%x`, unknown
//! conversions are errors instead of being copied, `%e`/`%k` padding, …).
//! Matching glibc byte for byte needs our own small formatter.

use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use jiff::Timestamp;

const MONTHS: [&[u8; 3]; 12] = [
    b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec",
];
const MONTHS_LONG: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DAYS: [&[u8; 3]; 7] = [b"Sun", b"Mon", b"Tue", b"Wed", b"Thu", b"Fri", b"Sat"];
const DAYS_LONG: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];

/// English three-letter month abbreviations, January first.
pub fn month_abbrev(month0: usize) -> &'static [u8; 3] {
    MONTHS[month0]
}

/// English three-letter weekday abbreviations, Sunday first.
pub fn day_abbrev(wday: usize) -> &'static [u8; 3] {
    DAYS[wday]
}

/// A broken-down time, the equivalent of C's `struct tm` plus microseconds.
#[derive(Clone, Debug)]
pub struct Tm {
    /// Microseconds since the Unix epoch.
    pub epoch_us: i64,
    /// The civil date and time in the time zone it was exploded in.
    pub dt: DateTime,
    /// Offset from UTC in seconds (`tm_gmtoff`).
    pub gmtoff: i32,
    abbrev: [u8; 16],
    abbrev_len: u8,
}

impl Tm {
    /// Explodes `epoch_us` in `tz`.
    pub fn new(tz: &TimeZone, epoch_us: i64) -> Tm {
        let ts = Timestamp::from_microsecond(epoch_us).unwrap_or(Timestamp::UNIX_EPOCH);
        let info = tz.to_offset_info(ts);
        let offset = info.offset();
        let name = info.abbreviation().as_bytes();
        let mut abbrev = [0u8; 16];
        let n = name.len().min(16);
        abbrev[..n].copy_from_slice(&name[..n]);
        Tm {
            epoch_us,
            dt: offset.to_datetime(ts),
            gmtoff: offset.seconds(),
            abbrev,
            abbrev_len: n as u8,
        }
    }

    /// The time-zone abbreviation (`%Z`).
    pub fn abbreviation(&self) -> &[u8] {
        &self.abbrev[..self.abbrev_len as usize]
    }

    fn wday(&self) -> usize {
        self.dt.weekday().to_sunday_zero_offset() as usize
    }

    fn yday0(&self) -> i32 {
        self.dt.day_of_year() as i32 - 1
    }
}

fn push2(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&[b'0' + (v / 10 % 10) as u8, b'0' + (v % 10) as u8]);
}

/// Appends `DD/Mon/YYYY:HH:MM:SS sHHMM` (no brackets).
pub fn write_clf(tm: &Tm, out: &mut Vec<u8>) {
    let dt = &tm.dt;
    push2(out, dt.day() as u32);
    out.push(b'/');
    out.extend_from_slice(MONTHS[dt.month() as usize - 1]);
    out.push(b'/');
    out.extend_from_slice(itoa::Buffer::new().format(dt.year()).as_bytes());
    out.push(b':');
    push2(out, dt.hour() as u32);
    out.push(b':');
    push2(out, dt.minute() as u32);
    out.push(b':');
    push2(out, dt.second() as u32);
    out.push(b' ');
    write_gmtoff(tm.gmtoff, out);
}

fn write_gmtoff(gmtoff: i32, out: &mut Vec<u8>) {
    let (sign, off) = if gmtoff < 0 {
        (b'-', -gmtoff)
    } else {
        (b'+', gmtoff)
    };
    out.push(sign);
    push2(out, (off / 3600) as u32);
    push2(out, (off % 3600 / 60) as u32);
}

/// Caches the bracketed CLF text of recent seconds, as httpd does, so that
/// `%t` costs a copy in the common case.
#[derive(Clone, Debug)]
pub struct ClfCache {
    tz: TimeZone,
    slots: [(i64, [u8; 40], u8); 4],
    scratch: Vec<u8>,
}

impl ClfCache {
    /// A cache for times in `tz`.
    pub fn new(tz: TimeZone) -> ClfCache {
        ClfCache {
            tz,
            slots: [(i64::MIN, [0; 40], 0); 4],
            scratch: Vec::with_capacity(64),
        }
    }

    /// The time zone this cache formats in.
    pub fn time_zone(&self) -> &TimeZone {
        &self.tz
    }

    /// `[DD/Mon/YYYY:HH:MM:SS sHHMM]` for `epoch_us`, from the cache when
    /// the same second was formatted recently.
    pub fn get(&mut self, epoch_us: i64) -> &[u8] {
        let slot = self.slot(epoch_us);
        &slot.1[..slot.2 as usize]
    }

    /// The slot holding `epoch_us`'s second, filled on a miss.
    #[inline]
    fn slot(&mut self, epoch_us: i64) -> &(i64, [u8; 40], u8) {
        let sec = epoch_us.div_euclid(1_000_000);
        let idx = (sec & 3) as usize;
        if self.slots[idx].0 != sec {
            let tm = Tm::new(&self.tz, epoch_us);
            let tmp = &mut self.scratch;
            tmp.clear();
            tmp.push(b'[');
            write_clf(&tm, tmp);
            tmp.push(b']');
            let slot = &mut self.slots[idx];
            let n = tmp.len().min(40);
            slot.1[..n].copy_from_slice(&tmp[..n]);
            slot.2 = n as u8;
            slot.0 = sec;
        }
        &self.slots[idx]
    }

    /// Appends `[DD/Mon/YYYY:HH:MM:SS sHHMM]` for `epoch_us`.
    #[inline]
    pub fn write(&mut self, epoch_us: i64, out: &mut Vec<u8>) {
        let slot = self.slot(epoch_us);
        crate::format::put_fixed(out, &slot.1, slot.2 as usize);
    }
}

/// The largest output `%{fmt}t` may produce; httpd's buffer is
/// MAX_STRING_LEN (8192) bytes with the terminating NUL, and a result that
/// does not fit gives an empty string.
pub const STRFTIME_MAX: usize = 8191;

/// Appends `fmt` formatted as glibc's `strftime` does in the C locale.
/// Output longer than [`STRFTIME_MAX`] is replaced by nothing.
pub fn strftime(fmt: &[u8], tm: &Tm, out: &mut Vec<u8>) {
    let start = out.len();
    strftime_inner(fmt, tm, out);
    if out.len() - start > STRFTIME_MAX {
        out.truncate(start);
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Pad {
    Default,
    Zero,
    Space,
    None,
}

fn strftime_inner(fmt: &[u8], tm: &Tm, out: &mut Vec<u8>) {
    let dt = &tm.dt;
    let mut i = 0;
    while i < fmt.len() {
        let c = fmt[i];
        if c != b'%' {
            out.push(c);
            i += 1;
            continue;
        }
        let pct = i;
        i += 1;
        let mut pad = Pad::Default;
        let mut upcase = false;
        let mut swapcase = false;
        while i < fmt.len() {
            match fmt[i] {
                b'_' => pad = Pad::Space,
                b'-' => pad = Pad::None,
                b'0' => pad = Pad::Zero,
                b'^' => upcase = true,
                b'#' => swapcase = true,
                _ => break,
            }
            i += 1;
        }
        let mut width: usize = 0;
        while i < fmt.len() && fmt[i].is_ascii_digit() {
            width = width
                .saturating_mul(10)
                .saturating_add((fmt[i] - b'0') as usize)
                .min(STRFTIME_MAX + 1);
            i += 1;
        }
        // One `E` or `O` modifier; the C locale has no alternative forms,
        // so it changes nothing where glibc accepts it.
        let mut modifier = 0;
        if i < fmt.len() && (fmt[i] == b'E' || fmt[i] == b'O') {
            modifier = fmt[i];
            i += 1;
        }
        let upper = if upcase { Case::Upper } else { Case::Keep };
        if i >= fmt.len() {
            // glibc copies a `%` sequence at the end of the format as it
            // is, padded to the width.
            let start = out.len();
            out.extend_from_slice(&fmt[pct..]);
            shape(out, start, width, pad, upper);
            break;
        }
        let conv = fmt[i];
        i += 1;
        // glibc treats a modifier on a conversion without an alternative
        // form as an unknown conversion.
        let bad_modifier = match modifier {
            b'E' => !b"cnprstuxyzCPRTXYZ%".contains(&conv),
            b'O' => !b"bdeghjklmnprstuwyzBCGHIMPRSTUVWZ%".contains(&conv),
            _ => false,
        };
        if bad_modifier {
            let start = out.len();
            out.extend_from_slice(&fmt[pct..i]);
            shape(out, start, width, pad, upper);
            continue;
        }
        let num = |out: &mut Vec<u8>, v: i64, digits: usize, space: bool| {
            number(out, v, digits, width, pad, space);
        };
        // `#` upper-cases names (`%#a` = `SUN`) and lower-cases `%p` and
        // `%Z`; `^` upper-cases everything except `%P`.
        let text = |out: &mut Vec<u8>, s: &[u8], case: Case| {
            let start = out.len();
            out.extend_from_slice(s);
            shape(out, start, width, pad, case);
        };
        let name = if upcase || swapcase {
            Case::Upper
        } else {
            Case::Keep
        };
        let lower_on_swap = if swapcase { Case::Lower } else { upper };
        // A composite conversion is formatted in place, then shaped.
        let composite = |out: &mut Vec<u8>, f: &[u8]| {
            let start = out.len();
            strftime_inner(f, tm, out);
            shape(out, start, width, pad, upper);
        };
        let hour12 = {
            let h = dt.hour() as i64 % 12;
            if h == 0 {
                12
            } else {
                h
            }
        };
        match conv {
            b'%' => text(out, b"%", upper),
            b'a' => text(out, DAYS[tm.wday()], name),
            b'A' => text(out, DAYS_LONG[tm.wday()].as_bytes(), name),
            b'b' | b'h' => text(out, MONTHS[dt.month() as usize - 1], name),
            b'B' => text(out, MONTHS_LONG[dt.month() as usize - 1].as_bytes(), name),
            b'c' => composite(out, b"%a %b %e %H:%M:%S %Y"),
            b'C' => num(out, (dt.year() as i64).div_euclid(100), 2, false),
            b'd' => num(out, dt.day() as i64, 2, false),
            b'e' => num(out, dt.day() as i64, 2, true),
            b'D' => composite(out, b"%m/%d/%y"),
            b'F' => composite(out, b"%Y-%m-%d"),
            b'g' => num(out, (iso_year(dt) as i64).rem_euclid(100), 2, false),
            b'G' => num(out, iso_year(dt) as i64, 1, false),
            b'H' => num(out, dt.hour() as i64, 2, false),
            b'I' => num(out, hour12, 2, false),
            b'j' => num(out, tm.yday0() as i64 + 1, 3, false),
            b'k' => num(out, dt.hour() as i64, 2, true),
            b'l' => num(out, hour12, 2, true),
            b'm' => num(out, dt.month() as i64, 2, false),
            b'M' => num(out, dt.minute() as i64, 2, false),
            b'n' => text(out, b"\n", upper),
            b'p' => text(
                out,
                if dt.hour() < 12 { b"AM" } else { b"PM" },
                lower_on_swap,
            ),
            b'P' => text(out, if dt.hour() < 12 { b"am" } else { b"pm" }, Case::Lower),
            b'r' => composite(out, b"%I:%M:%S %p"),
            b'R' => composite(out, b"%H:%M"),
            b's' => num(out, tm.epoch_us.div_euclid(1_000_000), 1, false),
            b'S' => num(out, dt.second() as i64, 2, false),
            b't' => text(out, b"\t", upper),
            b'T' | b'X' => composite(out, b"%H:%M:%S"),
            b'x' => composite(out, b"%m/%d/%y"),
            b'u' => num(out, (tm.wday() as i64 + 6) % 7 + 1, 1, false),
            b'U' => num(
                out,
                (tm.yday0() as i64 + 7 - tm.wday() as i64) / 7,
                2,
                false,
            ),
            b'V' => num(out, dt.date().iso_week_date().week() as i64, 2, false),
            b'w' => num(out, tm.wday() as i64, 1, false),
            b'W' => num(
                out,
                (tm.yday0() as i64 + 7 - (tm.wday() as i64 + 6) % 7) / 7,
                2,
                false,
            ),
            b'y' => num(out, (dt.year() as i64).rem_euclid(100), 2, false),
            b'Y' => num(out, dt.year() as i64, 1, false),
            b'z' => {
                // glibc pads the sign and the four digits to the width
                // separately (`%10z` gives 9 spaces, `+`, 10 digits).
                let off = tm.gmtoff.unsigned_abs() / 60;
                let sign: &[u8] = if tm.gmtoff < 0 { b"-" } else { b"+" };
                text(out, sign, Case::Keep);
                num(out, (off / 60 * 100 + off % 60) as i64, 4, false);
            }
            b'Z' => text(out, tm.abbreviation(), lower_on_swap),
            _ => {
                // An unknown conversion is copied, padded to the width.
                let start = out.len();
                out.extend_from_slice(&fmt[pct..i]);
                shape(out, start, width, pad, upper);
            }
        }
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Case {
    Keep,
    Upper,
    Lower,
}

/// Applies a case change and width padding to the text appended since
/// `start`, as glibc does for text: the fill is `0` with the `0` flag and a
/// space otherwise (the `-` flag does not suppress an explicit width).
fn shape(out: &mut Vec<u8>, start: usize, width: usize, pad: Pad, case: Case) {
    match case {
        Case::Keep => {}
        Case::Upper => out[start..].make_ascii_uppercase(),
        Case::Lower => out[start..].make_ascii_lowercase(),
    }
    let n = out.len() - start;
    if width <= n {
        return;
    }
    let fill = width - n;
    let fillc = if pad == Pad::Zero { b'0' } else { b' ' };
    out.resize(out.len() + fill, 0);
    out.copy_within(start..start + n, start + fill);
    out[start..start + fill].fill(fillc);
}

fn iso_year(dt: &DateTime) -> i16 {
    dt.date().iso_week_date().year()
}

/// A number as glibc formats it: first padded to its natural number of
/// `digits` (with zeros, or spaces for `%e %k %l` and the `_` flag; not at
/// all with `-`), then, like text, to the width (zeros with the `0` flag or
/// by default, spaces otherwise).
fn number(out: &mut Vec<u8>, v: i64, digits: usize, width: usize, pad: Pad, space: bool) {
    let pad = match pad {
        Pad::Default if space => Pad::Space,
        Pad::Default => Pad::Zero,
        p => p,
    };
    let mut buf = itoa::Buffer::new();
    let s = buf.format(v.unsigned_abs()).as_bytes();
    let neg = v < 0;
    let len = s.len() + neg as usize;
    let mut width = width;
    let mut sign_done = false;
    if pad != Pad::None && digits > len {
        let padding = digits - len;
        if pad == Pad::Space {
            out.extend(std::iter::repeat_n(b' ', padding));
        } else {
            if neg {
                out.push(b'-');
                sign_done = true;
            }
            out.extend(std::iter::repeat_n(b'0', padding));
        }
        width = width.saturating_sub(padding);
    }
    let start = out.len();
    if neg && !sign_done {
        out.push(b'-');
    }
    out.extend_from_slice(s);
    shape(out, start, width, pad, Case::Keep);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tz(s: &str) -> TimeZone {
        TimeZone::posix(s).unwrap()
    }

    fn fmt(f: &str, tz: &TimeZone, us: i64) -> String {
        let tm = Tm::new(tz, us);
        let mut v = Vec::new();
        strftime(f.as_bytes(), &tm, &mut v);
        String::from_utf8(v).unwrap()
    }

    // 2026-11-22 04:09:04 UTC, a Sunday.
    const T: i64 = 1_795_320_544_000_000;

    #[test]
    fn clf_in_several_zones() {
        // spec/apache-logging.md §1.4 [EMP] shows -0330 and +0530 renderings.
        let mut c = ClfCache::new(tz("NST3:30"));
        let mut v = Vec::new();
        c.write(T, &mut v);
        assert_eq!(v, b"[22/Nov/2026:00:39:04 -0330]");
        let mut c = ClfCache::new(tz("IST-5:30"));
        v.clear();
        c.write(T, &mut v);
        assert_eq!(v, b"[22/Nov/2026:09:39:04 +0530]");
        let mut c = ClfCache::new(TimeZone::UTC);
        v.clear();
        c.write(T, &mut v);
        c.write(T + 999_999, &mut v);
        assert_eq!(
            v,
            b"[22/Nov/2026:04:09:04 +0000][22/Nov/2026:04:09:04 +0000]".to_vec()
        );
    }

    #[test]
    fn strftime_c_locale() {
        let utc = TimeZone::UTC;
        // Expected strings: glibc `date -u -d @1795320544 +FMT` in the C locale.
        assert_eq!(fmt("%a %b", &utc, T), "Sun Nov");
        assert_eq!(fmt("%A %B", &utc, T), "Sunday November");
        assert_eq!(fmt("%c", &utc, T), "Sun Nov 22 04:09:04 2026");
        assert_eq!(fmt("%x %X", &utc, T), "11/22/26 04:09:04");
        assert_eq!(
            fmt("%D %F %T %R", &utc, T),
            "11/22/26 2026-11-22 04:09:04 04:09"
        );
        assert_eq!(fmt("%e|%k|%l|%I|%p|%P", &utc, T), "22| 4| 4|04|AM|am");
        assert_eq!(
            fmt("%j %U %W %V %G %g %u %w", &utc, T),
            "326 47 46 47 2026 26 7 0"
        );
        assert_eq!(fmt("%s %C %y %Y", &utc, T), "1795320544 20 26 2026");
        assert_eq!(fmt("%z %Z", &utc, T), "+0000 UTC");
        assert_eq!(fmt("%z %Z", &tz("NST3:30"), T), "-0330 NST");
        assert_eq!(fmt("%-d %_m %5Y %^a %#p", &utc, T), "22 11 02026 SUN am");
        // Unknown conversions and a trailing `%` sequence are copied, padded
        // to the width (glibc 2.36, checked through apache2 2.4.71).
        assert_eq!(fmt("%Q %5Q 100%", &utc, T), "%Q   %5Q 100%");
        assert_eq!(fmt("%5", &utc, T), "   %5");
        assert_eq!(
            fmt("%^5q|%EEy|%Od|%Ey|%OY", &utc, T),
            " %^5Q|%EEy|22|26|%OY"
        );
        // `-` drops a number's own padding but not an explicit width.
        assert_eq!(
            fmt("%-10A|%-5H|%-H|%10d|%10e|%-10k", &utc, T),
            "    Sunday|    4|4|0000000022|        22|         4"
        );
        assert_eq!(fmt("%10z|%-10z|%#c|%^P|%#^p|%030c", &utc, T), "         +0000000000|         +         0|Sun Nov 22 04:09:04 2026|am|am|000000Sun Nov 22 04:09:04 2026");
        assert_eq!(fmt("%%%n%t", &utc, T), "%\n\t");
    }

    #[test]
    fn strftime_overflow_gives_nothing() {
        let long = "%c".repeat(400);
        assert_eq!(fmt(&long, &TimeZone::UTC, T), "");
    }
}
