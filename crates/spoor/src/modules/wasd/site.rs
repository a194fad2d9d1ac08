//! WASD services, mapping rules and content types at request time.
//!
//! A WASD configuration (`spoor --wasd FILE`, read by
//! [`crate::config::wasd::read_wasd`]) describes its site with three things the
//! Apache dialect has no direct words for; this module holds them in the
//! running configuration ([`crate::site::Config::wasd`]):
//!
//! * **Services** (`[Service]`): each is a virtual server, chosen by the
//!   request's `Host` among the services on the interface's address and
//!   port. A request without `Host` goes to the *base* service of the
//!   interface (the first one configured there). A `Host` that names no
//!   service is an *unknown service*: redirected to
//!   `[ServiceNotFoundURL]` when that is set, else served by the base
//!   service with only the mapping rules that apply to every service.
//! * **Mapping rules** (the HTTPD$MAP file, `--wasd-map FILE`): `pass`,
//!   `map` and `fail` rules with `*` wildcards, in `[[host:port]]`,
//!   `[[host]]` and `[[*]]` sections, give each path its file (the
//!   `set PATH report=` rules go to each service's
//!   [`crate::modules::wasd::report::WasdReport`]).
//! * **Content types** (`[AddType]`): by file type (the suffix after the
//!   last dot), with the `*` catch-all entry's description as the type of
//!   everything else (`application/octet-stream` without one), and the
//!   `?httpd=content&type=TYPE` query that names the type of one response.
//!
//! Choices where WASD's documentation is silent (each documented in
//! ARCHITECTURE.md): mapping results are paths below the ServerRoot
//! (`pass /web/* /site/web/*` serves `SERVERROOT/site/web/…`); templates
//! match without regard to case, an earlier `*` matching as little as it
//! can; a path no `pass` or `map` rule maps is refused with 403, as a
//! `fail` rule refuses it.

use spoor_log::glob;
use std::collections::HashMap;
use std::net::IpAddr;
use std::path::PathBuf;

/// One `[Service]` line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Service {
    /// The host name, lower case (the local host name when the line gave
    /// none).
    pub host: String,
    /// The port (80 when the line gave none).
    pub port: u16,
    /// The address the service listens on: `;bind=ADDR` (a spoor
    /// extension) or a numeric host; `None` listens on every address.
    pub bind: Option<IpAddr>,
    /// `;track` (`Some(true)`) or `;notrack` (`Some(false)`).
    pub track: Option<bool>,
    /// Where the line was.
    pub file: PathBuf,
    /// Its line number.
    pub line: usize,
}

/// A request's service, as [`WasdSite::select`] found it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Selected {
    /// The server index (0 is the main server, service `i` is `i + 1`).
    pub server: usize,
    /// The `Host` named a configured service, or there was no `Host`.
    /// `false`: an unknown service, served by the interface's base
    /// service.
    pub known: bool,
}

/// The WASD parts of a running configuration.
#[derive(Clone, Debug, Default)]
pub struct WasdSite {
    /// The services in configuration order; the first is the
    /// administration service.
    pub services: Vec<Service>,
    /// The mapping rules.
    pub map: MapRules,
    /// `[AddType]`.
    pub types: ContentTypes,
    /// `[ServiceNotFoundURL]`.
    pub not_found_url: Option<String>,
}

