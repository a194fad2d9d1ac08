//! mod_negotiation's choice among variants: each variant's quality in
//! every dimension (type, language, charset, encoding) from the
//! request's `Accept*` lines, httpd's "fiddles" for lines that do not
//! give qualities, `LanguagePriority` and `ForceLanguagePriority`, the
//! tie-breaks (level, charset, encoding, length), and what the answer
//! says about it (`Vary`, `TCN`, `Alternates`, the variant list of a 406
//! or 300 page).
//!
//! Qualities are `f32` and compared as httpd compares its `float`s, so
//! ties fall the same way.

use super::accept::{self, Item};

/// The type that stands for a variant with a handler and no type
/// (httpd's `CGI_MAGIC_TYPE`).
pub const CGI_TYPE: &str = "application/x-httpd-cgi";

/// `ForceLanguagePriority Prefer`.
pub const FORCE_PREFER: u8 = 1;
/// `ForceLanguagePriority Fallback`.
pub const FORCE_FALLBACK: u8 = 2;
/// `ForceLanguagePriority None`.
pub const FORCE_NONE: u8 = 4;

/// One variant: a file of a MultiViews directory or an entry of a type
/// map.
#[derive(Clone, Debug)]
pub struct Variant {
    /// Its name relative to the directory (a type map's `URI`).
    pub file_name: String,
    /// Its media type, lower case (empty when unknown).
    pub mime_type: String,
    /// The type's `charset` parameter (lower case; empty when none).
    pub charset: String,
    /// The type's `level` parameter.
    pub level: f32,
    /// The type's `qs` (a type map's; 1 for a file).
    pub source_quality: f32,
    /// Its encoding (`Content-Encoding`), as given.
    pub encoding: Option<String>,
    /// Its languages, lower case.
    pub languages: Vec<String>,
    /// A type map's `Description`.
    pub description: String,
    /// A type map's inline `Body:`: where it is in the map file and its
    /// length.
    pub body: Option<(u64, u64)>,
    /// Its length, when known.
    pub bytes: Option<u64>,
    /// Whether mod_mime gave it a handler (a script: no length is
    /// announced for it).
    pub handler: bool,
    lang_quality: f32,
    encoding_quality: f32,
    charset_quality: f32,
    mime_type_quality: f32,
    lang_index: i32,
    level_matched: f32,
    mime_stars: u8,
    definite: bool,
}

impl Variant {
    /// A variant of type `ct` (a `Content-Type` value, with its `qs`,
    /// `level` and `charset` parameters) named `file_name`.
    pub fn new(file_name: String, ct: &[u8]) -> Variant {
        let (item, _) = accept::entry(ct);
        let mut v = Variant::blank(file_name);
        v.set_type(item);
        v
    }

    /// A variant with nothing known yet (httpd's `clean_var_rec`).
    pub fn blank(file_name: String) -> Variant {
        Variant {
            file_name,
            mime_type: String::new(),
            charset: String::new(),
            level: 0.0,
            source_quality: 0.0,
            encoding: None,
            languages: Vec::new(),
            description: String::new(),
            body: None,
            bytes: None,
            handler: false,
            lang_quality: 1.0,
            encoding_quality: 1.0,
            charset_quality: 1.0,
            mime_type_quality: 1.0,
            lang_index: -1,
            level_matched: 0.0,
            mime_stars: 0,
            definite: true,
        }
    }

    /// The type fields from a parsed `Content-Type` (httpd's
    /// `set_mime_fields`).
    pub fn set_type(&mut self, item: Item) {
        self.mime_type = item.name;
        self.source_quality = item.q;
        self.level = item.level;
        self.charset = item.charset;
    }

    fn is_pseudo_html(&self) -> bool {
        matches!(
            self.mime_type.as_str(),
            "text/html" | "text/x-server-parsed-html" | "text/x-server-parsed-html3"
        )
    }

