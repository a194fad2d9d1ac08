//! Compiled log formats and the Apache `%` parser.
//!
//! A format string is compiled once into a flat list of [`Item`]s, the way
//! nginx compiles a `log_format` into an array of ops; rendering walks the
//! list (see [`crate::render`]). The WASD `!` dialect ([`crate::wasd`])
//! compiles into the same item kinds wherever the meaning is the same.

use std::fmt;

use crate::record::NameKey;

mod needs;
use needs::kind_reads;
pub use needs::Needs;

/// How the dynamic items of a format are escaped.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Escaping {
    /// Apache's rules: `ap_escape_logitem` on exactly the items httpd
    /// escapes, nothing on the others.
    #[default]
    Apache,
    /// JSON: the format's literal text is taken as a JSON template. Items
    /// that stand inside a JSON string (after an odd number of unescaped
    /// `"` in the literal text before them) are escaped as JSON string
    /// contents, non-UTF-8 bytes as `\u00hh`. Items that stand outside a
    /// string are written as JSON values: numbers as numbers, a missing
    /// value (Apache's `-`) as `null`, text as a quoted JSON string. A
    /// format whose literal text is a valid JSON skeleton therefore yields a
    /// valid JSON document for every request.
    Json,
}

/// Where an item's output goes, decided when the format is compiled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Ctx {
    /// Apache escaping rules.
    Apache,
    /// WASD: Apache escaping for text, the format's own empty substitute.
    Wasd,
    /// Inside a JSON string.
    JsonString,
    /// A bare JSON value.
    JsonValue,
}

/// The time an item refers to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TimeForm {
    /// `[DD/Mon/YYYY:HH:MM:SS +hhmm]`
    Clf,
    /// CLF without brackets (WASD `!TC`).
    ClfBare,
    /// RFC 1123 in GMT (WASD `!TG`).
    Gmt,
    /// VMS absolute time (WASD `!TV`).
    Vms,
    Sec,
    Msec,
    Usec,
    MsecFrac,
    UsecFrac,
    /// `strftime` with the item's argument as the format.
    Strftime,
}

/// What an item renders.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Constant text (the item's argument), never escaped.
    Literal,
    /// The item's argument, printed as it is (Apache's "bogus argument"
    /// cases of `%p`, `%P` and `%T`), subject to status conditions.
    Arg,
    UserAgentIp,
    ClientIp,
    LocalIp,
    BytesClf,
    Bytes,
    Cookie,
    DurationUs,
    DurationMs,
    DurationS,
    /// WASD `!ES`: seconds with six decimals.
    DurationFrac,
    Env,
    Filename,
    UserAgentHost,
    ClientHost,
    Protocol,
    HeaderIn,
    KeepAlives,
    Logname,
    LogId,
    ConnLogId,
    Method,
    Note,
    HeaderOut,
    ContentType,
    SetCookies,
    ServerPort,
    LocalPort,
    RemotePort,
    Pid,
    Tid,
    HexTid,
    Query,
    /// WASD `!QS`: the query without `?`, empty when absent.
    QueryBare,
    RequestLine,
    Handler,
    Status,
    Time {
        end: bool,
        form: TimeForm,
    },
    User,
    Uri,
    ServerName,
    VhostName,
    ConnStatus,
    TrailerIn,
    TrailerOut,
    BytesIn,
    BytesOut,
    BytesInOut,
    Ttfb,
    /// `%{VAR}x`: a TLS variable.
    TlsVar,
    /// `%{name}c`: a mod_ssl connection item.
    TlsConn,
    /// WASD `!AR`.
    AuthRealm,
    /// WASD `!SC`.
    ScriptName,
    /// WASD `!SM`: `http:` or `https:`.
    Scheme,
    /// WASD `!ID` / COMMON remote-ID slot: the tracking token.
    TrackId,
}

/// One compiled element of a format.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Item {
    pub(crate) kind: Kind,
    /// The `{…}` argument, or the text of a literal.
    pub(crate) arg: Box<[u8]>,
    /// Literal text written before the item (the literal that preceded it
    /// in the format, folded in so rendering walks half as many items).
    pub(crate) prefix: Lit,
    /// The table name the item looks up (`%{NAME}i`, `%{NAME}o`, `%{VAR}e`,
    /// `Cookie` for `%{n}C`…), prepared for fast comparison; empty for items
    /// that look nothing up.
    pub(crate) key: NameKey,
    /// The status-code list; empty for none.
    pub(crate) conds: Box<[i32]>,
    /// Log the value only when the status is *not* in `conds`.
    pub(crate) negate: bool,
    /// Use the original request of a redirect chain, not the final one.
    pub(crate) orig: bool,
    pub(crate) ctx: Ctx,
}

