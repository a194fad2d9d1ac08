//! mod_negotiation's per-directory record and its merge.

use crate::merge::Merge;

/// mod_negotiation's settings for a scope.
#[derive(Clone, Debug, Default)]
pub struct NegDir {
    /// `LanguagePriority` (`None` where unset: the enclosing scope's).
    pub priority: Option<Vec<String>>,
    /// `ForceLanguagePriority` bits (0 where unset; unset in force means
    /// `Prefer`).
    pub force: u8,
    /// `CacheNegotiatedDocs On` in the server (a server-level flag kept
    /// here so that virtual hosts and sections inherit it).
    pub cache: bool,
}

impl Merge for NegDir {
    fn merge(base: &Self, add: &Self) -> Self {
        NegDir {
            priority: add.priority.clone().or_else(|| base.priority.clone()),
            force: if add.force != 0 {
                add.force
            } else {
                base.force
            },
            cache: add.cache || base.cache,
        }
    }
}
