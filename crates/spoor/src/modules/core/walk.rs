//! The symbolic-link part of httpd's directory walk (`Options
//! FollowSymLinks` and `SymLinksIfOwnerMatch`), and WASD's rule that a
//! link may only lead below the mapped root.
//!
//! # What httpd checks
//!
//! httpd's `ap_directory_walk` goes down the file name one component at a
//! time, merging the `<Directory>` sections of each level into the options
//! it carries, and `lstat`s each component. A component that is a link is
//! judged by the options of the directory holding it (the sections merged
//! so far, not the final ones): refused (403, AH00037) unless
//! `FollowSymLinks` or `SymLinksIfOwnerMatch` is in force there, or its
//! target cannot be reached (a dangling link is refused even with
//! `FollowSymLinks`), or, under `SymLinksIfOwnerMatch`, the owner of the
//! link differs from the owner of what it finally resolves to. The walk
//! stops at the first regular file or missing component (the rest is
//! path info); a component that is neither a file nor a directory is
//! refused (AH00038), one the server may not search too (AH00035). When
//! links are followed unchecked at a level and the whole path exists,
//! httpd skips the `lstat`s altogether: so does spoor, where the server
//! follows links unchecked everywhere ([`Walk::Free`]), with no system
//! call beyond the one `stat` it always made.
//!
//! A sub-request or internal redirect (a `DirectoryIndex` candidate, a
//! local `ErrorDocument`) for a regular file in the directory the first
//! walk ended in takes httpd's shortcut: only the last component is
//! looked at, only when the directory's own options lack
//! `FollowSymLinks`, and a refusal is AH00032 (same text).
//!
//! # Time of check, time of use
//!
//! Checking names and then opening the path again would let a link swapped
//! in between the two escape. Where links are checked ([`Walk::Checked`]),
//! the walk holds a descriptor for each directory and opens the next
//! component relative to it with `O_PATH | O_NOFOLLOW`, so each check is
//! made on the very object the next step starts from; a link allowed is
//! followed by reading its text from its own descriptor and opening that
//! text relative to the same directory (so the link judged is the link
//! followed; the kernel resolves the text as httpd's `stat` does, links
//! in it included). The final file is opened for reading relative to its
//! directory (with `O_NOFOLLOW` unless it was an allowed link, and
//! `O_NONBLOCK` so a FIFO swapped in cannot block), and its device and
//! inode must be those checked; the handler serves that descriptor and
//! never opens the path again. A plain directory costs an `openat` (with
//! `O_DIRECTORY | O_NOFOLLOW`, which a link fails) and a `close`; a link
//! or the file two or three calls more: 19 system calls for a request
//! for a file four levels deep where the default costs 8
//! (`bench/profile.py --tool strace --variant nosymlinks`), paid only by
//! configurations that restrict links.
//!
//! WASD paths ([`Walk::Beneath`]) are opened with `openat2` and
//! `RESOLVE_BENEATH` relative to the mapped root: the kernel follows links
//! but refuses any resolution that leaves the root (absolute link texts
//! included), in the same call that opens the file. Where `openat2` is
//! missing (Linux before 5.6, or filtered), the checked walk from the root
//! with no link allowed is used instead.
//!
//! # Later: `Alias`
//!
//! An `Alias` target would be walked like the document root: the walk
//! takes the whole file name and judges each level by
//! [`crate::perdir::Sections::walk_options`], so an aliased path needs
//! only its file name built before [`Connection::walk_path`] runs.

use std::ffi::{CStr, CString};
use std::fs::File;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;

use crate::errorlog::{Extra, Level, Module};
use crate::perdir::opt;
use crate::record::{Cx, FileStat};

/// How a request's path is opened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Walk {
    /// Links are followed unchecked at every level: the path is opened by
    /// name; only when it does not exist is it walked (with `lstat`), to
    /// find where it stops and refuse dangling links.
    Free,
    /// Some level restricts links: the descriptor walk.
    Checked,
    /// WASD: links only to targets below the mapped root, whose length in
    /// the mapped path this is.
    Beneath(usize),
}

