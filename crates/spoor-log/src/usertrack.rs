//! mod_usertrack's pieces both the server and the tower layers use.

/// C's `atol` on a string starting with a digit, then truncated to `int`
/// as httpd stores it (glibc saturates an overflow at `LONG_MAX`).
fn atol_int(s: &str) -> i32 {
    let mut v: i64 = 0;
    for b in s.bytes().take_while(u8::is_ascii_digit) {
        v = v
            .checked_mul(10)
            .and_then(|v| v.checked_add(i64::from(b - b'0')))
            .unwrap_or(i64::MAX);
        if v == i64::MAX {
            break;
        }
    }
    v as i32
}

/// `CookieExpires` as httpd reads it: plain seconds when the text starts and ends with a
/// digit (then only the leading number counts: `"1 month 2"` is 1), else
/// `[plus] {<num> <type>}*` with httpd's prefix tests for the type. The
/// total is truncated to 32 bits as httpd's `int` (a negative result still
/// counts: a date in the past, a negative max-age). `words` are `arg`'s
/// words, split as the caller's configuration language splits them.
pub fn parse_expires<'a>(
    arg: &str,
    words: impl IntoIterator<Item = &'a str>,
) -> Result<i32, String> {
    let b = arg.as_bytes();
    if b.first().is_some_and(u8::is_ascii_digit) && b.last().is_some_and(u8::is_ascii_digit) {
        return Ok(atol_int(arg));
    }
    let mut words = words.into_iter();
    let mut word = words.next().unwrap_or("");
    // Only the first letter of `plus` is compared.
    if word
        .as_bytes()
        .first()
        .is_some_and(|c| c.eq_ignore_ascii_case(&b'p'))
    {
        word = words.next().unwrap_or("");
    }
    let mut total: i64 = 0;
    while !word.is_empty() {
        if !word.as_bytes()[0].is_ascii_digit() {
            return Err("bad expires code, numeric value expected.".into());
        }
        let num = i64::from(atol_int(word));
        let ty = words.next().unwrap_or("");
        if ty.is_empty() {
            return Err("bad expires code, missing <type>".into());
        }
        let prefix = |p: &str| {
            ty.len() >= p.len() && ty.as_bytes()[..p.len()].eq_ignore_ascii_case(p.as_bytes())
        };
        let factor: i64 = if prefix("y") {
            365 * 86400
        } else if prefix("mo") {
            30 * 86400
        } else if prefix("w") {
            7 * 86400
        } else if prefix("d") {
            86400
        } else if prefix("h") {
            3600
        } else if prefix("mi") {
            60
        } else if prefix("s") {
            1
        } else {
            return Err("bad expires code, unrecognized type".into());
        };
        total = total.wrapping_add(factor.wrapping_mul(num));
        word = words.next().unwrap_or("");
    }
    Ok(total as i32)
}

#[cfg(test)]
mod tests {
    use super::parse_expires;

    fn p(arg: &str) -> Result<i32, String> {
        parse_expires(arg, arg.split_ascii_whitespace())
    }

    #[test]
    fn expires_forms_as_httpd() {
        assert_eq!(p("3600"), Ok(3600));
        assert_eq!(p("1 month 2"), Ok(1));
        assert_eq!(p("plus 1 day 2 hours"), Ok(86400 + 7200));
        assert_eq!(p("pLUS 1 mi"), Ok(60));
        // C's atol then a cast to int: truncated to 32 bits, and an
        // overflow of long saturates first.
        assert_eq!(p("99999999999"), Ok(99_999_999_999_i64 as i32));
        assert_eq!(p("99999999999999999999"), Ok(i64::MAX as i32));
        assert_eq!(p("3 ").unwrap_err(), "bad expires code, missing <type>");
        assert_eq!(
            p("x days").unwrap_err(),
            "bad expires code, numeric value expected."
        );
        assert_eq!(
            p("3 fortnights").unwrap_err(),
            "bad expires code, unrecognized type"
        );
    }
}
