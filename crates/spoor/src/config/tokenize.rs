//! Line reading and argument splitting, following httpd's rules.
//!
//! * A physical line ending in a backslash (after the line terminator, LF
//!   or CRLF, is removed) is joined with the next physical line; the
//!   backslash is dropped and nothing else is (whitespace on both sides of
//!   the join is kept).
//! * The joined line is trimmed of leading and trailing whitespace.
//! * Words are split as httpd's `ap_getword_conf` does: a word starting
//!   with `"` or `'` runs to the matching quote (or the end of the line),
//!   and inside it a backslash before a backslash or before that quote is
//!   dropped; an unquoted word runs to the next whitespace, and inside it a
//!   backslash before a backslash is dropped. Any other backslash is kept.

/// The longest logical line httpd accepts, in bytes (its buffer is 16 MiB
/// including the terminating NUL). Checked live: a 16777215-byte line is
/// read, a 16777216-byte one gives "Line too long".
pub const MAX_LINE_LEN: usize = 16 * 1024 * 1024 - 1;

/// Whitespace as httpd's `apr_isspace` sees it (C `isspace` in the C
/// locale): space, tab, LF, vertical tab, form feed and CR.
pub fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\x0b' | '\x0c' | '\r')
}

/// Removes leading and trailing httpd whitespace.
pub fn trim(s: &str) -> &str {
    s.trim_matches(is_space)
}

/// Takes the next word off the front of `rest` as `ap_getword_conf` does,
/// and advances `rest` past it and past any whitespace that follows.
///
/// Returns the empty string when `rest` holds nothing but whitespace; an
/// empty quoted word (`""`) also yields the empty string but does consume
/// input, so callers that must tell the two apart check `rest` first.
pub fn next_word(rest: &mut &str) -> String {
    let s = rest.trim_start_matches(is_space);
    let bytes = s.as_bytes();
    let (word, after) = match bytes.first() {
        Some(&q) if q == b'"' || q == b'\'' => {
            let mut i = 1;
            while i < bytes.len() && bytes[i] != q {
                if bytes[i] == b'\\'
                    && i + 1 < bytes.len()
                    && (bytes[i + 1] == q || bytes[i + 1] == b'\\')
                {
                    i += 2;
                } else {
                    i += 1;
                }
            }
            let word = unescape(&s[1..i], Some(q));
            let after = if i < bytes.len() { i + 1 } else { i };
            (word, after)
        }
        _ => {
            let end = s.find(is_space).unwrap_or(s.len());
            (unescape(&s[..end], None), end)
        }
    };
    *rest = s[after..].trim_start_matches(is_space);
    word
}

/// Drops a backslash that precedes another backslash or (inside a quoted
/// word) the enclosing quote; everything else is copied unchanged.
fn unescape(s: &str, quote: Option<u8>) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\'
            && i + 1 < bytes.len()
            && (bytes[i + 1] == b'\\' || Some(bytes[i + 1]) == quote)
        {
            out.push(bytes[i + 1]);
            i += 2;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    // Only ASCII bytes were removed, so the result is still valid UTF-8.
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// Splits a whole argument string into words with [`next_word`].
///
/// Empty quoted words (`""`) are kept as empty strings.
pub fn split_words(mut s: &str) -> Vec<String> {
    let mut words = Vec::new();
    s = s.trim_start_matches(is_space);
    while !s.is_empty() {
        words.push(next_word(&mut s));
    }
    words
}

/// One logical line returned by [`LineReader::next_line`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// The joined, trimmed text.
    pub text: String,
    /// The 1-based number of the last physical line it came from (httpd
    /// reports errors on a continued line at its last physical line).
    pub line: usize,
}

/// Why a line could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineTooLong {
    /// The physical line number at which the limit was exceeded.
    pub line: usize,
}

/// Reads logical lines out of a file's text.
#[derive(Debug)]
pub struct LineReader<'a> {
    rest: &'a str,
    line: usize,
}

impl<'a> LineReader<'a> {
    /// A reader over the whole text of one file.
    pub fn new(text: &'a str) -> Self {
        LineReader {
            rest: text,
            line: 0,
        }
    }

