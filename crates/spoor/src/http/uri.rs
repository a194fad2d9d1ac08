//! Request-target processing: absolute-form, query split, path
//! normalization and %-decoding, with Apache's outcomes for the odd cases.

use std::ops::Range;

/// What the path processing decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UriStatus {
    /// A usable path.
    Ok,
    /// Malformed (bad %-escape, `..` above the root, not a path): 400.
    Bad,
    /// A path Apache refuses to map (`%2F`, `%00`): 404.
    NotFound,
}

/// The parts of a request target.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    /// The query without `?`, as a range of the target.
    pub query: Option<Range<usize>>,
    /// The host of an absolute-form target.
    pub host: Option<Range<usize>>,
    /// The outcome.
    pub status: UriStatus,
}

fn hexval(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

fn unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

/// Splits `target` and writes the normalized, %-decoded path (`%U`) to
/// `uri`; `scratch` is working space.
pub fn process(target: &[u8], uri: &mut Vec<u8>, scratch: &mut Vec<u8>) -> Target {
    uri.clear();
    let mut t = Target {
        query: None,
        host: None,
        status: UriStatus::Ok,
    };
    if target == b"*" {
        uri.push(b'*');
        return t;
    }
    let mut path_start = 0;
    let lower_starts =
        |p: &[u8]| target.len() >= p.len() && target[..p.len()].eq_ignore_ascii_case(p);
    for scheme in [&b"http://"[..], b"https://"] {
        if lower_starts(scheme) {
            let auth_start = scheme.len();
            let auth_end = target[auth_start..]
                .iter()
                .position(|&b| b == b'/' || b == b'?')
                .map_or(target.len(), |p| auth_start + p);
            t.host = Some(auth_start..auth_end);
            path_start = auth_end;
        }
    }
    let rest = &target[path_start..];
    let (path, query) = match memchr::memchr(b'?', rest) {
        Some(q) => (&rest[..q], Some(path_start + q + 1..target.len())),
        None => (rest, None),
    };
    t.query = query;
    let path: &[u8] = if path.is_empty() && t.host.is_some() {
        b"/"
    } else {
        path
    };
    if path.first() != Some(&b'/') {
        uri.extend_from_slice(path);
        t.status = UriStatus::Bad;
        return t;
    }
    // 1. Decode %-escapes of unreserved characters, so that `%2e%2e` is a
    //    dot segment.
    scratch.clear();
    let mut i = 0;
    while i < path.len() {
        if path[i] == b'%' && i + 2 < path.len() {
            if let (Some(h), Some(l)) = (hexval(path[i + 1]), hexval(path[i + 2])) {
                let c = h * 16 + l;
                if unreserved(c) {
                    scratch.push(c);
                    i += 3;
                    continue;
                }
            }
        }
        scratch.push(path[i]);
        i += 1;
    }
    // 2. Merge slashes, remove dot segments.
    let above_root = remove_dots(scratch, uri);
    // 3. Decode the rest.
    let mut bad = false;
    let mut slash = false;
    let mut nul = false;
    scratch.clear();
    let mut i = 0;
    while i < uri.len() {
        let b = uri[i];
        if b == b'%' {
            match (
                uri.get(i + 1).and_then(|&b| hexval(b)),
                uri.get(i + 2).and_then(|&b| hexval(b)),
            ) {
                (Some(h), Some(l)) => {
                    let c = h * 16 + l;
                    slash |= c == b'/';
                    nul |= c == 0;
                    scratch.push(c);
                    i += 3;
                    continue;
                }
                _ => bad = true,
            }
        }
        scratch.push(b);
        i += 1;
    }
    if bad {
        t.status = UriStatus::Bad;
        return t;
    }
    std::mem::swap(uri, scratch);
    if nul {
        // The C string ends at the NUL.
        let n = memchr::memchr(0, uri).unwrap_or(uri.len());
        uri.truncate(n);
    }
    t.status = if above_root {
        UriStatus::Bad
    } else if slash || nul {
        UriStatus::NotFound
    } else {
        UriStatus::Ok
    };
    t
}

/// Writes `path` (starting with `/`) to `out` with repeated slashes merged
/// and `.`/`..` segments resolved. Returns whether `..` went above the root.
fn remove_dots(path: &[u8], out: &mut Vec<u8>) -> bool {
    out.clear();
    let mut above = false;
    let mut trailing = false;
    for seg in path.split(|&b| b == b'/').skip(1) {
        trailing = false;
        match seg {
            b"" => trailing = true,
            b"." => trailing = true,
            b".." => {
                trailing = true;
                match memchr::memrchr(b'/', out) {
                    Some(p) => out.truncate(p),
                    None => above = true,
                }
            }
            s => {
                out.push(b'/');
                out.extend_from_slice(s);
            }
        }
    }
    if trailing || out.is_empty() {
        out.push(b'/');
    }
    above
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(t: &str) -> (String, UriStatus, Option<String>) {
        let (mut uri, mut scratch) = (Vec::new(), Vec::new());
        let r = process(t.as_bytes(), &mut uri, &mut scratch);
        (
            String::from_utf8_lossy(&uri).into_owned(),
            r.status,
            r.query.map(|q| t[q].to_string()),
        )
    }

    /// Outcomes observed from Apache httpd 2.4.71.
    #[test]
    fn like_apache() {
        use UriStatus::*;
        assert_eq!(u("/a?b=1"), ("/a".into(), Ok, Some("b=1".into())));
        assert_eq!(u("/x?"), ("/x".into(), Ok, Some("".into())));
        assert_eq!(u("/../etc/passwd").1, Bad);
        assert_eq!(u("/../etc/passwd").0, "/etc/passwd");
        assert_eq!(u("/sub/%2e%2e/alpha.txt"), ("/alpha.txt".into(), Ok, None));
        assert_eq!(u("/sub/../alpha.txt"), ("/alpha.txt".into(), Ok, None));
        assert_eq!(u("/al%70ha.txt"), ("/alpha.txt".into(), Ok, None));
        assert_eq!(u("/a%2fb"), ("/a/b".into(), NotFound, None));
        assert_eq!(u("/a%00b"), ("/a".into(), NotFound, None));
        assert_eq!(u("/a%zzb"), ("/a%zzb".into(), Bad, None));
        assert_eq!(u("//sub//alpha.txt/"), ("/sub/alpha.txt/".into(), Ok, None));
        assert_eq!(
            u("http://example.com/alpha.txt?q"),
            ("/alpha.txt".into(), Ok, Some("q".into()))
        );
        assert_eq!(u("http://example.com"), ("/".into(), Ok, None));
        assert_eq!(u("/a%22b%0a%e9").0, "/a\"b\n\u{fffd}");
        assert_eq!(u("/sub/."), ("/sub/".into(), Ok, None));
        assert_eq!(u("/"), ("/".into(), Ok, None));
        assert_eq!(u("*"), ("*".into(), Ok, None));
        assert_eq!(u("foo").1, Bad);
    }
}
