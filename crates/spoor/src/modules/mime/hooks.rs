use std::os::unix::ffi::OsStrExt;

use crate::record::*;

impl Cx {
    /// The content type of the file being served, appended to `out`
    /// (false: it has none): WASD's `?httpd=content&type=TYPE`, else its
    /// `[AddType]` table (by the served file's type), else mod_mime's
    /// lookup by the URI's last segment.
    pub(crate) fn file_type(&self, out: &mut Vec<u8>) -> bool {
        if let Some(w) = &self.cfg.wasd {
            let forced = self
                .reply
                .query
                .clone()
                .and_then(|q| crate::modules::wasd::site::forced_type(&self.buf[q]));
            match forced {
                Some(t) => out.extend_from_slice(&t),
                None => {
                    let name = self.path.file_name().map_or(&b""[..], |n| n.as_bytes());
                    out.extend_from_slice(w.types.lookup(name));
                }
            }
            return true;
        }
        let name = self.uri.rsplit(|&b| b == b'/').next().unwrap_or(b"");
        if let Some(hit) = memo::get(&self.cfg, &self.dir, name, out) {
            return hit;
        }
        let start = out.len();
        let found = self.file_type_lookup(name, out);
        memo::put(&self.cfg, &self.dir, name, found.then(|| &out[start..]));
        found
    }

    /// [`Cx::file_type`] without WASD and the memo: `ForceType`, mod_mime's
    /// lookup of `name`, `AddDefaultCharset`.
    fn file_type_lookup(&self, name: &[u8], out: &mut Vec<u8>) -> bool {
        let core = &self.dir.core;
        // core's fixup: ForceType replaces mod_mime's type (its charset
        // included).
        match core.force_type.as_deref().filter(|t| *t != "none") {
            Some(t) => out.extend_from_slice(t.as_bytes()),
            None => {
                let info = self.dir.mime.info(&self.cfg.mime, name);
                let Some(t) = info.content_type else {
                    return false;
                };
                out.extend_from_slice(t);
                if let Some(c) = info.charset {
                    if !contains_ci(t, b"charset=") {
                        out.extend_from_slice(b"; charset=");
                        out.extend_from_slice(c.as_bytes());
                    }
                }
            }
        }
        // AddDefaultCharset, for text/plain and text/html only (httpd's
        // `ap_make_content_type`).
        if let Some(Some(cs)) = &core.default_charset {
            if (contains_ci(out, b"text/plain") || contains_ci(out, b"text/html"))
                && !contains_ci(out, b"charset=")
            {
                out.extend_from_slice(b"; charset=");
                out.extend_from_slice(cs.as_bytes());
            }
        }
        true
    }
}

/// The last few content types worked out on this thread. The type is a
/// function of the configuration, the merged per-directory settings and
/// the URI's last segment alone, and both settings are shared `Arc`s that
/// stay the same from request to request (a reload or a different
/// `<Directory>` merge gives another one): a hit skips the extension
/// split, the table lookups and the charset checks. Keys hold `Weak`s, so
/// an address is never reused while it is remembered.
mod memo {
    use std::cell::RefCell;
    use std::sync::{Arc, Weak};

    use crate::perdir::PerDir;
    use crate::site::Config;

    /// Entries kept per thread.
    const SLOTS: usize = 4;
    /// Longer names are not remembered (bounds the memo's memory).
    const NAME_MAX: usize = 64;
    /// Longer types are not remembered.
    const TYPE_MAX: usize = 128;

    struct Slot {
        cfg: Weak<Config>,
        dir: Weak<PerDir>,
        name: Vec<u8>,
        /// The type, or `None` when the file has none.
        ty: Option<Vec<u8>>,
    }

    #[derive(Default)]
    struct Memo {
        slots: Vec<Slot>,
        /// The slot replaced next once all are used.
        next: usize,
    }

    thread_local! {
        static MEMO: RefCell<Memo> = RefCell::default();
    }

    fn same(s: &Slot, cfg: &Arc<Config>, dir: &Arc<PerDir>, name: &[u8]) -> bool {
        std::ptr::eq(s.dir.as_ptr(), Arc::as_ptr(dir))
            && std::ptr::eq(s.cfg.as_ptr(), Arc::as_ptr(cfg))
            && s.name == name
    }

    /// The remembered answer for `name`, its type appended to `out`.
    pub(super) fn get(
        cfg: &Arc<Config>,
        dir: &Arc<PerDir>,
        name: &[u8],
        out: &mut Vec<u8>,
    ) -> Option<bool> {
        MEMO.with(|m| {
            let m = m.borrow();
            let s = m.slots.iter().find(|s| same(s, cfg, dir, name))?;
            Some(match &s.ty {
                Some(t) => {
                    out.extend_from_slice(t);
                    true
                }
                None => false,
            })
        })
    }

    /// Remembers the answer for `name`.
    pub(super) fn put(cfg: &Arc<Config>, dir: &Arc<PerDir>, name: &[u8], ty: Option<&[u8]>) {
        if name.len() > NAME_MAX || ty.is_some_and(|t| t.len() > TYPE_MAX) {
            return;
        }
        MEMO.with(|m| {
            let mut m = m.borrow_mut();
            let slot = Slot {
                cfg: Arc::downgrade(cfg),
                dir: Arc::downgrade(dir),
                name: name.to_vec(),
                ty: ty.map(<[u8]>::to_vec),
            };
            if m.slots.len() < SLOTS {
                m.slots.push(slot);
            } else {
                let k = m.next;
                m.slots[k] = slot;
                m.next = (k + 1) % SLOTS;
            }
        })
    }
}

impl Cx {
    /// mod_mime's `Content-Encoding` (the encodings joined by `, `) and
    /// `Content-Language` (the languages joined by `,`) of the file
    /// served, after its `Content-Type`, in httpd's order.
    pub(crate) fn mime_headers(&mut self) {
        let mime = &self.dir.mime;
        if self.cfg.wasd.is_some() || (mime.exts.is_empty() && mime.default_language.is_none()) {
            return;
        }
        let dir = self.dir.clone();
        let name = self.uri.rsplit(|&b| b == b'/').next().unwrap_or(b"");
        let info = dir.mime.info(&self.cfg.mime, name);
        let mut v = std::mem::take(&mut self.scratch);
        for (list, sep, field) in [
            (&info.encodings, &b", "[..], &b"Content-Encoding"[..]),
            (&info.languages, &b","[..], &b"Content-Language"[..]),
        ] {
            if list.is_empty() {
                continue;
            }
            v.clear();
            for (i, x) in list.iter().enumerate() {
                if i > 0 {
                    v.extend_from_slice(sep);
                }
                v.extend_from_slice(x.as_bytes());
            }
            if field == b"Content-Encoding" && self.cfg.loaded.contains(&"negotiation_module") {
                // mod_negotiation's fixup: the client's spelling.
                self.fix_encoding(&mut v);
            }
            header(&mut self.out, &mut self.reply.headers_out, field, &v);
        }
        self.scratch = v;
    }
}

/// Whether `hay` contains `needle`, ignoring ASCII case.
fn contains_ci(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle))
}
