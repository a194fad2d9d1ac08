//! mod_authz_core's per-directory record, its merge, and the evaluation
//! of its `Require` tree.

use std::net::IpAddr;
use std::sync::Arc;

use crate::dns::Need;
use crate::merge::Merge;
use crate::modules::authz_host::ip::Subnet;
use crate::modules::core::methods::MethodSet;

/// `AuthMerging`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Merging {
    /// `Off` (the default): a scope's own `Require` lines replace its
    /// parent's.
    Off,
    /// `And`: the parent's and this scope's must both grant.
    And,
    /// `Or`: either may grant.
    Or,
}

/// What [`Node::eval`] reports of a node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// Its verdict (AH01626).
    Result(Verdict),
    /// Its verdict without evaluation: a `<Limit>` for other methods
    /// (AH01625).
    Limited(Verdict),
    /// A `host` line found no client name (AH01753, before its result).
    NoHost,
    /// A `user` line did not name the authenticated user (AH01663,
    /// before its result).
    NotUser,
}

/// A provider's answer, or a container's, as httpd's `authz_status`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Access granted.
    Granted,
    /// Access refused.
    Denied,
    /// Neither (a negated line that did not match).
    Neutral,
    /// Refused for now: an authenticated user may change the answer
    /// (httpd's `AUTHZ_DENIED_NO_USER`).
    DeniedNoUser,
}

impl Verdict {
    /// The word httpd's AH01626 debug line uses.
    pub fn word(self) -> &'static str {
        match self {
            Verdict::Granted => "granted",
            Verdict::Denied => "denied",
            Verdict::Neutral => "neutral",
            Verdict::DeniedNoUser => "denied (no authenticated user yet)",
        }
    }

    /// A negated line's or container's verdict: granted becomes denied,
    /// denied becomes neutral (not being refused grants nothing).
    fn negated(self) -> Verdict {
        match self {
            Verdict::Granted => Verdict::Denied,
            Verdict::Denied | Verdict::DeniedNoUser | Verdict::Neutral => Verdict::Neutral,
        }
    }
}

/// The authorization providers spoor has.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Provider {
    /// `all granted|denied` (mod_authz_core).
    All(bool),
    /// `ip …` (mod_authz_host).
    Ip(Vec<Subnet>),
    /// `local` (mod_authz_host): loopback, or the server's own address.
    Local,
    /// `host …` (mod_authz_host): the client's double-reverse name ends
    /// in one of these.
    Host(Vec<String>),
    /// `forward-dns …` (mod_authz_host): one of these names resolves to
    /// the client's address.
    ForwardDns(Vec<String>),
    /// `valid-user` (mod_authz_user): any authenticated user.
    ValidUser,
    /// `user …` (mod_authz_user): the authenticated user is one of these.
    User(Vec<String>),
}

/// One node of the tree: a `Require` line or a container.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Node {
    /// `Require not …`, `<RequireNone>`.
    pub negate: bool,
    /// The methods it applies to (`<Limit>`; a container: also those
    /// of its children).
    pub limited: MethodSet,
    /// What it is.
    pub kind: Kind,
}

/// A line or a container.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A `Require` line: the provider and the text after its name (for
    /// the debug line).
    Line(Provider, String),
    /// A container: `and` for `<RequireAll>` (and a merge by `AuthMerging
    /// And`), else any child may grant; `merged` when made by
    /// `AuthMerging`.
    Group {
        /// All must grant (else: any).
        and: bool,
        /// Made by `AuthMerging And|Or`.
        merged: bool,
        /// The lines and containers inside, in order.
        children: Vec<Node>,
    },
}

impl Node {
    /// An empty container for the methods `limited`.
    pub fn group(and: bool, negate: bool, limited: MethodSet) -> Node {
        Node {
            negate,
            limited,
            kind: Kind::Group {
                and,
                merged: false,
                children: Vec::new(),
            },
        }
    }

    /// Whether any grant of the children is needed (`<RequireAny>`,
    /// `<RequireNone>`: a negated line there has no effect).
    pub fn is_or(&self) -> bool {
        matches!(self.kind, Kind::Group { and: false, .. })
    }

