//! Request environment variables, as httpd's mod_env and mod_setenvif
//! produce them, and the `env=` conditions of `CustomLog` that read them.
//!
//! httpd keeps a per-request table of environment variables
//! (`subprocess_env`). Three things fill it, at three moments of the
//! request, and the moments matter because each step can only see what the
//! earlier ones wrote:
//!
//! 1. **post-read-request**: `SetEnvIf`/`SetEnvIfNoCase`/`BrowserMatch*`
//!    written in server or `<VirtualHost>` context (the main server's rules
//!    first, then the virtual host's). `Request_URI` is still the path as
//!    received (percent-encoded, not normalized, no query string).
//! 2. **header parser**: the same directives written inside `<Directory>`,
//!    `<Location>` and the like. `Request_URI` is now the decoded,
//!    normalized path.
//! 3. **fixups**: `SetEnv`. Its variables are *appended* to the table, so a
//!    variable that a `SetEnvIf` already set keeps the `SetEnvIf` value
//!    (lookups find the first entry). `SetEnvIf` never sees `SetEnv` values.
//!    Requests that fail before the fixups (400, 403, …) have no `SetEnv`
//!    variables.
//!
//! [`SetEnvIfRules`] is one scope's compiled rule list for steps 1 and 2,
//! [`EnvSettings`] one scope's `SetEnv`/`UnsetEnv` state for step 3,
//! [`ScopeEnv`] both together with a directive dispatcher, [`EnvTable`] the
//! per-request table, [`RequestView`] the request facts the rules read and
//! [`LogCondition`] the third argument of `CustomLog`.
//!
//! Every behaviour here was checked against Apache httpd 2.4.71; the unit
//! tests say how. Regular expressions use the `regex` crate on bytes with
//! Unicode off and `.` matching a newline, which is how httpd runs PCRE by
//! default (`RegexDefaultOptions DOTALL DOLLAR_ENDONLY`); the PCRE-only
//! constructs (look-around, back-references, possessive quantifiers, …) are
//! rejected at configuration time with an error that says so.

use std::borrow::Cow;
use std::fmt;

use regex::bytes::{CaptureLocations, Regex, RegexBuilder};

/// The longest value a `$n` substitution may produce (httpd's
/// `AP_PREGSUB_MAXLEN`, 65536, counting the C string's NUL): longer results
/// fail the request with status 500.
pub const MAX_SUBSTITUTION: usize = 65535;

/// The highest capture group a value may name (`$0` … `$9`).
const MAX_GROUP: usize = 9;

/// A per-request environment table with httpd's table semantics.
///
/// Entries keep their order; names compare ASCII case-insensitively; a name
/// may occur more than once (after [`EnvTable::add`]), and lookups return the
/// first occurrence.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EnvTable {
    entries: Vec<(Vec<u8>, Vec<u8>)>,
}

impl EnvTable {
    /// An empty table.
    pub fn new() -> Self {
        EnvTable::default()
    }

    /// The value of the first entry called `name`, if any.
    pub fn get(&self, name: &[u8]) -> Option<&[u8]> {
        self.entries
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_slice())
    }

    /// Whether any entry is called `name`.
    pub fn contains(&self, name: &[u8]) -> bool {
        self.get(name).is_some()
    }

    /// Sets `name` to `value`: the first entry called `name` takes the new
    /// value (keeping its spelling and place) and later ones are removed; with
    /// no such entry one is appended.
    pub fn set(&mut self, name: &[u8], value: &[u8]) {
        match self
            .entries
            .iter()
            .position(|(k, _)| k.eq_ignore_ascii_case(name))
        {
            Some(i) => {
                let v = &mut self.entries[i].1;
                v.clear();
                v.extend_from_slice(value);
                let mut j = i + 1;
                while j < self.entries.len() {
                    if self.entries[j].0.eq_ignore_ascii_case(name) {
                        self.entries.remove(j);
                    } else {
                        j += 1;
                    }
                }
            }
            None => self.entries.push((name.to_vec(), value.to_vec())),
        }
    }

    /// Appends an entry, even if `name` is already present (httpd's
    /// `apr_table_add`).
    pub fn add(&mut self, name: &[u8], value: &[u8]) {
        self.entries.push((name.to_vec(), value.to_vec()));
    }

    /// Removes every entry called `name`.
    pub fn unset(&mut self, name: &[u8]) {
        self.entries.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
    }

    /// The entries in order, as (name, value).
    pub fn iter(&self) -> impl Iterator<Item = (&[u8], &[u8])> {
        self.entries
            .iter()
            .map(|(k, v)| (k.as_slice(), v.as_slice()))
    }

    /// The number of entries (duplicates included).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the table has no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Removes every entry, keeping the allocation for the next request.
    pub fn clear(&mut self) {
        self.entries.clear();
    }
}

