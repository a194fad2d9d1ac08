//! The password file (`AuthUserFile`, htpasswd's format) and the hash
//! forms httpd's password check accepts on Linux.
//!
//! httpd hands the stored hash to APR's password check: bcrypt (`$2y$`,
//! `$2a$`), APR's MD5 (`$apr1$`) and `{SHA}` are APR's own; anything else
//! goes to the system's `crypt` (libxcrypt on Debian: `$2b$`, `$1$`,
//! `$5$`, `$6$`, traditional DES and more). Plain text is only accepted
//! on Windows, NetWare and BeOS, so a plain-text line never matches here.
//! The crates: `bcrypt`, `sha1`, `sha-crypt` (`$5$`, `$6$`), `pwhash`
//! (traditional DES only), and `md-5` under the MD5-crypt composition
//! below (`$1$`, `$apr1$`).

use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use base64::Engine;
use md5::{Digest, Md5};
use sha1::Sha1;
use sha_crypt::PasswordVerifier;

/// httpd reads a password file line by line into a buffer of this size
/// (`MAX_STRING_LEN`); a longer line ends the reading.
pub const MAX_LINE: usize = 8192;

/// spoor's bound on a password file's size (httpd has none).
pub const MAX_FILE: u64 = 64 << 20;

/// What looking a user up found.
#[derive(Debug, PartialEq, Eq)]
pub enum Lookup {
    /// The user's stored hash (the field after the name, up to the next
    /// `:`).
    Found(Vec<u8>),
    /// No line names the user.
    NotFound,
}

/// Why the file could not be read.
#[derive(Debug)]
pub enum FileError {
    /// Opening or reading it failed.
    Io(std::io::Error),
    /// Larger than [`MAX_FILE`].
    TooLarge(u64),
}

/// Looks `user` up in the password file at `path`, as httpd's
/// mod_authn_file reads it: each line with white space trimmed at both
/// ends, `#` lines and empty ones skipped, the name up to the first `:`
/// compared byte for byte; a line longer than [`MAX_LINE`] ends the
/// search (httpd's read fails there).
pub fn lookup(path: &Path, user: &[u8]) -> Result<Lookup, FileError> {
    let f = crate::static_files::open_read(path).map_err(FileError::Io)?;
    let len = f.metadata().map_err(FileError::Io)?.len();
    if len > MAX_FILE {
        return Err(FileError::TooLarge(len));
    }
    let mut r = BufReader::new(f.take(MAX_FILE));
    let mut line = Vec::with_capacity(256);
    loop {
        line.clear();
        let n = (&mut r)
            .take(MAX_LINE as u64)
            .read_until(b'\n', &mut line)
            .map_err(FileError::Io)?;
        if n == 0 {
            return Ok(Lookup::NotFound);
        }
        if line.last() != Some(&b'\n') && n == MAX_LINE {
            // Longer than httpd's buffer: its read stops here.
            return Ok(Lookup::NotFound);
        }
        if let Some(hash) = match_line(&line, user) {
            return Ok(Lookup::Found(hash.to_vec()));
        }
    }
}

/// The hash `line` holds for `user`, if it names that user.
fn match_line<'a>(line: &'a [u8], user: &[u8]) -> Option<&'a [u8]> {
    let l = line.trim_ascii();
    if l.is_empty() || l[0] == b'#' {
        return None;
    }
    let (name, rest) = match memchr::memchr(b':', l) {
        Some(i) => (&l[..i], &l[i + 1..]),
        None => (l, &b""[..]),
    };
    if name != user {
        return None;
    }
    Some(match memchr::memchr(b':', rest) {
        Some(i) => &rest[..i],
        None => rest,
    })
}

/// The result of checking a password against a stored hash.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Check {
    /// The password matches.
    Match,
    /// It does not.
    Mismatch,
    /// The hash is of a form spoor cannot check (yescrypt, scrypt,
    /// BSDi DES…); httpd's `crypt` may accept it.
    Unsupported,
}

