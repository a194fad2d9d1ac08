//! The connection's per-directory steps (see [`crate::perdir`]): the walk
//! that finds a request's merged settings once its URI is mapped to a
//! file, the header-parser `SetEnvIf` rules of sections, the access check
//! (`Require`), the fixups (`SetEnv`/`UnsetEnv`) and mod_dir's
//! `DirectoryIndex` search.

use std::os::unix::ffi::OsStrExt;

use super::walk::{self, Walk};
use crate::errorlog::{Extra, Level, Module};
use crate::hooks::Flow;
use crate::http::request::FIELDS_MAX;
use crate::record::{header_table, Cx, FieldTable};
use crate::setenv::RequestView;

/// What mod_dir's search for an index file found.
pub(crate) enum Index {
    /// An index: `path`, `uri` and the per-directory settings now name it.
    Found(std::fs::File, std::fs::Metadata),
    /// None usable; an index refused with this status (403).
    Refused(u16),
    /// None.
    Missing,
}

impl Cx {
    /// Before translate-name (httpd's `ap_process_request_internal`): the
    /// request starts with its server's default per-directory settings,
    /// nothing walked or opened yet.
    pub(crate) fn start_walk(&mut self) {
        // (The shared settings are not cloned when the connection already
        // holds them: reference counts touched by every request on every
        // thread cost cache-line transfers.)
        let base = self.cfg.servers[self.reply.server].sections.base();
        if !std::sync::Arc::ptr_eq(&self.dir, base) {
            self.dir = base.clone();
        }
        self.reply.walked = true;
        self.file_meta = None;
        self.reply.walk.file = None;
        self.reply.walk.kept = None;
        self.reply.walk.keep = None;
        // An internal redirect translates its own URI.
        self.reply.translated = None;
        self.reply.location = None;
    }

    /// httpd's translate-name and map-to-storage for a request with a
    /// usable path (after WASD's mapping, `modules/wasd`): the file name, the directory walk
    /// and the merged per-directory settings (`Cx::dir`). Refused
    /// (403; `%f` names the file) by the symbolic-link checks or a
    /// component longer than NAME_MAX.
    pub(crate) fn map_to_storage(&mut self) -> Flow {
        // An internal redirect may take the walk's shortcut in the
        // directory the original request's walk ended in.
        let first_dir = if self.reply.redirect.is_some() {
            std::mem::take(&mut self.reply.walk.dir)
        } else {
            self.reply.walk.dir.clear();
            Vec::new()
        };
        if self.uri != b"*" && !self.uri.is_empty() {
            // httpd maps every method's URI to a file (`%f`).
            self.reply.filename = true;
            if !self.map_file(&first_dir) {
                self.reply.access_denied = true;
                return Flow::Status(403);
            }
            // httpd's directory walk stats the path component by component:
            // one longer than NAME_MAX fails (ENAMETOOLONG) with 403 before
            // the fixups, and AH00036 names the path up to it.
            if let Some(end) = name_too_long(self.path.as_os_str().as_bytes()) {
                self.reply.access_denied = true;
                let fs = self.path.as_os_str().as_bytes()[..end].to_vec();
                let e = Extra::errno(libc::ENAMETOOLONG);
                self.elog(Module::Core, Level::Error, e, "AH00036", |c, m| {
                    m.extend_from_slice(b"access to ");
                    m.extend_from_slice(&c.uri);
                    m.extend_from_slice(b" failed (filesystem path '");
                    m.extend_from_slice(&fs);
                    m.extend_from_slice(b"')");
                });
                return Flow::Status(403);
            }
        }
        if self.uri != b"*" && self.cfg.servers[self.reply.server].sections.has_sections() {
            let cfg = self.cfg.clone();
            let sections = &cfg.servers[self.reply.server].sections;
            self.dir = sections.lookup(self.path.as_os_str().as_bytes(), &self.uri);
        }
        Flow::Ok
    }

