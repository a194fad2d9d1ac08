//! mod_alias's translate-name hook: redirects first, then aliases, each
//! list the virtual host's entries before the main server's.

use crate::hooks::{Flow, Module, Phase, Phases};
use crate::record::Cx;
use crate::site::Config;

use super::settings::Entry;

/// mod_alias.
pub(crate) struct Alias;

impl Module for Alias {
    fn name(&self) -> &'static str {
        "mod_alias.c"
    }

    fn phases(&self, cfg: &Config) -> Phases {
        let mut p = Phases::NONE;
        let sections = cfg.servers.iter().any(|s| s.sections.any_redirects());
        if sections || cfg.servers.iter().any(|s| !s.alias.is_empty()) {
            p = p.with(Phase::TranslateName);
        }
        if sections {
            p = p.with(Phase::Fixups);
        }
        p
    }

    /// The redirects of the sections that matched (httpd's
    /// `fixup_redir`).
    fn fixups(&self, r: &mut Cx) -> Flow {
        if r.dir.alias.redirects.is_empty() {
            return Flow::Declined;
        }
        let dir = r.dir.clone();
        // (The one-argument `<Location>` form was looked at in
        // translate-name.)
        let two = dir.alias.redirects.iter().filter(|e| !e.whole);
        match Entry::find_in(two, &r.uri, true) {
            Some((e, to, _)) => redirect(r, e.status, to),
            None => Flow::Declined,
        }
    }

    fn translate_name(&self, r: &mut Cx) -> Flow {
        let cfg = r.cfg.clone();
        let conf = &cfg.servers[r.reply.server].alias;
        if let Some((e, to, _)) = Entry::find(&conf.redirects, &r.uri, true) {
            return redirect(r, e.status, to);
        }
        let srv = &cfg.servers[r.reply.server];
        if let Some(e) = srv.sections.location_redirect(&r.uri) {
            let to = e.target.as_deref().unwrap_or("").as_bytes().to_vec();
            return redirect(r, e.status, to);
        }
        if let Some((_, path, own)) = Entry::find(&conf.aliases, &r.uri, false) {
            // The walk's root is the target's directory, as the document
            // root is for other requests (a regex's: `/`).
            let (root, rest) = if own == 0 {
                (b"/".to_vec(), path)
            } else {
                (path[..own].to_vec(), path[own..].to_vec())
            };
            r.reply.translated = Some((root, rest));
            return Flow::Ok;
        }
        Flow::Declined
    }
}

/// A redirect's answer: the status, and for a 3xx the `Location` (a path
/// made a URL to this server as `ap_construct_url`, the request's query
/// added unless the target has its own).
fn redirect(r: &mut Cx, status: u16, mut to: Vec<u8>) -> Flow {
    if (300..=399).contains(&status) {
        if to.first() == Some(&b'/') {
            let mut url = b"http://".to_vec();
            r.self_url(&mut url);
            url.extend_from_slice(&to);
            to = url;
        }
        if let Some(q) = r.reply.query.clone() {
            if memchr::memchr(b'?', &to).is_none() {
                to.push(b'?');
                to.extend_from_slice(&r.buf[q]);
            }
        }
        r.reply.location = Some(to);
    }
    Flow::Status(status)
}
