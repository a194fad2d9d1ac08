//! mod_auth_basic's check-user-id hook: the `Authorization: Basic` field
//! checked against the providers (mod_authn_file's password file).

use base64::Engine;

use super::dirconf::Provider;
use crate::errorlog::{Extra, Level, Module as LogModule};
use crate::hooks::{Flow, Module, Phase, Phases};
use crate::modules::authn_file::passwd::{self, Check, FileError, Lookup};
use crate::record::{header_values, Cx};
use crate::site::Config;

/// mod_auth_basic.
pub(crate) struct AuthBasic;

/// A provider's answer, as httpd's `authn_status`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Authn {
    Granted,
    Denied,
    UserNotFound,
    GeneralError,
}

impl Module for AuthBasic {
    fn name(&self) -> &'static str {
        "mod_auth_basic.c"
    }

    fn phases(&self, cfg: &Config) -> Phases {
        if cfg.loaded("auth_basic_module") && cfg.servers.iter().any(|s| s.sections.has_sections())
        {
            Phases::NONE.with(Phase::CheckUserId)
        } else {
            Phases::NONE
        }
    }

    fn check_user_id(&self, r: &mut Cx) -> Flow {
        if !r.reply.authn_needed || !r.dir.authn.has_type() {
            return Flow::Declined;
        }
        if r.dir.authn.name.is_none() {
            r.elog(
                LogModule::AuthBasic,
                Level::Error,
                Extra::default(),
                "AH01615",
                |c, m| {
                    m.extend_from_slice(b"need AuthName: ");
                    m.extend_from_slice(&c.uri);
                },
            );
            return Flow::Status(500);
        }
        let Some((user, password)) = r.basic_credentials() else {
            r.note_auth_failure();
            return Flow::Status(401);
        };
        r.reply.user = Some(user.clone());
        let providers = r.dir.basic.providers.clone();
        let mut result = Authn::UserNotFound;
        match providers.as_deref() {
            // None given: httpd's default, `file`, if its module is loaded.
            None if !r.cfg.loaded("authn_file_module") => {
                r.elog(
                    LogModule::AuthBasic,
                    Level::Error,
                    Extra::default(),
                    "AH01611",
                    |_, m| m.extend_from_slice(b"No Authn provider configured"),
                );
                result = Authn::GeneralError;
            }
            None => result = r.file_password(&user, &password),
            Some(list) => {
                for p in list {
                    result = match p {
                        Provider::File => r.file_password(&user, &password),
                    };
                    if result != Authn::UserNotFound {
                        break;
                    }
                }
            }
        }
        if result == Authn::Granted {
            return Flow::Ok;
        }
        if !r.dir.basic.authoritative() && result != Authn::Denied {
            return Flow::Declined;
        }
        match result {
            Authn::Denied => {
                r.elog(
                    LogModule::AuthBasic,
                    Level::Error,
                    Extra::default(),
                    "AH01617",
                    |c, m| {
                        m.extend_from_slice(b"user ");
                        m.extend_from_slice(&user);
                        m.extend_from_slice(b": authentication failure for \"");
                        m.extend_from_slice(&c.uri);
                        m.extend_from_slice(b"\": Password Mismatch");
                    },
                );
            }
            Authn::UserNotFound => {
                r.elog(
                    LogModule::AuthBasic,
                    Level::Error,
                    Extra::default(),
                    "AH01618",
                    |c, m| {
                        m.extend_from_slice(b"user ");
                        m.extend_from_slice(&user);
                        m.extend_from_slice(b" not found: ");
                        m.extend_from_slice(&c.uri);
                    },
                );
            }
            Authn::GeneralError | Authn::Granted => return Flow::Status(500),
        }
        r.note_auth_failure();
        Flow::Status(401)
    }
}

/// Decodes base 64 as APR's lenient decoder does: the longest prefix of
/// alphabet characters (no `=`) is decoded, a lone last character of a
/// group gives nothing, and the bits it would not fill are dropped.
fn lenient_base64(s: &[u8]) -> Vec<u8> {
    let n = s
        .iter()
        .position(|&c| !(c.is_ascii_alphanumeric() || c == b'+' || c == b'/'))
        .unwrap_or(s.len());
    let n = if n % 4 == 1 { n - 1 } else { n };
    let engine = base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_allow_trailing_bits(true)
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::RequireNone),
    );
    engine.decode(&s[..n]).unwrap_or_default()
}

/// Splits decoded credentials as httpd does: the text ends at a NUL
/// byte (a C string), the user is what comes before the first `:`, the
/// password what follows it (empty without a colon).
fn split_credentials(decoded: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let d = match memchr::memchr(0, decoded) {
        Some(i) => &decoded[..i],
        None => decoded,
    };
    match memchr::memchr(b':', d) {
        Some(i) => (d[..i].to_vec(), d[i + 1..].to_vec()),
        None => (d.to_vec(), Vec::new()),
    }
}

