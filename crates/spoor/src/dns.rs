//! Reverse lookups of client addresses (`HostnameLookups On|Double`) and
//! of local addresses (`UseCanonicalName DNS`), with a bounded cache.
//!
//! httpd asks the system resolver (`getnameinfo` with `NI_NAMEREQD`, so
//! `/etc/hosts` is honoured) once per connection and keeps the answer in
//! the connection. spoor asks the same resolver, on tokio's blocking pool
//! so a slow DNS server never stalls a worker thread, and keeps answers in
//! a process-wide cache (bounded in entries, each kept for a fixed time),
//! so a busy client costs one lookup per [`TTL`], not one per connection.
//!
//! `Double` is httpd's double-reverse check: the name found must resolve
//! forward (`getaddrinfo`, any family) to a list holding the address,
//! otherwise the name is not used.

use std::collections::HashMap;
use std::net::{IpAddr, ToSocketAddrs};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use crate::config::values::HostnameLookups;

/// A name lookup a hook needs before it can run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Need {
    /// The client's name, under these `HostnameLookups`.
    RemoteHost(Option<HostnameLookups>),
    /// The client's name, forward-confirmed whatever `HostnameLookups`
    /// says (httpd's `REMOTE_DOUBLE_REV`: `Require host`, `Allow from`
    /// a name).
    DoubleReverse,
    /// The addresses of the `Require forward-dns` names of the request's
    /// settings.
    ForwardDns,
}

/// How long an answer (a name, or "no name") is kept.
pub const TTL: Duration = Duration::from_secs(60);
/// The most addresses the cache holds.
pub const CAPACITY: usize = 4096;

/// A reverse lookup: the address's name, if it has one.
pub type ReverseFn = fn(IpAddr) -> Option<String>;
/// A forward lookup: every address a name resolves to.
pub type ForwardFn = fn(&str) -> Vec<IpAddr>;

#[derive(Clone)]
struct Entry {
    /// The name, lower case (`None`: the address has none).
    name: Option<Arc<str>>,
    /// The double-reverse verdict for `name`, once checked.
    confirmed: Option<bool>,
    at: Instant,
}

/// A resolver with a cache.
pub struct Resolver {
    reverse: ReverseFn,
    forward: ForwardFn,
    ttl: Duration,
    capacity: usize,
    cache: Mutex<HashMap<IpAddr, Entry>>,
}

impl std::fmt::Debug for Resolver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Resolver")
            .field("ttl", &self.ttl)
            .field("capacity", &self.capacity)
            .finish_non_exhaustive()
    }
}

/// The process-wide resolver on the system's `getnameinfo`/`getaddrinfo`.
pub fn system() -> &'static Resolver {
    static SYSTEM: OnceLock<Resolver> = OnceLock::new();
    SYSTEM.get_or_init(|| Resolver::new(system_reverse, system_forward, TTL, CAPACITY))
}

impl Resolver {
    /// A resolver on the given lookup functions (tests inject their own).
    pub fn new(reverse: ReverseFn, forward: ForwardFn, ttl: Duration, capacity: usize) -> Self {
        Resolver {
            reverse,
            forward,
            ttl,
            capacity: capacity.max(1),
            cache: Mutex::new(HashMap::new()),
        }
    }

    fn cached(&self, ip: IpAddr) -> Option<Entry> {
        let cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        cache
            .get(&ip)
            .filter(|e| e.at.elapsed() < self.ttl)
            .cloned()
    }

    fn store(&self, ip: IpAddr, entry: Entry) {
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        if cache.len() >= self.capacity && !cache.contains_key(&ip) {
            let ttl = self.ttl;
            cache.retain(|_, e| e.at.elapsed() < ttl);
            if cache.len() >= self.capacity {
                // Still full of live answers: drop the oldest.
                if let Some(old) = cache.iter().min_by_key(|(_, e)| e.at).map(|(k, _)| *k) {
                    cache.remove(&old);
                }
            }
        }
        cache.insert(ip, entry);
    }

