//! The small pieces of text mod_autoindex builds its page from, each
//! byte for byte as APR and httpd write them: sizes (`apr_strfsize`),
//! natural ("version") order (`apr_strnatcmp`), httpd's wildcard match
//! (`ap_strcmp_match`) and the escaped link of a name.
//!
//! Hand-written because each is small and no crate gives these exact
//! bytes: the natural-order crates compare `char`s or treat leading
//! zeros and bytes above 0x7f differently from APR (which compares C's
//! signed `char`, so UTF-8 bytes sort before ASCII).

use std::cmp::Ordering;

use spoor_log::glob::{self, Syntax};

/// `apr_strfsize`: a size in four columns (`  2 `, `1.2K`, ` 12M`, `  - `
/// for none).
pub fn strfsize(size: i64, out: &mut Vec<u8>) {
    const ORD: &[u8] = b"KMGTPE";
    if size < 0 {
        out.extend_from_slice(b"  - ");
        return;
    }
    if size < 973 {
        out.extend_from_slice(format!("{size:3} ").as_bytes());
        return;
    }
    let mut size = size;
    let mut o = 0;
    loop {
        let mut remain = (size & 1023) as i32;
        size >>= 10;
        if size >= 973 {
            o += 1;
            continue;
        }
        let unit = ORD.get(o).copied().unwrap_or(b'E') as char;
        if size < 9 || (size == 9 && remain < 973) {
            remain = ((remain * 5) + 256) / 512;
            if remain >= 10 {
                size += 1;
                remain = 0;
            }
            out.extend_from_slice(format!("{size}.{remain}{unit}").as_bytes());
            return;
        }
        if remain >= 512 {
            size += 1;
        }
        out.extend_from_slice(format!("{size:3}{unit}").as_bytes());
        return;
    }
}

/// A byte as C's signed `char` compares on x86.
fn sc(b: u8) -> i8 {
    b as i8
}

fn isdigit(b: u8) -> bool {
    b.is_ascii_digit()
}

/// C's `isspace` in the C locale.
fn isspace(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r')
}

/// The byte at `i`, 0 past the end (a C string's terminator).
fn at(s: &[u8], i: usize) -> u8 {
    s.get(i).copied().unwrap_or(0)
}

/// APR's `compare_right`: two numbers aligned on their right ends.
fn compare_right(a: &[u8], b: &[u8]) -> i32 {
    let mut bias = 0;
    let mut i = 0;
    loop {
        let (ca, cb) = (at(a, i), at(b, i));
        if !isdigit(ca) && !isdigit(cb) {
            return bias;
        } else if !isdigit(ca) {
            return -1;
        } else if !isdigit(cb) {
            return 1;
        } else if ca < cb {
            if bias == 0 {
                bias = -1;
            }
        } else if ca > cb && bias == 0 {
            bias = 1;
        }
        i += 1;
    }
}

/// APR's `compare_left`: two numbers with leading zeros (fractions).
fn compare_left(a: &[u8], b: &[u8]) -> i32 {
    let mut i = 0;
    loop {
        let (ca, cb) = (at(a, i), at(b, i));
        if !isdigit(ca) && !isdigit(cb) {
            return 0;
        } else if !isdigit(ca) {
            return -1;
        } else if !isdigit(cb) {
            return 1;
        } else if ca < cb {
            return -1;
        } else if ca > cb {
            return 1;
        }
        i += 1;
    }
}

/// `apr_strnatcmp` (`fold` false) and `apr_strnatcasecmp` (`fold` true).
pub fn strnatcmp(a: &[u8], b: &[u8], fold: bool) -> i32 {
    let (mut ai, mut bi) = (0, 0);
    loop {
        let mut ca = at(a, ai);
        let mut cb = at(b, bi);
        while isspace(ca) {
            ai += 1;
            ca = at(a, ai);
        }
        while isspace(cb) {
            bi += 1;
            cb = at(b, bi);
        }
        if isdigit(ca) && isdigit(cb) {
            let fractional = ca == b'0' || cb == b'0';
            let r = if fractional {
                compare_left(&a[ai..], &b[bi..])
            } else {
                compare_right(&a[ai..], &b[bi..])
            };
            if r != 0 {
                return r;
            }
        }
        if ca == 0 && cb == 0 {
            return 0;
        }
        if fold {
            ca = ca.to_ascii_uppercase();
            cb = cb.to_ascii_uppercase();
        }
        match sc(ca).cmp(&sc(cb)) {
            Ordering::Less => return -1,
            Ordering::Greater => return 1,
            Ordering::Equal => {}
        }
        ai += 1;
        bi += 1;
    }
}

