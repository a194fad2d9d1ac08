//! mod_negotiation's hooks: MultiViews in the type checker (a missing
//! file becomes the best of its variants, served as if asked for: httpd's
//! "fast redirect" of the variant's sub-request), type maps in the
//! handler (an inline body served from the map, or an internal redirect
//! to the chosen file), and what both leave in the response (`Vary`,
//! `TCN`, `Content-Location`, `Alternates`, a validator of the variant
//! list in the `ETag`, the variant list of a 406 or 300 page).

use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use super::choose::{escape_segment, variant_list, Neg, Outcome, Variant, CGI_TYPE};
use super::typemap;
use crate::errorlog::{Extra, Level, Module as LogModule};
use crate::hooks::{Flow, Module, Phase, Phases};
use crate::http::pages::Detail;
use crate::http::request::Version;
use crate::perdir::{opt, PerDir};
use crate::record::*;
use crate::site::Config;

/// mod_negotiation.
pub(crate) struct Negotiation;

/// `application/x-type-map`: a file of this type is a type map.
const MAP_TYPE: &str = "application/x-type-map";

/// The most files of a directory a MultiViews request looks at as
/// variants (httpd has no limit).
const MAX_MATCHES: usize = 1000;

impl Module for Negotiation {
    fn name(&self) -> &'static str {
        "mod_negotiation.c"
    }

    fn phases(&self, cfg: &Config) -> Phases {
        if cfg.loaded.contains(&"negotiation_module") {
            Phases::NONE.with(Phase::TypeChecker).with(Phase::Handler)
        } else {
            Phases::NONE
        }
    }

    fn order(&self, p: Phase) -> i8 {
        // httpd: the MultiViews type checker runs first.
        if p == Phase::TypeChecker {
            0
        } else {
            crate::hooks::MIDDLE
        }
    }

    fn type_checker(&self, r: &mut Cx) -> Flow {
        r.multiviews()
    }

    fn handler(&self, r: &mut Cx) -> Flow {
        if !r.is_type_map() {
            return Flow::Declined;
        }
        let http09 = r.head.version == Version::Http09;
        let m = r.head.method.clone().map_or(&b""[..], |m| &r.buf[m]);
        let head_only = m == b"HEAD";
        r.type_map(head_only, http09);
        Flow::Ok
    }
}

pub(crate) use super::out::NegOut;

/// mod_mime's view of one file name, as a sub-request's type checker
/// and fixups leave it.
struct MimeView {
    content_type: Option<String>,
    encoding: Option<String>,
    languages: Vec<String>,
    handler: Option<String>,
    /// Every extension mod_mime did not recognise matches the requested
    /// name's parts in order (httpd's `ap-mime-exceptions-list` test).
    known: bool,
}

