//! Request ids in mod_unique_id's 2.4.47+ layout (`UNIQUE_ID`).
//!
//! An id is 20 bytes, encoded as 27 base64url characters (`A–Z a–z 0–9 -
//! _`, no padding):
//!
//! | bytes | content |
//! |---|---|
//! | 0–3 | the request's time in seconds, big-endian |
//! | 4–13 | a root of 10 random bytes drawn once per process from the OS CSPRNG |
//! | 14–15 | a counter, big-endian, `mod 0xFFFF` (so `ffff` never appears), starting at a random value |
//! | 16–19 | httpd: the connection's slot number; spoor: the number of times the counter has wrapped |
//!
//! Uniqueness needs no coordination. Within a process the counter and the
//! wrap count are the low and high parts of one 48-bit sequence taken with
//! an atomic add, so no two requests of a process get the same id before
//! 2^48 requests (httpd relies on two connections in one slot never sharing
//! a second and a counter value instead). Between processes and machines
//! the 80-bit random root differs with overwhelming probability
//! (`getrandom(2)`, never a time- or pid-based seed).

use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

/// The length of an encoded id.
pub const UNIQUE_ID_LEN: usize = 27;

/// base64url, as mod_unique_id uses since 2.4.47.
const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Fills `buf` from the operating system's CSPRNG (`getrandom(2)`).
pub fn os_random(buf: &mut [u8]) -> io::Result<()> {
    crate::sys::fill_random(buf)
}

/// Encodes 20 bytes as mod_unique_id does: base64url without padding
/// (3-byte groups, most significant bits first; the last two bytes give
/// 3 characters with 2 zero bits), 27 characters.
pub fn encode(raw: &[u8; 20]) -> [u8; UNIQUE_ID_LEN] {
    use base64::Engine as _;
    let mut out = [0u8; UNIQUE_ID_LEN];
    let n = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode_slice(raw, &mut out)
        .expect("20 bytes are 27 characters");
    debug_assert_eq!(n, UNIQUE_ID_LEN);
    out
}

/// Decodes an id made by [`encode`] (or by httpd 2.4.47+); `None` if it is
/// not 27 base64url characters.
pub fn decode(id: &[u8]) -> Option<[u8; 20]> {
    if id.len() != UNIQUE_ID_LEN {
        return None;
    }
    let mut bits: u32 = 0;
    let mut nbits = 0;
    let mut out = [0u8; 21];
    let mut k = 0;
    for &c in id {
        let v = ALPHABET.iter().position(|&a| a == c)? as u32;
        bits = bits << 6 | v;
        nbits += 6;
        if nbits >= 8 {
            nbits -= 8;
            out[k] = (bits >> nbits) as u8;
            k += 1;
            bits &= (1 << nbits) - 1;
        }
    }
    let mut raw = [0u8; 20];
    raw.copy_from_slice(&out[..20]);
    Some(raw)
}

/// A generator of unique ids; one per process ([`UniqueIds::global`]).
#[derive(Debug)]
pub struct UniqueIds {
    root: [u8; 10],
    /// The next value of the 48-bit sequence (counter + wrap count).
    seq: AtomicU64,
}

impl UniqueIds {
    /// A generator with a fresh random root and a random counter start.
    pub fn new() -> io::Result<UniqueIds> {
        let mut r = [0u8; 12];
        os_random(&mut r)?;
        let mut root = [0u8; 10];
        root.copy_from_slice(&r[..10]);
        let start = u16::from_be_bytes([r[10], r[11]]) as u64 % 0xFFFF;
        Ok(UniqueIds {
            root,
            seq: AtomicU64::new(start),
        })
    }

