//! The open-file cache: a worker thread keeps the descriptor and status of
//! a file it served for a very short time, so a file requested again and
//! again is not looked up, opened and closed on every request (three
//! system calls of the eight a small keep-alive request costs without
//! it).
//!
//! What it may not change is what a client gets: Apache looks the file up
//! anew for every request. So an entry is used only for [`VALID`] after
//! the file's status was read; a file changed, replaced, removed or made
//! unreadable is never served as it was for longer than that after the
//! change (a request arriving as the change happens may get either
//! version with Apache too). Within the bound the cached descriptor and
//! status belong together: an entry is made only from a descriptor whose
//! own status (`fstat`) is the one the request used.
//!
//! What the cache replaces is the directory walk's look at the file
//! system and the handler's open, nothing else: access control, sections
//! and everything else run for every request as before. With `Options
//! FollowSymLinks` everywhere (httpd's default) the walk is one status
//! call; where links are checked it is a descriptor walk of the whole
//! path, whose verdict under one configuration's sections is kept under
//! that configuration's tag ([`crate::perdir::Sections::generation`]) and
//! never applies to another's. Only the walk of a request's own URI is
//! kept (not an internal redirect's, which may take a shortcut).
//!
//! A small file's bytes (up to [`DATA_MAX`]) are kept with its
//! descriptor, read once when the entry is made, so a hit is answered
//! without reading the file again; the same bound holds for them (a file
//! rewritten in place is served as it was for at most [`VALID`]).
//!
//! Bounds: at most [`ENTRIES`] descriptors per worker thread, each closed
//! once expired, by the next lookup on that thread or at the latest by the
//! thread's sweeper ([`sweep`], once a second), which must run for the
//! cache to be used at all on a thread (so an idle thread does not hold a
//! deleted file's descriptor, and its disk space, for long). A file is
//! only kept after it was asked for twice within [`VALID`]: a server under
//! light load makes no system call for the cache (the `fstat` that checks
//! a new entry).

use std::cell::RefCell;
use std::hash::{BuildHasher, Hasher};
use std::os::unix::fs::MetadataExt;
use std::sync::Arc;
use std::time::Duration;

/// How long an entry is used after its file's status was read.
pub const VALID: Duration = Duration::from_millis(1);

/// [`VALID`] in µs. Times are the requests' arrival times (µs since the
/// epoch, which every request has already read): an entry is fresh for
/// a request that arrived less than this after the request whose walk
/// read the status. A clock set back or forward makes every entry stale
/// (a negative age is never fresh), never fresher.
const VALID_US: i64 = VALID.as_micros() as i64;

/// Whether what was read at `born` may serve a request of `now`.
fn fresh(now: i64, born: i64) -> bool {
    now.checked_sub(born)
        .is_some_and(|d| (0..VALID_US).contains(&d))
}

/// The wall clock in µs since the epoch.
fn now_us() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as i64)
}

/// Descriptors kept per worker thread at most.
pub const ENTRIES: usize = 32;

/// The largest file whose bytes are kept with its descriptor (so a
/// worker keeps at most [`ENTRIES`] times this many bytes).
pub const DATA_MAX: u64 = 16 * 1024;

/// A file the cache keeps: its descriptor and, for a small file, its
/// bytes as they were when the entry was made.
#[derive(Debug)]
pub struct Kept {
    file: std::fs::File,
    data: Option<Box<[u8]>>,
}

impl Kept {
    /// The descriptor.
    pub fn file(&self) -> &std::fs::File {
        &self.file
    }

    /// The whole file's bytes, when small enough to be kept.
    pub fn data(&self) -> Option<&[u8]> {
        self.data.as_deref()
    }
}

/// Recent misses remembered, to tell a file asked for again.
const MISSES: usize = 16;

/// How often the sweeper closes expired entries.
const SWEEP: Duration = Duration::from_secs(1);

struct Entry {
    /// 0: a walk without link checks (the same under any configuration);
    /// else the sections' generation the walk checked links under.
    tag: u64,
    path: Box<[u8]>,
    file: Arc<Kept>,
    stat: FileStat,
    /// The arrival time (µs) of the request that read the status.
    born: i64,
}

#[derive(Default)]
struct Cache {
    /// A sweeper runs on this thread: the cache may be used.
    swept: bool,
    entries: Vec<Entry>,
    /// Hashes of recently missed paths, with when.
    misses: [(u64, Option<i64>); MISSES],
    next_miss: usize,
}

thread_local! {
    static CACHE: RefCell<Cache> = RefCell::default();
}

/// What the handler needs of a file's status (a `Metadata` is five times
/// the size, and the connection keeps this while a request is served).
#[derive(Clone, Copy, Debug)]
pub struct FileStat {
    /// Size in bytes.
    pub len: u64,
    /// Modification time in µs.
    pub mtime_us: i64,
    /// A directory.
    pub dir: bool,
    /// A regular file.
    pub file: bool,
}