/// Why a walk refused a path (403). `upto` is the length of the path up
/// to and including the component at fault (httpd's `r->filename` then).
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// AH00037 (AH00032 when `familiar`): a link not allowed, dangling, or
    /// owned by another user than its target.
    Link { upto: usize, familiar: bool },
    /// AH00035: search permission missing on a component.
    Search { upto: usize, errno: i32 },
    /// AH00036: another error looking at a component.
    Failed { upto: usize, errno: i32 },
    /// AH00038: neither a file nor a directory.
    Odd { upto: usize },
}

/// What a walk that did not refuse found.
#[derive(Debug)]
pub(crate) struct Reached {
    /// What opening the whole path for reading gives: the regular file
    /// checked, a directory (an `O_PATH` handle, good for `fstat`), or the
    /// error (`ENOENT`, `ENOTDIR`, `EACCES`…).
    pub(crate) file: io::Result<File>,
    /// Its status when it was opened.
    pub(crate) stat: Option<FileStat>,
    /// The length of the path httpd's walk leaves as the file name (the
    /// rest is path info).
    pub(crate) cut: usize,
}

fn err(errno: i32) -> io::Error {
    io::Error::from_raw_os_error(errno)
}

fn errno_of(e: &io::Error) -> i32 {
    e.raw_os_error().unwrap_or(libc::EIO)
}

fn cstring(b: &[u8]) -> io::Result<CString> {
    CString::new(b).map_err(|_| err(libc::ENOENT))
}

fn open_at(dir: libc::c_int, name: &CStr, flags: libc::c_int) -> io::Result<OwnedFd> {
    // SAFETY: `name` is NUL-terminated; the result is a fresh descriptor we
    // own or -1.
    let fd = unsafe { libc::openat(dir, name.as_ptr(), flags | libc::O_CLOEXEC) };
    if fd < 0 {
        Err(io::Error::last_os_error())
    } else {
        // SAFETY: `fd` was just returned by openat and is owned by no one.
        Ok(unsafe { OwnedFd::from_raw_fd(fd) })
    }
}

fn fstat(fd: &OwnedFd) -> io::Result<libc::stat> {
    // SAFETY: an all-zero `stat` is a valid value; fstat fills it.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: `fd` is open and `st` is writable.
    if unsafe { libc::fstat(fd.as_raw_fd(), &mut st) } < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(st)
    }
}

/// The text of the link `fd` (opened with `O_PATH | O_NOFOLLOW`).
fn read_link(fd: &OwnedFd) -> io::Result<CString> {
    let mut buf = vec![0u8; libc::PATH_MAX as usize];
    // SAFETY: the empty path names `fd` itself; `buf` has room for its len.
    let n = unsafe {
        libc::readlinkat(
            fd.as_raw_fd(),
            c"".as_ptr(),
            buf.as_mut_ptr().cast(),
            buf.len(),
        )
    };
    if n < 0 {
        return Err(io::Error::last_os_error());
    }
    let n = n as usize;
    if n >= buf.len() {
        return Err(err(libc::ENAMETOOLONG));
    }
    buf.truncate(n);
    cstring(&buf)
}

fn kind(st: &libc::stat) -> libc::mode_t {
    st.st_mode & libc::S_IFMT
}

fn file_stat(st: &libc::stat) -> FileStat {
    FileStat {
        len: st.st_size as u64,
        mtime_us: st.st_mtime * 1_000_000 + st.st_mtime_nsec / 1000,
        dir: kind(st) == libc::S_IFDIR,
        file: kind(st) == libc::S_IFREG,
    }
}

/// Whether a link may be followed under options `o`, given its own status
/// and its target's (httpd's `resolve_symlink`).
fn link_allowed(o: u16, link: &libc::stat, target: &libc::stat) -> bool {
    if o & (opt::SYM_LINKS | opt::SYM_OWNER) == 0 {
        return false;
    }
    o & opt::SYM_OWNER == 0 || link.st_uid == target.st_uid
}

/// A component that could not be opened: missing (the walk ends there,
/// the rest is path info), not searchable (AH00035), or another error
/// (AH00036).
fn missing_or_refused(e: io::Error, end: usize) -> Result<Reached, Refusal> {
    match errno_of(&e) {
        libc::ENOENT => Ok(Reached {
            file: Err(e),
            stat: None,
            cut: end,
        }),
        libc::EACCES => Err(Refusal::Search {
            upto: end,
            errno: libc::EACCES,
        }),
        n => Err(Refusal::Failed {
            upto: end,
            errno: n,
        }),
    }
}

