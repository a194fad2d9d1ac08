//! mod_usertrack: the tracking cookie.
//!
//! This module owns the eight directives (`CookieTracking`, `CookieName`,
//! `CookieDomain`, `CookieExpires`, `CookieStyle`, `CookieSameSite`,
//! `CookieSecure`, `CookieHTTPOnly`), the detection of a cookie the client
//! sent back, the new cookie value and the `Set-Cookie`/`Set-Cookie2`
//! header, all as httpd 2.4.71 does them (spec/apache-logging.md §3,
//! checked against a live apache2):
//!
//! * Every directive but `CookieExpires` belongs to the per-directory
//!   record ([`Tracking`]). httpd gives that record no merge function: the
//!   most specific scope holding *any* usertrack directive replaces its
//!   parent's record entirely, unset fields taking their defaults (so a
//!   section with only `CookieName` in it turns tracking off).
//! * `CookieExpires` belongs to the *server* ([`ServerTrack`]), wherever it
//!   is written. A virtual host in which no usertrack directive appears
//!   (not even inside a section) shares the main server's value; one in
//!   which any appears has its own (0 unless set).
//! * Detection runs httpd's regular expression
//!   `^NAME=([^;,]+)|[;,][ \t]*NAME=([^;,]+)` over the request's Cookie
//!   headers joined with `", "`: the name is case-sensitive, the value is
//!   taken verbatim and an empty value is not recognised.
//! * A new value is `hex(random32).hex(request time in µs)`, the random
//!   part from the operating system's CSPRNG.
//!
//! The module's fixup hook calls [`fixup`] and the header goes out with
//! every response after that step, error pages included (see
//! `modules/usertrack/hooks.rs`, `modules/core/response.rs`). An
//! `ErrorDocument` internal redirect runs the fixup again
//! for the final request, as httpd does: without a cookie from the client
//! that is a second cookie, both headers are sent, and `%<{cookie}n` and
//! `%{cookie}n` log the first and the second.

use std::cell::RefCell;
use std::ops::Range;

/// `CookieStyle`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Style {
    /// Not set: behaves as Netscape.
    #[default]
    Unset,
    /// `Netscape`: `expires=` with a two-digit year.
    Netscape,
    /// `Cookie` / `RFC2109`: `max-age=`.
    Cookie,
    /// `Cookie2` / `RFC2965`: `max-age=`, `version=1` after a domain, and
    /// the header is `Set-Cookie2`.
    Cookie2,
}

/// The per-directory record (httpd's `cookie_dir_rec`).
#[derive(Clone, Debug)]
pub struct Tracking {
    /// `CookieTracking`.
    pub enabled: bool,
    /// `CookieName` (default `Apache`).
    pub name: String,
    /// `CookieDomain`.
    pub domain: Option<String>,
    /// `CookieStyle`.
    pub style: Style,
    /// `CookieSameSite`: the attribute text (`SameSite=Lax`…).
    pub same_site: Option<&'static str>,
    /// `CookieSecure`.
    pub secure: bool,
    /// `CookieHTTPOnly`.
    pub http_only: bool,
    /// httpd's detection expression for `name`.
    pub(crate) matcher: regex::bytes::Regex,
}

impl Default for Tracking {
    fn default() -> Self {
        Tracking {
            enabled: false,
            name: "Apache".into(),
            domain: None,
            style: Style::Unset,
            same_site: None,
            secure: false,
            http_only: false,
            matcher: matcher("Apache"),
        }
    }
}

/// httpd's expression for cookie `name`: every byte that is not an ASCII
/// letter or digit is taken literally.
pub(crate) fn matcher(name: &str) -> regex::bytes::Regex {
    let mut lit = String::with_capacity(name.len() * 4);
    for &b in name.as_bytes() {
        if b.is_ascii_alphanumeric() {
            lit.push(b as char);
        } else {
            lit.push_str(&format!("\\x{b:02x}"));
        }
    }
    let re = format!("^{lit}=([^;,]+)|[;,][ \\t]*{lit}=([^;,]+)");
    regex::bytes::RegexBuilder::new(&re)
        .unicode(false)
        .build()
        .expect("an escaped literal always compiles")
}

/// The usertrack part of one server's configuration (httpd's
/// `cookie_log_state`), gathered over the server and its sections.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ServerTrack {
    /// A usertrack directive appears somewhere in this scope, which gives
    /// a virtual host a server record of its own.
    pub used: bool,
    /// The last `CookieExpires` in this scope (seconds, as httpd's `int`).
    pub expires: Option<i32>,
}

