//! Sub-request lookups: what httpd's `ap_sub_req_lookup_dirent` and
//! `ap_sub_req_lookup_uri` find for a name without serving it. mod_dir
//! judges its index candidates with them; a directory listing or a
//! content negotiation looks up each entry of a directory the same way.
//!
//! A lookup runs the steps of a request that decide whether and how the
//! name would be served (the directory walk with its symbolic-link
//! checks, the sections merged for it, the access check) and leaves the
//! calling request as it was, apart from the error-log lines a refusal
//! writes (httpd's sub-requests log them too).

use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::dirhooks::parent;
use super::walk::{self, Walk};
use crate::perdir::PerDir;
use crate::record::Cx;

/// What a sub-request found for one name.
pub(crate) struct Dirent {
    /// 200 (it would be served, or it is a directory), 403 (the walk or
    /// the access check refused it) or 404 (missing, or a path through
    /// something that is not a directory).
    pub(crate) status: u16,
    /// The file name looked up.
    pub(crate) path: PathBuf,
    /// Its URI.
    pub(crate) uri: Vec<u8>,
    /// The file, opened as the handler would open it, with its metadata
    /// (absent unless the status is 200).
    pub(crate) file: Option<(std::fs::File, std::fs::Metadata)>,
    /// The per-directory settings merged for it (its own sections; the
    /// type, language, encoding and charset come from `dir.mime`).
    pub(crate) dir: Arc<PerDir>,
}

impl Cx {
    /// httpd's `ap_sub_req_lookup_dirent`: the entry `name` of the
    /// directory `dir_path` (whose URI is `dir_uri`, ending in a slash),
    /// as a sub-request of this request sees it. The request's URI and
    /// file name are left as they were.
    pub(crate) fn lookup_dirent(&mut self, dir_path: &Path, dir_uri: &[u8], name: &[u8]) -> Dirent {
        let saved_uri = std::mem::take(&mut self.uri);
        let saved_path = std::mem::take(&mut self.path);
        self.uri.extend_from_slice(dir_uri);
        self.uri.extend_from_slice(name);
        self.path.clone_from(&dir_path.to_path_buf());
        self.path.push(std::ffi::OsStr::from_bytes(name));
        let dir = self.dir.clone();
        let found = self.sub_lookup(dir_path, &dir);
        self.uri = saved_uri;
        self.path = saved_path;
        found
    }

    /// The lookup of the sub-request whose URI and file name are already
    /// in `self.uri` and `self.path`, looked for from the directory
    /// `dir_path` whose settings are `dir` (used when the server has no
    /// sections). `self.path` may be cut short by a refusal (as the
    /// error-log line names it); the caller restores both.
    pub(crate) fn sub_lookup(&mut self, dir_path: &Path, dir: &Arc<PerDir>) -> Dirent {
        let cfg = self.cfg.clone();
        let srv = &cfg.servers[self.reply.server];
        // The sub-request's directory walk, before its access check.
        let walked = match self.sub_walk(dir_path) {
            Ok(w) => w,
            Err(r) => {
                let (path, uri) = (self.path.clone(), self.uri.clone());
                self.walk_refused(&r);
                return Dirent {
                    status: 403,
                    path,
                    uri,
                    file: None,
                    dir: dir.clone(),
                };
            }
        };
        let sub = if srv.sections.has_sections() {
            srv.sections
                .lookup(self.path.as_os_str().as_bytes(), &self.uri)
        } else {
            dir.clone()
        };
        let (path, uri) = (self.path.clone(), self.uri.clone());
        if !self.sub_access(&sub) {
            return Dirent {
                status: 403,
                path,
                uri,
                file: None,
                dir: sub,
            };
        }
        let found = walked.and_then(|f| {
            let m = f.metadata()?;
            Ok((f, m))
        });
        let (status, file) = match found {
            Ok(fm) => (200, Some(fm)),
            Err(_) => (404, None),
        };
        Dirent {
            status,
            path,
            uri,
            file,
            dir: sub,
        }
    }

    /// The walk of a sub-request's file in `self.path`, looked for in the
    /// directory `dir`: the file opened as the handler would open it, or
    /// the walk's refusal.
    fn sub_walk(&self, dir: &Path) -> Result<std::io::Result<std::fs::File>, walk::Refusal> {
        let path = self.path.as_os_str().as_bytes();
        let mut mode = self.walk_mode();
        if mode == Walk::Free {
            return match crate::static_files::open_read(&self.path) {
                // A dangling link: the sub-request's walk lstats each
                // component when the stat fails, and refuses it.
                Err(e)
                    if e.raw_os_error() == Some(libc::ENOENT)
                        && std::fs::symlink_metadata(&self.path)
                            .is_ok_and(|m| m.file_type().is_symlink()) =>
                {
                    Err(walk::Refusal::Link {
                        upto: path.len(),
                        familiar: false,
                    })
                }
                r => Ok(r),
            };
        }
        let root_len = self.walk_root_len();
        let srv = &self.cfg.servers[self.reply.server];
        let mut d = dir.as_os_str().as_bytes().to_vec();
        if d.last() != Some(&b'/') {
            d.push(b'/');
        }
        if let Walk::Beneath(r) = mode {
            // A name from the root is looked for below the ServerRoot.
            if !path.starts_with(&d) {
                mode = Walk::Beneath(0);
            } else {
                mode = Walk::Beneath(r);
            }
        }
        let familiar = (mode == Walk::Checked && parent(path) == &d[..])
            .then(|| srv.sections.walk_options(&d, true));
        let r = self.walk_path(mode, path, root_len, familiar)?;
        Ok(match r.file {
            Ok(f) if r.cut == path.len() => Ok(f),
            Ok(_) => Err(std::io::Error::from_raw_os_error(libc::ENOTDIR)),
            Err(e) => Err(e),
        })
    }
}
