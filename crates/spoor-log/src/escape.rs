//! Byte escaping for log items.
//!
//! * [`escape_logitem`]: Apache's `ap_escape_logitem` in the C locale. A byte
//!   is escaped when it is a control byte (0x00–0x1F, 0x7F), a high byte
//!   (0x80–0xFF), `"` or `\`. `\b \n \r \t \v \" \\` use their C escapes,
//!   everything else becomes `\xhh` in lower case. Space is kept. Apache's
//!   strings end at a NUL byte; ours carry their length, so a NUL is escaped
//!   as `\x00` rather than cutting the value short.
//! * [`escape_json`]: the contents of a JSON string. Valid UTF-8 passes
//!   through; `"` and `\` are backslashed; control bytes and DEL become
//!   `\uXXXX` (or the short forms); every byte of an invalid UTF-8 sequence
//!   becomes `\u00hh`, so the output is always valid JSON and no byte is
//!   dropped (a reader recovers the raw byte as the code point's value).
//! * [`escape_forensic`]: mod_log_forensic's `%hh` escaping of controls, high
//!   bytes, `:`, `|` and `%`, in lower case.

use std::mem::MaybeUninit;

const HEX: &[u8; 16] = b"0123456789abcdef";

/// 0 = copy; otherwise the character after the backslash, or `x` for `\xhh`.
static LOGITEM: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = if i < 0x20 || i >= 0x7f { b'x' } else { 0 };
        i += 1;
    }
    t[0x08] = b'b';
    t[0x09] = b't';
    t[0x0a] = b'n';
    t[0x0b] = b'v';
    t[0x0d] = b'r';
    t[b'"' as usize] = b'"';
    t[b'\\' as usize] = b'\\';
    t
};

/// Whether `b` needs escaping in a JSON string (before UTF-8 validation).
static JSON: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = i < 0x20 || i >= 0x7f || i == b'"' as usize || i == b'\\' as usize;
        i += 1;
    }
    t
};

/// Whether `b` is escaped by mod_log_forensic.
static FORENSIC: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 256 {
        t[i] =
            i < 0x20 || i >= 0x7f || i == b':' as usize || i == b'|' as usize || i == b'%' as usize;
        i += 1;
    }
    t
};

/// The index of the first byte at or after `from` that `ap_escape_logitem`
/// escapes (below 0x20, at or above 0x7f, `"` or `\\`).
///
/// Most logged values are clean, so the scan is vectorised: 16 bytes per
/// step with SSE2 on x86_64 (a signed compare below 0x20 catches both the
/// controls and the high bytes), 8 bytes per step (SWAR) elsewhere.
#[inline]
fn first_dirty(s: &[u8], from: usize) -> Option<usize> {
    #[cfg(target_arch = "x86_64")]
    {
        let mut i = from;
        while i + 16 <= s.len() {
            let m = dirty_mask16(s[i..i + 16].try_into().expect("16 bytes"));
            if m != 0 {
                return Some(i + m.trailing_zeros() as usize);
            }
            i += 16;
        }
        if i < s.len() {
            if s.len() >= 16 {
                // The last 16 bytes, overlapping what was already checked.
                let base = s.len() - 16;
                let m = dirty_mask16(s[base..].try_into().expect("16 bytes")) >> (i - base);
                if m != 0 {
                    return Some(i + m.trailing_zeros() as usize);
                }
            } else {
                return s[i..]
                    .iter()
                    .position(|&b| LOGITEM[b as usize] != 0)
                    .map(|n| i + n);
            }
        }
        None
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        let mut i = from;
        while i + 8 <= s.len() {
            let w = u64::from_le_bytes(s[i..i + 8].try_into().expect("8 bytes"));
            if word_needs_escape(w) {
                break;
            }
            i += 8;
        }
        s[i..]
            .iter()
            .position(|&b| LOGITEM[b as usize] != 0)
            .map(|n| i + n)
    }
}

#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn dirty_mask16(chunk: &[u8; 16]) -> u32 {
    use core::arch::x86_64::*;
    // SAFETY: SSE2 is part of the x86_64 baseline; the load reads exactly
    // the 16 bytes of `chunk` (unaligned load).
    unsafe {
        let v = _mm_loadu_si128(chunk.as_ptr() as *const __m128i);
        let low = _mm_cmplt_epi8(v, _mm_set1_epi8(0x20));
        let del = _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7f));
        let quote = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'"' as i8));
        let bslash = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'\\' as i8));
        _mm_movemask_epi8(_mm_or_si128(
            _mm_or_si128(low, del),
            _mm_or_si128(quote, bslash),
        )) as u32
    }
}

