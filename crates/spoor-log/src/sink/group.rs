//! Group commit: [`Sink::write_record_grouped`](super::Sink::write_record_grouped).
//!
//! Why: threads that append to one file each take the inode's lock in
//! the kernel for their `write(2)`, and the inode, the page and the
//! journal's records bounce between their CPUs. Two threads appending
//! records as fast as they can spend 2.8 µs of CPU per record, against
//! 1.1 for one thread alone (`examples/sink_contention.rs`; BENCHMARKS.md,
//! "Group commit"); grouped, 0.35 (8 threads: 2.5 and 0.8).
//! A thread that finds another one writing hands its record over instead
//! of queueing in the kernel: the writing thread writes everything handed
//! over before it returns, in one `write(2)` per batch.
//!
//! What a record handed over keeps: it is whole and never interleaved
//! (batches hold whole records and go through the same write as a single
//! one); it is written by a thread that is already inside a write, before
//! that thread goes back to its own work, so it reaches the kernel within
//! microseconds and before any shutdown completes (a sink closes after the
//! workers stop). What it does not keep: a thread that handed its record
//! over does not learn whether it was written; failures are still counted
//! and reported by the sink. Records that must be in the kernel before
//! their thread goes on (mod_log_forensic's `+` line) use
//! [`Sink::write_record`](super::Sink::write_record).

use std::io;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard, TryLockError};

/// The most bytes waiting to be written for others; a thread finding
/// more waits for its turn to write, as a blocked `write(2)` would.
pub(super) const PENDING_MAX: usize = 64 * 1024;

/// The group of one sink.
#[derive(Default)]
pub(super) struct Group {
    /// Held by the thread writing for the group; the vector is its batch
    /// (kept for its capacity).
    writer: Mutex<Vec<u8>>,
    /// Records handed over while `writer` was held, whole, in the order
    /// they came.
    pending: Mutex<Vec<u8>>,
    /// Whether `pending` holds records: set and cleared under its lock,
    /// read without it where a stale answer is caught later (`drain`'s
    /// last look takes the lock).
    queued: AtomicBool,
    /// Tests: run once by the writer between its last look at the pending
    /// records and letting go of the lock (the window `drain`'s last look
    /// covers).
    #[cfg(test)]
    before_release: Mutex<Option<fn(&Group)>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn try_lock<T>(m: &Mutex<T>) -> Option<MutexGuard<'_, T>> {
    match m.try_lock() {
        Ok(g) => Some(g),
        Err(TryLockError::Poisoned(e)) => Some(e.into_inner()),
        Err(TryLockError::WouldBlock) => None,
    }
}

impl Group {
    /// Writes `line` with `write`, or hands it to the thread writing now.
    /// The result is `write`'s for `line` when this thread wrote it, `Ok`
    /// when it was handed over.
    ///
    /// A thread's records reach `write` in the order it gave them: one
    /// that takes the writer's lock first writes what is pending (where
    /// its own earlier records may wait) together with its new one.
    pub(super) fn write(
        &self,
        line: &[u8],
        write: impl Fn(&[u8]) -> io::Result<()>,
    ) -> io::Result<()> {
        let mut batch = match try_lock(&self.writer) {
            Some(batch) => batch,
            None => {
                let mut pending = lock(&self.pending);
                if pending.len() + line.len() <= PENDING_MAX {
                    pending.extend_from_slice(line);
                    self.queued.store(true, Ordering::Relaxed);
                    drop(pending);
                    // The writer may have taken its last look at the
                    // pending records before this one came: whoever holds
                    // `writer` next writes it (see `drain`).
                    if let Some(batch) = try_lock(&self.writer) {
                        self.drain(batch, &write);
                    }
                    return Ok(());
                }
                drop(pending);
                lock(&self.writer)
            }
        };
        // (This thread's own earlier records are seen here without the
        // lock: it set the flag itself.)
        let r = if self.queued.load(Ordering::Relaxed) {
            self.take_pending(&mut batch);
            batch.extend_from_slice(line);
            let r = write(&batch);
            batch.clear();
            r
        } else {
            write(line)
        };
        self.drain(batch, &write);
        r
    }

    /// Moves the pending records into the (empty) `batch`.
    fn take_pending(&self, batch: &mut Vec<u8>) {
        let mut pending = lock(&self.pending);
        std::mem::swap(&mut *pending, batch);
        self.queued.store(false, Ordering::Relaxed);
    }