/// The checked walk of `path` (absolute, or relative to `start` when
/// given): each component opened with `O_PATH | O_NOFOLLOW` relative to
/// the directory before it, links judged by `opts_at(directory holding
/// it, with a trailing slash)`. `familiar`: the options of the shortcut
/// for the last component (see the module documentation).
pub(crate) fn checked(
    path: &[u8],
    start: Option<OwnedFd>,
    opts_at: &dyn Fn(&[u8]) -> u16,
    familiar: Option<u16>,
) -> Result<Reached, Refusal> {
    let from = if start.is_some() { 0 } else { 1 };
    let mut dir = match start {
        Some(fd) => fd,
        None => {
            let top: &CStr = if path.first() == Some(&b'/') {
                c"/"
            } else {
                c"."
            };
            open_at(libc::AT_FDCWD, top, libc::O_PATH | libc::O_DIRECTORY).map_err(|e| {
                Refusal::Failed {
                    upto: from.min(path.len()),
                    errno: errno_of(&e),
                }
            })?
        }
    };
    let mut i = from.min(path.len());
    let len = path.len();
    loop {
        while i < len && path[i] == b'/' {
            i += 1;
        }
        if i >= len {
            break;
        }
        let start = i;
        let end = memchr::memchr(b'/', &path[i..]).map_or(len, |j| i + j);
        i = end;
        let last = end == len;
        let name = cstring(&path[start..end]).map_err(|_| Refusal::Failed {
            upto: end,
            errno: libc::EINVAL,
        })?;
        // A component before the last is most often a plain directory:
        // `O_DIRECTORY` with `O_NOFOLLOW` opens only that (a link fails
        // with ENOTDIR), and saves the fstat.
        if !last {
            match open_at(
                dir.as_raw_fd(),
                &name,
                libc::O_PATH | libc::O_NOFOLLOW | libc::O_DIRECTORY,
            ) {
                Ok(d) => {
                    dir = d;
                    continue;
                }
                Err(e) if errno_of(&e) == libc::ENOTDIR => {}
                Err(e) => return missing_or_refused(e, end),
            }
        }
        let fd = match open_at(dir.as_raw_fd(), &name, libc::O_PATH | libc::O_NOFOLLOW) {
            Ok(fd) => fd,
            Err(e) => return missing_or_refused(e, end),
        };
        let failed = |e: io::Error| Refusal::Failed {
            upto: end,
            errno: errno_of(&e),
        };
        let mut st = fstat(&fd).map_err(failed)?;
        let mut fd = fd;
        let mut target: Option<CString> = None;
        if kind(&st) == libc::S_IFLNK {
            let refuse = |familiar| Refusal::Link {
                upto: end,
                familiar,
            };
            let text = read_link(&fd).map_err(|_| refuse(false))?;
            // The link's own text, opened from the directory that holds
            // it: the kernel follows it (and any link it leads to) as
            // httpd's stat does.
            let tfd = open_at(dir.as_raw_fd(), &text, libc::O_PATH).map_err(|_| refuse(false))?;
            let tst = fstat(&tfd).map_err(|_| refuse(false))?;
            match familiar {
                Some(o) if last && kind(&tst) == libc::S_IFREG => {
                    if o & opt::SYM_LINKS == 0 && !link_allowed(o, &st, &tst) {
                        return Err(refuse(true));
                    }
                }
                _ => {
                    if !link_allowed(opts_at(&path[..start]), &st, &tst) {
                        return Err(refuse(false));
                    }
                }
            }
            fd = tfd;
            st = tst;
            target = Some(text);
        }
        match kind(&st) {
            libc::S_IFREG => {
                if !last {
                    return Ok(Reached {
                        file: Err(err(libc::ENOTDIR)),
                        stat: None,
                        cut: end,
                    });
                }
                // Open for reading what was checked, and make sure it is.
                let flags = libc::O_RDONLY | libc::O_NONBLOCK;
                let opened = match &target {
                    Some(t) => open_at(dir.as_raw_fd(), t, flags),
                    None => open_at(dir.as_raw_fd(), &name, flags | libc::O_NOFOLLOW),
                };
                let f = match opened {
                    Ok(f) => f,
                    Err(e) => {
                        return Ok(Reached {
                            file: Err(e),
                            stat: None,
                            cut: end,
                        })
                    }
                };
                let now = fstat(&f).map_err(failed)?;
                if (now.st_dev, now.st_ino) != (st.st_dev, st.st_ino) {
                    return Err(Refusal::Link {
                        upto: end,
                        familiar: false,
                    });
                }
                return Ok(Reached {
                    file: Ok(File::from(f)),
                    stat: Some(file_stat(&now)),
                    cut: end,
                });
            }
            libc::S_IFDIR => dir = fd,
            _ => return Err(Refusal::Odd { upto: end }),
        }
    }
    // The whole path is a directory.
    reached(dir, len)
}

