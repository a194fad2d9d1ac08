//! Per-directory configuration: httpd's `<Directory>`, `<DirectoryMatch>`,
//! `<Files>`, `<FilesMatch>`, `<Location>` and `<LocationMatch>` sections,
//! the directives that may appear in them, how they merge, and the
//! per-request lookup.
//!
//! # Model
//!
//! Every module with per-directory settings owns one struct in
//! [`PerDir`] (`core`, `authz`, `dir`, `mime`, `env`, …) and one merge
//! function ([`Merge::merge`]): httpd's `merge_dir_config` of that module.
//! A section holds a whole [`PerDir`] (fields the section does not set are
//! at their defaults); the directives of a server outside any section form
//! the server's defaults (httpd's `lookup_defaults`), and a virtual host's
//! defaults are the main server's merged with its own.
//!
//! # Request-time merge (httpd's walks)
//!
//! After the URI is mapped to a file, [`Sections::lookup`] finds the
//! sections that apply, in httpd's order:
//!
//! 1. `<Directory>` sections without regex, shortest path (fewest
//!    components) first, then in configuration order; a path matches when
//!    it is a component prefix of the file name (wildcards: `fnmatch` on
//!    the same number of components); then regex `<Directory ~>` /
//!    `<DirectoryMatch>` sections, in order, matched against the whole
//!    file name;
//! 2. `<Files>` / `<FilesMatch>` against the file name's last component
//!    (empty for a directory named with a trailing slash);
//! 3. `<Location>` (component-prefix of the URI path, or `fnmatch`) and
//!    `<LocationMatch>`.
//!
//! Within each of the three walks the matching sections are merged among
//! themselves first (the first one as it is, each next one merged onto the
//! result), and that result is merged onto what came before (the server's
//! defaults, then the directory result, then the files result), exactly as
//! `ap_directory_walk`, `ap_file_walk` and `ap_location_walk` do. Merge
//! functions that are not associative (mod_env's `UnsetEnv`, modules
//! without a merge function) depend on this order.
//!
//! The lookup allocates nothing when no section matches (the server's
//! defaults are shared); a set of matching sections is merged once and
//! cached by the set (a bit mask), so a repeated set costs a hash lookup.
//!
//! # Adding a per-directory directive
//!
//! See ARCHITECTURE.md ("Per-directory settings"): give the module a
//! struct with `Default` (= nothing configured) and [`Merge`], add it as a
//! field of [`PerDir`] and to [`PerDir::merge`], and parse its directives
//! in [`PerDir::directive`]. The request reads the merged value from the
//! connection's current `PerDir`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::config::error::ConfigError;
use crate::config::tree::Directive;
use crate::config::values::{CanonicalName, HostnameLookups, Signature};
pub use crate::merge::Merge;
pub use crate::modules::authz_core::dirconf::AuthzDir;
pub use crate::modules::dir::dirconf::DirIndex;
pub use crate::modules::mime::dirconf::MimeDir;
use crate::setenv::ScopeEnv;
use crate::static_files::{RangeLimit, RangeLimits};

/// `Options` bits, as httpd numbers them.
pub mod opt {
    /// `Indexes`.
    pub const INDEXES: u16 = 1;
    /// `Includes` / `IncludesNOEXEC`.
    pub const INCLUDES: u16 = 2;
    /// `FollowSymLinks`.
    pub const SYM_LINKS: u16 = 4;
    /// `ExecCGI`.
    pub const EXECCGI: u16 = 8;
    /// Nothing set explicitly: `+`/`-` forms merge onto the parent.
    pub const UNSET: u16 = 16;
    /// `Includes` (with exec).
    pub const INC_WITH_EXEC: u16 = 32;
    /// `SymLinksIfOwnerMatch`.
    pub const SYM_OWNER: u16 = 64;
    /// `MultiViews`.
    pub const MULTI: u16 = 128;
    /// `All`.
    pub const ALL: u16 = INDEXES | INCLUDES | INC_WITH_EXEC | SYM_LINKS | EXECCGI;
}

