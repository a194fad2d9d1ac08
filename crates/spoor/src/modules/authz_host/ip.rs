//! Address ranges as httpd reads them (APR's `apr_ipsubnet_create` and
//! `apr_ipsubnet_test`): `Require ip` and mod_access_compat's
//! `Allow`/`Deny from` share them.
//!
//! Accepted forms: a whole IPv4 or IPv6 address; a partial IPv4 address
//! (`10`, `10.1`, `10.1.`: the octets given, the rest free); an address
//! with `/bits` or, for IPv4, `/netmask`. An IPv4-mapped IPv6 address is
//! refused (IPv4 must be written as IPv4); a client connected over IPv6
//! with a mapped address is tested as the IPv4 address.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Why a text is not a range, as APR sorts it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SubnetError {
    /// It does not look like an address at all (perhaps a host name).
    NotAddress,
    /// It looks like an address but is not a valid one.
    BadIp,
    /// The part after `/` is not a valid mask.
    BadMask,
}

impl SubnetError {
    /// APR's `apr_strerror` text (none for [`SubnetError::NotAddress`]).
    pub fn text(self) -> Option<&'static str> {
        match self {
            SubnetError::NotAddress => None,
            SubnetError::BadIp => Some("The specified IP address is invalid."),
            SubnetError::BadMask => Some("The specified network mask is invalid."),
        }
    }
}

/// One address range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subnet {
    /// IPv4: (network, mask), host order.
    V4(u32, u32),
    /// IPv6: (network, mask).
    V6(u128, u128),
}

/// Whether `s` has the shape of an address: it has a `:`, or only digits
/// and dots (and is not empty).
fn looks_like_ip(s: &str) -> bool {
    !s.is_empty() && (s.contains(':') || s.bytes().all(|b| b == b'.' || b.is_ascii_digit()))
}

/// The legacy partial form `a.b.c.` / `a.b`: each given octet fixed.
fn partial_v4(s: &str) -> Result<Subnet, SubnetError> {
    if s.len() > "255.255.255.255".len() {
        return Err(SubnetError::BadIp);
    }
    let (mut net, mut mask) = (0u32, 0u32);
    let mut shift: i32 = 24;
    let mut rest = s;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return Err(SubnetError::BadIp);
        }
        let (num, after) = rest.split_at(digits);
        rest = match after.as_bytes().first() {
            None => after,
            Some(b'.') => &after[1..],
            Some(_) => return Err(SubnetError::BadIp),
        };
        if shift < 0 {
            return Err(SubnetError::BadIp);
        }
        // atoi of a long run of digits: anything above 255 is refused.
        let octet: u32 = num.parse().unwrap_or(u32::MAX);
        if octet > 255 {
            return Err(SubnetError::BadIp);
        }
        net |= octet << shift;
        mask |= 0xff << shift;
        shift -= 8;
    }
    Ok(Subnet::V4(net, mask))
}

impl Subnet {
    /// Reads `ip` with an optional mask or bit count (`None`: no `/`).
    pub fn parse(ip: &str, mask: Option<&str>) -> Result<Subnet, SubnetError> {
        if !looks_like_ip(ip) {
            return Err(SubnetError::NotAddress);
        }
        let addr = if let Ok(a) = ip.parse::<Ipv6Addr>() {
            if a.to_ipv4_mapped().is_some() {
                return Err(SubnetError::BadIp);
            }
            Subnet::V6(u128::from(a), u128::MAX)
        } else if let Some(a) = parse_inet4(ip) {
            Subnet::V4(u32::from(a), u32::MAX)
        } else if mask.is_none() {
            return partial_v4(ip);
        } else {
            return Err(SubnetError::BadIp);
        };
        let Some(mask) = mask else {
            return Ok(addr);
        };
        let max = match addr {
            Subnet::V4(..) => 32,
            Subnet::V6(..) => 128,
        };
        let bits = strtol_whole(mask).filter(|b| *b > 0 && *b <= max);
        let subnet = match (addr, bits) {
            (Subnet::V4(n, _), Some(b)) => {
                let m = u32::MAX << (32 - b);
                Subnet::V4(n & m, m)
            }
            (Subnet::V6(n, _), Some(b)) => {
                let m = u128::MAX << (128 - b);
                Subnet::V6(n & m, m)
            }
            (Subnet::V4(n, _), None) => match parse_inet4(mask) {
                Some(m) => {
                    let m = u32::from(m);
                    Subnet::V4(n & m, m)
                }
                None => return Err(SubnetError::BadMask),
            },
            (Subnet::V6(..), None) => return Err(SubnetError::BadMask),
        };
        Ok(subnet)
    }