/// The request facts `SetEnvIf` rules read, borrowed from the request.
#[derive(Clone, Copy, Debug, Default)]
pub struct RequestView<'a> {
    /// `Remote_Host`: the client's host name when one was looked up
    /// (`HostnameLookups`), otherwise its address, as httpd prints it.
    pub remote_host: &'a [u8],
    /// `Remote_Addr`: the client's address (`127.0.0.1`, `::1`).
    pub remote_addr: &'a [u8],
    /// `Server_Addr`: the local address the connection arrived on.
    pub server_addr: &'a [u8],
    /// `Request_Method`: the method as sent.
    pub method: &'a [u8],
    /// `Request_Protocol`: `HTTP/1.1`, `HTTP/1.0`, …
    pub protocol: &'a [u8],
    /// `Request_URI`: the path without the query string. For rules applied at
    /// post-read-request time (server and virtual-host context) the path as
    /// received, still percent-encoded and not normalized
    /// (`/a%41/../x.html`); for rules from directory context the decoded,
    /// normalized path (`/x.html`).
    pub uri: &'a [u8],
    /// The request header fields in arrival order, as (name, value), values
    /// without surrounding white space. Repeated fields are joined with
    /// `", "` when read, as httpd merges them.
    pub headers: &'a [(&'a [u8], &'a [u8])],
}

impl<'a> RequestView<'a> {
    /// The value of header `name` (case-insensitive), repeated fields joined
    /// with `", "` in arrival order. Joined values are built in `scratch`.
    fn header(&self, name: &[u8], scratch: &mut Vec<u8>) -> Option<Cow<'a, [u8]>> {
        let mut found = self
            .headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| *v);
        let first = found.next()?;
        match found.next() {
            None => Some(Cow::Borrowed(first)),
            Some(second) => {
                scratch.clear();
                scratch.extend_from_slice(first);
                scratch.extend_from_slice(b", ");
                scratch.extend_from_slice(second);
                for v in found {
                    scratch.extend_from_slice(b", ");
                    scratch.extend_from_slice(v);
                }
                Some(Cow::Owned(std::mem::take(scratch)))
            }
        }
    }
}

/// What a rule tests.
#[derive(Clone, Debug)]
enum Attribute {
    RemoteHost,
    RemoteAddr,
    ServerAddr,
    RequestMethod,
    RequestProtocol,
    RequestUri,
    /// A request header, or failing that an environment variable.
    Named(Vec<u8>),
    /// The last header (in order of first appearance) whose name the regex
    /// finds, case-sensitively. Environment variables are not consulted.
    HeaderRegex(Regex),
}

/// One piece of a value template.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Part {
    Literal(Vec<u8>),
    Group(usize),
}

/// What a rule does to one variable.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Action {
    Unset,
    Set(Vec<Part>),
}

/// One `SetEnvIf`-family directive, compiled.
#[derive(Clone, Debug)]
struct Rule {
    /// The attribute as this rule uses it (see [`SetEnvIfRules::add_directive`]).
    name: String,
    attribute: Attribute,
    regex: Regex,
    /// Whether the pattern had no regex syntax: httpd then does a plain
    /// substring search and copies values without `$n` substitution.
    literal: bool,
    /// Whether any value names a capture group.
    captures: bool,
    features: Vec<(Vec<u8>, Action)>,
}

/// The error that fails a request with status 500: a `$n` substitution
/// produced more than [`MAX_SUBSTITUTION`] bytes. httpd logs it as AH01505
/// and stops processing the rules.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubstitutionTooLong {
    /// The variable being set.
    pub var: String,
}

impl fmt::Display for SubstitutionTooLong {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "AH01505: Regular expression replacement failed for '{}', value too long?",
            self.var
        )
    }
}

impl std::error::Error for SubstitutionTooLong {}

