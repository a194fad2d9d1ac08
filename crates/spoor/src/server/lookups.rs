//! The connection's name lookups: `HostnameLookups` (the client's name
//! for `%h`, `%{c}h` and `SetEnvIf Remote_Host`) and `UseCanonicalName
//! DNS` (the local address's name for `%V` and self-referential URLs).
//!
//! As httpd keeps them in its `conn_rec`, both answers are asked for at
//! most once per connection, when something needs them under a
//! configuration that allows the lookup, and then serve every later
//! request of the connection whatever its configuration says (httpd's
//! `ap_get_remote_host` returns a name already found even where
//! `HostnameLookups` is off). The lookups themselves go through
//! [`crate::dns`] (blocking pool, cache).

use std::sync::Arc;

use super::Connection;
use crate::config::{CanonicalName, HostnameLookups};
use crate::perdir::PerDir;

/// The client's name, as far as the connection knows it.
#[derive(Clone, Debug, Default)]
pub(super) enum RemoteHost {
    /// Not asked yet.
    #[default]
    Unknown,
    /// Asked: no name (or one that failed the double-reverse check);
    /// the address stands for it.
    Unnamed,
    /// Asked: this name (lower case).
    Name(Arc<str>),
}

/// What `SetEnvIf Remote_Host` sees: the name, else the address.
pub(super) fn remote_value<'a>(host: &'a RemoteHost, ip: &'a str) -> &'a [u8] {
    match host {
        RemoteHost::Name(n) => n.as_bytes(),
        _ => ip.as_bytes(),
    }
}

impl Connection {
    /// The per-directory settings in force for the current request: the
    /// walk's result once it ran, else the server's defaults.
    pub(super) fn dir_conf(&self) -> &Arc<PerDir> {
        if self.reply.walked {
            &self.dir
        } else {
            self.cfg.servers[self.reply.server].sections.base()
        }
    }

    /// httpd's `ap_get_remote_host(…, REMOTE_NAME)` under `lookups`:
    /// looks the client up unless that was done before or lookups are
    /// off.
    pub(super) async fn lookup_remote(&mut self, lookups: Option<HostnameLookups>) {
        let lookups = lookups.unwrap_or_default();
        if !matches!(self.remote_host, RemoteHost::Unknown) || lookups == HostnameLookups::Off {
            return;
        }
        let double = lookups == HostnameLookups::Double;
        let ip = self.peer_ip;
        self.remote_host = match crate::dns::system().lookup(ip, double).await {
            Some(n) => RemoteHost::Name(n),
            None => RemoteHost::Unnamed,
        };
    }

    /// Looks the client up for the `SetEnvIf` rules about to run, when
    /// one of them tests `Remote_Host` (httpd asks only then).
    pub(super) async fn lookup_for_rules(
        &mut self,
        rules: &crate::setenv::SetEnvIfRules,
        lookups: Option<HostnameLookups>,
    ) {
        if rules.uses_remote_host() {
            self.lookup_remote(lookups).await;
        }
    }

    /// The lookups the access log needs under the request's settings:
    /// the client's name (`HostnameLookups`), the local name
    /// (`UseCanonicalName DNS`).
    pub(super) async fn lookups_for_log(&mut self) {
        let core = &self.dir_conf().core;
        let (lookups, canonical) = (core.hostname_lookups, core.canonical_name);
        self.lookup_remote(lookups).await;
        if canonical == Some(CanonicalName::Dns) {
            self.lookup_local().await;
        }
    }

    /// Looks up the local name now if the settings in force say
    /// `UseCanonicalName DNS` (error pages and redirects built from here on
    /// need it).
    pub(super) async fn local_name_if_dns(&mut self) {
        if self.dir_conf().core.canonical_name == Some(CanonicalName::Dns) {
            self.lookup_local().await;
        }
    }

    /// httpd's `UseCanonicalName DNS` name: the local address's name,
    /// looked up once per connection; without one, the name of the
    /// server handling the request when it was asked (kept for the
    /// connection, as httpd keeps it).
    pub(super) async fn lookup_local(&mut self) {
        if self.local_host.is_some() {
            return;
        }
        let name = crate::dns::system().lookup(self.local_addr, false).await;
        self.local_host = Some(name.unwrap_or_else(|| {
            Arc::from(self.cfg.servers[self.reply.server].server_name.as_str())
        }));
    }

    /// `ap_get_server_name`: the host name `%V` logs and self-referential
    /// URLs use, under the request's `UseCanonicalName`.
    pub(super) fn server_name_for(&self, canonical: Option<CanonicalName>) -> &[u8] {
        server_name(
            &self.cfg.servers[self.reply.server],
            &self.host_lc,
            &self.local_host,
            canonical,
        )
    }
}

/// `ap_get_server_name` for a request to `srv` whose Host named
/// `host_lc` (empty: none), on a connection whose local name is
/// `local_host` (once looked up).
pub(super) fn server_name<'a>(
    srv: &'a crate::site::ServerConf,
    host_lc: &'a [u8],
    local_host: &'a Option<Arc<str>>,
    canonical: Option<CanonicalName>,
) -> &'a [u8] {
    match canonical.unwrap_or_default() {
        CanonicalName::Off if !host_lc.is_empty() => host_lc,
        CanonicalName::Dns => match local_host {
            Some(h) => h.as_bytes(),
            None => srv.server_name.as_bytes(),
        },
        _ => srv.server_name.as_bytes(),
    }
}