    /// Reads `text`, split at its first `/` as httpd's callers do.
    pub fn parse_text(text: &str) -> Result<Subnet, SubnetError> {
        match text.split_once('/') {
            Some((ip, mask)) => Subnet::parse(ip, Some(mask)),
            None => Subnet::parse(text, None),
        }
    }

    /// Whether `ip` (the client's address) is in the range.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        match (self, ip) {
            (Subnet::V4(n, m), IpAddr::V4(a)) => u32::from(a) & m == *n,
            (Subnet::V6(n, m), IpAddr::V6(a)) => u128::from(a) & m == *n,
            _ => false,
        }
    }
}

/// `strtol(s, &end, 10)` that must use the whole text: leading white
/// space and a sign allowed, at least one digit.
fn strtol_whole(s: &str) -> Option<u32> {
    let t = s.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let (neg, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if neg {
        // Zero or negative: never a valid bit count.
        return Some(0);
    }
    Some(digits.parse::<u32>().unwrap_or(u32::MAX))
}

/// `inet_pton(AF_INET, …)`: exactly four decimal octets.
fn parse_inet4(s: &str) -> Option<Ipv4Addr> {
    let mut parts = s.split('.');
    let mut o = [0u8; 4];
    for slot in &mut o {
        let p = parts.next()?;
        // (APR's parser takes leading zeros: `010` is ten.)
        if p.is_empty() || p.len() > 3 || !p.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        *slot = p.parse().ok()?;
    }
    parts.next().is_none().then(|| Ipv4Addr::from(o))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn forms() {
        let t = |s: &str, a: &str| Subnet::parse_text(s).unwrap().contains(ip(a));
        assert!(t("10.1.2.3", "10.1.2.3"));
        assert!(!t("10.1.2.3", "10.1.2.4"));
        assert!(t("10.1", "10.1.200.7"));
        assert!(!t("10.1", "10.2.0.1"));
        assert!(t("10.", "10.9.9.9"));
        assert!(t("10", "10.9.9.9"));
        assert!(t("10.0.0.0/8", "10.255.0.1"));
        assert!(t("10.9.9.9/8", "10.0.0.1"));
        assert!(t("10.0.0.0/255.0.0.0", "10.3.0.1"));
        assert!(t("1.2.3.4/255.0.255.0", "1.9.3.9"));
        assert!(t("::1", "::1"));
        assert!(t("fe80::/10", "fe80::1:2"));
        assert!(!t("fe80::/10", "::1"));
        // A v4-mapped client is tested as IPv4.
        assert!(t("127.0.0.0/8", "::ffff:127.0.0.5"));
        assert!(!t("::1", "127.0.0.1"));
    }

    #[test]
    fn errors_as_apr() {
        use SubnetError::*;
        let e = |s: &str| Subnet::parse_text(s).unwrap_err();
        assert_eq!(e("foo"), NotAddress);
        assert_eq!(e("1.2.3.x"), NotAddress);
        assert_eq!(e("foo/8"), NotAddress);
        assert_eq!(e("1..2"), BadIp);
        assert_eq!(e(".1"), BadIp);
        assert_eq!(e("256"), BadIp);
        assert_eq!(e("1.2.3.4.5"), BadIp);
        assert_eq!(e("::ffff:1.2.3.4"), BadIp);
        assert_eq!(e("1.2.3.4/33"), BadMask);
        assert_eq!(e("10.0.0.0/0"), BadMask);
        assert_eq!(e("10.0.0.0/"), BadMask);
        assert_eq!(e("1.2.3.4/foo"), BadMask);
        assert_eq!(e("::1/129"), BadMask);
        assert_eq!(e("::1/255.0.0.0"), BadMask);
        assert_eq!(e("10.1/8"), BadIp);
        assert_eq!(
            Subnet::parse_text("010.1.1.1/8"),
            Ok(Subnet::V4(0x0a00_0000, 0xff00_0000))
        );
        assert_eq!(e("1.2.3.4/-8"), BadMask);
        assert!(Subnet::parse_text("1.2.3.4/+8").is_ok());
    }
}