    fn physical(&mut self) -> Option<&'a str> {
        if self.rest.is_empty() {
            return None;
        }
        self.line += 1;
        let (mut l, rest) = match self.rest.find('\n') {
            Some(i) => (&self.rest[..i], &self.rest[i + 1..]),
            None => (self.rest, ""),
        };
        self.rest = rest;
        if let Some(s) = l.strip_suffix('\r') {
            l = s;
        }
        Some(l)
    }

    /// The next logical line (continuations joined, whitespace trimmed),
    /// or `None` at end of file. Blank lines and comments are returned too;
    /// callers skip them.
    pub fn next_line(&mut self) -> Result<Option<Line>, LineTooLong> {
        let Some(first) = self.physical() else {
            return Ok(None);
        };
        let mut text = String::new();
        let mut piece = first;
        loop {
            match piece.strip_suffix('\\') {
                Some(head) => {
                    text.push_str(head);
                    if text.len() > MAX_LINE_LEN {
                        return Err(LineTooLong { line: self.line });
                    }
                    match self.physical() {
                        Some(next) => piece = next,
                        None => break,
                    }
                }
                None => {
                    text.push_str(piece);
                    break;
                }
            }
        }
        if text.len() > MAX_LINE_LEN {
            return Err(LineTooLong { line: self.line });
        }
        let trimmed = trim(&text);
        let text = if trimmed.len() == text.len() {
            text
        } else {
            trimmed.to_owned()
        };
        Ok(Some(Line {
            text,
            line: self.line,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        split_words(s)
    }

    // Expectations below were checked against Apache 2.4.71 by writing
    // `Define V <word>` and reading the value back from
    // `apache2 -t -D DUMP_RUN_CFG`.

    #[test]
    fn quoted_backslash_before_other_char_is_kept() {
        // `Define V1 "a\tb"` -> `a\tb` (backslash and t kept).
        assert_eq!(words(r#""a\tb""#), vec![r"a\tb"]);
    }

    #[test]
    fn quoted_escapes_only_quote_and_backslash() {
        assert_eq!(words(r"'a\'b'"), vec!["a'b"]);
        assert_eq!(words(r#""a\"b""#), vec![r#"a"b"#]);
        assert_eq!(words(r#""a\\b""#), vec![r"a\b"]);
        // The other quote character is not special: `"a\'b"` -> `a\'b`.
        assert_eq!(words(r#""a\'b""#), vec![r"a\'b"]);
        assert_eq!(words(r#""a'b""#), vec!["a'b"]);
        assert_eq!(words(r#"'a"b'"#), vec![r#"a"b"#]);
        // `"a\\\\b\\"` -> `a\\b\`.
        assert_eq!(words(r#""a\\\\b\\""#), vec![r"a\\b\"]);
        assert_eq!(words(r"'x\\'"), vec![r"x\"]);
    }

    #[test]
    fn unquoted_words_only_unescape_backslash() {
        assert_eq!(words(r"a\\b"), vec![r"a\b"]);
        assert_eq!(words(r#"a\"b"#), vec![r#"a\"b"#]);
        assert_eq!(words(r"\\x"), vec![r"\x"]);
        // A quote inside an unquoted word is an ordinary character.
        assert_eq!(words(r#"a"b"#), vec![r#"a"b"#]);
    }

    #[test]
    fn quote_ends_word_and_unterminated_quote_runs_to_end() {
        // `Define V1 "ab"c` is three arguments to httpd ("takes 1-2").
        assert_eq!(words(r#""ab"c"#), vec!["ab", "c"]);
        assert_eq!(words(r#"a"b c"d"#), vec![r#"a"b"#, r#"c"d"#]);
        assert_eq!(words(r#""abc"#), vec!["abc"]);
        assert_eq!(words(r#""a b"#), vec!["a b"]);
    }

    #[test]
    fn empty_quoted_words_are_kept() {
        assert_eq!(words(r#"x "" y"#), vec!["x", "", "y"]);
        assert_eq!(words(r#""""#), vec![""]);
        assert!(words("  \t ").is_empty());
    }

    #[test]
    fn whitespace_includes_vertical_tab_and_form_feed() {
        assert_eq!(words("a\x0bb\x0cc\td"), vec!["a", "b", "c", "d"]);
        // CR inside a quoted word is kept (`Define V3 "a\rb"`).
        assert_eq!(words("\"a\rb\""), vec!["a\rb"]);
    }

    fn lines(text: &str) -> Vec<(String, usize)> {
        let mut r = LineReader::new(text);
        let mut out = Vec::new();
        while let Some(l) = r.next_line().unwrap() {
            out.push((l.text, l.line));
        }
        out
    }

    // Continuation rules checked with apache2 -t -D DUMP_RUN_CFG.
    #[test]
    fn continuation_joins_without_touching_whitespace() {
        // `Define V1 a\` + `b` -> `ab`.
        assert_eq!(lines("a\\\nb\n"), vec![("ab".into(), 2)]);
        // `"a \` + `   b"` -> `a    b`.
        assert_eq!(lines("\"a \\\n   b\"\n"), vec![("\"a    b\"".into(), 2)]);
        // Several continuations, ending with an empty line.
        assert_eq!(
            lines("D \\\nV y\\\n\\\n\nE\n"),
            vec![("D V y".into(), 4), ("E".into(), 5)]
        );
    }

    #[test]
    fn backslash_before_trailing_space_is_not_a_continuation() {
        // `Define V3 a\ ` -> value `a\`, next line separate.
        assert_eq!(lines("a\\ \nb\n"), vec![("a\\".into(), 1), ("b".into(), 2)]);
    }

    #[test]
    fn escaped_backslash_at_end_still_continues() {
        // `Define V7 a\\` + `b` -> `a\b` after word splitting.
        assert_eq!(lines("a\\\\\nb\n"), vec![("a\\b".into(), 2)]);
    }

    #[test]
    fn crlf_lines_and_continuations() {
        assert_eq!(
            lines("a\\\r\nb\r\nc\r\n"),
            vec![("ab".into(), 2), ("c".into(), 3)]
        );
    }

    #[test]
    fn lines_are_trimmed_and_numbered() {
        assert_eq!(
            lines("\n  x  \n\t# c\nlast"),
            vec![
                ("".into(), 1),
                ("x".into(), 2),
                ("# c".into(), 3),
                ("last".into(), 4)
            ]
        );
    }

    #[test]
    fn backslash_at_end_of_file_is_dropped() {
        assert_eq!(lines("a\\"), vec![("a".into(), 1)]);
    }

    #[test]
    fn too_long_line_is_refused() {
        let ok = "a".repeat(MAX_LINE_LEN);
        assert_eq!(lines(&ok).len(), 1);
        let long = "a".repeat(MAX_LINE_LEN + 1);
        let mut r = LineReader::new(&long);
        assert_eq!(r.next_line(), Err(LineTooLong { line: 1 }));
    }
}