/// The `Options` state of one scope (httpd's `opts`, `opts_add`,
/// `opts_remove`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Options {
    /// The options in force (with [`opt::UNSET`] while only `+`/`-`
    /// forms, or nothing, were given).
    pub opts: u16,
    /// Options added with `+`.
    pub add: u16,
    /// Options removed with `-`.
    pub remove: u16,
}

impl Default for Options {
    /// A section that says nothing about Options.
    fn default() -> Self {
        Options {
            opts: opt::UNSET,
            add: 0,
            remove: 0,
        }
    }
}

impl Options {
    /// The server-wide default: `FollowSymLinks`.
    pub fn server_default() -> Self {
        Options {
            opts: opt::UNSET | opt::SYM_LINKS,
            add: 0,
            remove: 0,
        }
    }

    /// Whether `bit` is in force.
    pub fn has(&self, bit: u16) -> bool {
        self.opts & bit != 0
    }

    /// Applies one `Options` line (its words) to this scope's state, with
    /// httpd's rules and messages.
    pub fn apply(&mut self, words: &[String]) -> Result<(), String> {
        const MIX: &str = "Either all Options must start with + or -, or no Option may.";
        let mut first = true;
        let mut merge = false;
        let mut all_none = false;
        for w in words {
            let (action, name) = match w.as_bytes().first() {
                Some(b'+') => (Some(true), &w[1..]),
                Some(b'-') => (Some(false), &w[1..]),
                _ => (None, w.as_str()),
            };
            if action.is_some() {
                if !merge && !first && !all_none {
                    return Err(MIX.into());
                }
                merge = true;
            } else if first {
                self.opts = 0;
            } else if merge {
                return Err(MIX.into());
            }
            let bit = match name.to_ascii_lowercase().as_str() {
                "indexes" => opt::INDEXES,
                "includes" => opt::INCLUDES | opt::INC_WITH_EXEC,
                "includesnoexec" => opt::INCLUDES,
                "followsymlinks" => opt::SYM_LINKS,
                "symlinksifownermatch" => opt::SYM_OWNER,
                "execcgi" => opt::EXECCGI,
                "multiviews" => opt::MULTI,
                "runscripts" => opt::MULTI | opt::EXECCGI,
                "none" | "all" => {
                    let all = name.eq_ignore_ascii_case("all");
                    if action.is_some() {
                        let n = if all { "All" } else { "None" };
                        return Err(format!("You may not use 'Options +{n}' or 'Options -{n}'."));
                    }
                    if !first {
                        return Err(if all {
                            "'Options All' must be the first option given.".into()
                        } else {
                            "'Options None' must be the first Option given.".into()
                        });
                    }
                    all_none = true;
                    if all {
                        opt::ALL
                    } else {
                        0
                    }
                }
                _ => return Err(format!("Illegal option {name}")),
            };
            match action {
                Some(false) => {
                    self.remove |= bit;
                    self.add &= !bit;
                    self.opts &= !bit;
                }
                Some(true) => {
                    self.add |= bit;
                    self.remove &= !bit;
                    self.opts |= bit;
                }
                None => self.opts |= bit,
            }
            first = false;
        }
        Ok(())
    }
}

impl Merge for Options {
    fn merge(base: &Self, add: &Self) -> Self {
        if add.opts & opt::UNSET != 0 {
            // Only +/- forms: they modify the parent's set.
            let a = (base.add & !add.remove) | add.add;
            let r = (base.remove & !add.add) | add.remove;
            Options {
                opts: (base.opts & !r) | a,
                add: a,
                remove: r,
            }
        } else {
            *add
        }
    }
}

/// What an `ErrorDocument` sends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ErrorDoc {
    /// A message sent as the body.
    Text(String),
    /// A local URL: an internal redirect.
    Local(String),
    /// A full URL: a 302 redirect to it.
    Remote(String),
    /// `default`: httpd's built-in page.
    Default,
}

