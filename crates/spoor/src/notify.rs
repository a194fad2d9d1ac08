//! Readiness and state for a service manager: systemd's `sd_notify`
//! protocol (a datagram of `KEY=value` lines sent to the unix socket named
//! by `$NOTIFY_SOCKET`), so a `Type=notify` unit knows when spoor serves,
//! reloads and stops (see `contrib/spoor.service`).
//!
//! Written with std's unix datagram socket rather than a crate: the
//! protocol is one `sendto` of a short text, and the crates that wrap it
//! either link libsystemd or pull in more than this needs.
//!
//! Without `$NOTIFY_SOCKET` (not started by systemd) every call does
//! nothing. The variable is read once, at start-up, before any thread
//! exists, and removed from the environment so that piped loggers and
//! other programs spoor starts do not inherit it.

use std::os::unix::net::{SocketAddr, UnixDatagram};
use std::sync::OnceLock;

/// The socket messages go to, connected to the manager's address when a
/// service manager asked. It is connected at start-up, while spoor may
/// still be root: after the privilege drop the unprivileged user could not
/// open the manager's socket by its name.
static TARGET: OnceLock<Option<UnixDatagram>> = OnceLock::new();

/// Reads and clears `$NOTIFY_SOCKET`; call once, early, before threads
/// are started (changing the environment is only sound then).
pub fn init() {
    TARGET.get_or_init(|| {
        let name = std::env::var_os("NOTIFY_SOCKET")?;
        // Sound only while no other thread reads the environment: the
        // caller's contract (start-up, before any thread exists).
        std::env::remove_var("NOTIFY_SOCKET");
        let bytes = name.as_encoded_bytes();
        let addr = match bytes.strip_prefix(b"@") {
            // An abstract socket (Linux): `@name`.
            Some(abstract_name) => {
                use std::os::linux::net::SocketAddrExt;
                SocketAddr::from_abstract_name(abstract_name).ok()?
            }
            None if bytes.first() == Some(&b'/') => SocketAddr::from_pathname(&name).ok()?,
            None => return None,
        };
        let sock = UnixDatagram::unbound().ok()?;
        sock.connect_addr(&addr).ok()?;
        Some(sock)
    });
}

/// Sends one message (`KEY=value` lines); errors are ignored, as
/// `sd_notify` callers do: the manager's absence must not stop serving.
pub fn send(message: &str) {
    if let Some(Some(sock)) = TARGET.get() {
        let _ = sock.send(message.as_bytes());
    }
}

/// The server accepts requests (after binding, opening the logs and
/// dropping privileges).
pub fn ready() {
    send(&format!(
        "READY=1\nMAINPID={}\nSTATUS=serving",
        std::process::id()
    ));
}

/// A reload begins; [`ready`] follows when it ends, whatever its outcome.
pub fn reloading() {
    send(&format!("RELOADING=1\nMONOTONIC_USEC={}", monotonic_us()));
}

/// The server is shutting down.
pub fn stopping() {
    send("STOPPING=1\nSTATUS=stopping");
}

/// `CLOCK_MONOTONIC` in microseconds, as `Type=notify-reload` expects
/// beside `RELOADING=1`.
fn monotonic_us() -> u64 {
    // SAFETY: an all-zero timespec is valid; clock_gettime fills it.
    let mut ts: libc::timespec = unsafe { std::mem::zeroed() };
    // SAFETY: a valid clock id and a writable timespec.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    ts.tv_sec as u64 * 1_000_000 + ts.tv_nsec as u64 / 1000
}