    /// Writes what was handed over until nothing is left, then lets go of
    /// the writer's lock and looks once more, under the pending records'
    /// lock: a record handed over after the last look, whose thread found
    /// the writer's lock still held, is written by whoever takes the lock
    /// next (this thread, or one that will look again after letting go
    /// itself).
    fn drain<'a>(
        &'a self,
        mut batch: MutexGuard<'a, Vec<u8>>,
        write: &impl Fn(&[u8]) -> io::Result<()>,
    ) {
        loop {
            while self.queued.load(Ordering::Relaxed) {
                self.take_pending(&mut batch);
                if !batch.is_empty() {
                    // Failures are counted and reported by the sink's
                    // writer.
                    let _ = write(&batch);
                    batch.clear();
                }
            }
            #[cfg(test)]
            if let Some(hook) = lock(&self.before_release).take() {
                hook(self);
            }
            drop(batch);
            if lock(&self.pending).is_empty() {
                return;
            }
            match try_lock(&self.writer) {
                Some(b) => batch = b,
                None => return,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;
    use std::sync::{Arc, Barrier};

    #[test]
    fn alone_a_record_is_written_by_its_own_thread() {
        let g = Group::default();
        let seen = Mutex::new(Vec::new());
        let r = g.write(b"a\n", |b| {
            lock(&seen).push(b.to_vec());
            Ok(())
        });
        assert!(r.is_ok());
        assert_eq!(*lock(&seen), vec![b"a\n".to_vec()]);
        // Its error is its own.
        let r = g.write(b"b\n", |_| Err(io::Error::other("full")));
        assert_eq!(r.unwrap_err().to_string(), "full");
    }

    #[test]
    fn a_record_handed_over_is_written_by_the_writer_before_it_returns() {
        let g = Arc::new(Group::default());
        let out = Arc::new(Mutex::new(Vec::<Vec<u8>>::new()));
        let inside = Arc::new(Barrier::new(2));
        let handed = Arc::new(Barrier::new(2));
        let writer = {
            let (g, out, inside, handed) = (g.clone(), out.clone(), inside.clone(), handed.clone());
            std::thread::spawn(move || {
                let first = AtomicUsize::new(0);
                g.write(b"first\n", |b| {
                    if first.fetch_add(1, Ordering::SeqCst) == 0 {
                        // Inside the first write: let the other thread
                        // hand its record over, then finish.
                        inside.wait();
                        handed.wait();
                    }
                    lock(&out).push(b.to_vec());
                    Ok(())
                })
                .unwrap();
                // By the time the writer returns, the other record is out.
                lock(&out).clone()
            })
        };
        inside.wait();
        let r = g.write(b"second\n", |_| panic!("the writer writes this one"));
        assert!(r.is_ok());
        handed.wait();
        let seen = writer.join().unwrap();
        assert_eq!(seen, vec![b"first\n".to_vec(), b"second\n".to_vec()]);
        assert!(lock(&g.pending).is_empty());
    }

    #[test]
    fn a_record_handed_over_as_the_writer_lets_go_is_written() {
        let g = Group::default();
        // After the writer's last look: another thread hands its record
        // over and returns, the lock being still held.
        *lock(&g.before_release) = Some(|g: &Group| {
            std::thread::scope(|s| {
                s.spawn(|| g.write(b"late\n", |_| panic!("handed over")).unwrap())
                    .join()
                    .unwrap();
            });
        });
        let out = Mutex::new(Vec::new());
        g.write(b"first\n", |b| {
            lock(&out).extend_from_slice(b);
            Ok(())
        })
        .unwrap();
        assert_eq!(*lock(&out), b"first\nlate\n");
        assert!(lock(&g.pending).is_empty());
    }

    #[test]
    fn past_the_bound_a_thread_waits_its_turn() {
        let g = Arc::new(Group::default());
        let big = vec![b'x'; PENDING_MAX - 1];
        let mut big_line = big.clone();
        big_line.push(b'\n');
        let inside = Arc::new(Barrier::new(2));
        let release = Arc::new(Barrier::new(2));
        let writes = Arc::new(Mutex::new(Vec::<usize>::new()));
        let writer = {
            let (g, inside, release, writes) =
                (g.clone(), inside.clone(), release.clone(), writes.clone());
            std::thread::spawn(move || {
                let first = AtomicUsize::new(0);
                g.write(b"w\n", |b| {
                    if first.fetch_add(1, Ordering::SeqCst) == 0 {
                        inside.wait();
                        release.wait();
                    }
                    lock(&writes).push(b.len());
                    Ok(())
                })
                .unwrap();
            })
        };
        inside.wait();
        // Fills the pending records to the bound: handed over.
        g.write(&big_line, |_| panic!("handed over")).unwrap();
        assert_eq!(lock(&g.pending).len(), PENDING_MAX);
        // One more byte would pass it: this thread waits for the lock and
        // writes its record itself, after the writer let go.
        let waiter = {
            let (g, writes) = (g.clone(), writes.clone());
            std::thread::spawn(move || {
                g.write(b"z\n", |b| {
                    lock(&writes).push(b.len());
                    Ok(())
                })
            })
        };
        std::thread::sleep(std::time::Duration::from_millis(50));
        release.wait();
        writer.join().unwrap();
        waiter.join().unwrap().unwrap();
        let w = lock(&writes).clone();
        assert_eq!(w.iter().sum::<usize>(), 2 + PENDING_MAX + 2);
        assert!(
            w.contains(&PENDING_MAX),
            "the handed-over record in one batch: {w:?}"
        );
        assert!(lock(&g.pending).is_empty());
    }

    #[test]
    fn many_threads_lose_nothing_and_tear_nothing() {
        let g = Arc::new(Group::default());
        let out = Arc::new(Mutex::new(Vec::<u8>::new()));
        let threads: Vec<_> = (0..4)
            .map(|t| {
                let (g, out) = (g.clone(), out.clone());
                std::thread::spawn(move || {
                    for i in 0..20_000 {
                        let line = format!("t{t} r{i} {}\n", "y".repeat(i % 97));
                        g.write(line.as_bytes(), |b| {
                            lock(&out).extend_from_slice(b);
                            Ok(())
                        })
                        .unwrap();
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let out = lock(&out);
        let text = std::str::from_utf8(&out).unwrap();
        let mut next = [0usize; 4];
        let mut n = 0;
        for line in text.lines() {
            let mut parts = line.split(' ');
            let t: usize = parts.next().unwrap()[1..].parse().unwrap();
            let i: usize = parts.next().unwrap()[1..].parse().unwrap();
            assert_eq!(
                parts.next().unwrap(),
                "y".repeat(i % 97),
                "line torn: {line:?}"
            );
            // Each thread's records in its own order.
            assert_eq!(i, next[t], "thread {t} out of order");
            next[t] += 1;
            n += 1;
        }
        assert_eq!(n, 80_000);
        assert!(lock(&g.pending).is_empty());
    }
}