/// Literal text, its first eight bytes also held inline so that a short
/// text is written with one fixed-size copy rather than a `memcpy` call.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Lit {
    text: Box<[u8]>,
    head: [u8; 8],
}

impl Lit {
    pub(crate) fn new(text: Box<[u8]>) -> Lit {
        let mut head = [0u8; 8];
        let n = text.len().min(8);
        head[..n].copy_from_slice(&text[..n]);
        Lit { text, head }
    }

    /// The text.
    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.text
    }

    /// Appends the text to `out`.
    #[inline(always)]
    pub(crate) fn put(&self, out: &mut Vec<u8>) {
        let n = self.text.len();
        if n <= 8 {
            put_fixed(out, &self.head, n);
        } else {
            out.extend_from_slice(&self.text);
        }
    }
}

/// Appends the first `n` bytes of `buf` (`n <= N`): all `N` bytes are
/// copied, a fixed-size move the compiler inlines, and the excess cut off
/// again, which is cheaper than a variable-length `memcpy` for short texts.
#[inline(always)]
pub(crate) fn put_fixed<const N: usize>(out: &mut Vec<u8>, buf: &[u8; N], n: usize) {
    debug_assert!(n <= N);
    let end = out.len() + n;
    out.extend_from_slice(buf);
    out.truncate(end);
}

/// A format string compiled for rendering.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Format {
    pub(crate) items: Vec<Item>,
    /// The text after the last item (a trailing literal), LF included.
    pub(crate) end: Lit,
    /// The empty-field substitute (`-` for Apache, WASD's first character).
    pub(crate) empty: Option<u8>,
    pub(crate) escaping: Escaping,
    /// The record parts the items read, found when the format was
    /// compiled ([`Format::needs`]).
    pub(crate) needs: Needs,
}

/// Why a format string was rejected. The messages are httpd's (Apache
/// dialect) or spoor's own (WASD dialect).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormatError(pub String);

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for FormatError {}

/// The Common Log Format, httpd's default and its `CLF` nickname.
pub const CLF: &str = "%h %l %u %t \"%r\" %>s %b";
/// The combined format of httpd's stock configuration.
pub const COMBINED: &str = "%h %l %u %t \"%r\" %>s %b \"%{Referer}i\" \"%{User-Agent}i\"";

impl Format {
    /// Compiles an Apache `LogFormat` string with Apache escaping.
    ///
    /// The string is what the configuration tokenizer produced: quotes
    /// removed, `\"` and `\\` already reduced. Literal-text escapes
    /// (`\n \r \t \\`) are handled here.
    pub fn apache(s: &str) -> Result<Format, FormatError> {
        Format::apache_with(s.as_bytes(), Escaping::Apache)
    }

    /// Compiles an Apache `LogFormat` string with the given escaping; every
    /// item of [`REGISTERED_ITEMS`] is available.
    pub fn apache_with(s: &[u8], escaping: Escaping) -> Result<Format, FormatError> {
        Format::apache_registered(s, escaping, REGISTERED_ITEMS)
    }

    /// Compiles an Apache `LogFormat` string with the given escaping, where
    /// of the items other modules register ([`REGISTERED_ITEMS`]) only
    /// those named in `registered` exist: another is refused with httpd's
    /// "Unrecognized LogFormat directive" message, as httpd refuses `%x`
    /// when mod_ssl is not loaded. mod_log_config's own items are always
    /// there.
    pub fn apache_registered(
        s: &[u8],
        escaping: Escaping,
        registered: &[&str],
    ) -> Result<Format, FormatError> {
        let mut items = Vec::new();
        let mut i = 0;
        while i < s.len() {
            if s[i] == b'%' {
                i = parse_item(s, i + 1, &mut items, registered)?;
            } else {
                i = parse_literal(s, i, &mut items);
            }
        }
        let mut f = Format {
            items,
            end: Lit::default(),
            empty: Some(b'-'),
            escaping,
            needs: Needs::NONE,
        };
        f.finish(Ctx::Apache);
        Ok(f)
    }