/// mod_mime on `name` (the entry of a directory) under `dir`, with the
/// segments of the requested name `asked`.
fn mime_view(cfg: &Config, dir: &PerDir, name: &[u8], asked: &[u8]) -> MimeView {
    let global = &cfg.mime;
    let mime = &dir.mime;
    let mut view = MimeView {
        content_type: None,
        encoding: None,
        languages: Vec::new(),
        handler: None,
        known: false,
    };
    let mut charset: Option<&str> = None;
    // The base name runs to the first dot after any leading dots.
    let lead = name.iter().take_while(|&&b| b == b'.').count();
    let (base, rest) = match memchr::memchr(b'.', &name[lead..]) {
        Some(i) => (&name[..lead + i], &name[lead + i + 1..]),
        None => (name, &b""[..]),
    };
    let mut exceptions: Vec<&[u8]> = vec![base];
    let mut found_any = false;
    let mut one = [0u8; 64];
    for ext in rest.split(|&b| b == b'.') {
        if ext.is_empty() {
            continue;
        }
        let mut found = false;
        let info = mime
            .exts
            .iter()
            .find(|(e, _)| e.as_bytes().eq_ignore_ascii_case(ext))
            .map(|(_, i)| i);
        if info.is_none_or(|i| i.forced_type.is_none()) && ext.len() < one.len() {
            one[0] = b'.';
            one[1..=ext.len()].copy_from_slice(ext);
            if let Some(t) = global.lookup(&one[..=ext.len()]) {
                view.content_type = Some(String::from_utf8_lossy(t).into_owned());
                found = true;
            }
        }
        if let Some(i) = info {
            if let Some(t) = i.forced_type.as_deref().filter(|t| !t.is_empty()) {
                view.content_type = Some(t.to_string());
                found = true;
            }
            if let Some(c) = i.charset.as_deref().filter(|c| !c.is_empty()) {
                charset = Some(c);
                found = true;
            }
            if let Some(l) = i.language.as_deref().filter(|l| !l.is_empty()) {
                view.languages.push(l.to_string());
                found = true;
            }
            if let Some(e) = i.encoding.as_deref().filter(|e| !e.is_empty()) {
                match &mut view.encoding {
                    Some(all) => {
                        all.push_str(", ");
                        all.push_str(e);
                    }
                    None => view.encoding = Some(e.to_string()),
                }
                found = true;
            }
            if let Some(h) = i.handler.as_deref().filter(|h| !h.is_empty()) {
                // (A handler is not negotiated metadata: the file must
                // have been asked for by that name.)
                view.handler = Some(h.to_string());
            }
        }
        if found {
            found_any = true;
        } else {
            exceptions.push(ext);
        }
    }
    if let (Some(t), Some(c)) = (&mut view.content_type, charset) {
        if !t.contains("charset=") {
            t.push_str("; charset=");
            t.push_str(c);
        }
    }
    if view.languages.is_empty() {
        if let Some(l) = &mime.default_language {
            view.languages.push(l.clone());
        }
    }
    // core's fixups: ForceType and SetHandler.
    if let Some(t) = dir.core.force_type.as_deref().filter(|t| *t != "none") {
        view.content_type = Some(t.to_string());
    }
    if let Some(h) = dir.core.set_handler.as_deref() {
        view.handler = (h != "none").then(|| h.to_string());
    }
    // The exceptions must match the asked name's segments in order.
    let mut left = &exceptions[..];
    if found_any {
        for seg in asked.split(|&b| b == b'.') {
            match left.first() {
                Some(e) if *e == seg => left = &left[1..],
                Some(_) => {}
                None => break,
            }
        }
    }
    view.known = found_any && left.is_empty();
    view
}

/// A variant found by MultiViews with its sub-request.
struct Found {
    uri: Vec<u8>,
    path: PathBuf,
    file: std::fs::File,
    meta: std::fs::Metadata,
    dir: std::sync::Arc<PerDir>,
}

/// What the scan of a directory gave.
enum Scan {
    /// Nothing named so: MultiViews declines.
    Nothing,
    /// Refused with this status.
    Status(u16),
    /// The variants (sorted) and their sub-requests.
    Variants(Vec<Variant>, Vec<Found>),
    /// A type map: the request is the map's.
    Map(Found),
}

/// The `ETag` text of a file for a variant list validator: the size
/// and modification time in hex (httpd's default `FileETag`), weak when
/// modified within the second before the request.
fn vlist_of(meta: &std::fs::Metadata, req_us: i64, with_size: bool) -> (Vec<u8>, bool) {
    use std::os::unix::fs::MetadataExt;
    let mtime_us = meta.mtime() * 1_000_000 + meta.mtime_nsec() / 1000;
    let mut v = Vec::new();
    if with_size {
        v.extend_from_slice(format!("{:x}-", meta.len()).as_bytes());
    }
    v.extend_from_slice(format!("{:x}", mtime_us).as_bytes());
    (v, req_us - mtime_us < 1_000_000)
}

impl Cx {
    /// The type checker: MultiViews for a file that does not exist.
    fn multiviews(&mut self) -> Flow {
        if self.uri == b"*"
            || self.cfg.wasd.is_some()
            || !self.dir.core.options.has(opt::MULTI)
            || self.file_meta.is_some()
            || self.reply.walk.kept.is_some()
            || matches!(self.reply.walk.file, Some(Ok(_)))
        {
            return Flow::Declined;
        }
        match std::fs::symlink_metadata(&self.path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            _ => return Flow::Declined,
        }
        // Path info: what the walk cut off the name (`/page/extra`).
        let pi = self.path_info();
        if !self.uri.ends_with(&pi) {
            return Flow::Declined;
        }
        let base = self.uri.len() - pi.len();
        let Some(slash) = memchr::memrchr(b'/', &self.uri[..base]) else {
            return Flow::Declined;
        };
        let dir_uri = self.uri[..=slash].to_vec();
        match self.negotiate_here(&dir_uri, &pi) {
            Ok(()) => Flow::Declined,
            Err(status) => Flow::Status(status),
        }
    }

