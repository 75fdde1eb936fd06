//! Grouping client addresses into the networks that one party controls.
//!
//! An IPv6 subscriber is normally given a whole /64 (often a /56 or /48), so
//! keying anything by the full /128 lets one client rotate through 2^64
//! "new" addresses for free. Velocity, auto-blocks and per-address limits key
//! a client by [`Granularity::CLIENT`] (the IPv4 address, the IPv6 /64);
//! counting independent *sources* (the circuit breaker, auto-pause) uses the
//! coarser [`Granularity::SOURCE`] (IPv4 /24, IPv6 /32), so a handful of
//! rented servers in one range count as one source.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::{IpNet, Ipv4Net, Ipv6Net};

use super::{canonical, IpError};

/// Prefix lengths to which IPv4 and IPv6 addresses are truncated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Granularity {
    v4: u8,
    v6: u8,
}

impl Granularity {
    /// One client: the IPv4 address (/32), the IPv6 subscriber prefix (/64).
    pub const CLIENT: Self = Self { v4: 32, v6: 64 };
    /// One network: IPv4 /24, IPv6 /48 (a typical site or provider
    /// allocation): the aggregate level of per-client counters.
    pub const NETWORK: Self = Self { v4: 24, v6: 48 };
    /// One independent source, for counting *distinct* sources (the circuit
    /// breaker, auto-pause): IPv4 /24, IPv6 /32 (a provider's whole
    /// allocation), so rotating /48s inside one allocation buys no extra
    /// sources.
    pub const SOURCE: Self = Self { v4: 24, v6: 32 };

    /// Custom lengths: IPv4 at most 32, IPv6 at most 128.
    pub fn new(v4: u8, v6: u8) -> Result<Self, IpError> {
        if v4 > 32 || v6 > 128 {
            return Err(IpError::InvalidPrefix {
                input: format!("/{v4} and /{v6}"),
                reason: "an IPv4 length is at most 32 and an IPv6 length at most 128",
            });
        }
        Ok(Self { v4, v6 })
    }

    /// The IPv4 prefix length.
    pub fn v4(self) -> u8 {
        self.v4
    }

    /// The IPv6 prefix length.
    pub fn v6(self) -> u8 {
        self.v6
    }

    /// The network `ip` belongs to at this granularity (IPv4-mapped IPv6
    /// addresses are IPv4). A full-length result is a single address.
    pub fn network(self, ip: IpAddr) -> IpNet {
        match canonical(ip) {
            IpAddr::V4(a) => IpNet::V4(v4_net(a, self.v4)),
            IpAddr::V6(a) => IpNet::V6(v6_net(a, self.v6)),
        }
    }

    /// A fixed-size key for `ip`'s network: equal for two addresses exactly
    /// when [`network`](Self::network) is equal.
    pub fn key(self, ip: IpAddr) -> u128 {
        // IPv4 networks are keyed by their mapped form (`::ffff:a.b.c.d`). No
        // IPv6 network can have that value: mapped addresses are IPv4 after
        // `canonical`, and truncating an address outside `::ffff:0:0/96`
        // only clears bits, which never lands inside it.
        match self.network(ip) {
            IpNet::V4(n) => u128::from(n.network().to_ipv6_mapped()),
            IpNet::V6(n) => u128::from(n.network()),
        }
    }

    /// Text for `ip`'s network: the bare address for a full-length prefix
    /// (`203.0.113.7`), otherwise CIDR (`2001:db8:1:2::/64`). Used as the
    /// key of stored records, so it is canonical.
    pub fn label(self, ip: IpAddr) -> String {
        let net = self.network(ip);
        if net.prefix_len() == net.max_prefix_len() {
            net.addr().to_string()
        } else {
            net.to_string()
        }
    }
}

impl Default for Granularity {
    fn default() -> Self {
        Self::CLIENT
    }
}

fn v4_net(a: Ipv4Addr, len: u8) -> Ipv4Net {
    // `len` is at most 32 by construction.
    Ipv4Net::new(a, len.min(32))
        .map(|n| n.trunc())
        .unwrap_or_else(|_| Ipv4Net::from(a))
}

fn v6_net(a: Ipv6Addr, len: u8) -> Ipv6Net {
    Ipv6Net::new(a, len.min(128))
        .map(|n| n.trunc())
        .unwrap_or_else(|_| Ipv6Net::from(a))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn ipv6_clients_are_their_64() {
        let g = Granularity::CLIENT;
        assert_eq!(g.label(ip("2001:db8:1:2::7")), "2001:db8:1:2::/64");
        assert_eq!(
            g.key(ip("2001:db8:1:2::7")),
            g.key(ip("2001:db8:1:2:ffff::1"))
        );
        assert_ne!(g.key(ip("2001:db8:1:2::7")), g.key(ip("2001:db8:1:3::7")));
        assert_eq!(g.label(ip("203.0.113.7")), "203.0.113.7");
        assert_eq!(g.label(ip("::ffff:203.0.113.7")), "203.0.113.7");
    }

    #[test]
    fn networks_group_neighbours() {
        let g = Granularity::NETWORK;
        assert_eq!(g.key(ip("203.0.113.7")), g.key(ip("203.0.113.200")));
        assert_ne!(g.key(ip("203.0.113.7")), g.key(ip("203.0.114.7")));
        assert_eq!(g.label(ip("2001:db8:1:2::7")), "2001:db8:1::/48");
        // Families never collide, even for numerically equal payloads.
        assert_ne!(g.key(ip("0.0.0.1")), g.key(ip("::1")));
        assert_ne!(
            Granularity::CLIENT.key(ip("0.0.0.0")),
            Granularity::CLIENT.key(ip("::"))
        );
    }

    #[test]
    fn lengths_are_checked() {
        assert!(Granularity::new(33, 64).is_err());
        assert!(Granularity::new(32, 129).is_err());
        assert_eq!(Granularity::new(32, 56).unwrap().v6(), 56);
    }
}