/// C's `strcmp` (unsigned bytes, up to a NUL).
pub fn strcmp(a: &[u8], b: &[u8]) -> i32 {
    sign(a.cmp(b))
}

/// C's `strcasecmp` in the C locale.
pub fn strcasecmp(a: &[u8], b: &[u8]) -> i32 {
    let l = |s: &[u8]| s.iter().map(u8::to_ascii_lowercase).collect::<Vec<u8>>();
    sign(l(a).cmp(&l(b)))
}

fn sign(o: Ordering) -> i32 {
    match o {
        Ordering::Less => -1,
        Ordering::Equal => 0,
        Ordering::Greater => 1,
    }
}

/// httpd's `ap_strcmp_match`: `*` and `?`, case-sensitive.
const STRCMP_MATCH: Syntax = Syntax {
    question: true,
    brackets: false,
    escapes: false,
    leading_period: false,
    fold_case: false,
};

/// httpd's `ap_strcasecmp_match`: `*` and `?`, ASCII case ignored.
const STRCASECMP_MATCH: Syntax = Syntax {
    fold_case: true,
    ..STRCMP_MATCH
};

/// APR's `apr_fnmatch` with no flags (`AddDescription` patterns).
const FNMATCH: Syntax = Syntax {
    question: true,
    brackets: true,
    escapes: true,
    leading_period: false,
    fold_case: false,
};

/// APR's `apr_fnmatch` with `APR_FNM_NOESCAPE | APR_FNM_PERIOD` (the
/// `P=` pattern of the query).
const FNMATCH_PERIOD: Syntax = Syntax {
    question: true,
    brackets: true,
    escapes: false,
    leading_period: true,
    fold_case: false,
};

/// Whether `s` matches `pat` as `ap_strcmp_match` says.
pub fn strcmp_match(s: &[u8], pat: &[u8]) -> bool {
    glob::matches(STRCMP_MATCH, pat, s)
}

/// Whether `s` matches `pat` as `ap_strcasecmp_match` says.
pub fn strcasecmp_match(s: &[u8], pat: &[u8]) -> bool {
    glob::matches(STRCASECMP_MATCH, pat, s)
}

/// Whether `s` matches `pat` as `apr_fnmatch(pat, s, 0)` says.
pub fn fnmatch(pat: &[u8], s: &[u8]) -> bool {
    glob::matches(FNMATCH, pat, s)
}

/// Whether `s` matches the query's pattern (`APR_FNM_NOESCAPE |
/// APR_FNM_PERIOD`).
pub fn fnmatch_period(pat: &[u8], s: &[u8]) -> bool {
    glob::matches(FNMATCH_PERIOD, pat, s)
}

/// httpd's `ap_os_escape_path(name, 0)`: a name with a `:` before any
/// `/` gets `./` in front (so it cannot read as a scheme), then the
/// bytes escaped as `ap_escape_uri` does.
pub fn os_escape_path(name: &[u8], out: &mut Vec<u8>) {
    let colon = name.iter().position(|&b| b == b':');
    let slash = name.iter().position(|&b| b == b'/');
    if let Some(c) = colon {
        if slash.is_none_or(|s| c < s) {
            out.extend_from_slice(b"./");
        }
    }
    crate::http::uri::escape_path(name, out);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fsize(n: i64) -> String {
        let mut v = Vec::new();
        strfsize(n, &mut v);
        String::from_utf8(v).unwrap()
    }

    /// Values apache2's listings showed for these sizes.
    #[test]
    fn sizes_as_apr() {
        assert_eq!(fsize(-1), "  - ");
        assert_eq!(fsize(0), "  0 ");
        assert_eq!(fsize(2), "  2 ");
        assert_eq!(fsize(972), "972 ");
        assert_eq!(fsize(1234), "1.2K");
        assert_eq!(fsize(3_000_000_000), "2.8G");
    }

    #[test]
    fn natural_order() {
        assert!(strnatcmp(b"a2", b"a10", false) < 0);
        assert!(strnatcmp(b"a.txt", b"a1", false) < 0);
        assert!(strnatcmp(b"README.html", b"a.txt", false) < 0);
        assert!(strnatcmp(b"x1.01", b"x1.1", false) < 0);
        assert_eq!(strnatcmp(b"ABC", b"abc", true), 0);
        // A UTF-8 byte is a negative `char`.
        assert!(strnatcmp(b"\xc3\xa9", b"a", false) < 0);
    }
}
