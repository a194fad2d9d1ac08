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
        if cfg.servers.iter().any(|s| !s.alias.is_empty()) {
            Phases::NONE.with(Phase::TranslateName)
        } else {
            Phases::NONE
        }
    }

    fn translate_name(&self, r: &mut Cx) -> Flow {
        let cfg = r.cfg.clone();
        let conf = &cfg.servers[r.reply.server].alias;
        if let Some((e, mut to, _)) = Entry::find(&conf.redirects, &r.uri, true) {
            if (300..=399).contains(&e.status) {
                if to.first() == Some(&b'/') {
                    // A path: made a URL to this server, as
                    // `ap_construct_url`.
                    let mut url = b"http://".to_vec();
                    r.self_url(&mut url);
                    url.extend_from_slice(&to);
                    to = url;
                }
                // The request's query, unless the target has its own.
                if let Some(q) = r.reply.query.clone() {
                    if memchr::memchr(b'?', &to).is_none() {
                        to.push(b'?');
                        to.extend_from_slice(&r.buf[q]);
                    }
                }
                r.reply.location = Some(to);
            }
            return Flow::Status(e.status);
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
