//! WASD's `!` log formats, compiled into the same items as Apache's.
//!
//! A user-defined format starts with the empty-field substitute (`\0` for
//! none); after it, `!XX` inserts a field, `\0 \! \\ \n \q \t` insert a
//! character, and anything else is copied. The three predefined formats
//! COMMON, COMMON_SERVER and COMBINED are spelled as user formats.
//!
//! Choices where WASD's documentation is silent (spec/decisions.md):
//! codes are accepted in either case; an unknown code, an unknown `\`
//! escape, or a format that ends in a lone `!` or `\` is an error. Text
//! fields are escaped as Apache escapes them (a raw newline or quote from a
//! client would otherwise forge log lines), and an empty text field counts
//! as empty. `!BY`/`!BB` always print a number. `!ES` prints seconds with
//! six decimals.

use crate::format::{Ctx, Escaping, Format, FormatError, Item, Kind, Lit, Needs, TimeForm};
use crate::record::NameKey;

/// WASD's COMMON format; the remote-ID slot carries the tracking token.
pub const COMMON: &str = "-!CN !ID !AU [!TC] \\q!RQ\\q !RS !BY";
/// COMMON with the server host name appended.
pub const COMMON_SERVER: &str = "-!CN !ID !AU [!TC] \\q!RQ\\q !RS !BY !SN";
/// COMMON with the referer and user agent appended.
pub const COMBINED: &str = "-!CN !ID !AU [!TC] \\q!RQ\\q !RS !BY \\q!RF\\q \\q!UA\\q";

fn item(kind: Kind, arg: &[u8], orig: bool) -> Item {
    Item {
        kind,
        arg: arg.into(),
        prefix: Lit::default(),
        key: NameKey::default(),
        conds: Box::new([]),
        negate: false,
        orig,
        ctx: Ctx::Wasd,
    }
}

/// The item for a two-letter code (upper case), or `None` if unknown.
fn code(c: &[u8; 2]) -> Option<Item> {
    let t = |form| Kind::Time { end: false, form };
    Some(match c {
        b"AR" => item(Kind::AuthRealm, b"", false),
        b"AU" => item(Kind::User, b"", false),
        b"BB" => item(Kind::Bytes, b"", false),
        b"BY" => item(Kind::BytesOut, b"", false),
        b"CA" => item(Kind::UserAgentIp, b"", false),
        b"CN" => item(Kind::UserAgentHost, b"", false),
        b"EM" => item(Kind::DurationMs, b"", true),
        b"ES" => item(Kind::DurationFrac, b"", true),
        b"ID" => item(Kind::TrackId, b"", false),
        b"ME" => item(Kind::Method, b"", true),
        b"PA" => item(Kind::Uri, b"", true),
        b"QS" => item(Kind::QueryBare, b"", true),
        b"RF" => item(Kind::HeaderIn, b"Referer", false),
        b"RQ" => item(Kind::RequestLine, b"", true),
        b"RS" => item(Kind::Status, b"", false),
        b"SN" => item(Kind::ServerName, b"", false),
        b"SC" => item(Kind::ScriptName, b"", false),
        b"SM" => item(Kind::Scheme, b"", false),
        b"SP" => item(Kind::ServerPort, b"", false),
        b"TC" => item(t(TimeForm::ClfBare), b"", false),
        b"TG" => item(t(TimeForm::Gmt), b"", false),
        b"TV" => item(t(TimeForm::Vms), b"", false),
        b"UA" => item(Kind::HeaderIn, b"User-Agent", false),
        _ => return None,
    })
}

