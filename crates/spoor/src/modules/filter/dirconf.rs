//! mod_filter's per-directory record and its merge.

use crate::merge::Merge;

/// The output filters spoor has, by the name configurations use (any
/// case).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Provider {
    /// mod_deflate's `DEFLATE`.
    Deflate,
}

/// One `BYTYPE:` filter: a provider and the content types it runs for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ByType {
    /// The filter that runs.
    pub provider: Provider,
    /// The types (compared with the response's type up to `;` or a
    /// blank, case-sensitively, as httpd does).
    pub types: Vec<String>,
}

/// mod_filter's per-directory settings.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FilterDir {
    /// The filters declared in this scope or inherited, by name: a
    /// scope's declaration of a name replaces the inherited one (httpd's
    /// hash overlay).
    pub declared: Vec<ByType>,
    /// The filter chain, in order: the names of `declared` entries
    /// (inherited chains first, as httpd's merge appends).
    pub chain: Vec<Provider>,
}

impl Merge for FilterDir {
    fn merge(base: &Self, add: &Self) -> Self {
        let mut declared = base.declared.clone();
        for d in &add.declared {
            match declared.iter_mut().find(|b| b.provider == d.provider) {
                Some(b) => *b = d.clone(),
                None => declared.push(d.clone()),
            }
        }
        let mut chain = base.chain.clone();
        chain.extend_from_slice(&add.chain);
        FilterDir { declared, chain }
    }
}

impl FilterDir {
    /// Whether the filter `p` runs for a response of type `ct` (its
    /// value up to `;` or a blank).
    pub fn matches(&self, p: Provider, ct: &[u8]) -> bool {
        let end = ct
            .iter()
            .position(|&b| b == b';' || b == b' ' || b == b'\t')
            .unwrap_or(ct.len());
        let ct = &ct[..end];
        self.declared
            .iter()
            .filter(|d| d.provider == p)
            .any(|d| d.types.iter().any(|t| t.as_bytes() == ct))
    }
}