    /// The number of cached addresses.
    pub fn len(&self) -> usize {
        self.cache.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// Whether the cache is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The name of `ip` (lower case), as httpd's `ap_get_remote_host`
    /// finds it: `None` when the address has no name or, with `double`,
    /// when the name does not resolve back to the address. Blocking
    /// lookups run on tokio's blocking pool.
    pub async fn lookup(&'static self, ip: IpAddr, double: bool) -> Option<Arc<str>> {
        let entry = match self.cached(ip) {
            Some(e) => e,
            None => {
                let reverse = self.reverse;
                let name = tokio::task::spawn_blocking(move || reverse(ip))
                    .await
                    .ok()
                    .flatten();
                let e = Entry {
                    name: name.map(|n| Arc::from(n.to_ascii_lowercase())),
                    confirmed: None,
                    at: Instant::now(),
                };
                self.store(ip, e.clone());
                e
            }
        };
        let name = entry.name?;
        if !double {
            return Some(name);
        }
        let confirmed = match entry.confirmed {
            Some(c) => c,
            None => {
                let forward = self.forward;
                let n = name.clone();
                let c = tokio::task::spawn_blocking(move || {
                    forward(&n)
                        .iter()
                        .any(|a| a.to_canonical() == ip.to_canonical())
                })
                .await
                .unwrap_or(false);
                self.store(
                    ip,
                    Entry {
                        name: Some(name.clone()),
                        confirmed: Some(c),
                        at: entry.at,
                    },
                );
                c
            }
        };
        confirmed.then_some(name)
    }
}

/// `getnameinfo` with `NI_NAMEREQD`, as APR's `apr_getnameinfo` calls it.
pub fn system_reverse(ip: IpAddr) -> Option<String> {
    // SAFETY: plain C structs, zero-initialised, filled field by field;
    // getnameinfo writes at most `host.len()` bytes into `host`.
    unsafe {
        let mut ss: libc::sockaddr_storage = std::mem::zeroed();
        let len = match ip {
            IpAddr::V4(a) => {
                let sin = &mut *(&mut ss as *mut _ as *mut libc::sockaddr_in);
                sin.sin_family = libc::AF_INET as libc::sa_family_t;
                sin.sin_addr.s_addr = u32::from_ne_bytes(a.octets());
                std::mem::size_of::<libc::sockaddr_in>()
            }
            IpAddr::V6(a) => {
                let sin6 = &mut *(&mut ss as *mut _ as *mut libc::sockaddr_in6);
                sin6.sin6_family = libc::AF_INET6 as libc::sa_family_t;
                sin6.sin6_addr.s6_addr = a.octets();
                std::mem::size_of::<libc::sockaddr_in6>()
            }
        };
        let mut host = [0 as libc::c_char; 1025];
        let rc = libc::getnameinfo(
            &ss as *const _ as *const libc::sockaddr,
            len as libc::socklen_t,
            host.as_mut_ptr(),
            host.len() as libc::socklen_t,
            std::ptr::null_mut(),
            0,
            libc::NI_NAMEREQD,
        );
        if rc != 0 {
            return None;
        }
        let name = std::ffi::CStr::from_ptr(host.as_ptr());
        Some(name.to_string_lossy().into_owned())
    }
}

/// `getaddrinfo` for any address family.
pub fn system_forward(name: &str) -> Vec<IpAddr> {
    match (name, 0u16).to_socket_addrs() {
        Ok(it) => it.map(|a| a.ip()).collect(),
        Err(_) => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn fake_reverse(ip: IpAddr) -> Option<String> {
        match ip.to_string().as_str() {
            "10.0.0.1" => Some("Host.Example".into()),
            "10.0.0.2" => Some("liar.example".into()),
            _ => None,
        }
    }

    fn fake_forward(name: &str) -> Vec<IpAddr> {
        match name {
            "host.example" => vec!["::1".parse().unwrap(), "10.0.0.1".parse().unwrap()],
            "liar.example" => vec!["10.9.9.9".parse().unwrap()],
            _ => Vec::new(),
        }
    }

    fn leak(r: Resolver) -> &'static Resolver {
        Box::leak(Box::new(r))
    }

    fn rt() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    }

    #[test]
    fn names_lower_case_and_double_reverse() {
        let r = leak(Resolver::new(fake_reverse, fake_forward, TTL, 16));
        rt().block_on(async {
            let one: IpAddr = "10.0.0.1".parse().unwrap();
            let two: IpAddr = "10.0.0.2".parse().unwrap();
            let three: IpAddr = "10.0.0.3".parse().unwrap();
            assert_eq!(r.lookup(one, false).await.as_deref(), Some("host.example"));
            assert_eq!(r.lookup(one, true).await.as_deref(), Some("host.example"));
            // The name does not lead back to the address.
            assert_eq!(r.lookup(two, false).await.as_deref(), Some("liar.example"));
            assert_eq!(r.lookup(two, true).await, None);
            assert_eq!(r.lookup(three, false).await, None);
            assert_eq!(r.lookup(three, true).await, None);
        });
    }

    static COUNTED: AtomicUsize = AtomicUsize::new(0);

    /// Counts its calls (only the cache test uses it).
    fn counting_reverse(ip: IpAddr) -> Option<String> {
        COUNTED.fetch_add(1, Ordering::SeqCst);
        fake_reverse(ip)
    }

    #[test]
    fn answers_are_cached_bounded_and_expire() {
        let r = leak(Resolver::new(counting_reverse, fake_forward, TTL, 2));
        let expired = leak(Resolver::new(
            counting_reverse,
            fake_forward,
            Duration::ZERO,
            4,
        ));
        rt().block_on(async {
            let a: IpAddr = "10.0.0.1".parse().unwrap();
            for _ in 0..5 {
                assert_eq!(r.lookup(a, true).await.as_deref(), Some("host.example"));
            }
            assert_eq!(COUNTED.load(Ordering::SeqCst), 1);
            for i in 0..10u8 {
                r.lookup(IpAddr::from([10, 1, 0, i]), false).await;
            }
            assert_eq!(COUNTED.load(Ordering::SeqCst), 11);
            assert!(r.len() <= 2);
            // Each answer expires at once: every lookup asks again.
            expired.lookup(a, false).await;
            expired.lookup(a, false).await;
            assert_eq!(COUNTED.load(Ordering::SeqCst), 13);
        });
    }

    #[test]
    fn system_resolver_reads_etc_hosts() {
        // 127.0.0.1 is `localhost` in every /etc/hosts this runs on.
        let name = system_reverse("127.0.0.1".parse().unwrap());
        assert!(name.is_some());
        let back = system_forward(name.as_deref().unwrap());
        assert!(back.contains(&"127.0.0.1".parse().unwrap()), "{back:?}");
    }
}
