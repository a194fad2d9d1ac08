//! The binary's allocator: the system's (glibc's) malloc, with a small
//! per-thread cache of over-aligned blocks in front of it.
//!
//! The async runtime allocates every task and every socket's readiness
//! record aligned to a cache line pair (128 bytes), which glibc serves
//! through `posix_memalign`: it carves an aligned piece out of a larger
//! chunk and frees the ends, about 600 instructions for one block, twice
//! per accepted connection (a twentieth of what a whole connection with
//! one request costs). Those blocks come in a few fixed sizes and are
//! freed as often as they are made, so a freed one is kept on the
//! freeing thread, in a list per (size, alignment), and handed out again
//! for the next request of the same layout.
//!
//! Bounds: only threads that ask for it keep blocks
//! ([`keep_on_this_thread`]: the worker threads and the main thread, which
//! live as long as the process; a thread's kept blocks are not returned
//! when it exits, so short-lived threads such as a reload's never keep
//! any); [`CLASSES`] layouts per thread, [`PER_CLASS`] blocks each, of at
//! most [`MAX_SIZE`] bytes: at most 256 KiB kept per thread, and only
//! blocks that were just in use.
//!
//! No crate offers this narrow piece (general allocators such as
//! mimalloc replace malloc as a whole; measured here, mimalloc doubled the
//! process's resident size and made an idle keep-alive connection 40 %
//! larger), hence these few lines.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::ptr;

/// Layouts kept per thread.
pub const CLASSES: usize = 4;
/// Blocks kept per layout and thread.
pub const PER_CLASS: usize = 32;
/// The largest block kept.
pub const MAX_SIZE: usize = 2048;

/// One layout's list of free blocks: each free block holds the address of
/// the next in its first word.
#[derive(Clone, Copy)]
struct Class {
    size: usize,
    align: usize,
    head: *mut u8,
    len: usize,
}

const EMPTY: Class = Class {
    size: 0,
    align: 0,
    head: ptr::null_mut(),
    len: 0,
};

thread_local! {
    // `const` and without a destructor: usable from the allocator at any
    // point of a thread's life, its exit included.
    static KEPT: Cell<[Class; CLASSES]> = const { Cell::new([EMPTY; CLASSES]) };
    static ON: Cell<bool> = const { Cell::new(false) };
}

/// Lets the calling thread keep freed over-aligned blocks for reuse. Call
/// it only on threads that live until the process exits.
pub fn keep_on_this_thread() {
    ON.with(|on| on.set(true));
}

/// Whether the calling thread keeps blocks.
#[inline]
fn on() -> bool {
    ON.try_with(Cell::get).unwrap_or(false)
}

/// Whether blocks of `l` are kept.
#[inline]
fn kept(l: Layout) -> bool {
    l.align() > 16 && l.size() >= std::mem::size_of::<*mut u8>() && l.size() <= MAX_SIZE
}

/// The system allocator with a per-thread cache of over-aligned blocks
/// (see the module documentation).
pub struct Allocator;

