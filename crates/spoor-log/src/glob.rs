//! The one wildcard matcher of both crates, in three dialects:
//!
//! * [`INCLUDE`]: httpd's `Include` wildcards (`apr_fnmatch` with
//!   `APR_FNM_PERIOD`): `*`, `?`, bracket expressions (`[ab]`, ranges,
//!   `!` or `^` negation, `]` first taken literally, no closing `]` means
//!   a literal `[`), backslash escapes, case-sensitive, byte by byte (so
//!   `?` is one byte of a UTF-8 name, as in httpd), and a leading `.` of
//!   the name matched only by a literal `.` at the start of the pattern.
//! * [`SERVER_ALIAS`]: `ServerAlias` names (httpd's
//!   `ap_strcasecmp_match`): `*` and `?` only, ASCII case ignored; `[` and
//!   `\` are plain characters.
//! * [`WASD`]: WASD templates (mapping rules, `[LogExcludeHosts]`,
//!   report rules): `*` only, ASCII case ignored; [`captures`] gives what
//!   each `*` matched (an earlier `*` takes as little as it can).
//!
//! Why not a crate: `globset` adds `{a,b}` alternation and `**`, and has
//! no leading-period rule; `glob`'s `Pattern` has neither backslash
//! escapes nor `^` negation and works on `char`s, not bytes (httpd's `?`
//! matches one byte); `wildmatch` has no bracket expressions and neither
//! gives captures. Each differs from httpd or WASD on some input, so the
//! dialects share this small matcher instead (checked against a naive
//! matcher in `tests/glob.rs`, and the `Include` dialect against a live
//! apache2).
//!
//! The matcher is linear in the usual case: on a mismatch only the last
//! `*` takes one more byte (no recursion, no allocation).

/// What a dialect's patterns may contain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Syntax {
    /// `?` matches any one byte.
    pub question: bool,
    /// `[...]` bracket expressions.
    pub brackets: bool,
    /// A backslash makes the next byte literal.
    pub escapes: bool,
    /// A name beginning with `.` needs a literal `.` first in the pattern.
    pub leading_period: bool,
    /// ASCII letters match either case.
    pub fold_case: bool,
}

/// httpd's `Include`/`IncludeOptional` wildcards (see the module docs).
pub const INCLUDE: Syntax = Syntax {
    question: true,
    brackets: true,
    escapes: true,
    leading_period: true,
    fold_case: false,
};

/// httpd's `ServerAlias` wildcards: `*`, `?`, any case.
pub const SERVER_ALIAS: Syntax = Syntax {
    question: true,
    brackets: false,
    escapes: false,
    leading_period: false,
    fold_case: true,
};

/// WASD templates: `*` only, any case.
pub const WASD: Syntax = Syntax {
    question: false,
    brackets: false,
    escapes: false,
    leading_period: false,
    fold_case: true,
};

/// One element of a pattern.
#[derive(Clone, Copy)]
enum Token {
    Star,
    Any,
    Lit(u8),
    /// A bracket expression: the pattern bytes from its `[` to its `]`.
    Class(usize, usize),
}

/// The token at `pat[i]` and the index after it.
fn token(syn: Syntax, pat: &[u8], i: usize) -> (Token, usize) {
    match pat[i] {
        b'*' => (Token::Star, i + 1),
        b'?' if syn.question => (Token::Any, i + 1),
        b'[' if syn.brackets => match class_end(syn, pat, i) {
            Some(end) => (Token::Class(i, end), end + 1),
            None => (Token::Lit(b'['), i + 1),
        },
        b'\\' if syn.escapes && i + 1 < pat.len() => (Token::Lit(pat[i + 1]), i + 2),
        b => (Token::Lit(b), i + 1),
    }
}

/// The index of the `]` closing the bracket expression opened at
/// `pat[open]`, if there is one. A `]` right after `[` (or after `[!` /
/// `[^`) is a member, and an escaped byte never closes.
fn class_end(syn: Syntax, pat: &[u8], open: usize) -> Option<usize> {
    let mut i = open + 1;
    if matches!(pat.get(i), Some(b'!' | b'^')) {
        i += 1;
    }
    let first = i;
    while i < pat.len() {
        match pat[i] {
            b']' if i > first => return Some(i),
            b'\\' if syn.escapes => i += 2,
            _ => i += 1,
        }
    }
    None
}