    /// Merges adjacent literals and assigns each item its escaping context.
    pub(crate) fn finish(&mut self, base: Ctx) {
        let mut merged: Vec<Item> = Vec::with_capacity(self.items.len());
        for it in self.items.drain(..) {
            if it.kind == Kind::Literal {
                if let Some(prev) = merged.last_mut() {
                    if prev.kind == Kind::Literal {
                        let mut v = prev.arg.to_vec();
                        v.extend_from_slice(&it.arg);
                        prev.arg = v.into_boxed_slice();
                        continue;
                    }
                }
            }
            merged.push(it);
        }
        let mut in_string = false;
        for it in &mut merged {
            if it.kind == Kind::Literal {
                let mut esc = false;
                for &b in it.arg.iter() {
                    if esc {
                        esc = false;
                    } else if b == b'\\' {
                        esc = in_string;
                    } else if b == b'"' {
                        in_string = !in_string;
                    }
                }
                it.ctx = base;
                continue;
            }
            it.ctx = match self.escaping {
                Escaping::Apache => base,
                Escaping::Json if in_string => Ctx::JsonString,
                Escaping::Json => Ctx::JsonValue,
            };
        }
        // Fold each literal into the item after it; a trailing literal and
        // the LF become the format's end text.
        let mut folded: Vec<Item> = Vec::with_capacity(merged.len());
        for mut it in merged {
            if it.kind != Kind::Literal {
                if let Some(prev) = folded.last() {
                    if prev.kind == Kind::Literal {
                        it.prefix = Lit::new(folded.pop().expect("just seen").arg);
                    }
                }
            }
            it.key = match it.kind {
                Kind::HeaderIn
                | Kind::HeaderOut
                | Kind::ContentType
                | Kind::Env
                | Kind::Note
                | Kind::TrailerIn
                | Kind::TrailerOut
                | Kind::TlsVar => NameKey::new(&it.arg),
                Kind::Cookie => NameKey::new(b"Cookie"),
                Kind::SetCookies => NameKey::new(b"Set-Cookie"),
                _ => NameKey::default(),
            };
            folded.push(it);
        }
        let mut end = Vec::new();
        if folded.last().is_some_and(|it| it.kind == Kind::Literal) {
            end = folded.pop().expect("just seen").arg.into_vec();
        }
        end.push(b'\n');
        self.end = Lit::new(end.into_boxed_slice());
        self.items = folded;
        self.needs = self.items.iter().fold(Needs::NONE, |acc, it| {
            let (part, request) = kind_reads(it.kind);
            let orig = if it.orig && request {
                Needs::ORIG
            } else {
                Needs::NONE
            };
            acc | part | orig
        });
    }

    /// The number of compiled items: one per directive, plus one for
    /// literal text after the last directive (text before a directive is
    /// part of that directive's item).
    pub fn len(&self) -> usize {
        self.items.len() + usize::from(self.end.as_bytes().len() > 1)
    }

    /// Whether the format has no items at all (an empty string).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The escaping this format was compiled with.
    pub fn escaping(&self) -> Escaping {
        self.escaping
    }

    /// The parts of a record this format reads (see [`Needs`]): a caller
    /// may leave the others empty. Computed once, when the format was
    /// compiled.
    pub fn needs(&self) -> Needs {
        self.needs
    }

    /// Whether any item needs the request's end time, so callers can skip
    /// reading the clock otherwise.
    pub fn uses_end_time(&self) -> bool {
        self.items.iter().any(|it| {
            matches!(
                it.kind,
                Kind::DurationUs
                    | Kind::DurationMs
                    | Kind::DurationS
                    | Kind::DurationFrac
                    | Kind::Time { end: true, .. }
            )
        })
    }
}

fn lit(text: Vec<u8>) -> Item {
    Item {
        kind: Kind::Literal,
        arg: text.into_boxed_slice(),
        prefix: Lit::default(),
        key: NameKey::default(),
        conds: Box::new([]),
        negate: false,
        orig: false,
        ctx: Ctx::Apache,
    }
}