    /// mod_dir's sub-request for an index name that does not exist, with
    /// MultiViews on in `sub` (its settings): the negotiated variant now
    /// stands in `uri`, `path` and `dir` (as after mod_dir's redirect), or
    /// the sub-request's status (404 when nothing is named so).
    pub(crate) fn index_multiviews(
        &mut self,
        sub: &std::sync::Arc<PerDir>,
    ) -> Result<(std::fs::File, std::fs::Metadata), u16> {
        if !self.cfg.loaded.contains(&"negotiation_module")
            || self.cfg.wasd.is_some()
            || !sub.core.options.has(opt::MULTI)
        {
            return Err(404);
        }
        let saved = std::mem::replace(&mut self.dir, sub.clone());
        let Some(slash) = memchr::memrchr(b'/', &self.uri) else {
            self.dir = saved;
            return Err(404);
        };
        let dir_uri = self.uri[..=slash].to_vec();
        match self.negotiate_here(&dir_uri, b"") {
            Ok(()) => {
                // mod_dir's fast redirect keeps neither the validator of
                // the variant list nor `no_cache`.
                if let Some(n) = self.reply.neg.as_mut() {
                    n.vlist = None;
                    n.no_cache = false;
                }
                match (self.reply.walk.file.take(), self.file_meta) {
                    (Some(Ok(f)), Some(_)) => {
                        let m = f.metadata().map_err(|_| 404u16)?;
                        self.file_meta = None;
                        Ok((f, m))
                    }
                    _ => Err(404),
                }
            }
            Err(s) => {
                self.dir = saved;
                Err(s)
            }
        }
    }

    /// Negotiates the missing `self.path` (followed by the path info
    /// `pi`) among its directory's files; on a choice the request becomes
    /// the variant's (URI, file name, settings, opened file).
    fn negotiate_here(&mut self, dir_uri: &[u8], pi: &[u8]) -> Result<(), u16> {
        let p = self.path.as_os_str().as_bytes();
        let (dir_path, asked) = match memchr::memrchr(b'/', p) {
            Some(i) => (
                PathBuf::from(std::ffi::OsStr::from_bytes(&p[..i.max(1)])),
                p[i + 1..].to_vec(),
            ),
            None => return Ok(()),
        };
        let (mut vars, mut found) = match self.scan(&dir_path, dir_uri, &asked) {
            Scan::Nothing => return Ok(()),
            Scan::Status(s) => return Err(s),
            Scan::Map(f) => {
                // The map answers: the request is now the map's, and the
                // handler negotiates it.
                self.become_variant(f, pi);
                return Ok(());
            }
            Scan::Variants(v, f) => (v, f),
        };
        let dir_meta = std::fs::metadata(&dir_path).ok();
        let query = self.reply.query.is_some();
        let m = self.head.method.clone().map_or(&b""[..], |m| &self.buf[m]);
        let prefer_scripts = m != b"GET" && m != b"HEAD" || query || !pi.is_empty();
        let chosen = self.negotiate(&mut vars, prefer_scripts, !pi.is_empty())?;
        let mut out = self.reply.neg.take().unwrap_or_default();
        if let Some(dm) = dir_meta {
            out.vlist = Some(vlist_of(&dm, self.reply.request_time_us, false));
        }
        // (MultiViews never sets `no_cache`: the fast redirect drops it.)
        self.reply.neg = Some(out);
        let f = found.swap_remove(chosen);
        self.become_variant(f, pi);
        Ok(())
    }

    /// httpd's fast redirect: the request takes the sub-request's URI,
    /// file name, settings and opened file. With path info `pi` the URI
    /// and file name carry it on, and the handler meets it as for any
    /// file followed by path info.
    fn become_variant(&mut self, f: Found, pi: &[u8]) {
        self.uri = f.uri;
        self.uri.extend_from_slice(pi);
        let p = f.path.as_os_str().as_bytes();
        let i = memchr::memrchr(b'/', p).unwrap_or(0);
        let mut rest = p[i..].to_vec();
        rest.extend_from_slice(pi);
        self.reply.translated = Some((p[..i].to_vec(), rest));
        self.path = f.path;
        // The sub-request's fixups: its variables after the ones set.
        f.dir.env.settings.apply(&mut self.env);
        self.dir = f.dir;
        // (The open-file cache's entries are the walked path's, not the
        // variant's.)
        self.reply.walk.kept = None;
        self.reply.walk.keep = None;
        if pi.is_empty() {
            self.file_meta = Some(FileStat::of(&f.meta));
            self.reply.walk.file = Some(Ok(f.file));
        } else {
            self.file_meta = None;
            self.reply.walk.file = None;
        }
    }