    /// The languages joined by `,` (`None` when it has none).
    pub fn language_list(&self) -> Option<String> {
        (!self.languages.is_empty()).then(|| self.languages.join(","))
    }
}

/// What the choice came to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// This variant.
    Choice(usize),
    /// A 300 list for a client that negotiates transparently.
    List,
    /// 406: nothing acceptable.
    NotAcceptable,
}

/// The request's side of a negotiation (httpd's `negotiation_state`).
#[derive(Debug, Default)]
pub struct Neg {
    accepts: Option<Vec<Item>>,
    accept_q: bool,
    encodings: Option<Vec<Item>>,
    langs: Option<Vec<Item>>,
    charsets: Option<Vec<Item>>,
    /// `LanguagePriority` in force.
    pub priority: Vec<String>,
    /// `ForceLanguagePriority` bits in force (0: unset, which is Prefer).
    pub force: u8,
    default_lang_quality: f32,
    /// Whether the resource is negotiated transparently (RFC 2295).
    pub is_transparent: bool,
    dont_fiddle: bool,
    ua_supports_trans: bool,
    send_alternates: bool,
    may_choose: bool,
    use_rvsa: bool,
    /// The `prefer-language` variable.
    pub prefer_language: Option<String>,
    /// The `no-gzip` variable is set.
    pub no_gzip: bool,
    /// The `gzip-only-text/html` variable is `1`.
    pub gzip_only_html: bool,
}

impl Neg {
    /// The state for a request with these `Accept`, `Accept-Encoding`,
    /// `Accept-Language` and `Accept-Charset` values.
    pub fn new(
        accept: Option<&[u8]>,
        encoding: Option<&[u8]>,
        language: Option<&[u8]>,
        charset: Option<&[u8]>,
    ) -> Neg {
        let accepts = accept.map(accept::line);
        let accept_q = accepts
            .as_ref()
            .is_some_and(|a| a.iter().any(|i| i.q < 1.0));
        Neg {
            accepts,
            accept_q,
            encodings: encoding.map(accept::line),
            langs: language.map(accept::line),
            charsets: charset.map(accept::line),
            may_choose: true,
            ..Neg::default()
        }
    }

    /// Decides whether the resource is negotiated transparently: a GET
    /// (or HEAD) without path info whose variants all sit in the same
    /// directory and none of which is an inline body; then reads the
    /// client's `Negotiate` line.
    pub fn set_transparency(
        &mut self,
        get: bool,
        path_info: bool,
        variants: &[Variant],
        negotiate: Option<&[u8]>,
        user_agent: Option<&[u8]>,
    ) {
        self.is_transparent = get
            && !path_info
            && variants
                .iter()
                .all(|v| !v.file_name.contains('/') && v.body.is_none());
        if self.is_transparent {
            self.parse_negotiate(negotiate, user_agent);
        } else {
            self.may_choose = true;
        }
    }

    /// The client's `Negotiate` line (httpd's `parse_negotiate_header`).
    fn parse_negotiate(&mut self, negotiate: Option<&[u8]>, user_agent: Option<&[u8]>) {
        self.ua_supports_trans = false;
        self.send_alternates = false;
        self.may_choose = true;
        self.use_rvsa = false;
        self.dont_fiddle = false;
        let Some(n) = negotiate else { return };
        // Lynx sends exactly `trans` without supporting it.
        if n == b"trans" && user_agent.is_some_and(|u| u.starts_with(b"Lynx")) {
            return;
        }
        self.may_choose = false;
        for tok in n.split(|&b| b == b',').take(accept::MAX_ITEMS) {
            let tok = tok.trim_ascii().to_ascii_lowercase();
            if tok.is_empty() {
                continue;
            }
            let t = &tok[..];
            if t == b"trans"
                || t == b"vlist"
                || t == b"guess-small"
                || t[0].is_ascii_digit()
                || t == b"*"
            {
                self.ua_supports_trans = true;
                self.send_alternates = true;
                if t == b"1.0" {
                    self.may_choose = true;
                    self.use_rvsa = true;
                    self.dont_fiddle = true;
                } else if t[0] == b'*' {
                    self.may_choose = true;
                    self.dont_fiddle = true;
                }
            }
        }
    }

