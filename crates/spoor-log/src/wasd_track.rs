//! WASD access tracking (`[Track]`, `[TrackMultiSession]`,
//! `[TrackDomain]`): the token, the `WASDtrack` cookie, and recognising a
//! token a browser sends back.
//!
//! A token is 19 characters, the 14 bytes
//!
//! | bytes | field |
//! |---|---|
//! | 0–3 | time the token was made, seconds since the epoch, big-endian |
//! | 4–7 | the server's IPv4 address (the address the connection came in on) |
//! | 8–11 | the server's process id, big-endian |
//! | 12–13 | a per-process counter, big-endian |
//!
//! written six bits at a time with the alphabet `A–Z a–z 0–9 _ -` (the
//! last character holds four bits and two zero bits), as WASD's
//! `UNIQUE_ID` generator and Apache 1.3's mod_unique_id lay them out.
//! WASD's documented example `ORoKJAOef8sAAAkuACc` decodes to the time
//! 2000-05-11 01:17:24 UTC.
//!
//! spoor's counter starts at a value read from the operating system's
//! random source and a process never hands out the same (time, counter)
//! pair twice: past 65,536 tokens in one second the time field runs ahead.
//!
//! The cookie is `WASDtrack=<token>; path=/`, plus `; domain=<TrackDomain>`
//! when the request's host is inside that domain, plus an `expires` one
//! year ahead with `[TrackMultiSession]` (without it, a session cookie).

use std::net::{IpAddr, Ipv4Addr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

use jiff::tz::TimeZone;

use crate::time::{strftime, Tm};

/// The cookie's name.
pub const COOKIE_NAME: &str = "WASDtrack";

/// A token's length in characters.
pub const TOKEN_LEN: usize = 19;

/// How long a multi-session cookie lives: one year (365 days), seconds.
pub const MULTI_SESSION_SECS: i64 = 365 * 86_400;

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";

/// The base64 engine for [`ALPHABET`], without padding.
const TOKEN_ENGINE: base64::engine::GeneralPurpose = {
    let alphabet = match base64::alphabet::Alphabet::new(match std::str::from_utf8(ALPHABET) {
        Ok(s) => s,
        Err(_) => panic!("the token alphabet is ASCII"),
    }) {
        Ok(a) => a,
        Err(_) => panic!("the token alphabet has 64 distinct characters"),
    };
    base64::engine::GeneralPurpose::new(&alphabet, base64::engine::general_purpose::NO_PAD)
};

fn value_of(c: u8) -> Option<u8> {
    Some(match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'_' => 62,
        b'-' => 63,
        _ => return None,
    })
}

/// A tracking token: 19 characters of the token alphabet.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Token([u8; TOKEN_LEN]);

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Token({})", self.as_str())
    }
}

impl Token {
    /// Encodes 14 bytes: base64 in the token alphabet without padding
    /// (the last two bytes give 3 characters with 2 zero bits).
    pub fn encode(b: &[u8; 14]) -> Token {
        use base64::Engine as _;
        let mut out = [0u8; TOKEN_LEN];
        let n = TOKEN_ENGINE
            .encode_slice(b, &mut out)
            .expect("14 bytes are 19 characters");
        debug_assert_eq!(n, TOKEN_LEN);
        Token(out)
    }

    /// Decodes a token into its 14 bytes; `None` unless `s` is exactly 19
    /// characters of the alphabet whose last two padding bits are zero.
    pub fn decode(s: &[u8]) -> Option<[u8; 14]> {
        if s.len() != TOKEN_LEN {
            return None;
        }
        let mut v = [0u8; TOKEN_LEN];
        for (d, &c) in v.iter_mut().zip(s) {
            *d = value_of(c)?;
        }
        if v[18] & 3 != 0 {
            return None;
        }
        let mut b = [0u8; 14];
        for (i, q) in v[..16].chunks(4).enumerate() {
            let n = (q[0] as u32) << 18 | (q[1] as u32) << 12 | (q[2] as u32) << 6 | q[3] as u32;
            b[3 * i..3 * i + 3].copy_from_slice(&n.to_be_bytes()[1..]);
        }
        let n = (v[16] as u32) << 18 | (v[17] as u32) << 12 | (v[18] as u32) << 6;
        b[12] = (n >> 16) as u8;
        b[13] = (n >> 8) as u8;
        Some(b)
    }