fn canonical_ip(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

impl WasdSite {
    /// The service for a request that arrived on `local_ip`:`local_port`
    /// with `host` (lower case, no port, no trailing dot), if it sent one.
    pub fn select(&self, local_ip: IpAddr, local_port: u16, host: Option<&[u8]>) -> Selected {
        let ip = canonical_ip(local_ip);
        let here =
            |s: &Service| s.port == local_port && s.bind.is_none_or(|b| canonical_ip(b) == ip);
        let base = self.services.iter().position(here);
        let Some(base) = base else {
            // No service on this interface (not reachable: spoor listens
            // only where services are); the administration service.
            return Selected {
                server: 1,
                known: false,
            };
        };
        let Some(host) = host.filter(|h| !h.is_empty()) else {
            return Selected {
                server: base + 1,
                known: true,
            };
        };
        match self
            .services
            .iter()
            .position(|s| here(s) && s.host.as_bytes() == host)
        {
            Some(i) => Selected {
                server: i + 1,
                known: true,
            },
            None => Selected {
                server: base + 1,
                known: false,
            },
        }
    }

    /// The service of server index `server`, if it is one.
    pub fn service(&self, server: usize) -> Option<&Service> {
        server.checked_sub(1).and_then(|i| self.services.get(i))
    }

    /// `[ServiceNotFoundURL]` as a `Location` value: a network-path
    /// reference (`//host/path`) gets the `http:` scheme.
    pub fn not_found_location(&self) -> Option<Vec<u8>> {
        let u = self.not_found_url.as_deref()?;
        let mut v = Vec::with_capacity(u.len() + 5);
        if u.starts_with("//") {
            v.extend_from_slice(b"http:");
        }
        v.extend_from_slice(u.as_bytes());
        Some(v)
    }
}

/// What a mapping-file section applies to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MapScope {
    /// Every service (rules before any section, and after `[[*]]`).
    All,
    /// `[[host]]`: every port of the host.
    Host(String),
    /// `[[host:port]]`: one service.
    Service(String, u16),
}

impl MapScope {
    /// Whether rules in this section apply to `service` (`None`: an
    /// unknown service).
    pub fn applies(&self, service: Option<(&str, u16)>) -> bool {
        match (self, service) {
            (MapScope::All, _) => true,
            (MapScope::Host(h), Some((sh, _))) => h == sh,
            (MapScope::Service(h, p), Some((sh, sp))) => h == sh && *p == sp,
            (_, None) => false,
        }
    }
}

/// A rule's verb.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verb {
    /// `pass TEMPLATE [RESULT]`: the path (or the result) is the file;
    /// mapping ends.
    Pass,
    /// `map TEMPLATE RESULT`: the path becomes the result; mapping goes on
    /// with the next rule.
    Map,
    /// `fail TEMPLATE`: refused (403); mapping ends.
    Fail,
}

/// One mapping rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    /// Where it applies.
    pub scope: MapScope,
    /// What it does.
    pub verb: Verb,
    /// The path template (lower case; `*` matches any run of bytes).
    pub template: Vec<u8>,
    /// The result (`*` replaced by the template's matches in order).
    pub result: Option<Vec<u8>>,
    /// Where the rule was.
    pub file: PathBuf,
    /// Its line number.
    pub line: usize,
}

/// The mapping rules of a site, in file order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MapRules {
    /// The rules.
    pub rules: Vec<Rule>,
}

/// The outcome of mapping a path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mapped {
    /// The file: a path below the ServerRoot, starting with `/`.
    File(Vec<u8>),
    /// Refused: a `fail` rule, or no rule mapped the path.
    Fail,
}

impl MapRules {
    /// The rules that apply to a service (`None`: an unknown service,
    /// which only the rules for every service apply to), in order.
    pub fn applicable<'a>(
        &'a self,
        service: Option<(&'a str, u16)>,
    ) -> impl Iterator<Item = &'a Rule> + 'a {
        self.rules.iter().filter(move |r| r.scope.applies(service))
    }

    /// Maps the (decoded, normalised) request path for a service.
    pub fn map(&self, service: Option<(&str, u16)>, path: &[u8]) -> Mapped {
        self.map_rooted(service, path).0
    }

