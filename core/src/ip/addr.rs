//! Canonical addresses and prefixes: an IPv4-mapped IPv6 address is its IPv4
//! address, and text is parsed strictly.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::{IpNet, Ipv4Net, Ipv6Net};

use super::IpError;

/// The canonical form of `ip`: `::ffff:a.b.c.d` becomes `a.b.c.d`. Other IPv6
/// addresses (including `::1` and the deprecated `::a.b.c.d`) stay IPv6.
pub fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// Parses an address strictly and canonicalizes it. IPv4 must be four
/// dotted-decimal octets without leading zeros: `010.0.0.1`, `0x7f.1`,
/// `2130706433` and `127.1` are refused rather than guessed at. Zone ids
/// (`fe80::1%eth0`) and surrounding spaces are refused.
pub fn parse_ip(text: &str) -> Result<IpAddr, IpError> {
    // The standard parser already refuses leading zeros, hex, short forms and zones.
    text.parse::<IpAddr>()
        .map(canonical)
        .map_err(|_| IpError::InvalidIp(text.to_owned()))
}

/// Parses `addr/len` (or a bare address, as a host prefix) strictly and
/// canonicalizes it: `::ffff:192.0.2.0/120` becomes `192.0.2.0/24`. Host bits
/// must be zero.
pub fn parse_prefix(text: &str) -> Result<IpNet, IpError> {
    let invalid = |reason| IpError::InvalidPrefix {
        input: text.to_owned(),
        reason,
    };
    let (addr_text, len_text) = match text.split_once('/') {
        Some((a, l)) => (a, Some(l)),
        None => (text, None),
    };
    let addr: IpAddr = addr_text
        .parse()
        .map_err(|_| invalid("the address part is not an IP address"))?;
    let max = if addr.is_ipv4() { 32 } else { 128 };
    let len = match len_text {
        None => max,
        Some(l) if !l.is_empty() && l.len() <= 3 && l.bytes().all(|b| b.is_ascii_digit()) => l
            .parse::<u8>()
            .map_err(|_| invalid("the length is not a number"))?,
        Some(_) => return Err(invalid("the length after '/' must be plain digits")),
    };
    if len > max {
        return Err(invalid(if max == 32 {
            "an IPv4 length is at most 32"
        } else {
            "an IPv6 length is at most 128"
        }));
    }
    let net = match addr {
        IpAddr::V4(a) => IpNet::V4(Ipv4Net::new(a, len).map_err(|_| invalid("bad length"))?),
        IpAddr::V6(a) => IpNet::V6(Ipv6Net::new(a, len).map_err(|_| invalid("bad length"))?),
    };
    if net.trunc() != net {
        return Err(IpError::HostBitsSet {
            input: text.to_owned(),
            network: net.trunc().to_string(),
        });
    }
    Ok(canonical_net(net))
}

/// `::ffff:0:0/96` and longer mapped prefixes become IPv4 prefixes.
pub fn canonical_net(net: IpNet) -> IpNet {
    match net {
        IpNet::V6(v6) if v6.prefix_len() >= 96 => match v6.network().to_ipv4_mapped() {
            Some(v4) => Ipv4Net::new(v4, v6.prefix_len() - 96).map_or(net, IpNet::V4),
            None => net,
        },
        _ => net.trunc(),
    }
}

/// The numeric value of an IPv4 address.
pub(crate) fn v4_bits(ip: Ipv4Addr) -> u32 {
    u32::from(ip)
}

/// The numeric value of an IPv6 address.
pub(crate) fn v6_bits(ip: Ipv6Addr) -> u128 {
    u128::from(ip)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mapped_ipv6_is_ipv4_but_loopback_is_not() {
        assert_eq!(
            parse_ip("::ffff:1.2.3.4").unwrap(),
            "1.2.3.4".parse::<IpAddr>().unwrap()
        );
        assert_eq!(
            parse_ip("::ffff:102:304").unwrap(),
            "1.2.3.4".parse::<IpAddr>().unwrap()
        );
        assert!(parse_ip("::1").unwrap().is_ipv6());
        assert!(
            parse_ip("::1.2.3.4").unwrap().is_ipv6(),
            "IPv4-compatible is not mapped"
        );
    }

    #[test]
    fn non_canonical_ipv4_is_refused() {
        for bad in [
            "010.0.0.1",
            "0x7f.1",
            "2130706433",
            "127.1",
            "1.2.3.4 ",
            " 1.2.3.4",
            "1.2.3.256",
            "fe80::1%eth0",
            "",
            "1.2.3.4/32",
        ] {
            assert_eq!(parse_ip(bad).unwrap_err().code(), "invalid_ip", "{bad}");
        }
    }

    #[test]
    fn prefixes_parse_strictly_and_canonicalize() {
        assert_eq!(
            parse_prefix("192.168.0.0/24").unwrap().to_string(),
            "192.168.0.0/24"
        );
        assert_eq!(parse_prefix("10.0.0.1").unwrap().to_string(), "10.0.0.1/32");
        assert_eq!(
            parse_prefix("::ffff:192.0.2.0/120").unwrap().to_string(),
            "192.0.2.0/24"
        );
        assert_eq!(
            parse_prefix("2001:db8::/32").unwrap().to_string(),
            "2001:db8::/32"
        );
        assert_eq!(parse_prefix("::/0").unwrap().to_string(), "::/0");
        assert_eq!(
            parse_prefix("192.168.0.1/24").unwrap_err().code(),
            "host_bits_set"
        );
        assert!(parse_prefix("192.168.0.1/24")
            .unwrap_err()
            .to_string()
            .contains("192.168.0.0/24"));
        for bad in [
            "10.0.0.0/33",
            "10.0.0.0/",
            "10.0.0.0/+8",
            "10.0.0.0/08x",
            "010.0.0.0/8",
            "::/129",
            "x/8",
        ] {
            assert!(parse_prefix(bad).is_err(), "{bad}");
        }
    }
}