    /// Parses a token a browser sent back.
    pub fn parse(s: &[u8]) -> Option<Token> {
        Token::decode(s)?;
        let mut t = [0u8; TOKEN_LEN];
        t.copy_from_slice(s);
        Some(Token(t))
    }

    /// The characters.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The characters as text.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).expect("the token alphabet is ASCII")
    }

    /// The time field, seconds since the epoch.
    pub fn time(&self) -> u32 {
        let b = Token::decode(&self.0).expect("a Token always decodes");
        u32::from_be_bytes([b[0], b[1], b[2], b[3]])
    }
}

/// The IPv4 address a token records for a local address: the address
/// itself, an IPv4-mapped IPv6 address's IPv4 part, else the last four
/// bytes of the IPv6 address.
pub fn token_address(local: IpAddr) -> Ipv4Addr {
    match local {
        IpAddr::V4(a) => a,
        IpAddr::V6(a) => a.to_ipv4_mapped().unwrap_or_else(|| {
            let o = a.octets();
            Ipv4Addr::new(o[12], o[13], o[14], o[15])
        }),
    }
}

/// Makes tokens: unique within the process (a strictly increasing
/// time/counter pair), the counter starting at a random value.
#[derive(Debug)]
pub struct TokenGenerator {
    /// time << 16 | counter of the last token made.
    state: AtomicU64,
    pid: u32,
}

impl Default for TokenGenerator {
    fn default() -> Self {
        TokenGenerator::new()
    }
}

impl TokenGenerator {
    /// A generator for this process, its counter seeded from the OS's
    /// random source (`getrandom`).
    pub fn new() -> TokenGenerator {
        let mut seed = [0u8; 2];
        if crate::sys::fill_random(&mut seed).is_err() {
            // No random source: the clock's nanoseconds stand in.
            let ns = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.subsec_nanos());
            seed = (ns as u16).to_be_bytes();
        }
        TokenGenerator {
            state: AtomicU64::new(u16::from_be_bytes(seed) as u64),
            pid: std::process::id(),
        }
    }

    /// The process-wide generator (shared across configuration reloads,
    /// so a reload never repeats a token).
    pub fn global() -> &'static TokenGenerator {
        static G: OnceLock<TokenGenerator> = OnceLock::new();
        G.get_or_init(TokenGenerator::new)
    }

    /// A new token made at `now_secs` for a server at `server`.
    pub fn next(&self, now_secs: i64, server: Ipv4Addr) -> Token {
        let now = (now_secs.clamp(0, u32::MAX as i64) as u64) << 16;
        let mut prev = self.state.load(Ordering::Relaxed);
        let new = loop {
            let counter = (prev + 1) & 0xffff;
            let cand = if now > prev & !0xffff {
                now | counter
            } else {
                prev + 1
            };
            match self
                .state
                .compare_exchange_weak(prev, cand, Ordering::Relaxed, Ordering::Relaxed)
            {
                Ok(_) => break cand,
                Err(p) => prev = p,
            }
        };
        let mut b = [0u8; 14];
        b[..4].copy_from_slice(&((new >> 16) as u32).to_be_bytes());
        b[4..8].copy_from_slice(&server.octets());
        b[8..12].copy_from_slice(&self.pid.to_be_bytes());
        b[12..].copy_from_slice(&(new as u16).to_be_bytes());
        Token::encode(&b)
    }
}

/// `[TrackDomain]`: the cookie domain, checked by WASD's dot rules.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrackDomain(String);

/// Top-level domains where two dots are enough (RFC 2109 / Netscape).
const SPECIAL_TLDS: &[&str] = &["com", "edu", "net", "org", "gov", "mil", "int"];