    /// `Accept: */*` when the client sent no `Accept`, and the script
    /// type, much preferred for a POST, a query or path info
    /// (`prefer_scripts`), else barely acceptable.
    pub fn add_default_accepts(&mut self, prefer_scripts: bool) {
        let accepts = self.accepts.get_or_insert_with(|| {
            vec![Item {
                name: "*/*".into(),
                q: 1.0,
                level: 0.0,
                charset: String::new(),
            }]
        });
        let q = if self.use_rvsa {
            0.0
        } else if prefer_scripts {
            2.0
        } else {
            0.001
        };
        accepts.push(Item {
            name: CGI_TYPE.into(),
            q,
            level: 0.0,
            charset: String::new(),
        });
    }

    /// Whether a `TCN` line goes out: the resource is transparent.
    pub fn tcn(&self) -> bool {
        self.is_transparent
    }

    /// Whether a list response carries an `Alternates` line (always for
    /// a list; for a choice when the client asked).
    pub fn sends_alternates(&self) -> bool {
        self.send_alternates
    }

    /// Whether the client takes a 300 list (transparent negotiation).
    pub fn list_ok(&self) -> bool {
        self.is_transparent && self.ua_supports_trans
    }

    /// Runs the choice over `vars` (httpd's `best_match` and the first
    /// half of `do_negotiation`).
    pub fn choose(&mut self, vars: &mut [Variant]) -> Outcome {
        let (best, choice) = self.best_match(vars);
        if choice {
            if let Some(b) = best {
                return Outcome::Choice(b);
            }
        }
        self.send_alternates = true;
        if self.list_ok() {
            return Outcome::List;
        }
        match best {
            // (A best variant with q = 0 is still served, as httpd.)
            Some(b) => Outcome::Choice(b),
            None => Outcome::NotAcceptable,
        }
    }

    fn best_match(&mut self, vars: &mut [Variant]) -> (Option<usize>, bool) {
        let discard = if self.no_gzip {
            1
        } else if self.gzip_only_html {
            2
        } else {
            0
        };
        self.default_lang_quality =
            if !self.dont_fiddle && vars.iter().any(|v| !v.languages.is_empty()) {
                0.0001
            } else {
                1.0
            };
        let mut preferred = self.prefer_language.clone();
        loop {
            let mut best: Option<usize> = None;
            let mut bestq = 0.0f32;
            for j in 0..vars.len() {
                if discard != 0 && discarded(&vars[j], discard) {
                    continue;
                }
                if let Some(p) = &preferred {
                    if !vars[j].languages.iter().any(|l| l == p) {
                        continue;
                    }
                }
                self.set_accept_quality(&mut vars[j]);
                if preferred.is_some() {
                    vars[j].lang_quality = 1.0;
                    vars[j].definite = true;
                } else {
                    self.set_language_quality(&mut vars[j]);
                }
                self.set_encoding_quality(&mut vars[j]);
                self.set_charset_quality(&mut vars[j]);
                if self.may_choose {
                    let better = if self.use_rvsa {
                        better_rvsa(&vars[j], best.map(|b| &vars[b]), &mut bestq)
                    } else {
                        better(&vars[j], best.map(|b| &vars[b]), &mut bestq)
                    };
                    if better {
                        best = Some(j);
                    }
                }
            }
            let choice = if self.use_rvsa {
                best.is_some_and(|b| vars[b].definite) && bestq > 0.0
            } else {
                bestq > 0.0
            };
            if preferred.is_some() && (best.is_none() || !choice) {
                preferred = None;
                continue;
            }
            return (best, choice);
        }
    }

