//! Helpers shared by the behaviour tests (each test file is its own crate
//! and uses only some of them).
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

/// A scratch directory under the system temp dir, removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    /// A fresh `spoor-<tag>-<pid>-<n>-<nanos>` directory holding `dirs`
    /// and `files` (path relative to it, contents).
    pub fn create(tag: &str, dirs: &[&str], files: &[(&str, &str)]) -> TempDir {
        static N: AtomicU32 = AtomicU32::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos();
        let p = std::env::temp_dir().join(format!(
            "spoor-{tag}-{}-{}-{nanos}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        for d in dirs {
            std::fs::create_dir_all(p.join(d)).unwrap();
        }
        let dir = TempDir(p);
        for (rel, text) in files {
            dir.write(rel, text);
        }
        dir
    }

    /// Writes `text` to `rel` inside the directory, making its parents.
    pub fn write(&self, rel: &str, text: &str) {
        let p = self.0.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