/// Literal text up to the next `%`, with httpd's backslash escapes: `\n`,
/// `\r`, `\t` and `\\` are translated, any other backslash is kept along
/// with the character after it.
fn parse_literal(s: &[u8], mut i: usize, items: &mut Vec<Item>) -> usize {
    let mut text = Vec::new();
    while i < s.len() && s[i] != b'%' {
        if s[i] != b'\\' {
            text.push(s[i]);
            i += 1;
            continue;
        }
        i += 1;
        match s.get(i) {
            Some(b'\\') => text.push(b'\\'),
            Some(b'n') => text.push(b'\n'),
            Some(b'r') => text.push(b'\r'),
            Some(b't') => text.push(b'\t'),
            _ => {
                // Kept as it is; the next character is read normally.
                text.push(b'\\');
                continue;
            }
        }
        i += 1;
    }
    items.push(lit(text));
    i
}

const RAN_OFF: &str = "Ran off end of LogFormat parsing args to some directive";

/// Parses one `%` item starting after the `%`; returns the index after it.
fn parse_item(
    s: &[u8],
    mut i: usize,
    items: &mut Vec<Item>,
    registered: &[&str],
) -> Result<usize, FormatError> {
    if s.get(i) == Some(&b'%') {
        items.push(lit(b"%".to_vec()));
        return Ok(i + 1);
    }
    let mut negate = false;
    let mut want_orig: Option<bool> = None;
    let mut arg: &[u8] = b"";
    let mut conds = Vec::new();
    while i < s.len() {
        match s[i] {
            b'!' => {
                negate = !negate;
                i += 1;
            }
            b'<' => {
                want_orig = Some(true);
                i += 1;
            }
            b'>' => {
                want_orig = Some(false);
                i += 1;
            }
            b',' => i += 1,
            b'{' => {
                let start = i + 1;
                match s[start..].iter().position(|&b| b == b'}') {
                    Some(n) => {
                        arg = &s[start..start + n];
                        i = start + n + 1;
                    }
                    None => {
                        arg = &s[start..];
                        i = s.len();
                    }
                }
            }
            b'0'..=b'9' => {
                // httpd accumulates in a C int; wrap the same way.
                let mut v: i32 = 0;
                while i < s.len() && s[i].is_ascii_digit() {
                    v = v.wrapping_mul(10).wrapping_add((s[i] - b'0') as i32);
                    i += 1;
                }
                conds.push(v);
            }
            _ => {
                let found = lookup(&s[i..], arg).filter(|(kind, _, _)| {
                    registered_name(*kind).is_none_or(|n| registered.contains(&n))
                });
                let (kind, len, orig_default) = match found {
                    Some(k) => k,
                    None => {
                        // httpd names the one byte where the lookup failed,
                        // and its error log escapes it: `apache2 -t` shows
                        // `%\xc3` for `%é`, `%\t` for a tab, `%\\` for a
                        // backslash, but `%"` as it is.
                        let shown = error_log_byte(s[i]);
                        return Err(FormatError(format!(
                            "Unrecognized LogFormat directive %{shown}"
                        )));
                    }
                };
                items.push(Item {
                    kind,
                    arg: arg.into(),
                    prefix: Lit::default(),
                    key: NameKey::default(),
                    conds: conds.into_boxed_slice(),
                    negate,
                    orig: want_orig.unwrap_or(orig_default),
                    ctx: Ctx::Apache,
                });
                return Ok(i + len);
            }
        }
    }
    Err(FormatError(RAN_OFF.to_string()))
}

/// The `%` items that modules other than mod_log_config add to it in
/// httpd (`ap_register_log_handler`): mod_logio's `I`, `O`, `S` and `^FB`,
/// mod_ssl's `x` and `c`. Which of them a format may use depends on the
/// modules loaded ([`Format::apache_registered`]); their rendering is
/// built in like every other item's.
pub const REGISTERED_ITEMS: &[&str] = &["I", "O", "S", "^FB", "x", "c"];

/// The name under which another module registers the items of `kind`, if
/// it is not one of mod_log_config's own.
fn registered_name(kind: Kind) -> Option<&'static str> {
    Some(match kind {
        Kind::BytesIn => "I",
        Kind::BytesOut => "O",
        Kind::BytesInOut => "S",
        Kind::Ttfb => "^FB",
        Kind::TlsVar => "x",
        Kind::TlsConn => "c",
        _ => return None,
    })
}