#[cfg(not(target_arch = "x86_64"))]
const ONES: u64 = 0x0101_0101_0101_0101;
#[cfg(not(target_arch = "x86_64"))]
const HIGHS: u64 = 0x8080_8080_8080_8080;

#[cfg(not(target_arch = "x86_64"))]
#[inline(always)]
fn has_zero(v: u64) -> u64 {
    v.wrapping_sub(ONES) & !v & HIGHS
}

/// Whether any of the eight bytes in `w` needs escaping (SWAR).
#[cfg(not(target_arch = "x86_64"))]
#[inline(always)]
fn word_needs_escape(w: u64) -> bool {
    let high = w & HIGHS;
    let below_space = w.wrapping_sub(ONES * 0x20) & !w & HIGHS;
    (high
        | below_space
        | has_zero(w ^ (ONES * 0x7f))
        | has_zero(w ^ (ONES * b'"' as u64))
        | has_zero(w ^ (ONES * b'\\' as u64)))
        != 0
}

/// Appends `s` to `out` escaped as Apache's `ap_escape_logitem` does.
#[inline]
pub fn escape_logitem(s: &[u8], out: &mut Vec<u8>) {
    // Values of 16 bytes or more are checked and copied 16 bytes at a
    // time straight into the buffer's spare capacity, each clean chunk with
    // one fixed-size move; the first dirty chunk hands the rest to the
    // general loop.
    #[cfg(target_arch = "x86_64")]
    if s.len() >= 16 {
        let n = s.len();
        let old = out.len();
        out.reserve(n);
        let dst = &mut out.spare_capacity_mut()[..n];
        let mut i = 0;
        let mut clean = true;
        while i + 16 <= n {
            let chunk: &[u8; 16] = s[i..i + 16].try_into().expect("16 bytes");
            if dirty_mask16(chunk) != 0 {
                clean = false;
                break;
            }
            let d: &mut [MaybeUninit<u8>; 16] = (&mut dst[i..i + 16]).try_into().expect("16 bytes");
            *d = chunk.map(MaybeUninit::new);
            i += 16;
        }
        if clean && i < n {
            // The last 16 bytes, overlapping what was already copied.
            let base = n - 16;
            let last: &[u8; 16] = s[base..].try_into().expect("16 bytes");
            if dirty_mask16(last) >> (i - base) == 0 {
                let d: &mut [MaybeUninit<u8>; 16] =
                    (&mut dst[base..]).try_into().expect("16 bytes");
                *d = last.map(MaybeUninit::new);
                i = n;
            }
        }
        // SAFETY: `reserve` made room for `n` more bytes, and the spare
        // bytes `old..old + i` were all initialised above: the chunks are
        // written back to back from 0, and `i` only moves past a chunk
        // once it has been written (the last, overlapping chunk ends at
        // `n`).
        unsafe { out.set_len(old + i) };
        if i < n {
            escape_logitem_slow(&s[i..], out);
        }
        return;
    }
    escape_logitem_slow(s, out)
}

/// [`escape_logitem`] for short values and from the first dirty chunk on.
fn escape_logitem_slow(s: &[u8], out: &mut Vec<u8>) {
    let mut start = 0;
    while let Some(j) = first_dirty(s, start) {
        out.extend_from_slice(&s[start..j]);
        let b = s[j];
        let e = LOGITEM[b as usize];
        if e == b'x' {
            out.extend_from_slice(&[b'\\', b'x', HEX[(b >> 4) as usize], HEX[(b & 15) as usize]]);
        } else {
            out.extend_from_slice(&[b'\\', e]);
        }
        start = j + 1;
    }
    out.extend_from_slice(&s[start..]);
}

/// Whether [`escape_logitem`] would change `s`.
pub fn needs_logitem_escape(s: &[u8]) -> bool {
    s.iter().any(|&b| LOGITEM[b as usize] != 0)
}

