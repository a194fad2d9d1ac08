//! The shared wildcard matcher (`spoor_log::glob`) against a naive
//! recursive matcher written here, for all three dialects (verdicts and
//! captures), and its `Include` dialect against a live apache2's choice of
//! files (`apache2 -t -D DUMP_INCLUDES`).

use proptest::prelude::*;
use spoor_log::glob::{self, Syntax, INCLUDE, SERVER_ALIAS, WASD};
use std::path::PathBuf;
use std::process::Command;

/// A pattern element, parsed independently of the library.
#[derive(Debug)]
enum T {
    Star,
    Any,
    Lit(u8),
    Class { negate: bool, ranges: Vec<(u8, u8)> },
}

/// Parses a bracket expression opening at `p[i]`: the class and the index
/// after its `]`, or `None` when it never closes.
fn parse_class(syn: Syntax, p: &[u8], mut i: usize) -> Option<(T, usize)> {
    i += 1;
    let negate = matches!(p.get(i), Some(b'!' | b'^'));
    if negate {
        i += 1;
    }
    let mut ranges = Vec::new();
    let mut first = true;
    loop {
        let mut lo = *p.get(i)?;
        if lo == b']' && !first {
            return Some((T::Class { negate, ranges }, i + 1));
        }
        first = false;
        if lo == b'\\' && syn.escapes {
            i += 1;
            lo = *p.get(i)?;
        }
        i += 1;
        match (p.get(i), p.get(i + 1)) {
            (Some(b'-'), Some(&h)) if h != b']' => {
                let mut hi = h;
                i += 2;
                if hi == b'\\' && syn.escapes {
                    hi = *p.get(i)?;
                    i += 1;
                }
                ranges.push((lo, hi));
            }
            _ => ranges.push((lo, lo)),
        }
    }
}

fn parse(syn: Syntax, p: &[u8]) -> Vec<T> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < p.len() {
        let c = p[i];
        if c == b'*' {
            out.push(T::Star);
            i += 1;
        } else if c == b'?' && syn.question {
            out.push(T::Any);
            i += 1;
        } else if c == b'[' && syn.brackets {
            match parse_class(syn, p, i) {
                Some((t, next)) => {
                    out.push(t);
                    i = next;
                }
                None => {
                    out.push(T::Lit(b'['));
                    i += 1;
                }
            }
        } else if c == b'\\' && syn.escapes && i + 1 < p.len() {
            out.push(T::Lit(p[i + 1]));
            i += 2;
        } else {
            out.push(T::Lit(c));
            i += 1;
        }
    }
    out
}

fn one(syn: Syntax, t: &T, c: u8) -> bool {
    let variants = if syn.fold_case {
        vec![c.to_ascii_lowercase(), c.to_ascii_uppercase()]
    } else {
        vec![c]
    };
    match t {
        T::Star => unreachable!(),
        T::Any => true,
        T::Lit(l) => variants.iter().any(|v| v == l),
        T::Class { negate, ranges } => {
            let hit = variants
                .iter()
                .any(|v| ranges.iter().any(|&(lo, hi)| lo <= *v && *v <= hi));
            hit != *negate
        }
    }
}

/// Exponential matcher: each `*` tries every length, shortest first; the
/// first success gives the captures (offsets from `base`).
fn naive(syn: Syntax, ts: &[T], s: &[u8], base: usize) -> Option<Vec<(usize, usize)>> {
    match ts.split_first() {
        None => s.is_empty().then(Vec::new),
        Some((T::Star, rest)) => (0..=s.len()).find_map(|k| {
            naive(syn, rest, &s[k..], base + k).map(|mut caps| {
                caps.insert(0, (base, base + k));
                caps
            })
        }),
        Some((t, rest)) => {
            let c = *s.first()?;
            if one(syn, t, c) {
                naive(syn, rest, &s[1..], base + 1)
            } else {
                None
            }
        }
    }
}

fn reference(syn: Syntax, p: &[u8], s: &[u8]) -> Option<Vec<(usize, usize)>> {
    let ts = parse(syn, p);
    if syn.leading_period && s.first() == Some(&b'.') && !matches!(ts.first(), Some(T::Lit(b'.'))) {
        return None;
    }
    naive(syn, &ts, s, 0)
}

fn bytes_from(alphabet: &'static [u8], max: usize) -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(proptest::sample::select(alphabet), 0..=max)
}