    /// The process-wide generator. Panics only if the OS CSPRNG cannot be
    /// read at all.
    pub fn global() -> &'static UniqueIds {
        static G: OnceLock<UniqueIds> = OnceLock::new();
        G.get_or_init(|| UniqueIds::new().expect("getrandom(2) failed"))
    }

    /// The next id, stamped with `time_s` (the request's time in seconds).
    pub fn next(&self, time_s: i64) -> [u8; UNIQUE_ID_LEN] {
        let s = self.seq.fetch_add(1, Ordering::Relaxed);
        let mut raw = [0u8; 20];
        raw[..4].copy_from_slice(&(time_s as u32).to_be_bytes());
        raw[4..14].copy_from_slice(&self.root);
        raw[14..16].copy_from_slice(&((s % 0xFFFF) as u16).to_be_bytes());
        raw[16..].copy_from_slice(&((s / 0xFFFF) as u32).to_be_bytes());
        encode(&raw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    /// The hand-written encoder spoor had before the `base64` crate: a
    /// reference model the crate's output must equal.
    fn encode_before_crate(raw: &[u8; 20]) -> [u8; UNIQUE_ID_LEN] {
        let mut padded = [0u8; 21];
        padded[..20].copy_from_slice(raw);
        let mut out = [0u8; UNIQUE_ID_LEN];
        let mut k = 0;
        for g in padded.chunks(3) {
            let v = (g[0] as u32) << 16 | (g[1] as u32) << 8 | g[2] as u32;
            for shift in [18, 12, 6, 0] {
                if k == UNIQUE_ID_LEN {
                    return out;
                }
                out[k] = ALPHABET[((v >> shift) & 63) as usize];
                k += 1;
            }
        }
        out
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4096))]
        #[test]
        fn crate_encoder_equals_the_hand_written_one(
            raw in proptest::array::uniform20(proptest::num::u8::ANY)
        ) {
            proptest::prop_assert_eq!(encode(&raw), encode_before_crate(&raw));
            proptest::prop_assert_eq!(decode(&encode(&raw)), Some(raw));
        }
    }

    #[test]
    fn crate_encoder_equals_the_hand_written_one_at_the_edges() {
        for b in [0u8, 0x01, 0x3f, 0x7f, 0x80, 0xfb, 0xfc, 0xfe, 0xff] {
            for pos in 0..20 {
                let mut raw = [0u8; 20];
                raw[pos] = b;
                assert_eq!(encode(&raw), encode_before_crate(&raw));
                let mut raw = [0xffu8; 20];
                raw[pos] = b;
                assert_eq!(encode(&raw), encode_before_crate(&raw));
            }
        }
    }

    #[test]
    fn decodes_a_live_httpd_id() {
        // spec/apache-logging.md §4 [EMP]: stamp 0x6b026b1f, counter
        // 0x7f9d, connection id 0.
        let raw = decode(b"awJrH1DCtitBxeW4OyZ_nQAAAAA").unwrap();
        assert_eq!(&raw[..4], &[0x6b, 0x02, 0x6b, 0x1f]);
        assert_eq!(&raw[14..16], &[0x7f, 0x9d]);
        assert_eq!(&raw[16..], &[0, 0, 0, 0]);
        assert_eq!(&encode(&raw), b"awJrH1DCtitBxeW4OyZ_nQAAAAA");
        // One more, from apache2 2.4.71 with mod_unique_id here: counter
        // 0x21b4, connection 77.
        let raw = decode(b"awKiSaT3KbFBOFhZFCAhtAAAAE0").unwrap();
        assert_eq!(&raw[14..], &[0x21, 0xb4, 0, 0, 0, 77]);
        assert_eq!(&encode(&raw), b"awKiSaT3KbFBOFhZFCAhtAAAAE0");
    }

    #[test]
    fn layout_and_alphabet() {
        let g = UniqueIds::new().unwrap();
        let a = g.next(0x6b02_a249);
        let b = g.next(0x6b02_a249);
        for id in [&a, &b] {
            assert!(id
                .iter()
                .all(|c| c.is_ascii_alphanumeric() || *c == b'-' || *c == b'_'));
        }
        let (ra, rb) = (decode(&a).unwrap(), decode(&b).unwrap());
        assert_eq!(&ra[..4], &[0x6b, 0x02, 0xa2, 0x49]);
        assert_eq!(ra[4..14], rb[4..14], "one root per generator");
        let ca = u16::from_be_bytes([ra[14], ra[15]]) as u64;
        let cb = u16::from_be_bytes([rb[14], rb[15]]) as u64;
        assert_eq!((ca + 1) % 0xFFFF, cb);
        // Two generators (two processes) have different roots.
        let h = UniqueIds::new().unwrap();
        assert_ne!(decode(&h.next(0)).unwrap()[4..14], ra[4..14]);
    }

    #[test]
    fn counter_wraps_into_the_high_part() {
        let g = UniqueIds {
            root: [7; 10],
            seq: AtomicU64::new(0xFFFE),
        };
        let a = decode(&g.next(1)).unwrap();
        let b = decode(&g.next(1)).unwrap();
        assert_eq!(&a[14..], &[0xff, 0xfe, 0, 0, 0, 0]);
        assert_eq!(&b[14..], &[0, 0, 0, 0, 0, 1]);
    }

    #[test]
    fn unique_across_threads_in_one_second() {
        let g = UniqueIds::global();
        let sets: Vec<HashSet<[u8; 27]>> = std::thread::scope(|s| {
            let hs: Vec<_> = (0..8)
                .map(|_| s.spawn(|| (0..40_000).map(|_| g.next(42)).collect()))
                .collect();
            hs.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let mut all = HashSet::new();
        for set in sets {
            assert_eq!(set.len(), 40_000);
            all.extend(set);
        }
        // 320 000 ids in the same second: more than the 16-bit counter
        // holds, all distinct.
        assert_eq!(all.len(), 320_000);
    }
}