/// One scope's `SetEnvIf`, `SetEnvIfNoCase`, `BrowserMatch` and
/// `BrowserMatchNoCase` rules, compiled once, in configuration order.
///
/// Build one per server (main server, each virtual host) for
/// post-read-request time and one per `<Directory>`/`<Location>`-style
/// section for header-parser time; combine scopes with
/// [`SetEnvIfRules::merge`].
#[derive(Clone, Debug, Default)]
pub struct SetEnvIfRules {
    rules: Vec<Rule>,
}

/// For a directive [`SetEnvIfRules`] handles (`name` in any case): whether
/// it is a `BrowserMatch` form and whether it matches case-insensitively.
fn setenvif_kind(name: &str) -> Option<(bool, bool)> {
    match name.to_ascii_lowercase().as_str() {
        "setenvif" => Some((false, false)),
        "setenvifnocase" => Some((false, true)),
        "browsermatch" => Some((true, false)),
        "browsermatchnocase" => Some((true, true)),
        _ => None,
    }
}

impl SetEnvIfRules {
    /// No rules.
    pub fn new() -> Self {
        SetEnvIfRules::default()
    }

    /// Whether there are no rules.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The number of rules.
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// Whether a rule tests `Remote_Host` (httpd then asks for the
    /// client's name, which `HostnameLookups` may resolve).
    pub fn uses_remote_host(&self) -> bool {
        self.rules
            .iter()
            .any(|r| matches!(r.attribute, Attribute::RemoteHost))
    }

    /// Compiles one directive of this scope and appends it.
    ///
    /// `name` is `SetEnvIf`, `SetEnvIfNoCase`, `BrowserMatch` or
    /// `BrowserMatchNoCase` (any case); `args` are its words after
    /// tokenizing. As in httpd, an empty word ends the argument list. The
    /// error strings are httpd's where httpd has one.
    ///
    /// A quirk kept from httpd: when an earlier rule of the same scope names
    /// the same attribute in another letter case, this rule uses the earlier
    /// spelling. That only shows when the attribute is a header-name regex,
    /// which is matched case-sensitively.
    pub fn add_directive(&mut self, name: &str, args: &[String]) -> Result<(), String> {
        let Some((browser, icase)) = setenvif_kind(name) else {
            return Err(format!("{name} is not a SetEnvIf directive"));
        };
        let words: Vec<&str> = args
            .iter()
            .map(String::as_str)
            .take_while(|w| !w.is_empty())
            .collect();
        let mut words = words.into_iter();
        let attr = if browser {
            "User-Agent"
        } else {
            match words.next() {
                Some(a) => a,
                None => return Err(format!("Missing header-field name for {name}")),
            }
        };
        let Some(pattern) = words.next() else {
            return Err(format!("Missing regular expression for {name}"));
        };
        let features: Vec<&str> = words.collect();
        if features.is_empty() {
            return Err(format!("Missing envariable expression for {name}"));
        }

        let (regex, literal) = match simple_pattern(pattern) {
            Some(text) => {
                let re = RegexBuilder::new(&regex::escape(&text))
                    .unicode(false)
                    .case_insensitive(icase)
                    .build()
                    .map_err(|_| format!("{name} regex could not be compiled."))?;
                (re, true)
            }
            None => (compile(pattern, icase, name)?, false),
        };

        let attr_name = self
            .rules
            .iter()
            .find(|r| r.name.eq_ignore_ascii_case(attr))
            .map_or_else(|| attr.to_string(), |r| r.name.clone());
        let attribute = attribute(&attr_name, name)?;

        let mut table: Vec<(Vec<u8>, Action)> = Vec::new();
        for word in features {
            let (var, value) = match word.split_once('=') {
                Some((v, val)) if !val.is_empty() => (v, Some(val)),
                Some((v, _)) => (v, None),
                None => (word, None),
            };
            let (key, action) = match value {
                // A value starting with `!` unsets, whatever follows.
                Some(val) if val.starts_with('!') => (var, Action::Unset),
                Some(val) => (
                    var,
                    Action::Set(if literal {
                        vec![Part::Literal(val.as_bytes().to_vec())]
                    } else {
                        template(val.as_bytes())
                    }),
                ),
                None => match var.strip_prefix('!') {
                    Some(v) => (v, Action::Unset),
                    None => (var, Action::Set(vec![Part::Literal(b"1".to_vec())])),
                },
            };
            // One directive's variables form a table: a repeated name takes
            // the later action in the earlier place.
            match table
                .iter_mut()
                .find(|(k, _)| k.eq_ignore_ascii_case(key.as_bytes()))
            {
                Some(slot) => slot.1 = action,
                None => table.push((key.as_bytes().to_vec(), action)),
            }
        }
        let captures = table.iter().any(|(_, a)| match a {
            Action::Set(parts) => parts.iter().any(|p| matches!(p, Part::Group(_))),
            Action::Unset => false,
        });
        self.rules.push(Rule {
            name: attr_name,
            attribute,
            regex,
            literal,
            captures,
            features: table,
        });
        Ok(())
    }