    /// httpd's `read_types_multi`: the entries `asked.*` of `dir_path`,
    /// each looked up as a sub-request.
    fn scan(&mut self, dir_path: &Path, dir_uri: &[u8], asked: &[u8]) -> Scan {
        let rd = match std::fs::read_dir(dir_path) {
            Ok(rd) => rd,
            Err(e) => {
                let e = Extra::errno(e.raw_os_error().unwrap_or(libc::EACCES));
                let d = dir_path.as_os_str().as_bytes().to_vec();
                self.elog(
                    LogModule::Negotiation,
                    Level::Error,
                    e,
                    "AH00686",
                    |_, m| {
                        m.extend_from_slice(b"cannot read directory for multi: ");
                        m.extend_from_slice(&d);
                        m.push(b'/');
                    },
                );
                return Scan::Status(403);
            }
        };
        let cfg = self.cfg.clone();
        let mut anymatch = false;
        let mut vars = Vec::new();
        let mut found = Vec::new();
        let mut seen = 0usize;
        for ent in rd.flatten() {
            let name = ent.file_name();
            let name = name.as_bytes();
            if !name.starts_with(asked) || name.get(asked.len()) != Some(&b'.') {
                continue;
            }
            if ent.file_type().is_ok_and(|t| t.is_dir()) {
                continue;
            }
            seen += 1;
            if seen > MAX_MATCHES {
                break;
            }
            anymatch = true;
            let d = self.lookup_dirent(dir_path, dir_uri, name);
            let Some((file, meta)) = d.file else { continue };
            if !meta.is_file() {
                continue;
            }
            let mut view = mime_view(&cfg, &d.dir, name, asked);
            if view.handler.is_some() && view.content_type.is_none() {
                view.content_type = Some(CGI_TYPE.to_string());
            }
            if !view.known || d.status != 200 {
                continue;
            }
            let Some(ct) = view.content_type else {
                continue;
            };
            let f = Found {
                uri: d.uri,
                path: d.path,
                file,
                meta,
                dir: d.dir,
            };
            if ct == MAP_TYPE || view.handler.as_deref() == Some("type-map") {
                return Scan::Map(f);
            }
            let mut v = Variant::new(String::from_utf8_lossy(name).into_owned(), ct.as_bytes());
            v.encoding = view.encoding;
            v.languages = view.languages;
            v.bytes = Some(f.meta.len());
            v.handler = view.handler.is_some();
            vars.push(v);
            found.push(f);
        }
        if vars.is_empty() {
            if anymatch {
                let p = self.path.as_os_str().as_bytes().to_vec();
                self.elog(
                    LogModule::Negotiation,
                    Level::Error,
                    Extra::default(),
                    "AH00687",
                    |_, m| {
                        m.extend_from_slice(b"Negotiation: discovered file(s) matching request: ");
                        m.extend_from_slice(&p);
                        m.extend_from_slice(b" (None could be negotiated).");
                    },
                );
                return Scan::Status(404);
            }
            return Scan::Nothing;
        }
        // A canonical order: source quality, then name.
        let mut order: Vec<usize> = (0..vars.len()).collect();
        order.sort_by(|&a, &b| {
            vars[b]
                .source_quality
                .partial_cmp(&vars[a].source_quality)
                .unwrap_or(std::cmp::Ordering::Equal)
                .then_with(|| {
                    vars[a]
                        .file_name
                        .as_bytes()
                        .cmp(vars[b].file_name.as_bytes())
                })
        });
        let mut fs: Vec<Option<Found>> = found.into_iter().map(Some).collect();
        let vs = order.iter().map(|&i| vars[i].clone()).collect();
        let fo = order.iter().filter_map(|&i| fs[i].take()).collect();
        Scan::Variants(vs, fo)
    }