impl TrackDomain {
    /// Checks a `[TrackDomain]` value: a leading dot, then labels of
    /// letters, digits and hyphens, with at least three dots
    /// (`.site.org.domain`), or two in the top-level domains com, edu,
    /// net, org, gov, mil and int (`.site.org`). Stored in lower case.
    pub fn parse(s: &str) -> Result<TrackDomain, String> {
        let Some(rest) = s.strip_prefix('.') else {
            return Err(format!(
                "track domain '{s}' must begin with a dot (e.g. .site.org.domain)"
            ));
        };
        let labels: Vec<&str> = rest.split('.').collect();
        if labels
            .iter()
            .any(|l| l.is_empty() || !l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
        {
            return Err(format!(
                "track domain '{s}' must be dot-separated labels of letters, digits and hyphens"
            ));
        }
        let dots = labels.len();
        let tld = labels
            .last()
            .map(|l| l.to_ascii_lowercase())
            .unwrap_or_default();
        let need = if SPECIAL_TLDS.contains(&tld.as_str()) {
            2
        } else {
            3
        };
        if dots < need {
            return Err(format!(
                "track domain '{s}' needs at least {need} dots (2 in .com, .edu, .net, .org, .gov, .mil and .int, 3 elsewhere)"
            ));
        }
        Ok(TrackDomain(s.to_ascii_lowercase()))
    }

    /// The domain, leading dot included, lower case.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether a browser would store a cookie for this domain from `host`
    /// (lower case, no port): the host ends with the domain.
    pub fn covers(&self, host: &[u8]) -> bool {
        host.len() > self.0.len() && host.eq_ignore_ascii_case_suffix(self.0.as_bytes())
    }
}

trait SuffixCi {
    fn eq_ignore_ascii_case_suffix(&self, suffix: &[u8]) -> bool;
}

impl SuffixCi for [u8] {
    fn eq_ignore_ascii_case_suffix(&self, suffix: &[u8]) -> bool {
        self.len() >= suffix.len() && self[self.len() - suffix.len()..].eq_ignore_ascii_case(suffix)
    }
}

/// What a tracking service does (the settings the WASD configuration
/// fills: `[TrackMultiSession]`, `[TrackDomain]`). A service tracks when
/// it has one of these.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TrackSettings {
    /// `[TrackMultiSession]`: the cookie outlives the browser session
    /// (one year).
    pub multi_session: bool,
    /// `[TrackDomain]`.
    pub domain: Option<TrackDomain>,
}

impl TrackSettings {
    /// Appends the `Set-Cookie` value for `token` issued at `now_secs`
    /// for a request to `host` (lower case, no port; the domain goes in
    /// only when it covers the host, as a browser would refuse it
    /// otherwise).
    pub fn set_cookie(&self, token: &Token, host: &[u8], now_secs: i64, out: &mut Vec<u8>) {
        out.extend_from_slice(COOKIE_NAME.as_bytes());
        out.push(b'=');
        out.extend_from_slice(token.as_bytes());
        out.extend_from_slice(b"; path=/");
        if let Some(d) = &self.domain {
            if d.covers(host) {
                out.extend_from_slice(b"; domain=");
                out.extend_from_slice(d.as_str().as_bytes());
            }
        }
        if self.multi_session {
            out.extend_from_slice(b"; expires=");
            let tm = Tm::new(&TimeZone::UTC, (now_secs + MULTI_SESSION_SECS) * 1_000_000);
            strftime(b"%a, %d %b %Y %H:%M:%S GMT", &tm, out);
        }
    }
}