/// Checks `password` against `hash` as httpd's password check does.
pub fn verify(password: &[u8], hash: &[u8]) -> Check {
    let ok = |b: bool| if b { Check::Match } else { Check::Mismatch };
    let Ok(h) = std::str::from_utf8(hash) else {
        return Check::Unsupported;
    };
    if let Some(rest) = h.strip_prefix("{SHA}") {
        let digest = Sha1::digest(password);
        let mine = base64::engine::general_purpose::STANDARD.encode(digest);
        return ok(eq(mine.as_bytes(), rest.as_bytes()));
    }
    if h.starts_with("$apr1$") {
        return ok(eq(md5_crypt(password, b"$apr1$", hash).as_bytes(), hash));
    }
    if h.starts_with("$1$") {
        return ok(eq(md5_crypt(password, b"$1$", hash).as_bytes(), hash));
    }
    if h.starts_with("$2y$") || h.starts_with("$2a$") || h.starts_with("$2b$") {
        return ok(bcrypt::verify(password, h).unwrap_or(false));
    }
    if h.starts_with("$5$") || h.starts_with("$6$") {
        let v = sha_crypt::ShaCrypt::default().verify_password(password, h);
        return ok(v.is_ok());
    }
    if h.is_empty() {
        // crypt with an empty setting fails: no password matches.
        return Check::Mismatch;
    }
    if h.starts_with('$') || h.starts_with('_') {
        // Other crypt forms (yescrypt `$y$`, scrypt `$7$`, BSDi `_`…).
        return Check::Unsupported;
    }
    // Traditional DES: two salt characters, then the hash; any other
    // text (plain text, a salt out of crypt's alphabet) matches nothing,
    // as crypt's result never equals it.
    ok(pwhash::unix_crypt::verify(password, h))
}