    /// The choice among `vars` for this request; the negotiation's lines
    /// are left in `reply.neg`. Returns the chosen index, or the status
    /// (406 with httpd's error line, or 300 for a transparent client).
    fn negotiate(
        &mut self,
        vars: &mut [Variant],
        prefer_scripts: bool,
        path_info: bool,
    ) -> Result<usize, u16> {
        let join = |c: &Cx, n: &[u8]| -> Option<Vec<u8>> {
            let mut it = header_values(&c.buf, &c.head, n);
            let first = it.next()?.to_vec();
            Some(it.fold(first, |mut a, v| {
                a.extend_from_slice(b", ");
                a.extend_from_slice(v);
                a
            }))
        };
        let accept = join(self, b"Accept");
        let ae = join(self, b"Accept-Encoding");
        let al = join(self, b"Accept-Language");
        let ac = join(self, b"Accept-Charset");
        let mut neg = Neg::new(
            accept.as_deref(),
            ae.as_deref(),
            al.as_deref(),
            ac.as_deref(),
        );
        neg.priority = self.dir.neg.priority.clone().unwrap_or_default();
        neg.force = self.dir.neg.force;
        neg.prefer_language = self
            .env
            .get(b"prefer-language")
            .map(|v| String::from_utf8_lossy(v).into_owned());
        neg.no_gzip = self.env.get(b"no-gzip").is_some();
        neg.gzip_only_html = self.env.get(b"gzip-only-text/html") == Some(&b"1"[..]);
        let m = self.head.method.clone().map_or(&b""[..], |m| &self.buf[m]);
        let get = m == b"GET" || m == b"HEAD";
        let negotiate = join(self, b"Negotiate");
        let ua = join(self, b"User-Agent");
        neg.set_transparency(get, path_info, vars, negotiate.as_deref(), ua.as_deref());
        neg.add_default_accepts(prefer_scripts);
        let outcome = neg.choose(vars);
        let mut out = NegOut::default();
        match outcome {
            Outcome::Choice(b) => {
                if neg.tcn() {
                    let mut loc = Vec::new();
                    escape_segment(vars[b].file_name.as_bytes(), &mut loc);
                    out.headers.push((&b"Content-Location"[..], loc));
                }
                out.headers.extend(neg.headers(vars, true));
                self.reply.neg = Some(Box::new(out));
                Ok(b)
            }
            Outcome::List | Outcome::NotAcceptable => {
                out.headers = neg.headers(vars, false);
                variant_list(vars, &mut out.list);
                self.reply.neg = Some(Box::new(out));
                if outcome == Outcome::List {
                    return Err(300);
                }
                let p = self.path.as_os_str().as_bytes().to_vec();
                self.elog(
                    LogModule::Negotiation,
                    Level::Error,
                    Extra::default(),
                    "AH00690",
                    |_, m| {
                        m.extend_from_slice(b"no acceptable variant: ");
                        m.extend_from_slice(&p);
                    },
                );
                Err(406)
            }
        }
    }

    /// Whether the request's handler is `type-map` (`SetHandler`, else
    /// mod_mime's `AddHandler` for its file name, else the type
    /// `application/x-type-map`).
    pub(crate) fn is_type_map(&self) -> bool {
        if self.cfg.wasd.is_some()
            || !self.reply.filename
            || !self.cfg.loaded.contains(&"negotiation_module")
        {
            return false;
        }
        let name = self.path.as_os_str().as_bytes();
        let name = name.rsplit(|&b| b == b'/').next().unwrap_or(b"");
        if let Some(h) = self.dir.core.set_handler.as_deref() {
            if h != "none" {
                return h == "type-map" || h == MAP_TYPE;
            }
        }
        // (The usual case needs no full look-up: no scope maps an
        // extension to the handler or the type, and the types table gives
        // the type to none of the name's extensions.)
        let named = self.dir.mime.exts.iter().any(|(_, i)| {
            i.handler
                .as_deref()
                .is_some_and(|h| h == "type-map" || h == MAP_TYPE)
                || i.forced_type.as_deref() == Some(MAP_TYPE)
        });
        let mut one = [0u8; 64];
        let in_table = name.split(|&b| b == b'.').skip(1).any(|ext| {
            if ext.is_empty() || ext.len() >= one.len() {
                return false;
            }
            one[0] = b'.';
            one[1..=ext.len()].copy_from_slice(ext);
            self.cfg.mime.lookup(&one[..=ext.len()]) == Some(MAP_TYPE.as_bytes())
        });
        if !named && !in_table {
            return false;
        }
        let view = mime_view(&self.cfg, &self.dir, name, b"");
        match view.handler {
            Some(h) => h == "type-map" || h == MAP_TYPE,
            None => view.content_type.as_deref() == Some(MAP_TYPE),
        }
    }

