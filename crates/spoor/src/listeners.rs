//! The set of listening sockets and how a reload changes it, as httpd's
//! graceful restart does: an address in both the old and the new
//! configuration keeps its socket (nothing queued on it is lost), a new
//! address is bound before anything else changes, and a removed one stops
//! accepting while the connections it accepted finish.
//!
//! A change is made in two steps so that a reload can still fail after
//! the first: [`Listeners::prepare`] binds every new address (one that
//! cannot be bound fails the whole change, and the sockets bound so far
//! are closed again), [`Listeners::apply`] starts serving on them and
//! stops the removed ones.

use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::runtime::Handle;
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::server::{self, Current};

/// The socket addresses `Listen` directives ask for, in order: `Listen
/// 80` (no address) is the IPv6 and the IPv4 wildcard address, as httpd
/// binds it.
pub fn listen_addrs(listen: &[(Option<IpAddr>, u16)]) -> Vec<SocketAddr> {
    let mut v = Vec::new();
    for &(ip, port) in listen {
        match ip {
            Some(ip) => v.push(SocketAddr::new(ip, port)),
            None => {
                v.push(SocketAddr::new(IpAddr::V6(Ipv6Addr::UNSPECIFIED), port));
                v.push(SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), port));
            }
        }
    }
    v
}

/// Binds a listening socket with SO_REUSEADDR (an IPv6 wildcard socket is
/// IPv6-only, so `Listen 80` can bind both families) and the options
/// httpd sets on Linux, which its connections inherit: `SO_KEEPALIVE`
/// (dead peers are found), `TCP_NODELAY` (no per-connection call), and
/// `TCP_DEFER_ACCEPT` of 30 s (httpd's default `AcceptFilter http data`:
/// a connection is handed over once its first bytes arrived, not on the
/// handshake). The error names the address with httpd's AH00072 wording.
/// Must be called inside the tokio runtime.
pub fn bind(addr: SocketAddr, backlog: u32) -> io::Result<TcpListener> {
    bind_socket(addr, backlog).map_err(|e| {
        io::Error::new(
            e.kind(),
            format!("AH00072: make_sock: could not bind to address {addr}: {e}"),
        )
    })
}

fn bind_socket(addr: SocketAddr, backlog: u32) -> io::Result<TcpListener> {
    use std::os::fd::AsRawFd;
    let sock = match addr {
        SocketAddr::V4(_) => tokio::net::TcpSocket::new_v4()?,
        SocketAddr::V6(_) => {
            let s = tokio::net::TcpSocket::new_v6()?;
            set_v6only(&s)?;
            s
        }
    };
    sock.set_reuseaddr(true)?;
    sock.set_keepalive(true)?;
    crate::sys::set_int_option(sock.as_raw_fd(), libc::IPPROTO_TCP, libc::TCP_NODELAY, 1)?;
    sock.bind(addr)?;
    let l = sock.listen(backlog)?;
    crate::sys::set_int_option(
        l.as_raw_fd(),
        libc::IPPROTO_TCP,
        libc::TCP_DEFER_ACCEPT,
        DEFER_ACCEPT_SECS,
    )?;
    Ok(l)
}

/// httpd's `TCP_DEFER_ACCEPT` on Linux (its `AcceptFilter http data`).
pub const DEFER_ACCEPT_SECS: libc::c_int = 30;

/// httpd's default `ListenBacklog`.
pub const DEFAULT_BACKLOG: u32 = 511;

fn set_v6only(s: &tokio::net::TcpSocket) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    crate::sys::set_int_option(s.as_raw_fd(), libc::IPPROTO_IPV6, libc::IPV6_V6ONLY, 1)
}

/// One address being served.
struct Active {
    addr: SocketAddr,
    /// Dropping or sending stops the accept loops of this address.
    stop: watch::Sender<()>,
}

/// The listening sockets being served, each by its own accept loop (one
/// per worker runtime).
pub struct Listeners {
    active: Vec<Active>,
    current: Arc<Current>,
    shutdown: watch::Receiver<bool>,
    tasks: JoinSet<io::Result<()>>,
    /// The worker runtimes that accept and serve connections, each on its
    /// own thread; empty: the runtime [`Listeners::serve`] is called in.
    workers: Vec<Handle>,
}

/// New sockets bound by [`Listeners::prepare`] and the addresses to stop,
/// not yet in effect. Dropping it closes the new sockets.
pub struct Change {
    new: Vec<(SocketAddr, TcpListener)>,
    removed: Vec<SocketAddr>,
}

impl Change {
    /// Whether the change does nothing.
    pub fn is_empty(&self) -> bool {
        self.new.is_empty() && self.removed.is_empty()
    }
}

