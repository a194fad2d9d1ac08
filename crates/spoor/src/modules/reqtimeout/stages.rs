//! The stages of `RequestReadTimeout` (mod_reqtimeout.c): what one line
//! sets, with httpd's messages, and the read timeouts a server ends up
//! with. Apart from the directive's table entry ([`super::config`]) so
//! that the model and the running site hold them without importing the
//! configuration model back.
//!
//! A directive line is a list of `stage=value` words (`handshake`,
//! `header`, `body`, any case); a value is `timeout` or, with a minimum
//! rate, `timeout[-max],MinRate=rate` (`MinRate` in any case). Numbers are
//! read as C's `strtol` into an `int`, as httpd reads them (leading blanks
//! and a sign allowed, the value cut to 32 bits), so the same lines are
//! refused with the same words. A stage written on a line replaces the
//! whole stage (a later `header=5` drops an earlier `MinRate`); a virtual
//! host takes each stage it does not write from the main server.

/// One stage's limits, as written (`timeout[-max][,MinRate=rate]`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stage {
    /// Seconds allowed from the stage's first read; 0 turns the stage off.
    pub timeout: u32,
    /// The most seconds the rate may extend it to (0: no ceiling).
    pub max: u32,
    /// Microseconds each byte read adds (10^6 / MinRate, rounded down as
    /// httpd does; 0: no MinRate).
    pub us_per_byte: u64,
}

impl Stage {
    /// httpd 2.4's default for `header`: `20-40,MinRate=500`.
    pub const DEFAULT_HEADER: Stage = Stage {
        timeout: 20,
        max: 40,
        us_per_byte: 1_000_000 / 500,
    };
    /// httpd 2.4's default for `body`: `20,MinRate=500`.
    pub const DEFAULT_BODY: Stage = Stage {
        timeout: 20,
        max: 0,
        us_per_byte: 1_000_000 / 500,
    };
    /// The `handshake` default: off.
    pub const OFF: Stage = Stage {
        timeout: 0,
        max: 0,
        us_per_byte: 0,
    };
}

/// A server's `RequestReadTimeout` stages as its own lines set them
/// (`None`: not written here).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ServerStages {
    pub handshake: Option<Stage>,
    pub header: Option<Stage>,
    pub body: Option<Stage>,
}

impl ServerStages {
    /// A virtual host's stages over the main server's: each stage it does
    /// not write is the main server's.
    pub fn over(self, main: ServerStages) -> ServerStages {
        ServerStages {
            handshake: self.handshake.or(main.handshake),
            header: self.header.or(main.header),
            body: self.body.or(main.body),
        }
    }
}

/// What a server's connections and requests are held to, once the module
/// is loaded (`ReadTimeouts::default()`: not loaded, nothing enforced).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReadTimeouts {
    /// The module acts on connections whose base server is this one:
    /// httpd leaves a connection alone when its base server has no
    /// handshake timeout and writes `header=0` and `body=0`.
    pub enabled: bool,
    /// The request head (the connection's base server's value counts).
    pub header: Stage,
    /// The request body (the request's server's value counts).
    pub body: Stage,
    /// The TLS handshake. spoor serves plain HTTP only, where httpd's
    /// handshake stage ends before the first read (the header stage
    /// starts first), so it only takes part in `enabled`.
    pub handshake: Stage,
}

impl ReadTimeouts {
    /// The stages in force from a server's merged lines, httpd's defaults
    /// filling those never written.
    pub fn resolve(s: ServerStages) -> ReadTimeouts {
        let handshake = s.handshake.unwrap_or(Stage::OFF);
        let enabled = handshake.timeout > 0
            || s.header.is_none_or(|h| h.timeout != 0)
            || s.body.is_none_or(|b| b.timeout != 0);
        ReadTimeouts {
            enabled,
            header: s.header.unwrap_or(Stage::DEFAULT_HEADER),
            body: s.body.unwrap_or(Stage::DEFAULT_BODY),
            handshake,
        }
    }
}

/// One `key=value` word of a `RequestReadTimeout` line; the error is
/// httpd's message.
pub fn apply_word(stages: &mut ServerStages, word: &str) -> Result<(), String> {
    let Some((key, val)) = word.split_once('=') else {
        return Err(
            "Invalid RequestReadTimeout parameter. Parameter must be in the form 'key=value'"
                .into(),
        );
    };
    let slot = if key.eq_ignore_ascii_case("handshake") {
        &mut stages.handshake
    } else if key.eq_ignore_ascii_case("header") {
        &mut stages.header
    } else if key.eq_ignore_ascii_case("body") {
        &mut stages.body
    } else {
        return Err(format!(
            "RequestReadTimeout: {word}: Unknown RequestReadTimeout parameter"
        ));
    };
    // httpd clears the stage before reading the value: a refused value
    // leaves it written as zeros (the line fails anyway).
    *slot = Some(Stage::OFF);
    let stage = parse_stage(val).map_err(|m| format!("RequestReadTimeout: {word}: {m}"))?;
    *slot = Some(stage);
    Ok(())
}