    fn set_accept_quality(&self, v: &mut Variant) {
        let Some(accepts) = &self.accepts else {
            if !v.mime_type.is_empty() {
                v.definite = false;
            }
            return;
        };
        let mut q = 0.0f32;
        let mut q_definite = true;
        for a in accepts {
            let prev = v.mime_stars;
            if !mime_match(a, v) || prev == v.mime_stars {
                continue;
            }
            q = if !self.dont_fiddle && !self.accept_q && v.mime_stars == 1 {
                0.01
            } else if !self.dont_fiddle && !self.accept_q && v.mime_stars == 2 {
                0.02
            } else {
                a.q
            };
            q_definite = v.mime_stars == 3;
        }
        v.mime_type_quality = q;
        v.definite = v.definite && q_definite;
    }

    fn set_language_quality(&self, v: &mut Variant) {
        let force = if self.force == 0 {
            FORCE_PREFER
        } else {
            self.force
        };
        if v.languages.is_empty() {
            if !self.dont_fiddle {
                v.lang_quality = self.default_lang_quality;
            }
            return;
        }
        match &self.langs {
            None => v.definite = false,
            Some(accs) => {
                let mut best: Option<&Item> = None;
                let mut star: Option<&Item> = None;
                let mut fiddle_q = 0.0f32;
                let mut any_match_on_star = false;
                for lang in &v.languages {
                    let mut best_this: Option<&Item> = None;
                    let mut longest = 0usize;
                    for a in accs {
                        if a.name == "*" {
                            star.get_or_insert(a);
                            continue;
                        }
                        let alen = a.name.len();
                        let l = lang.as_bytes();
                        if l.len() >= alen
                            && l[..alen] == *a.name.as_bytes()
                            && (l.len() == alen || l[alen] == b'-')
                            && alen > longest
                        {
                            longest = alen;
                            best_this = Some(a);
                        }
                        if best_this.is_none() && !self.dont_fiddle {
                            if let Some(p) = a.name.find('-') {
                                if l.len() >= p && l[..p] == a.name.as_bytes()[..p] {
                                    fiddle_q = 0.001;
                                }
                            }
                        }
                    }
                    if best.is_none() || best_this.is_some_and(|b| b.q > best.map_or(0.0, |x| x.q))
                    {
                        best = best_this;
                    }
                    if best_this.is_none() && star.is_some() {
                        any_match_on_star = true;
                    }
                }
                if any_match_on_star {
                    if let Some(s) = star {
                        if best.is_none_or(|b| s.q > b.q) {
                            best = Some(s);
                            v.definite = false;
                        }
                    }
                }
                v.lang_quality = best.map_or(fiddle_q, |b| b.q);
            }
        }
        if (force & FORCE_PREFER != 0 && v.lang_index < 0)
            || (force & FORCE_FALLBACK != 0 && v.lang_quality == 0.0)
        {
            let mut bestidx: i32 = -1;
            for lang in &v.languages {
                if let Some(idx) = lang_index(&self.priority, lang) {
                    if bestidx == -1 || idx < bestidx {
                        bestidx = idx;
                    }
                }
            }
            if bestidx >= 0 {
                if v.lang_quality != 0.0 {
                    if force & FORCE_PREFER != 0 {
                        v.lang_index = bestidx;
                    }
                } else if force & FORCE_FALLBACK != 0 {
                    v.lang_index = bestidx;
                    v.lang_quality = 0.0001;
                    v.definite = false;
                }
            }
        }
    }

    fn set_charset_quality(&self, v: &mut Variant) {
        let Some(accs) = &self.charsets else {
            if !v.charset.is_empty() {
                v.definite = false;
            }
            return;
        };
        let charset = if v.charset.is_empty() {
            let texty = v.mime_type.starts_with("text/")
                || v.mime_type == "text/x-server-parsed-html"
                || v.mime_type == "text/x-server-parsed-html3";
            if !texty || self.dont_fiddle {
                return;
            }
            "iso-8859-1"
        } else {
            v.charset.as_str()
        };
        let mut star = None;
        for a in accs {
            if a.name == charset {
                v.charset_quality = a.q;
                return;
            } else if a.name == "*" {
                star = Some(a);
            }
        }
        if let Some(s) = star {
            v.charset_quality = s.q;
            v.definite = false;
            return;
        }
        v.charset_quality = if charset == "iso-8859-1" { 1.0 } else { 0.0 };
    }