/// One byte as httpd's error log shows it: printable ASCII as it is except
/// the backslash, C escapes for `\b \t \n \v \r`, `\xhh` otherwise.
fn error_log_byte(c: u8) -> String {
    match c {
        b'\\' => "\\\\".to_string(),
        0x20..=0x7e => (c as char).to_string(),
        0x08 => "\\b".to_string(),
        b'\t' => "\\t".to_string(),
        b'\n' => "\\n".to_string(),
        0x0b => "\\v".to_string(),
        b'\r' => "\\r".to_string(),
        _ => format!("\\x{c:02x}"),
    }
}

/// Looks up the directive at the start of `s`: its kind, how many bytes it
/// takes, and whether it defaults to the original request.
fn lookup(s: &[u8], arg: &[u8]) -> Option<(Kind, usize, bool)> {
    if s[0] == b'^' && s.len() >= 3 {
        let k = match &s[..3] {
            b"^ti" => Some(Kind::TrailerIn),
            b"^to" => Some(Kind::TrailerOut),
            b"^FB" => Some(Kind::Ttfb),
            _ => None,
        };
        if let Some(k) = k {
            return Some((k, 3, false));
        }
    }
    let ci = |w: &[u8]| arg.eq_ignore_ascii_case(w);
    let k = match s[0] {
        b'a' if arg == b"c" => Kind::ClientIp,
        b'a' => Kind::UserAgentIp,
        b'A' => Kind::LocalIp,
        b'b' => Kind::BytesClf,
        b'B' => Kind::Bytes,
        b'C' => Kind::Cookie,
        b'D' => Kind::DurationUs,
        b'e' => Kind::Env,
        b'f' => Kind::Filename,
        b'h' if arg == b"c" => Kind::ClientHost,
        b'h' => Kind::UserAgentHost,
        b'H' => Kind::Protocol,
        b'i' => Kind::HeaderIn,
        b'k' => Kind::KeepAlives,
        b'l' => Kind::Logname,
        b'L' if arg == b"c" => Kind::ConnLogId,
        b'L' => Kind::LogId,
        b'm' => Kind::Method,
        b'n' => Kind::Note,
        b'o' if ci(b"Content-Type") => Kind::ContentType,
        b'o' if ci(b"Set-Cookie") => Kind::SetCookies,
        b'o' => Kind::HeaderOut,
        b'p' if arg.is_empty() || ci(b"canonical") => Kind::ServerPort,
        b'p' if ci(b"local") => Kind::LocalPort,
        b'p' if ci(b"remote") => Kind::RemotePort,
        b'p' => Kind::Arg,
        b'P' if arg.is_empty() || ci(b"pid") => Kind::Pid,
        // httpd picks hex by testing the first byte for a lower-case `h`,
        // so `%{HEXTID}P` prints the decimal id.
        b'P' if ci(b"hextid") && arg[0] == b'h' => Kind::HexTid,
        b'P' if ci(b"tid") || ci(b"hextid") => Kind::Tid,
        b'P' => Kind::Arg,
        b'q' => Kind::Query,
        b'r' => Kind::RequestLine,
        b'R' => Kind::Handler,
        b's' => Kind::Status,
        b't' => time_kind(arg),
        b'T' if arg.is_empty() || ci(b"s") => Kind::DurationS,
        b'T' if ci(b"ms") => Kind::DurationMs,
        b'T' if ci(b"us") => Kind::DurationUs,
        b'T' => Kind::Arg,
        b'u' => Kind::User,
        b'U' => Kind::Uri,
        b'v' => Kind::ServerName,
        b'V' => Kind::VhostName,
        b'X' => Kind::ConnStatus,
        b'I' => Kind::BytesIn,
        b'O' => Kind::BytesOut,
        b'S' => Kind::BytesInOut,
        b'x' => Kind::TlsVar,
        b'c' => Kind::TlsConn,
        _ => return None,
    };
    let orig_default = matches!(s[0], b's' | b'U' | b'T' | b'D' | b'r' | b'L' | b'R');
    Some((k, 1, orig_default))
}