    /// The rules of `base` followed by those of `add`, as httpd combines a
    /// main server with a virtual host, or enclosing and enclosed sections.
    pub fn merge(base: &SetEnvIfRules, add: &SetEnvIfRules) -> SetEnvIfRules {
        let mut rules = base.rules.clone();
        rules.extend(add.rules.iter().cloned());
        SetEnvIfRules { rules }
    }

    /// Runs the rules in order against the request, updating `env`. Each
    /// rule sees what earlier rules wrote.
    ///
    /// An `Err` means the request must fail with status 500 (httpd stops at
    /// that variable: later variables and rules are not applied).
    pub fn apply(
        &self,
        req: &RequestView<'_>,
        env: &mut EnvTable,
    ) -> Result<(), SubstitutionTooLong> {
        let mut scratch = Vec::new();
        let mut locs: Option<CaptureLocations> = None;
        let mut out = Vec::new();
        for rule in &self.rules {
            let value: Cow<'_, [u8]> = match &rule.attribute {
                Attribute::RemoteHost => Cow::Borrowed(req.remote_host),
                Attribute::RemoteAddr => Cow::Borrowed(req.remote_addr),
                Attribute::ServerAddr => Cow::Borrowed(req.server_addr),
                Attribute::RequestMethod => Cow::Borrowed(req.method),
                Attribute::RequestProtocol => Cow::Borrowed(req.protocol),
                Attribute::RequestUri => Cow::Borrowed(req.uri),
                Attribute::Named(n) => match req.header(n, &mut scratch) {
                    Some(v) => v,
                    None => {
                        scratch.clear();
                        scratch.extend_from_slice(env.get(n).unwrap_or_default());
                        Cow::Owned(std::mem::take(&mut scratch))
                    }
                },
                Attribute::HeaderRegex(re) => {
                    let mut chosen: Option<&[u8]> = None;
                    for (i, (k, _)) in req.headers.iter().enumerate() {
                        let seen = req.headers[..i]
                            .iter()
                            .any(|(e, _)| e.eq_ignore_ascii_case(k));
                        if !seen && re.is_match(k) {
                            chosen = Some(*k);
                        }
                    }
                    match chosen {
                        Some(k) => req.header(k, &mut scratch).unwrap_or_default(),
                        None => Cow::Borrowed(&b""[..]),
                    }
                }
            };
            let matched = if rule.captures {
                let l = locs.get_or_insert_with(|| rule.regex.capture_locations());
                if l.len() != rule.regex.captures_len() {
                    *l = rule.regex.capture_locations();
                }
                rule.regex.captures_read(l, &value).is_some()
            } else {
                rule.regex.is_match(&value)
            };
            if matched {
                for (var, action) in &rule.features {
                    match action {
                        Action::Unset => env.unset(var),
                        Action::Set(parts) => {
                            out.clear();
                            for part in parts {
                                match part {
                                    Part::Literal(l) => out.extend_from_slice(l),
                                    Part::Group(g) => {
                                        if let Some((s, e)) = locs.as_ref().and_then(|l| l.get(*g))
                                        {
                                            out.extend_from_slice(&value[s..e]);
                                        }
                                    }
                                }
                            }
                            if !rule.literal && out.len() > MAX_SUBSTITUTION {
                                return Err(SubstitutionTooLong {
                                    var: String::from_utf8_lossy(var).into_owned(),
                                });
                            }
                            env.set(var, &out);
                        }
                    }
                }
            }
            if let Cow::Owned(buf) = value {
                // Keep the allocation for the next joined header.
                scratch = buf;
            }
        }
        Ok(())
    }
}