    fn set_encoding_quality(&self, v: &mut Variant) {
        let enc = v.encoding.as_deref();
        let Some(accs) = &self.encodings else {
            v.encoding_quality = if is_identity(enc) { 1.0 } else { 0.5 };
            return;
        };
        let (enc, if_not_found) = if is_identity(enc) {
            ("identity", 0.0001f32)
        } else {
            (enc.unwrap_or(""), 0.0)
        };
        let enc = enc.strip_prefix("x-").unwrap_or(enc);
        let mut star = None;
        for a in accs {
            let name = a.name.strip_prefix("x-").unwrap_or(&a.name);
            if name == enc {
                v.encoding_quality = a.q;
                return;
            }
            if name == "*" {
                star = Some(a);
            }
        }
        v.encoding_quality = star.map_or(if_not_found, |s| s.q);
    }

    /// The negotiation's response lines, in httpd's order: `Alternates`
    /// (when it is sent), `Vary` (the dimensions in which the variants
    /// differ, `negotiate` first for a transparent resource), `TCN`.
    pub fn headers(&self, vars: &[Variant], choice: bool) -> Vec<(&'static [u8], Vec<u8>)> {
        let mut out = Vec::new();
        let (mut by_type, mut by_lang, mut by_charset, mut by_enc) = (false, false, false, false);
        if let Some(first) = vars.first() {
            let lang0 = first.language_list().unwrap_or_default();
            let enc0 = first.encoding.as_deref().unwrap_or("");
            for v in &vars[1..] {
                by_type |= v.mime_type != first.mime_type;
                by_charset |= v.charset != first.charset;
                by_lang |= v.language_list().unwrap_or_default() != lang0;
                by_enc |= v.encoding.as_deref().unwrap_or("") != enc0;
            }
        }
        if self.send_alternates && !vars.is_empty() {
            let mut a = Vec::new();
            for (i, v) in vars.iter().enumerate() {
                if i > 0 {
                    a.extend_from_slice(b", ");
                }
                a.extend_from_slice(b"{\"");
                escape_segment(v.file_name.as_bytes(), &mut a);
                a.extend_from_slice(b"\" ");
                a.extend_from_slice(short_q(v.source_quality).as_bytes());
                if !v.mime_type.is_empty() {
                    a.extend_from_slice(b" {type ");
                    a.extend_from_slice(v.mime_type.as_bytes());
                    a.push(b'}');
                }
                if !v.charset.is_empty() {
                    a.extend_from_slice(b" {charset ");
                    a.extend_from_slice(v.charset.as_bytes());
                    a.push(b'}');
                }
                if let Some(l) = v.language_list() {
                    a.extend_from_slice(b" {language ");
                    a.extend_from_slice(l.as_bytes());
                    a.push(b'}');
                }
                if let Some(e) = v.encoding.as_deref().filter(|e| !e.is_empty()) {
                    a.extend_from_slice(b" {encoding ");
                    a.extend_from_slice(e.as_bytes());
                    a.push(b'}');
                }
                if let Some(n) = v.bytes.filter(|_| !v.handler) {
                    a.extend_from_slice(b" {length ");
                    a.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
                    a.push(b'}');
                }
                a.push(b'}');
            }
            out.push((&b"Alternates"[..], a));
        }
        if self.is_transparent || by_type || by_lang || by_charset || by_enc {
            let mut v = Vec::new();
            for (on, name) in [
                (self.is_transparent, &b"negotiate"[..]),
                (by_type, b"accept"),
                (by_lang, b"accept-language"),
                (by_charset, b"accept-charset"),
                (by_enc, b"accept-encoding"),
            ] {
                if on {
                    if !v.is_empty() {
                        v.push(b',');
                    }
                    v.extend_from_slice(name);
                }
            }
            out.push((&b"Vary"[..], v));
        }
        if self.is_transparent {
            let tcn: &[u8] = if choice { b"choice" } else { b"list" };
            out.push((&b"TCN"[..], tcn.to_vec()));
        }
        out
    }
}