impl ServerTrack {
    /// Takes in what a section inside this server set.
    pub fn absorb(&mut self, section: &ServerTrack) {
        self.used |= section.used;
        if section.expires.is_some() {
            self.expires = section.expires;
        }
    }
}

/// A scope's per-directory record, as [`crate::perdir::PerDir`] carries
/// it: `Some` when the scope holds any usertrack directive.
#[derive(Clone, Debug, Default)]
pub struct UserTrack(pub Option<std::sync::Arc<Tracking>>);

impl UserTrack {
    /// The record in force (`None`: tracking off).
    pub fn get(&self) -> Option<&Tracking> {
        self.0.as_deref()
    }
}

/// The `CookieExpires` a server uses: a virtual host's own once any
/// usertrack directive appears in it (0 unless set), else the main
/// server's.
pub fn server_expires(main: &ServerTrack, vhost: Option<&ServerTrack>) -> i32 {
    match vhost {
        Some(v) if v.used => v.expires,
        _ => main.expires,
    }
    .unwrap_or(0)
}

impl Tracking {
    /// The value of this record's cookie in `cookie` (the request's Cookie
    /// headers joined with `", "`), as a range of it, if httpd would
    /// recognise one.
    pub fn find(&self, cookie: &[u8]) -> Option<Range<usize>> {
        let caps = self.matcher.captures(cookie)?;
        caps.get(1).or_else(|| caps.get(2)).map(|m| m.range())
    }

    /// Makes a new cookie for a request that arrived at `request_time_us`:
    /// the value (the `cookie` note) goes to `note`, the header value to
    /// `header`; returns the header name. `None` only if the operating
    /// system's random source fails.
    pub fn issue(
        &self,
        expires: i32,
        request_time_us: i64,
        note: &mut Vec<u8>,
        header: &mut Vec<u8>,
    ) -> Option<&'static [u8]> {
        use std::io::Write;
        let random = random_u32()?;
        note.clear();
        spoor_log::hex::push(u64::from(random), note);
        note.push(b'.');
        spoor_log::hex::push(request_time_us as u64, note);
        header.clear();
        header.extend_from_slice(self.name.as_bytes());
        header.push(b'=');
        header.extend_from_slice(note);
        header.extend_from_slice(b"; path=/");
        if expires != 0 {
            match self.style {
                Style::Unset | Style::Netscape => {
                    header.extend_from_slice(b"; expires=");
                    netscape_date(
                        request_time_us.wrapping_add(i64::from(expires) * 1_000_000),
                        header,
                    );
                }
                Style::Cookie | Style::Cookie2 => {
                    let _ = write!(header, "; max-age={expires}");
                }
            }
        }
        if let Some(d) = &self.domain {
            header.extend_from_slice(b"; domain=");
            header.extend_from_slice(d.as_bytes());
            if self.style == Style::Cookie2 {
                header.extend_from_slice(b"; version=1");
            }
        }
        if let Some(s) = self.same_site {
            header.extend_from_slice(b"; ");
            header.extend_from_slice(s.as_bytes());
        }
        if self.secure {
            header.extend_from_slice(b"; Secure");
        }
        if self.http_only {
            header.extend_from_slice(b"; HttpOnly");
        }
        Some(if self.style == Style::Cookie2 {
            b"Set-Cookie2"
        } else {
            b"Set-Cookie"
        })
    }
}

/// What the fixup step did for a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fixup {
    /// Tracking is off here: no note, no header.
    Off,
    /// The client sent the cookie back: the note holds its value.
    Known,
    /// A new cookie: the note holds its value, and this header is to be
    /// sent (its value in the header buffer).
    Issued(&'static [u8]),
}

/// httpd's fixup for one request: `cookies` are the values of its Cookie
/// headers in arrival order (httpd joins them with `", "` before matching).
/// Fills `note` with the `cookie` note and, for a new cookie, `header` with
/// the header value.
pub fn fixup<'h>(
    t: Option<&Tracking>,
    expires: i32,
    mut cookies: impl Iterator<Item = &'h [u8]>,
    request_time_us: i64,
    note: &mut Vec<u8>,
    header: &mut Vec<u8>,
) -> Fixup {
    let Some(t) = t.filter(|t| t.enabled) else {
        return Fixup::Off;
    };
    if let Some(first) = cookies.next() {
        // `header` doubles as the buffer for the joined headers.
        let joined: &[u8] = match cookies.next() {
            None => first,
            Some(second) => {
                header.clear();
                header.extend_from_slice(first);
                for c in std::iter::once(second).chain(cookies) {
                    header.extend_from_slice(b", ");
                    header.extend_from_slice(c);
                }
                header
            }
        };
        if let Some(r) = t.find(joined) {
            note.clear();
            note.extend_from_slice(&joined[r]);
            return Fixup::Known;
        }
    }
    match t.issue(expires, request_time_us, note, header) {
        Some(name) => Fixup::Issued(name),
        None => {
            eprintln!("spoor: no tracking cookie: the system's random source failed");
            Fixup::Off
        }
    }
}