/// Maps an attribute name to what it tests.
fn attribute(name: &str, directive: &str) -> Result<Attribute, String> {
    let lower = name.to_ascii_lowercase();
    Ok(match lower.as_str() {
        "remote_host" => Attribute::RemoteHost,
        "remote_addr" => Attribute::RemoteAddr,
        "server_addr" => Attribute::ServerAddr,
        "request_method" => Attribute::RequestMethod,
        "request_protocol" => Attribute::RequestProtocol,
        "request_uri" => Attribute::RequestUri,
        _ if lower.starts_with("oid(") => {
            return Err(format!(
                "{directive}: spoor does not support OID(...) certificate attributes yet"
            ))
        }
        _ if name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') =>
        {
            Attribute::Named(name.as_bytes().to_vec())
        }
        // Any other character makes the name a regex over header names,
        // matched case-sensitively even for the NoCase directives.
        _ => Attribute::HeaderRegex(compile(name, false, directive)?),
    })
}

/// Compiles a pattern the way httpd runs PCRE: bytes, no Unicode, `.`
/// matching a newline, `$` only at the very end.
fn compile(pattern: &str, icase: bool, directive: &str) -> Result<Regex, String> {
    if pcre_only(pattern) {
        return Err(format!(
            "{directive} regex could not be compiled: spoor's regex engine does not support \
             look-around, back-references, atomic groups, recursion or possessive quantifiers"
        ));
    }
    RegexBuilder::new(pattern)
        .unicode(false)
        .octal(true)
        .dot_matches_new_line(true)
        .case_insensitive(icase)
        .build()
        .map_err(|_| format!("{directive} regex could not be compiled."))
}

/// Whether a pattern uses PCRE syntax the `regex` crate lacks or reads
/// differently: look-around, atomic and branch-reset groups, recursion,
/// back-references, `\K`, possessive quantifiers (`a++`, which the `regex`
/// crate would accept as a nested repetition).
fn pcre_only(p: &str) -> bool {
    let b = p.as_bytes();
    let mut i = 0;
    let mut class = false;
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied();
        match c {
            b'\\' => {
                if !class
                    && next.is_some_and(|n| n.is_ascii_digit() && n != b'0' || b"Kgk".contains(&n))
                {
                    return true;
                }
                i += 2;
                continue;
            }
            b'[' if !class => {
                class = true;
                // A `]` first in the class (after an optional `^`) is literal.
                if next == Some(b'^') {
                    i += 1;
                }
                if b.get(i + 1) == Some(&b']') {
                    i += 1;
                }
            }
            b']' if class => class = false,
            b'(' if !class && next == Some(b'?') => {
                let rest = &b[i + 2..];
                if [&b"="[..], b"!", b"<=", b"<!", b">", b"|", b"R"]
                    .iter()
                    .any(|s| rest.starts_with(s))
                    || rest.first().is_some_and(|d| {
                        d.is_ascii_digit()
                            || *d == b'+'
                            || *d == b'-' && rest.get(1).is_some_and(u8::is_ascii_digit)
                    })
                {
                    return true;
                }
                i += 2;
                continue;
            }
            b'*' | b'+' | b'?' | b'}' if !class && next == Some(b'+') => return true,
            _ => {}
        }
        i += 1;
    }
    false
}

/// httpd's test for a pattern without regex syntax: none of
/// `^ . $ | ( ) [ ] * + ? { }` unless escaped by `\`, and no `\` before any
/// other character. Returns the text with the escapes removed.
fn simple_pattern(p: &str) -> Option<String> {
    let mut out = String::with_capacity(p.len());
    let mut escaped = false;
    for c in p.chars() {
        match c {
            '^' | '.' | '$' | '|' | '(' | ')' | '[' | ']' | '*' | '+' | '?' | '{' | '}' => {
                if !escaped {
                    return None;
                }
                escaped = false;
                out.push(c);
            }
            '\\' => {
                if escaped {
                    out.push('\\');
                }
                escaped = !escaped;
            }
            _ => {
                if escaped {
                    return None;
                }
                out.push(c);
            }
        }
    }
    Some(out)
}