/// Decodes a `%{…}t` argument the way httpd does at log time.
fn time_kind(a: &[u8]) -> Kind {
    let mut end = false;
    let mut fmt = a;
    if a.is_empty() {
        return Kind::Time {
            end,
            form: TimeForm::Clf,
        };
    }
    if let Some(rest) = fmt.strip_prefix(b"begin") {
        fmt = rest;
        if rest.is_empty() {
            return Kind::Time {
                end,
                form: TimeForm::Clf,
            };
        }
        if rest[0] == b':' {
            fmt = &rest[1..];
        }
    } else if let Some(rest) = fmt.strip_prefix(b"end") {
        fmt = rest;
        if rest.is_empty() {
            return Kind::Time {
                end: true,
                form: TimeForm::Clf,
            };
        }
        if rest[0] == b':' {
            fmt = &rest[1..];
            end = true;
        }
    }
    let form = match fmt {
        b"msec" => TimeForm::Msec,
        b"msec_frac" => TimeForm::MsecFrac,
        b"usec" => TimeForm::Usec,
        b"usec_frac" => TimeForm::UsecFrac,
        b"sec" => TimeForm::Sec,
        b"" => TimeForm::Clf,
        _ => TimeForm::Strftime,
    };
    Kind::Time { end, form }
}