/// Appends `s` to `out` as the contents of a JSON string (no quotes).
pub fn escape_json(s: &[u8], out: &mut Vec<u8>) {
    let mut start = 0;
    let mut i = 0;
    while i < s.len() {
        let b = s[i];
        if !JSON[b as usize] {
            i += 1;
            continue;
        }
        out.extend_from_slice(&s[start..i]);
        if b >= 0x80 {
            let n = utf8_len(&s[i..]);
            if n > 0 {
                out.extend_from_slice(&s[i..i + n]);
                i += n;
            } else {
                json_u00(b, out);
                i += 1;
            }
        } else {
            match b {
                b'"' => out.extend_from_slice(b"\\\""),
                b'\\' => out.extend_from_slice(b"\\\\"),
                b'\n' => out.extend_from_slice(b"\\n"),
                b'\r' => out.extend_from_slice(b"\\r"),
                b'\t' => out.extend_from_slice(b"\\t"),
                0x08 => out.extend_from_slice(b"\\b"),
                0x0c => out.extend_from_slice(b"\\f"),
                _ => json_u00(b, out),
            }
            i += 1;
        }
        start = i;
    }
    out.extend_from_slice(&s[start..]);
}

fn json_u00(b: u8, out: &mut Vec<u8>) {
    out.extend_from_slice(&[
        b'\\',
        b'u',
        b'0',
        b'0',
        HEX[(b >> 4) as usize],
        HEX[(b & 15) as usize],
    ]);
}

/// The length of the valid UTF-8 sequence at the start of `s` (which starts
/// with a byte ≥ 0x80), or 0 when it is not valid.
fn utf8_len(s: &[u8]) -> usize {
    let n = match s[0] {
        0xc2..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf4 => 4,
        _ => return 0,
    };
    if s.len() < n {
        return 0;
    }
    match std::str::from_utf8(&s[..n]) {
        Ok(_) => n,
        Err(_) => 0,
    }
}

/// Appends `s` to `out` escaped as mod_log_forensic does (`%hh`).
pub fn escape_forensic(s: &[u8], out: &mut Vec<u8>) {
    let mut start = 0;
    while let Some(i) = first_forensic(s, start) {
        let b = s[i];
        out.extend_from_slice(&s[start..i]);
        out.extend_from_slice(&[b'%', HEX[(b >> 4) as usize], HEX[(b & 15) as usize]]);
        start = i + 1;
    }
    out.extend_from_slice(&s[start..]);
}

/// The index of the first byte at or after `from` that mod_log_forensic
/// escapes; 16 bytes per step with SSE2 on x86_64.
#[inline]
fn first_forensic(s: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    #[cfg(target_arch = "x86_64")]
    while i + 16 <= s.len() {
        let m = forensic_mask16(s[i..i + 16].try_into().expect("16 bytes"));
        if m != 0 {
            return Some(i + m.trailing_zeros() as usize);
        }
        i += 16;
    }
    s[i..]
        .iter()
        .position(|&b| FORENSIC[b as usize])
        .map(|n| i + n)
}

