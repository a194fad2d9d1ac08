//! Lower-case hexadecimal numbers without leading zeros, as C's `%x`
//! prints them: the forensic id's time and counter, `%{hextid}P`, the
//! tracking cookie's two parts and the ETag's fields all use it.

const DIGITS: &[u8; 16] = b"0123456789abcdef";

/// Writes `v`'s digits at the end of `buf` and returns how many there are
/// (they are `buf[16 - n..]`; zero is one digit).
#[inline]
pub fn digits(mut v: u64, buf: &mut [u8; 16]) -> usize {
    let mut n = 0;
    loop {
        n += 1;
        buf[16 - n] = DIGITS[(v & 15) as usize];
        v >>= 4;
        if v == 0 {
            return n;
        }
    }
}

/// Appends `v`'s digits to `out`.
#[inline]
pub fn push(v: u64, out: &mut Vec<u8>) {
    let mut buf = [0u8; 16];
    let n = digits(v, &mut buf);
    out.extend_from_slice(&buf[16 - n..]);
}

#[cfg(test)]
mod tests {
    #[test]
    fn as_printf_x() {
        for v in [0u64, 1, 9, 10, 15, 16, 255, 4096, 0xdead_beef, u64::MAX] {
            let mut out = b"x".to_vec();
            super::push(v, &mut out);
            assert_eq!(out, format!("x{v:x}").into_bytes());
        }
    }
}