impl FileStat {
    /// The parts of `m` kept.
    pub fn of(m: &std::fs::Metadata) -> FileStat {
        FileStat {
            len: m.len(),
            mtime_us: m.mtime() * 1_000_000 + m.mtime_nsec() / 1000,
            dir: m.is_dir(),
            file: m.is_file(),
        }
    }
}

/// The keyed hash of a path (keys fixed per process: the table is small
/// and only says whether a path was asked for a moment ago).
fn hash(tag: u64, path: &[u8]) -> u64 {
    static KEYS: std::sync::OnceLock<std::hash::RandomState> = std::sync::OnceLock::new();
    let mut h = KEYS.get_or_init(std::hash::RandomState::new).build_hasher();
    h.write_u64(tag);
    h.write(path);
    h.finish()
}

/// A fresh entry for `path` walked under `tag` on this thread: the
/// descriptor and the status it had, read at most [`VALID`] ago.
pub(crate) fn get(tag: u64, path: &[u8], now: i64) -> Option<(Arc<Kept>, FileStat)> {
    CACHE.with_borrow_mut(|c| {
        if !c.swept || c.entries.is_empty() {
            return None;
        }
        let i = c
            .entries
            .iter()
            .position(|e| e.tag == tag && *e.path == *path)?;
        if fresh(now, c.entries[i].born) {
            let e = &c.entries[i];
            return Some((e.file.clone(), e.stat));
        }
        c.entries.swap_remove(i);
        None
    })
}

/// After a miss (`get` found nothing at `now`): whether `path` (under
/// `tag`) was missed within [`VALID`] before, so that keeping it is worth
/// a status call.
pub(crate) fn wanted(tag: u64, path: &[u8], now: i64) -> bool {
    CACHE.with_borrow_mut(|c| {
        if !c.swept {
            return false;
        }
        let h = hash(tag, path);
        let recent = c
            .misses
            .iter()
            .any(|&(x, t)| x == h && t.is_some_and(|t| fresh(now, t)));
        if !recent {
            let n = c.next_miss;
            c.misses[n] = (h, Some(now));
            c.next_miss = (n + 1) % MISSES;
        }
        recent
    })
}

/// Keeps `file`, opened at `path` (walked under `tag`) whose status the
/// request read at `born` as `stat`, and returns it as kept; or gives it
/// back when it is not kept. `id`: the device and inode a status call by
/// name found, when the descriptor was opened apart from it; the file is
/// kept only if the descriptor's own status is that one (otherwise the
/// file changed in between). None: `stat` is the descriptor's own (a
/// checked walk's).
pub(crate) fn put(
    tag: u64,
    path: &[u8],
    file: std::fs::File,
    stat: FileStat,
    id: Option<(u64, u64)>,
    born: i64,
) -> Result<Arc<Kept>, std::fs::File> {
    if !stat.file || !CACHE.with_borrow(|c| c.swept) {
        return Err(file);
    }
    if let Some(id) = id {
        let Ok(m) = file.metadata() else {
            return Err(file);
        };
        let own = FileStat::of(&m);
        if (m.dev(), m.ino()) != id || own.len != stat.len || own.mtime_us != stat.mtime_us {
            return Err(file);
        }
    }
    let data = (stat.len <= DATA_MAX)
        .then(|| {
            use std::os::unix::fs::FileExt;
            let mut v = vec![0; stat.len as usize];
            // One byte more would show a file grown since its status.
            let mut extra = [0u8; 1];
            (file.read_exact_at(&mut v, 0).is_ok()
                && file.read_at(&mut extra, stat.len).ok() == Some(0))
            .then(|| v.into_boxed_slice())
        })
        .flatten();
    let kept = Arc::new(Kept { file, data });
    CACHE.with_borrow_mut(|c| {
        c.entries
            .retain(|e| fresh(born, e.born) && (e.tag != tag || *e.path != *path));
        if c.entries.len() >= ENTRIES {
            // The oldest goes.
            if let Some(i) = (0..c.entries.len()).min_by_key(|&i| c.entries[i].born) {
                c.entries.swap_remove(i);
            }
        }
        c.entries.push(Entry {
            tag,
            path: path.into(),
            file: kept.clone(),
            stat,
            born,
        });
    });
    Ok(kept)
}

/// Closes this thread's expired entries.
fn purge(now: i64) {
    CACHE.with_borrow_mut(|c| {
        c.entries.retain(|e| fresh(now, e.born));
    })
}

/// The descriptors this thread keeps now.
pub fn kept() -> usize {
    CACHE.with_borrow(|c| c.entries.len())
}