/// `Www, DD-Mon-YY HH:MM:SS GMT` for a time in µs: seconds truncated
/// toward zero (APR's explode_time), the year as `tm_year % 100`.
fn netscape_date(us: i64, out: &mut Vec<u8>) {
    use std::io::Write;
    const DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    // jiff's range (years -9999..=9999) holds every time a cookie can
    // expire at (now plus an i32 of seconds); clamping keeps the call total.
    let secs = (us / 1_000_000).clamp(
        jiff::Timestamp::MIN.as_second(),
        jiff::Timestamp::MAX.as_second(),
    );
    let ts = jiff::Timestamp::from_second(secs).expect("clamped to jiff's range");
    let dt = jiff::tz::TimeZone::UTC.to_datetime(ts);
    let wday = dt.weekday().to_sunday_zero_offset() as usize;
    let yy = (i64::from(dt.year()) - 1900) % 100;
    let _ = write!(
        out,
        "{}, {:02}-{}-",
        DAYS[wday],
        dt.day(),
        MONTHS[(dt.month() - 1) as usize]
    );
    if yy < 0 {
        let _ = write!(out, "-{:02}", -yy);
    } else {
        let _ = write!(out, "{yy:02}");
    }
    let _ = write!(
        out,
        " {:02}:{:02}:{:02} GMT",
        dt.hour(),
        dt.minute(),
        dt.second()
    );
}

/// Four bytes from the operating system's CSPRNG (`getrandom(2)`, read
/// 256 bytes at a time per thread).
fn random_u32() -> Option<u32> {
    thread_local! {
        static POOL: RefCell<([u8; 256], usize)> = const { RefCell::new(([0; 256], 256)) };
    }
    POOL.with(|p| {
        let (buf, used) = &mut *p.borrow_mut();
        if *used + 4 > buf.len() {
            fill_random(buf)?;
            *used = 0;
        }
        let v = u32::from_ne_bytes(buf[*used..*used + 4].try_into().ok()?);
        // Never hand out the same bytes twice.
        buf[*used..*used + 4].fill(0);
        *used += 4;
        Some(v)
    })
}

