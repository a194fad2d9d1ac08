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

use crate::config::values::{CanonicalName, HostnameLookups};
use crate::perdir::PerDir;
use crate::record::Cx;

pub(crate) use crate::record::{remote_value, RemoteHost};

impl Cx {
    /// The per-directory settings in force for the current request: the
    /// walk's result once it ran, else the server's defaults.
    pub(crate) fn dir_conf(&self) -> &Arc<PerDir> {
        if self.reply.walked {
            &self.dir
        } else {
            self.cfg.servers[self.reply.server].sections.base()
        }
    }

    /// Whether the client still has to be looked up under `lookups`
    /// (not asked yet on this connection, and lookups not off).
    pub(crate) fn remote_pending(&self, lookups: Option<HostnameLookups>) -> bool {
        matches!(self.conn.remote_host, RemoteHost::Unknown)
            && lookups.is_some_and(|l| l != HostnameLookups::Off)
    }

    /// httpd's `ap_get_remote_host(…, REMOTE_NAME)` under `lookups`:
    /// looks the client up unless that was done before or lookups are
    /// off. (The lookup's future is boxed: only the rare call pays for
    /// it, the request's own state stays small.)
    pub(crate) async fn lookup_remote(&mut self, lookups: Option<HostnameLookups>) {
        if !self.remote_pending(lookups) {
            return;
        }
        let double = lookups == Some(HostnameLookups::Double);
        let ip = self.conn.peer_ip;
        self.conn.remote_host = match Box::pin(crate::dns::system().lookup(ip, double)).await {
            Some(n) => RemoteHost::Name(n),
            None => RemoteHost::Unnamed,
        };
    }

    /// Whether a host-based access check still has to look the client up
    /// ([`Cx::lookup_double_reverse`]).
    pub(crate) fn double_reverse_pending(&self) -> bool {
        matches!(self.conn.remote_host, RemoteHost::Unknown) || self.conn.double_reverse.is_none()
    }

    /// httpd's `ap_get_remote_host(…, REMOTE_DOUBLE_REV)`: the client's
    /// name (asked now if it never was, whatever `HostnameLookups` says,
    /// and then kept for the connection as any name found), and whether
    /// it resolves back to the client's address (asked once per
    /// connection).
    pub(crate) async fn lookup_double_reverse(&mut self) {
        let ip = self.conn.peer_ip;
        if matches!(self.conn.remote_host, RemoteHost::Unknown) {
            let double = self.dir_conf().core.hostname_lookups == Some(HostnameLookups::Double);
            self.conn.remote_host = match Box::pin(crate::dns::system().lookup(ip, double)).await {
                Some(n) => RemoteHost::Name(n),
                None => RemoteHost::Unnamed,
            };
        }
        if self.conn.double_reverse.is_none() {
            let confirmed = match self.conn.remote_host {
                RemoteHost::Name(_) => Box::pin(crate::dns::system().lookup(ip, true))
                    .await
                    .is_some(),
                _ => false,
            };
            self.conn.double_reverse = Some(confirmed);
        }
    }

    /// The client's forward-confirmed name, if it has one (after
    /// [`Cx::lookup_double_reverse`]).
    pub(crate) fn double_reverse_name(&self) -> Option<&str> {
        match (&self.conn.remote_host, self.conn.double_reverse) {
            (RemoteHost::Name(n), Some(true)) => Some(n),
            _ => None,
        }
    }

    /// Looks up the addresses of the `Require forward-dns` names (httpd
    /// asks the resolver for each name at each check; not cached).
    pub(crate) async fn lookup_forward_dns(&mut self) {
        let Some(root) = self.dir.authz.section.clone() else {
            return;
        };
        let mut names = Vec::new();
        root.forward_names(&mut names);
        for n in names {
            if self.reply.forward_dns.iter().any(|(f, _)| f == n) {
                continue;
            }
            let name = n.to_owned();
            let addrs = tokio::task::spawn_blocking(move || crate::dns::system_forward(&name))
                .await
                .unwrap_or_default();
            self.reply.forward_dns.push((n.to_owned(), addrs));
        }
    }

    /// Whether `SetEnvIf` rules about to run under `lookups` need the
    /// client looked up first (one of them tests `Remote_Host`: httpd
    /// asks only then).
    pub(crate) fn rules_need_lookup(
        &self,
        rules: &crate::setenv::SetEnvIfRules,
        lookups: Option<HostnameLookups>,
    ) -> bool {
        self.remote_pending(lookups) && rules.uses_remote_host()
    }

    /// Whether the access log needs a lookup first under the request's
    /// settings: the client's name (`HostnameLookups`), the local name
    /// (`UseCanonicalName DNS`).
    pub(crate) fn log_needs_lookup(&self) -> bool {
        let core = &self.dir_conf().core;
        self.remote_pending(core.hostname_lookups)
            || (core.canonical_name == Some(CanonicalName::Dns) && self.conn.local_host.is_none())
    }

    /// The lookups [`Cx::log_needs_lookup`] asks for.
    pub(crate) async fn lookups_for_log(&mut self) {
        let core = &self.dir_conf().core;
        let (lookups, canonical) = (core.hostname_lookups, core.canonical_name);
        self.lookup_remote(lookups).await;
        if canonical == Some(CanonicalName::Dns) {
            self.lookup_local().await;
        }
    }

    /// Whether the settings in force say `UseCanonicalName DNS` and the
    /// local name is not known yet (error pages and redirects built from
    /// here on need it: call [`Cx::lookup_local`]).
    pub(crate) fn local_pending(&self) -> bool {
        self.conn.local_host.is_none()
            && self.dir_conf().core.canonical_name == Some(CanonicalName::Dns)
    }

    /// httpd's `UseCanonicalName DNS` name: the local address's name,
    /// looked up once per connection; without one, the name of the
    /// server handling the request when it was asked (kept for the
    /// connection, as httpd keeps it).
    pub(crate) async fn lookup_local(&mut self) {
        if self.conn.local_host.is_some() {
            return;
        }
        let name = Box::pin(crate::dns::system().lookup(self.conn.local_addr, false)).await;
        self.conn.local_host = Some(name.unwrap_or_else(|| {
            Arc::from(self.cfg.servers[self.reply.server].server_name.as_str())
        }));
    }

    /// `ap_get_server_name`: the host name `%V` logs and self-referential
    /// URLs use, under the request's `UseCanonicalName`.
    pub(crate) fn server_name_for(&self, canonical: Option<CanonicalName>) -> &[u8] {
        server_name(
            &self.cfg.servers[self.reply.server],
            &self.host_lc,
            &self.conn.local_host,
            canonical,
        )
    }
}

/// `ap_get_server_name` for a request to `srv` whose Host named
/// `host_lc` (empty: none), on a connection whose local name is
/// `local_host` (once looked up).
pub(crate) fn server_name<'a>(
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