const PATTERN_BYTES: &[u8] = b"aAb.*?[]!^-\\\xc3";
const NAME_BYTES: &[u8] = b"aAbB.[]-\\!\xc3\xa9";

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4000))]

    #[test]
    fn all_dialects_agree_with_the_naive_matcher(
        p in bytes_from(PATTERN_BYTES, 9),
        s in bytes_from(NAME_BYTES, 10),
    ) {
        for syn in [INCLUDE, SERVER_ALIAS, WASD] {
            let want = reference(syn, &p, &s);
            let mut caps = Vec::new();
            let got = glob::captures(syn, &p, &s, &mut caps);
            prop_assert_eq!(got, want.is_some(), "{:?} {:?} {:?}", syn, p, s);
            prop_assert_eq!(glob::matches(syn, &p, &s), got);
            if let Some(want) = want {
                prop_assert_eq!(&caps, &want, "{:?} {:?} {:?}", syn, p, s);
            }
        }
    }

    /// WASD captures put back in place of each `*` rebuild the subject
    /// (up to case).
    #[test]
    fn wasd_captures_rebuild_the_subject(
        p in bytes_from(b"ab/*", 8),
        s in bytes_from(b"abAB/", 10),
    ) {
        let mut caps = Vec::new();
        if glob::captures(WASD, &p, &s, &mut caps) {
            let mut out = Vec::new();
            let mut k = 0;
            for &b in &p {
                if b == b'*' {
                    out.extend_from_slice(&s[caps[k].0..caps[k].1]);
                    k += 1;
                } else {
                    out.push(b);
                }
            }
            prop_assert_eq!(k, caps.len());
            prop_assert!(out.eq_ignore_ascii_case(&s), "{:?} {:?}", out, s);
        }
    }
}

/// A scratch directory, removed on drop.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Which of `names` apache2 includes for `Include d/PATTERN`, as names.
fn apache_includes(root: &std::path::Path, pattern: &str) -> Vec<Vec<u8>> {
    use std::os::unix::ffi::OsStrExt;
    let conf = root.join("t.conf");
    std::fs::write(
        &conf,
        format!(
            "ServerRoot {r}\nServerName glob.test\nPidFile {r}/pid\nErrorLog /dev/null\n\
             Listen 127.0.0.1:1\n\
             LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so\n\
             IncludeOptional d/{pattern}\n",
            r = root.display()
        ),
    )
    .unwrap();
    let out = Command::new("/usr/sbin/apache2")
        .arg("-f")
        .arg(&conf)
        .args(["-t", "-D", "DUMP_INCLUDES"])
        .output()
        .expect("apache2 (scripts/test-all installs it)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dir = root.join("d");
    let prefix = [dir.as_os_str().as_bytes(), b"/"].concat();
    let mut got: Vec<Vec<u8>> = out
        .stdout
        .split(|&b| b == b'\n')
        .filter_map(|l| {
            let i = l.windows(prefix.len()).position(|w| w == prefix)?;
            Some(l[i + prefix.len()..].to_vec())
        })
        .collect();
    got.sort();
    got
}

#[test]
fn include_dialect_picks_the_files_apache2_picks() {
    use std::os::unix::ffi::OsStrExt;
    let root = Scratch(std::env::temp_dir().join(format!("spoor-glob-{}", std::process::id())));
    let dir = root.0.join("d");
    std::fs::create_dir_all(&dir).unwrap();
    let names: &[&[u8]] = &[
        b"a.conf",
        b"A.conf",
        b".h.conf",
        b".conf",
        b"b.conf",
        b"ab.conf",
        b"a.b.conf",
        b"x].conf",
        b"[x].conf",
        b"-.conf",
        b"!.conf",
        b"^.conf",
        b"\xc3\xa9.conf",
        b"Z",
    ];
    for n in names {
        std::fs::write(dir.join(std::ffi::OsStr::from_bytes(n)), "# included\n").unwrap();
    }
    // Unquoted and without backslashes: httpd's tokenizer passes them
    // through unchanged.
    let patterns = [
        "*",
        "*.conf",
        "?.conf",
        "??.conf",
        "[ab].conf",
        "[!a].conf",
        "[^a].conf",
        "[A-Z]*",
        "[a-]*",
        "[-a]*",
        "[%-B]*",
        "[b-a]*",
        ".*",
        "[.]*",
        "[]]*",
        "x].conf",
        "[[]x].conf",
        "[!]*",
        "a*.conf",
        "*.*.conf",
        "A*",
        "a*",
        "[!^]*",
        "[\u{e9}]*",
        "*[!f]",
        "[^!]*",
        "?",
        "*?*?*?*?*",
    ];
    let mut checked = 0;
    for pat in patterns {
        let want = apache_includes(&root.0, pat);
        let mut got: Vec<Vec<u8>> = names
            .iter()
            .filter(|n| glob::matches(INCLUDE, pat.as_bytes(), n))
            .map(|n| n.to_vec())
            .collect();
        got.sort();
        let show = |v: &[Vec<u8>]| {
            v.iter()
                .map(|n| String::from_utf8_lossy(n).into_owned())
                .collect::<Vec<_>>()
        };
        assert_eq!(show(&got), show(&want), "Include d/{pat}");
        checked += want.len();
    }
    // The patterns do select files (apache2's output was read).
    assert!(checked > 40, "{checked}");
}