/// The sweeper of the thread it runs on (a single-threaded runtime's
/// task): enables the cache on this thread and closes expired entries
/// once a second, until dropped (which disables the cache again).
pub async fn sweep() {
    struct Off;
    impl Drop for Off {
        fn drop(&mut self) {
            let _ = CACHE.try_with(|c| {
                if let Ok(mut c) = c.try_borrow_mut() {
                    c.swept = false;
                    c.entries.clear();
                }
            });
        }
    }
    CACHE.with_borrow_mut(|c| c.swept = true);
    let _off = Off;
    loop {
        tokio::time::sleep(SWEEP).await;
        purge(now_us());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn on() {
        CACHE.with_borrow_mut(|c| {
            *c = Cache {
                swept: true,
                ..Cache::default()
            }
        });
    }

    fn temp(name: &str, body: &[u8]) -> std::path::PathBuf {
        let p = std::env::temp_dir().join(format!("spoor-fc-{}-{name}", std::process::id()));
        std::fs::write(&p, body).unwrap();
        p
    }

    fn stat_of(p: &std::path::Path) -> (FileStat, (u64, u64)) {
        let m = std::fs::metadata(p).unwrap();
        (FileStat::of(&m), (m.dev(), m.ino()))
    }

    #[test]
    fn an_entry_is_kept_after_a_second_miss_and_used_only_while_fresh() {
        on();
        let p = temp("a", b"hello");
        let key = p.as_os_str().as_encoded_bytes();
        let t0 = now_us();
        assert!(get(0, key, t0).is_none());
        assert!(!wanted(0, key, t0), "a first miss keeps nothing");
        assert!(!wanted(7, key, t0), "nor one under another tag");
        assert!(
            wanted(0, key, t0 + VALID_US / 2),
            "a second one soon after does"
        );
        let (st, id) = stat_of(&p);
        let f = put(0, key, std::fs::File::open(&p).unwrap(), st, Some(id), t0).unwrap();
        assert_eq!(
            f.data(),
            Some(&b"hello"[..]),
            "a small file's bytes are kept"
        );
        assert_eq!(kept(), 1);
        assert!(get(7, key, t0).is_none(), "another configuration's walk");
        let (g, s) = get(0, key, t0 + VALID_US / 2).expect("fresh");
        assert!(Arc::ptr_eq(&g, &f));
        let big = temp("big", &vec![b'x'; DATA_MAX as usize + 1]);
        let (bst, bid) = stat_of(&big);
        let b = put(
            0,
            b"big",
            std::fs::File::open(&big).unwrap(),
            bst,
            Some(bid),
            t0,
        )
        .unwrap();
        assert!(b.data().is_none(), "a larger file's bytes are not kept");
        let _ = std::fs::remove_file(big);
        assert_eq!(s.len, 5);
        assert!(get(0, key, t0 + VALID_US).is_none(), "expired at the bound");
        assert_eq!(kept(), 1, "an expired entry is closed when found");
        assert!(
            !wanted(0, key, t0 + VALID_US * 10),
            "old misses are forgotten"
        );
        let _ = std::fs::remove_file(p);
    }

    #[test]
    fn a_clock_set_back_or_forward_makes_entries_stale() {
        assert!(fresh(1_000, 1_000) && fresh(1_999, 1_000));
        assert!(!fresh(2_000, 1_000), "the bound");
        assert!(!fresh(999, 1_000), "set back");
        assert!(!fresh(i64::MIN, i64::MAX) && !fresh(i64::MAX, i64::MIN));
    }

    #[test]
    fn a_descriptor_whose_status_is_not_the_request_s_is_not_kept() {
        on();
        let p = temp("b", b"one");
        let key = p.as_os_str().as_encoded_bytes();
        let (st, id) = stat_of(&p);
        // Replaced between the status call and the open.
        let q = temp("b2", b"other, longer");
        std::fs::rename(&q, &p).unwrap();
        let f = std::fs::File::open(&p).unwrap();
        assert!(put(0, key, f, st, Some(id), now_us()).is_err());
        assert_eq!(kept(), 0);
        let _ = std::fs::remove_file(p);
    }

    #[test]
    fn without_a_sweeper_nothing_is_kept_and_the_table_is_bounded() {
        CACHE.with_borrow_mut(|c| *c = Cache::default());
        let p = temp("c", b"x");
        let key = p.as_os_str().as_encoded_bytes();
        let (st, id) = stat_of(&p);
        let open = || std::fs::File::open(&p).unwrap();
        let now = now_us();
        assert!(!wanted(0, key, now) && !wanted(0, key, now));
        assert!(put(0, key, open(), st, Some(id), now).is_err());
        assert_eq!(kept(), 0);
        on();
        for i in 0..ENTRIES + 5 {
            let k = format!("{}#{i}", p.display());
            assert!(put(3, k.as_bytes(), open(), st, None, now).is_ok());
        }
        assert_eq!(kept(), ENTRIES);
        purge(now + VALID_US);
        assert_eq!(kept(), 0);
        let _ = std::fs::remove_file(p);
    }
}