unsafe impl GlobalAlloc for Allocator {
    #[inline]
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        if kept(l) && on() {
            let p = KEPT
                .try_with(|k| {
                    let mut classes = k.get();
                    for c in classes.iter_mut() {
                        if c.size == l.size() && c.align == l.align() && c.len > 0 {
                            let p = c.head;
                            // SAFETY: a kept block is at least a pointer
                            // long, aligned, and holds the next block's
                            // address (written by `dealloc`).
                            c.head = unsafe { p.cast::<*mut u8>().read() };
                            c.len -= 1;
                            k.set(classes);
                            return p;
                        }
                    }
                    ptr::null_mut()
                })
                .unwrap_or(ptr::null_mut());
            if !p.is_null() {
                return p;
            }
        }
        // SAFETY: the caller's contract is `GlobalAlloc::alloc`'s.
        unsafe { System.alloc(l) }
    }

    #[inline]
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        if kept(l) && on() {
            let done = KEPT
                .try_with(|k| {
                    let mut classes = k.get();
                    let slot = classes
                        .iter()
                        .position(|c| c.size == l.size() && c.align == l.align())
                        .or_else(|| classes.iter().position(|c| c.len == 0));
                    let Some(i) = slot else {
                        return false;
                    };
                    let c = &mut classes[i];
                    if c.len >= PER_CLASS {
                        return false;
                    }
                    if c.len == 0 {
                        // An empty list may change its layout.
                        c.size = l.size();
                        c.align = l.align();
                    }
                    // SAFETY: `p` is a block of `l` (the caller's contract),
                    // at least a pointer long and aligned past a pointer's
                    // alignment; it is no longer in use.
                    unsafe { p.cast::<*mut u8>().write(c.head) };
                    c.head = p;
                    c.len += 1;
                    k.set(classes);
                    true
                })
                .unwrap_or(false);
            if done {
                return;
            }
        }
        // SAFETY: `p` came from `System` with `l` (kept blocks are handed
        // out only for their own layout).
        unsafe { System.dealloc(p, l) }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, l: Layout) -> *mut u8 {
        if kept(l) {
            // SAFETY: the caller's contract; a block from `alloc` is `l`'s
            // size and writable.
            unsafe {
                let p = self.alloc(l);
                if !p.is_null() {
                    p.write_bytes(0, l.size());
                }
                p
            }
        } else {
            // SAFETY: the caller's contract (calloc's zeroed pages).
            unsafe { System.alloc_zeroed(l) }
        }
    }

    #[inline]
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller's contract; `new_size` with `l`'s alignment
        // is a valid layout (the caller's contract too).
        unsafe {
            let new = Layout::from_size_align_unchecked(new_size, l.align());
            if !kept(l) && !kept(new) {
                return System.realloc(p, l, new_size);
            }
            let q = self.alloc(new);
            if !q.is_null() {
                ptr::copy_nonoverlapping(p, q, l.size().min(new_size));
                self.dealloc(p, l);
            }
            q
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligned_blocks_come_back_for_their_layout_only() {
        keep_on_this_thread();
        let a = Allocator;
        let l = Layout::from_size_align(384, 128).unwrap();
        let other = Layout::from_size_align(256, 128).unwrap();
        unsafe {
            let p = a.alloc(l);
            assert!(!p.is_null());
            assert_eq!(p as usize % 128, 0);
            p.write_bytes(0xa5, l.size());
            a.dealloc(p, l);
            // Another layout does not get it.
            let q = a.alloc(other);
            assert_ne!(q, p);
            assert_eq!(q as usize % 128, 0);
            // The same layout does.
            let r = a.alloc(l);
            assert_eq!(r, p);
            a.dealloc(q, other);
            a.dealloc(r, l);
        }
    }

    #[test]
    fn lists_are_bounded() {
        keep_on_this_thread();
        let a = Allocator;
        let l = Layout::from_size_align(640, 64).unwrap();
        unsafe {
            let blocks: Vec<*mut u8> = (0..PER_CLASS + 8).map(|_| a.alloc(l)).collect();
            for &b in &blocks {
                assert!(!b.is_null());
                assert_eq!(b as usize % 64, 0);
            }
            for &b in &blocks {
                a.dealloc(b, l);
            }
            let len = KEPT.with(|k| {
                k.get()
                    .iter()
                    .find(|c| c.size == 640 && c.align == 64)
                    .map_or(0, |c| c.len)
            });
            assert_eq!(len, PER_CLASS);
            // Everything kept is handed out again, each block once.
            let again: Vec<*mut u8> = (0..PER_CLASS).map(|_| a.alloc(l)).collect();
            let mut sorted = again.clone();
            sorted.sort();
            sorted.dedup();
            assert_eq!(sorted.len(), PER_CLASS);
            for b in again {
                assert!(blocks.contains(&b));
                a.dealloc(b, l);
            }
        }
    }

    #[test]
    fn ordinary_blocks_go_straight_to_the_system() {
        keep_on_this_thread();
        let a = Allocator;
        let l = Layout::from_size_align(64, 8).unwrap();
        let big = Layout::from_size_align(MAX_SIZE * 2, 128).unwrap();
        unsafe {
            let p = a.alloc(l);
            a.dealloc(p, l);
            let q = a.alloc(big);
            assert_eq!(q as usize % 128, 0);
            a.dealloc(q, big);
        }
        let kept_any = KEPT.with(|k| {
            k.get()
                .iter()
                .any(|c| c.len > 0 && (c.align == 8 || c.size == MAX_SIZE * 2))
        });
        assert!(!kept_any);
    }

    #[test]
    fn threads_that_did_not_ask_keep_nothing() {
        let kept = std::thread::spawn(|| {
            let a = Allocator;
            let l = Layout::from_size_align(512, 128).unwrap();
            unsafe {
                let p = a.alloc(l);
                assert_eq!(p as usize % 128, 0);
                a.dealloc(p, l);
            }
            KEPT.with(|k| k.get().iter().map(|c| c.len).sum::<usize>())
        })
        .join()
        .unwrap();
        assert_eq!(kept, 0);
    }
}
