//! mod_authn_file's per-directory record, apart from its parser so that
//! `perdir` holds it without importing the configuration model.

use std::path::PathBuf;
use std::sync::Arc;

use crate::merge::Merge;

/// mod_authn_file's per-directory record: `AuthUserFile` (httpd has no
/// merge for it: a scope that sets it replaces its parent's, one that
/// does not inherits). `Default`: not set here.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuthnFileDir {
    /// The file, made absolute from the ServerRoot.
    pub file: Option<Arc<PathBuf>>,
}

impl Merge for AuthnFileDir {
    fn merge(base: &Self, add: &Self) -> Self {
        AuthnFileDir {
            file: add.file.clone().or_else(|| base.file.clone()),
        }
    }
}