    /// How httpd names the node in its messages (`Require not ip 10.1`,
    /// `<RequireNone>`; a merge by `AuthMerging And` is `AuthMerging
    /// All`, by `Or` `AuthMerging Any`).
    pub fn describe(&self) -> String {
        match &self.kind {
            Kind::Line(p, rest) => {
                let name = match p {
                    Provider::All(_) => "all",
                    Provider::Ip(_) => "ip",
                    Provider::Local => "local",
                    Provider::Host(_) => "host",
                    Provider::ForwardDns(_) => "forward-dns",
                    Provider::ValidUser => "valid-user",
                    Provider::User(_) => "user",
                };
                let not = if self.negate { "not " } else { "" };
                format!("Require {not}{name} {rest}")
            }
            Kind::Group {
                and, merged: true, ..
            } => format!("AuthMerging {}", if *and { "All" } else { "Any" }),
            Kind::Group { and, .. } => match (self.negate, and) {
                (false, true) => "<RequireAll>".into(),
                (false, false) => "<RequireAny>".into(),
                (true, true) => "<RequireNotAll>".into(),
                (true, false) => "<RequireNone>".into(),
            },
        }
    }

    /// Every `forward-dns` name in the tree.
    pub fn forward_names<'a>(&'a self, out: &mut Vec<&'a str>) {
        match &self.kind {
            Kind::Line(Provider::ForwardDns(names), _) => {
                out.extend(names.iter().map(String::as_str));
            }
            Kind::Line(..) => {}
            Kind::Group { children, .. } => {
                for c in children {
                    c.forward_names(out);
                }
            }
        }
    }

    /// Whether the tree has a `host` line.
    pub fn uses_host(&self) -> bool {
        match &self.kind {
            Kind::Line(Provider::Host(_), _) => true,
            Kind::Line(..) => false,
            Kind::Group { children, .. } => children.iter().any(Node::uses_host),
        }
    }

    /// Evaluates the tree as httpd does (a container stops at the first
    /// child that decides it); `on_result` sees each node evaluated and
    /// its verdict, children first (httpd's AH01626 debug lines), and
    /// with `None` a `host` line that found no client name (AH01753,
    /// before that line's verdict). A line
    /// that needs a lookup not done yet stops it with that need (the
    /// evaluation is then repeated from the start once it is done).
    ///
    /// `parent_and`: the enclosing container needs all its children (the
    /// tree's root is evaluated so): a node for other methods then
    /// counts as granted, else as neutral.
    pub(crate) fn eval(
        &self,
        c: &Client<'_>,
        parent_and: bool,
        on_result: &mut dyn FnMut(&Node, Event),
    ) -> Result<Verdict, Need> {
        if !self.limited.contains(c.method) {
            let v = if parent_and {
                Verdict::Granted
            } else {
                Verdict::Neutral
            };
            on_result(self, Event::Limited(v));
            return Ok(v);
        }
        let v = match &self.kind {
            Kind::Line(p, _) => {
                let v = c.check(p)?;
                if matches!(p, Provider::Host(_)) && c.host.is_none() {
                    on_result(self, Event::NoHost);
                }
                if matches!(p, Provider::User(_)) && v == Verdict::Denied {
                    on_result(self, Event::NotUser);
                }
                if self.negate {
                    v.negated()
                } else {
                    v
                }
            }
            Kind::Group { and, children, .. } => {
                let mut v = Verdict::Neutral;
                // httpd's combination: a denial that a user may change
                // (`DeniedNoUser`) wins over a plain one under OR and
                // loses to it under AND.
                for child in children {
                    match child.eval(c, *and, on_result)? {
                        Verdict::Neutral => {}
                        Verdict::Denied if *and => {
                            v = Verdict::Denied;
                            break;
                        }
                        Verdict::Granted if !*and => {
                            v = Verdict::Granted;
                            break;
                        }
                        Verdict::DeniedNoUser
                            if (*and && v != Verdict::Denied)
                                || (!*and && v == Verdict::Denied) =>
                        {
                            v = Verdict::DeniedNoUser;
                        }
                        r => {
                            if v == Verdict::Neutral {
                                v = r;
                            }
                        }
                    }
                }
                if self.negate {
                    v.negated()
                } else {
                    v
                }
            }
        };
        on_result(self, Event::Result(v));
        Ok(v)
    }
}