/// mod_core's per-directory settings.
#[derive(Clone, Debug, Default)]
pub struct CoreDir {
    /// `Options`.
    pub options: Options,
    /// `ErrorDocument`, by status.
    pub error_documents: Vec<(u16, ErrorDoc)>,
    /// `LimitRequestBody` (0 = unlimited).
    pub limit_request_body: Option<u64>,
    /// `ServerSignature`.
    pub signature: Option<Signature>,
    /// `HostnameLookups`.
    pub hostname_lookups: Option<HostnameLookups>,
    /// `UseCanonicalName`.
    pub canonical_name: Option<CanonicalName>,
    /// `MaxRanges`.
    pub max_ranges: Option<RangeLimit>,
    /// `MaxRangeOverlaps`.
    pub max_range_overlaps: Option<RangeLimit>,
    /// `MaxRangeReversals`.
    pub max_range_reversals: Option<RangeLimit>,
    /// `ForceType` (lower case; `none` undoes an enclosing scope's).
    pub force_type: Option<String>,
    /// `SetHandler` (lower case; `none` undoes an enclosing scope's).
    pub set_handler: Option<String>,
    /// `AddDefaultCharset`: `Some(None)` for `Off`.
    pub default_charset: Option<Option<String>>,
    /// `SetOutputFilter`: the filters every response of the scope goes
    /// through (a scope's own list replaces an enclosing one's).
    pub set_output_filter: Option<Vec<crate::modules::filter::dirconf::Provider>>,
}

impl Merge for CoreDir {
    fn merge(base: &Self, add: &Self) -> Self {
        let mut docs = base.error_documents.clone();
        for (code, doc) in &add.error_documents {
            match docs.iter_mut().find(|(c, _)| c == code) {
                Some(slot) => slot.1 = doc.clone(),
                None => docs.push((*code, doc.clone())),
            }
        }
        CoreDir {
            options: Options::merge(&base.options, &add.options),
            error_documents: docs,
            limit_request_body: add.limit_request_body.or(base.limit_request_body),
            signature: add.signature.or(base.signature),
            hostname_lookups: add.hostname_lookups.or(base.hostname_lookups),
            canonical_name: add.canonical_name.or(base.canonical_name),
            max_ranges: add.max_ranges.or(base.max_ranges),
            max_range_overlaps: add.max_range_overlaps.or(base.max_range_overlaps),
            max_range_reversals: add.max_range_reversals.or(base.max_range_reversals),
            force_type: add.force_type.clone().or_else(|| base.force_type.clone()),
            set_handler: add.set_handler.clone().or_else(|| base.set_handler.clone()),
            default_charset: add
                .default_charset
                .clone()
                .or_else(|| base.default_charset.clone()),
            set_output_filter: add
                .set_output_filter
                .clone()
                .or_else(|| base.set_output_filter.clone()),
        }
    }
}

impl CoreDir {
    /// The `MaxRanges`, `MaxRangeOverlaps` and `MaxRangeReversals` in
    /// force (httpd's defaults where unset).
    pub fn range_limits(&self) -> RangeLimits {
        RangeLimits::new(
            self.max_ranges,
            self.max_range_overlaps,
            self.max_range_reversals,
        )
    }

    /// The `ErrorDocument` for `status`, if one is configured (`default`
    /// counts as none).
    pub fn error_document(&self, status: u16) -> Option<&ErrorDoc> {
        self.error_documents
            .iter()
            .find(|(c, _)| *c == status)
            .map(|(_, d)| d)
            .filter(|d| **d != ErrorDoc::Default)
    }
}

impl Merge for ScopeEnv {
    fn merge(base: &Self, add: &Self) -> Self {
        ScopeEnv::merge(base, add)
    }
}

