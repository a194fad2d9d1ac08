//! The server: the accept loop and the configuration in force. Each
//! accepted connection is served by the protocol layer
//! ([`crate::proto::h1`]) as one task, which owns a read buffer, a
//! response buffer, a log-line buffer and a renderer, all reused from
//! request to request, so a request served from a small file allocates
//! nothing on the hot path. Request heads stay in the read buffer until
//! the request is logged, and the log record borrows its header table
//! from there.

use std::io;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::hooks::{Hooks, Module};
use crate::proto::h1::Connection;

pub use crate::site::Config;

/// The configuration in force and the request phases' module lists built
/// from it; a reload swaps both. Each connection keeps the configuration
/// it was accepted under, as httpd's old children finish their
/// connections after a graceful restart.
#[derive(Debug)]
pub struct Current(std::sync::RwLock<(Arc<Config>, Arc<Hooks>)>);

impl Current {
    /// Holds `config`.
    pub fn new(config: Config) -> Current {
        crate::modules::status::board::configured();
        Current(std::sync::RwLock::new(Current::with_hooks(config)))
    }

    fn with_hooks(config: Config) -> (Arc<Config>, Arc<Hooks>) {
        let hooks = Hooks::build(&config, hook_modules());
        (Arc::new(config), Arc::new(hooks))
    }

    /// The configuration new connections get.
    pub fn get(&self) -> Arc<Config> {
        self.0.read().unwrap_or_else(|e| e.into_inner()).0.clone()
    }