/// The token in a request's `Cookie` header values (the first
/// `WASDtrack` cookie, name compared without case as httpd's cookie
/// lookup does), if it is a well-formed token.
pub fn find_token<'a>(cookie_headers: impl IntoIterator<Item = &'a [u8]>) -> Option<Token> {
    cookie_headers
        .into_iter()
        .find_map(|h| crate::find_cookie(h, COOKIE_NAME.as_bytes()))
        .and_then(Token::parse)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The hand-written encoder spoor had before the `base64` crate: a
    /// reference model the crate's output must equal.
    fn encode_before_crate(b: &[u8; 14]) -> [u8; TOKEN_LEN] {
        let mut out = [0u8; TOKEN_LEN];
        let mut o = 0;
        let mut push = |v: u32, n: usize| {
            for k in 0..n {
                out[o] = ALPHABET[((v >> (18 - 6 * k)) & 63) as usize];
                o += 1;
            }
        };
        for c in b[..12].chunks(3) {
            push((c[0] as u32) << 16 | (c[1] as u32) << 8 | c[2] as u32, 4);
        }
        push((b[12] as u32) << 16 | (b[13] as u32) << 8, 3);
        out
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4096))]
        #[test]
        fn crate_encoder_equals_the_hand_written_one(
            b in proptest::array::uniform14(proptest::num::u8::ANY)
        ) {
            let t = Token::encode(&b);
            proptest::prop_assert_eq!(t.as_bytes(), &encode_before_crate(&b)[..]);
            proptest::prop_assert_eq!(Token::decode(t.as_bytes()), Some(b));
        }
    }

    #[test]
    fn crate_encoder_equals_the_hand_written_one_at_the_edges() {
        for v in [0u8, 0x01, 0x3e, 0x3f, 0x7f, 0x80, 0xf8, 0xfc, 0xff] {
            for pos in 0..14 {
                for fill in [0u8, 0xff] {
                    let mut b = [fill; 14];
                    b[pos] = v;
                    assert_eq!(Token::encode(&b).as_bytes(), &encode_before_crate(&b)[..]);
                }
            }
        }
    }

    #[test]
    fn documented_example_decodes() {
        // spec/wasd-logging.md §4: the overview's example token.
        let b = Token::decode(b"ORoKJAOef8sAAAkuACc").unwrap();
        assert_eq!(u32::from_be_bytes([b[0], b[1], b[2], b[3]]), 958_007_844);
        assert_eq!(
            &b[4..],
            &[0x03, 0x9e, 0x7f, 0xcb, 0, 0, 0x09, 0x2e, 0x00, 0x27]
        );
        assert_eq!(Token::encode(&b).as_str(), "ORoKJAOef8sAAAkuACc");
        assert_eq!(
            Token::parse(b"ORoKJAOef8sAAAkuACc").unwrap().time(),
            958_007_844
        );
    }

    #[test]
    fn malformed_tokens() {
        assert!(Token::parse(b"ORoKJAOef8sAAAkuAC").is_none()); // 18
        assert!(Token::parse(b"ORoKJAOef8sAAAkuACcc").is_none()); // 20
        assert!(Token::parse(b"ORoKJAOef8sAAAkuAC=").is_none()); // alphabet
        assert!(Token::parse(b"ORoKJAOef8sAAAkuACd").is_none()); // padding bits
        assert!(Token::parse(b"ORoKJAOef8sAAAk+ACc").is_none());
    }

    #[test]
    fn round_trip_all_byte_values() {
        for x in 0..=255u8 {
            let b = [
                x,
                !x,
                x ^ 0x55,
                0,
                255,
                x,
                1,
                2,
                x,
                3,
                4,
                !x,
                x,
                x.rotate_left(3),
            ];
            let t = Token::encode(&b);
            assert_eq!(Token::decode(t.as_bytes()), Some(b));
            assert!(t.as_bytes().iter().all(|c| ALPHABET.contains(c)));
        }
    }

    #[test]
    fn generator_layout_and_uniqueness() {
        let g = TokenGenerator::new();
        let ip = Ipv4Addr::new(127, 0, 0, 1);
        let t = g.next(1_795_320_544, ip);
        let b = Token::decode(t.as_bytes()).unwrap();
        assert_eq!(&b[..4], &1_795_320_544u32.to_be_bytes());
        assert_eq!(&b[4..8], &[127, 0, 0, 1]);
        assert_eq!(&b[8..12], &std::process::id().to_be_bytes());
        // 200,000 tokens in one second: all different, times never go back.
        let mut seen = std::collections::HashSet::new();
        let mut last = 0u32;
        for _ in 0..200_000 {
            let t = g.next(1_795_320_545, ip);
            assert!(t.time() >= last);
            last = t.time();
            assert!(seen.insert(t));
        }
        assert!(last > 1_795_320_545); // ran ahead past 65,536 per second
                                       // A later second starts from it without repeating.
        let t = g.next(1_795_320_546, ip);
        assert!(!seen.contains(&t));
    }

    #[test]
    fn generator_is_unique_across_threads() {
        let g = std::sync::Arc::new(TokenGenerator::new());
        let hs: Vec<_> = (0..4)
            .map(|_| {
                let g = g.clone();
                std::thread::spawn(move || {
                    (0..20_000)
                        .map(|_| g.next(1_800_000_000, Ipv4Addr::LOCALHOST))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let mut all = std::collections::HashSet::new();
        for h in hs {
            for t in h.join().unwrap() {
                assert!(all.insert(t));
            }
        }
        assert_eq!(all.len(), 80_000);
    }

    #[test]
    fn addresses() {
        assert_eq!(
            token_address("10.1.2.3".parse().unwrap()),
            Ipv4Addr::new(10, 1, 2, 3)
        );
        assert_eq!(
            token_address("::ffff:10.1.2.3".parse().unwrap()),
            Ipv4Addr::new(10, 1, 2, 3)
        );
        assert_eq!(
            token_address("::1".parse().unwrap()),
            Ipv4Addr::new(0, 0, 0, 1)
        );
    }

    #[test]
    fn domain_dot_rules() {
        // The overview's example and its two-dot rule for top-level domains.
        assert!(TrackDomain::parse(".site.org.domain").is_ok());
        assert!(TrackDomain::parse(".site.org").is_ok());
        assert!(TrackDomain::parse(".example.COM").is_ok());
        assert!(TrackDomain::parse(".site.domain")
            .unwrap_err()
            .contains("at least 3 dots"));
        assert!(TrackDomain::parse(".org")
            .unwrap_err()
            .contains("at least 2 dots"));
        assert!(TrackDomain::parse("site.org.domain")
            .unwrap_err()
            .contains("begin with a dot"));
        assert!(TrackDomain::parse(".site..domain.x").is_err());
        assert!(TrackDomain::parse(".si_te.org.domain").is_err());
        let d = TrackDomain::parse(".Site.Org.Domain").unwrap();
        assert_eq!(d.as_str(), ".site.org.domain");
        for h in [
            "curly.site.org.domain",
            "larry.site.org.domain",
            "MOE.site.org.domain",
        ] {
            assert!(d.covers(h.as_bytes()), "{h}");
        }
        assert!(!d.covers(b"site.org.domain"));
        assert!(!d.covers(b"curly.othersite.org.domain"));
        assert!(!d.covers(b"evilsite.org.domain"));
    }

    #[test]
    fn cookies() {
        let t = Token::parse(b"ORoKJAOef8sAAAkuACc").unwrap();
        let mut v = Vec::new();
        TrackSettings::default().set_cookie(&t, b"a.b", 0, &mut v);
        assert_eq!(v, b"WASDtrack=ORoKJAOef8sAAAkuACc; path=/");
        let s = TrackSettings {
            multi_session: true,
            domain: Some(TrackDomain::parse(".site.org.domain").unwrap()),
        };
        v.clear();
        // 2026-11-22 04:05:49 UTC; a year of 365 days later.
        s.set_cookie(&t, b"curly.site.org.domain", 1_795_320_349, &mut v);
        assert_eq!(
            String::from_utf8(v.clone()).unwrap(),
            "WASDtrack=ORoKJAOef8sAAAkuACc; path=/; domain=.site.org.domain; expires=Mon, 22 Nov 2027 04:05:49 GMT"
        );
        // A host outside the domain gets a host cookie.
        v.clear();
        s.set_cookie(&t, b"localhost", 1_795_320_349, &mut v);
        assert!(!String::from_utf8(v).unwrap().contains("domain="));
    }

    proptest::proptest! {
        #[test]
        fn decode_never_panics_and_round_trips(s in "[A-Za-z0-9_=-]{17,20}") {
            let s = s.as_bytes();
            let valid = s.len() == TOKEN_LEN
                && s.iter().all(|&c| value_of(c).is_some())
                && value_of(s[18]).is_some_and(|v| v & 3 == 0);
            proptest::prop_assert_eq!(Token::decode(s).is_some(), valid);
            if let Some(b) = Token::decode(s) {
                let t = Token::encode(&b);
                proptest::prop_assert_eq!(t.as_bytes(), s);
            }
        }

        #[test]
        fn encode_decode(b in proptest::array::uniform14(proptest::num::u8::ANY)) {
            let t = Token::encode(&b);
            proptest::prop_assert_eq!(Token::decode(t.as_bytes()), Some(b));
            proptest::prop_assert_eq!(Token::parse(t.as_bytes()), Some(t));
        }
    }

    #[test]
    fn finding_the_cookie() {
        let h: [&[u8]; 2] = [b"a=b", b"x=1; wasdtrack=ORoKJAOef8sAAAkuACc; y=2"];
        assert_eq!(find_token(h).unwrap().as_str(), "ORoKJAOef8sAAAkuACc");
        let bad: [&[u8]; 1] = [b"WASDtrack=nonsense"];
        assert!(find_token(bad).is_none());
        assert!(find_token(std::iter::empty()).is_none());
    }
}