/// The HTML list of variants a 406 or 300 page carries.
pub fn variant_list(vars: &[Variant], out: &mut Vec<u8>) {
    out.extend_from_slice(b"Available variants:\n<ul>\n");
    for v in vars {
        out.extend_from_slice(b"<li><a href=\"");
        escape_segment(v.file_name.as_bytes(), out);
        out.extend_from_slice(b"\">");
        crate::http::pages::escape_html(v.file_name.as_bytes(), out);
        out.extend_from_slice(b"</a> ");
        out.extend_from_slice(v.description.as_bytes());
        if !v.mime_type.is_empty() {
            out.extend_from_slice(b", type ");
            out.extend_from_slice(v.mime_type.as_bytes());
        }
        if let Some(l) = v.language_list() {
            out.extend_from_slice(b", language ");
            out.extend_from_slice(l.as_bytes());
        }
        if !v.charset.is_empty() {
            out.extend_from_slice(b", charset ");
            out.extend_from_slice(v.charset.as_bytes());
        }
        if let Some(e) = &v.encoding {
            out.extend_from_slice(b", encoding ");
            out.extend_from_slice(e.as_bytes());
        }
        out.extend_from_slice(b"</li>\n");
    }
    out.extend_from_slice(b"</ul>\n");
}

/// httpd's `ap_escape_path_segment`: `/`, `;` and every byte outside
/// the safe set as `%xx` (lower-case hex).
pub fn escape_segment(s: &[u8], out: &mut Vec<u8>) {
    const H: &[u8; 16] = b"0123456789abcdef";
    for &b in s {
        if b.is_ascii_alphanumeric() || b"$-_.+!*'(),:@&=~".contains(&b) {
            out.push(b);
        } else {
            out.extend_from_slice(&[b'%', H[(b >> 4) as usize], H[(b & 15) as usize]]);
        }
    }
}

/// A source quality as `%1.3f` with its trailing zeros cut.
fn short_q(q: f32) -> String {
    let mut s = format!("{:1.3}", f64::from(q));
    s.truncate(5);
    let b = s.as_bytes();
    if b.len() == 5 && b[4] == b'0' {
        s.truncate(4);
        if s.as_bytes()[3] == b'0' {
            s.truncate(3);
            if s.as_bytes()[2] == b'0' {
                s.truncate(1);
            }
        }
    }
    s
}

/// httpd's `find_lang_index`: the first priority `lang` starts with
/// (any case).
fn lang_index(priority: &[String], lang: &str) -> Option<i32> {
    priority
        .iter()
        .position(|p| {
            lang.len() >= p.len() && lang.as_bytes()[..p.len()].eq_ignore_ascii_case(p.as_bytes())
        })
        .map(|i| i as i32)
}

fn is_identity(enc: Option<&str>) -> bool {
    matches!(enc, None | Some("" | "7bit" | "8bit" | "binary"))
}

fn discarded(v: &Variant, discard: u8) -> bool {
    let enc = v.encoding.as_deref();
    if is_identity(enc) || enc == Some("identity") {
        return false;
    }
    discard == 1 || (discard == 2 && !v.mime_type.starts_with("text/html"))
}