    /// The path info: what the walk cut off the translated name
    /// (`/extra` of `/page/extra`); `path` stays as the walk left it.
    fn path_info(&mut self) -> Vec<u8> {
        let cut = self.path.clone();
        self.translated_path();
        let full = std::mem::replace(&mut self.path, cut);
        full.as_os_str()
            .as_bytes()
            .get(self.path.as_os_str().len()..)
            .unwrap_or(b"")
            .to_vec()
    }

    /// httpd's `handle_map_file`: the map read, the variant chosen, then
    /// its inline body served, or the request redirected to its file.
    /// Returns true when the body comes from a file ([`Cx::body`]).
    pub(crate) fn type_map(&mut self, head_only: bool, http09: bool) -> bool {
        // The map is the file the walk found; what follows is path info,
        // passed on to the chosen file.
        let pi = self.path_info();
        let map_path = self.path.clone();
        // (With path info the walk's descriptor is not the map's; the walk
        // checked the map's components all the same.)
        let opened = match self.reply.walk.file.take() {
            Some(Ok(f)) => Ok(f),
            Some(Err(e)) if pi.is_empty() => Err(e),
            _ => crate::static_files::open_read(&map_path),
        };
        let file = match opened.and_then(|f| {
            let m = f.metadata()?;
            Ok((f, m))
        }) {
            Ok((f, m)) if m.is_file() => (f, m),
            Ok(_) => {
                self.error_response(403, Detail::None, http09);
                return false;
            }
            Err(e) => {
                self.strip_path_info();
                let errno = e.raw_os_error().unwrap_or(libc::EACCES);
                let p = self.path.as_os_str().as_bytes().to_vec();
                self.elog(
                    LogModule::Negotiation,
                    Level::Error,
                    Extra::errno(errno),
                    "AH00683",
                    |_, m| {
                        m.extend_from_slice(b"cannot access type map file: ");
                        m.extend_from_slice(&p);
                    },
                );
                let status = if matches!(errno, libc::ENOENT | libc::ENOTDIR) {
                    404
                } else {
                    403
                };
                self.error_response(status, Detail::None, http09);
                return false;
            }
        };
        let (mut map_file, meta) = file;
        let mut data = Vec::new();
        {
            use std::io::Read;
            if (&mut map_file)
                .take(typemap::MAX_MAP)
                .read_to_end(&mut data)
                .is_err()
            {
                self.error_response(500, Detail::None, http09);
                return false;
            }
        }
        let name = map_path.as_os_str().as_bytes();
        let map_name =
            String::from_utf8_lossy(name.rsplit(|&b| b == b'/').next().unwrap_or(b"")).into_owned();
        let map = typemap::read(&data, &map_name);
        if let Some(e) = &map.error {
            let p = name.to_vec();
            let mut text = Vec::new();
            for part in e.msg.split(|&b| b == 0).enumerate() {
                if part.0 > 0 {
                    text.extend_from_slice(&p);
                }
                text.extend_from_slice(part.1);
            }
            self.elog(
                LogModule::Negotiation,
                Level::Error,
                Extra::default(),
                e.code,
                |_, m| m.extend_from_slice(&text),
            );
            if e.fatal {
                let admin = self.cfg.servers[self.reply.server].server_admin.clone();
                self.error_response(500, Detail::Admin(admin.as_bytes()), http09);
                return false;
            }
        }
        let mut vars = map.variants;
        // Lengths the map does not give, as httpd stats them.
        let dir: PathBuf = map_path.parent().map(Path::to_path_buf).unwrap_or_default();
        for v in vars.iter_mut().filter(|v| v.bytes.is_none()) {
            v.bytes = std::fs::metadata(dir.join(&v.file_name))
                .ok()
                .map(|m| m.len());
        }
        let chosen = match self.negotiate(&mut vars, false, !pi.is_empty()) {
            Ok(b) => b,
            Err(status) => {
                self.error_response(status, Detail::None, http09);
                return false;
            }
        };
        let old_http = self.head.version != Version::Http11;
        let mut out = self.reply.neg.take().unwrap_or_default();
        out.vlist = Some(vlist_of(&meta, self.reply.request_time_us, true));
        out.no_cache = old_http && !self.dir.neg.cache;
        self.reply.neg = Some(out);
        let best = vars.swap_remove(chosen);
        if let Some((off, len)) = best.body {
            let m = self.head.method.clone().map_or(&b""[..], |m| &self.buf[m]);
            if m != b"GET" && m != b"HEAD" && m != b"POST" {
                let m = m.to_vec();
                self.error_response(405, Detail::Method(&m), http09);
                return false;
            }
            // httpd's conditions on the map's time (there is no entity
            // tag), then its byte ranges, for a request that is not an
            // ErrorDocument's.
            let (mut status, mut first, mut count) = (200, off, len);
            if self.reply.error_status != 0 {
                status = self.reply.error_status;
            } else {
                use crate::static_files::{self as sf, ByteRange, Condition};
                use std::os::unix::fs::MetadataExt;
                let req_s = self.reply.request_time_us.div_euclid(1_000_000);
                let lm_s = meta.mtime().min(req_s);
                match sf::conditions(|n| self.req_header(n), b"", lm_s, req_s) {
                    Condition::NotModified => {
                        self.start(304);
                        header(
                            &mut self.out,
                            &mut self.reply.headers_out,
                            b"Accept-Ranges",
                            b"bytes",
                        );
                        self.connection_headers();
                        self.out.extend_from_slice(b"\r\n");
                        return false;
                    }
                    Condition::Failed => {
                        self.error_response(412, Detail::None, http09);
                        return false;
                    }
                    Condition::Proceed => {}
                }
                let range = self.req_header(b"Range").map(<[u8]>::to_vec);
                if let (Some(r), false, false) =
                    (range, http09, self.req_header(b"If-Range").is_some())
                {
                    let mut parts = Vec::new();
                    let limits = self.dir.core.range_limits();
                    match sf::byte_ranges(&r, len, &limits, &mut parts) {
                        // (Several ranges of an inline body are answered
                        // whole: see the module's notes.)
                        ByteRange::Parts if parts.len() == 1 => {
                            let (a, b) = parts[0];
                            (status, first, count) = (206, off + a, b - a + 1);
                        }
                        ByteRange::Unsatisfiable => {
                            // (httpd's byte-range filter answers without
                            // the negotiation's lines.)
                            self.reply.neg = None;
                            self.error_response(416, Detail::None, http09);
                            return false;
                        }
                        _ => {}
                    }
                }
            }
            self.start(status);
            header(
                &mut self.out,
                &mut self.reply.headers_out,
                b"Accept-Ranges",
                b"bytes",
            );
            if !(head_only && count == 0) {
                header_num(
                    &mut self.out,
                    &mut self.reply.headers_out,
                    b"Content-Length",
                    count,
                );
            }
            if status == 206 {
                let v = format!("bytes {}-{}/{len}", first - off, first - off + count - 1);
                header(
                    &mut self.out,
                    &mut self.reply.headers_out,
                    b"Content-Range",
                    v.as_bytes(),
                );
            }
            self.connection_headers();
            self.neg_expires();
            if !best.mime_type.is_empty() {
                let mut ct = best.mime_type.clone().into_bytes();
                if !best.charset.is_empty() {
                    ct.extend_from_slice(b"; charset=");
                    ct.extend_from_slice(best.charset.as_bytes());
                }
                self.content_type(&ct);
            }
            if let Some(l) = best.language_list() {
                header(
                    &mut self.out,
                    &mut self.reply.headers_out,
                    b"Content-Language",
                    l.as_bytes(),
                );
            }
            if let Some(e) = best.encoding.as_deref().filter(|e| !e.is_empty()) {
                header(
                    &mut self.out,
                    &mut self.reply.headers_out,
                    b"Content-Encoding",
                    e.as_bytes(),
                );
            }
            self.out.extend_from_slice(b"\r\n");
            if head_only || http09 {
                if http09 {
                    self.reply.send_from = self.out.len();
                }
                if head_only {
                    return false;
                }
            }
            self.body = Some(Body::File {
                file: OpenFile::Own(map_file),
                first,
                count,
            });
            return true;
        }
        // A file: an internal redirect to it, the path info and the
        // query kept.
        let base = if self.uri.ends_with(&pi) {
            self.uri.len() - pi.len()
        } else {
            self.uri.len()
        };
        let slash = memchr::memrchr(b'/', &self.uri[..base]).unwrap_or(0);
        // (httpd cuts the path info off the request's own URI first.)
        self.uri.truncate(base);
        let mut url = Vec::new();
        crate::http::uri::escape_path(&self.uri[..=slash], &mut url);
        url.extend_from_slice(best.file_name.as_bytes());
        url.extend_from_slice(&pi);
        if let Some(q) = self.reply.query.clone() {
            url.push(b'?');
            url.extend_from_slice(&self.buf[q]);
        }
        self.reply.map_redirect =
            Some((String::from_utf8_lossy(&url).into_owned(), best.file_name));
        false
    }

