//! C's number reading as httpd's directives and header parsers get it
//! through glibc: one reader for every place spoor has to agree with
//! `atoi`/`strtol` on odd input.

/// glibc's `strtol(s, NULL, 10)`: leading white space (`isspace`: blank,
/// tab, LF, VT, FF, CR), an optional sign, then decimal digits up to the
/// first other byte (0 without any); the result saturates at the `long`
/// limits. C's `atoi` is this cut to an `int` (`as i32`).
pub fn strtol(s: &[u8]) -> i64 {
    strtol_end(s).0
}

/// [`strtol`] with C's end pointer: the value and the index of the first
/// byte after the digits, 0 when there are no digits (C's `endptr == s`).
pub fn strtol_end(s: &[u8]) -> (i64, usize) {
    let mut i = 0;
    while i < s.len() && matches!(s[i], b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r') {
        i += 1;
    }
    let neg = match s.get(i) {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let mut v: i64 = 0;
    let digits = s[i..].iter().take_while(|b| b.is_ascii_digit()).count();
    for &b in &s[i..i + digits] {
        let d = i64::from(b - b'0');
        v = if neg {
            v.saturating_mul(10).saturating_sub(d)
        } else {
            v.saturating_mul(10).saturating_add(d)
        };
    }
    (v, if digits == 0 { 0 } else { i + digits })
}

#[cfg(test)]
mod tests {
    use super::{strtol, strtol_end};

    #[test]
    fn reads_as_glibc_does() {
        assert_eq!(strtol(b"9"), 9);
        assert_eq!(strtol(b" \t\x0b12abc"), 12);
        assert_eq!(strtol(b"x"), 0);
        assert_eq!(strtol(b"-3"), -3);
        assert_eq!(strtol(b"+-3"), 0);
        assert_eq!(strtol(b"99999999999999999999999"), i64::MAX);
        assert_eq!(strtol(b"-99999999999999999999999"), i64::MIN);
    }

    #[test]
    fn end_pointer_as_c() {
        assert_eq!(strtol_end(b" 12abc"), (12, 3));
        assert_eq!(strtol_end(b"  +"), (0, 0));
        assert_eq!(strtol_end(b"-0"), (0, 2));
        assert_eq!(strtol_end(b""), (0, 0));
    }
}