    /// The configuration new connections get, with its module lists.
    fn get_with_hooks(&self) -> (Arc<Config>, Arc<Hooks>) {
        self.0.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Replaces the configuration for new connections.
    pub fn replace(&self, config: Config) {
        crate::modules::status::board::configured();
        let new = Current::with_hooks(config);
        *self.0.write().unwrap_or_else(|e| e.into_inner()) = new;
    }
}

/// Serves connections from `listener` until `shutdown` becomes true, then
/// stops accepting, lets every connection finish its current request, and
/// returns once all of them are closed.
pub async fn serve(
    listener: TcpListener,
    current: Arc<Current>,
    shutdown: watch::Receiver<bool>,
) -> io::Result<()> {
    serve_until(listener, current, shutdown, std::future::pending()).await
}

/// Like [`serve`], and also stops accepting when `stop` completes (a
/// reload that removed this address); the connections already accepted
/// are finished either way, and stopped only by `shutdown`.
pub async fn serve_until(
    listener: TcpListener,
    current: Arc<Current>,
    mut shutdown: watch::Receiver<bool>,
    stop: impl std::future::Future<Output = ()>,
) -> io::Result<()> {
    let open = Arc::new(Open::default());
    let mut stop = std::pin::pin!(stop);
    // A listener bound to one address accepts connections only to that
    // address: its connections' local address is known without a
    // `getsockname` each. A wildcard listener's must be asked.
    let bound = listener
        .local_addr()
        .ok()
        .filter(|a| !a.ip().is_unspecified());
    // Connections inherit TCP_NODELAY from a listener that has it (as
    // spoor's own have, `listeners::bind`); others get it one by one.
    let inherits_nodelay = {
        use std::os::fd::AsRawFd;
        crate::sys::int_option(listener.as_raw_fd(), libc::IPPROTO_TCP, libc::TCP_NODELAY)
            .is_ok_and(|v| v != 0)
    };
    // (The connections' own receivers come from a copy: the loop's is
    // borrowed by its wait for a change.)
    let for_connections = shutdown.clone();
    let start = |stream: tokio::net::TcpStream, peer: std::net::SocketAddr| {
        let local = match bound {
            Some(a) => a,
            None => stream.local_addr().unwrap_or(peer),
        };
        if !inherits_nodelay {
            let _ = stream.set_nodelay(true);
        }
        let (cfg, hooks) = current.get_with_hooks();
        let c = Connection::new(stream, peer, local, cfg, hooks, for_connections.clone());
        // Boxed: the runtime moves a task's future several times while
        // spawning it and once more as it ends, a copy of the whole
        // connection state (about 900 bytes) each time; a box moves as a
        // pointer (about 1,200 instructions per connection less).
        tokio::spawn(Counted {
            fut: Box::pin(c.run()),
            _open: Opened::new(&open),
        });
    };
    loop {
        if *shutdown.borrow() {
            break;
        }
        tokio::select! {
            r = listener.accept() => match r {
                Ok((stream, peer)) => {
                    start(stream, peer);
                    // Connections already queued are taken at once, up to
                    // a bound, without going round the `select!` (which
                    // registers with the shutdown channel anew each time).
                    for _ in 1..ACCEPT_BURST {
                        let next =
                            std::future::poll_fn(|cx| Poll::Ready(listener.poll_accept(cx))).await;
                        match next {
                            Poll::Ready(Ok((stream, peer))) => start(stream, peer),
                            // An error is met again, and handled, by the
                            // `accept` above.
                            _ => break,
                        }
                    }
                }
                Err(e) => {
                    // Out of descriptors and the like: back off briefly.
                    eprintln!("spoor: accept: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            r = shutdown.changed() => if r.is_err() { break },
            () = &mut stop => break,
        }
    }
    drop(listener);
    open.all_closed().await;
    Ok(())
}

/// Connections an accept loop takes per wake-up at most.
const ACCEPT_BURST: usize = 32;

/// The connections an accept loop started that have not ended yet: a
/// count and a wake-up for the loop waiting for the last one. (A `JoinSet`
/// did this before, at about 800 instructions per connection for its
/// bookkeeping of every task's result, which nobody reads.)
#[derive(Default)]
struct Open {
    count: std::sync::atomic::AtomicUsize,
    closed: tokio::sync::Notify,
}

impl Open {
    /// Returns once no connection counted in `self` is open.
    async fn all_closed(&self) {
        use std::sync::atomic::Ordering;
        loop {
            let wake = self.closed.notified();
            let mut wake = std::pin::pin!(wake);
            // Registered before the count is read: a connection ending in
            // between wakes this wait.
            wake.as_mut().enable();
            if self.count.load(Ordering::Acquire) == 0 {
                return;
            }
            wake.await;
        }
    }
}

/// One open connection of an [`Open`] count, until dropped.
struct Opened(Arc<Open>);

impl Opened {
    fn new(open: &Arc<Open>) -> Opened {
        open.count
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Opened(open.clone())
    }
}

/// A connection's (boxed) future and its place in the count, dropped
/// together when the task ends. (Not an `async` block around the future:
/// that would hold the connection twice, the moved-in value and the
/// future made from it, and make every idle connection about 400 bytes
/// larger.)
struct Counted<F> {
    fut: std::pin::Pin<Box<F>>,
    _open: Opened,
}

impl<F: std::future::Future> std::future::Future for Counted<F> {
    type Output = F::Output;
    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<F::Output> {
        self.fut.as_mut().poll(cx)
    }
}

impl Drop for Opened {
    fn drop(&mut self) {
        if self
            .0
            .count
            .fetch_sub(1, std::sync::atomic::Ordering::AcqRel)
            == 1
        {
            self.0.closed.notify_waiters();
        }
    }
}

/// Every module with request-phase hooks (within a phase, ordered by
/// [`Module::order`], then by this list).
pub(crate) fn hook_modules() -> &'static [&'static dyn Module] {
    use crate::modules as m;
    &[
        &m::unique_id::hooks::UniqueId,
        &m::log_forensic::hooks::LogForensic,
        &m::setenvif::hooks::SetEnvIf,
        &m::wasd::hooks::Wasd,
        &m::alias::hooks::Alias,
        &m::status::hooks::Status,
        &m::negotiation::hooks::Negotiation,
        &m::core::hooks::Core,
        &m::autoindex::hooks::Autoindex,
        &m::access_compat::hooks::AccessCompat,
        &m::authz_core::hooks::AuthzCore,
        &m::auth_basic::hooks::AuthBasic,
        &m::authn_core::hooks::AuthnCore,
        &m::env::hooks::Env,
        &m::usertrack::hooks::UserTrack,
        &m::filter::hooks::Filter,
        &m::log_config::hooks::LogConfig,
    ]
}
