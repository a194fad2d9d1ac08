//! The [`UserTrack`] layer (mod_usertrack's tracking cookie) and the
//! [`WasdTrack`] layer (WASD's `[Track]` cookie).

use std::fmt;
use std::future::Future;
use std::ops::Range;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use http::header::{COOKIE, HOST, SET_COOKIE};
use http::{HeaderMap, HeaderName, HeaderValue, Request, Response};
use pin_project_lite::pin_project;
use spoor_log::time::{strftime, Tm};
use spoor_log::wasd_track::{
    find_token, token_address, TokenGenerator, TrackDomain, TrackSettings,
};
use spoor_log::TimeZone;
use tower_layer::Layer;
use tower_service::Service;

use crate::context::LogContext;
use crate::render::now_us;

/// `CookieStyle`: how the cookie's lifetime is written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CookieStyle {
    /// `Netscape` (httpd's default): `expires=` with a two-digit year.
    #[default]
    Netscape,
    /// `Cookie` / `RFC2109`: `max-age=`.
    Cookie,
    /// `Cookie2` / `RFC2965`: `max-age=`, `version=1` after a domain, and
    /// the header is `Set-Cookie2`.
    Cookie2,
}

/// `CookieSameSite`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SameSite {
    /// `SameSite=Strict`.
    Strict,
    /// `SameSite=Lax`.
    Lax,
    /// `SameSite=None`.
    None,
}

/// A setting httpd would refuse, with httpd's message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrackError(pub String);

impl fmt::Display for TrackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TrackError {}

#[derive(Clone, Debug)]
struct Settings {
    enabled: bool,
    name: String,
    domain: Option<String>,
    expires: i32,
    style: CookieStyle,
    same_site: Option<SameSite>,
    secure: bool,
    http_only: bool,
}

/// mod_usertrack: a browser without the tracking cookie gets one
/// (`Set-Cookie`, or `Set-Cookie2` for [`CookieStyle::Cookie2`]); a
/// browser that sends it back is recognised. Either way the value is the
/// request's `cookie` note (`%{cookie}n` in an
/// [`AccessLog`](crate::AccessLog) outside this layer), as httpd logs
/// it.
///
/// The eight directives are the builder's methods: `CookieTracking`
/// ([`UserTrack::tracking`]), `CookieName`, `CookieDomain`,
/// `CookieExpires` (seconds, or httpd's `"2 weeks 3 days"` form),
/// `CookieStyle`, `CookieSameSite`, `CookieSecure` and `CookieHTTPOnly`.
/// Detection and the header are httpd 2.4's: the cookie is found by
/// httpd's rule (`NAME=value` at the start of the joined `Cookie`
/// headers or after a `;` or `,`, name case-sensitive, value non-empty),
/// a new value is `hex(random).hex(request time in µs)` with the random
/// part from the operating system.
///
/// ```
/// use spoor_tower::{CookieStyle, SameSite, UserTrack};
/// let track = UserTrack::new()
///     .name("Visitor")?
///     .domain(".example.com")?
///     .expires_text("2 weeks")?
///     .style(CookieStyle::Cookie)
///     .same_site(SameSite::Lax)
///     .secure(true)
///     .http_only(true);
/// # let _ = track;
/// # Ok::<(), spoor_tower::TrackError>(())
/// ```
#[derive(Clone, Debug)]
pub struct UserTrack {
    settings: Arc<Settings>,
}

impl Default for UserTrack {
    fn default() -> Self {
        UserTrack::new()
    }
}

impl UserTrack {
    /// Tracking on (`CookieTracking on`), cookie `Apache`, a session
    /// cookie (no `CookieExpires`), Netscape style.
    pub fn new() -> UserTrack {
        UserTrack {
            settings: Arc::new(Settings {
                enabled: true,
                name: "Apache".into(),
                domain: None,
                expires: 0,
                style: CookieStyle::Netscape,
                same_site: None,
                secure: false,
                http_only: false,
            }),
        }
    }

    fn set(mut self, f: impl FnOnce(&mut Settings)) -> UserTrack {
        f(Arc::make_mut(&mut self.settings));
        self
    }

    /// `CookieTracking`: off passes requests through untouched.
    pub fn tracking(self, on: bool) -> UserTrack {
        self.set(|s| s.enabled = on)
    }

    /// `CookieName`. Refused when it could not stand in a `Set-Cookie`
    /// header: empty, or with a control character, space, `;`, `,` or `=`
    /// (httpd takes any name and sends a broken header).
    pub fn name(self, name: &str) -> Result<UserTrack, TrackError> {
        if name.is_empty()
            || name
                .bytes()
                .any(|b| b <= b' ' || b >= 0x7f || matches!(b, b';' | b',' | b'='))
        {
            return Err(TrackError(format!(
                "CookieName {name:?}: not a valid cookie name"
            )));
        }
        let name = name.to_string();
        Ok(self.set(|s| s.name = name))
    }