    /// [`MapRules::map`], with the length of the mapped root: the
    /// directory the `pass` rule's result (or template, without a result)
    /// names before its first `*` (without a `*`, the file's directory).
    /// The result starts with that text, so the length indexes it; 0 means
    /// the ServerRoot itself. Symbolic links are followed only to targets
    /// below this directory.
    pub fn map_rooted(&self, service: Option<(&str, u16)>, path: &[u8]) -> (Mapped, usize) {
        let mut cur = path.to_vec();
        let mut caps = Vec::new();
        for r in self.applicable(service) {
            if !glob::captures(glob::WASD, &r.template, &cur, &mut caps) {
                continue;
            }
            match r.verb {
                Verb::Fail => return (Mapped::Fail, 0),
                Verb::Pass | Verb::Map => {
                    let next = match &r.result {
                        Some(res) => substitute(res, &cur, &caps),
                        None => cur.clone(),
                    };
                    if r.verb == Verb::Pass {
                        if !safe_path(&next) {
                            return (Mapped::Fail, 0);
                        }
                        let shape = r.result.as_deref().unwrap_or(&r.template);
                        let fixed = match memchr::memchr(b'*', shape) {
                            Some(i) => &shape[..i],
                            None => &next[..],
                        };
                        let root = memchr::memrchr(b'/', fixed).unwrap_or(0);
                        return (Mapped::File(next), root);
                    }
                    cur = next;
                }
            }
        }
        (Mapped::Fail, 0)
    }
}

/// A result that stays below the ServerRoot: absolute, no `..` segment.
fn safe_path(p: &[u8]) -> bool {
    p.first() == Some(&b'/') && !p.split(|&b| b == b'/').any(|s| s == b"..")
}

/// Replaces each `*` of `result` with the next capture of `s`.
fn substitute(result: &[u8], s: &[u8], caps: &[(usize, usize)]) -> Vec<u8> {
    let mut out = Vec::with_capacity(result.len() + s.len());
    let mut k = 0;
    for &b in result {
        if b == b'*' {
            if let Some(&(a, e)) = caps.get(k) {
                out.extend_from_slice(&s[a..e]);
            }
            k += 1;
        } else {
            out.push(b);
        }
    }
    out
}

/// The number of `*` in a template or result.
pub fn stars(s: &[u8]) -> usize {
    s.iter().filter(|&&b| b == b'*').count()
}

/// `[AddType]`: content types by file type, and the catch-all default.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContentTypes {
    /// Lower-case suffix (no dot) → type.
    types: HashMap<Box<[u8]>, Box<[u8]>>,
    /// The type of a file whose suffix has no entry.
    default: Box<[u8]>,
}

impl Default for ContentTypes {
    fn default() -> Self {
        ContentTypes {
            types: HashMap::new(),
            default: (*b"application/octet-stream").into(),
        }
    }
}

impl ContentTypes {
    /// Adds (or replaces) the type of a suffix (without its dot).
    pub fn add(&mut self, suffix: &str, content_type: &str) {
        self.types.insert(
            suffix.to_ascii_lowercase().into_bytes().into(),
            content_type.as_bytes().into(),
        );
    }

    /// Sets the type of files no entry covers.
    pub fn set_default(&mut self, content_type: &str) {
        self.default = content_type.as_bytes().into();
    }

    /// The default type.
    pub fn default_type(&self) -> &[u8] {
        &self.default
    }

    /// The type of a file name: its file type is what follows the last dot
    /// (a name without a dot has none).
    pub fn lookup(&self, file_name: &[u8]) -> &[u8] {
        let Some(dot) = file_name.iter().rposition(|&b| b == b'.') else {
            return &self.default;
        };
        let ext = &file_name[dot + 1..];
        let mut lower = [0u8; 64];
        if ext.is_empty() || ext.len() > lower.len() {
            return &self.default;
        }
        let l = &mut lower[..ext.len()];
        l.copy_from_slice(ext);
        l.make_ascii_lowercase();
        self.types.get(&*l).map_or(&self.default, |t| t)
    }
}

