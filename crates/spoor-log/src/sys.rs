//! The few libc calls the crate (and the server built on it) repeats, each
//! behind one safe function so the `unsafe` and its reasoning live here
//! only.

use std::io::{self, Read};

/// Fills `buf` from the kernel's CSPRNG (`getrandom(2)`, blocking until
/// the pool is initialised, retried on `EINTR` and on short reads). When
/// the system call itself fails (an old kernel or a seccomp filter), the
/// same generator is read through `/dev/urandom`; the first error is
/// returned if that fails too.
pub fn fill_random(buf: &mut [u8]) -> io::Result<()> {
    let mut done = 0;
    while done < buf.len() {
        let rest = &mut buf[done..];
        // SAFETY: the pointer and length describe `rest`, a live mutable
        // slice, so the kernel writes only inside memory we own; flags 0
        // asks for nothing beyond the default behaviour.
        let n = unsafe { libc::getrandom(rest.as_mut_ptr().cast(), rest.len(), 0) };
        if n >= 0 {
            done += n as usize;
            continue;
        }
        let e = io::Error::last_os_error();
        if e.kind() == io::ErrorKind::Interrupted {
            continue;
        }
        return std::fs::File::open("/dev/urandom")
            .and_then(|mut f| f.read_exact(&mut buf[done..]))
            .map_err(|_| e);
    }
    Ok(())
}

/// The calling thread's id as httpd prints it for `%{tid}P` and in the
/// error log: `pthread_self()` as an integer.
pub fn thread_id() -> u64 {
    // SAFETY: pthread_self takes no arguments, has no preconditions and
    // cannot fail; it only reads the calling thread's own handle.
    unsafe { libc::pthread_self() as u64 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_bytes_fill_the_whole_buffer() {
        // 4 KiB of zeros from a CSPRNG has probability 2^-32768: a buffer
        // still all zero means it was not written.
        let mut a = vec![0u8; 4096];
        fill_random(&mut a).unwrap();
        assert!(a.iter().any(|&b| b != 0));
        let mut tail = [0u8; 64];
        fill_random(&mut tail).unwrap();
        assert!(tail[56..].iter().any(|&b| b != 0));
        let mut b = vec![0u8; 4096];
        fill_random(&mut b).unwrap();
        assert_ne!(a, b);
        fill_random(&mut []).unwrap();
    }

    #[test]
    fn thread_ids_differ_between_threads_and_are_stable_within_one() {
        let here = thread_id();
        assert_eq!(here, thread_id());
        let there = std::thread::spawn(thread_id).join().unwrap();
        assert_ne!(here, there);
    }
}