/// The whole path, `len` bytes, reached as `fd`: its status, and the
/// descriptor the handler uses.
fn reached(fd: OwnedFd, len: usize) -> Result<Reached, Refusal> {
    let st = fstat(&fd).map_err(|e| Refusal::Failed {
        upto: len,
        errno: errno_of(&e),
    })?;
    Ok(Reached {
        file: Ok(File::from(fd)),
        stat: Some(file_stat(&st)),
        cut: len,
    })
}

/// The walk of a path that does not exist as a whole, where links are
/// followed unchecked: `lstat` per component below `root_len` (the
/// document root, known to be usable), `stat` of a link's target. Finds
/// where the file name stops (the rest is path info) and refuses what
/// httpd refuses there: a dangling link (AH00037), a component that is
/// neither file nor directory, one that cannot be searched.
pub(crate) fn free(path: &[u8], root_len: usize) -> Result<usize, Refusal> {
    let len = path.len();
    let mut i = root_len;
    // (A root of `/` has length 0: the walk starts from `/`, not from a
    // relative empty path.)
    let root: &[u8] = if root_len == 0 {
        b"/"
    } else {
        &path[..root_len]
    };
    let mut p = std::path::PathBuf::from(std::ffi::OsStr::from_bytes(root));
    loop {
        while i < len && path[i] == b'/' {
            i += 1;
        }
        if i >= len {
            return Ok(len);
        }
        let start = i;
        let end = memchr::memchr(b'/', &path[i..]).map_or(len, |j| i + j);
        i = end;
        p.push(std::ffi::OsStr::from_bytes(&path[start..end]));
        let m = match std::fs::symlink_metadata(&p) {
            Ok(m) if m.file_type().is_symlink() => match std::fs::metadata(&p) {
                Ok(t) => t,
                Err(_) => {
                    return Err(Refusal::Link {
                        upto: end,
                        familiar: false,
                    })
                }
            },
            Ok(m) => m,
            Err(e) => {
                return match errno_of(&e) {
                    libc::ENOENT => Ok(end),
                    libc::EACCES => Err(Refusal::Search {
                        upto: end,
                        errno: libc::EACCES,
                    }),
                    n => Err(Refusal::Failed {
                        upto: end,
                        errno: n,
                    }),
                }
            }
        };
        if m.is_file() {
            return Ok(end);
        }
        if !m.is_dir() {
            return Err(Refusal::Odd { upto: end });
        }
    }
}

/// How many times `openat2` is tried when it answers EAGAIN.
const OPENAT2_TRIES: u32 = 16;

/// The kernel's `struct open_how` (libc's cannot be built outside it).
#[repr(C)]
struct OpenHow {
    flags: u64,
    mode: u64,
    resolve: u64,
}

