use crate::hooks::{Flow, Module, Phase, Phases};
use crate::record::Cx;
use crate::site::Config;

impl Cx {
    /// An internal redirect's final request: the original's new cookie
    /// moves to the original (its note went with the original's notes), and the fixup runs again (httpd:
    /// a second Set-Cookie when the client sent none).
    pub(crate) fn usertrack_redirect(&mut self) {
        let sent = self.reply.set_cookie.take();
        if let Some(o) = self.reply.redirect.as_mut() {
            o.set_cookie = sent.map(|n| (n, self.cookie_hdr.clone()));
        }
        self.reply.cookie = false;
        self.usertrack();
    }

    /// The fixups step of mod_usertrack: recognise the client's cookie or
    /// issue a new one.
    pub(crate) fn usertrack(&mut self) {
        let expires = self.cfg.servers[self.reply.server].cookie_expires;
        let cookies = crate::record::header_values(&self.buf, &self.head, b"Cookie");
        let done = crate::modules::usertrack::cookie::fixup(
            self.dir.usertrack.get(),
            expires,
            cookies,
            self.reply.request_time_us,
            &mut self.cookie_note,
            &mut self.cookie_hdr,
        );
        self.reply.cookie = done != crate::modules::usertrack::cookie::Fixup::Off;
        // The `cookie` note (`%{cookie}n`).
        if self.reply.cookie {
            self.notes.set(b"cookie", &self.cookie_note);
        } else {
            self.notes.unset(b"cookie");
        }
        self.reply.set_cookie = None;
        if let crate::modules::usertrack::cookie::Fixup::Issued(n) = done {
            self.reply.set_cookie = Some(n);
        }
    }
}

/// mod_usertrack: the tracking cookie, as a fixup.
pub(crate) struct UserTrack;

impl Module for UserTrack {
    fn name(&self) -> &'static str {
        "mod_usertrack.c"
    }

    fn phases(&self, cfg: &Config) -> Phases {
        // (Tracking can be switched on in any section: the hook is cheap
        // where it is off.)
        let _ = cfg;
        Phases::NONE.with(Phase::Fixups)
    }

    fn fixups(&self, r: &mut Cx) -> Flow {
        if r.reply.redirect.is_some() {
            // An internal redirect's final request.
            r.usertrack_redirect();
        } else if r.uri != b"*" {
            // (A request for `*` is answered without it.)
            r.usertrack();
        }
        Flow::Declined
    }
}
