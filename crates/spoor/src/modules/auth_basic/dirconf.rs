//! mod_auth_basic's per-directory record.

use crate::merge::Merge;

/// `AuthBasicProvider` and `AuthBasicAuthoritative` of a scope.
/// `Default`: neither set here.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BasicDir {
    /// `AuthBasicProvider` was given (its only provider spoor has is
    /// `file`, also the default).
    pub providers: Option<Vec<Provider>>,
    /// `AuthBasicAuthoritative` (default on).
    pub authoritative: Option<bool>,
}

/// An authentication provider.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Provider {
    /// `file` (mod_authn_file, `AuthUserFile`).
    File,
}

impl BasicDir {
    /// Whether a user a provider does not know (or an error) is final.
    pub fn authoritative(&self) -> bool {
        self.authoritative.unwrap_or(true)
    }
}

impl Merge for BasicDir {
    /// httpd's merge: each value from the added scope when it sets it.
    fn merge(base: &Self, add: &Self) -> Self {
        BasicDir {
            providers: add.providers.clone().or_else(|| base.providers.clone()),
            authoritative: add.authoritative.or(base.authoritative),
        }
    }
}
