//! An address as text, kept inline in the connection record.
//!
//! Every connection needs its client's and its local address as text
//! (`%a`, `%A`, `REMOTE_ADDR`, the error log's `[client …]`). Formatting
//! them with `to_string` cost a heap block each and about 1,300
//! instructions of `fmt` machinery per address, a tenth of what a whole
//! keep-alive request costs, on every accepted connection. An IPv4
//! address is written here digit by digit into the record itself (the
//! std formatter writes the same text); IPv6, rare on the hot path, still
//! goes through std's formatter (RFC 5952 text), into the same inline
//! buffer.

use std::fmt;
use std::net::IpAddr;

/// The longest text of an IPv6 address (with an embedded IPv4 address):
/// `ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255`.
const MAX: usize = 45;

/// An IP address's text, inline (no heap block).
#[derive(Clone, Copy)]
pub(crate) struct IpText {
    len: u8,
    buf: [u8; MAX],
}

impl Default for IpText {
    fn default() -> IpText {
        IpText {
            len: 0,
            buf: [0; MAX],
        }
    }
}

impl IpText {
    /// The text of `ip`, as `ip.to_string()` writes it.
    pub(crate) fn new(ip: IpAddr) -> IpText {
        let mut t = IpText::default();
        match ip {
            IpAddr::V4(v4) => {
                let mut n = 0;
                for (i, octet) in v4.octets().into_iter().enumerate() {
                    if i > 0 {
                        t.buf[n] = b'.';
                        n += 1;
                    }
                    n += write_u8(octet, &mut t.buf[n..]);
                }
                t.len = n as u8;
            }
            IpAddr::V6(v6) => {
                use std::io::Write;
                let mut w = std::io::Cursor::new(&mut t.buf[..]);
                // Cannot fail: no IPv6 text is longer than MAX.
                let _ = write!(w, "{v6}");
                t.len = w.position() as u8;
            }
        }
        t
    }

    /// The text.
    pub(crate) fn as_str(&self) -> &str {
        let text = &self.buf[..self.len as usize];
        debug_assert!(text.is_ascii());
        // SAFETY: `new` writes only ASCII (digits and dots, or std's text
        // of an IPv6 address: hex digits, colons and dots), and `len`
        // never counts past what it wrote. (The checked conversion cost
        // about 50 instructions on each of the several reads a request
        // makes.)
        unsafe { std::str::from_utf8_unchecked(text) }
    }
}

/// Writes `v` in decimal at the start of `out`; returns the digits' count.
fn write_u8(v: u8, out: &mut [u8]) -> usize {
    if v >= 100 {
        out[0] = b'0' + v / 100;
        out[1] = b'0' + v / 10 % 10;
        out[2] = b'0' + v % 10;
        3
    } else if v >= 10 {
        out[0] = b'0' + v / 10;
        out[1] = b'0' + v % 10;
        2
    } else {
        out[0] = b'0' + v;
        1
    }
}

impl std::ops::Deref for IpText {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Display for IpText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for IpText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{Ipv4Addr, Ipv6Addr};

    #[test]
    fn same_text_as_std() {
        let v4 = [
            Ipv4Addr::new(0, 0, 0, 0),
            Ipv4Addr::new(127, 0, 0, 1),
            Ipv4Addr::new(9, 10, 99, 100),
            Ipv4Addr::new(255, 255, 255, 255),
            Ipv4Addr::new(192, 168, 1, 250),
        ];
        for a in v4 {
            assert_eq!(IpText::new(a.into()).as_str(), a.to_string());
        }
        for oct in 0..=255u8 {
            let a = Ipv4Addr::new(oct, 255 - oct, oct / 3, oct / 7);
            assert_eq!(&*IpText::new(a.into()), a.to_string());
        }
        let v6 = [
            Ipv6Addr::LOCALHOST,
            Ipv6Addr::UNSPECIFIED,
            "2001:db8::1".parse().unwrap(),
            "fe80::1:2:3:4".parse().unwrap(),
            "1:2:3:4:5:6:7:8".parse().unwrap(),
            "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff".parse().unwrap(),
            "::ffff:255.255.255.255".parse().unwrap(),
            "::1.2.3.4".parse().unwrap(),
        ];
        for a in v6 {
            assert_eq!(IpText::new(a.into()).as_str(), a.to_string());
        }
        assert_eq!(IpText::default().as_str(), "");
    }

    #[test]
    fn longest_text_fits() {
        let a: Ipv6Addr = "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255"
            .parse()
            .unwrap();
        let text = a.to_string();
        assert!(text.len() <= MAX, "{text}");
        assert_eq!(IpText::new(a.into()).as_str(), text);
    }
}