    /// httpd's translate step alone (TRACE, `OPTIONS *`): the document
    /// root joined with the URI, nothing cut (`*` becomes `root/*`).
    pub(crate) fn translate_only(&mut self) {
        self.path.as_mut_os_string().clear();
        self.path.push(&self.cfg.servers[self.reply.server].root);
        if self.uri == b"*" {
            self.path.push("*");
        } else if self.uri.len() > 1 {
            self.path.push(std::ffi::OsStr::from_bytes(&self.uri[1..]));
        } else {
            self.path.as_mut_os_string().push("/");
        }
        self.reply.filename = true;
    }

    /// mod_dir's fixups for a method other than GET, HEAD and POST on a
    /// directory: the slash redirect, else the index (the request goes on
    /// as the index, or fails with the index's refusal). Returns whether
    /// the response is already built.
    pub(crate) fn dir_fixups(&mut self, http09: bool) -> bool {
        if self.uri == b"*" || !std::fs::metadata(&self.path).is_ok_and(|m| m.is_dir()) {
            return false;
        }
        if self.uri.last() != Some(&b'/') {
            self.reply.handler = Some(b"httpd/unix-directory");
            self.redirect_slash(http09);
            return true;
        }
        match self.directory_index() {
            Index::Found(..) => false,
            Index::Refused(status) => {
                self.error_response(status, crate::http::pages::Detail::None, http09);
                true
            }
            Index::Missing => false,
        }
    }

    /// `r->filename` as httpd's directory walk leaves it: the document
    /// root joined with the URI path, cut after the first component that
    /// does not exist or is not a directory (the rest is path info), with
    /// `Options FollowSymLinks`/`SymLinksIfOwnerMatch` enforced as the walk
    /// goes (`modules/core/walk.rs`). `first_dir`: for an internal redirect, the
    /// directory the original request's walk ended in. Returns false when
    /// the walk refused the path (logged; the caller answers 403).
    fn map_file(&mut self, first_dir: &[u8]) -> bool {
        let root_len = self.translated_path();
        let mode = self.walk_mode();
        if mode == Walk::Free {
            // Kept for the handler, as httpd keeps `r->finfo` (the file is
            // opened, not stat'ed again). With links free everywhere this
            // one stat is the whole walk when the path exists.
            // Or no call at all: the worker's open-file cache may hold the
            // file's descriptor and status (`file_cache.rs`).
            let now = self.reply.request_time_us;
            let key = self.path.as_os_str().as_bytes();
            if let Some((f, st)) = crate::file_cache::get(0, key, now) {
                self.file_meta = Some(st);
                self.reply.walk.kept = Some(f);
                return true;
            }
            self.file_meta = match std::fs::metadata(&self.path) {
                Ok(m) => {
                    if m.is_file() && crate::file_cache::wanted(0, key, now) {
                        use std::os::unix::fs::MetadataExt;
                        self.reply.walk.keep = Some(crate::record::Keep {
                            born: now,
                            tag: 0,
                            id: Some((m.dev(), m.ino())),
                        });
                    }
                    Some(crate::record::FileStat::of(&m))
                }
                Err(_) => None,
            };
            if self.file_meta.is_none() {
                match walk::free(self.path.as_os_str().as_bytes(), root_len) {
                    Ok(cut) => self.cut_path(cut),
                    Err(r) => {
                        self.walk_refused(&r);
                        return false;
                    }
                }
            }
            return true;
        }
        let path = self.path.as_os_str().as_bytes();
        // A request's own walk (not an internal redirect's) of a path the
        // worker walked a moment ago under these sections: the open-file
        // cache holds the verdict, the descriptor and its status.
        let own_walk = mode == Walk::Checked && first_dir.is_empty();
        let now = self.reply.request_time_us;
        let tag = self.cfg.servers[self.reply.server].sections.generation();
        if own_walk {
            if let Some((f, st)) = crate::file_cache::get(tag, path, now) {
                self.file_meta = Some(st);
                self.reply.walk.kept = Some(f);
                self.reply.walk.dir = parent(path).to_vec();
                return true;
            }
        }
        let familiar = (mode == Walk::Checked
            && !first_dir.is_empty()
            && parent(path) == first_dir)
            .then(|| {
                self.cfg.servers[self.reply.server]
                    .sections
                    .walk_options(first_dir, true)
            });
        match self.walk_path(mode, path, root_len, familiar) {
            Ok(r) => {
                let whole = r.cut == path.len();
                self.cut_path(r.cut);
                if r.file.is_ok() {
                    self.file_meta = r.stat;
                    let p = self.path.as_os_str().as_bytes();
                    if own_walk
                        && whole
                        && r.stat.is_some_and(|s| s.file)
                        && crate::file_cache::wanted(tag, p, now)
                    {
                        self.reply.walk.keep = Some(crate::record::Keep {
                            born: now,
                            tag,
                            id: None,
                        });
                    }
                }
                self.reply.walk.file = Some(r.file);
            }
            Err(r) => {
                self.walk_refused(&r);
                return false;
            }
        }
        // Where the walk ended, for a later redirect's shortcut.
        let p = self.path.as_os_str().as_bytes();
        self.reply.walk.dir = if self.file_meta.is_some_and(|m| m.dir) {
            p.to_vec()
        } else {
            parent(p).to_vec()
        };
        true
    }

