//! A server's `Alias` and `Redirect` entries and how a URI matches them.

use regex::bytes::Regex;

/// How an entry matches the URI path.
#[derive(Clone, Debug)]
pub enum Pattern {
    /// A path prefix (`Alias`, `Redirect`), matched as httpd's
    /// `alias_matches`: runs of `/` count as one, and a prefix not ending
    /// in `/` must end at a `/` of the URI or at its end.
    Prefix(String),
    /// A regular expression (`AliasMatch`, `RedirectMatch`), the target
    /// then substituted.
    Regex(Regex),
}

/// One `Alias*` or `Redirect*` line.
#[derive(Clone, Debug)]
pub struct Entry {
    /// What it matches.
    pub pattern: Pattern,
    /// The file path (`Alias`) or URL (`Redirect`; `None` for a status
    /// that takes none, as `gone`).
    pub target: Option<String>,
    /// The status of a redirect.
    pub status: u16,
    /// The one-argument `Redirect` of a `<Location>`: the prefix is the
    /// section's path and the target is sent as it is, without the rest
    /// of the URI (apache2: `/loc/x` goes to the bare target).
    pub whole: bool,
}

/// A server's entries, in configuration order.
#[derive(Clone, Debug, Default)]
pub struct AliasConf {
    /// `Alias`, `AliasMatch`.
    pub aliases: Vec<Entry>,
    /// `Redirect*`, `RedirectMatch`.
    pub redirects: Vec<Entry>,
}

impl AliasConf {
    /// Whether there is no entry.
    pub fn is_empty(&self) -> bool {
        self.aliases.is_empty() && self.redirects.is_empty()
    }

    /// A virtual host's entries followed by the main server's, as httpd
    /// merges them.
    pub fn merge(main: &AliasConf, vhost: &AliasConf) -> AliasConf {
        AliasConf {
            aliases: vhost.aliases.iter().chain(&main.aliases).cloned().collect(),
            redirects: vhost
                .redirects
                .iter()
                .chain(&main.redirects)
                .cloned()
                .collect(),
        }
    }
}

/// What a redirect gives: its status, and its target for a 3xx status.
pub type RedirectTo = (u16, Option<Vec<u8>>);

impl Entry {
    /// The first entry of `list` matching `uri`, with what it gives:
    /// for a prefix the target followed by the rest of the URI (escaped
    /// as `ap_escape_uri` for a redirect), for a regex the substitution;
    /// and how much of that is the target's own directory (a prefix
    /// target without its trailing slashes; nothing for a regex).
    pub fn find<'a>(
        list: &'a [Entry],
        uri: &[u8],
        redirect: bool,
    ) -> Option<(&'a Entry, Vec<u8>, usize)> {
        Entry::find_in(list.iter(), uri, redirect)
    }

    /// [`Entry::find`] over any entries.
    pub fn find_in<'a>(
        list: impl IntoIterator<Item = &'a Entry>,
        uri: &[u8],
        redirect: bool,
    ) -> Option<(&'a Entry, Vec<u8>, usize)> {
        for e in list {
            match &e.pattern {
                Pattern::Prefix(p) => {
                    let Some(l) = prefix_match(uri, p.as_bytes()) else {
                        continue;
                    };
                    let mut out = e.target.as_deref().unwrap_or("").as_bytes().to_vec();
                    let own = out.len() - out.iter().rev().take_while(|&&b| b == b'/').count();
                    if e.whole {
                        return Some((e, out, own));
                    }
                    if redirect {
                        crate::http::uri::escape_path(&uri[l..], &mut out);
                    } else {
                        out.extend_from_slice(&uri[l..]);
                    }
                    return Some((e, out, own));
                }
                Pattern::Regex(re) => {
                    let Some(caps) = re.captures(uri) else {
                        continue;
                    };
                    let mut out = Vec::new();
                    if let Some(t) = &e.target {
                        substitute(t.as_bytes(), &caps, &mut out);
                    }
                    if redirect && e.target.is_some() {
                        out = escape_url(&out);
                    }
                    // The target's literal directory: up to the last `/`
                    // before its first substitution.
                    let t = e.target.as_deref().unwrap_or("").as_bytes();
                    let lit = t
                        .iter()
                        .position(|b| matches!(b, b'$' | b'\\'))
                        .unwrap_or(t.len());
                    let own = memchr::memrchr(b'/', &t[..lit])
                        .filter(|&i| out.starts_with(&t[..i]))
                        .unwrap_or(0);
                    return Some((e, out, own));
                }
            }
        }
        None
    }
}