/// Fills `buf` from the operating system's CSPRNG.
pub(crate) fn fill_random(buf: &mut [u8]) -> Option<()> {
    spoor_log::sys::fill_random(buf).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::modules::usertrack::config::{directive, parse_expires};

    fn run(lines: &[(&str, &[&str])]) -> Result<(Option<Tracking>, ServerTrack), String> {
        let mut dir = UserTrack::default();
        let mut srv = ServerTrack::default();
        for (n, a) in lines {
            let args: Vec<String> = a.iter().map(|s| s.to_string()).collect();
            directive(&mut dir, &mut srv, n, &args)?;
        }
        Ok((dir.get().cloned(), srv))
    }

    fn err(n: &str, a: &[&str]) -> String {
        run(&[(n, a)]).unwrap_err()
    }

    #[test]
    fn messages_as_apache2_t() {
        // Each checked with apache2 -t (2.4.71).
        assert_eq!(
            err("CookieDomain", &["example.com"]),
            "CookieDomain values must begin with a dot"
        );
        assert_eq!(
            err("CookieDomain", &[".com"]),
            "CookieDomain values must contain at least one embedded dot"
        );
        for a in [&[""][..], &[], &["a", "b"]] {
            assert_eq!(
                err("cookiedomain", a),
                "CookieDomain takes one argument, domain to which this cookie applies"
            );
        }
        assert_eq!(
            err("CookieExpires", &[]),
            "CookieExpires takes one argument, an expiry date code"
        );
        assert_eq!(
            err("CookieExpires", &["x 1 month"]),
            "bad expires code, numeric value expected."
        );
        assert_eq!(
            err("CookieExpires", &["-5"]),
            "bad expires code, numeric value expected."
        );
        assert_eq!(
            err("CookieExpires", &["1 m"]),
            "bad expires code, unrecognized type"
        );
        assert_eq!(
            err("CookieExpires", &["w 3"]),
            "bad expires code, numeric value expected."
        );
        assert_eq!(
            err("CookieExpires", &["2 weeks 3 "]),
            "bad expires code, missing <type>"
        );
        assert_eq!(
            err("CookieStyle", &["foo"]),
            "Invalid CookieStyle keyword: 'foo'"
        );
        assert_eq!(
            err("CookieStyle", &[]),
            "CookieStyle takes one argument, 'Netscape', 'Cookie' (RFC2109), or 'Cookie2' (RFC2965)"
        );
        assert_eq!(
            err("CookieSameSite", &["x"]),
            "CookieSameSite accepts 'Strict', 'Lax', or 'None'"
        );
        assert_eq!(
            err("CookieSameSite", &[]),
            "CookieSameSite takes one argument, SameSite setting"
        );
        assert_eq!(
            err("CookieTracking", &["x"]),
            "CookieTracking must be On or Off"
        );
        assert_eq!(
            err("CookieTracking", &[]),
            "CookieTracking must be On or Off"
        );
        assert_eq!(
            err("CookieHTTPOnly", &[]),
            "CookieHttpOnly must be On or Off"
        );
        assert_eq!(
            err("CookieName", &[""]),
            "CookieName takes one argument, name of the tracking cookie"
        );
        // A flag ignores words after the first, as httpd's FLAG does.
        let (d, _) = run(&[("CookieTracking", &["on", "off"])]).unwrap();
        assert!(d.unwrap().enabled);
    }

    #[test]
    fn expires_forms() {
        // Each value as apache2 2.4.71 sent it (max-age with CookieStyle
        // Cookie).
        for (arg, secs) in [
            ("60", 60),
            ("1 month 2", 1),
            ("1 2", 1),
            ("2 weeks 3", 2),
            ("2 weeks 3 days", 1_468_800),
            ("plus 1 month", 2_592_000),
            ("P5 1 y", 31_536_000),
            ("1 w 2 d", 777_600),
            (" 7 s", 7),
            ("1 \"weeks\"", 604_800),
            ("1 MO 1 MI 1 S 1 H 1 D", 2_682_061),
            ("plus", 0),
            ("99999999999", 1_215_752_191),
            ("99999999999999999999", -1),
            ("4294967295", -1),
            ("100 years", -1_141_367_296),
            ("3000000000 seconds", -1_294_967_296),
        ] {
            assert_eq!(parse_expires(arg), Ok(secs), "{arg:?}");
        }
    }

    fn rec(lines: &[(&str, &[&str])]) -> Tracking {
        run(lines).unwrap().0.unwrap()
    }

    #[test]
    fn detection_as_httpd_regex() {
        let t = Tracking::default();
        let f = |c: &str| t.find(c.as_bytes()).map(|r| c[r].to_string());
        assert_eq!(f("Apache=abc").as_deref(), Some("abc"));
        assert_eq!(f("x=1; Apache=def; y=2").as_deref(), Some("def"));
        assert_eq!(f("x=1;Apache=ghi").as_deref(), Some("ghi"));
        assert_eq!(f("x=1, Apache=jkl").as_deref(), Some("jkl"));
        assert_eq!(f("x=1,Apache= sp ace ;y").as_deref(), Some(" sp ace "));
        assert_eq!(f("Apache=;Apache=second").as_deref(), Some("second"));
        assert_eq!(f("x=1;\t \tApache=tabs").as_deref(), Some("tabs"));
        assert_eq!(f("Apache=x=y").as_deref(), Some("x=y"));
        assert_eq!(f("Apache=a, Apache=b").as_deref(), Some("a"));
        for miss in [
            "apache=lower",
            "XApache=no",
            "Apache=",
            "x=1 Apache=nosep",
            "",
        ] {
            assert_eq!(f(miss), None, "{miss:?}");
        }
        let t = rec(&[("CookieName", &["a.b+c"])]);
        assert_eq!(t.find(b"a.b+c=1"), Some(6..7));
        assert_eq!(t.find(b"aXb+c=1"), None);
        assert_eq!(t.find(b"a.bbc=1"), None);
    }

    #[test]
    fn netscape_dates_as_strftime() {
        // Expected values from Python's strftime("%a, %d-%b-%y %H:%M:%S GMT").
        for (secs, want) in [
            (0i64, "Thu, 01-Jan-70 00:00:00 GMT"),
            (951_827_696, "Tue, 29-Feb-00 12:34:56 GMT"),
            (4_102_444_799, "Thu, 31-Dec-99 23:59:59 GMT"),
            (-1, "Wed, 31-Dec-69 23:59:59 GMT"),
        ] {
            let mut out = Vec::new();
            netscape_date(secs * 1_000_000, &mut out);
            assert_eq!(String::from_utf8(out).unwrap(), want, "{secs}");
        }
        // Sub-second parts are cut toward zero, as APR does.
        let mut out = Vec::new();
        netscape_date(-1, &mut out);
        assert_eq!(out, b"Thu, 01-Jan-70 00:00:00 GMT");
    }

    #[test]
    fn set_cookie_layout() {
        // 2026-11-22 04:10:07 UTC.
        let t0 = 1_795_320_607_000_000i64;
        let mut note = Vec::new();
        let mut h = Vec::new();
        let t = rec(&[
            ("CookieTracking", &["on"]),
            ("CookieDomain", &[".example.com"]),
            ("CookieSameSite", &["lax"]),
            ("CookieSecure", &["on"]),
            ("CookieHttpOnly", &["on"]),
        ]);
        let n = t.issue(1_468_800, t0, &mut note, &mut h).unwrap();
        assert_eq!(n, b"Set-Cookie");
        let v = String::from_utf8(note.clone()).unwrap();
        let (rand, time) = v.split_once('.').unwrap();
        assert!(rand.len() <= 8 && !rand.is_empty());
        assert_eq!(time, format!("{:x}", t0));
        assert_eq!(
            String::from_utf8(h.clone()).unwrap(),
            format!("Apache={v}; path=/; expires=Wed, 09-Dec-26 04:10:07 GMT; domain=.example.com; SameSite=Lax; Secure; HttpOnly")
        );
        let t = rec(&[("CookieStyle", &["Cookie2"]), ("CookieDomain", &[".a.b"])]);
        assert_eq!(
            t.issue(60, t0, &mut note, &mut h),
            Some(&b"Set-Cookie2"[..])
        );
        let v = String::from_utf8(note.clone()).unwrap();
        assert_eq!(
            String::from_utf8(h.clone()).unwrap(),
            format!("Apache={v}; path=/; max-age=60; domain=.a.b; version=1")
        );
        let t = rec(&[("CookieStyle", &["rfc2109"])]);
        t.issue(-1, t0, &mut note, &mut h).unwrap();
        assert!(h.ends_with(b"; path=/; max-age=-1"));
        let t = Tracking::default();
        t.issue(0, t0, &mut note, &mut h).unwrap();
        assert!(h.ends_with(b"; path=/") && h.starts_with(b"Apache="));
        // A negative expiry is a date in the past (apache2: one second
        // before the request for 4294967295).
        t.issue(-1, t0, &mut note, &mut h).unwrap();
        assert!(h.ends_with(b"; expires=Sun, 22-Nov-26 04:10:06 GMT"));
        t.issue(1_215_752_191, 1_795_334_720_000_000, &mut note, &mut h)
            .unwrap();
        assert!(h.ends_with(b"; expires=Mon, 01-Jun-65 13:01:51 GMT"));
        t.issue(-1_141_367_296, 1_795_334_720_000_000, &mut note, &mut h)
            .unwrap();
        assert!(h.ends_with(b"; expires=Sat, 22-Sep-90 01:37:04 GMT"));
    }

    #[test]
    fn values_distinct() {
        let t = Tracking::default();
        let mut seen = std::collections::HashSet::new();
        let (mut note, mut h) = (Vec::new(), Vec::new());
        for _ in 0..2000 {
            t.issue(0, 1, &mut note, &mut h).unwrap();
            seen.insert(note.clone());
        }
        // 2000 draws of 32 random bits: a collision is a ~1/2000 event;
        // more than two would mean the source is broken.
        assert!(seen.len() >= 1998, "{}", seen.len());
    }

    #[test]
    fn server_scope_resolution() {
        use crate::perdir::Merge;
        let main = ServerTrack {
            used: true,
            expires: Some(100),
        };
        assert_eq!(server_expires(&main, None), 100);
        // A vhost without usertrack directives shares the main server's.
        assert_eq!(server_expires(&main, Some(&ServerTrack::default())), 100);
        // One with any gets its own expiry (0 unless set).
        let v = ServerTrack {
            used: true,
            expires: None,
        };
        assert_eq!(server_expires(&main, Some(&v)), 0);
        // A record replaces its parent's whole record.
        let (mut on, mut name_only) = (UserTrack::default(), UserTrack::default());
        let mut st = ServerTrack::default();
        directive(&mut on, &mut st, "CookieTracking", &["on".into()]).unwrap();
        directive(&mut name_only, &mut st, "CookieName", &["x".into()]).unwrap();
        assert!(
            UserTrack::merge(&on, &UserTrack::default())
                .get()
                .unwrap()
                .enabled
        );
        let m = UserTrack::merge(&on, &name_only);
        assert!(!m.get().unwrap().enabled);
        assert_eq!(m.get().unwrap().name, "x");
    }
}
