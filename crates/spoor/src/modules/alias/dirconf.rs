//! mod_alias's per-directory record: the `Redirect*` lines of sections.

use super::settings::Entry;
use crate::merge::Merge;

/// The redirects of a section, in configuration order.
#[derive(Clone, Debug, Default)]
pub struct AliasDir {
    /// `Redirect`, `RedirectMatch`, `RedirectPermanent`, `RedirectTemp`.
    pub redirects: Vec<Entry>,
}

impl Merge for AliasDir {
    /// The enclosed scope's lines first, then the enclosing one's, as
    /// httpd appends them.
    fn merge(base: &Self, add: &Self) -> Self {
        if add.redirects.is_empty() {
            return base.clone();
        }
        AliasDir {
            redirects: add
                .redirects
                .iter()
                .chain(&base.redirects)
                .cloned()
                .collect(),
        }
    }
}