/// Every module's per-directory settings for one scope (a section, a
/// server's defaults, or the merged result for a request).
#[derive(Clone, Debug, Default)]
pub struct PerDir {
    /// Core: `Options`, `ErrorDocument`, `LimitRequestBody`,
    /// `ServerSignature`, `HostnameLookups`, `UseCanonicalName`,
    /// `MaxRanges`, `MaxRangeOverlaps`, `MaxRangeReversals`.
    pub core: CoreDir,
    /// mod_authz_core: `Require`, its containers, `AuthMerging`.
    pub authz: AuthzDir,
    /// mod_access_compat: `Order`, `Allow`, `Deny`, `Satisfy` (no
    /// merge: a scope's record replaces its parent's).
    pub access: crate::modules::access_compat::dirconf::AccessDir,
    /// mod_dir: `DirectoryIndex`.
    pub dir: DirIndex,
    /// mod_mime: `AddType`.
    pub mime: MimeDir,
    /// mod_env and mod_setenvif (section rules; the server's own
    /// `SetEnvIf` rules run earlier, on the server's config).
    pub env: ScopeEnv,
    /// mod_alias: `Redirect*` in sections.
    pub alias: crate::modules::alias::dirconf::AliasDir,
    /// mod_usertrack (no merge: a scope's record replaces its parent's;
    /// directives read in `config/model.rs`, see [`crate::modules::usertrack::cookie`]).
    pub usertrack: crate::modules::usertrack::cookie::UserTrack,
    /// mod_authn_core: `AuthType`, `AuthName`.
    pub authn: crate::modules::authn_core::dirconf::AuthnDir,
    /// mod_auth_basic: `AuthBasicProvider`, `AuthBasicAuthoritative`.
    pub basic: crate::modules::auth_basic::dirconf::BasicDir,
    /// mod_authn_file: `AuthUserFile`.
    pub authn_file: crate::modules::authn_file::dirconf::AuthnFileDir,
    /// mod_negotiation: `LanguagePriority`, `ForceLanguagePriority`,
    /// `CacheNegotiatedDocs`.
    pub neg: crate::modules::negotiation::dirconf::NegDir,
    /// mod_autoindex: `IndexOptions`, `AddIcon*`, `IndexIgnore`, ….
    pub autoindex: crate::modules::autoindex::dirconf::AutoindexDir,
    /// mod_filter: `AddOutputFilterByType`.
    pub filter: crate::modules::filter::dirconf::FilterDir,
}

/// mod_usertrack has no merge function: a scope with a record replaces
/// its parent's.
impl Merge for crate::modules::usertrack::cookie::UserTrack {
    fn merge(base: &Self, add: &Self) -> Self {
        crate::modules::usertrack::cookie::UserTrack(add.0.clone().or_else(|| base.0.clone()))
    }
}

impl Merge for PerDir {
    fn merge(base: &Self, add: &Self) -> Self {
        PerDir {
            core: Merge::merge(&base.core, &add.core),
            authz: Merge::merge(&base.authz, &add.authz),
            access: Merge::merge(&base.access, &add.access),
            dir: Merge::merge(&base.dir, &add.dir),
            mime: Merge::merge(&base.mime, &add.mime),
            filter: Merge::merge(&base.filter, &add.filter),
            env: Merge::merge(&base.env, &add.env),
            alias: Merge::merge(&base.alias, &add.alias),
            usertrack: Merge::merge(&base.usertrack, &add.usertrack),
            authn: Merge::merge(&base.authn, &add.authn),
            basic: Merge::merge(&base.basic, &add.basic),
            authn_file: Merge::merge(&base.authn_file, &add.authn_file),
            neg: Merge::merge(&base.neg, &add.neg),
            autoindex: Merge::merge(&base.autoindex, &add.autoindex),
        }
    }
}

/// Where a per-directory directive appears.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DirScope {
    /// Outside any section (main server or `<VirtualHost>`).
    Server,
    /// Inside a `<Directory>`, `<Location>` or `<Files>` section.
    Section,
}