    /// `CookieDomain`, with httpd's two checks.
    pub fn domain(self, domain: &str) -> Result<UserTrack, TrackError> {
        if !domain.starts_with('.') {
            return Err(TrackError(
                "CookieDomain values must begin with a dot".into(),
            ));
        }
        if !domain[1..].contains('.') {
            return Err(TrackError(
                "CookieDomain values must contain at least one embedded dot".into(),
            ));
        }
        if domain.bytes().any(|b| b <= b' ' || b >= 0x7f || b == b';') {
            return Err(TrackError(format!(
                "CookieDomain {domain:?}: not a valid domain"
            )));
        }
        let domain = domain.to_string();
        Ok(self.set(|s| s.domain = Some(domain)))
    }

    /// `CookieExpires` in seconds (0: a session cookie; negative: a date
    /// in the past, as httpd sends it).
    pub fn expires(self, seconds: i32) -> UserTrack {
        self.set(|s| s.expires = seconds)
    }

    /// `CookieExpires` as httpd reads its argument: plain seconds, or
    /// `[plus] {<num> <type>}*` with types `years`, `months`, `weeks`,
    /// `days`, `hours`, `minutes`, `seconds` (httpd's prefixes suffice).
    pub fn expires_text(self, text: &str) -> Result<UserTrack, TrackError> {
        let secs = parse_expires(text).map_err(TrackError)?;
        Ok(self.expires(secs))
    }

    /// `CookieStyle`.
    pub fn style(self, style: CookieStyle) -> UserTrack {
        self.set(|s| s.style = style)
    }

    /// `CookieSameSite`.
    pub fn same_site(self, same_site: SameSite) -> UserTrack {
        self.set(|s| s.same_site = Some(same_site))
    }

    /// `CookieSecure`.
    pub fn secure(self, on: bool) -> UserTrack {
        self.set(|s| s.secure = on)
    }

    /// `CookieHTTPOnly`.
    pub fn http_only(self, on: bool) -> UserTrack {
        self.set(|s| s.http_only = on)
    }
}

/// httpd's `CookieExpires` argument: plain seconds when the text starts
/// and ends with a digit (only the leading number counts), else
/// `[plus] {<num> <type>}*`; the total kept in 32 bits as httpd's `int`.
pub fn parse_expires(arg: &str) -> Result<i32, String> {
    spoor_log::usertrack::parse_expires(arg, arg.split_ascii_whitespace())
}

/// Where httpd's expression `^NAME=([^;,]+)|[;,][ \t]*NAME=([^;,]+)`
/// finds the cookie's value in `cookie` (the request's Cookie headers
/// joined with `", "`): the leftmost match, the first alternative first,
/// blanks taken greedily.
pub fn find_tracking_cookie(cookie: &[u8], name: &[u8]) -> Option<Range<usize>> {
    let value_at = |start: usize| -> Option<Range<usize>> {
        let end = cookie[start..]
            .iter()
            .position(|&b| b == b';' || b == b',')
            .map_or(cookie.len(), |p| start + p);
        (end > start).then_some(start..end)
    };
    let named_at = |i: usize| {
        cookie.len() > i + name.len()
            && &cookie[i..i + name.len()] == name
            && cookie[i + name.len()] == b'='
    };
    if named_at(0) {
        if let Some(r) = value_at(name.len() + 1) {
            return Some(r);
        }
    }
    for p in 0..cookie.len() {
        if cookie[p] != b';' && cookie[p] != b',' {
            continue;
        }
        let mut blanks_end = p + 1;
        while blanks_end < cookie.len() && matches!(cookie[blanks_end], b' ' | b'\t') {
            blanks_end += 1;
        }
        for q in (p + 1..=blanks_end).rev() {
            if named_at(q) {
                if let Some(r) = value_at(q + name.len() + 1) {
                    return Some(r);
                }
            }
        }
    }
    None
}

