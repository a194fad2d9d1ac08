//! Running configuration work off the serving threads.
//!
//! Reading, checking and building a configuration runs on a thread of its
//! own with an explicit stack size ([`CONFIG_STACK`]), at start-up
//! ([`on_config_thread`]) and on a reload ([`Reloader`]), so neither the
//! size of the main thread's stack nor a tokio worker's decides whether a
//! configuration can be read, and a slow reload never holds up a request.
//!
//! A reload has a time bound: past it, the server stops waiting, the old
//! configuration keeps serving, and whatever the abandoned reload
//! produces later is dropped. Until its thread has ended, a new reload is
//! refused rather than piling up threads.

use std::io;
use std::thread::JoinHandle;
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::time::Instant;

/// The stack size of the configuration thread. The reader has no
/// unbounded recursion ([`crate::config::reader::MAX_NESTING`],
/// [`crate::config::reader::MAX_INCLUDE_DEPTH`]), so this is a generous margin
/// rather than a guess.
pub const CONFIG_STACK: usize = 16 * 1024 * 1024;

/// The default time bound of a reload, in seconds (`--reload-timeout`).
pub const DEFAULT_RELOAD_TIMEOUT: u64 = 60;

fn config_thread() -> std::thread::Builder {
    std::thread::Builder::new()
        .name("spoor-config".into())
        .stack_size(CONFIG_STACK)
}

/// Runs `f` on a configuration thread and waits for it. A panic in `f`
/// is resumed on the calling thread.
pub fn on_config_thread<T: Send, F: FnOnce() -> T + Send>(f: F) -> io::Result<T> {
    std::thread::scope(|s| {
        let h = config_thread().spawn_scoped(s, f)?;
        match h.join() {
            Ok(t) => Ok(t),
            Err(p) => std::panic::resume_unwind(p),
        }
    })
}

/// Why a reload was not started.
#[derive(Debug)]
pub enum Refused {
    /// A reload is running (or an abandoned one has not ended yet).
    Busy,
    /// The thread could not be created.
    Spawn(io::Error),
}

/// How a started reload ended.
#[derive(Debug)]
pub enum Finished<T> {
    /// It produced a result in time.
    Done(T),
    /// It did not finish within the time bound; its thread goes on and
    /// its result will be dropped.
    TimedOut,
    /// Its thread panicked.
    Panicked,
}

/// The reload waited for.
struct Waiting<T> {
    result: oneshot::Receiver<T>,
    deadline: Instant,
    thread: JoinHandle<()>,
}

/// Starts reloads on configuration threads, one at a time, and waits for
/// them with a time bound.
pub struct Reloader<T> {
    limit: Duration,
    waiting: Option<Waiting<T>>,
    /// The thread of a reload that timed out, while it still runs.
    abandoned: Option<JoinHandle<()>>,
}

impl<T: Send + 'static> Reloader<T> {
    /// A reloader whose reloads may take at most `limit`.
    pub fn new(limit: Duration) -> Self {
        Reloader {
            limit,
            waiting: None,
            abandoned: None,
        }
    }

    /// Whether a reload is running (waited for, or abandoned but not
    /// ended).
    pub fn busy(&mut self) -> bool {
        if self.abandoned.as_ref().is_some_and(|h| h.is_finished()) {
            self.abandoned = None;
        }
        self.waiting.is_some() || self.abandoned.is_some()
    }

    /// Starts `f` on a configuration thread, unless a reload is running.
    pub fn start(&mut self, f: impl FnOnce() -> T + Send + 'static) -> Result<(), Refused> {
        if self.busy() {
            return Err(Refused::Busy);
        }
        let (tx, rx) = oneshot::channel();
        let thread = config_thread()
            .spawn(move || {
                // The receiver is gone once the reload timed out.
                let _ = tx.send(f());
            })
            .map_err(Refused::Spawn)?;
        self.waiting = Some(Waiting {
            result: rx,
            deadline: Instant::now() + self.limit,
            thread,
        });
        Ok(())
    }

    /// Waits for the running reload to end or to pass its time bound;
    /// never completes while no reload is waited for. Cancel-safe: the
    /// reload stays waited for if this future is dropped.
    pub async fn finished(&mut self) -> Finished<T> {
        let Some(w) = &mut self.waiting else {
            return std::future::pending().await;
        };
        let r = tokio::time::timeout_at(w.deadline, &mut w.result).await;
        let w = self.waiting.take().expect("waited for");
        match r {
            Ok(Ok(t)) => {
                // The thread only has to return after sending.
                let _ = w.thread.join();
                Finished::Done(t)
            }
            Ok(Err(_)) => {
                let _ = w.thread.join();
                Finished::Panicked
            }
            Err(_) => {
                self.abandoned = Some(w.thread);
                Finished::TimedOut
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    #[test]
    fn deep_recursion_fits_the_config_stack() {
        // About 8 MiB of frames: more than many main threads have.
        fn down(n: usize) -> usize {
            let pad = std::hint::black_box([n as u8; 512]);
            if n == 0 {
                0
            } else {
                down(n - 1) + pad[0] as usize % 2
            }
        }
        let r = on_config_thread(|| down(14_000)).unwrap();
        assert!(r <= 14_000);
    }

    #[tokio::test]
    async fn a_reload_past_its_bound_is_abandoned_and_blocks_the_next() {
        let mut r: Reloader<u32> = Reloader::new(Duration::from_millis(200));
        r.start(|| 7).unwrap();
        assert!(matches!(r.finished().await, Finished::Done(7)));
        assert!(!r.busy());
        let (release, wait) = mpsc::channel::<()>();
        r.start(move || {
            let _ = wait.recv_timeout(Duration::from_secs(20));
            8
        })
        .unwrap();
        assert!(matches!(r.start(|| 9), Err(Refused::Busy)));
        let t = std::time::Instant::now();
        assert!(matches!(r.finished().await, Finished::TimedOut));
        assert!(t.elapsed() >= Duration::from_millis(150));
        assert!(t.elapsed() < Duration::from_secs(10));
        // Still running in the background: refused.
        assert!(matches!(r.start(|| 9), Err(Refused::Busy)));
        release.send(()).unwrap();
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while r.busy() {
            assert!(std::time::Instant::now() < deadline);
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        r.start(|| 10).unwrap();
        assert!(matches!(r.finished().await, Finished::Done(10)));
        // (Printing the panic's backtrace may take longer than 200 ms.)
        let mut r: Reloader<u32> = Reloader::new(Duration::from_secs(30));
        r.start(|| panic!("reader bug")).unwrap();
        assert!(matches!(r.finished().await, Finished::Panicked));
    }
}