impl Listeners {
    /// Binds every address (the first that fails is the error) and starts
    /// serving them with the configuration in `current`; connections stop
    /// when `shutdown` becomes true. Prints `spoor: listening on ADDR` for
    /// each.
    pub fn start(
        addrs: &[SocketAddr],
        current: Arc<Current>,
        shutdown: watch::Receiver<bool>,
    ) -> io::Result<Listeners> {
        Ok(Listeners::serve(
            Listeners::bind_all(addrs, DEFAULT_BACKLOG)?,
            current,
            shutdown,
        ))
    }

    /// Binds every address (the first that fails is the error) without
    /// accepting on any: the kernel queues connections until
    /// [`Listeners::serve`] starts the accept loops, so start-up can bind
    /// as root, give root up, and only then accept.
    pub fn bind_all(addrs: &[SocketAddr], backlog: u32) -> io::Result<Change> {
        let mut new = Vec::new();
        for &a in addrs {
            new.push((a, bind(a, backlog)?));
        }
        Ok(Change {
            new,
            removed: Vec::new(),
        })
    }

    /// Starts serving sockets bound by [`Listeners::bind_all`] with the
    /// configuration in `current`; connections stop when `shutdown`
    /// becomes true. Prints `spoor: listening on ADDR` for each.
    pub fn serve(
        bound: Change,
        current: Arc<Current>,
        shutdown: watch::Receiver<bool>,
    ) -> Listeners {
        Listeners::serve_on(bound, current, shutdown, Vec::new())
    }

    /// Like [`Listeners::serve`], with an accept loop for every socket on
    /// each of the `workers` runtimes (none: the calling runtime).
    ///
    /// This is the thread-per-core model nginx's workers have: every worker
    /// runtime is single-threaded and waits on every listening socket (a
    /// descriptor of its own for the one socket, so the kernel's single
    /// accept queue is shared: no `SO_REUSEPORT`, which would let another
    /// process of the same user bind the port too). A connection stays on
    /// the worker that accepted it: no task moves between threads, and
    /// what a worker caches is its own.
    pub fn serve_on(
        bound: Change,
        current: Arc<Current>,
        shutdown: watch::Receiver<bool>,
        workers: Vec<Handle>,
    ) -> Listeners {
        let mut l = Listeners {
            active: Vec::new(),
            current,
            shutdown,
            tasks: JoinSet::new(),
            workers,
        };
        l.apply(bound);
        l
    }

    /// The addresses served now, in the order they were bound.
    pub fn addrs(&self) -> Vec<SocketAddr> {
        self.active.iter().map(|a| a.addr).collect()
    }

    /// Binds the addresses of `addrs` not served yet and lists the served
    /// ones `addrs` no longer names. Nothing changes for the running server
    /// until [`Listeners::apply`]; the error (httpd's AH00072 for a socket
    /// that cannot be bound, AH00015 for no address at all) is one line.
    pub fn prepare(&self, addrs: &[SocketAddr], backlog: u32) -> Result<Change, String> {
        if addrs.is_empty() {
            return Err("AH00015: Unable to open logs: no listening sockets available".to_owned());
        }
        let mut new = Vec::new();
        for &a in addrs {
            if self.active.iter().any(|x| x.addr == a) || new.iter().any(|(x, _)| *x == a) {
                continue;
            }
            // On failure `new` is dropped, closing what was bound so far.
            new.push((a, bind(a, backlog).map_err(|e| e.to_string())?));
        }
        let removed = self
            .active
            .iter()
            .map(|x| x.addr)
            .filter(|a| !addrs.contains(a))
            .collect();
        Ok(Change { new, removed })
    }

    /// Puts a prepared change into effect: serves the new sockets
    /// (`spoor: listening on ADDR`) and stops accepting on the removed
    /// addresses (`spoor: no longer listening on ADDR`); connections they
    /// accepted finish normally.
    pub fn apply(&mut self, change: Change) {
        for addr in change.removed {
            if let Some(i) = self.active.iter().position(|x| x.addr == addr) {
                let a = self.active.remove(i);
                let _ = a.stop.send(());
                eprintln!("spoor: no longer listening on {addr}");
            }
        }
        for (addr, l) in change.new {
            let shown = l.local_addr().unwrap_or(addr);
            eprintln!("spoor: listening on {shown}");
            let (tx, rx) = watch::channel(());
            let stop = |mut rx: watch::Receiver<()>| async move {
                // A dropped sender stops the loop as a sent value does.
                let _ = rx.changed().await;
            };
            if self.workers.is_empty() {
                self.tasks.spawn(server::serve_until(
                    l,
                    self.current.clone(),
                    self.shutdown.clone(),
                    stop(rx),
                ));
            } else {
                match l.into_std() {
                    Ok(std) => self.serve_workers(std, stop, rx),
                    Err(e) => eprintln!("spoor: {shown}: {e}"),
                }
            }
            self.active.push(Active { addr, stop: tx });
        }
    }