/// The kind of a per-directory section.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SectionKind {
    /// `<Directory>` / `<DirectoryMatch>`.
    Directory,
    /// `<Location>` / `<LocationMatch>`.
    Location,
    /// `<Files>` / `<FilesMatch>`.
    Files,
}

/// How a section's argument is matched.
#[derive(Clone, Debug)]
pub enum Pattern {
    /// A plain path or name.
    Exact(Vec<u8>),
    /// A path or name with `*`, `?` or `[`: `fnmatch`.
    Wild(Vec<u8>),
    /// `~` or a `*Match` section.
    Regex(regex::bytes::Regex),
}

/// One section as read.
#[derive(Clone, Debug)]
pub struct Section {
    /// Which section.
    pub kind: SectionKind,
    /// The argument as written (a `<Directory>` path made absolute).
    pub pattern: String,
    /// How it matches.
    pub matcher: Pattern,
    /// Its settings.
    pub dir: PerDir,
    /// `<Files>`/`<FilesMatch>` sections nested in this `<Directory>`:
    /// they apply to files inside it, walked after the server's own
    /// `<Files>` (httpd appends them to the directory's file-section list).
    pub nested: Vec<Section>,
    /// For a nested `<Files>`: the `<Directory>` it sits in, which must
    /// match too.
    pub within: Option<Box<Section>>,
}

impl Section {
    /// Builds a section from its directive (`name` lower case) before its
    /// contents are read. `root_relative` makes a `<Directory>` path
    /// absolute.
    pub fn open(
        d: &Directive,
        name: &str,
        root_relative: impl Fn(&str) -> String,
    ) -> Result<Section, ConfigError> {
        let kind = match name {
            "directory" | "directorymatch" => SectionKind::Directory,
            "location" | "locationmatch" => SectionKind::Location,
            _ => SectionKind::Files,
        };
        let (arg, regex) = match d.args.as_slice() {
            [] => {
                return Err(ConfigError::directive(
                    d,
                    format!("<{}> directive requires additional arguments", d.name),
                ))
            }
            [a] => (a.clone(), name.ends_with("match")),
            [t, a] if t == "~" => (a.clone(), true),
            _ => {
                return Err(ConfigError::directive(
                    d,
                    format!("Multiple <{}> arguments not (yet) supported.", d.name),
                ))
            }
        };
        let (pattern, matcher) = if regex {
            let re = regex::bytes::Regex::new(&arg)
                .map_err(|_| ConfigError::directive(d, "Regex could not be compiled"))?;
            (arg, Pattern::Regex(re))
        } else {
            let mut p = arg;
            if kind == SectionKind::Directory {
                p = root_relative(&p);
                if !p.ends_with('/') {
                    p.push('/');
                }
            }
            let wild = p.bytes().any(|b| matches!(b, b'*' | b'?' | b'['));
            let bytes = p.clone().into_bytes();
            (
                p,
                if wild {
                    Pattern::Wild(bytes)
                } else {
                    Pattern::Exact(bytes)
                },
            )
        };
        Ok(Section {
            kind,
            pattern,
            matcher,
            dir: PerDir::default(),
            nested: Vec::new(),
            within: None,
        })
    }

    /// A non-regex `<Directory>`'s number of path components (httpd's
    /// `ap_count_dirs`: the slashes).
    fn depth(&self) -> usize {
        match &self.matcher {
            Pattern::Regex(_) => usize::MAX,
            Pattern::Exact(p) | Pattern::Wild(p) => p.iter().filter(|&&b| b == b'/').count(),
        }
    }