/// Parses a value for `$0`…`$9` (a capture group; an unset group gives
/// nothing) and `\c` (the character `c`); everything else is literal,
/// including `&` and a `$` not followed by a digit.
fn template(v: &[u8]) -> Vec<Part> {
    let mut parts = Vec::new();
    let mut lit = Vec::new();
    let mut i = 0;
    while i < v.len() {
        let c = v[i];
        if c == b'$' && i + 1 < v.len() && v[i + 1].is_ascii_digit() {
            if !lit.is_empty() {
                parts.push(Part::Literal(std::mem::take(&mut lit)));
            }
            parts.push(Part::Group(usize::from(v[i + 1] - b'0').min(MAX_GROUP)));
            i += 2;
        } else if c == b'\\' && i + 1 < v.len() {
            lit.push(v[i + 1]);
            i += 2;
        } else {
            lit.push(c);
            i += 1;
        }
    }
    if !lit.is_empty() || parts.is_empty() {
        parts.push(Part::Literal(lit));
    }
    parts
}

/// One scope's `SetEnv` and `UnsetEnv` state (mod_env), applied at fixup
/// time with [`EnvSettings::apply`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EnvSettings {
    vars: EnvTable,
    unset: Vec<Vec<u8>>,
}

/// The AH10032 warning for a `SetEnv` name containing `=`.
fn spurious_equals(directive: &str, name: &str) -> String {
    let trimmed = name.trim_start_matches('=');
    let (var, rest) = if trimmed.is_empty() {
        ("(null)", "")
    } else {
        trimmed.split_once('=').unwrap_or((trimmed, ""))
    };
    format!(
        "AH10032: Spurious usage of '=' in an environment variable name. \
         '{directive} {var} {rest}' expected instead?"
    )
}

impl EnvSettings {
    /// Nothing set or unset.
    pub fn new() -> Self {
        EnvSettings::default()
    }

    /// Whether this scope neither sets nor unsets anything.
    pub fn is_empty(&self) -> bool {
        self.vars.is_empty() && self.unset.is_empty()
    }

    /// The variables this scope adds at fixup time, in order.
    pub fn vars(&self) -> &EnvTable {
        &self.vars
    }

    /// Applies one `SetEnv` or `UnsetEnv` directive of this scope (`name` in
    /// any case; `args` the tokenized words).
    ///
    /// `Ok(Some(warning))` is a message httpd logs at startup without
    /// failing (a `SetEnv` name containing `=`; the variable is still set
    /// under that name). `PassEnv` is rejected: spoor does not support it
    /// yet.
    pub fn add_directive(&mut self, name: &str, args: &[String]) -> Result<Option<String>, String> {
        match name.to_ascii_lowercase().as_str() {
            "setenv" => {
                if args.is_empty() || args.len() > 2 || args[0].is_empty() {
                    return Err(format!(
                        "{name} takes 1-2 arguments, an environment variable name and \
                         optional value to pass to CGI."
                    ));
                }
                let var = &args[0];
                let value = args.get(1).map_or("", String::as_str);
                self.vars.set(var.as_bytes(), value.as_bytes());
                Ok(var.contains('=').then(|| spurious_equals(name, var)))
            }
            "unsetenv" => {
                let words: Vec<&String> = args.iter().take_while(|w| !w.is_empty()).collect();
                if words.is_empty() {
                    return Err(format!(
                        "{name} requires at least one argument, a list of variables to \
                         remove from the CGI environment."
                    ));
                }
                for w in words {
                    self.vars.unset(w.as_bytes());
                    if !self
                        .unset
                        .iter()
                        .any(|u| u.eq_ignore_ascii_case(w.as_bytes()))
                    {
                        self.unset.push(w.as_bytes().to_vec());
                    }
                }
                Ok(None)
            }
            "passenv" => Err(format!(
                "{name}: spoor does not support PassEnv yet (it would copy variables of \
                 the server's own environment)"
            )),
            _ => Err(format!("{name} is not a mod_env directive")),
        }
    }

    /// Combines an enclosing scope with an enclosed one as httpd does: the
    /// base's variables, minus those the addition unsets, then the addition's
    /// variables (replacing same-named ones).
    ///
    /// The result forgets every `UnsetEnv`. httpd merges the sections that
    /// match a request among themselves first (all matching `<Directory>`s,
    /// then all matching `<Location>`s) and only then onto the server's
    /// settings, so an `UnsetEnv` removes a server-wide `SetEnv` only when its
    /// section is the sole match of its kind; callers reproduce that by
    /// merging in the same order.
    pub fn merge(base: &EnvSettings, add: &EnvSettings) -> EnvSettings {
        let mut vars = base.vars.clone();
        for u in &add.unset {
            vars.unset(u);
        }
        for (k, v) in add.vars.iter() {
            vars.set(k, v);
        }
        EnvSettings {
            vars,
            unset: Vec::new(),
        }
    }

