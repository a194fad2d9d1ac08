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
    /// The host (and port) of an absolute-form `http:` target, which
    /// replaces the Host header as in httpd.
    pub host: Option<Range<usize>>,
    /// The outcome.
    pub status: UriStatus,
    /// The target carries a password (`user:pw@`): httpd logs the request
    /// line with the password masked.
    pub password: bool,
}

fn hexval(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

fn unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

/// A target split the way `apr_uri_parse` splits one. Ranges index the
/// target.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Parts {
    scheme: Option<Range<usize>>,
    /// `user[:password]` before `@`.
    userinfo: Option<Range<usize>>,
    /// The authority after the userinfo: host and optional `:port`.
    hostinfo: Option<Range<usize>>,
    /// The host within `hostinfo` (IPv6 brackets included).
    hostname: Option<Range<usize>>,
    /// The digits after `:` in `hostinfo`.
    port: Option<Range<usize>>,
    path: Range<usize>,
    query: Option<Range<usize>>,
    fragment: Option<Range<usize>>,
}

/// Splits `t` into scheme, authority, path, query and fragment; `None`
/// when the authority is malformed (a port that is not a number, an
/// unclosed `[`).
fn split(t: &[u8]) -> Option<Parts> {
    let mut p = Parts::default();
    let mut i = 0;
    // A scheme: a letter, then letters, digits, `+`, `-`, `.`, then `:`.
    if t.first().is_some_and(u8::is_ascii_alphabetic) {
        let n = t
            .iter()
            .position(|&b| !(b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.')))
            .unwrap_or(t.len());
        if t.get(n) == Some(&b':') {
            p.scheme = Some(0..n);
            i = n + 1;
        }
    }
    if p.scheme.is_some() && t[i..].starts_with(b"//") {
        let a = i + 2;
        let e = t[a..]
            .iter()
            .position(|&b| matches!(b, b'/' | b'?' | b'#'))
            .map_or(t.len(), |n| a + n);
        let mut h = a;
        if let Some(at) = memchr::memrchr(b'@', &t[a..e]) {
            p.userinfo = Some(a..a + at);
            h = a + at + 1;
        }
        p.hostinfo = Some(h..e);
        let host_end = if t.get(h) == Some(&b'[') {
            h + memchr::memchr(b']', &t[h..e])? + 1
        } else {
            memchr::memrchr(b':', &t[h..e]).map_or(e, |c| h + c)
        };
        p.hostname = Some(h..host_end);
        if host_end < e {
            if t[host_end] != b':' || !t[host_end + 1..e].iter().all(u8::is_ascii_digit) {
                return None;
            }
            p.port = Some(host_end + 1..e);
        }
        i = e;
    }
    let path_end = t[i..]
        .iter()
        .position(|&b| b == b'?' || b == b'#')
        .map_or(t.len(), |n| i + n);
    p.path = i..path_end;
    let mut j = path_end;
    if t.get(j) == Some(&b'?') {
        let e = memchr::memchr(b'#', &t[j..]).map_or(t.len(), |n| j + n);
        p.query = Some(j + 1..e);
        j = e;
    }
    if t.get(j) == Some(&b'#') {
        p.fragment = Some(j + 1..t.len());
    }
    Some(p)
}

/// Whether httpd refuses `target` while reading the request line, before
/// any header is read (400): a target it cannot parse, a fragment,
/// credentials in the authority, a path that does not start with `/`, or
/// `*` with another method than OPTIONS.
pub fn refused_at_line(method: &[u8], target: &[u8]) -> bool {
    if target == b"*" {
        return method != b"OPTIONS";
    }
    if method == b"CONNECT" {
        return !connect_target(target);
    }
    if target.first() == Some(&b'/') {
        // Origin form: only a fragment is refused here.
        return memchr::memchr(b'#', target).is_some();
    }
    let Some(p) = split(target) else {
        return true;
    };
    p.fragment.is_some()
        || p.userinfo.is_some()
        || (p.hostinfo.is_none() && target.get(p.path.start) != Some(&b'/'))
}

/// Whether a CONNECT target is an authority httpd accepts
/// (`apr_uri_parse_hostinfo`): `host:port` or `[v6]:port`, the port
/// digits or empty. httpd then takes the whole target for the Host header
/// and `/` for the path.
pub fn connect_target(target: &[u8]) -> bool {
    let colon = if target.first() == Some(&b'[') {
        match memchr::memchr(b']', target) {
            Some(e) if target.get(e + 1) == Some(&b':') => e + 1,
            _ => return false,
        }
    } else {
        match memchr::memchr(b':', target) {
            Some(c) => c,
            None => return false,
        }
    };
    let port = &target[colon + 1..];
    port.is_empty() || port.iter().all(u8::is_ascii_digit)
}

/// Whether `target` is an absolute-form `http:` URI with an authority (its
/// host stands in for the Host header).
pub fn has_http_host(target: &[u8]) -> bool {
    split(target).is_some_and(|p| {
        p.hostinfo.is_some()
            && p.scheme
                .is_some_and(|s| target[s].eq_ignore_ascii_case(b"http"))
    })
}

/// Appends `target` with the password of its userinfo masked, as httpd
/// rebuilds it for the log (`user:XXXXXXXX@`, the scheme's default port
/// left out).
pub fn mask_password(target: &[u8], out: &mut Vec<u8>) {
    let Some(p) = split(target) else {
        out.extend_from_slice(target);
        return;
    };
    let (Some(scheme), Some(ui)) = (p.scheme.clone(), p.userinfo.clone()) else {
        out.extend_from_slice(target);
        return;
    };
    out.extend_from_slice(&target[scheme.clone()]);
    out.extend_from_slice(b"://");
    let ui = &target[ui];
    match memchr::memchr(b':', ui) {
        Some(c) => {
            out.extend_from_slice(&ui[..c]);
            out.extend_from_slice(b":XXXXXXXX");
        }
        None => out.extend_from_slice(ui),
    }
    out.push(b'@');
    if let Some(h) = p.hostname.clone() {
        out.extend_from_slice(&target[h]);
    }
    if let Some(port) = p.port.clone().filter(|r| !r.is_empty()) {
        let port = &target[port];
        let s = &target[scheme];
        let default: &[u8] = if s.eq_ignore_ascii_case(b"https") {
            b"443"
        } else if s.eq_ignore_ascii_case(b"http") {
            b"80"
        } else {
            b""
        };
        let digits = &port[port.iter().take_while(|&&b| b == b'0').count()..];
        if digits != default {
            out.push(b':');
            out.extend_from_slice(port);
        }
    }
    out.extend_from_slice(&target[p.path.clone()]);
    if let Some(q) = p.query {
        out.push(b'?');
        out.extend_from_slice(&target[q]);
    }
    if let Some(f) = p.fragment {
        out.push(b'#');
        out.extend_from_slice(&target[f]);
    }
}

/// For a target that starts with `/` and has no `%`-escape, dot segment or
/// repeated slash in its path and no fragment: where its query starts
/// (`Some(None)`: it has none). One pass over a short target costs less
/// than a `memchr` per character looked for.
fn plain_path(target: &[u8]) -> Option<Option<usize>> {
    if target.first() != Some(&b'/') {
        return None;
    }
    let mut query = None;
    for (i, &b) in target.iter().enumerate() {
        match b {
            b'#' => return None,
            _ if query.is_some() => {}
            b'?' => query = Some(i),
            b'%' => return None,
            b'/' if matches!(target.get(i + 1), Some(b'.' | b'/')) => return None,
            _ => {}
        }
    }
    Some(query)
}

/// Splits `target` and writes the normalized, %-decoded path (`%U`) to
/// `uri`; `scratch` is working space.
pub fn process(target: &[u8], uri: &mut Vec<u8>, scratch: &mut Vec<u8>) -> Target {
    uri.clear();
    let mut t = Target {
        query: None,
        host: None,
        status: UriStatus::Ok,
        password: false,
    };
    if target == b"*" {
        uri.push(b'*');
        return t;
    }
    // The usual origin-form target: no escapes, no dot segments, no
    // repeated slashes, no fragment. The path is `%U` as it is.
    if let Some(q) = plain_path(target) {
        uri.extend_from_slice(&target[..q.unwrap_or(target.len())]);
        t.query = q.map(|q| q + 1..target.len());
        return t;
    }
    let Some(parts) = split(target) else {
        // Not parsed at all: httpd logs the target as `%U`.
        uri.extend_from_slice(target);
        t.status = UriStatus::Bad;
        return t;
    };
    t.query = parts.query.clone();
    t.password = parts
        .userinfo
        .clone()
        .is_some_and(|u| memchr::memchr(b':', &target[u]).is_some());
    if let Some(s) = parts.scheme.clone() {
        let s = &target[s];
        if s.eq_ignore_ascii_case(b"http") {
            t.host = parts.hostinfo.clone();
        } else if !s.eq_ignore_ascii_case(b"https") {
            t.status = UriStatus::Bad;
        }
    }
    if parts.fragment.is_some() || parts.userinfo.is_some() {
        t.status = UriStatus::Bad;
    }
    let path = &target[parts.path.clone()];
    let path: &[u8] = if path.is_empty() && parts.hostinfo.is_some() {
        b"/"
    } else {
        path
    };
    if path.first() != Some(&b'/') {
        uri.extend_from_slice(path);
        t.status = UriStatus::Bad;
        return t;
    }
    let refused = t.status;
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
    t.status = if above_root || refused == UriStatus::Bad {
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

/// Appends `s` with the bytes Apache's `ap_os_escape_path` (partial, as
/// `ap_escape_uri`) escapes, in lower-case hex as httpd writes them
/// (apache2 answers `/%C3%A9%3C` with `Location: …/%c3%a9%3c/`).
pub fn escape_path(s: &[u8], out: &mut Vec<u8>) {
    const H: &[u8; 16] = b"0123456789abcdef";
    for &b in s {
        let safe = b.is_ascii_alphanumeric() || b"$-_.+!*'(),:@&=~/;".contains(&b);
        if safe {
            out.push(b);
        } else {
            out.extend_from_slice(&[b'%', H[(b >> 4) as usize], H[(b & 15) as usize]]);
        }
    }
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
        assert_eq!(u("/a?b#c"), ("/a".into(), Bad, Some("b".into())));
        assert_eq!(u("ftp://b.test/"), ("/".into(), Bad, None));
        assert_eq!(u("http:/b.test/"), ("/b.test/".into(), Ok, None));
        assert_eq!(u("http://b.test:x/").0, "http://b.test:x/");
    }

    /// The shortcut for plain paths gives what the general steps give.
    #[test]
    fn plain_paths_as_the_general_steps() {
        for t in [
            "/",
            "/a",
            "/a/",
            "/f1k.bin?x=1",
            "/a.b/c?",
            "/a?b#c",
            "/a?q=/./",
            "/.a",
        ] {
            let (mut uri, mut scratch) = (Vec::new(), Vec::new());
            let fast = process(t.as_bytes(), &mut uri, &mut scratch);
            let mut general = (Vec::new(), UriStatus::Ok, None);
            // The general steps, by way of a target that takes them: an
            // absolute-form target with the same path.
            let abs = format!("http://h{t}");
            let (mut u2, mut s2) = (Vec::new(), Vec::new());
            let r = process(abs.as_bytes(), &mut u2, &mut s2);
            general.0 = u2;
            general.1 = r.status;
            general.2 = r.query.map(|q| abs[q].to_string());
            assert_eq!(
                (uri, fast.status, fast.query.map(|q| t[q].to_string())),
                general,
                "{t}"
            );
        }
    }

    #[test]
    fn refused_with_the_line() {
        for t in [
            "index.html",
            "/a#b",
            "http://u:p@h/",
            "http://[::1/",
            "http:x",
        ] {
            assert!(refused_at_line(b"GET", t.as_bytes()), "{t}");
        }
        assert!(refused_at_line(b"GET", b"*"));
        assert!(!refused_at_line(b"OPTIONS", b"*"));
        for t in ["main.test:443", "[::1]:443", "b.test:", "x:80"] {
            assert!(!refused_at_line(b"CONNECT", t.as_bytes()), "{t}");
        }
        for t in ["/sub/", "main.test", "[::1]", "[::1", "a:b:443", "h:44x"] {
            assert!(refused_at_line(b"CONNECT", t.as_bytes()), "{t}");
        }
        for t in ["/", "http://h", "https://h/x", "ftp://h/", "http:/x"] {
            assert!(!refused_at_line(b"GET", t.as_bytes()), "{t}");
        }
        let mut v = Vec::new();
        mask_password(b"http://u:pw@h:80/x?y", &mut v);
        assert_eq!(v, b"http://u:XXXXXXXX@h/x?y");
        assert!(has_http_host(b"HTTP://h/"));
        assert!(!has_http_host(b"https://h/"));
    }
}
