//! Virtual-host selection, as httpd 2.4 does it.
//!
//! A connection is first matched by the local address it arrived on: the
//! virtual hosts naming that exact IP and port, else those naming `*` (or
//! `_default_`) with that port, where an address without a port matches
//! any port. No match: the main server handles the request. Among the
//! matching hosts the request's `Host` (without port, lower case, trailing
//! dot removed) is compared with each host's ServerName and then its
//! ServerAliases (`*` and `?` wildcards), in configuration order; the first
//! match wins, and when none matches the first host listed for the address
//! is the default.

use spoor_log::glob;
use std::net::IpAddr;

use crate::config::model::{Server, Settings};

/// Which server handles a request: `None` is the main server, `Some(i)` the
/// i-th `<VirtualHost>`.
pub type ServerIndex = Option<usize>;

/// The selection table, built once per configuration.
#[derive(Clone, Debug)]
pub struct Vhosts {
    entries: Vec<Entry>,
}

#[derive(Clone, Debug)]
struct Entry {
    ip: Option<IpAddr>,
    port: Option<u16>,
    index: usize,
    name: Option<String>,
    aliases: Vec<String>,
}

impl Vhosts {
    /// Builds the table from the model.
    pub fn new(settings: &Settings) -> Vhosts {
        let mut entries = Vec::new();
        for (index, v) in settings.vhosts.iter().enumerate() {
            let name = effective_name(v, &settings.main);
            for a in &v.addrs {
                entries.push(Entry {
                    ip: a.ip,
                    port: a.port,
                    index,
                    name: name.clone(),
                    aliases: v.aliases.clone(),
                });
            }
        }
        Vhosts { entries }
    }

    /// A table with no virtual hosts: every request goes to the main server.
    pub fn empty() -> Vhosts {
        Vhosts {
            entries: Vec::new(),
        }
    }

    /// Whether there are any virtual hosts at all.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The server for a request that arrived on `local` with `host` (the
    /// Host header or absolute-URI host, if any).
    pub fn select(&self, local_ip: IpAddr, local_port: u16, host: Option<&[u8]>) -> ServerIndex {
        let ip = canonical_ip(local_ip);
        let port_ok = |e: &Entry| e.port.is_none_or(|p| p == local_port);
        let exact: Vec<&Entry> = self
            .entries
            .iter()
            .filter(|e| e.ip.map(canonical_ip) == Some(ip) && port_ok(e))
            .collect();
        let candidates = if exact.is_empty() {
            self.entries
                .iter()
                .filter(|e| e.ip.is_none() && port_ok(e))
                .collect()
        } else {
            exact
        };
        let first = candidates.first()?;
        if let Some(host) = host.map(normalize_host) {
            // As httpd: the hosts in order, each by its name and then its
            // aliases, so an earlier host's wildcard alias wins over a
            // later host's exact name.
            for e in &candidates {
                if e.name.as_deref() == Some(host.as_str())
                    || e.aliases
                        .iter()
                        .any(|a| glob::matches(glob::SERVER_ALIAS, a.as_bytes(), host.as_bytes()))
                {
                    return Some(e.index);
                }
            }
        }
        Some(first.index)
    }
}

/// The name a virtual host answers to: its ServerName, else the main
/// server's (httpd copies it in when the host has none).
fn effective_name(v: &Server, main: &Server) -> Option<String> {
    v.server_name.clone().or_else(|| main.server_name.clone())
}

fn canonical_ip(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// `Host` without its port and trailing dot, in lower case.
pub fn normalize_host(h: &[u8]) -> String {
    let h = if h.first() == Some(&b'[') {
        match h.iter().position(|&b| b == b']') {
            Some(end) => &h[..=end],
            None => h,
        }
    } else {
        match h.iter().rposition(|&b| b == b':') {
            Some(i) => &h[..i],
            None => h,
        }
    };
    let h = h.strip_suffix(b".").unwrap_or(h);
    String::from_utf8_lossy(h).to_ascii_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::reader::{read_config_str, ReadOptions};
    use std::path::Path;

    fn vhosts(text: &str) -> Vhosts {
        let cfg = read_config_str(
            text,
            Path::new("t.conf"),
            &ReadOptions::new(std::env::temp_dir()),
        )
        .unwrap();
        Vhosts::new(&Settings::from_config(&cfg).unwrap())
    }

    const LO: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);

    #[test]
    fn name_based_selection() {
        let v = vhosts(
            "ServerName main.test\n\
             <VirtualHost *:80>\nServerName a.test\n</VirtualHost>\n\
             <VirtualHost *:80>\nServerName b.test\nServerAlias *.b.test alias?.test\n</VirtualHost>\n\
             <VirtualHost 127.0.0.1:81>\nServerName c.test\n</VirtualHost>\n",
        );
        assert_eq!(v.select(LO, 80, Some(b"a.test")), Some(0));
        assert_eq!(v.select(LO, 80, Some(b"B.TEST:80")), Some(1));
        assert_eq!(v.select(LO, 80, Some(b"b.test.")), Some(1));
        assert_eq!(v.select(LO, 80, Some(b"www.b.test")), Some(1));
        assert_eq!(v.select(LO, 80, Some(b"alias1.test")), Some(1));
        assert_eq!(v.select(LO, 80, Some(b"alias12.test")), Some(0));
        // Unknown or missing Host: the first host for the address.
        assert_eq!(v.select(LO, 80, Some(b"zzz")), Some(0));
        assert_eq!(v.select(LO, 80, None), Some(0));
        // The only host for an address serves every name.
        assert_eq!(v.select(LO, 81, Some(b"a.test")), Some(2));
        // No host for the address: the main server.
        assert_eq!(v.select(LO, 82, Some(b"a.test")), None);
    }

    #[test]
    fn hosts_are_tried_in_order_name_and_aliases_together() {
        // Checked with apache2: Host a.test goes to one.test, whose
        // wildcard alias comes first, not to the later a.test.
        let v = vhosts(
            "<VirtualHost *:80>\nServerName one.test\nServerAlias *.test\n</VirtualHost>\n\
             <VirtualHost *:80>\nServerName a.test\n</VirtualHost>\n",
        );
        assert_eq!(v.select(LO, 80, Some(b"a.test")), Some(0));
        assert_eq!(v.select(LO, 80, Some(b"a.other")), Some(0));
    }

    #[test]
    fn exact_address_beats_wildcard() {
        let v = vhosts(
            "<VirtualHost *:80>\nServerName star.test\n</VirtualHost>\n\
             <VirtualHost 127.0.0.1:80>\nServerName exact.test\n</VirtualHost>\n",
        );
        assert_eq!(v.select(LO, 80, Some(b"star.test")), Some(1));
        let other: IpAddr = "127.0.0.2".parse().unwrap();
        assert_eq!(v.select(other, 80, Some(b"exact.test")), Some(0));
    }
}