impl Cx {
    /// The user and password of the first `Authorization` field, if it is
    /// of the Basic scheme; a field of another scheme is logged
    /// (AH01614). `None`: no usable field (the caller answers 401).
    fn basic_credentials(&mut self) -> Option<(Vec<u8>, Vec<u8>)> {
        let line = header_values(&self.buf, &self.head, b"Authorization")
            .next()?
            .to_vec();
        let (scheme, rest) = match memchr::memchr(b' ', &line) {
            Some(i) => (&line[..i], &line[i + 1..]),
            None => (&line[..], &b""[..]),
        };
        if !scheme.eq_ignore_ascii_case(b"Basic") {
            self.elog(
                LogModule::AuthBasic,
                Level::Error,
                Extra::default(),
                "AH01614",
                |c, m| {
                    m.extend_from_slice(b"client used wrong authentication scheme: ");
                    m.extend_from_slice(&c.uri);
                },
            );
            return None;
        }
        let start = rest
            .iter()
            .position(|c| !matches!(c, b' ' | b'\t'))
            .unwrap_or(rest.len());
        Some(split_credentials(&lenient_base64(&rest[start..])))
    }

    /// mod_authn_file's password check of `user`.
    fn file_password(&mut self, user: &[u8], password: &[u8]) -> Authn {
        let Some(file) = self.dir.authn_file.file.clone() else {
            self.elog(
                LogModule::AuthnFile,
                Level::Error,
                Extra::default(),
                "AH01619",
                |_, m| m.extend_from_slice(b"AuthUserFile not specified in the configuration"),
            );
            return Authn::GeneralError;
        };
        let hash = match passwd::lookup(&file, user) {
            Ok(Lookup::Found(h)) => h,
            Ok(Lookup::NotFound) => return Authn::UserNotFound,
            Err(e) => {
                let (errno, too_large) = match &e {
                    FileError::Io(e) => (e.raw_os_error(), None),
                    FileError::TooLarge(n) => (None, Some(*n)),
                };
                let extra = Extra {
                    source: None,
                    errno,
                };
                self.elog(
                    LogModule::AuthnFile,
                    Level::Error,
                    extra,
                    "AH01620",
                    |_, m| {
                        m.extend_from_slice(b"Could not open password file: ");
                        m.extend_from_slice(file.as_os_str().as_encoded_bytes());
                        if let Some(n) = too_large {
                            m.extend_from_slice(
                                format!(
                                    " (spoor: {n} bytes, over its limit of {} bytes)",
                                    passwd::MAX_FILE
                                )
                                .as_bytes(),
                            );
                        }
                    },
                );
                return Authn::GeneralError;
            }
        };
        match passwd::verify(password, &hash) {
            Check::Match => Authn::Granted,
            Check::Mismatch => Authn::Denied,
            Check::Unsupported => {
                // httpd's `crypt` may know the form; spoor says why it
                // refuses before the mismatch line.
                self.elog(
                    LogModule::AuthnFile,
                    Level::Error,
                    Extra::default(),
                    "",
                    |_, m| {
                        m.extend_from_slice(b"spoor: the password hash of user ");
                        m.extend_from_slice(user);
                        m.extend_from_slice(
                            b" is of a form spoor does not support (bcrypt, $apr1$, {SHA}, $1$, $5$, $6$ and DES are)",
                        );
                    },
                );
                Authn::Denied
            }
        }
    }

    /// httpd's `ap_note_auth_failure` for the Basic scheme: the response
    /// carries `WWW-Authenticate: Basic realm="AuthName"`.
    pub(crate) fn note_auth_failure(&mut self) {
        if self.dir.authn.has_type() {
            self.reply.challenge = self.dir.authn.name.clone();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_as_apr() {
        assert_eq!(lenient_base64(b"Ym9iOnNlY3JldA=="), b"bob:secret");
        assert_eq!(lenient_base64(b"Ym9iOnNlY3JldA"), b"bob:secret");
        assert_eq!(lenient_base64(b"Ym9iOnNlY3JldA==junk"), b"bob:secret");
        assert_eq!(lenient_base64(b"!!!!"), b"");
        assert_eq!(lenient_base64(b""), b"");
        // A lone last character decodes to nothing.
        assert_eq!(lenient_base64(b"Ym9iO"), b"bob");
        // Bits a last group does not fill are dropped.
        assert_eq!(lenient_base64(b"Ym9"), b"bo");
        assert_eq!(lenient_base64(b"Ym9j"), b"boc");
        assert_eq!(lenient_base64(b"Ym9k"), b"bod");
        assert_eq!(lenient_base64(b"Ym9iOnNlY3JldA= junk"), b"bob:secret");
    }

    #[test]
    fn credentials_as_httpd() {
        assert_eq!(
            split_credentials(b"bob:secret"),
            (b"bob".to_vec(), b"secret".to_vec())
        );
        assert_eq!(split_credentials(b"bob"), (b"bob".to_vec(), Vec::new()));
        assert_eq!(
            split_credentials(b"bob:a:b"),
            (b"bob".to_vec(), b"a:b".to_vec())
        );
        assert_eq!(split_credentials(b"b\0ob:x"), (b"b".to_vec(), Vec::new()));
        assert_eq!(split_credentials(b":x"), (Vec::new(), b"x".to_vec()));
    }
}