/// Appends the `Set-Cookie` value httpd sends for a new cookie `value`
/// issued at `request_time_us`.
fn set_cookie_value(s: &Settings, value: &[u8], request_time_us: i64, out: &mut Vec<u8>) {
    out.extend_from_slice(s.name.as_bytes());
    out.push(b'=');
    out.extend_from_slice(value);
    out.extend_from_slice(b"; path=/");
    if s.expires != 0 {
        match s.style {
            CookieStyle::Netscape => {
                out.extend_from_slice(b"; expires=");
                // Whole seconds (toward zero, as APR explodes a time).
                let secs = (request_time_us / 1_000_000).wrapping_add(i64::from(s.expires));
                let tm = Tm::new(&TimeZone::UTC, secs.saturating_mul(1_000_000));
                strftime(b"%a, %d-%b-%y %H:%M:%S GMT", &tm, out);
            }
            CookieStyle::Cookie | CookieStyle::Cookie2 => {
                use std::io::Write;
                let _ = write!(out, "; max-age={}", s.expires);
            }
        }
    }
    if let Some(d) = &s.domain {
        out.extend_from_slice(b"; domain=");
        out.extend_from_slice(d.as_bytes());
        if s.style == CookieStyle::Cookie2 {
            out.extend_from_slice(b"; version=1");
        }
    }
    if let Some(ss) = s.same_site {
        out.extend_from_slice(match ss {
            SameSite::Strict => b"; SameSite=Strict",
            SameSite::Lax => b"; SameSite=Lax",
            SameSite::None => b"; SameSite=None",
        });
    }
    if s.secure {
        out.extend_from_slice(b"; Secure");
    }
    if s.http_only {
        out.extend_from_slice(b"; HttpOnly");
    }
}

/// A new cookie value: `hex(random32).hex(request time in µs)`.
fn new_value(request_time_us: i64) -> Option<Vec<u8>> {
    let mut r = [0u8; 4];
    spoor_log::unique_id::os_random(&mut r).ok()?;
    let mut v = Vec::with_capacity(32);
    spoor_log::hex::push(u64::from(u32::from_ne_bytes(r)), &mut v);
    v.push(b'.');
    spoor_log::hex::push(request_time_us as u64, &mut v);
    Some(v)
}

/// The request's Cookie headers joined with `", "`, as httpd's header
/// table merges them.
fn joined_cookies(h: &HeaderMap) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, v) in h.get_all(COOKIE).iter().enumerate() {
        if i > 0 {
            out.extend_from_slice(b", ");
        }
        out.extend_from_slice(v.as_bytes());
    }
    out
}

impl<S> Layer<S> for UserTrack {
    type Service = UserTrackService<S>;

    fn layer(&self, inner: S) -> UserTrackService<S> {
        UserTrackService {
            inner,
            settings: self.settings.clone(),
        }
    }
}

/// The service [`UserTrack`] wraps around another.
#[derive(Clone, Debug)]
pub struct UserTrackService<S> {
    inner: S,
    settings: Arc<Settings>,
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for UserTrackService<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = CookieFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<ReqBody>) -> Self::Future {
        let s = &self.settings;
        if !s.enabled {
            return CookieFuture {
                inner: self.inner.call(req),
                header: None,
            };
        }
        let now = now_us();
        let cookies = joined_cookies(req.headers());
        let known = find_tracking_cookie(&cookies, s.name.as_bytes()).map(|r| &cookies[r]);
        let mut header = None;
        let value: Option<Vec<u8>> = match known {
            Some(v) => Some(v.to_vec()),
            None => match new_value(now) {
                Some(v) => {
                    let mut h = Vec::with_capacity(128);
                    set_cookie_value(s, &v, now, &mut h);
                    let name = if s.style == CookieStyle::Cookie2 {
                        HeaderName::from_static("set-cookie2")
                    } else {
                        SET_COOKIE
                    };
                    header = HeaderValue::from_bytes(&h).ok().map(|h| (name, h));
                    Some(v)
                }
                None => {
                    eprintln!("spoor-tower: no tracking cookie: the system's random source failed");
                    None
                }
            },
        };
        if let (Some(v), Some(log)) = (&value, req.extensions().get::<LogContext>()) {
            log.set_note("cookie", v);
        }
        CookieFuture {
            inner: self.inner.call(req),
            header,
        }
    }
}

pin_project! {
    /// The future of [`UserTrackService`] and [`WasdTrackService`]: the
    /// response, with the new cookie's header appended.
    pub struct CookieFuture<F> {
        #[pin]
        inner: F,
        header: Option<(HeaderName, HeaderValue)>,
    }
}

impl<F, B, E> Future for CookieFuture<F>
where
    F: Future<Output = Result<Response<B>, E>>,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let mut res = ready!(this.inner.poll(cx));
        if let (Ok(resp), Some((name, value))) = (&mut res, this.header.take()) {
            resp.headers_mut().append(name, value);
        }
        Poll::Ready(res)
    }
}

impl<F> fmt::Debug for CookieFuture<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CookieFuture").finish_non_exhaustive()
    }
}

/// WASD's `[Track]`: the `WASDtrack` cookie (19-character token: time,
/// server address, process id, counter), a session cookie unless
/// [`WasdTrack::multi_session`] (`[TrackMultiSession]`, one year), with
/// `[TrackDomain]` ([`WasdTrack::domain`]) where it covers the request's
/// host. The token fills the WASD log's `!ID` and the remote-ID slot of
/// `COMMON`, `COMMON_SERVER` and `COMBINED` in an
/// [`AccessLog`](crate::AccessLog) outside this layer.
#[derive(Clone, Debug, Default)]
pub struct WasdTrack {
    settings: Arc<TrackSettings>,
}