/// httpd's `alias_matches`: the length of `uri` the prefix `alias`
/// covers, or `None`.
pub fn prefix_match(uri: &[u8], alias: &[u8]) -> Option<usize> {
    let (mut a, mut u) = (0, 0);
    while a < alias.len() {
        if alias[a] == b'/' {
            if uri.get(u) != Some(&b'/') {
                return None;
            }
            while alias.get(a) == Some(&b'/') {
                a += 1;
            }
            while uri.get(u) == Some(&b'/') {
                u += 1;
            }
        } else {
            if uri.get(u) != Some(&alias[a]) {
                return None;
            }
            a += 1;
            u += 1;
        }
    }
    // The alias's last component must have matched a whole one.
    if alias.last() != Some(&b'/') && u < uri.len() && uri[u] != b'/' {
        return None;
    }
    Some(u)
}

/// httpd's `ap_pregsub`: `$0`…`$9` replaced by what the groups matched
/// (nothing for a group that did not take part); a backslash makes the
/// next `$` or `&` literal (a bare `&` is literal too: apache2 2.4.67
/// redirects `^/rmw/(.*)/(.*)$` to `…/$2/$1?x=&y` with the `&` as is).
pub fn substitute(template: &[u8], caps: &regex::bytes::Captures<'_>, out: &mut Vec<u8>) {
    let mut i = 0;
    while i < template.len() {
        let c = template[i];
        i += 1;
        let group = match c {
            b'$' if template.get(i).is_some_and(u8::is_ascii_digit) => {
                i += 1;
                Some((template[i - 1] - b'0') as usize)
            }
            b'\\' if matches!(template.get(i), Some(b'$' | b'&')) => {
                out.push(template[i]);
                i += 1;
                None
            }
            _ => {
                out.push(c);
                None
            }
        };
        if let Some(g) = group {
            if let Some(m) = caps.get(g) {
                out.extend_from_slice(m.as_bytes());
            }
        }
    }
}

/// A `RedirectMatch` target as httpd escapes it: the URL before its query
/// and fragment escaped as `ap_escape_uri`, then `?query` and
/// `#fragment` as they were.
fn escape_url(url: &[u8]) -> Vec<u8> {
    let hash = memchr::memchr(b'#', url).unwrap_or(url.len());
    let q = memchr::memchr(b'?', &url[..hash]).unwrap_or(hash);
    let mut out = Vec::with_capacity(url.len() + 8);
    crate::http::uri::escape_path(&url[..q], &mut out);
    out.extend_from_slice(&url[q..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_as_alias_matches() {
        // (Each verdict is what apache2 did with the same Alias lines.)
        assert_eq!(prefix_match(b"/al/f.txt", b"/al/"), Some(4));
        assert_eq!(prefix_match(b"/al", b"/al/"), None);
        assert_eq!(prefix_match(b"/al//f.txt", b"/al/"), Some(5));
        assert_eq!(prefix_match(b"/noslash", b"/noslash"), Some(8));
        assert_eq!(prefix_match(b"/noslash/f", b"/noslash"), Some(8));
        assert_eq!(prefix_match(b"/noslashx", b"/noslash"), None);
        assert_eq!(prefix_match(b"/AL/f.txt", b"/al/"), None);
        assert_eq!(prefix_match(b"/x", b"/"), Some(1));
    }

    #[test]
    fn substitution_as_pregsub() {
        let re = Regex::new("^/rm/(.*)$").unwrap();
        let caps = re.captures(b"/rm/abc").unwrap();
        let mut out = Vec::new();
        substitute(b"http://e/m/$1?x=1&y \\& \\$1 $2 $0", &caps, &mut out);
        assert_eq!(out, b"http://e/m/abc?x=1&y & $1  /rm/abc".to_vec());
    }

    #[test]
    fn redirect_targets_escaped() {
        let list = vec![
            Entry {
                pattern: Pattern::Prefix("/r1".into()),
                target: Some("http://example.com/new".into()),
                status: 302,
                whole: false,
            },
            Entry {
                pattern: Pattern::Regex(Regex::new("^/rm/(.*)$").unwrap()),
                target: Some("http://example.com/m/$1".into()),
                status: 302,
                whole: false,
            },
        ];
        let got = |u: &[u8]| Entry::find(&list, u, true).map(|(_, v, _)| v);
        assert_eq!(
            got("/r1/é".as_bytes()),
            Some(b"http://example.com/new/%c3%a9".to_vec())
        );
        assert_eq!(
            got(b"/r1/x;y~%"),
            Some(b"http://example.com/new/x;y~%25".to_vec())
        );
        assert_eq!(got(b"/r1x"), None);
        assert_eq!(
            got(b"/rm/a b"),
            Some(b"http://example.com/m/a%20b".to_vec())
        );
    }
}