/// Compares without stopping at the first difference.
fn eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The alphabet crypt's base-64 uses.
const ITOA64: &[u8; 64] = b"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// MD5-crypt (Poul-Henning Kamp's `$1$`) with magic `magic`; APR's
/// `$apr1$` is the same algorithm with its own magic string. No crate
/// offers the `$apr1$` variant (those with `$1$` hard-code its magic), so
/// it is composed here from the `md-5` crate's digest. `setting` is the
/// stored hash: its salt (up to 8 bytes after the magic, ending at `$`)
/// is used; the result is the whole hash string.
fn md5_crypt(pw: &[u8], magic: &[u8], setting: &[u8]) -> String {
    let s = &setting[magic.len()..];
    let salt_end = s
        .iter()
        .take(8)
        .position(|&c| c == b'$')
        .unwrap_or(s.len().min(8));
    let salt = &s[..salt_end];

    let mut ctx = Md5::new();
    ctx.update(pw);
    ctx.update(magic);
    ctx.update(salt);
    let mut alt = Md5::new();
    alt.update(pw);
    alt.update(salt);
    alt.update(pw);
    let alt = alt.finalize();
    let mut left = pw.len();
    while left > 0 {
        let n = left.min(16);
        ctx.update(&alt[..n]);
        left -= n;
    }
    let mut i = pw.len();
    while i > 0 {
        if i & 1 == 1 {
            ctx.update([0u8]);
        } else {
            ctx.update(&pw[..1]);
        }
        i >>= 1;
    }
    let mut fin = ctx.finalize();
    for i in 0..1000 {
        let mut c = Md5::new();
        if i & 1 == 1 {
            c.update(pw);
        } else {
            c.update(fin);
        }
        if i % 3 != 0 {
            c.update(salt);
        }
        if i % 7 != 0 {
            c.update(pw);
        }
        if i & 1 == 1 {
            c.update(fin);
        } else {
            c.update(pw);
        }
        fin = c.finalize();
    }
    let mut out = Vec::with_capacity(magic.len() + salt.len() + 23);
    out.extend_from_slice(magic);
    out.extend_from_slice(salt);
    out.push(b'$');
    let mut put = |mut v: u32, n: usize| {
        for _ in 0..n {
            out.push(ITOA64[(v & 0x3f) as usize]);
            v >>= 6;
        }
    };
    let f = |i: usize| u32::from(fin[i]);
    for (a, b, c) in [(0, 6, 12), (1, 7, 13), (2, 8, 14), (3, 9, 15), (4, 10, 5)] {
        put((f(a) << 16) | (f(b) << 8) | f(c), 4);
    }
    put(f(11), 2);
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    // Made by apache2-utils' htpasswd (password "secret"), `-B -C 5`,
    // `-m`, `-s`, `-2`, `-5`, `-d`, and `openssl passwd -1`.
    const BCRYPT: &str = "$2y$05$5YHjN3HZgMAU4IXFb2FsjOTnWK9NPj0CEXlBE1dCYPO7c3ZJtAVv.";
    const APR1: &str = "$apr1$fGYrUjv/$AK69d.VVegf8P3bPfrRrH0";
    const SHA: &str = "{SHA}5en6G6MezRroT3XKqkdPOmY/BfQ=";
    const SHA256: &str = "$5$9myMlhQnBPVLdDPe$94qB2pl.xLGz8laJsheuj5N1u.ok1pHRscnhXztXG5.";
    const SHA512: &str = "$6$Ea04iPRQGfvAMU9h$xwYogtkWNho.7qp2/.ruuRobXJRHceMUmPIvxnKLwiI1X5vbNT2VDm1rwFSnUFRBeh4AMdx62tjtSPINAQ7S01";
    const MD5: &str = "$1$X2gF/8cS$1jtbURp9DpA3wZC/.MlWE/";
    const DES: &str = "mIyzuLLXdjrnM";

    #[test]
    fn htpasswd_vectors() {
        for h in [BCRYPT, APR1, SHA, SHA256, SHA512, MD5] {
            assert_eq!(verify(b"secret", h.as_bytes()), Check::Match, "{h}");
            assert_eq!(verify(b"secreT", h.as_bytes()), Check::Mismatch, "{h}");
            assert_eq!(verify(b"", h.as_bytes()), Check::Mismatch, "{h}");
        }
        // $2a$ and $2b$: the same hash under the other prefixes.
        for p in ["$2a$", "$2b$"] {
            let h = format!("{p}{}", &BCRYPT[4..]);
            assert_eq!(verify(b"secret", h.as_bytes()), Check::Match);
        }
        assert_eq!(verify(b"secret", DES.as_bytes()), Check::Match);
        assert_eq!(verify(b"secreT", DES.as_bytes()), Check::Mismatch);
        // Plain text is not a hash on Linux.
        assert_eq!(verify(b"secret", b"secret"), Check::Mismatch);
        assert_eq!(verify(b"!!", b"!!"), Check::Mismatch);
        // yescrypt (Debian's default for system passwords).
        assert_eq!(
            verify(
                b"secret",
                b"$y$j9T$abc$0123456789012345678901234567890123456789012"
            ),
            Check::Unsupported
        );
        assert_eq!(verify(b"", b""), Check::Mismatch);
        // A damaged hash of a known form.
        assert_eq!(verify(b"secret", b"$2y$05$short"), Check::Mismatch);
        assert_eq!(verify(b"secret", b"$apr1$"), Check::Mismatch);
    }

    #[test]
    fn lines_as_httpd_reads_them() {
        assert_eq!(match_line(b"bob:x\n", b"bob"), Some(&b"x"[..]));
        assert_eq!(match_line(b"  bob:x:extra  \r\n", b"bob"), Some(&b"x"[..]));
        assert_eq!(match_line(b"bob\n", b"bob"), Some(&b""[..]));
        assert_eq!(match_line(b"#bob:x\n", b"#bob"), None);
        assert_eq!(match_line(b"Bob:x\n", b"bob"), None);
        assert_eq!(match_line(b":x\n", b""), Some(&b"x"[..]));
    }

    #[test]
    fn file_lookup_and_bounds() {
        let dir = std::env::temp_dir().join(format!("spoor-passwd-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("pw");
        let long = "x".repeat(MAX_LINE + 10);
        std::fs::write(&p, format!("# c\n\nann:{APR1}\n{long}\nzed:{SHA}\n")).unwrap();
        assert_eq!(lookup(&p, b"ann").unwrap(), Lookup::Found(APR1.into()));
        // The long line ends the search, as httpd's.
        assert_eq!(lookup(&p, b"zed").unwrap(), Lookup::NotFound);
        assert!(matches!(
            lookup(&dir.join("none"), b"a"),
            Err(FileError::Io(_))
        ));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