    fn matches(&self, filename: &[u8], uri: &[u8]) -> bool {
        if let Some(w) = &self.within {
            if !w.matches(filename, uri) {
                return false;
            }
        }
        match (self.kind, &self.matcher) {
            (SectionKind::Directory, Pattern::Exact(p)) => {
                // `p` ends with '/': a component prefix of the file name.
                filename.starts_with(p)
                    || (filename.len() + 1 == p.len() && p.starts_with(filename))
            }
            (SectionKind::Directory, Pattern::Wild(p)) => {
                // The file name's first components, as many as the pattern
                // has, with a trailing slash.
                let n = p.iter().filter(|&&b| b == b'/').count();
                let mut seen = 0;
                let mut cut = None;
                for (i, &b) in filename.iter().enumerate() {
                    if b == b'/' {
                        seen += 1;
                        if seen == n {
                            cut = Some(i);
                            break;
                        }
                    }
                }
                match cut {
                    Some(i) => fnmatch(&p[..p.len() - 1], &filename[..i], true),
                    None if seen + 1 == n && !filename.ends_with(b"/") => {
                        fnmatch(&p[..p.len() - 1], filename, true)
                    }
                    None => false,
                }
            }
            (SectionKind::Directory, Pattern::Regex(r)) => r.is_match(filename),
            (SectionKind::Files, m) => {
                let base = match memchr::memrchr(b'/', filename) {
                    Some(i) => &filename[i + 1..],
                    None => filename,
                };
                match m {
                    Pattern::Exact(p) => p == base,
                    Pattern::Wild(p) => fnmatch(p, base, false),
                    Pattern::Regex(r) => r.is_match(base),
                }
            }
            (SectionKind::Location, Pattern::Exact(p)) => {
                uri.starts_with(p)
                    && (p.last() == Some(&b'/') || uri.len() == p.len() || uri[p.len()] == b'/')
            }
            (SectionKind::Location, Pattern::Wild(p)) => fnmatch(p, uri, true),
            (SectionKind::Location, Pattern::Regex(r)) => r.is_match(uri),
        }
    }
}

/// `fnmatch` on bytes: `*`, `?`, `[...]` (with `!`/`^` and ranges) and
/// `\` escapes; with `pathname`, wildcards do not match `/`.
pub fn fnmatch(p: &[u8], s: &[u8], pathname: bool) -> bool {
    let (mut pi, mut si) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        let c = s[si];
        let step = match p.get(pi) {
            Some(b'*') => {
                star = Some((pi, si));
                pi += 1;
                continue;
            }
            Some(b'?') if !(pathname && c == b'/') => Some(pi + 1),
            Some(b'[') if !(pathname && c == b'/') => match bracket(p, pi, c) {
                Some((true, next)) => Some(next),
                _ => None,
            },
            Some(b'\\') if p.get(pi + 1) == Some(&c) => Some(pi + 2),
            Some(&x) if x == c && x != b'\\' => Some(pi + 1),
            _ => None,
        };
        match step {
            Some(next) => {
                pi = next;
                si += 1;
            }
            None => match star {
                Some((sp, ss)) if !(pathname && s[ss] == b'/') => {
                    star = Some((sp, ss + 1));
                    pi = sp + 1;
                    si = ss + 1;
                }
                _ => return false,
            },
        }
    }
    p[pi..].iter().all(|&b| b == b'*')
}

/// Matches `c` against the bracket expression at `p[start]`: (matched,
/// index after the expression), or `None` if it is not closed.
fn bracket(p: &[u8], start: usize, c: u8) -> Option<(bool, usize)> {
    let mut i = start + 1;
    let negate = matches!(p.get(i), Some(b'!') | Some(b'^'));
    if negate {
        i += 1;
    }
    let mut hit = false;
    let mut first = true;
    while i < p.len() {
        let mut lo = p[i];
        if lo == b']' && !first {
            return Some((hit != negate, i + 1));
        }
        first = false;
        if lo == b'\\' && i + 1 < p.len() {
            i += 1;
            lo = p[i];
        }
        if p.get(i + 1) == Some(&b'-') && p.get(i + 2).is_some_and(|&h| h != b']') {
            let hi = p[i + 2];
            if lo <= c && c <= hi {
                hit = true;
            }
            i += 3;
        } else {
            if lo == c {
                hit = true;
            }
            i += 1;
        }
    }
    None
}

