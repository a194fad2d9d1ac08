//! WASD access tracking in the connection engine: per request, find the
//! `WASDtrack` cookie the browser sent, or make a new token and answer
//! with `Set-Cookie`; the token then fills the record's track id (WASD
//! `!ID`, and the remote-ID slot of COMMON, COMMON_SERVER and COMBINED).
//!
//! The token, cookie and domain rules live in [`spoor_log::wasd_track`];
//! a server tracks when its model has
//! [`Server::wasd_track`](crate::config::model::Server::wasd_track) set (the WASD
//! configuration decides that with [`service_tracks`]).

use std::net::IpAddr;

use spoor_log::wasd_track::{find_token, token_address, Token, TokenGenerator, TrackSettings};

/// Whether a service tracks, by WASD's rules: `[Track]` enables tracking
/// for every non-proxy service; a service's `;notrack` turns it off and
/// `;track` turns it on for a proxy service. `keyword` is the service's
/// `Some(true)` for `;track`, `Some(false)` for `;notrack`.
pub fn service_tracks(track_enabled: bool, proxy: bool, keyword: Option<bool>) -> bool {
    track_enabled
        && match keyword {
            Some(k) => k,
            None => !proxy,
        }
}

/// The tracking state of the request a connection is serving.
#[derive(Debug, Default)]
pub struct ConnTrack {
    token: Option<Token>,
    /// The token is new: the response carries `Set-Cookie`.
    issue: bool,
    /// The `Set-Cookie` value, built here.
    cookie: Vec<u8>,
}

impl ConnTrack {
    /// Starts a request: with tracking on, takes the token from the
    /// request's `Cookie` header values, or makes one (from the local
    /// address the connection came in on, at `now_us`) to be issued.
    /// Without tracking, clears the state.
    pub fn begin<'a>(
        &mut self,
        settings: Option<&TrackSettings>,
        cookie_headers: impl IntoIterator<Item = &'a [u8]>,
        local: IpAddr,
        now_us: i64,
    ) {
        self.issue = false;
        self.token = None;
        if settings.is_none() {
            return;
        }
        match find_token(cookie_headers) {
            Some(t) => self.token = Some(t),
            None => {
                let t = TokenGenerator::global()
                    .next(now_us.div_euclid(1_000_000), token_address(local));
                self.token = Some(t);
                self.issue = true;
            }
        }
    }

    /// Clears the state (a request refused before its headers were read).
    pub fn clear(&mut self) {
        self.token = None;
        self.issue = false;
    }

    /// The `Set-Cookie` value to send; `None` when the browser already
    /// has its token or the server does not track.
    pub fn set_cookie(
        &mut self,
        settings: Option<&TrackSettings>,
        host: &[u8],
        now_us: i64,
    ) -> Option<&[u8]> {
        match (settings, &self.token, self.issue) {
            (Some(s), Some(t), true) => {
                self.cookie.clear();
                s.set_cookie(t, host, now_us.div_euclid(1_000_000), &mut self.cookie);
                Some(&self.cookie)
            }
            _ => None,
        }
    }

    /// The token to log (`!ID`).
    pub fn id(&self) -> Option<&[u8]> {
        self.token.as_ref().map(Token::as_bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_rules() {
        assert!(!service_tracks(false, false, Some(true)));
        assert!(service_tracks(true, false, None));
        assert!(!service_tracks(true, true, None));
        assert!(service_tracks(true, true, Some(true)));
        assert!(!service_tracks(true, false, Some(false)));
    }

    #[test]
    fn issue_then_recognise() {
        let s = TrackSettings::default();
        let local: IpAddr = "127.0.0.1".parse().unwrap();
        let mut c = ConnTrack::default();
        c.begin(Some(&s), std::iter::empty(), local, 1_795_320_349_000_000);
        let id = c.id().unwrap().to_vec();
        let v = c.set_cookie(Some(&s), b"localhost", 1_795_320_349_000_000);
        assert_eq!(
            v.unwrap(),
            [b"WASDtrack=".as_slice(), &id, b"; path=/"].concat()
        );
        // The browser sends it back: recognised, nothing issued.
        let cookie = [b"WASDtrack=".as_slice(), &id].concat();
        c.begin(Some(&s), [&cookie[..]], local, 1_795_320_350_000_000);
        assert_eq!(c.id(), Some(&id[..]));
        assert!(c.set_cookie(Some(&s), b"localhost", 0).is_none());
        // A server that does not track logs no id.
        c.begin(None, [&cookie[..]], local, 0);
        assert_eq!(c.id(), None);
    }
}
