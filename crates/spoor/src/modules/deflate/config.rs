//! The directives of mod_deflate.c and its per-server settings.
//!
//! As in httpd, the settings are per server with no merge: a virtual
//! host starts from the defaults, not from the main server's lines.

use crate::config::error::ConfigError;
use crate::config::model::{nargs, Cmd};
use crate::modules::{Context, DirectiveDef, Parse};

use super::conf::{AlterEtag, MAX_BUFFER};

/// The directives of `mod_deflate.c` spoor knows.
pub const DIRECTIVES: &[DirectiveDef] = &[
    DirectiveDef {
        name: "DeflateFilterNote",
        context: Context::Server,
        parse: Parse::Fn(filter_note),
        about: "Set a note to report on compression ratio",
    },
    DirectiveDef {
        name: "DeflateWindowSize",
        context: Context::Server,
        parse: Parse::Fn(number),
        about: "Set the Deflate window size (1-15)",
    },
    DirectiveDef {
        name: "DeflateBufferSize",
        context: Context::Server,
        parse: Parse::Fn(number),
        about: "Set the Deflate Buffer Size",
    },
    DirectiveDef {
        name: "DeflateMemLevel",
        context: Context::Server,
        parse: Parse::Fn(number),
        about: "Set the Deflate Memory Level (1-9)",
    },
    DirectiveDef {
        name: "DeflateCompressionLevel",
        context: Context::Server,
        parse: Parse::Fn(number),
        about: "Set the Deflate Compression Level (1-9)",
    },
    DirectiveDef {
        name: "DeflateAlterETag",
        context: Context::Server,
        parse: Parse::Fn(alter_etag),
        about: "Set how mod_deflate should modify ETAG response headers",
    },
    DirectiveDef {
        name: "DeflateInflateLimitRequestBody",
        context: Context::Anywhere,
        parse: Parse::Fn(inflate_not_yet),
        about: "Not supported by spoor yet (the INFLATE input filter)",
    },
    DirectiveDef {
        name: "DeflateInflateRatioLimit",
        context: Context::Anywhere,
        parse: Parse::Fn(inflate_not_yet),
        about: "Not supported by spoor yet (the INFLATE input filter)",
    },
    DirectiveDef {
        name: "DeflateInflateRatioBurst",
        context: Context::Anywhere,
        parse: Parse::Fn(inflate_not_yet),
        about: "Not supported by spoor yet (the INFLATE input filter)",
    },
];

/// C's number reading (glibc's `strtol`), as httpd reads these values.
pub fn atoi(s: &str) -> i64 {
    crate::cnum::strtol(s.as_bytes())
}

/// `DeflateWindowSize`, `DeflateBufferSize`, `DeflateMemLevel`,
/// `DeflateCompressionLevel`: one number each, httpd's ranges and
/// messages.
fn number(cmd: &mut Cmd) -> Result<(), ConfigError> {
    cmd.server_only()?;
    let about = DIRECTIVES
        .iter()
        .find(|d| d.name.eq_ignore_ascii_case(cmd.name))
        .map_or("", |d| d.about);
    nargs(cmd.d, 1, 1, about)?;
    let n = atoi(&cmd.d.args[0]);
    let c = &mut cmd.srv.deflate;
    match cmd.name {
        "deflatewindowsize" => {
            if !(1..=15).contains(&n) {
                return Err(cmd.error("DeflateWindowSize must be between 1 and 15"));
            }
            c.window_bits = -(n as i32);
        }
        "deflatebuffersize" => {
            if n <= 0 || n > i64::from(i32::MAX) {
                return Err(cmd.error("DeflateBufferSize should be positive"));
            }
            if n as usize > MAX_BUFFER {
                return Err(cmd.error(format!(
                    "DeflateBufferSize above {MAX_BUFFER} is not supported by spoor"
                )));
            }
            c.buffer = n as usize;
        }
        "deflatememlevel" => {
            if !(1..=9).contains(&n) {
                return Err(cmd.error("DeflateMemLevel must be between 1 and 9"));
            }
            c.mem_level = n as i32;
        }
        _ => {
            if !(1..=9).contains(&n) {
                return Err(cmd.error("Compression Level must be between 1 and 9"));
            }
            c.level = n as i32;
        }
    }
    Ok(())
}

/// `DeflateFilterNote [type] name`: `Ratio` (the default), `Input` or
/// `Output`.
fn filter_note(cmd: &mut Cmd) -> Result<(), ConfigError> {
    cmd.server_only()?;
    // (httpd's TAKE12 wording.)
    if cmd.d.args.is_empty() || cmd.d.args.len() > 2 {
        return Err(cmd.error(format!(
            "{} takes 1-2 arguments, Set a note to report on compression ratio",
            cmd.d.name
        )));
    }
    let args = &cmd.d.args;
    let c = &mut cmd.srv.deflate;
    if args.len() == 1 {
        c.note_ratio = Some(args[0].clone());
        return Ok(());
    }
    let slot = if args[0].eq_ignore_ascii_case("ratio") {
        &mut c.note_ratio
    } else if args[0].eq_ignore_ascii_case("input") {
        &mut c.note_input
    } else if args[0].eq_ignore_ascii_case("output") {
        &mut c.note_output
    } else {
        return Err(cmd.error(format!("Unknown note type {}", args[0])));
    };
    *slot = Some(args[1].clone());
    Ok(())
}

/// `DeflateAlterETag AddSuffix|NoChange|Remove`.
fn alter_etag(cmd: &mut Cmd) -> Result<(), ConfigError> {
    cmd.server_only()?;
    nargs(
        cmd.d,
        1,
        1,
        "Set how mod_deflate should modify ETAG response headers: 'AddSuffix' (default), 'NoChange' (2.2.x behavior), 'Remove'",
    )?;
    let a = &cmd.d.args[0];
    cmd.srv.deflate.etag = if a.eq_ignore_ascii_case("NoChange") {
        AlterEtag::NoChange
    } else if a.eq_ignore_ascii_case("AddSuffix") {
        AlterEtag::AddSuffix
    } else if a.eq_ignore_ascii_case("Remove") {
        AlterEtag::Remove
    } else {
        return Err(
            cmd.error("DeflateAlterETAG accepts only 'NoChange', 'AddSuffix', and 'Remove'")
        );
    };
    Ok(())
}

/// The INFLATE filter's directives (request bodies): not in spoor yet.
fn inflate_not_yet(cmd: &mut Cmd) -> Result<(), ConfigError> {
    Err(cmd.error(format!(
        "{} is not supported by spoor yet (the INFLATE input filter)",
        cmd.d.name
    )))
}

#[cfg(test)]
mod tests {
    use super::atoi;

    #[test]
    fn atoi_reads_as_c_does() {
        assert_eq!(atoi("9"), 9);
        assert_eq!(atoi(" 12abc"), 12);
        assert_eq!(atoi("x"), 0);
        assert_eq!(atoi("-3"), -3);
        assert_eq!(atoi("99999999999999999999999"), i64::MAX);
    }
}
