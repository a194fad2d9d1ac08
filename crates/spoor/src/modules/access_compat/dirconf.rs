//! mod_access_compat's per-directory record.

use std::sync::Arc;

use crate::merge::Merge;
use crate::modules::authz_host::ip::Subnet;
use crate::modules::core::methods::MethodSet;

/// `Order`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Order {
    /// `Deny,Allow` (the default): refused when a `Deny` matches, unless
    /// an `Allow` matches too.
    #[default]
    DenyAllow,
    /// `Allow,Deny`: allowed only when an `Allow` matches and no `Deny`.
    AllowDeny,
    /// `Mutual-failure`: the same as `Allow,Deny`.
    MutualFailure,
}

/// `Satisfy`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Satisfy {
    /// Not set: as `All`.
    #[default]
    NoSpec,
    /// Both the host check and `Require` must pass.
    All,
    /// Either is enough.
    Any,
}

/// One word of an `Allow from` / `Deny from` line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rule {
    /// `all`.
    All,
    /// `env=VAR`: the variable is set.
    Env(String),
    /// `env=!VAR`: the variable is not set.
    NotEnv(String),
    /// An address, partial address or range.
    Ip(Subnet),
    /// A host name or domain: the client's forward-confirmed name ends
    /// in it.
    Host(String),
}

/// The module's settings of one scope; each value with the methods it
/// applies to (`<Limit>`; all outside one).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AccessConf {
    /// `Order` lines, in order (a later one wins for its methods).
    pub order: Vec<(MethodSet, Order)>,
    /// `Allow from` words, in order.
    pub allow: Vec<(MethodSet, Rule)>,
    /// `Deny from` words, in order.
    pub deny: Vec<(MethodSet, Rule)>,
    /// `Satisfy` lines, in order (a later one wins for its methods).
    pub satisfy: Vec<(MethodSet, Satisfy)>,
}

impl AccessConf {
    /// The `Order` for request method `m`.
    pub fn order_for(&self, m: &[u8]) -> Order {
        let o = self.order.iter().rev().find(|(s, _)| s.contains(m));
        o.map(|(_, o)| *o).unwrap_or_default()
    }

    /// The `Satisfy` for request method `m`.
    pub fn satisfy_for(&self, m: &[u8]) -> Satisfy {
        let o = self.satisfy.iter().rev().find(|(s, _)| s.contains(m));
        o.map(|(_, o)| *o).unwrap_or_default()
    }
}

/// mod_access_compat's per-directory record: `None` where none of its
/// directives is used. httpd gives the module no merge function, so a
/// scope using any of them replaces its parent's settings whole.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AccessDir {
    /// The settings in force (`None`: the defaults, which allow).
    pub conf: Option<Arc<AccessConf>>,
}

impl Merge for AccessDir {
    fn merge(base: &Self, add: &Self) -> Self {
        AccessDir {
            conf: add.conf.clone().or_else(|| base.conf.clone()),
        }
    }
}

impl AccessDir {
    /// The scope's settings, to change while reading a directive.
    pub fn conf_mut(&mut self) -> &mut AccessConf {
        Arc::make_mut(self.conf.get_or_insert_with(Default::default))
    }
}