#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn forensic_mask16(chunk: &[u8; 16]) -> u32 {
    use core::arch::x86_64::*;
    // SAFETY: SSE2 is part of the x86_64 baseline; the load reads exactly
    // the 16 bytes of `chunk` (unaligned load).
    unsafe {
        let v = _mm_loadu_si128(chunk.as_ptr() as *const __m128i);
        // A signed compare below 0x20 catches the controls and the high
        // bytes.
        let low = _mm_cmplt_epi8(v, _mm_set1_epi8(0x20));
        let del = _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7f));
        let colon = _mm_cmpeq_epi8(v, _mm_set1_epi8(b':' as i8));
        let bar = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'|' as i8));
        let pct = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'%' as i8));
        _mm_movemask_epi8(_mm_or_si128(
            _mm_or_si128(low, del),
            _mm_or_si128(colon, _mm_or_si128(bar, pct)),
        )) as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn logitem(s: &[u8]) -> Vec<u8> {
        let mut v = Vec::new();
        escape_logitem(s, &mut v);
        v
    }

    #[test]
    fn logitem_matches_live_apache() {
        // spec/apache-logging.md §1.6 [EMP]: %U of
        // /a%08%09%0a%0b%0c%0d%1b%7f%80%ff%22%5c%20b
        let decoded = b"/a\x08\x09\x0a\x0b\x0c\x0d\x1b\x7f\x80\xff\"\\ b";
        assert_eq!(
            logitem(decoded),
            br#"/a\b\t\n\v\x0c\r\x1b\x7f\x80\xff\"\\ b"#.to_vec()
        );
        // §1.3 %U [EMP]: /a%22b%0a%e9 -> /a\"b\n\xe9
        assert_eq!(logitem(b"/a\"b\n\xe9"), br#"/a\"b\n\xe9"#.to_vec());
        // UTF-8 is escaped byte by byte.
        assert_eq!(logitem("é".as_bytes()), br"\xc3\xa9".to_vec());
        assert_eq!(logitem(b"plain text"), b"plain text".to_vec());
        assert_eq!(logitem(b"\0"), br"\x00".to_vec());
    }

    #[test]
    fn every_byte_class() {
        for b in 0u8..=255 {
            let out = logitem(&[b]);
            let expect: Vec<u8> = match b {
                0x08 => br"\b".to_vec(),
                0x09 => br"\t".to_vec(),
                0x0a => br"\n".to_vec(),
                0x0b => br"\v".to_vec(),
                0x0d => br"\r".to_vec(),
                b'"' => br#"\""#.to_vec(),
                b'\\' => br"\\".to_vec(),
                0x20..=0x7e => vec![b],
                _ => format!("\\x{b:02x}").into_bytes(),
            };
            assert_eq!(out, expect, "byte {b:#x}");
        }
    }

    #[test]
    fn swar_agrees_with_table() {
        // Every byte value at every position of an 8-byte word, inside a
        // longer clean string, escapes exactly as the byte on its own.
        for b in 0u8..=255 {
            for pos in 0..8 {
                let mut s = b"abcdefghijklmnopqrstuvwx".to_vec();
                s[8 + pos] = b;
                let mut expect = b"abcdefgh".to_vec();
                expect.extend_from_slice(&s[8..8 + pos]);
                expect.extend(logitem(&[b]));
                expect.extend_from_slice(&s[9 + pos..]);
                assert_eq!(logitem(&s), expect, "byte {b:#x} at {pos}");
            }
        }
    }

    #[test]
    fn chunked_copy_agrees_with_bytewise() {
        // Lengths around the 16-byte chunks and the overlapping last chunk,
        // every byte class at every position, appended after existing
        // output: the result is the bytewise escape of each byte.
        let one = |b: u8| logitem(&[b]);
        for len in 15..=49 {
            for pos in 0..len {
                for b in [0u8, 0x1f, b' ', b'"', b'\\', b'a', 0x7e, 0x7f, 0x80, 0xff] {
                    let mut s: Vec<u8> = (0..len).map(|i| b'A' + (i % 26) as u8).collect();
                    s[pos] = b;
                    let mut expect = b"head".to_vec();
                    for &c in &s {
                        expect.extend(one(c));
                    }
                    let mut out = b"head".to_vec();
                    escape_logitem(&s, &mut out);
                    assert_eq!(out, expect, "len {len}, byte {b:#x} at {pos}");
                }
            }
        }
    }

    #[test]
    fn forensic_matches_live_apache() {
        // spec §2 [EMP]: X-Odd: a:b|c%d \xe9 -> a%3ab%7cc%25d %e9
        let mut v = Vec::new();
        escape_forensic(b"a:b|c%d \xe9", &mut v);
        assert_eq!(v, b"a%3ab%7cc%25d %e9");
        v.clear();
        escape_forensic(b"GET /x?a|b HTTP/1.1 \"\\", &mut v);
        assert_eq!(v, b"GET /x?a%7cb HTTP/1.1 \"\\");
    }

    /// The 16-byte scan escapes exactly the bytes of the class, wherever
    /// they fall (in a chunk, across chunks, in the tail).
    #[test]
    fn forensic_every_byte_everywhere() {
        for len in [1usize, 15, 16, 17, 33, 40] {
            for pos in [0, len / 2, len - 1] {
                for b in 0..=255u8 {
                    let mut s = vec![b'a'; len];
                    s[pos] = b;
                    let mut expect = Vec::new();
                    for &c in &s {
                        let esc = !(0x20..0x7f).contains(&c) || c == b':' || c == b'|' || c == b'%';
                        if esc {
                            expect.extend_from_slice(format!("%{c:02x}").as_bytes());
                        } else {
                            expect.push(c);
                        }
                    }
                    let mut out = b"x".to_vec();
                    escape_forensic(&s, &mut out);
                    assert_eq!(out[1..], expect[..], "len {len}, byte {b:#x} at {pos}");
                }
            }
        }
    }

    #[test]
    fn json_strings() {
        let mut v = Vec::new();
        escape_json(
            b"a\"b\\c\n\x01\x7f\xe9 \xc3\xa9 \xf0\x9f\x98\x80 \xed\xa0\x80",
            &mut v,
        );
        assert_eq!(
            String::from_utf8(v).unwrap(),
            r#"a\"b\\c\n\u0001\u007f\u00e9 é 😀 \u00ed\u00a0\u0080"#
        );
    }
}