    /// The file name as translate-name leaves it, into `self.path`: a
    /// translating module's (mod_alias), else the server's document root
    /// joined with the URI path (or WASD's mapped path). Returns the
    /// length of its root, where the walk's link checks begin.
    pub(crate) fn translated_path(&mut self) -> usize {
        self.path.as_mut_os_string().clear();
        let (root, rel): (&[u8], &[u8]) = match &self.reply.translated {
            Some((root, rest)) => (root, rest),
            None => (
                self.cfg.servers[self.reply.server]
                    .root
                    .as_os_str()
                    .as_bytes(),
                self.reply.wasd_file.as_deref().unwrap_or(&self.uri),
            ),
        };
        self.path.push(std::ffi::OsStr::from_bytes(root));
        // (`rel` starts with `/`; a bare `/` leaves the trailing slash.)
        if let Some(rest) = rel.get(1..) {
            self.path.push(std::ffi::OsStr::from_bytes(rest));
        }
        root_len(root)
    }

    /// The length of the translated file name's root (see
    /// [`Cx::translated_path`]).
    pub(crate) fn walk_root_len(&self) -> usize {
        match &self.reply.translated {
            Some((root, _)) => root_len(root),
            None => root_len(
                self.cfg.servers[self.reply.server]
                    .root
                    .as_os_str()
                    .as_bytes(),
            ),
        }
    }

    /// Cuts `self.path` to its first `cut` bytes.
    fn cut_path(&mut self, cut: usize) {
        let p = self.path.as_os_str().as_bytes();
        if cut < p.len() {
            self.path = std::path::PathBuf::from(std::ffi::OsStr::from_bytes(&p[..cut]));
        }
    }

    /// The header-parser step: the `SetEnvIf` rules of the matching
    /// sections, on the request as mapped (`Request_URI` is the decoded
    /// path).
    pub(crate) fn section_rules(&mut self) {
        let dir = self.dir.clone();
        self.apply_rules(&dir.env.rules);
    }

    /// Runs `SetEnvIf` rules on the request with `Request_URI` the
    /// current (decoded) URI path.
    pub(crate) fn apply_rules(&mut self, rules: &crate::setenv::SetEnvIfRules) {
        if rules.is_empty() {
            return;
        }
        let b = &self.buf[..];
        let empty: &[u8] = b"";
        // The first FIELDS_MAX headers, as before (an inline table: no
        // 100-entry array initialised per call).
        let mut fields = FieldTable::new();
        header_table(b, &self.head, &mut fields);
        fields.truncate(FIELDS_MAX);
        let view = RequestView {
            remote_host: super::lookups::remote_value(&self.conn.remote_host, &self.conn.client_ip),
            remote_addr: self.conn.client_ip.as_bytes(),
            server_addr: self.conn.local_ip.as_bytes(),
            method: self.head.method.clone().map_or(empty, |m| &b[m]),
            protocol: self.head.protocol.clone().map_or(empty, |p| &b[p]),
            uri: &self.uri,
            headers: &fields,
        };
        // A substitution over the limit sets nothing more (httpd logs it
        // and goes on at this stage).
        let _ = rules.apply(&view, &mut self.env);
    }