/// WASD: opens `rel` (relative, no `..`) below the directory `root`,
/// following links only while they stay below it.
pub(crate) fn beneath(root: &[u8], rel: &[u8]) -> Result<Reached, Refusal> {
    let root: &[u8] = if root.is_empty() { b"/" } else { root };
    let rel = rel.strip_prefix(b"/").unwrap_or(rel);
    let whole = root.len() + 1 + rel.len();
    let rootfd = match cstring(root)
        .and_then(|r| open_at(libc::AT_FDCWD, &r, libc::O_PATH | libc::O_DIRECTORY))
    {
        Ok(fd) => fd,
        Err(e) => {
            return Ok(Reached {
                file: Err(e),
                stat: None,
                cut: whole,
            })
        }
    };
    let name: &[u8] = if rel.is_empty() { b"." } else { rel };
    let name = cstring(name).map_err(|_| Refusal::Failed {
        upto: whole,
        errno: libc::EINVAL,
    })?;
    let how = OpenHow {
        flags: (libc::O_RDONLY | libc::O_NONBLOCK | libc::O_CLOEXEC) as u64,
        mode: 0,
        resolve: libc::RESOLVE_BENEATH | libc::RESOLVE_NO_MAGICLINKS,
    };
    // A `..` on the way fails with EAGAIN when anything was renamed on
    // the system meanwhile: a few more tries, then the error (403).
    let mut tries = 0;
    let fd = loop {
        // SAFETY: openat2 with a valid directory descriptor, a
        // NUL-terminated name and an `open_how` of the size passed.
        let fd = unsafe {
            libc::syscall(
                libc::SYS_openat2,
                rootfd.as_raw_fd(),
                name.as_ptr(),
                &how as *const OpenHow,
                std::mem::size_of::<OpenHow>(),
            )
        };
        tries += 1;
        if fd >= 0
            || tries == OPENAT2_TRIES
            || io::Error::last_os_error().raw_os_error() != Some(libc::EAGAIN)
        {
            break fd;
        }
    };
    if fd < 0 {
        let e = io::Error::last_os_error();
        return match errno_of(&e) {
            // Left the root (or too many links on the way).
            libc::EXDEV | libc::ELOOP => Err(Refusal::Link {
                upto: whole,
                familiar: false,
            }),
            // No openat2 here: walk with no link allowed.
            libc::ENOSYS | libc::EPERM => checked(rel, Some(rootfd), &|_| 0, None).map(|mut r| {
                r.cut += root.len() + 1;
                r
            }),
            _ => Ok(Reached {
                file: Err(e),
                stat: None,
                cut: whole,
            }),
        };
    }
    // SAFETY: a fresh descriptor from openat2, owned by no one else.
    let f = unsafe { OwnedFd::from_raw_fd(fd as libc::c_int) };
    reached(f, whole)
}

impl Cx {
    /// The mode of this request's walk.
    pub(crate) fn walk_mode(&self) -> Walk {
        if let Some(root) = self.reply.wasd_root {
            return Walk::Beneath(root);
        }
        if self.cfg.servers[self.reply.server]
            .sections
            .follows_links_everywhere()
        {
            Walk::Free
        } else {
            Walk::Checked
        }
    }

    /// Walks `path` (the document root's length `root_len`) by `mode`,
    /// with the shortcut options `familiar`. The caller logs a refusal.
    pub(crate) fn walk_path(
        &self,
        mode: Walk,
        path: &[u8],
        root_len: usize,
        familiar: Option<u16>,
    ) -> Result<Reached, Refusal> {
        match mode {
            // (Callers open by name in this mode; walking is equivalent.)
            Walk::Free => checked(path, None, &|_| opt::SYM_LINKS, familiar),
            Walk::Checked => {
                let sections = &self.cfg.servers[self.reply.server].sections;
                checked(
                    path,
                    None,
                    &|dir| sections.walk_options(dir, false),
                    familiar,
                )
            }
            Walk::Beneath(root) => {
                let base = &path[..root_len + root];
                beneath(base, &path[root_len + root..])
            }
        }
    }