/// httpd's `mime_match`: whether `a` covers the variant's type, raising
/// its star count (1 `*/*`, 2 `type/*`, 3 exact).
fn mime_match(a: &Item, v: &mut Variant) -> bool {
    let at = a.name.as_bytes();
    let vt = v.mime_type.as_bytes();
    let len = at.len();
    if at == b"*" || at == b"*/*" {
        v.mime_stars = v.mime_stars.max(1);
        return true;
    }
    if len > 2
        && at[len - 2] == b'/'
        && at[len - 1] == b'*'
        && vt.len() > len - 2
        && vt[..len - 2] == at[..len - 2]
        && vt[len - 2] == b'/'
    {
        v.mime_stars = v.mime_stars.max(2);
        return true;
    }
    let html_like = a.name == "text/html"
        && matches!(
            v.mime_type.as_str(),
            "text/x-server-parsed-html" | "text/x-server-parsed-html3"
        );
    if (a.name == v.mime_type || html_like) && a.level >= v.level {
        v.level_matched = v.level;
        v.mime_stars = 3;
        return true;
    }
    false
}

/// httpd's `level_cmp`: 1 when `a`'s level is preferable, -1 when `b`'s.
fn level_cmp(a: &Variant, b: &Variant) -> i32 {
    if a.is_pseudo_html() && !b.is_pseudo_html() {
        return 0;
    }
    if !a.is_pseudo_html() && a.mime_type != b.mime_type {
        return 0;
    }
    if a.level_matched > b.level_matched {
        return 1;
    }
    if a.level_matched < b.level_matched {
        return -1;
    }
    if a.level < b.level {
        return 1;
    }
    if a.level > b.level {
        return -1;
    }
    0
}

/// The RVSA/1.0 comparison (RFC 2296).
fn better_rvsa(v: &Variant, best: Option<&Variant>, bestq: &mut f32) -> bool {
    if v.encoding_quality == 0.0 {
        return false;
    }
    let q = v.mime_type_quality * v.source_quality * v.charset_quality * v.lang_quality;
    if q <= 0.0 {
        return false;
    }
    if q > *bestq {
        *bestq = q;
        return true;
    }
    if q == *bestq {
        if let Some(b) = best {
            if v.encoding_quality > b.encoding_quality {
                *bestq = q;
                return true;
            }
        }
    }
    false
}