    /// The file a type map chose, when the map was itself the target of
    /// an internal redirect (an `ErrorDocument`): looked up beside the map
    /// and served in place. Returns true when the body comes from the
    /// file.
    pub(crate) fn map_in_place(&mut self, name: &str, head_only: bool, http09: bool) -> bool {
        let p = self.path.as_os_str().as_bytes();
        let i = memchr::memrchr(b'/', p).unwrap_or(0);
        let dir_path = PathBuf::from(std::ffi::OsStr::from_bytes(&p[..i.max(1)]));
        let slash = memchr::memrchr(b'/', &self.uri).unwrap_or(0);
        let dir_uri = self.uri[..=slash].to_vec();
        let d = self.lookup_dirent(&dir_path, &dir_uri, name.as_bytes());
        match (d.status, d.file) {
            (200, Some((file, meta))) if meta.is_file() => {
                self.become_variant(
                    Found {
                        uri: d.uri,
                        path: d.path,
                        file,
                        meta,
                        dir: d.dir,
                    },
                    b"",
                );
                self.static_file(head_only, http09)
            }
            (s, _) => {
                self.error_response(if s == 403 { 403 } else { 404 }, Detail::None, http09);
                false
            }
        }
    }

    /// The `Expires` line of a negotiated answer to an HTTP/1.0 client
    /// (see [`NegOut::no_cache`]), after the connection lines as httpd's
    /// header filter adds it.
    pub(crate) fn neg_expires(&mut self) {
        if !self.reply.neg.as_ref().is_some_and(|n| n.no_cache) {
            return;
        }
        let mut v = Vec::with_capacity(29);
        crate::http::date::append_cached(self.reply.request_time_us.div_euclid(1_000_000), &mut v);
        header(&mut self.out, &mut self.reply.headers_out, b"Expires", &v);
    }