    /// Starts an accept loop for `std` on every worker runtime, each with
    /// a descriptor of its own for the socket, stopped when `rx` changes.
    fn serve_workers<F, S>(&mut self, std: std::net::TcpListener, stop: S, rx: watch::Receiver<()>)
    where
        S: Fn(watch::Receiver<()>) -> F,
        F: std::future::Future<Output = ()> + Send + 'static,
    {
        for h in &self.workers {
            let own = match std.try_clone() {
                Ok(l) => l,
                Err(e) => {
                    eprintln!("spoor: a worker cannot share a listening socket: {e}");
                    continue;
                }
            };
            let (current, shutdown, stop) = (
                self.current.clone(),
                self.shutdown.clone(),
                stop(rx.clone()),
            );
            self.tasks.spawn_on(
                async move {
                    // Registered with the reactor of the worker it runs on.
                    let l = TcpListener::from_std(own)?;
                    server::serve_until(l, current, shutdown, stop).await
                },
                h,
            );
        }
    }

    /// Waits until every accept loop, those stopped by reloads included,
    /// has ended and its connections have finished (after `shutdown`
    /// became true). The first error of an accept loop is returned.
    pub async fn wait(mut self) -> io::Result<()> {
        let mut result = Ok(());
        // Keep the stop senders alive: dropping them would stop the loops
        // before the shutdown flag is seen.
        let _active = std::mem::take(&mut self.active);
        while let Some(r) = self.tasks.join_next().await {
            if let Ok(Err(e)) = r {
                result = result.and(Err(e));
            }
        }
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listen_without_address_is_both_wildcards() {
        let v = listen_addrs(&[(None, 80), (Some("127.0.0.1".parse().unwrap()), 81)]);
        assert_eq!(
            v,
            vec![
                "[::]:80".parse().unwrap(),
                "0.0.0.0:80".parse().unwrap(),
                "127.0.0.1:81".parse().unwrap()
            ]
        );
    }

    fn free_port() -> u16 {
        std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port()
    }

    #[tokio::test]
    async fn listeners_have_httpds_socket_options() {
        use std::io::Write;
        use std::os::fd::AsRawFd;
        let l = bind("127.0.0.1:0".parse().unwrap(), DEFAULT_BACKLOG).unwrap();
        let fd = l.as_raw_fd();
        let opt = |fd, level, name| crate::sys::int_option(fd, level, name).unwrap();
        assert!(opt(fd, libc::IPPROTO_TCP, libc::TCP_DEFER_ACCEPT) > 0);
        let addr = l.local_addr().unwrap();
        let client = std::thread::spawn(move || {
            let mut c = std::net::TcpStream::connect(addr).unwrap();
            // Deferred accept: the connection is handed over with data.
            c.write_all(b"GET / HTTP/1.0\r\n\r\n").unwrap();
            std::thread::sleep(std::time::Duration::from_millis(200));
        });
        let (s, _) = tokio::time::timeout(std::time::Duration::from_secs(10), l.accept())
            .await
            .expect("accepted once its bytes arrived")
            .unwrap();
        // Inherited from the listener, as httpd relies on.
        let sfd = s.as_raw_fd();
        assert_eq!(opt(sfd, libc::IPPROTO_TCP, libc::TCP_NODELAY), 1);
        assert_eq!(opt(sfd, libc::SOL_SOCKET, libc::SO_KEEPALIVE), 1);
        client.join().unwrap();
    }

    #[tokio::test]
    async fn a_change_keeps_shared_addresses_and_fails_whole() {
        let (_tx, rx) = watch::channel(false);
        let cur = Arc::new(Current::new(server::Config::new(std::env::temp_dir())));
        let a: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
        let b: SocketAddr = format!("127.0.0.1:{}", free_port()).parse().unwrap();
        let mut l = Listeners::start(&[a], cur, rx).unwrap();
        assert!(l.prepare(&[a], DEFAULT_BACKLOG).unwrap().is_empty());
        assert_eq!(
            l.prepare(&[], DEFAULT_BACKLOG).err().unwrap(),
            "AH00015: Unable to open logs: no listening sockets available"
        );
        // An address someone else holds fails the change, and what the
        // change had bound already is closed again.
        let held = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let h = held.local_addr().unwrap();
        let e = l.prepare(&[a, b, h], DEFAULT_BACKLOG).err().unwrap();
        assert!(e.starts_with(&format!(
            "AH00072: make_sock: could not bind to address {h}: "
        )));
        std::net::TcpListener::bind(b).expect("b was closed again");
        // Moving from a to b: b is bound by prepare, a stops on apply.
        let c = l.prepare(&[b], DEFAULT_BACKLOG).unwrap();
        assert!(std::net::TcpStream::connect(a).is_ok());
        l.apply(c);
        assert_eq!(l.addrs(), vec![b]);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while std::net::TcpStream::connect(a).is_ok() {
            assert!(std::time::Instant::now() < deadline, "a still accepts");
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        assert!(std::net::TcpStream::connect(b).is_ok());
    }
}
