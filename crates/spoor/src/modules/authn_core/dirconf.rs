//! mod_authn_core's per-directory record.

use crate::merge::Merge;

/// `AuthType` and `AuthName` of a scope. `Default`: neither set here.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuthnDir {
    /// `AuthType`: `Some(true)` Basic, `Some(false)` None (switched off
    /// in this scope), `None` not set.
    pub basic: Option<bool>,
    /// `AuthType` as written (for messages).
    pub type_name: Option<String>,
    /// `AuthName`, the realm.
    pub name: Option<String>,
}

impl AuthnDir {
    /// Whether an `AuthType` (Basic) is in force.
    pub fn has_type(&self) -> bool {
        self.basic == Some(true)
    }
}

impl Merge for AuthnDir {
    /// httpd's merge: each value from the added scope when it sets it.
    fn merge(base: &Self, add: &Self) -> Self {
        AuthnDir {
            basic: add.basic.or(base.basic),
            type_name: match add.basic {
                Some(_) => add.type_name.clone(),
                None => base.type_name.clone(),
            },
            name: add.name.clone().or_else(|| base.name.clone()),
        }
    }
}