/// The `strftime` format of a `%{…}t` item: the text after `begin:` or
/// `end:`, else the whole argument (httpd keeps a colon-less prefix such as
/// `endfoo` in the format).
pub(crate) fn strftime_format(arg: &[u8]) -> &[u8] {
    if let Some(rest) = arg.strip_prefix(b"begin:") {
        rest
    } else if let Some(rest) = arg.strip_prefix(b"end:") {
        rest
    } else {
        arg
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(s: &str) -> String {
        Format::apache(s).unwrap_err().0
    }

    #[test]
    fn registered_items_need_their_module() {
        let only = |s: &str, reg: &[&str]| {
            Format::apache_registered(s.as_bytes(), Escaping::Apache, reg).map_err(|e| e.0)
        };
        // mod_logio loaded, mod_ssl not (apache2 -t on Debian).
        let logio = &["I", "O", "S", "^FB"][..];
        assert!(only("%I %O %S %^FB %^ti %{c}a %{X}C", logio).is_ok());
        for (f, shown) in [("%{SSL_PROTOCOL}x", "x"), ("%{version}c", "c"), ("%c", "c")] {
            assert_eq!(
                only(f, logio).unwrap_err(),
                format!("Unrecognized LogFormat directive %{shown}")
            );
            assert!(only(f, REGISTERED_ITEMS).is_ok());
        }
        // Without mod_logio: `^FB` falls back to a one-byte `^`, as httpd's
        // lookup does.
        assert_eq!(
            only("%^FB", &[]).unwrap_err(),
            "Unrecognized LogFormat directive %^"
        );
        assert_eq!(
            only("%>I", &[]).unwrap_err(),
            "Unrecognized LogFormat directive %I"
        );
        assert!(only("%^ti %^to %L %{c}L %R %k", &[]).is_ok());
        // The unrestricted constructors take every registered item.
        assert!(Format::apache("%I %O %S %^FB %{x}x %{x}c").is_ok());
    }

    #[test]
    fn error_messages_match_httpd() {
        // spec/apache-logging.md §1.1 item 5 [EMP].
        assert_eq!(err("%Z"), "Unrecognized LogFormat directive %Z");
        assert_eq!(err("%^x"), "Unrecognized LogFormat directive %^");
        assert_eq!(err("%{foo}Q"), "Unrecognized LogFormat directive %Q");
        // apache2 -t escapes the byte as its error log does.
        assert_eq!(err("%é"), "Unrecognized LogFormat directive %\\xc3");
        assert_eq!(err("%\\"), "Unrecognized LogFormat directive %\\\\");
        assert_eq!(err("%\t"), "Unrecognized LogFormat directive %\\t");
        assert_eq!(err("%\""), "Unrecognized LogFormat directive %\"");
        for s in ["abc %", "%{foo", "%400", "%!", "%<", "%{a}", "%400,"] {
            assert_eq!(err(s), RAN_OFF, "{s}");
        }
    }

    #[test]
    fn modifiers_in_any_order() {
        let a = Format::apache("%400,501{User-agent}i").unwrap();
        let b = Format::apache("%{User-agent}400,501i").unwrap();
        assert_eq!(a, b);
        let it = &a.items[0];
        assert_eq!(it.kind, Kind::HeaderIn);
        assert_eq!(&*it.conds, &[400, 501]);
        assert!(!it.negate);
        let n = Format::apache("%!!200s").unwrap();
        assert!(!n.items[0].negate);
        let n = Format::apache("%!200s").unwrap();
        assert!(n.items[0].negate);
        let o = Format::apache("%<>s").unwrap();
        assert!(!o.items[0].orig);
        let o = Format::apache("%><s %s %>U %m").unwrap();
        assert!(o.items[0].orig);
        assert!(o.items[1].orig);
        assert_eq!(o.items[1].prefix.as_bytes(), b" ");
        assert!(!o.items[2].orig);
        assert!(!o.items[3].orig);
        let l = Format::apache("%{a}{b}i").unwrap();
        assert_eq!(&*l.items[0].arg, b"b");
    }

    #[test]
    fn every_directive_compiles() {
        for d in [
            "%a",
            "%{c}a",
            "%A",
            "%b",
            "%B",
            "%{n}C",
            "%D",
            "%{V}e",
            "%f",
            "%h",
            "%{c}h",
            "%H",
            "%{X}i",
            "%k",
            "%l",
            "%L",
            "%{c}L",
            "%m",
            "%{n}n",
            "%{X}o",
            "%p",
            "%{canonical}p",
            "%{local}p",
            "%{remote}p",
            "%P",
            "%{pid}P",
            "%{tid}P",
            "%{hextid}P",
            "%q",
            "%r",
            "%R",
            "%s",
            "%t",
            "%{sec}t",
            "%T",
            "%{ms}T",
            "%{us}T",
            "%{s}T",
            "%u",
            "%U",
            "%v",
            "%V",
            "%X",
            "%I",
            "%O",
            "%S",
            "%^FB",
            "%{V}C",
            "%{V}^ti",
            "%{V}^to",
            "%{V}x",
            "%{version}c",
            "%%",
        ] {
            Format::apache(d).unwrap_or_else(|e| panic!("{d}: {e}"));
        }
    }

    #[test]
    fn literal_escapes() {
        // spec §1.1 item 1 [EMP]: lit=[\t|\\|\q|\"] after the tokenizer
        // (which turned \" into ") gives lit=[<TAB>|\|\q|"].
        let f = Format::apache("lit=[\\t|\\\\|\\q|\"]").unwrap();
        assert!(f.items.is_empty());
        assert_eq!(f.len(), 1);
        assert_eq!(f.end.as_bytes(), b"lit=[\t|\\|\\q|\"]\n");
        let f = Format::apache("a\\%s\\").unwrap();
        assert_eq!(f.items[0].prefix.as_bytes(), b"a\\");
        assert_eq!(f.items[0].kind, Kind::Status);
        assert_eq!(f.end.as_bytes(), b"\\\n");
        assert_eq!(f.len(), 2);
    }

    #[test]
    fn time_arguments() {
        let k = |a: &str| time_kind(a.as_bytes());
        let t = |end, form| Kind::Time { end, form };
        assert_eq!(k(""), t(false, TimeForm::Clf));
        assert_eq!(k("begin"), t(false, TimeForm::Clf));
        assert_eq!(k("end"), t(true, TimeForm::Clf));
        assert_eq!(k("begin:"), t(false, TimeForm::Clf));
        assert_eq!(k("end:"), t(true, TimeForm::Clf));
        assert_eq!(k("end:sec"), t(true, TimeForm::Sec));
        assert_eq!(k("endsec"), t(false, TimeForm::Sec));
        assert_eq!(k("beginmsec"), t(false, TimeForm::Msec));
        assert_eq!(k("msec_frac"), t(false, TimeForm::MsecFrac));
        assert_eq!(k("usec_frac"), t(false, TimeForm::UsecFrac));
        assert_eq!(k("usec"), t(false, TimeForm::Usec));
        assert_eq!(k("msec_fracx"), t(false, TimeForm::Strftime));
        assert_eq!(k("sec %H"), t(false, TimeForm::Strftime));
        assert_eq!(k("end:%H"), t(true, TimeForm::Strftime));
        assert_eq!(strftime_format(b"end:%H"), b"%H");
        assert_eq!(strftime_format(b"end %H"), b"end %H");
    }
}