/// `timeout`, or `timeout[-max],MinRate=rate`.
fn parse_stage(val: &str) -> Result<Stage, String> {
    const RATE: &str = ",minrate=";
    let found = val
        .as_bytes()
        .windows(RATE.len())
        .position(|w| w.eq_ignore_ascii_case(RATE.as_bytes()));
    let (timeout, max, rate) = match found {
        Some(i) => {
            let rate = parse_int(&val[i + RATE.len()..])?;
            if rate == 0 {
                return Err("Minimum data rate must be larger than 0".into());
            }
            let initial = &val[..i];
            let (initial, max) = match initial.split_once('-') {
                Some((a, b)) => (a, parse_int(b)?),
                None => (initial, 0),
            };
            (parse_int(initial)?, max, rate)
        }
        None if val.contains('-') => {
            return Err("Must set MinRate option if using timeout range".into());
        }
        None => (parse_int(val)?, 0, 0),
    };
    if max != 0 && timeout >= max {
        return Err("Maximum timeout must be larger than initial timeout".into());
    }
    Ok(Stage {
        timeout,
        max,
        us_per_byte: 1_000_000u64.checked_div(u64::from(rate)).unwrap_or(0),
    })
}

/// A number as httpd reads one here: C's `strtol` in base 10 (leading
/// white space, an optional sign, digits; saturating at the `long`
/// limits), stored in an `int` (the low 32 bits), which must then not be
/// negative.
fn parse_int(s: &str) -> Result<u32, String> {
    let (long, end) = crate::cnum::strtol_end(s.as_bytes());
    if end == 0 {
        return Err(format!("Value '{s}' not numerical"));
    }
    let rest = &s[end..];
    if !rest.is_empty() {
        return Err(format!("Cannot parse '{rest}'"));
    }
    let int = long as i32;
    if int < 0 {
        return Err("Value must be non-negative".into());
    }
    Ok(int as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(words: &str) -> Result<ServerStages, String> {
        let mut s = ServerStages::default();
        for w in words.split(' ') {
            apply_word(&mut s, w)?;
        }
        Ok(s)
    }

    fn err(words: &str) -> String {
        line(words).unwrap_err()
    }

    #[test]
    fn debian_lines() {
        let s = line("header=20-40,minrate=500").unwrap();
        assert_eq!(s.header, Some(Stage::DEFAULT_HEADER));
        let s = line("body=10,MinRate=500").unwrap();
        assert_eq!(
            s.body,
            Some(Stage {
                timeout: 10,
                max: 0,
                us_per_byte: 2000
            })
        );
        let s = line("HEADER=5 handshake=3").unwrap();
        assert_eq!(s.header.unwrap().timeout, 5);
        assert_eq!(s.handshake.unwrap().timeout, 3);
    }

    /// Each message as `apache2 -t` (2.4.67) printed it.
    #[test]
    fn apache2_messages() {
        let cases = [
            ("header", "Invalid RequestReadTimeout parameter. Parameter must be in the form 'key=value'"),
            ("foo=1", "RequestReadTimeout: foo=1: Unknown RequestReadTimeout parameter"),
            ("=5", "RequestReadTimeout: =5: Unknown RequestReadTimeout parameter"),
            ("header=", "RequestReadTimeout: header=: Value '' not numerical"),
            ("header=abc", "RequestReadTimeout: header=abc: Value 'abc' not numerical"),
            ("header=5x", "RequestReadTimeout: header=5x: Cannot parse 'x'"),
            ("header=-5", "RequestReadTimeout: header=-5: Must set MinRate option if using timeout range"),
            ("header=5-10", "RequestReadTimeout: header=5-10: Must set MinRate option if using timeout range"),
            ("header=10-5,minrate=5", "RequestReadTimeout: header=10-5,minrate=5: Maximum timeout must be larger than initial timeout"),
            ("header=5-5,minrate=5", "RequestReadTimeout: header=5-5,minrate=5: Maximum timeout must be larger than initial timeout"),
            ("header=5,minrate=0", "RequestReadTimeout: header=5,minrate=0: Minimum data rate must be larger than 0"),
            ("header=5,minrate=x", "RequestReadTimeout: header=5,minrate=x: Value 'x' not numerical"),
            ("header=5,rate=5", "RequestReadTimeout: header=5,rate=5: Cannot parse ',rate=5'"),
            ("header=5,", "RequestReadTimeout: header=5,: Cannot parse ','"),
            ("header=5,minrate=3,minrate=4", "RequestReadTimeout: header=5,minrate=3,minrate=4: Cannot parse ',minrate=4'"),
            ("header=2147483648", "RequestReadTimeout: header=2147483648: Value must be non-negative"),
            ("header=4294967295", "RequestReadTimeout: header=4294967295: Value must be non-negative"),
            ("header=99999999999999999999", "RequestReadTimeout: header=99999999999999999999: Value must be non-negative"),
            ("header=5-,minrate=1", "RequestReadTimeout: header=5-,minrate=1: Value '' not numerical"),
            ("header=-1-5,minrate=5", "RequestReadTimeout: header=-1-5,minrate=5: Cannot parse '-5'"),
            ("header=5x-6,minrate=5", "RequestReadTimeout: header=5x-6,minrate=5: Cannot parse 'x'"),
            ("header=5-6x,minrate=5x", "RequestReadTimeout: header=5-6x,minrate=5x: Cannot parse 'x'"),
            ("header=5--6,minrate=1", "RequestReadTimeout: header=5--6,minrate=1: Value must be non-negative"),
            ("header=5-10,minrate=4294967296", "RequestReadTimeout: header=5-10,minrate=4294967296: Minimum data rate must be larger than 0"),
            ("header==5", "RequestReadTimeout: header==5: Value '=5' not numerical"),
            ("header=0x10", "RequestReadTimeout: header=0x10: Cannot parse 'x10'"),
            ("header=\"5\"", "RequestReadTimeout: header=\"5\": Value '\"5\"' not numerical"),
            ("header=5,minrate=-1", "RequestReadTimeout: header=5,minrate=-1: Value must be non-negative"),
            ("header=5,minrate=5 body=6-x", "RequestReadTimeout: body=6-x: Must set MinRate option if using timeout range"),
        ];
        for (words, msg) in cases {
            assert_eq!(err(words), msg, "{words}");
        }
    }

    #[test]
    fn accepted_like_apache2() {
        for words in [
            "header=0",
            "header=5-0,minrate=3",
            "header=0-5,minrate=3",
            "header=99999999999",
            "header=2147483647",
            "header=4294967296",
            "header=+5",
            "header=010",
            "header=5,minrate=2000000",
            "header=5-10,minrate=4294967297",
        ] {
            assert!(line(words).is_ok(), "{words}");
        }
        // Cut to 32 bits as C's int.
        assert_eq!(
            line("header=99999999999").unwrap().header.unwrap().timeout,
            1_215_752_191
        );
        assert_eq!(
            line("header=4294967296").unwrap().header.unwrap().timeout,
            0
        );
        // A rate over 10^6 bytes/s adds nothing per byte.
        assert_eq!(
            line("body=5,minrate=2000000")
                .unwrap()
                .body
                .unwrap()
                .us_per_byte,
            0
        );
        // Leading blanks (a quoted word) are strtol's.
        assert_eq!(parse_int(" 5"), Ok(5));
        assert_eq!(parse_int("\t+7"), Ok(7));
    }

    #[test]
    fn a_stage_replaces_the_whole_stage() {
        let s = line("header=5-9,minrate=2 header=7").unwrap();
        assert_eq!(
            s.header,
            Some(Stage {
                timeout: 7,
                max: 0,
                us_per_byte: 0
            })
        );
    }

    #[test]
    fn defaults_and_enabling() {
        let d = ReadTimeouts::resolve(ServerStages::default());
        assert!(d.enabled);
        assert_eq!(d.header, Stage::DEFAULT_HEADER);
        assert_eq!(d.body, Stage::DEFAULT_BODY);
        let off = ReadTimeouts::resolve(line("header=0 body=0").unwrap());
        assert!(!off.enabled);
        let hs = ReadTimeouts::resolve(line("header=0 body=0 handshake=5").unwrap());
        assert!(hs.enabled);
        // Only header=0 written: the body default keeps the module on.
        assert!(ReadTimeouts::resolve(line("header=0").unwrap()).enabled);
        // A virtual host takes the stages it does not write.
        let main = line("header=3 body=4").unwrap();
        let vh = line("body=9").unwrap().over(main);
        assert_eq!(vh.header.unwrap().timeout, 3);
        assert_eq!(vh.body.unwrap().timeout, 9);
    }
}
