//! Per-thread pools of connection buffers.
//!
//! A connection needs its read buffer, response buffer and log-line buffer
//! only while a request is on it. An idle keep-alive connection hands them
//! back to the pool of the thread it runs on and takes a set again when the
//! client sends its next request, so ten thousand idle connections hold no
//! buffers at all, while a busy server reuses the same few sets without
//! calling the allocator. Each pool keeps at most [`POOL_MAX`] sets; a set
//! whose response buffer grew past [`OUT_MAX`] is freed rather than kept.

use std::cell::RefCell;

/// The read buffer's size (a request head usually fits many times over).
pub const READ_BUF: usize = 8192;
/// The response buffer's initial capacity.
const OUT_CAP: usize = 1024;
/// The log-line buffer's initial capacity.
const LINE_CAP: usize = 512;
/// Sets kept per thread.
pub const POOL_MAX: usize = 16;
/// Response buffers larger than this are not kept.
pub const OUT_MAX: usize = 256 * 1024;

/// The buffers a connection holds while it serves a request.
#[derive(Debug, Default)]
pub struct Buffers {
    /// The read buffer, `READ_BUF` initialised bytes.
    pub buf: Vec<u8>,
    /// The response buffer (empty).
    pub out: Vec<u8>,
    /// The log-line buffer (empty).
    pub line: Vec<u8>,
}

thread_local! {
    static POOL: RefCell<Vec<Buffers>> = const { RefCell::new(Vec::new()) };
}

/// A set of buffers: one from this thread's pool, else a new one.
pub fn take() -> Buffers {
    POOL.with(|p| p.borrow_mut().pop())
        .unwrap_or_else(|| Buffers {
            buf: vec![0; READ_BUF],
            out: Vec::with_capacity(OUT_CAP),
            line: Vec::with_capacity(LINE_CAP),
        })
}

/// Returns a set to this thread's pool (or frees it when the pool is full
/// or the set grew too large). A read buffer that grew is cut back to
/// `READ_BUF`.
pub fn give(mut b: Buffers) {
    if b.out.capacity() > OUT_MAX || b.buf.capacity() > 4 * READ_BUF {
        return;
    }
    b.buf.resize(READ_BUF, 0);
    b.out.clear();
    b.line.clear();
    // (`try_with`: a connection dropped while its thread exits finds the
    // pool gone, and frees its set.)
    let _ = POOL.try_with(|p| {
        let mut p = p.borrow_mut();
        if p.len() < POOL_MAX {
            p.push(b);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_are_reused_and_bounded() {
        let a = take();
        assert_eq!(a.buf.len(), READ_BUF);
        let ptr = a.buf.as_ptr();
        give(a);
        let b = take();
        assert_eq!(b.buf.as_ptr(), ptr, "the pooled set comes back");
        // A grown response buffer is freed, not pooled.
        let mut big = b;
        big.out.reserve(OUT_MAX + 1);
        give(big);
        assert_ne!(take().out.capacity(), OUT_MAX + 1);
        // The pool never holds more than POOL_MAX sets.
        let sets: Vec<Buffers> = (0..POOL_MAX + 4).map(|_| take()).collect();
        for s in sets {
            give(s);
        }
        assert_eq!(POOL.with(|p| p.borrow().len()), POOL_MAX);
    }
}
