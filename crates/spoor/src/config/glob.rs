//! Shell-style matching of one path component, as httpd uses it for
//! `Include` wildcards: `*`, `?`, `[...]` (with `!` or `^` negation and
//! ranges), backslash escapes, and a leading `.` that only a literal `.`
//! matches (hidden files are not picked up by `*`; checked with
//! `Include dir/*` on a directory holding `.hidden`).

/// Whether `pattern` contains a wildcard (`*`, `?`, or a `[` with a
/// closing `]`), ignoring backslash-escaped characters.
pub fn has_wildcard(pattern: &str) -> bool {
    let b = pattern.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 1,
            b'*' | b'?' => return true,
            b'[' if b[i + 1..].contains(&b']') => return true,
            _ => {}
        }
        i += 1;
    }
    false
}

/// Whether `name` matches `pattern`.
pub fn matches(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    if n.first() == Some(&'.') {
        // A leading period must be matched literally.
        let lit = match p.first() {
            Some('.') => true,
            Some('\\') => p.get(1) == Some(&'.'),
            _ => false,
        };
        if !lit {
            return false;
        }
    }
    match_from(&p, &n)
}

fn match_from(p: &[char], n: &[char]) -> bool {
    let (mut pi, mut ni) = (0, 0);
    // Backtracking point for the last `*`: (pattern index after it, name index).
    let mut star: Option<(usize, usize)> = None;
    loop {
        if pi < p.len() {
            if p[pi] == '*' {
                while pi < p.len() && p[pi] == '*' {
                    pi += 1;
                }
                star = Some((pi, ni));
                continue;
            }
            // How far the pattern advances when one name character matches.
            let step = match (p[pi], n.get(ni)) {
                (_, None) => None,
                ('?', Some(_)) => Some(pi + 1),
                ('[', Some(&c)) => match bracket(p, pi, c) {
                    Some((true, next)) => Some(next),
                    Some((false, _)) => None,
                    // No closing `]`: a literal `[`.
                    None => (c == '[').then_some(pi + 1),
                },
                ('\\', Some(&c)) if pi + 1 < p.len() => (c == p[pi + 1]).then_some(pi + 2),
                (lit, Some(&c)) => (c == lit).then_some(pi + 1),
            };
            if let Some(next) = step {
                pi = next;
                ni += 1;
                continue;
            }
        } else if ni == n.len() {
            return true;
        }
        // Mismatch: let the last `*` swallow one more character.
        match star {
            Some((sp, sn)) if sn < n.len() => {
                star = Some((sp, sn + 1));
                pi = sp;
                ni = sn + 1;
            }
            _ => return false,
        }
    }
}

/// Matches `c` against the bracket expression starting at `p[start]`
/// (`[`). Returns whether it matched and the index after the closing `]`,
/// or `None` when there is no closing `]`.
fn bracket(p: &[char], start: usize, c: char) -> Option<(bool, usize)> {
    let mut i = start + 1;
    let negate = matches!(p.get(i), Some('!') | Some('^'));
    if negate {
        i += 1;
    }
    let mut found = false;
    let mut first = true;
    loop {
        let mut lo = *p.get(i)?;
        if lo == ']' && !first {
            return Some((found != negate, i + 1));
        }
        first = false;
        if lo == '\\' {
            i += 1;
            lo = *p.get(i)?;
        }
        i += 1;
        if p.get(i) == Some(&'-') && p.get(i + 1).is_some_and(|&h| h != ']') {
            let mut hi = p[i + 1];
            i += 2;
            if hi == '\\' {
                hi = *p.get(i)?;
                i += 1;
            }
            if lo <= c && c <= hi {
                found = true;
            }
        } else if lo == c {
            found = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_wildcards() {
        assert!(has_wildcard("*.conf"));
        assert!(has_wildcard("a?.conf"));
        assert!(has_wildcard("[ab]"));
        assert!(!has_wildcard("a[b"));
        assert!(!has_wildcard("plain.conf"));
        assert!(!has_wildcard(r"a\*b"));
    }

    #[test]
    fn star_question_and_brackets() {
        assert!(matches("*.conf", "x.conf"));
        assert!(!matches("*.conf", "x.confx"));
        assert!(matches("x.con?", "x.conf"));
        assert!(matches("[ab]", "a"));
        assert!(!matches("[ab]", "c"));
        assert!(matches("[!ab]", "c"));
        assert!(matches("[^ab]", "c"));
        assert!(matches("[a-c]x", "bx"));
        assert!(!matches("[a-c]x", "dx"));
        assert!(matches("[]]", "]"));
        assert!(matches("*", "anything"));
        assert!(matches("a*b*c", "aXbYbZc"));
        assert!(matches(r"a\*", "a*"));
        assert!(!matches(r"a\*", "ab"));
        assert!(matches("a[b", "a[b"));
    }

    #[test]
    fn leading_period_needs_literal_match() {
        assert!(!matches("*", ".hidden"));
        assert!(!matches("?hidden", ".hidden"));
        assert!(matches(".*", ".hidden"));
        assert!(matches("x*", "x.y"));
    }
}