/// One server's sections, ready for request-time lookups.
#[derive(Debug)]
pub struct Sections {
    /// The server's defaults (no section matched).
    base: Arc<PerDir>,
    /// Directory sections in walk order, then Files, then Location; the
    /// three ranges below index this.
    all: Vec<Section>,
    dirs: usize,
    files: usize,
    /// Merged results by the set of matching sections.
    cache: Mutex<HashMap<u128, Arc<PerDir>>>,
    /// Whether every directory level has `FollowSymLinks` without
    /// `SymLinksIfOwnerMatch` (see [`Sections::follows_links_everywhere`]).
    free_links: bool,
    /// Distinct for every `Sections` the process builds (from 1).
    generation: u64,
}

/// Whether merging `o` onto options that follow links unchecked keeps
/// them so (the `+`/`-` forms neither remove `FollowSymLinks` nor add
/// `SymLinksIfOwnerMatch`; an explicit set has the one without the other).
fn keeps_free_links(o: &Options) -> bool {
    if o.opts & opt::UNSET != 0 {
        o.remove & opt::SYM_LINKS == 0
            && o.add & opt::SYM_OWNER == 0
            && (o.opts & opt::SYM_OWNER == 0)
    } else {
        o.opts & opt::SYM_LINKS != 0 && o.opts & opt::SYM_OWNER == 0
    }
}

/// The most distinct section sets a server caches.
const CACHE_MAX: usize = 4096;

impl Sections {
    /// The sections of one server: `inherited` (the main server's, for a
    /// virtual host) then its own, and its defaults.
    pub fn new(base: PerDir, inherited: &[Section], own: &[Section]) -> Sections {
        let every = || inherited.iter().chain(own.iter());
        let mut dirs: Vec<&Section> = every()
            .filter(|s| s.kind == SectionKind::Directory)
            .collect();
        // Stable: regex sections last, the others by depth.
        dirs.sort_by_key(|s| s.depth());
        let mut files: Vec<Section> = every()
            .filter(|s| s.kind == SectionKind::Files)
            .cloned()
            .collect();
        // Files sections nested in directories, in the directory walk's
        // order, each bound to its directory.
        for d in &dirs {
            for n in &d.nested {
                let mut n = n.clone();
                let mut parent = (*d).clone();
                parent.nested.clear();
                n.within = Some(Box::new(parent));
                files.push(n);
            }
        }
        let locs = every().filter(|s| s.kind == SectionKind::Location);
        let nd = dirs.len();
        let all: Vec<Section> = dirs
            .into_iter()
            .cloned()
            .chain(files)
            .chain(locs.cloned())
            .collect();
        let nf = all.iter().filter(|s| s.kind == SectionKind::Files).count();
        let b = &base.core.options;
        let free_links = b.opts & (opt::SYM_LINKS | opt::SYM_OWNER) == opt::SYM_LINKS
            && keeps_free_links(b)
            && all[..nd]
                .iter()
                .all(|s| keeps_free_links(&s.dir.core.options));
        Sections {
            base: Arc::new(base),
            all,
            dirs: nd,
            files: nf,
            cache: Mutex::new(HashMap::new()),
            free_links,
            generation: {
                static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
                NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            },
        }
    }

    /// A number no other `Sections` of this process has: what a walk
    /// found under these sections may be remembered under it (the
    /// open-file cache), and never applies to another configuration's.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Whether symbolic links are followed unchecked at every level of
    /// every directory walk of this server: the defaults have
    /// `FollowSymLinks` without `SymLinksIfOwnerMatch` and no `<Directory>`
    /// section (plain or regex) can take either state away, whatever
    /// combination of them matches. Then a walk needs no check beyond the
    /// one `stat` of the whole path (httpd skips its `lstat`s the same
    /// way).
    pub fn follows_links_everywhere(&self) -> bool {
        self.free_links
    }

