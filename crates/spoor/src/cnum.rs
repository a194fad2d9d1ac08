//! C's number reading as httpd's directives and header parsers get it
//! through glibc: one reader for every place spoor has to agree with
//! `atoi`/`strtol` on odd input.

/// glibc's `strtol(s, NULL, 10)`: leading white space (`isspace`: blank,
/// tab, LF, VT, FF, CR), an optional sign, then decimal digits up to the
/// first other byte (0 without any); the result saturates at the `long`
/// limits. C's `atoi` is this cut to an `int` (`as i32`).
pub fn strtol(s: &[u8]) -> i64 {
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
    for &b in s[i..].iter().take_while(|b| b.is_ascii_digit()) {
        let d = i64::from(b - b'0');
        v = if neg {
            v.saturating_mul(10).saturating_sub(d)
        } else {
            v.saturating_mul(10).saturating_add(d)
        };
    }
    v
}

#[cfg(test)]
mod tests {
    use super::strtol;

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
}