/// What a provider knows of the request.
pub(crate) struct Client<'a> {
    /// The request method.
    pub(crate) method: &'a [u8],
    /// The client's address.
    pub(crate) ip: IpAddr,
    /// The server's address on this connection.
    pub(crate) local: IpAddr,
    /// The client's name, forward-confirmed (`None`: none, or not
    /// confirmed).
    pub(crate) host: Option<&'a str>,
    /// Each `forward-dns` name looked up so far, with its addresses.
    pub(crate) forward: &'a [(String, Vec<IpAddr>)],
    /// Lookups not done yet may be asked for (else they count as
    /// failed: a sub-request cannot wait).
    pub(crate) may_wait: bool,
    /// The client's name has not been looked up yet.
    pub(crate) host_pending: bool,
    /// The authenticated user (`None`: none yet).
    pub(crate) user: Option<&'a [u8]>,
}

impl Client<'_> {
    fn check(&self, p: &Provider) -> Result<Verdict, Need> {
        match p {
            Provider::Host(_) if self.may_wait && self.host_pending => {
                return Err(Need::DoubleReverse)
            }
            Provider::ForwardDns(names)
                if self.may_wait
                    && names
                        .iter()
                        .any(|n| !self.forward.iter().any(|(f, _)| f == n)) =>
            {
                return Err(Need::ForwardDns)
            }
            _ => {}
        }
        let grant = match p {
            Provider::ValidUser | Provider::User(_) if self.user.is_none() => {
                return Ok(Verdict::DeniedNoUser)
            }
            Provider::ValidUser => true,
            Provider::User(names) => {
                let u = self.user.unwrap_or_default();
                names.iter().any(|n| n.as_bytes() == u)
            }
            Provider::All(g) => *g,
            Provider::Ip(subnets) => subnets.iter().any(|s| s.contains(self.ip)),
            Provider::Local => {
                self.ip.to_canonical() == self.local.to_canonical()
                    || LOOPBACK.iter().any(|s| s.contains(self.ip))
            }
            Provider::Host(names) => self
                .host
                .is_some_and(|h| names.iter().any(|n| in_domain(n, h))),
            Provider::ForwardDns(names) => names.iter().any(|n| {
                self.forward.iter().any(|(f, addrs)| {
                    f == n
                        && addrs
                            .iter()
                            .any(|a| a.to_canonical() == self.ip.to_canonical())
                })
            }),
        };
        Ok(if grant {
            Verdict::Granted
        } else {
            Verdict::Denied
        })
    }
}

/// `Require local`'s fixed ranges: 127.0.0.0/8 and ::1.
const LOOPBACK: [Subnet; 2] = [
    Subnet::V4(0x7f00_0000, 0xff00_0000),
    Subnet::V6(1, u128::MAX),
];

/// Whether host name `what` is `domain` or lies in it: the end of `what`
/// equals `domain` (ignoring case) on a label boundary (or `domain`
/// starts with a dot).
pub fn in_domain(domain: &str, what: &str) -> bool {
    let (d, w) = (domain.as_bytes(), what.as_bytes());
    if w.len() < d.len() || !w[w.len() - d.len()..].eq_ignore_ascii_case(d) {
        return false;
    }
    w.len() == d.len() || d.first() == Some(&b'.') || w[w.len() - d.len() - 1] == b'.'
}

/// mod_authz_core's per-directory settings: the `Require` tree of a scope
/// (its lines are an implicit `<RequireAny>`) and its `AuthMerging`.
/// `Default`: no mod_authz_core directive here.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuthzDir {
    /// The tree (`None`: no `Require` here or inherited).
    pub section: Option<Arc<Node>>,
    /// `AuthMerging` of this scope (`None`: not set).
    pub merging: Option<Merging>,
}