    /// Logs a refusal (httpd's lines) and leaves `%f` as httpd's walk
    /// leaves `r->filename`.
    pub(crate) fn walk_refused(&mut self, r: &Refusal) {
        let full = self.path.as_os_str().as_bytes().to_vec();
        let (upto, ah, errno) = match *r {
            Refusal::Link { upto, familiar } => {
                (upto, if familiar { "AH00032" } else { "AH00037" }, None)
            }
            Refusal::Search { upto, errno } => (upto, "AH00035", Some(errno)),
            Refusal::Failed { upto, errno } => (upto, "AH00036", Some(errno)),
            Refusal::Odd { upto } => (upto, "AH00038", None),
        };
        let fs = full[..upto.min(full.len())].to_vec();
        self.path = std::path::PathBuf::from(std::ffi::OsStr::from_bytes(&fs));
        let extra = match errno {
            Some(n) => Extra::errno(n),
            None => Extra::default(),
        };
        self.elog(Module::Core, Level::Error, extra, ah, |c, m| match *r {
            Refusal::Link { .. } => {
                m.extend_from_slice(b"Symbolic link not allowed or link target not accessible: ");
                m.extend_from_slice(&fs);
            }
            Refusal::Search { .. } => {
                m.extend_from_slice(b"access to ");
                m.extend_from_slice(&c.uri);
                m.extend_from_slice(b" denied (filesystem path '");
                m.extend_from_slice(&fs);
                m.extend_from_slice(
                    b"') because search permissions are missing on a component of the path",
                );
            }
            Refusal::Failed { .. } => {
                m.extend_from_slice(b"access to ");
                m.extend_from_slice(&c.uri);
                m.extend_from_slice(b" failed (filesystem path '");
                m.extend_from_slice(&fs);
                m.extend_from_slice(b"')");
            }
            Refusal::Odd { .. } => {
                m.extend_from_slice(b"Forbidden: ");
                m.extend_from_slice(&fs);
                m.extend_from_slice(b" doesn't point to a file or directory");
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn a_root_of_slash_walks_from_slash() {
        // (An `AliasMatch` target `/$1`, or `DocumentRoot /`: the root's
        // length is 0. The missing component ends the walk, where it is,
        // not at the first component as a relative walk would.)
        let t = Tree::new();
        let missing = t.0.join("a/b/none.txt");
        let path = missing.as_os_str().as_bytes();
        assert_eq!(free(path, 0), Ok(path.len()));
        let deeper = t.0.join("a/nodir/x.txt");
        let path = deeper.as_os_str().as_bytes();
        let cut = t.0.join("a/nodir").as_os_str().len();
        assert_eq!(free(path, 0), Ok(cut));
    }

    /// A scratch tree, removed on drop.
    struct Tree(std::path::PathBuf);

    impl Tree {
        fn new() -> Tree {
            static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
            let p = std::env::temp_dir().join(format!(
                "spoor-walk-{}-{}",
                std::process::id(),
                N.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            ));
            let _ = std::fs::remove_dir_all(&p);
            for d in ["a/b", "out"] {
                std::fs::create_dir_all(p.join(d)).unwrap();
            }
            std::fs::write(p.join("a/b/f.txt"), "f").unwrap();
            std::fs::write(p.join("out/o.txt"), "o").unwrap();
            symlink("f.txt", p.join("a/b/l.txt")).unwrap();
            symlink("../../out", p.join("a/b/outdir")).unwrap();
            symlink("l.txt", p.join("a/b/chain.txt")).unwrap();
            symlink("gone", p.join("a/b/dangling")).unwrap();
            Tree(p)
        }

        fn path(&self, rel: &str) -> Vec<u8> {
            self.0.join(rel).as_os_str().as_bytes().to_vec()
        }
    }

    impl Drop for Tree {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn read(r: Reached) -> String {
        let mut s = String::new();
        io::Read::read_to_string(&mut r.file.unwrap(), &mut s).unwrap();
        s
    }

    #[test]
    fn checked_walk_judges_each_link_by_its_level() {
        let t = Tree::new();
        let b = t.path("a/b/");
        // Links allowed only in a/b: followed there, chains included, to
        // the file the link names, and relative to the link's directory.
        let only_b = |d: &[u8]| if d == &b[..] { opt::SYM_LINKS } else { 0 };
        assert_eq!(
            read(checked(&t.path("a/b/l.txt"), None, &only_b, None).unwrap()),
            "f"
        );
        assert_eq!(
            read(checked(&t.path("a/b/chain.txt"), None, &only_b, None).unwrap()),
            "f"
        );
        assert_eq!(
            read(checked(&t.path("a/b/outdir/o.txt"), None, &only_b, None).unwrap()),
            "o"
        );
        // Nowhere: refused, `upto` naming the link.
        let none = |_: &[u8]| 0;
        let link = t.path("a/b/outdir");
        assert_eq!(
            checked(&t.path("a/b/outdir/o.txt"), None, &none, None).unwrap_err(),
            Refusal::Link {
                upto: link.len(),
                familiar: false
            }
        );
        // Dangling: refused even where links are allowed.
        let all = |_: &[u8]| opt::SYM_LINKS;
        assert!(matches!(
            checked(&t.path("a/b/dangling"), None, &all, None),
            Err(Refusal::Link { .. })
        ));
        // Missing and path info: the walk stops where httpd's does.
        let r = checked(&t.path("a/b/nothere/x"), None, &none, None).unwrap();
        assert_eq!(r.cut, t.path("a/b/nothere").len());
        assert_eq!(r.file.unwrap_err().raw_os_error(), Some(libc::ENOENT));
        let r = checked(&t.path("a/b/f.txt/x"), None, &none, None).unwrap();
        assert_eq!(r.cut, t.path("a/b/f.txt").len());
        assert_eq!(r.file.unwrap_err().raw_os_error(), Some(libc::ENOTDIR));
        // A directory: a handle and its status.
        let r = checked(&t.path("a/b/"), None, &none, None).unwrap();
        assert!(r.stat.unwrap().dir && r.file.is_ok());
        // The shortcut of a sub-request in the same directory: a link to
        // a file passes when the directory has FollowSymLinks, and is
        // refused as AH00032 when it has neither option.
        assert!(checked(&t.path("a/b/l.txt"), None, &none, Some(opt::SYM_LINKS)).is_ok());
        assert_eq!(
            checked(&t.path("a/b/l.txt"), None, &all, Some(0)).unwrap_err(),
            Refusal::Link {
                upto: t.path("a/b/l.txt").len(),
                familiar: true
            }
        );
    }

    #[test]
    fn owner_match_compares_link_and_target() {
        // SAFETY: geteuid has no preconditions.
        if unsafe { libc::geteuid() } != 0 {
            // lchown to another user needs root (the suite runs as root).
            return;
        }
        let t = Tree::new();
        let owner = |_: &[u8]| opt::SYM_OWNER;
        assert!(checked(&t.path("a/b/l.txt"), None, &owner, None).is_ok());
        std::os::unix::fs::lchown(t.0.join("a/b/l.txt"), Some(65534), None).unwrap();
        assert!(matches!(
            checked(&t.path("a/b/l.txt"), None, &owner, None),
            Err(Refusal::Link { .. })
        ));
        // With FollowSymLinks too, the owner check still applies.
        let both = |_: &[u8]| opt::SYM_OWNER | opt::SYM_LINKS;
        assert!(checked(&t.path("a/b/l.txt"), None, &both, None).is_err());
        std::os::unix::fs::lchown(t.0.join("a/b/f.txt"), Some(65534), None).unwrap();
        assert!(checked(&t.path("a/b/l.txt"), None, &owner, None).is_ok());
    }

    #[test]
    fn free_walk_cuts_and_refuses_dangling_links() {
        let t = Tree::new();
        let root = t.path("a").len();
        assert_eq!(
            free(&t.path("a/b/nothere/x"), root),
            Ok(t.path("a/b/nothere").len())
        );
        assert_eq!(
            free(&t.path("a/b/l.txt/x"), root),
            Ok(t.path("a/b/l.txt").len())
        );
        assert_eq!(
            free(&t.path("a/b/dangling/x"), root),
            Err(Refusal::Link {
                upto: t.path("a/b/dangling").len(),
                familiar: false
            })
        );
    }

    #[test]
    fn beneath_keeps_links_inside_the_root() {
        let t = Tree::new();
        let a = t.path("a");
        assert_eq!(read(beneath(&a, b"/b/l.txt").unwrap()), "f");
        assert!(matches!(
            beneath(&a, b"/b/outdir/o.txt"),
            Err(Refusal::Link { .. })
        ));
        assert_eq!(
            beneath(&a, b"/b/dangling")
                .unwrap()
                .file
                .unwrap_err()
                .raw_os_error(),
            Some(libc::ENOENT)
        );
    }
}
