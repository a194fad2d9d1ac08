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