/// The type named by a `?httpd=content&type=TYPE` query (WASD's explicit
/// content type), decoded; `None` when the query does not ask for one or
/// the type is not a plain header value.
pub fn forced_type(query: &[u8]) -> Option<Vec<u8>> {
    let mut content = false;
    let mut ty = None;
    for pair in query.split(|&b| b == b'&') {
        let (k, v) = match pair.iter().position(|&b| b == b'=') {
            Some(e) => (&pair[..e], &pair[e + 1..]),
            None => (pair, &b""[..]),
        };
        if k.eq_ignore_ascii_case(b"httpd") {
            content = v.eq_ignore_ascii_case(b"content");
        } else if k.eq_ignore_ascii_case(b"type") {
            ty = Some(v);
        }
    }
    if !content {
        return None;
    }
    let v = percent_decode(ty?)?;
    let ok = !v.is_empty() && v.contains(&b'/') && v.iter().all(|&b| (0x20..0x7f).contains(&b));
    ok.then_some(v)
}

/// Form decoding: `+` is a space, `%hh` a byte; `None` for a bad escape.
fn percent_decode(v: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(v.len());
    let mut i = 0;
    while i < v.len() {
        match v[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let h = v.get(i + 1..i + 3)?;
                let s = std::str::from_utf8(h).ok()?;
                out.push(u8::from_str_radix(s, 16).ok()?);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caps(pat: &str, s: &str) -> Option<Vec<String>> {
        let mut c = Vec::new();
        glob::captures(glob::WASD, pat.as_bytes(), s.as_bytes(), &mut c).then(|| {
            c.iter()
                .map(|&(a, e)| s[a..e].to_string())
                .collect::<Vec<_>>()
        })
    }

    #[test]
    fn templates_capture_in_order() {
        assert_eq!(
            caps("/ht_root/doc/*", "/HT_ROOT/doc/a/b.html"),
            Some(vec!["a/b.html".into()])
        );
        assert_eq!(
            caps("/*/-/*", "/httpd/-/admin/x"),
            Some(vec!["httpd".into(), "admin/x".into()])
        );
        assert_eq!(
            caps("/*/-/*", "/a/-/b/-/c"),
            Some(vec!["a".into(), "b/-/c".into()])
        );
        assert_eq!(caps("/", "/"), Some(vec![]));
        assert_eq!(caps("/", "/x"), None);
        assert_eq!(caps("/*", "/"), Some(vec!["".into()]));
        assert_eq!(
            caps("/a*b*", "/axxbyyb"),
            Some(vec!["xx".into(), "yyb".into()])
        );
        assert_eq!(caps("/x*.html", "/x1.htm"), None);
    }

    /// A naive recursive matcher, and the shortest-first captures it
    /// implies for each `*` in order.
    fn naive(p: &[u8], s: &[u8]) -> bool {
        match p.split_first() {
            None => s.is_empty(),
            Some((b'*', rest)) => (0..=s.len()).any(|k| naive(rest, &s[k..])),
            Some((&c, rest)) => s.first() == Some(&c) && naive(rest, &s[1..]),
        }
    }

    #[test]
    fn glob_agrees_with_a_naive_matcher() {
        // Every template and path over a small alphabet: the verdicts
        // agree, and on a match the captures put back into the template
        // give the path.
        fn all(alpha: &[u8], max: usize) -> Vec<Vec<u8>> {
            let mut out = vec![Vec::new()];
            let mut last = vec![Vec::new()];
            for _ in 0..max {
                let mut next = Vec::new();
                for w in &last {
                    for &c in alpha {
                        let mut v: Vec<u8> = w.clone();
                        v.push(c);
                        next.push(v);
                    }
                }
                out.extend(next.iter().cloned());
                last = next;
            }
            out
        }
        let pats = all(b"a/*", 5);
        let strs = all(b"a/b", 5);
        let mut caps = Vec::new();
        let mut matches = 0;
        for p in &pats {
            for s in &strs {
                let got = glob::captures(glob::WASD, p, s, &mut caps);
                assert_eq!(got, naive(p, s), "{p:?} {s:?}");
                if got {
                    matches += 1;
                    assert_eq!(caps.len(), stars(p));
                    assert_eq!(substitute(p, s, &caps), *s, "{p:?} {s:?} {caps:?}");
                }
            }
        }
        assert!(matches > 10_000, "{matches}");
    }

    fn rules(list: &[(MapScope, Verb, &str, Option<&str>)]) -> MapRules {
        MapRules {
            rules: list
                .iter()
                .map(|(scope, verb, t, r)| Rule {
                    scope: scope.clone(),
                    verb: verb.clone(),
                    template: t.as_bytes().to_vec(),
                    result: r.map(|r| r.as_bytes().to_vec()),
                    file: PathBuf::from("map"),
                    line: 1,
                })
                .collect(),
        }
    }

    #[test]
    fn seed_package_tree_example() {
        // The documented rules: pass four trees, refuse the rest of it.
        let m = rules(&[
            (MapScope::All, Verb::Pass, "/ht_root/doc/*", None),
            (MapScope::All, Verb::Pass, "/ht_root/src/*", None),
            (MapScope::All, Verb::Fail, "/ht_root/*", None),
            (MapScope::All, Verb::Pass, "/*", Some("/web/*")),
        ]);
        let f = |p: &str| m.map(Some(("a", 80)), p.as_bytes());
        assert_eq!(
            f("/ht_root/doc/x.html"),
            Mapped::File(b"/ht_root/doc/x.html".to_vec())
        );
        assert_eq!(f("/ht_root/local/x"), Mapped::Fail);
        assert_eq!(f("/index.html"), Mapped::File(b"/web/index.html".to_vec()));
    }

    #[test]
    fn mapped_roots() {
        let m = rules(&[
            (MapScope::All, Verb::Pass, "/ht_root/doc/*", None),
            (
                MapScope::All,
                Verb::Pass,
                "/one",
                Some("/web/files/one.html"),
            ),
            (MapScope::All, Verb::Map, "/old/*", Some("/new/*")),
            (MapScope::All, Verb::Pass, "/new/*", Some("/web/new/*")),
            (MapScope::All, Verb::Pass, "/*/x/*", Some("/*/y/*")),
            (MapScope::All, Verb::Pass, "/*", Some("/web/*")),
        ]);
        let root = |p: &str| match m.map_rooted(Some(("a", 80)), p.as_bytes()) {
            (Mapped::File(f), n) => String::from_utf8(f[..n].to_vec()).unwrap(),
            (Mapped::Fail, _) => "FAIL".into(),
        };
        // The template's fixed part (case kept as the path wrote it).
        assert_eq!(root("/HT_ROOT/doc/a/b.html"), "/HT_ROOT/doc");
        // No wildcard: the file's own directory.
        assert_eq!(root("/one"), "/web/files");
        // After a `map`, the `pass` rule's result.
        assert_eq!(root("/old/a/b"), "/web/new");
        // A wildcard in the first component: the ServerRoot itself.
        assert_eq!(root("/q/x/r"), "");
        assert_eq!(root("/index.html"), "/web");
    }

    #[test]
    fn service_sections_and_unknown_services() {
        let m = rules(&[
            (
                MapScope::All,
                Verb::Pass,
                "/*/-/*",
                Some("/ht_root/runtime/*/*"),
            ),
            (
                MapScope::Host("virtual1".into()),
                Verb::Pass,
                "/*",
                Some("/web/virtual1/*"),
            ),
            (
                MapScope::Service("virtual2".into(), 8000),
                Verb::Pass,
                "/*",
                Some("/web/virtual2/*"),
            ),
            (
                MapScope::All,
                Verb::Pass,
                "/*",
                Some("/web/servicenotfound.html"),
            ),
        ]);
        assert_eq!(
            m.map(Some(("virtual1", 8080)), b"/a"),
            Mapped::File(b"/web/virtual1/a".to_vec())
        );
        assert_eq!(
            m.map(Some(("virtual2", 8000)), b"/a"),
            Mapped::File(b"/web/virtual2/a".to_vec())
        );
        // Another port of virtual2 is not that service.
        assert_eq!(
            m.map(Some(("virtual2", 80)), b"/a"),
            Mapped::File(b"/web/servicenotfound.html".to_vec())
        );
        assert_eq!(
            m.map(None, b"/a"),
            Mapped::File(b"/web/servicenotfound.html".to_vec())
        );
        assert_eq!(
            m.map(None, b"/httpd/-/x.gif"),
            Mapped::File(b"/ht_root/runtime/httpd/x.gif".to_vec())
        );
    }

    #[test]
    fn map_continues_and_unmapped_fails() {
        let m = rules(&[
            (MapScope::All, Verb::Map, "/old/*", Some("/new/*")),
            (MapScope::All, Verb::Pass, "/new/*", Some("/site/*")),
        ]);
        assert_eq!(m.map(None, b"/old/a"), Mapped::File(b"/site/a".to_vec()));
        assert_eq!(m.map(None, b"/other"), Mapped::Fail);
        let m = rules(&[(MapScope::All, Verb::Pass, "/a*", Some("/x/.*"))]);
        assert_eq!(m.map(None, b"/a."), Mapped::Fail);
    }

    #[test]
    fn content_types() {
        let mut t = ContentTypes::default();
        t.add("HTML", "text/html; charset=ISO-8859-1");
        t.add("txt", "text/plain");
        assert_eq!(t.lookup(b"index.html"), b"text/html; charset=ISO-8859-1");
        assert_eq!(t.lookup(b"A.TXT"), b"text/plain");
        assert_eq!(t.lookup(b"a.txt.unknown"), b"application/octet-stream");
        assert_eq!(t.lookup(b"README"), b"application/octet-stream");
        t.set_default("text/plain");
        assert_eq!(t.lookup(b"README.1ST"), b"text/plain");
    }

    #[test]
    fn forced_types() {
        assert_eq!(
            forced_type(b"httpd=content&type=text/plain"),
            Some(b"text/plain".to_vec())
        );
        assert_eq!(
            forced_type(b"type=text/html%3B+charset%3Dutf-8&httpd=content"),
            Some(b"text/html; charset=utf-8".to_vec())
        );
        assert_eq!(forced_type(b"httpd=index&type=text/plain"), None);
        assert_eq!(forced_type(b"type=text/plain"), None);
        assert_eq!(forced_type(b"httpd=content"), None);
        assert_eq!(forced_type(b"httpd=content&type=a/b%0d%0aX:y"), None);
        assert_eq!(forced_type(b"httpd=content&type=%zz"), None);
    }

    #[test]
    fn service_selection() {
        let svc = |host: &str, port, bind: Option<&str>| Service {
            host: host.into(),
            port,
            bind: bind.map(|b| b.parse().unwrap()),
            track: None,
            file: PathBuf::new(),
            line: 1,
        };
        let site = WasdSite {
            services: vec![
                svc("alpha", 8080, None),
                svc("beta", 8080, None),
                svc("alpha", 8000, None),
                svc("gamma", 8080, Some("127.0.0.2")),
            ],
            ..WasdSite::default()
        };
        let lo: IpAddr = "127.0.0.1".parse().unwrap();
        let two: IpAddr = "::ffff:127.0.0.2".parse().unwrap();
        let s = |ip, port, host: Option<&str>| {
            let r = site.select(ip, port, host.map(str::as_bytes));
            (r.server, r.known)
        };
        assert_eq!(s(lo, 8080, Some("beta")), (2, true));
        assert_eq!(s(lo, 8080, None), (1, true));
        assert_eq!(s(lo, 8000, Some("alpha")), (3, true));
        // beta has no service on 8000: unknown, the base service serves.
        assert_eq!(s(lo, 8000, Some("beta")), (3, false));
        assert_eq!(s(lo, 8080, Some("127.0.0.1")), (1, false));
        // gamma listens on 127.0.0.2 only.
        assert_eq!(s(lo, 8080, Some("gamma")), (1, false));
        assert_eq!(s(two, 8080, Some("gamma")), (4, true));
    }
}