/// Whether byte `c` is a member of the class `pat[open..=close]`.
fn class_has(syn: Syntax, pat: &[u8], open: usize, close: usize, c: u8) -> bool {
    let mut i = open + 1;
    let negate = matches!(pat[i], b'!' | b'^');
    if negate {
        i += 1;
    }
    let same = |a: u8, b: u8| a == b || (syn.fold_case && a.eq_ignore_ascii_case(&b));
    let mut found = false;
    // One member (or range) per turn; `pat[close]` is the closing `]`.
    while i < close {
        let mut lo = pat[i];
        if lo == b'\\' && syn.escapes {
            i += 1;
            lo = pat[i];
        }
        i += 1;
        if pat[i] == b'-' && i + 1 < close {
            let mut hi = pat[i + 1];
            i += 2;
            if hi == b'\\' && syn.escapes {
                hi = pat[i];
                i += 1;
            }
            let in_range = |x: u8| lo <= x && x <= hi;
            if in_range(c)
                || (syn.fold_case
                    && (in_range(c.to_ascii_lowercase()) || in_range(c.to_ascii_uppercase())))
            {
                found = true;
            }
        } else if same(lo, c) {
            found = true;
        }
    }
    found != negate
}

/// Whether one token that is not a `*` matches byte `c`.
fn single(syn: Syntax, pat: &[u8], t: Token, c: u8) -> bool {
    match t {
        Token::Star => unreachable!("a star is matched by the caller"),
        Token::Any => true,
        Token::Lit(l) => l == c || (syn.fold_case && l.eq_ignore_ascii_case(&c)),
        Token::Class(open, close) => class_has(syn, pat, open, close, c),
    }
}

/// Whether `s` matches `pat` in dialect `syn`.
pub fn matches(syn: Syntax, pat: &[u8], s: &[u8]) -> bool {
    run(syn, pat, s, None)
}

/// Whether `s` matches `pat` in dialect `syn`; on a match `caps` holds one
/// `(start, end)` range of `s` per `*` of the pattern, in order, an
/// earlier `*` matching as little as it can. `caps` is cleared first.
pub fn captures(syn: Syntax, pat: &[u8], s: &[u8], caps: &mut Vec<(usize, usize)>) -> bool {
    run(syn, pat, s, Some(caps))
}

/// Whether `pat` contains a wildcard of dialect `syn` (for `Include`: a
/// `*`, a `?`, or a `[` with a `]` after it; escaped bytes do not count).
pub fn has_wildcard(syn: Syntax, pat: &[u8]) -> bool {
    let mut i = 0;
    while i < pat.len() {
        match pat[i] {
            b'\\' if syn.escapes => i += 1,
            b'*' => return true,
            b'?' if syn.question => return true,
            b'[' if syn.brackets && pat[i + 1..].contains(&b']') => return true,
            _ => {}
        }
        i += 1;
    }
    false
}