/// Apache's own comparison: type × source quality, then language
/// quality, language priority, level, charset, encoding, length.
fn better(v: &Variant, best: Option<&Variant>, bestq: &mut f32) -> bool {
    if v.encoding_quality == 0.0
        || v.lang_quality == 0.0
        || v.source_quality == 0.0
        || v.charset_quality == 0.0
        || v.mime_type_quality == 0.0
    {
        return false;
    }
    let q = v.mime_type_quality * v.source_quality;
    if q == 0.0 || q < *bestq {
        return false;
    }
    let Some(b) = best.filter(|_| q <= *bestq) else {
        *bestq = q;
        return true;
    };
    if v.lang_quality < b.lang_quality {
        return false;
    }
    if v.lang_quality > b.lang_quality {
        *bestq = q;
        return true;
    }
    if b.lang_index != -1 && (v.lang_index == -1 || v.lang_index > b.lang_index) {
        return false;
    }
    if v.lang_index != -1 && (b.lang_index == -1 || v.lang_index < b.lang_index) {
        *bestq = q;
        return true;
    }
    match level_cmp(v, b) {
        -1 => return false,
        1 => {
            *bestq = q;
            return true;
        }
        _ => {}
    }
    if v.charset_quality < b.charset_quality {
        return false;
    }
    let v_other = !v.charset.is_empty() && v.charset != "iso-8859-1";
    let b_latin = b.charset.is_empty() || b.charset == "iso-8859-1";
    if v.charset_quality > b.charset_quality || (v_other && b_latin) {
        *bestq = q;
        return true;
    }
    if v.encoding_quality < b.encoding_quality {
        return false;
    }
    if v.encoding_quality > b.encoding_quality {
        *bestq = q;
        return true;
    }
    // (An unknown length counts as -1, as httpd's.)
    let len = |x: &Variant| x.bytes.map_or(-1, |n| n as i128);
    if len(v) >= len(b) {
        return false;
    }
    *bestq = q;
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn var(name: &str, ct: &str, langs: &[&str]) -> Variant {
        let mut v = Variant::new(name.into(), ct.as_bytes());
        v.languages = langs.iter().map(|l| l.to_string()).collect();
        v.bytes = Some(name.len() as u64);
        v
    }

    fn pick(h: &[(&str, &str)], prio: &[&str], force: u8, vars: &mut [Variant]) -> Outcome {
        let get = |n: &str| {
            h.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(n))
                .map(|(_, v)| v.as_bytes())
        };
        let mut n = Neg::new(
            get("accept"),
            get("accept-encoding"),
            get("accept-language"),
            get("accept-charset"),
        );
        n.priority = prio.iter().map(|p| p.to_string()).collect();
        n.force = force;
        n.set_transparency(true, false, vars, get("negotiate"), None);
        n.add_default_accepts(false);
        n.choose(vars)
    }

    #[test]
    fn languages_and_priority() {
        let mk = || {
            vec![
                var("a.html.de", "text/html", &["de"]),
                var("a.html.en", "text/html", &["en"]),
            ]
        };
        assert_eq!(pick(&[], &["en", "de"], 0, &mut mk()), Outcome::Choice(1));
        assert_eq!(pick(&[], &["de", "en"], 0, &mut mk()), Outcome::Choice(0));
        assert_eq!(
            pick(&[("accept-language", "de")], &["en"], 0, &mut mk()),
            Outcome::Choice(0)
        );
        assert_eq!(
            pick(&[("accept-language", "fr")], &["en"], 0, &mut mk()),
            Outcome::NotAcceptable
        );
        assert_eq!(
            pick(
                &[("accept-language", "fr")],
                &["en"],
                FORCE_FALLBACK,
                &mut mk()
            ),
            Outcome::Choice(1)
        );
        assert_eq!(
            pick(&[("accept-language", "en-us")], &[], 0, &mut mk()),
            Outcome::Choice(1)
        );
        assert_eq!(
            pick(
                &[("accept-language", "fr"), ("negotiate", "trans")],
                &[],
                0,
                &mut mk()
            ),
            Outcome::List
        );
    }

    #[test]
    fn types_and_fiddles() {
        let mk = || {
            vec![
                var("c.html.fr", "text/html", &["fr"]),
                var("c.txt.en", "text/plain", &["en"]),
            ]
        };
        assert_eq!(
            pick(&[("accept", "text/plain")], &[], 0, &mut mk()),
            Outcome::Choice(1)
        );
        // Wildcards count 0.01 when no q is given: the exact type wins.
        assert_eq!(
            pick(&[("accept", "text/html, */*")], &[], 0, &mut mk()),
            Outcome::Choice(0)
        );
        assert_eq!(
            pick(&[("accept", "image/*")], &[], 0, &mut mk()),
            Outcome::NotAcceptable
        );
    }

    #[test]
    fn headers_and_list() {
        let mut vars = vec![
            var("a.html.de", "text/html", &["de"]),
            var("a.html.en", "text/html", &["en"]),
        ];
        let mut n = Neg::new(None, None, Some(b"fr"), None);
        n.set_transparency(true, false, &vars, None, None);
        n.add_default_accepts(false);
        assert_eq!(n.choose(&mut vars), Outcome::NotAcceptable);
        let h = n.headers(&vars, false);
        assert_eq!(h[0].1, b"{\"a.html.de\" 1 {type text/html} {language de} {length 9}}, {\"a.html.en\" 1 {type text/html} {language en} {length 9}}");
        assert_eq!(h[1].1, b"negotiate,accept-language");
        assert_eq!(h[2].1, b"list");
        let mut l = Vec::new();
        variant_list(&vars, &mut l);
        assert!(l.starts_with(b"Available variants:\n<ul>\n<li><a href=\"a.html.de\">a.html.de</a> , type text/html, language de</li>\n"));
        assert_eq!(short_q(0.5), "0.5");
        assert_eq!(short_q(1.0), "1");
        assert_eq!(short_q(0.05), "0.05");
        assert_eq!(short_q(0.0), "0");
    }
}
