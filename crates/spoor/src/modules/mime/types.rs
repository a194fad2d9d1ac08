//! Content types by file extension: `/etc/mime.types` when present, else a
//! built-in table of common types.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// The hash of the extension map: FxHash's multiply-rotate over 8-byte
/// words. The keys come from the configuration, not from clients, so the
/// map needs no protection against chosen collisions, and an extension of
/// a few bytes hashes in a handful of instructions (SipHash costs ~20 times
/// as many).
#[derive(Clone, Copy, Debug, Default)]
struct ExtHasher(u64);

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl ExtHasher {
    #[inline]
    fn add(&mut self, w: u64) {
        self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(SEED);
    }
}

impl Hasher for ExtHasher {
    #[inline]
    fn write(&mut self, mut bytes: &[u8]) {
        while bytes.len() >= 8 {
            let (w, rest) = bytes.split_at(8);
            self.add(u64::from_le_bytes(w.try_into().unwrap_or_default()));
            bytes = rest;
        }
        let mut last = [0u8; 8];
        last[..bytes.len()].copy_from_slice(bytes);
        self.add(u64::from_le_bytes(last) ^ ((bytes.len() as u64) << 59));
    }

    #[inline]
    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}

type ExtMap = HashMap<Box<[u8]>, Box<[u8]>, BuildHasherDefault<ExtHasher>>;

const BUILTIN: &[(&str, &str)] = &[
    ("html", "text/html"),
    ("htm", "text/html"),
    ("css", "text/css"),
    ("js", "text/javascript"),
    ("mjs", "text/javascript"),
    ("json", "application/json"),
    ("txt", "text/plain"),
    ("text", "text/plain"),
    ("csv", "text/csv"),
    ("xml", "application/xml"),
    ("svg", "image/svg+xml"),
    ("png", "image/png"),
    ("jpg", "image/jpeg"),
    ("jpeg", "image/jpeg"),
    ("gif", "image/gif"),
    ("webp", "image/webp"),
    ("ico", "image/vnd.microsoft.icon"),
    ("avif", "image/avif"),
    ("woff", "font/woff"),
    ("woff2", "font/woff2"),
    ("ttf", "font/ttf"),
    ("otf", "font/otf"),
    ("pdf", "application/pdf"),
    ("zip", "application/zip"),
    ("gz", "application/gzip"),
    ("tar", "application/x-tar"),
    ("wasm", "application/wasm"),
    ("mp3", "audio/mpeg"),
    ("ogg", "audio/ogg"),
    ("wav", "audio/x-wav"),
    ("mp4", "video/mp4"),
    ("webm", "video/webm"),
];

/// A map from lower-case extension to content type.
#[derive(Clone, Debug)]
pub struct MimeTable {
    map: ExtMap,
}

impl MimeTable {
    /// The built-in table.
    pub fn builtin() -> MimeTable {
        let map = BUILTIN
            .iter()
            .map(|(e, t)| (e.as_bytes().into(), t.as_bytes().into()))
            .collect();
        MimeTable { map }
    }

    /// Parses a `mime.types` file: `type ext ext …` per line, `#` comments.
    pub fn parse(text: &str) -> MimeTable {
        let mut map = ExtMap::default();
        for line in text.lines() {
            let line = line.split('#').next().unwrap_or("");
            let mut words = line.split_ascii_whitespace();
            let Some(ty) = words.next() else { continue };
            for ext in words {
                map.insert(
                    ext.to_ascii_lowercase().into_bytes().into_boxed_slice(),
                    ty.as_bytes().into(),
                );
            }
        }
        MimeTable { map }
    }

    /// Reads a `mime.types` file (TypesConfig) by the configuration
    /// reader's rules: a regular file only (httpd's AH00554 otherwise),
    /// opened without blocking, at most [`crate::config::fs::MAX_FILE_LEN`]
    /// bytes; the error is the reason, ready to print.
    pub fn from_file(path: &std::path::Path) -> Result<MimeTable, String> {
        use crate::config::fs::{read_config_file, ReadError, MAX_FILE_LEN};
        match read_config_file(path, MAX_FILE_LEN) {
            Ok(bytes) => Ok(MimeTable::parse(&String::from_utf8_lossy(&bytes))),
            Err(ReadError::Io(e)) => Err(e.to_string()),
            Err(ReadError::NotRegular) => Err(format!(
                "AH00554: Access to file {} denied by server: not a regular file",
                path.display()
            )),
            Err(ReadError::TooLarge) => {
                Err(format!("larger than {MAX_FILE_LEN} bytes (spoor's limit)"))
            }
        }
    }

    /// `/etc/mime.types` if it can be read, else [`MimeTable::builtin`].
    pub fn system() -> MimeTable {
        match std::fs::read_to_string("/etc/mime.types") {
            Ok(text) => {
                let t = MimeTable::parse(&text);
                if t.map.is_empty() {
                    MimeTable::builtin()
                } else {
                    t
                }
            }
            Err(_) => MimeTable::builtin(),
        }
    }

    /// The type of a file name: the last extension that has one, as
    /// mod_mime lets the last type-setting extension win.
    pub fn lookup(&self, file_name: &[u8]) -> Option<&[u8]> {
        // From the last extension back: the first one with a type is the
        // one that wins.
        let mut lower = [0u8; 32];
        let mut rest = file_name;
        while let Some(dot) = rest.iter().rposition(|&b| b == b'.') {
            let ext = &rest[dot + 1..];
            rest = &rest[..dot];
            if ext.is_empty() || ext.len() > lower.len() {
                continue;
            }
            let l = &mut lower[..ext.len()];
            l.copy_from_slice(ext);
            l.make_ascii_lowercase();
            if let Some(t) = self.map.get(&*l) {
                return Some(t);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups() {
        let t =
            MimeTable::parse("text/html html htm\n# c\ntext/plain txt\napplication/x-tar tar\n");
        assert_eq!(t.lookup(b"index.HTML"), Some(&b"text/html"[..]));
        assert_eq!(t.lookup(b"a.txt"), Some(&b"text/plain"[..]));
        assert_eq!(t.lookup(b"a.txt.unknown"), Some(&b"text/plain"[..]));
        assert_eq!(t.lookup(b"noext"), None);
        assert_eq!(t.lookup(b"a.tar.html"), Some(&b"text/html"[..]));
        assert_eq!(t.lookup(b"a.html.tar"), Some(&b"application/x-tar"[..]));
        assert_eq!(t.lookup(b"a.html..x."), Some(&b"text/html"[..]));
        assert_eq!(t.lookup(b".txt"), Some(&b"text/plain"[..]));
        assert_eq!(
            MimeTable::builtin().lookup(b"x.css"),
            Some(&b"text/css"[..])
        );
    }
}