#[cfg(test)]
impl AuthzDir {
    /// Whether the tree grants a client at 192.0.2.1 (`None`: no tree).
    pub(crate) fn grants_for_test(&self) -> Option<bool> {
        let c = Client {
            method: b"GET",
            ip: "192.0.2.1".parse().unwrap(),
            local: "192.0.2.2".parse().unwrap(),
            host: None,
            forward: &[],
            may_wait: false,
            host_pending: false,
            user: None,
        };
        let s = self.section.as_ref()?;
        Some(s.eval(&c, true, &mut |_, _| {}) == Ok(Verdict::Granted))
    }
}

impl Merge for AuthzDir {
    fn merge(base: &Self, add: &Self) -> Self {
        match (add.merging, &add.section, &base.section) {
            // Nothing of mod_authz_core in the added scope.
            (None, None, _) => base.clone(),
            (None | Some(Merging::Off), _, _) | (_, None, None) => add.clone(),
            (Some(m), new, old) => {
                let section = match (old, new) {
                    (Some(old), Some(new)) => Arc::new(Node {
                        negate: false,
                        limited: old.limited.union(&new.limited),
                        kind: Kind::Group {
                            and: m == Merging::And,
                            merged: true,
                            children: vec![(**old).clone(), (**new).clone()],
                        },
                    }),
                    (Some(s), None) | (None, Some(s)) => s.clone(),
                    (None, None) => unreachable!("handled above"),
                };
                AuthzDir {
                    section: Some(section),
                    merging: Some(m),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(negate: bool, p: Provider) -> Node {
        Node {
            negate,
            limited: MethodSet::all(),
            kind: Kind::Line(p, String::new()),
        }
    }

    fn group(and: bool, negate: bool, children: Vec<Node>) -> Node {
        let mut g = Node::group(and, negate, MethodSet::all());
        if let Kind::Group { children: c, .. } = &mut g.kind {
            *c = children;
        }
        g
    }

    fn client(ip: &str) -> Client<'static> {
        Client {
            method: b"GET",
            ip: ip.parse().unwrap(),
            local: "10.9.9.9".parse().unwrap(),
            host: Some("www.example.com"),
            forward: &[],
            may_wait: true,
            host_pending: false,
            user: None,
        }
    }

    fn ip(s: &str) -> Provider {
        Provider::Ip(vec![Subnet::parse_text(s).unwrap()])
    }

    #[test]
    fn evaluation_as_httpd() {
        let c = client("10.1.2.3");
        let mut seen = Vec::new();
        let mut log = |n: &Node, e: Event| {
            seen.push(format!(
                "{} {}",
                n.describe(),
                match e {
                    Event::Result(v) => v.word(),
                    Event::Limited(_) => "limited",
                    Event::NoHost => "no name",
                    Event::NotUser => "not user",
                }
            ))
        };
        // RequireAll: ip 10/8 and not ip 10.1/16: denied.
        let t = group(
            true,
            false,
            vec![line(false, ip("10.0.0.0/8")), line(true, ip("10.1"))],
        );
        assert_eq!(t.eval(&c, true, &mut log).unwrap(), Verdict::Denied);
        // Only a negated line that does not match: neutral.
        let t = group(true, false, vec![line(true, ip("10.2"))]);
        assert_eq!(t.eval(&c, true, &mut log).unwrap(), Verdict::Neutral);
        // RequireNone of a matching line: denied; of none matching: neutral.
        assert_eq!(
            group(false, true, vec![line(false, ip("10.1"))])
                .eval(&c, true, &mut log)
                .unwrap(),
            Verdict::Denied
        );
        assert_eq!(
            group(false, true, vec![line(false, ip("10.2"))])
                .eval(&c, true, &mut log)
                .unwrap(),
            Verdict::Neutral
        );
        // RequireAny stops at the first grant.
        seen.clear();
        let mut log = |n: &Node, e: Event| {
            seen.push(format!(
                "{} {}",
                n.describe(),
                match e {
                    Event::Result(v) => v.word(),
                    Event::Limited(_) => "limited",
                    Event::NoHost => "no name",
                    Event::NotUser => "not user",
                }
            ))
        };
        let t = group(
            false,
            false,
            vec![
                line(false, Provider::All(false)),
                line(false, Provider::Local),
                line(false, Provider::Host(vec!["example.com".into()])),
                line(false, Provider::All(true)),
            ],
        );
        assert_eq!(t.eval(&c, true, &mut log).unwrap(), Verdict::Granted);
        assert_eq!(
            seen,
            [
                "Require all  denied",
                "Require local  denied",
                "Require host  granted",
                "<RequireAny> granted"
            ]
        );
    }

    #[test]
    fn limited_to_other_methods() {
        let post = MethodSet::of(&["POST".to_string()], false);
        let mut denied = line(false, Provider::All(false));
        denied.limited = post.clone();
        let mut root = group(false, false, vec![denied]);
        root.limited = post;
        let c = client("10.1.2.3");
        let mut seen = Vec::new();
        let mut log = |n: &Node, e: Event| seen.push((n.describe(), e));
        // Not for GET: the root, under an implicit AND, grants.
        assert_eq!(root.eval(&c, true, &mut log), Ok(Verdict::Granted));
        assert_eq!(
            seen,
            [("<RequireAny>".to_string(), Event::Limited(Verdict::Granted))]
        );
        let p = Client {
            method: b"POST",
            ..c
        };
        assert_eq!(root.eval(&p, true, &mut |_, _| {}), Ok(Verdict::Denied));
        // Under an OR parent a node for other methods is neutral.
        assert_eq!(root.eval(&c, false, &mut |_, _| {}), Ok(Verdict::Neutral));
    }

    #[test]
    fn local_and_domains() {
        let c = client("127.3.0.1");
        assert_eq!(c.check(&Provider::Local), Ok(Verdict::Granted));
        assert_eq!(
            client("10.9.9.9").check(&Provider::Local),
            Ok(Verdict::Granted)
        );
        assert_eq!(
            client("10.9.9.8").check(&Provider::Local),
            Ok(Verdict::Denied)
        );
        let waiting = Client {
            host_pending: true,
            ..client("10.9.9.8")
        };
        let host = Provider::Host(vec!["example.com".into()]);
        assert_eq!(waiting.check(&host), Err(Need::DoubleReverse));
        let fwd = Provider::ForwardDns(vec!["a.test".into()]);
        assert_eq!(waiting.check(&fwd), Err(Need::ForwardDns));
        let sub = Client {
            may_wait: false,
            host: None,
            ..waiting
        };
        assert_eq!(sub.check(&host), Ok(Verdict::Denied));
        assert_eq!(sub.check(&fwd), Ok(Verdict::Denied));
        assert!(in_domain("example.com", "www.example.com"));
        assert!(in_domain("EXAMPLE.com", "example.com"));
        assert!(!in_domain("ample.com", "www.example.com"));
        assert!(in_domain(".com", "x.com"));
        assert!(!in_domain("www.example.com", "example.com"));
    }

    #[test]
    fn merge_as_httpd() {
        let s = |p| Some(Arc::new(group(false, false, vec![line(false, p)])));
        let base = AuthzDir {
            section: s(Provider::All(false)),
            merging: None,
        };
        let none = AuthzDir::default();
        assert_eq!(AuthzDir::merge(&base, &none), base);
        let add = AuthzDir {
            section: s(Provider::All(true)),
            merging: None,
        };
        assert_eq!(AuthzDir::merge(&base, &add), add);
        // AuthMerging Off alone drops the parent's lines.
        let off = AuthzDir {
            section: None,
            merging: Some(Merging::Off),
        };
        assert_eq!(AuthzDir::merge(&base, &off).section, None);
        let and = AuthzDir {
            section: s(Provider::All(true)),
            merging: Some(Merging::And),
        };
        let m = AuthzDir::merge(&base, &and);
        assert_eq!(
            m.section
                .unwrap()
                .eval(&client("1.1.1.1"), true, &mut |_, _| {})
                .unwrap(),
            Verdict::Denied
        );
        let or = AuthzDir {
            merging: Some(Merging::Or),
            ..and
        };
        let m = AuthzDir::merge(&base, &or);
        let root = m.section.unwrap();
        assert_eq!(root.describe(), "AuthMerging Any");
        assert_eq!(
            root.eval(&client("1.1.1.1"), true, &mut |_, _| {}).unwrap(),
            Verdict::Granted
        );
    }
}
