//! mod_dir's per-directory record and its merge.

use crate::merge::Merge;

/// mod_dir's per-directory settings.
#[derive(Clone, Debug, Default)]
pub struct DirIndex {
    /// `DirectoryIndex`: `None` unset (httpd's default `index.html`), an
    /// empty list for `disabled`.
    pub names: Option<Vec<String>>,
}

impl Merge for DirIndex {
    fn merge(base: &Self, add: &Self) -> Self {
        DirIndex {
            names: add.names.clone().or_else(|| base.names.clone()),
        }
    }
}

impl DirIndex {
    /// The index names in force.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        let default: &[String] = &[];
        let list = self.names.as_deref().unwrap_or(default);
        let fallback = self.names.is_none().then_some("index.html");
        fallback.into_iter().chain(list.iter().map(String::as_str))
    }
}
