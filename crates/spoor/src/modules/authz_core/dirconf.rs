//! mod_authz_core's per-directory record and its merge.

use crate::merge::Merge;

/// mod_authz_core's per-directory settings: `Require all granted|denied`
/// lines (an implicit `<RequireAny>`), with `AuthMerging Off`: a scope
/// with its own `Require` lines replaces its parent's.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AuthzDir {
    /// `None`: no `Require` here; `Some(true)`: some line grants.
    pub granted: Option<bool>,
}

impl Merge for AuthzDir {
    fn merge(base: &Self, add: &Self) -> Self {
        AuthzDir {
            granted: add.granted.or(base.granted),
        }
    }
}

impl AuthzDir {
    /// Whether the request is refused (403).
    pub fn denied(&self) -> bool {
        self.granted == Some(false)
    }
}
