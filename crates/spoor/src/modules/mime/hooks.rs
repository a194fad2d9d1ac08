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
                .and_then(|q| crate::wasd::forced_type(&self.buf[q]));
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
        match self.dir.mime.lookup(&self.cfg.mime, name) {
            Some(t) => {
                out.extend_from_slice(t);
                true
            }
            None => false,
        }
    }
}
