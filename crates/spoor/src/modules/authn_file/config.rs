//! The directive of mod_authn_file.c, as `spoor -L` lists it.

use std::path::PathBuf;
use std::sync::Arc;

use crate::config::model::nargs;
use crate::config::{Cmd, ConfigError};
use crate::merge::Merge;
use crate::modules::authz_core::config::inside_only;
use crate::modules::{Context, DirectiveDef, Parse};

/// The directives of `mod_authn_file.c`.
pub const DIRECTIVES: &[DirectiveDef] = &[DirectiveDef {
    name: "AuthUserFile",
    context: Context::Inside,
    parse: Parse::Fn(user_file),
    about: "The password file (htpasswd's format), relative to the ServerRoot",
}];

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

/// `AuthUserFile path`.
fn user_file(cmd: &mut Cmd) -> Result<(), ConfigError> {
    inside_only(cmd, "AuthUserFile")?;
    nargs(cmd.d, 1, 1, "text file containing user IDs and passwords")?;
    let p = cmd.settings.root_relative(&cmd.d.args[0]);
    cmd.srv.dir.authn_file.file = Some(Arc::new(p));
    Ok(())
}