impl Format {
    /// Compiles a WASD `[LogFormat]` value: `COMMON`, `COMMON_SERVER`,
    /// `COMBINED` (any case) or a user-defined `!` format.
    pub fn wasd(s: &str) -> Result<Format, FormatError> {
        let s = if s.eq_ignore_ascii_case("COMMON") {
            COMMON
        } else if s.eq_ignore_ascii_case("COMMON_SERVER") {
            COMMON_SERVER
        } else if s.eq_ignore_ascii_case("COMBINED") {
            COMBINED
        } else {
            s
        };
        let b = s.as_bytes();
        let (empty, mut i) = match b {
            [] => return Err(FormatError("empty WASD log format".into())),
            [b'\\', b'0', ..] => (None, 2),
            [b'\\', ..] | [b'!', ..] => {
                return Err(FormatError(
                    "WASD log format must begin with the empty-field character (\\0 for none)"
                        .into(),
                ))
            }
            [c, ..] if c.is_ascii() => (Some(*c), 1),
            _ => {
                return Err(FormatError(
                    "WASD log format's empty-field character must be ASCII".into(),
                ))
            }
        };
        let mut items: Vec<Item> = Vec::new();
        let mut text = Vec::new();
        let flush = |text: &mut Vec<u8>, items: &mut Vec<Item>| {
            if !text.is_empty() {
                items.push(Item {
                    kind: Kind::Literal,
                    arg: std::mem::take(text).into_boxed_slice(),
                    ..item(Kind::Literal, b"", false)
                });
            }
        };
        while i < b.len() {
            match b[i] {
                b'!' => {
                    if i + 2 >= b.len() {
                        return Err(FormatError(format!(
                            "WASD log format ends inside a directive: {:?}",
                            &s[i..]
                        )));
                    }
                    let c = [b[i + 1].to_ascii_uppercase(), b[i + 2].to_ascii_uppercase()];
                    let Some(it) = code(&c) else {
                        return Err(FormatError(format!(
                            "unknown WASD log format directive !{}",
                            String::from_utf8_lossy(&b[i + 1..i + 3])
                        )));
                    };
                    flush(&mut text, &mut items);
                    items.push(it);
                    i += 3;
                }
                b'\\' => {
                    let Some(&c) = b.get(i + 1) else {
                        return Err(FormatError("WASD log format ends in a lone \\".into()));
                    };
                    match c {
                        b'0' => {}
                        b'!' => text.push(b'!'),
                        b'\\' => text.push(b'\\'),
                        b'n' => text.push(b'\n'),
                        b'q' => text.push(b'"'),
                        b't' => text.push(b'\t'),
                        _ => {
                            return Err(FormatError(format!(
                                "unknown WASD log format escape \\{}",
                                c as char
                            )))
                        }
                    }
                    i += 2;
                }
                c => {
                    text.push(c);
                    i += 1;
                }
            }
        }
        flush(&mut text, &mut items);
        let mut f = Format {
            items,
            end: Lit::default(),
            empty,
            escaping: Escaping::Apache,
            needs: Needs::NONE,
        };
        f.finish(Ctx::Wasd);
        Ok(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_formats_compile() {
        // spec/wasd-logging.md §1, the examples from the v7.1 overview.
        for s in [
            "-!CN - !AU [!TC] \\q!RQ\\q !RS !BY",
            "-!CN - !AU [!TC] \\q!RQ\\q !RS !BY \\q!RF\\q \\q!UA\\q",
            "\\0!TC\\t!CA\\t!SN\\t!AR\\t!AU\\t!ME\\t!PA\\t!RQ\\t!EM\\t!UA\\t!RS\\t!BB\\t",
            "-!CN - !AU [!TC] \\q!RQ\\q !RS !BY !ES",
            "COMMON",
            "common_server",
            "Combined",
        ] {
            Format::wasd(s).unwrap_or_else(|e| panic!("{s}: {e}"));
        }
    }

    #[test]
    fn errors() {
        let e = |s: &str| Format::wasd(s).unwrap_err().0;
        assert_eq!(e("-!XX"), "unknown WASD log format directive !XX");
        assert!(e("-abc !").contains("ends inside"));
        assert!(e("-abc !C").contains("ends inside"));
        assert_eq!(e("-abc \\"), "WASD log format ends in a lone \\");
        assert_eq!(e("-\\z"), "unknown WASD log format escape \\z");
        assert!(e("").contains("empty"));
    }

    #[test]
    fn lower_case_codes() {
        assert_eq!(Format::wasd("-!cn").unwrap(), Format::wasd("-!CN").unwrap());
    }
}