    /// mod_dir: the first `DirectoryIndex` name that is a regular file the
    /// client may see, for the directory in `self.path` (whose URI ends in
    /// a slash). Each candidate is looked up as httpd's sub-request does
    /// ([`Cx::sub_lookup`]); an index refused by the walk or `Require` is
    /// skipped, and its status is the answer when no other name is found.
    pub(crate) fn directory_index(&mut self) -> Index {
        let cfg = self.cfg.clone();
        let srv = &cfg.servers[self.reply.server];
        let dir = self.dir.clone();
        let dir_path = self.path.clone();
        let dir_uri = self.uri.clone();
        let mut refused = 0;
        let num_names = dir.dir.names().count();
        for name in dir.dir.names() {
            self.uri.clone_from(&dir_uri);
            if let Some(abs) = name.strip_prefix('/') {
                self.uri.clear();
                self.uri.push(b'/');
                self.uri.extend_from_slice(abs.as_bytes());
                self.path.as_mut_os_string().clear();
                self.path.push(&srv.root);
                self.path.push(abs);
            } else {
                self.uri.extend_from_slice(name.as_bytes());
                self.path.clone_from(&dir_path);
                self.path.push(name);
            }
            let sub = self.sub_lookup(&dir_path, &dir);
            match sub.status {
                200 => {}
                403 => {
                    refused = 403;
                    continue;
                }
                _ => {
                    // A missing name with MultiViews on: mod_negotiation's
                    // choice in the sub-request.
                    match self.index_multiviews(&sub.dir) {
                        Ok((f, m)) => return Index::Found(f, m),
                        Err(404) => {}
                        Err(s) if s == 300 || (s == 406 && num_names == 1) => {
                            self.uri = dir_uri;
                            self.path = dir_path;
                            return Index::Refused(s);
                        }
                        Err(s) => refused = s,
                    }
                    // (The sub-request's negotiation lines go no further.)
                    self.reply.neg = None;
                    continue;
                }
            }
            if let Some((f, m)) = sub.file {
                if m.is_file() {
                    // The sub-request's fixups; its variables are looked
                    // up after the ones already set.
                    sub.dir.env.settings.apply(&mut self.env);
                    self.dir = sub.dir;
                    return Index::Found(f, m);
                }
            }
        }
        self.uri = dir_uri;
        self.path = dir_path;
        if refused != 0 {
            Index::Refused(refused)
        } else {
            Index::Missing
        }
    }
}

/// The length of a document root's bytes that the joined path starts with
/// (its trailing slashes left out: `/` is 0).
fn root_len(root: &[u8]) -> usize {
    let mut n = root.len();
    while n > 0 && root[n - 1] == b'/' {
        n -= 1;
    }
    n
}

/// A path's directory, with its trailing slash (`/a/b` → `/a/`).
pub(super) fn parent(p: &[u8]) -> &[u8] {
    match memchr::memrchr(b'/', p) {
        Some(i) => &p[..=i],
        None => b"",
    }
}

/// The end of the first component of `path` longer than NAME_MAX (255
/// bytes), if any.
fn name_too_long(path: &[u8]) -> Option<usize> {
    if path.len() <= 255 {
        // No component can be longer (the usual case: no scan).
        return None;
    }
    let mut start = 0;
    for part in path.split(|&b| b == b'/') {
        let end = start + part.len();
        if part.len() > 255 {
            return Some(end);
        }
        start = end + 1;
    }
    None
}