fn run(syn: Syntax, pat: &[u8], s: &[u8], mut caps: Option<&mut Vec<(usize, usize)>>) -> bool {
    if let Some(c) = caps.as_deref_mut() {
        c.clear();
    }
    if syn.leading_period && s.first() == Some(&b'.') {
        // Only a literal period first in the pattern may match it.
        match pat.first() {
            Some(_) if matches!(token(syn, pat, 0).0, Token::Lit(b'.')) => {}
            _ => return false,
        }
    }
    let (mut pi, mut si) = (0, 0);
    // Stars seen so far (the index of the next capture).
    let mut stars = 0;
    // The last `*`: the pattern index after it, its capture index and the
    // end of what it matches now.
    let mut star: Option<(usize, usize, usize)> = None;
    loop {
        if pi < pat.len() {
            let (t, next) = token(syn, pat, pi);
            if let Token::Star = t {
                if let Some(c) = caps.as_deref_mut() {
                    c.push((si, si));
                }
                star = Some((next, stars, si));
                stars += 1;
                pi = next;
                continue;
            }
            if si < s.len() && single(syn, pat, t, s[si]) {
                pi = next;
                si += 1;
                continue;
            }
        } else if si == s.len() {
            return true;
        }
        // A mismatch: the last star takes one more byte, if any is left.
        match star {
            Some((sp, k, end)) if end < s.len() => {
                if let Some(c) = caps.as_deref_mut() {
                    c.truncate(k + 1);
                    c[k].1 = end + 1;
                }
                star = Some((sp, k, end + 1));
                stars = k + 1;
                pi = sp;
                si = end + 1;
            }
            _ => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inc(p: &str, s: &str) -> bool {
        matches(INCLUDE, p.as_bytes(), s.as_bytes())
    }

    #[test]
    fn include_dialect() {
        assert!(inc("*.conf", "x.conf"));
        assert!(!inc("*.conf", "x.confx"));
        assert!(inc("x.con?", "x.conf"));
        assert!(inc("[ab]", "a"));
        assert!(!inc("[ab]", "c"));
        assert!(inc("[!ab]", "c"));
        assert!(inc("[^ab]", "c"));
        assert!(inc("[a-c]x", "bx"));
        assert!(!inc("[a-c]x", "dx"));
        assert!(inc("[]]", "]"));
        assert!(inc("[a-]", "-"));
        assert!(!inc("[b-a]", "a"));
        assert!(inc("a*b*c", "aXbYbZc"));
        assert!(inc(r"a\*", "a*"));
        assert!(!inc(r"a\*", "ab"));
        assert!(inc("a[b", "a[b"));
        assert!(!inc("A*", "a.conf"));
        // One byte per `?`, as apr_fnmatch.
        assert!(!inc("?.conf", "é.conf"));
        assert!(inc("??.conf", "é.conf"));
        // Leading periods.
        assert!(!inc("*", ".hidden"));
        assert!(!inc("?hidden", ".hidden"));
        assert!(!inc("[.]hidden", ".hidden"));
        assert!(!inc("*.conf", ".conf"));
        assert!(inc(".*", ".hidden"));
        assert!(inc(r"\.*", ".hidden"));
        assert!(inc("x*", "x.y"));
    }

    #[test]
    fn alias_and_wasd_dialects() {
        let al = |p: &str, s: &str| matches(SERVER_ALIAS, p.as_bytes(), s.as_bytes());
        assert!(al("*.example.com", "www.EXAMPLE.com"));
        assert!(!al("*.example.com", "example.com"));
        assert!(al("w?w.*", "www.x"));
        assert!(al("[ab].test", "[AB].test"));
        assert!(!al("[ab].test", "a.test"));
        assert!(al("*", ""));
        let w = |p: &str, s: &str| matches(WASD, p.as_bytes(), s.as_bytes());
        assert!(w("/abc", "/ABC"));
        assert!(!w("/a?c", "/abc"));
        assert!(w("/a?c", "/A?C"));
    }

    #[test]
    fn captures_take_the_shortest_match_first() {
        let mut c = Vec::new();
        assert!(captures(WASD, b"/a*b*", b"/axxbyyb", &mut c));
        assert_eq!(c, [(2, 4), (5, 8)]);
        assert!(captures(WASD, b"**", b"ab", &mut c));
        assert_eq!(c, [(0, 0), (0, 2)]);
        assert!(!captures(WASD, b"/x*.html", b"/x1.htm", &mut c));
    }

    #[test]
    fn wildcard_detection() {
        let w = |p: &str| has_wildcard(INCLUDE, p.as_bytes());
        assert!(w("*.conf"));
        assert!(w("a?.conf"));
        assert!(w("[ab]"));
        assert!(!w("a[b"));
        assert!(!w("plain.conf"));
        assert!(!w(r"a\*b"));
        assert!(!has_wildcard(WASD, b"a?"));
    }
}