impl WasdTrack {
    /// Tracking with session cookies and no domain.
    pub fn new() -> WasdTrack {
        WasdTrack::default()
    }

    /// `[TrackMultiSession]`.
    pub fn multi_session(mut self, on: bool) -> WasdTrack {
        Arc::make_mut(&mut self.settings).multi_session = on;
        self
    }

    /// `[TrackDomain]`, checked by WASD's rules.
    pub fn domain(mut self, domain: &str) -> Result<WasdTrack, TrackError> {
        let d = TrackDomain::parse(domain).map_err(TrackError)?;
        Arc::make_mut(&mut self.settings).domain = Some(d);
        Ok(self)
    }
}

impl<S> Layer<S> for WasdTrack {
    type Service = WasdTrackService<S>;

    fn layer(&self, inner: S) -> WasdTrackService<S> {
        WasdTrackService {
            inner,
            settings: self.settings.clone(),
        }
    }
}

/// The service [`WasdTrack`] wraps around another.
#[derive(Clone, Debug)]
pub struct WasdTrackService<S> {
    inner: S,
    settings: Arc<TrackSettings>,
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for WasdTrackService<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = CookieFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<ReqBody>) -> Self::Future {
        let now = now_us();
        let mut header = None;
        let token = match find_token(req.headers().get_all(COOKIE).iter().map(|v| v.as_bytes())) {
            Some(t) => t,
            None => {
                let (_, local) = crate::access::addresses(req.extensions());
                let local_ip = local.map_or(std::net::IpAddr::from([0, 0, 0, 0]), |l| l.ip());
                let t = TokenGenerator::global()
                    .next(now.div_euclid(1_000_000), token_address(local_ip));
                let host: Vec<u8> = req
                    .headers()
                    .get(HOST)
                    .map(|h| {
                        let h = h.as_bytes();
                        let end = if h.first() == Some(&b'[') {
                            h.iter().position(|&b| b == b']').map_or(h.len(), |p| p + 1)
                        } else {
                            h.iter().position(|&b| b == b':').unwrap_or(h.len())
                        };
                        h[..end].to_ascii_lowercase()
                    })
                    .unwrap_or_default();
                let mut v = Vec::with_capacity(96);
                self.settings
                    .set_cookie(&t, &host, now.div_euclid(1_000_000), &mut v);
                header = HeaderValue::from_bytes(&v).ok().map(|v| (SET_COOKIE, v));
                t
            }
        };
        if let Some(log) = req.extensions().get::<LogContext>() {
            log.set_track_id(token.as_bytes());
        }
        CookieFuture {
            inner: self.inner.call(req),
            header,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expires_forms() {
        assert_eq!(parse_expires("3600"), Ok(3600));
        assert_eq!(parse_expires("1 month 2"), Ok(1));
        assert_eq!(parse_expires("2 weeks"), Ok(14 * 86400));
        assert_eq!(parse_expires("plus 1 day 2 hours"), Ok(86400 + 7200));
        assert_eq!(parse_expires("1 mi"), Ok(60));
        assert_eq!(parse_expires("1 mo"), Ok(30 * 86400));
        assert!(parse_expires("x days").is_err());
        assert!(parse_expires("3 fortnights").is_err());
        assert!(parse_expires("3").is_ok());
        assert_eq!(
            parse_expires("3 ").unwrap_err(),
            "bad expires code, missing <type>"
        );
    }

    #[test]
    fn header_layouts() {
        let t = 1_795_320_544_123_456; // 2026-11-22 04:09:04 UTC, a Sunday.
        let mut s = UserTrack::new().settings.as_ref().clone();
        let mut out = Vec::new();
        set_cookie_value(&s, b"v", t, &mut out);
        assert_eq!(out, b"Apache=v; path=/");
        s.expires = 86400;
        out.clear();
        set_cookie_value(&s, b"v", t, &mut out);
        assert_eq!(
            out,
            b"Apache=v; path=/; expires=Mon, 23-Nov-26 04:09:04 GMT"
        );
        s.style = CookieStyle::Cookie2;
        s.domain = Some(".example.com".into());
        s.same_site = Some(SameSite::Strict);
        s.secure = true;
        s.http_only = true;
        out.clear();
        set_cookie_value(&s, b"v", t, &mut out);
        assert_eq!(
            out,
            &b"Apache=v; path=/; max-age=86400; domain=.example.com; version=1; SameSite=Strict; Secure; HttpOnly"[..]
        );
    }
}
