//! `%{NAME}C`: finding a cookie's value the way mod_log_config does.
//!
//! httpd splits the (merged) `Cookie` header on `;` with `apr_strtok`
//! (empty pieces skipped), splits each piece at its first `=` with
//! `apr_strtok` again (so leading `=` are skipped), trims the name, compares
//! it case-insensitively and trims the value. The C code works on a copy it
//! cuts with NULs; this works on offsets into the original bytes and keeps
//! one of its quirks: a value in the last piece of a header that ends in
//! `;` keeps its trailing white space (`foo=bar ;` gives `bar `).

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// The value of the first cookie named `name` (case-insensitive) in the
/// `Cookie` header value `header`.
pub fn find_cookie<'h>(header: &'h [u8], name: &[u8]) -> Option<&'h [u8]> {
    let len = header.len();
    let mut i = 0;
    loop {
        while i < len && header[i] == b';' {
            i += 1;
        }
        if i >= len {
            return None;
        }
        let ts = i;
        let te = header[ts..]
            .iter()
            .position(|&b| b == b';')
            .map_or(len, |n| ts + n);
        // httpd trims the value's end from the byte before the `;`, except
        // when that `;` is the header's last byte.
        let trim_end = !(te < len && te == len - 1);
        i = te + 1;

        // Inner split at '=' (leading '=' skipped).
        let mut ns = ts;
        while ns < te && header[ns] == b'=' {
            ns += 1;
        }
        if ns >= te {
            continue;
        }
        let Some(eq) = header[ns..te]
            .iter()
            .position(|&b| b == b'=')
            .map(|n| ns + n)
        else {
            continue;
        };
        let vstart = eq + 1;
        if vstart >= te {
            continue;
        }
        while ns < eq && (header[ns] == b' ' || header[ns] == b'\t') {
            ns += 1;
        }
        let mut ne = eq;
        while ne > ns && is_space(header[ne - 1]) {
            ne -= 1;
        }
        if !header[ns..ne].eq_ignore_ascii_case(name) {
            continue;
        }
        let mut vs = vstart;
        while vs < te && (header[vs] == b' ' || header[vs] == b'\t') {
            vs += 1;
        }
        let mut ve = te;
        if trim_end {
            while ve > vs && is_space(header[ve - 1]) {
                ve -= 1;
            }
        }
        return Some(&header[vs..ve]);
    }
}

#[cfg(test)]
mod tests {
    use super::find_cookie;

    fn c<'a>(h: &'a str, n: &str) -> Option<&'a str> {
        find_cookie(h.as_bytes(), n.as_bytes()).map(|v| std::str::from_utf8(v).unwrap())
    }

    #[test]
    fn live_apache_examples() {
        // spec/apache-logging.md §1.7 [EMP].
        assert_eq!(c("a=1; foo = bar baz ; c=3", "foo"), Some("bar baz"));
        assert_eq!(c("FOO=1;foo=2", "foo"), Some("1"));
        assert_eq!(c("foo=a=b", "foo"), Some("a=b"));
        assert_eq!(c("foo", "foo"), None);
        // Two header lines `foo=` and `foo=late`, merged by core.
        assert_eq!(c("foo=, foo=late", "foo"), Some(", foo=late"));
    }

    #[test]
    fn strtok_quirks() {
        assert_eq!(c("=foo=bar", "foo"), Some("bar"));
        assert_eq!(c("foo=", "foo"), None);
        assert_eq!(c("foo=;foo=x", "foo"), Some("x"));
        assert_eq!(c(";;foo=x;;", "foo"), Some("x"));
        assert_eq!(c("foo=bar ;", "foo"), Some("bar "));
        assert_eq!(c("foo=bar ; x=1", "foo"), Some("bar"));
        assert_eq!(c("foo=bar \t", "foo"), Some("bar"));
        assert_eq!(c("foo=   ", "foo"), Some(""));
        assert_eq!(c("xfoo=1; foox=2", "foo"), None);
        assert_eq!(c("", "foo"), None);
    }
}
