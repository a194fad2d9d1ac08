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

    /// Whether `name` (any case) is a directive [`ScopeEnv::add_directive`]
    /// knows, supported or not: `SetEnv`, `UnsetEnv`, `PassEnv`, `SetEnvIf`,
    /// `SetEnvIfNoCase`, `SetEnvIfExpr`, `BrowserMatch`, `BrowserMatchNoCase`.
    pub fn handles(name: &str) -> bool {
        setenvif_kind(name).is_some()
            || ["setenv", "unsetenv", "passenv", "setenvifexpr"]
                .contains(&name.to_ascii_lowercase().as_str())
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
mod tests {
    //! Expected values come from Apache httpd 2.4.71 (Debian) run on
    //! 127.0.0.1 with mod_env and mod_setenvif loaded, the directives under
    //! test in a scratch httpd.conf, raw requests sent over a socket, and a
    //! `LogFormat` made of `%{VAR}e` items (`-` = unset) or `apache2 -t` for
    //! configuration errors. Each test names the experiment it mirrors.

    use super::*;

    fn words(line: &str) -> (String, Vec<String>) {
        let mut w = line.split_whitespace().map(str::to_string);
        let name = w.next().unwrap();
        (name, w.collect())
    }

    /// Builds one scope from directive lines (words split on white space).
    fn scope(lines: &[&str]) -> ScopeEnv {
        let mut s = ScopeEnv::new();
        for line in lines {
            let (name, args) = words(line);
            s.add_directive(&name, &args)
                .unwrap_or_else(|e| panic!("{line}: {e}"));
        }
        s
    }

    fn err(line: &str) -> String {
        let (name, args) = words(line);
        ScopeEnv::new().add_directive(&name, &args).unwrap_err()
    }

    fn req<'a>(uri: &'a str, headers: &'a [(&'a [u8], &'a [u8])]) -> RequestView<'a> {
        RequestView {
            remote_host: b"127.0.0.1",
            remote_addr: b"127.0.0.1",
            server_addr: b"127.0.0.1",
            method: b"GET",
            protocol: b"HTTP/1.0",
            uri: uri.as_bytes(),
            headers,
        }
    }

    /// Post-read-request rules, then fixups, for one scope.
    fn env_for(lines: &[&str], r: &RequestView<'_>) -> EnvTable {
        let s = scope(lines);
        let mut env = EnvTable::new();
        s.rules.apply(r, &mut env).unwrap();
        s.settings.apply(&mut env);
        env
    }

    fn get<'e>(env: &'e EnvTable, name: &str) -> Option<&'e str> {
        env.get(name.as_bytes())
            .map(|v| std::str::from_utf8(v).unwrap())
    }

    #[test]
    fn missing_header_is_empty_string() {
        // httpd: `SetEnvIf X-Foo ^$ A=empty` and `SetEnvIf X-Foo ^(.*)$ B=[$1]`
        // without X-Foo logged `empty|[]`.
        let env = env_for(
            &["SetEnvIf X-Foo ^$ A=empty", "SetEnvIf X-Foo ^(.*)$ B=[$1]"],
            &req("/", &[]),
        );
        assert_eq!(get(&env, "A"), Some("empty"));
        assert_eq!(get(&env, "B"), Some("[]"));
    }

    #[test]
    fn literal_patterns_copy_values_verbatim() {
        // httpd: `SetEnvIf Request_URI index A=$1x` on /index.html gave
        // `$1x`; `index\.html` is still a plain string; `INDEX` with
        // SetEnvIfNoCase matched (substring, any case) and kept `$1`;
        // with SetEnvIf it did not match.
        let env = env_for(
            &[
                "SetEnvIf Request_URI index A=$1x B=\\q C=&",
                "SetEnvIf Request_URI index\\.html D=$1",
                "SetEnvIfNoCase Request_URI INDEX E=$1",
                "SetEnvIf Request_URI INDEX V=1",
            ],
            &req("/index.html", &[]),
        );
        assert_eq!(get(&env, "A"), Some("$1x"));
        assert_eq!(get(&env, "B"), Some("\\q"));
        assert_eq!(get(&env, "C"), Some("&"));
        assert_eq!(get(&env, "D"), Some("$1"));
        assert_eq!(get(&env, "E"), Some("$1"));
        assert_eq!(get(&env, "V"), None);
    }

    #[test]
    fn regex_substitution() {
        // httpd: `SetEnvIf Request_URI "^/(i)ndex" A=a&b B=$0 C=\$1 D=\
        // E=x\y V=$2z` on /index.html gave `a&b|/index|$1|\|xy|z`.
        let env = env_for(
            &["SetEnvIf Request_URI ^/(i)ndex A=a&b B=$0 C=\\$1 D=\\ E=x\\y V=$2z"],
            &req("/index.html", &[]),
        );
        assert_eq!(get(&env, "A"), Some("a&b"));
        assert_eq!(get(&env, "B"), Some("/index"));
        assert_eq!(get(&env, "C"), Some("$1"));
        assert_eq!(get(&env, "D"), Some("\\"));
        assert_eq!(get(&env, "E"), Some("xy"));
        assert_eq!(get(&env, "V"), Some("z"));
        // httpd: eleven groups on /index.html.en with A=$9$10 B=$ C=$a gave
        // `mi0|$|$a` ($10 is $1 then 0); an unmatched optional group is empty
        // (`^/(x)?(i)` with [$1][$2][$3] gave `[][i][]`).
        let env = env_for(
            &[
                "SetEnvIf Request_URI ^/(.)(.)(.)(.)(.)(.)(.)(.)(.)(.)(.) A=$9$10 B=$ C=$a",
                "SetEnvIf Request_URI ^/(x)?(i) D=[$1][$2][$3]",
            ],
            &req("/index.html.en", &[]),
        );
        assert_eq!(get(&env, "A"), Some("mi0"));
        assert_eq!(get(&env, "B"), Some("$"));
        assert_eq!(get(&env, "C"), Some("$a"));
        assert_eq!(get(&env, "D"), Some("[][i][]"));
    }

    #[test]
    fn variable_forms() {
        // httpd: `A= B=! !C=v D=1` then `D=!` (same attribute and regex,
        // separate rule) gave A=1, B unset, a variable literally named `!C`,
        // D unset. `A=!x` unsets A; `!B=y` sets `!B` and leaves B.
        let env = env_for(
            &[
                "SetEnvIf Request_URI . A= B=! !C=v D=1",
                "SetEnvIf Request_URI . D=!",
            ],
            &req("/", &[]),
        );
        assert_eq!(get(&env, "A"), Some("1"));
        assert_eq!(get(&env, "B"), None);
        assert_eq!(get(&env, "!C"), Some("v"));
        assert_eq!(get(&env, "C"), None);
        assert_eq!(get(&env, "D"), None);
        let env = env_for(
            &[
                "SetEnvIf Request_URI . A=1 B=1",
                "SetEnvIf Request_URI . A=!x !B=y",
            ],
            &req("/", &[]),
        );
        assert_eq!(get(&env, "A"), None);
        assert_eq!(get(&env, "B"), Some("1"));
        assert_eq!(get(&env, "!B"), Some("y"));
        // httpd: `A=1 B=2 A=$1 !B` on /x with ^/(x): A=x, B unset.
        let env = env_for(
            &["SetEnvIf Request_URI ^/(x) A=1 B=2 A=$1 !B"],
            &req("/x", &[]),
        );
        assert_eq!(get(&env, "A"), Some("x"));
        assert_eq!(get(&env, "B"), None);
    }

    #[test]
    fn an_empty_word_ends_the_list() {
        // httpd: SetEnvIf Request_URI x "A=1" "" B  → A=1, B never set.
        let mut s = SetEnvIfRules::new();
        let args: Vec<String> = ["Request_URI", "x", "A=1", "", "B"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        s.add_directive("SetEnvIf", &args).unwrap();
        let mut env = EnvTable::new();
        s.apply(&req("/x", &[]), &mut env).unwrap();
        assert_eq!(get(&env, "A"), Some("1"));
        assert_eq!(get(&env, "B"), None);
        // `"=v"` sets the variable with the empty name.
        let mut s = SetEnvIfRules::new();
        s.add_directive("SetEnvIf", &["Request_URI".into(), ".".into(), "=v".into()])
            .unwrap();
        let mut env = EnvTable::new();
        s.apply(&req("/", &[]), &mut env).unwrap();
        assert_eq!(get(&env, ""), Some("v"));
    }

    #[test]
    fn rules_run_in_order_without_merging() {
        // httpd: URI ^/i X=1; X ^1$ Y=seen; URI ^/i !X → X unset, Y=seen.
        let env = env_for(
            &[
                "SetEnvIf Request_URI ^/i X=1",
                "SetEnvIf X ^1$ Y=seen",
                "SetEnvIf request_uri ^/i !X",
            ],
            &req("/index.html", &[]),
        );
        assert_eq!(get(&env, "X"), None);
        assert_eq!(get(&env, "Y"), Some("seen"));
    }

    #[test]
    fn environment_variables_as_attributes() {
        // httpd: URI . X=fromenv; X (.*) A=$1 → A=fromenv without an X
        // header, A=fromhdr with `X: fromhdr` (the header wins).
        let lines = ["SetEnvIf Request_URI . X=fromenv", "SetEnvIf X (.*) A=$1"];
        assert_eq!(get(&env_for(&lines, &req("/", &[])), "A"), Some("fromenv"));
        let h: &[(&[u8], &[u8])] = &[(b"X", b"fromhdr")];
        assert_eq!(get(&env_for(&lines, &req("/", h)), "A"), Some("fromhdr"));
        // httpd: abc=1, then `SetEnvIf ABC 1 A=yes` matched; ABC=2 replaced
        // abc (lookups ignore case).
        let env = env_for(
            &[
                "SetEnvIf Request_URI . abc=1",
                "SetEnvIf ABC 1 A=yes",
                "SetEnvIf Request_URI . ABC=2",
            ],
            &req("/", &[]),
        );
        assert_eq!(get(&env, "A"), Some("yes"));
        assert_eq!(get(&env, "abc"), Some("2"));
        assert_eq!(env.len(), 2);
    }

    #[test]
    fn setenv_is_invisible_to_setenvif() {
        // httpd: `SetEnv X se` and `SetEnvIf X (.+) A=$1` (server context
        // and in <Location />) → A and B unset, X=se.
        let env = env_for(&["SetEnv X se", "SetEnvIf X (.+) A=$1"], &req("/", &[]));
        assert_eq!(get(&env, "A"), None);
        assert_eq!(get(&env, "X"), Some("se"));
    }

    #[test]
    fn repeated_headers_are_joined() {
        // httpd: `SetEnvIf x-a (.*) A=$1` with X-A: 1, X-B: 2, x-a: 3 → "1, 3".
        let h: &[(&[u8], &[u8])] = &[(b"X-A", b"1"), (b"X-B", b"2"), (b"x-a", b"3")];
        let env = env_for(&["SetEnvIf x-a (.*) A=$1"], &req("/", h));
        assert_eq!(get(&env, "A"), Some("1, 3"));
    }

    #[test]
    fn header_name_regex() {
        // httpd: with X-A: 1, X-B: 2, X-A: 3, `^X-.` gave 2 (the last header
        // name that matches, in order of first appearance); with X-B, X-A
        // it gave the X-A value.
        let h: &[(&[u8], &[u8])] = &[(b"X-A", b"1"), (b"X-B", b"2"), (b"X-A", b"3")];
        let env = env_for(&["SetEnvIf ^X-. (.*) A=$1"], &req("/", h));
        assert_eq!(get(&env, "A"), Some("2"));
        let h: &[(&[u8], &[u8])] = &[(b"X-B", b"1"), (b"X-A", b"2"), (b"X-B", b"3")];
        let env = env_for(&["SetEnvIf ^X-. (.*) A=$1"], &req("/", h));
        assert_eq!(get(&env, "A"), Some("2"));
        // httpd: names are matched case-sensitively, even by SetEnvIfNoCase:
        // `x-(b|a)`, `X-b.*`, `x.b` found nothing (value ""), `X-(B|A)` and
        // `X.B` found X-B.
        let h: &[(&[u8], &[u8])] = &[(b"X-A", b"1"), (b"X-B", b"2")];
        for (pat, want) in [
            ("x-(b|a)", ""),
            ("X-(b|a)", ""),
            ("X-b.*", ""),
            ("x.b", ""),
            ("X-(B|A)", "2"),
            ("X.B", "2"),
        ] {
            for d in ["SetEnvIf", "SetEnvIfNoCase"] {
                let line = format!("{d} {pat} (.*) B=$1");
                let env = env_for(&[&line], &req("/", h));
                assert_eq!(get(&env, "B"), Some(want), "{line}");
            }
        }
        // httpd: header-name regexes never read environment variables
        // (`X-Q=env` then `X-(Q) (.*) A=[$1]` gave `[]`).
        let env = env_for(
            &[
                "SetEnvIf Request_URI . X-Q=env",
                "SetEnvIf X-(Q) (.*) A=[$1]",
            ],
            &req("/", &[]),
        );
        assert_eq!(get(&env, "A"), Some("[]"));
    }

    #[test]
    fn attribute_spelling_is_shared_within_a_scope() {
        // httpd: `SetEnvIf X-(B|A) ^1 A=$0` then `SetEnvIf x-(b|a) (.*)
        // B=$1` gave B=2: the second rule reused the first spelling. In the
        // other order both found nothing. In separate <Location> sections or
        // server vs <VirtualHost> the spelling is not shared.
        let h: &[(&[u8], &[u8])] = &[(b"X-A", b"1"), (b"X-B", b"2")];
        let env = env_for(
            &[
                "SetEnvIf X-(B|A) ^1 A=$0",
                "SetEnvIfNoCase x-(b|a) (.*) B=$1",
            ],
            &req("/", h),
        );
        assert_eq!(get(&env, "A"), None);
        assert_eq!(get(&env, "B"), Some("2"));
        let env = env_for(
            &["SetEnvIf x-(b|a) (.*) A=$1", "SetEnvIf X-(B|A) (.*) B=$1"],
            &req("/", h),
        );
        assert_eq!(get(&env, "A"), Some(""));
        assert_eq!(get(&env, "B"), Some(""));
        let a = scope(&["SetEnvIf X-(B|A) ^1 A=$0"]);
        let b = scope(&["SetEnvIf x-(b|a) (.*) B=$1"]);
        let m = ScopeEnv::merge(&a, &b);
        let mut env = EnvTable::new();
        m.rules.apply(&req("/", h), &mut env).unwrap();
        assert_eq!(get(&env, "B"), Some(""));
    }

    #[test]
    fn special_attributes() {
        // httpd (HostnameLookups Off): Remote_Host, Remote_Addr and
        // Server_Addr were 127.0.0.1, Request_Method GET/HEAD,
        // Request_Protocol HTTP/1.0 or HTTP/1.1; names in any case; a header
        // called Request_Method is not consulted.
        let h: &[(&[u8], &[u8])] = &[(b"Request_Method", b"hdr")];
        let mut r = req("/", h);
        r.remote_host = b"client.example";
        r.remote_addr = b"10.0.0.1";
        r.server_addr = b"10.0.0.2";
        r.method = b"HEAD";
        r.protocol = b"HTTP/1.1";
        let env = env_for(
            &[
                "SetEnvIf Remote_Host (.*) A=$1",
                "SetEnvIf remote_addr (.*) B=$1",
                "SetEnvIf SERVER_ADDR (.*) C=$1",
                "SetEnvIf Request_Method (.*) D=$1",
                "SetEnvIf Request_Protocol (.*) E=$1",
                "SetEnvIf Request_URI (.*) V=$1",
            ],
            &r,
        );
        assert_eq!(get(&env, "A"), Some("client.example"));
        assert_eq!(get(&env, "B"), Some("10.0.0.1"));
        assert_eq!(get(&env, "C"), Some("10.0.0.2"));
        assert_eq!(get(&env, "D"), Some("HEAD"));
        assert_eq!(get(&env, "E"), Some("HTTP/1.1"));
        assert_eq!(get(&env, "V"), Some("/"));
    }

    #[test]
    fn browser_match() {
        // httpd: `BrowserMatch ^$ A=noua` matched a request without
        // User-Agent; with `User-Agent: Mozilla`, `BrowserMatchNoCase MOZ(.)
        // B=$1` gave `i` and `BrowserMatch Moz C` gave 1.
        let lines = [
            "BrowserMatch ^$ A=noua",
            "BrowserMatchNoCase MOZ(.) B=$1",
            "BrowserMatch Moz C",
        ];
        let env = env_for(&lines, &req("/", &[]));
        assert_eq!(get(&env, "A"), Some("noua"));
        assert_eq!(get(&env, "B"), None);
        let h: &[(&[u8], &[u8])] = &[(b"user-agent", b"Mozilla")];
        let env = env_for(&lines, &req("/", h));
        assert_eq!(get(&env, "A"), None);
        assert_eq!(get(&env, "B"), Some("i"));
        assert_eq!(get(&env, "C"), Some("1"));
    }

    #[test]
    fn setenv_and_unsetenv_in_one_scope() {
        // httpd: SetEnv A → "" ; SetEnv B "x y"; SetEnvIf . C=c D=d;
        // UnsetEnv C (does not touch SetEnvIf's C); SetEnv E e + UnsetEnv E
        // → unset; UnsetEnv V + SetEnv V v → v.
        let mut s = scope(&[
            "SetEnv A",
            "SetEnvIf Request_URI . C=c D=d",
            "UnsetEnv C",
            "SetEnv E e",
            "UnsetEnv E",
            "UnsetEnv V",
            "SetEnv V v",
        ]);
        s.add_directive("SetEnv", &["B".into(), "x y".into()])
            .unwrap();
        let mut env = EnvTable::new();
        s.rules.apply(&req("/", &[]), &mut env).unwrap();
        s.settings.apply(&mut env);
        assert_eq!(get(&env, "A"), Some(""));
        assert_eq!(get(&env, "B"), Some("x y"));
        assert_eq!(get(&env, "C"), Some("c"));
        assert_eq!(get(&env, "E"), None);
        assert_eq!(get(&env, "V"), Some("v"));
        // httpd: SetEnv A 1; SetEnv a 2 → 2.
        assert_eq!(
            get(&env_for(&["SetEnv A 1", "SetEnv a 2"], &req("/", &[])), "A"),
            Some("2")
        );
        // httpd: UnsetEnv A "" B removes only A.
        let mut e = EnvSettings::new();
        e.add_directive("SetEnv", &["B".into(), "2".into()])
            .unwrap();
        e.add_directive("UnsetEnv", &["A".into(), "".into(), "B".into()])
            .unwrap();
        assert_eq!(e.vars().get(b"B"), Some(&b"2"[..]));
    }

    #[test]
    fn setenvif_value_wins_over_setenv() {
        // httpd: SetEnvIf . A=fromif and SetEnv A fromset → %{A}e fromif
        // (mod_env appends); also with the SetEnvIf in <Location />.
        let env = env_for(
            &[
                "SetEnvIf Request_URI . A=fromif",
                "SetEnv A fromset",
                "SetEnv B fromset",
            ],
            &req("/", &[]),
        );
        assert_eq!(get(&env, "A"), Some("fromif"));
        assert_eq!(get(&env, "B"), Some("fromset"));
        assert_eq!(env.len(), 3);
    }

    #[test]
    fn env_settings_merge() {
        // httpd: server SetEnv A main, B main.
        let server = scope(&["SetEnv A main", "SetEnv B main"]).settings;
        let vars = |s: &EnvSettings, n: &str| {
            s.vars()
                .get(n.as_bytes())
                .map(|v| String::from_utf8(v.to_vec()).unwrap())
        };
        // <VirtualHost> UnsetEnv A → A unset.
        let vh = scope(&["UnsetEnv A"]).settings;
        let m = EnvSettings::merge(&server, &vh);
        assert_eq!(vars(&m, "A"), None);
        assert_eq!(vars(&m, "B").as_deref(), Some("main"));
        // <Location /> UnsetEnv A alone matching → A unset; with <Location
        // /d> (SetEnv C c) matching too, httpd merged the two sections first
        // and A stayed "main"; likewise for two <Directory>s and for
        // <Location /> SetEnv C + <Location /d> UnsetEnv A.
        let root = scope(&["UnsetEnv A"]).settings;
        let d = scope(&["SetEnv C c"]).settings;
        let sections = EnvSettings::merge(&root, &d);
        let m = EnvSettings::merge(&server, &sections);
        assert_eq!(vars(&m, "A").as_deref(), Some("main"));
        assert_eq!(vars(&m, "C").as_deref(), Some("c"));
        let sections = EnvSettings::merge(&d, &root);
        let m = EnvSettings::merge(&server, &sections);
        assert_eq!(vars(&m, "A").as_deref(), Some("main"));
        // httpd: <Location /d> UnsetEnv A, SetEnv B loc; <Location /d/f>
        // SetEnv A again: /d/ → -|loc, /d/f → again|loc.
        let d = scope(&["UnsetEnv A", "SetEnv B loc"]).settings;
        let f = scope(&["SetEnv A again"]).settings;
        let m = EnvSettings::merge(&server, &d);
        assert_eq!(vars(&m, "A"), None);
        assert_eq!(vars(&m, "B").as_deref(), Some("loc"));
        let m = EnvSettings::merge(&server, &EnvSettings::merge(&d, &f));
        assert_eq!(vars(&m, "A").as_deref(), Some("again"));
        assert_eq!(vars(&m, "B").as_deref(), Some("loc"));
        // httpd: server UnsetEnv A, SetEnv A 1; <Location /> UnsetEnv A,
        // SetEnv A 2, SetEnv B 3, UnsetEnv B → A=2, B unset.
        let s = scope(&["UnsetEnv A", "SetEnv A 1"]).settings;
        let l = scope(&["UnsetEnv A", "SetEnv A 2", "SetEnv B 3", "UnsetEnv B"]).settings;
        let m = EnvSettings::merge(&s, &l);
        assert_eq!(vars(&m, "A").as_deref(), Some("2"));
        assert_eq!(vars(&m, "B"), None);
    }

    #[test]
    fn setenvif_merge_order() {
        // httpd: main `SetEnvIf . X=main`, vhost `SetEnvIf X (.*) A=$1` and
        // `X=vh` → A=main, X=vh (main server rules run first).
        let main = scope(&["SetEnvIf Request_URI . X=main"]);
        let vh = scope(&["SetEnvIf X (.*) A=$1", "SetEnvIf Request_URI . X=vh"]);
        let m = ScopeEnv::merge(&main, &vh);
        let mut env = EnvTable::new();
        m.rules.apply(&req("/", &[]), &mut env).unwrap();
        assert_eq!(get(&env, "A"), Some("main"));
        assert_eq!(get(&env, "X"), Some("vh"));
    }

    #[test]
    fn substitution_length_limit() {
        // httpd: 8000-byte header, value `$1` ×8 plus padding: 65535 bytes
        // set; 65536 → status 500, AH01505, later variables of the rule and
        // later rules not applied (earlier ones stay).
        let big = vec![b'a'; 8000];
        let h: &[(&[u8], &[u8])] = &[(b"X", &big)];
        for (pad, ok) in [(1535, true), (1536, false)] {
            let line = format!(
                "SetEnvIf X (.*) A={}{} D=after",
                "$1".repeat(8),
                "b".repeat(pad)
            );
            let s = scope(&[
                "SetEnvIf Request_URI . C=before",
                &line,
                "SetEnvIf Request_URI . B=ok",
            ]);
            let mut env = EnvTable::new();
            let r = s.rules.apply(&req("/", h), &mut env);
            assert_eq!(r.is_ok(), ok);
            assert_eq!(get(&env, "C"), Some("before"));
            if ok {
                assert_eq!(env.get(b"A").unwrap().len(), 65535);
                assert_eq!(get(&env, "B"), Some("ok"));
            } else {
                assert_eq!(
                    r.unwrap_err().to_string(),
                    "AH01505: Regular expression replacement failed for 'A', value too long?"
                );
                assert_eq!(get(&env, "A"), None);
                assert_eq!(get(&env, "D"), None);
                assert_eq!(get(&env, "B"), None);
            }
        }
    }

    #[test]
    fn directive_errors() {
        // httpd 2.4.71 `apache2 -t` messages.
        let m = |d: &str, args: &[&str]| {
            let a: Vec<String> = args.iter().map(|s| s.to_string()).collect();
            ScopeEnv::new().add_directive(d, &a).unwrap_err()
        };
        assert_eq!(m("SetEnvIf", &[]), "Missing header-field name for SetEnvIf");
        assert_eq!(
            m("SetEnvIf", &["", "^/", "A"]),
            "Missing header-field name for SetEnvIf"
        );
        assert_eq!(
            err("SetEnvIf Request_URI"),
            "Missing regular expression for SetEnvIf"
        );
        assert_eq!(
            m("SetEnvIf", &["Request_URI", "", "A"]),
            "Missing regular expression for SetEnvIf"
        );
        assert_eq!(
            err("SetEnvIf Request_URI ^/"),
            "Missing envariable expression for SetEnvIf"
        );
        assert_eq!(
            m("SetEnvIf", &["Request_URI", "x", ""]),
            "Missing envariable expression for SetEnvIf"
        );
        assert_eq!(
            err("SetEnvIf Request_URI ( A"),
            "SetEnvIf regex could not be compiled."
        );
        assert_eq!(
            err("SetEnvIfNoCase X"),
            "Missing regular expression for SetEnvIfNoCase"
        );
        assert_eq!(
            err("BrowserMatch"),
            "Missing regular expression for BrowserMatch"
        );
        assert_eq!(
            err("BrowserMatch x"),
            "Missing envariable expression for BrowserMatch"
        );
        assert_eq!(
            err("BrowserMatchNoCase"),
            "Missing regular expression for BrowserMatchNoCase"
        );
        assert_eq!(
            err("BrowserMatchNoCase x"),
            "Missing envariable expression for BrowserMatchNoCase"
        );
        assert_eq!(err("SetEnvIfExpr"), "Missing expression for SetEnvIfExpr");
        assert!(err("SetEnvIfExpr true A").contains("not supported by spoor yet"));
        // httpd accepts these (PCRE); spoor says why it cannot.
        for p in [
            "(?<=a)b", "(?!a)", "(a)\\1", "a++", "a{2}+", "(?>a)", "a\\Kb", "(?R)",
        ] {
            let a: Vec<String> = ["Request_URI", p, "A"]
                .iter()
                .map(|s| s.to_string())
                .collect();
            let e = ScopeEnv::new()
                .add_directive("SetEnvIf", &a)
                .map_or_else(|e| e, |_| format!("accepted {p}"));
            assert!(e.contains("does not support look-around"), "{p}: {e}");
        }
        // Look-alikes that are ordinary regex syntax.
        for p in ["[*+]+", "a\\++", "(?:a)+", "(?i)a", "[]+]", "\\0"] {
            let a: Vec<String> = ["Request_URI", p, "A"]
                .iter()
                .map(|s| s.to_string())
                .collect();
            assert!(ScopeEnv::new().add_directive("SetEnvIf", &a).is_ok(), "{p}");
        }
        assert!(err("SetEnvIf OID(\"1.2\") x A").contains("OID"));
        let setenv = "SetEnv takes 1-2 arguments, an environment variable name and optional \
                      value to pass to CGI.";
        assert_eq!(err("SetEnv"), setenv);
        assert_eq!(err("SetEnv A B C"), setenv);
        assert_eq!(m("SetEnv", &[""]), setenv);
        assert_eq!(
            err("UnsetEnv"),
            "UnsetEnv requires at least one argument, a list of variables to remove from \
             the CGI environment."
        );
        assert!(err("PassEnv HOME").contains("PassEnv"));
    }

    #[test]
    fn setenv_equals_warning() {
        // httpd logs AH10032 and still sets the variable under the name as
        // written (`SetEnv A=B` → %{A=B}e is "", %{A}e unset).
        let cases = [
            ("A=B", "'SetEnv A B' expected instead?"),
            ("A=B=C", "'SetEnv A B=C' expected instead?"),
            ("A=", "'SetEnv A ' expected instead?"),
            ("A==", "'SetEnv A =' expected instead?"),
            ("==", "'SetEnv (null) ' expected instead?"),
            ("=F", "'SetEnv F ' expected instead?"),
        ];
        for (name, tail) in cases {
            let mut e = EnvSettings::new();
            let w = e
                .add_directive("SetEnv", &[name.to_string()])
                .unwrap()
                .unwrap();
            assert_eq!(
                w,
                format!("AH10032: Spurious usage of '=' in an environment variable name. {tail}")
            );
            assert_eq!(e.vars().get(name.as_bytes()), Some(&b""[..]));
        }
        let mut e = EnvSettings::new();
        let w = e
            .add_directive("SetEnv", &["C=D".into(), "E".into()])
            .unwrap()
            .unwrap();
        assert!(w.ends_with("'SetEnv C D' expected instead?"));
        assert_eq!(e.vars().get(b"C=D"), Some(&b"E"[..]));
        assert_eq!(e.add_directive("SetEnv", &["OK".into()]).unwrap(), None);
    }

    #[test]
    fn log_conditions() {
        // httpd -t: env= / env=! / Env= → "missing environment variable
        // name"; expr= / EXPR= → "missing condition"; env, foo, "",
        // " env=x" → "error in condition clause"; ENV=!x accepted.
        for c in ["env=", "env=!", "Env=", "ENV=!"] {
            assert_eq!(
                LogCondition::parse(c).unwrap_err(),
                "missing environment variable name"
            );
        }
        for c in ["expr=", "EXPR="] {
            assert_eq!(LogCondition::parse(c).unwrap_err(), "missing condition");
        }
        assert!(LogCondition::parse("expr=true")
            .unwrap_err()
            .contains("does not support expr="));
        for c in ["env", "foo", "", " env=x", "é"] {
            assert_eq!(
                LogCondition::parse(c).unwrap_err(),
                "error in condition clause"
            );
        }
        assert_eq!(
            LogCondition::parse("ENV=!x").unwrap(),
            LogCondition::IfUnset(b"x".to_vec())
        );
        // httpd run: Xv=1 on /x, EMPTY= (value 1) on /y; env=xV logged /x;
        // ENV=!XV logged /y and /z; env=empty logged /y; env=!!X (variable
        // "!X") logged all; env=S with `SetEnv S ""` logged all.
        let s = scope(&[
            "SetEnvIf Request_URI ^/x$ Xv=1",
            "SetEnvIf Request_URI ^/y$ EMPTY=",
        ]);
        let mut s = s;
        s.add_directive("SetEnv", &["S".into(), "".into()]).unwrap();
        let conds = ["env=xV", "ENV=!XV", "env=empty", "env=!!X", "env=S"]
            .map(|c| LogCondition::parse(c).unwrap());
        let mut logged = [Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new()];
        for uri in ["/x", "/y", "/z"] {
            let mut env = EnvTable::new();
            s.rules.apply(&req(uri, &[]), &mut env).unwrap();
            s.settings.apply(&mut env);
            for (i, c) in conds.iter().enumerate() {
                if c.allows(&env) {
                    logged[i].push(uri);
                }
            }
        }
        assert_eq!(logged[0], ["/x"]);
        assert_eq!(logged[1], ["/y", "/z"]);
        assert_eq!(logged[2], ["/y"]);
        assert_eq!(logged[3], ["/x", "/y", "/z"]);
        assert_eq!(logged[4], ["/x", "/y", "/z"]);
    }

    #[test]
    fn table_semantics() {
        let mut t = EnvTable::new();
        t.add(b"a", b"1");
        t.add(b"B", b"2");
        t.add(b"A", b"3");
        assert_eq!(t.get(b"A"), Some(&b"1"[..]));
        t.set(b"A", b"4");
        assert_eq!(
            t.iter().collect::<Vec<_>>(),
            [(&b"a"[..], &b"4"[..]), (b"B", b"2")]
        );
        t.add(b"a", b"5");
        t.unset(b"A");
        assert_eq!(t.len(), 1);
        assert!(!t.contains(b"a"));
        t.clear();
        assert!(t.is_empty());
    }

    #[test]
    fn bytes_not_text() {
        // PCRE in httpd runs without UTF mode: `.` is one byte, invalid
        // UTF-8 is matched, case folding is ASCII only.
        let h: &[(&[u8], &[u8])] = &[(b"X", b"\xff\xfeab\n")];
        let env = env_for(
            &[
                "SetEnvIf X ^(..)(.*)$ A=$1 B=$2",
                "SetEnvIfNoCase X ^..AB C=1",
                "SetEnvIf X é D=1",
                "SetEnvIfNoCase Request_URI É E=1",
            ],
            &req("/é", h),
        );
        assert_eq!(env.get(b"A"), Some(&b"\xff\xfe"[..]));
        assert_eq!(env.get(b"B"), Some(&b"ab\n"[..]));
        assert_eq!(get(&env, "C"), Some("1"));
        assert_eq!(get(&env, "D"), None);
        assert_eq!(get(&env, "E"), None);
        // httpd on GET /\xc3\xa9: `SetEnvIfNoCase Request_URI ^/(É)` no
        // match; `^/(é)$ C=$1` gave \xc3\xa9; `^/.$` no match; `^/..$`
        // matched.
        let env = env_for(
            &[
                "SetEnvIfNoCase Request_URI ^/(É) B=1",
                "SetEnvIf Request_URI ^/(é)$ C=$1",
                "SetEnvIf Request_URI ^/.$ D=1",
                "SetEnvIf Request_URI ^/..$ E=1",
            ],
            &req("/é", &[]),
        );
        assert_eq!(get(&env, "B"), None);
        assert_eq!(get(&env, "C"), Some("é"));
        assert_eq!(get(&env, "D"), None);
        assert_eq!(get(&env, "E"), Some("1"));
    }

    #[test]
    fn compiled_once_and_fast() {
        // Rules compile at configuration time; applying them allocates
        // little and does not recompile. A generous bound for debug builds.
        let s = scope(&[
            "BrowserMatch ^Mozilla/4 nokeepalive",
            "BrowserMatch \\bMSIE\\s7 !no-gzip",
            "SetEnvIfNoCase Request_URI \\.(?:gif|jpe?g|png)$ no-gzip dont-vary",
            "SetEnvIf Request_URI ^/(api)/(v[0-9]+) area=$1 ver=$2",
            "SetEnvIf Remote_Addr ^127\\. local",
            "SetEnvIf ^X-Forw (.*) fwd=$1",
            "SetEnvIf Referer example\\.com internal",
        ]);
        let h: &[(&[u8], &[u8])] = &[
            (b"Host", b"localhost"),
            (
                b"User-Agent",
                b"Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/120.0",
            ),
            (b"Accept", b"*/*"),
            (b"X-Forwarded-For", b"10.1.2.3"),
        ];
        let r = req("/api/v2/items.png", h);
        let start = std::time::Instant::now();
        let mut env = EnvTable::new();
        for _ in 0..20_000 {
            env.clear();
            s.rules.apply(&r, &mut env).unwrap();
        }
        assert!(start.elapsed() < std::time::Duration::from_secs(20));
        assert_eq!(get(&env, "area"), Some("api"));
        assert_eq!(get(&env, "ver"), Some("v2"));
        assert_eq!(get(&env, "local"), Some("1"));
        assert_eq!(get(&env, "fwd"), Some("10.1.2.3"));
        assert_eq!(get(&env, "no-gzip"), Some("1"));
        assert_eq!(get(&env, "internal"), None);
    }
}
