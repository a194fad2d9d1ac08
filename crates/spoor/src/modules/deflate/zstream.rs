//! A raw-deflate zlib stream, through libz-sys, linked to the system's
//! zlib (the one Debian's apache2 uses), so that the compressed bytes
//! are the same as httpd's.
//!
//! (flate2, the usual wrapper, cannot set zlib's `memLevel`: it always
//! asks for 8, and httpd's default `DeflateMemLevel` is 9, which changes
//! the output. So the stream is driven here directly, with the few calls
//! httpd makes: `deflateInit2`, `deflate`, `deflateEnd`, `crc32`.)

use libz_sys as z;

/// zlib's allocator hooks (libz-sys declares them as non-null function
/// pointers, so the defaults zlib picks for `Z_NULL` cannot be asked
/// for): the C allocator, zeroed.
unsafe extern "C" fn zalloc(_: z::voidpf, items: z::uInt, size: z::uInt) -> z::voidpf {
    // SAFETY: calloc with the sizes zlib asks for.
    unsafe { libc::calloc(items as usize, size as usize) }
}

unsafe extern "C" fn zfree(_: z::voidpf, p: z::voidpf) {
    // SAFETY: `p` came from `zalloc`.
    unsafe { libc::free(p) }
}

/// A deflate stream with its settings (boxed: zlib keeps a pointer to
/// the stream in its state, so it must not move).
pub(crate) struct Deflater {
    strm: Box<z::z_stream>,
}

// SAFETY: the stream's pointers (its state and our buffers while a call
// runs) are owned by this value alone; zlib keeps no thread affinity.
unsafe impl Send for Deflater {}

/// What one call did.
pub(crate) struct Step {
    /// Input bytes taken.
    pub(crate) read: usize,
    /// Output bytes written.
    pub(crate) written: usize,
    /// zlib's return code.
    pub(crate) code: i32,
}

impl Deflater {
    /// `deflateInit2(level, Z_DEFLATED, window_bits, mem_level,
    /// Z_DEFAULT_STRATEGY)`; `None` when zlib refuses.
    pub(crate) fn new(level: i32, window_bits: i32, mem_level: i32) -> Option<Deflater> {
        let mut strm = Box::new(z::z_stream {
            next_in: std::ptr::null_mut(),
            avail_in: 0,
            total_in: 0,
            next_out: std::ptr::null_mut(),
            avail_out: 0,
            total_out: 0,
            msg: std::ptr::null_mut(),
            state: std::ptr::null_mut(),
            zalloc,
            zfree,
            opaque: std::ptr::null_mut(),
            data_type: 0,
            adler: 0,
            reserved: 0,
        });
        // SAFETY: a zeroed stream with allocator hooks, as zlib asks; the
        // version and size are those of the header libz-sys mirrors.
        let rc = unsafe {
            z::deflateInit2_(
                &mut *strm,
                level,
                z::Z_DEFLATED,
                window_bits,
                mem_level,
                z::Z_DEFAULT_STRATEGY,
                z::zlibVersion(),
                std::mem::size_of::<z::z_stream>() as i32,
            )
        };
        if rc != z::Z_OK {
            return None;
        }
        Some(Deflater { strm })
    }

    /// One `deflate(flush)` call from `input` into `output`.
    pub(crate) fn step(&mut self, input: &[u8], output: &mut [u8], flush: i32) -> Step {
        let s = &mut *self.strm;
        s.next_in = input.as_ptr() as *mut u8;
        s.avail_in = input.len().min(u32::MAX as usize) as z::uInt;
        s.next_out = output.as_mut_ptr();
        s.avail_out = output.len().min(u32::MAX as usize) as z::uInt;
        let (ai, ao) = (s.avail_in, s.avail_out);
        // SAFETY: the stream was initialised; next_in/next_out point to
        // the given slices for the lengths set (zlib does not write to
        // the input).
        let code = unsafe { z::deflate(s, flush) };
        let step = Step {
            read: (ai - s.avail_in) as usize,
            written: (ao - s.avail_out) as usize,
            code,
        };
        s.next_in = std::ptr::null_mut();
        s.next_out = std::ptr::null_mut();
        step
    }

    /// Bytes taken in so far.
    // (zlib's counters are C `unsigned long`s: 32 bits on some targets.)
    #[allow(clippy::unnecessary_cast)]
    pub(crate) fn total_in(&self) -> u64 {
        self.strm.total_in as u64
    }

    /// Bytes written out so far.
    // (zlib's counters are C `unsigned long`s: 32 bits on some targets.)
    #[allow(clippy::unnecessary_cast)]
    pub(crate) fn total_out(&self) -> u64 {
        self.strm.total_out as u64
    }
}

impl Drop for Deflater {
    fn drop(&mut self) {
        // SAFETY: the stream was initialised and is ended once.
        unsafe { z::deflateEnd(&mut *self.strm) };
    }
}

/// zlib's CRC-32 of `data` continuing from `crc`.
pub(crate) fn crc32(crc: u32, data: &[u8]) -> u32 {
    let mut crc = crc as z::uLong;
    for part in data.chunks(u32::MAX as usize) {
        // SAFETY: reads `part.len()` bytes of a valid slice.
        crc = unsafe { z::crc32(crc, part.as_ptr(), part.len() as z::uInt) };
    }
    crc as u32
}
