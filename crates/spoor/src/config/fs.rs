//! How the configuration reader reaches files: a small file-system trait
//! ([`ConfigFs`]) with the real implementation ([`RealFs`]) and an
//! in-memory one ([`MemFs`], for tests and the fuzz target).
//!
//! Reading a configuration file never blocks on what it names and never
//! reads more than it was allowed to: [`RealFs`] opens with `O_NONBLOCK`,
//! checks the type of what it opened (`fstat` on the descriptor, so a name
//! swapped between a check and the open cannot slip through), refuses
//! anything but a regular file (httpd's AH00554; `/dev/null` is allowed,
//! as httpd allows it) and stops reading one byte past the limit.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::{File, OpenOptions};
use std::io::{self, Read};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// The largest configuration file spoor reads, in bytes (twice the
/// longest line httpd accepts, so that line still fits).
pub const MAX_FILE_LEN: u64 = 32 * 1024 * 1024;

/// What a path names, following symbolic links.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A regular file.
    File,
    /// A directory.
    Dir,
    /// Anything else: a FIFO, a socket, a device.
    Other,
}

/// Why a configuration file could not be read.
#[derive(Debug)]
pub enum ReadError {
    /// It could not be opened or read (the system's error).
    Io(io::Error),
    /// It is not a regular file (nor `/dev/null`): httpd refuses these
    /// with AH00554, spoor too, before reading a byte.
    NotRegular,
    /// It holds more bytes than the limit the reader passed.
    TooLarge,
}

/// The file-system operations the configuration reader needs.
pub trait ConfigFs {
    /// What `path` names (symbolic links followed).
    fn kind(&self, path: &Path) -> io::Result<Kind>;

    /// The names in the directory `path`, without `.` and `..`, in no
    /// particular order; at most `max + 1` of them (the caller refuses a
    /// directory with more than `max`).
    fn list_dir(&self, path: &Path, max: usize) -> io::Result<Vec<String>>;

    /// The bytes of the configuration file `path`, refused unless it is a
    /// regular file or `/dev/null` and holds at most `max` bytes.
    fn read(&self, path: &Path, max: u64) -> Result<Vec<u8>, ReadError>;
}

/// The process's file system.
#[derive(Debug, Clone, Copy, Default)]
pub struct RealFs;

impl ConfigFs for RealFs {
    fn kind(&self, path: &Path) -> io::Result<Kind> {
        let m = std::fs::metadata(path)?;
        Ok(if m.is_dir() {
            Kind::Dir
        } else if m.is_file() {
            Kind::File
        } else {
            Kind::Other
        })
    }

    fn list_dir(&self, path: &Path, max: usize) -> io::Result<Vec<String>> {
        let mut names = Vec::new();
        for e in std::fs::read_dir(path)? {
            names.push(e?.file_name().to_string_lossy().into_owned());
            if names.len() > max {
                break;
            }
        }
        Ok(names)
    }

    fn read(&self, path: &Path, max: u64) -> Result<Vec<u8>, ReadError> {
        let f = open_nonblocking(path).map_err(ReadError::Io)?;
        let m = f.metadata().map_err(ReadError::Io)?;
        if !m.is_file() {
            if path != Path::new("/dev/null") {
                return Err(ReadError::NotRegular);
            }
            return Ok(Vec::new());
        }
        if m.len() > max {
            return Err(ReadError::TooLarge);
        }
        // The file may grow between the fstat and the read: read at most
        // one byte past the limit to notice.
        let mut bytes = Vec::with_capacity(m.len() as usize);
        f.take(max + 1)
            .read_to_end(&mut bytes)
            .map_err(ReadError::Io)?;
        if bytes.len() as u64 > max {
            return Err(ReadError::TooLarge);
        }
        Ok(bytes)
    }
}

/// Opens `path` for reading without blocking: a FIFO without a writer or
/// a device that would wait opens at once (and is then refused by the
/// type check); `O_NOCTTY` keeps a terminal from becoming the process's
/// controlling terminal.
fn open_nonblocking(path: &Path) -> io::Result<File> {
    OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
}

/// Reads one configuration-like file (the main file, an `Include`d one, a
/// `TypesConfig` file…) from the real file system with the same rules as
/// the reader: regular files only, never blocking, at most `max` bytes.
pub fn read_config_file(path: &Path, max: u64) -> Result<Vec<u8>, ReadError> {
    RealFs.read(path, max)
}

/// An in-memory file system: regular files with their bytes, directories
/// (every parent of a file is one) and special files (which read like a
/// FIFO or a device does: refused as not regular).
#[derive(Debug, Clone, Default)]
pub struct MemFs {
    files: BTreeMap<PathBuf, Vec<u8>>,
    dirs: BTreeSet<PathBuf>,
    special: BTreeSet<PathBuf>,
}

impl MemFs {
    /// An empty file system (only `/` exists).
    pub fn new() -> MemFs {
        let mut fs = MemFs::default();
        fs.dirs.insert(PathBuf::from("/"));
        fs
    }

    fn add_parents(&mut self, path: &Path) {
        let mut p = path.parent();
        while let Some(d) = p {
            if d.as_os_str().is_empty() {
                break;
            }
            self.dirs.insert(d.to_path_buf());
            p = d.parent();
        }
    }

    /// Adds (or replaces) a regular file and its parent directories.
    pub fn add_file(&mut self, path: impl Into<PathBuf>, bytes: impl Into<Vec<u8>>) {
        let path = path.into();
        self.add_parents(&path);
        self.files.insert(path, bytes.into());
    }

    /// Adds an empty directory and its parents.
    pub fn add_dir(&mut self, path: impl Into<PathBuf>) {
        let path = path.into();
        self.add_parents(&path);
        self.dirs.insert(path);
    }

    /// Adds a special file (a FIFO, a device) and its parents.
    pub fn add_special(&mut self, path: impl Into<PathBuf>) {
        let path = path.into();
        self.add_parents(&path);
        self.special.insert(path);
    }
}

fn not_found() -> io::Error {
    io::Error::from_raw_os_error(libc::ENOENT)
}

impl ConfigFs for MemFs {
    fn kind(&self, path: &Path) -> io::Result<Kind> {
        if self.files.contains_key(path) {
            Ok(Kind::File)
        } else if self.dirs.contains(path) {
            Ok(Kind::Dir)
        } else if self.special.contains(path) {
            Ok(Kind::Other)
        } else {
            Err(not_found())
        }
    }

    fn list_dir(&self, path: &Path, max: usize) -> io::Result<Vec<String>> {
        match self.kind(path)? {
            Kind::Dir => {}
            _ => return Err(io::Error::from_raw_os_error(libc::ENOTDIR)),
        }
        let children = self
            .files
            .keys()
            .chain(self.dirs.iter())
            .chain(self.special.iter())
            .filter(|p| p.parent() == Some(path) && p.as_path() != path)
            .filter_map(|p| p.file_name())
            .map(|n| n.to_string_lossy().into_owned());
        Ok(children.take(max.saturating_add(1)).collect())
    }

    fn read(&self, path: &Path, max: u64) -> Result<Vec<u8>, ReadError> {
        match self.kind(path).map_err(ReadError::Io)? {
            Kind::File => {
                let bytes = &self.files[path];
                if bytes.len() as u64 > max {
                    return Err(ReadError::TooLarge);
                }
                Ok(bytes.clone())
            }
            Kind::Dir => Err(ReadError::Io(io::Error::from_raw_os_error(libc::EISDIR))),
            Kind::Other if path == Path::new("/dev/null") => Ok(Vec::new()),
            Kind::Other => Err(ReadError::NotRegular),
        }
    }
}
