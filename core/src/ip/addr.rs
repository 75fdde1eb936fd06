//! Canonical addresses and prefixes: an IPv4-mapped IPv6 address is its IPv4
//! address, and text is parsed strictly.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::{IpNet, Ipv4Net, Ipv6Net};

use super::IpError;

/// The canonical form of `ip`: an IPv6 address that embeds an IPv4 address
/// is that IPv4 address, so block lists, GeoIP (whose databases alias these
/// ranges to IPv4) and rate keys all see one client:
///
/// - IPv4-mapped `::ffff:a.b.c.d`;
/// - IPv4-compatible `::a.b.c.d` (deprecated; `::` and `::1` stay IPv6);
/// - NAT64 `64:ff9b::a.b.c.d` (RFC 6052 well-known prefix);
/// - 6to4 `2002:AABB:CCDD::/48`, the site of the IPv4 host `AA.BB.CC.DD`.
///
/// Every other IPv6 address stays IPv6.
pub fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => embedded_v4(v6).map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// The IPv4 address an IPv6 address embeds (see [`canonical`]).
fn embedded_v4(a: Ipv6Addr) -> Option<Ipv4Addr> {
    if let Some(v4) = a.to_ipv4_mapped() {
        return Some(v4);
    }
    let bits = u128::from(a);
    let low = Ipv4Addr::from(bits as u32);
    match (bits >> 32, a.segments()[0]) {
        (0, _) if bits > 1 => Some(low),
        (0x0064_ff9b_0000_0000_0000_0000, _) => Some(low),
        (_, 0x2002) => Some(Ipv4Addr::from((bits >> 80) as u32)),
        _ => None,
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

/// Prefixes inside the ranges [`canonical`] maps become IPv4 prefixes, so a
/// prefix always covers the canonical form of its own addresses:
/// `::ffff:0:0/96`, `64:ff9b::/96`, `::/96` and longer (`/96 + n` is `/n`;
/// `::/128` and `::1/128` stay IPv6), and `2002::/16` and longer (`/16 + n`
/// is `/n`, at most `/32`).
pub fn canonical_net(net: IpNet) -> IpNet {
    match net {
        IpNet::V6(v6) => {
            let len = v6.prefix_len();
            let bits = u128::from(v6.network());
            let v4 = |addr: Ipv4Addr, l: u8| {
                Ipv4Net::new(addr, l.min(32)).map_or(net, |n| IpNet::V4(n.trunc()))
            };
            if len >= 96 && (bits >> 32 == 0xffff || bits >> 32 == 0x0064_ff9b_0000_0000_0000_0000)
            {
                v4(Ipv4Addr::from(bits as u32), len - 96)
            } else if len >= 96 && bits >> 32 == 0 && !(len == 128 && bits <= 1) {
                // IPv4-compatible: its addresses are IPv4 (`::` and `::1` stay IPv6).
                v4(Ipv4Addr::from(bits as u32), len - 96)
            } else if len >= 16 && bits >> 112 == 0x2002 {
                v4(Ipv4Addr::from((bits >> 80) as u32), len - 16)
            } else {
                net.trunc()
            }
        }
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
        // IPv6 forms embedding an IPv4 address are that address.
        for embedded in [
            "::1.2.3.4",
            "64:ff9b::102:304",
            "2002:102:304::1",
            "2002:102:304:ffff::9",
        ] {
            assert_eq!(
                parse_ip(embedded).unwrap().to_string(),
                "1.2.3.4",
                "{embedded}"
            );
        }
        assert!(parse_ip("::").unwrap().is_ipv6());
        assert_eq!(
            parse_prefix("2002:102:300::/40").unwrap().to_string(),
            "1.2.3.0/24"
        );
        assert_eq!(
            parse_prefix("64:ff9b::a00:0/104").unwrap().to_string(),
            "10.0.0.0/8"
        );
        assert_eq!(parse_prefix("2002::/16").unwrap().to_string(), "0.0.0.0/0");
        // Found by fuzzing (ip_parse): a compatible prefix must cover its own
        // network, which canonicalizes to IPv4.
        assert_eq!(
            parse_prefix("::20.100.0.0/112").unwrap().to_string(),
            "20.100.0.0/16"
        );
        assert_eq!(parse_prefix("::1/128").unwrap().to_string(), "::1/128");
        assert_eq!(
            parse_prefix("2001:db8::/32").unwrap().to_string(),
            "2001:db8::/32"
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
