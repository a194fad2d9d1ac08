//! Splitting a piped-log command line into arguments the way APR's
//! `apr_tokenize_to_argv` does (behaviour re-implemented from its
//! description, not its code).

/// Splits `line` into arguments as httpd splits a piped-log program
/// (`apr_tokenize_to_argv`):
///
/// * arguments are separated by runs of spaces and tabs (only those two);
/// * an argument that *starts* with `"` or `'` runs to the next matching
///   quote that is not preceded by a backslash (or to the end of the line);
///   the quotes are dropped, and whatever follows the closing quote starts
///   the next argument (`"a"b` gives `a` and `b`); a quote in the middle of
///   an unquoted argument is an ordinary character;
/// * a backslash before a space, tab, `"` or `'` keeps that character from
///   ending the argument;
/// * finally every backslash is removed from the argument and the character
///   after it kept as is (`\\` gives `\`, `a\b` gives `ab`, a trailing lone
///   `\` disappears).
///
/// ```
/// use spoor_log::sink::tokenize_argv;
/// assert_eq!(
///     tokenize_argv(r#"/bin/prog -x "a b" c\ d 'e"f'"#),
///     ["/bin/prog", "-x", "a b", "c d", "e\"f"]
/// );
/// ```
pub fn tokenize_argv(line: &str) -> Vec<String> {
    let b = line.as_bytes();
    let is_sep = |c: u8| c == b' ' || c == b'\t';
    let mut out = Vec::new();
    let mut i = 0;
    loop {
        while i < b.len() && is_sep(b[i]) {
            i += 1;
        }
        if i >= b.len() {
            break;
        }
        let quote = match b[i] {
            q @ (b'"' | b'\'') => {
                i += 1;
                Some(q)
            }
            _ => None,
        };
        let start = i;
        while i < b.len() {
            let c = b[i];
            if c == b'\\' && i + 1 < b.len() && matches!(b[i + 1], b' ' | b'\t' | b'"' | b'\'') {
                i += 2;
                continue;
            }
            let ends = match quote {
                None => is_sep(c),
                Some(q) => c == q,
            };
            if ends {
                break;
            }
            i += 1;
        }
        out.push(unescape(&b[start..i]));
        if i < b.len() {
            i += 1; // the separator or closing quote
        }
    }
    out
}

fn unescape(raw: &[u8]) -> String {
    let mut v = Vec::with_capacity(raw.len());
    let mut escaped = false;
    for &c in raw {
        if !escaped && c == b'\\' {
            escaped = true;
        } else {
            escaped = false;
            v.push(c);
        }
    }
    // Only ASCII bytes were removed and splits happen at ASCII bytes, so a
    // &str input always yields valid UTF-8.
    String::from_utf8(v).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

#[cfg(test)]
mod tests {
    use super::tokenize_argv as t;

    #[test]
    fn plain_words() {
        assert_eq!(t("a b  c"), ["a", "b", "c"]);
        assert_eq!(t("  \ta\t b  "), ["a", "b"]);
        assert!(t("").is_empty());
        assert!(t(" \t ").is_empty());
        // Only space and tab separate.
        assert_eq!(t("a\nb"), ["a\nb"]);
    }

    #[test]
    fn quotes() {
        assert_eq!(t(r#""a b" c"#), ["a b", "c"]);
        assert_eq!(t("'a b' c"), ["a b", "c"]);
        assert_eq!(t(r#"'a "b" c'"#), [r#"a "b" c"#]);
        assert_eq!(t(r#""it's""#), ["it's"]);
        assert_eq!(t(r#""""#), [""]);
        assert_eq!(t(r#"x "" y"#), ["x", "", "y"]);
        // A closing quote ends the argument even with no space after it.
        assert_eq!(t(r#""a"b"#), ["a", "b"]);
        // A quote inside an unquoted word is literal.
        assert_eq!(t(r#"a"b c"d"#), [r#"a"b"#, r#"c"d"#]);
        // Unterminated quote: to the end.
        assert_eq!(t(r#""a b"#), ["a b"]);
        assert_eq!(t(r#"""#), [""]);
    }

    #[test]
    fn backslashes() {
        assert_eq!(t(r"a\ b c"), ["a b", "c"]);
        assert_eq!(t("a\\\tb"), ["a\tb"]);
        assert_eq!(t(r#""a \"b\" c""#), [r#"a "b" c"#]);
        assert_eq!(t(r"'it\'s'"), ["it's"]);
        assert_eq!(t(r"a\b"), ["ab"]);
        assert_eq!(t(r"a\\b"), [r"a\b"]);
        assert_eq!(t(r"a\"), ["a"]);
        assert_eq!(t(r"C:\\dir\\x"), [r"C:\dir\x"]);
        // `\\"` inside quotes: the scan sees `\"` and keeps going.
        assert_eq!(t(r#""a\\" b"#), [r#"a\" b"#]);
    }

    #[test]
    fn utf8_survives() {
        assert_eq!(t("é\\ ü 'ß x'"), ["é ü", "ß x"]);
    }

    #[test]
    fn typical_commands() {
        assert_eq!(
            t("/usr/bin/rotatelogs -l /var/log/access.%Y-%m-%d 86400"),
            [
                "/usr/bin/rotatelogs",
                "-l",
                "/var/log/access.%Y-%m-%d",
                "86400"
            ]
        );
        assert_eq!(t("/bin/cat >> f"), ["/bin/cat", ">>", "f"]);
    }
}