    /// The `Options` bits httpd's directory walk has in force at the
    /// directory `dir` (absolute, ending with `/`): the server's defaults
    /// with every matching plain `<Directory>` section merged in walk
    /// order, as `core_opts_merge` accumulates them. A link found in
    /// `dir` is judged by these. With `regex`, the matching regex
    /// sections are merged too (the whole directory walk's result, which a
    /// sub-request of the same directory is judged by).
    pub fn walk_options(&self, dir: &[u8], regex: bool) -> u16 {
        let mut o = self.base.core.options;
        for s in &self.all[..self.dirs] {
            let is_regex = matches!(s.matcher, Pattern::Regex(_));
            if (regex || !is_regex) && s.matches(dir, b"") {
                o = Options::merge(&o, &s.dir.core.options);
            }
        }
        o.opts
    }

    /// Whether the server has any section (else every request gets the
    /// defaults and needs no walk).
    pub fn has_sections(&self) -> bool {
        !self.all.is_empty()
    }

    /// The one-argument `Redirect` of the last plain `<Location>` that
    /// matches `uri`: httpd looks at these at translate-name, after its
    /// first location walk, so `%f` stays unset (apache2 logs `-`).
    pub fn location_redirect(&self, uri: &[u8]) -> Option<&crate::modules::alias::settings::Entry> {
        self.all[self.dirs + self.files..]
            .iter()
            .rev()
            .filter(|s| s.matches(b"", uri))
            .find_map(|s| s.dir.alias.redirects.iter().find(|e| e.whole))
    }

    /// Whether some section (or the server's defaults) has a `Redirect*`
    /// line (mod_alias's fixup is then in the list).
    pub fn any_redirects(&self) -> bool {
        !self.base.alias.redirects.is_empty()
            || self.all.iter().any(|s| {
                !s.dir.alias.redirects.is_empty()
                    || s.nested.iter().any(|n| !n.dir.alias.redirects.is_empty())
            })
    }

    /// The server's defaults.
    pub fn base(&self) -> &Arc<PerDir> {
        &self.base
    }

    /// The merged settings for a request whose file name (httpd's
    /// `r->filename` after the directory walk) is `filename` and whose
    /// URI path is `uri`.
    pub fn lookup(&self, filename: &[u8], uri: &[u8]) -> Arc<PerDir> {
        if self.all.is_empty() {
            return self.base.clone();
        }
        if self.all.len() > 128 {
            return Arc::new(self.merge_matching(|i| self.is_match(i, filename, uri)));
        }
        let mut mask = 0u128;
        for i in 0..self.all.len() {
            if self.is_match(i, filename, uri) {
                mask |= 1 << i;
            }
        }
        if mask == 0 {
            return self.base.clone();
        }
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(hit) = cache.get(&mask) {
            return hit.clone();
        }
        let merged = Arc::new(self.merge_matching(|i| mask & (1 << i) != 0));
        if cache.len() < CACHE_MAX {
            cache.insert(mask, merged.clone());
        }
        merged
    }

    fn is_match(&self, i: usize, filename: &[u8], uri: &[u8]) -> bool {
        self.all[i].matches(filename, uri)
    }

    /// httpd's three walks over the sections `hit` selects.
    fn merge_matching(&self, hit: impl Fn(usize) -> bool) -> PerDir {
        let mut acc = (*self.base).clone();
        let walks = [
            0..self.dirs,
            self.dirs..self.dirs + self.files,
            self.dirs + self.files..self.all.len(),
        ];
        for walk in walks {
            let mut chain: Option<PerDir> = None;
            for i in walk.filter(|&i| hit(i)) {
                let s = &self.all[i].dir;
                chain = Some(match chain {
                    None => s.clone(),
                    Some(c) => PerDir::merge(&c, s),
                });
            }
            if let Some(c) = chain {
                acc = PerDir::merge(&acc, &c);
            }
        }
        acc
    }
}

#[cfg(test)]
mod tests;