    /// The fixup step: appends this scope's variables to `env`. A variable
    /// already in `env` keeps its earlier value for lookups.
    pub fn apply(&self, env: &mut EnvTable) {
        for (k, v) in self.vars.iter() {
            env.add(k, v);
        }
    }
}

/// Everything one scope says about environment variables: its
/// `SetEnvIf`-family rules and its `SetEnv`/`UnsetEnv` settings.
#[derive(Clone, Debug, Default)]
pub struct ScopeEnv {
    /// `SetEnvIf`, `SetEnvIfNoCase`, `BrowserMatch`, `BrowserMatchNoCase`.
    pub rules: SetEnvIfRules,
    /// `SetEnv`, `UnsetEnv`.
    pub settings: EnvSettings,
}

impl ScopeEnv {
    /// Nothing configured.
    pub fn new() -> Self {
        ScopeEnv::default()
    }

    /// Adds one directive of this scope. See [`SetEnvIfRules::add_directive`]
    /// and [`EnvSettings::add_directive`]; `SetEnvIfExpr` is rejected because
    /// spoor has no `ap_expr` evaluator yet.
    pub fn add_directive(&mut self, name: &str, args: &[String]) -> Result<Option<String>, String> {
        if setenvif_kind(name).is_some() {
            return self.rules.add_directive(name, args).map(|()| None);
        }
        if name.eq_ignore_ascii_case("setenvifexpr") {
            if args.first().is_none_or(|a| a.is_empty()) {
                return Err(format!("Missing expression for {name}"));
            }
            return Err(format!(
                "{name} is not supported by spoor yet (it has no expression evaluator)"
            ));
        }
        self.settings.add_directive(name, args)
    }

    /// Combines an enclosing scope with an enclosed one
    /// ([`SetEnvIfRules::merge`], [`EnvSettings::merge`]).
    pub fn merge(base: &ScopeEnv, add: &ScopeEnv) -> ScopeEnv {
        ScopeEnv {
            rules: SetEnvIfRules::merge(&base.rules, &add.rules),
            settings: EnvSettings::merge(&base.settings, &add.settings),
        }
    }
}

/// The condition clause of a `CustomLog` (its third argument).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LogCondition {
    /// `env=VAR`: log when VAR is set, to any value (even empty).
    IfSet(Vec<u8>),
    /// `env=!VAR`: log when VAR is not set.
    IfUnset(Vec<u8>),
}

impl LogCondition {
    /// Parses a clause. `env=` is recognised in any letter case; the errors
    /// are httpd's wording, except that `expr=` clauses, which httpd
    /// evaluates with `ap_expr`, are refused as not supported yet.
    pub fn parse(clause: &str) -> Result<LogCondition, String> {
        let prefix = |p: &str| {
            clause
                .get(..p.len())
                .is_some_and(|h| h.eq_ignore_ascii_case(p))
        };
        if prefix("env=") {
            let var = &clause[4..];
            if var.is_empty() || var == "!" {
                return Err("missing environment variable name".to_string());
            }
            return Ok(match var.strip_prefix('!') {
                Some(v) => LogCondition::IfUnset(v.as_bytes().to_vec()),
                None => LogCondition::IfSet(var.as_bytes().to_vec()),
            });
        }
        if prefix("expr=") {
            if clause.len() == 5 {
                return Err("missing condition".to_string());
            }
            return Err(
                "spoor does not support expr= log conditions yet; use env=VAR or env=!VAR"
                    .to_string(),
            );
        }
        Err("error in condition clause".to_string())
    }

    /// Whether a request whose environment is `env` is logged. Conditions
    /// are tested on the original request of an internal-redirect chain.
    pub fn allows(&self, env: &EnvTable) -> bool {
        match self {
            LogCondition::IfSet(v) => env.contains(v),
            LogCondition::IfUnset(v) => !env.contains(v),
        }
    }
}

#[cfg(test)]
mod tests;