    /// The negotiation's lines at the head of a response, whatever its
    /// status (a 304 too), after the other `err_headers_out` lines.
    pub(crate) fn neg_headers(&mut self) {
        let Some(n) = self.reply.neg.take() else {
            return;
        };
        for (name, v) in &n.headers {
            header(&mut self.out, &mut self.reply.headers_out, name, v);
        }
        self.reply.neg = Some(n);
    }

    /// The `ETag` of a negotiated variant: the variant list's validator
    /// in place of the closing quote (as httpd writes it, unclosed), weak
    /// when either is.
    pub(crate) fn neg_etag(&self, tag: &mut Vec<u8>) {
        let Some((v, weak)) = self.reply.neg.as_ref().and_then(|n| n.vlist.as_ref()) else {
            return;
        };
        if tag.last() == Some(&b'"') {
            tag.pop();
        }
        tag.push(b';');
        tag.extend_from_slice(v);
        if *weak && !tag.starts_with(b"W/") {
            tag.splice(0..0, b"W/".iter().copied());
        }
    }

    /// httpd's `fix_encoding`: a content encoding the client's
    /// `Accept-Encoding` names, with or without `x-`, takes the client's
    /// spelling (`x-gzip` answered as `gzip` to `Accept-Encoding: gzip`).
    pub(crate) fn fix_encoding(&self, enc: &mut Vec<u8>) {
        let mut it = header_values(&self.buf, &self.head, b"Accept-Encoding");
        let Some(first) = it.next() else { return };
        let mut line = first.to_vec();
        for v in it {
            line.extend_from_slice(b", ");
            line.extend_from_slice(v);
        }
        let plain = enc.strip_prefix(b"x-").unwrap_or(enc).to_vec();
        let mut x_enc = None;
        for item in super::accept::line(&line) {
            let name = item.name.as_bytes();
            if name == plain {
                *enc = item.name.into_bytes();
                return;
            }
            if name.strip_prefix(b"x-") == Some(&plain[..]) {
                x_enc = Some(item.name);
            }
        }
        if let Some(x) = x_enc {
            *enc = x.into_bytes();
        }
    }

    /// The variant list for a 406 or 300 page, if a negotiation left one.
    pub(crate) fn neg_list(&self) -> Option<Vec<u8>> {
        self.reply
            .neg
            .as_ref()
            .filter(|n| !n.list.is_empty())
            .map(|n| n.list.clone())
    }
}
