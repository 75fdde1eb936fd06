//! One independent source of traffic, for counting *distinct* sources (the
//! circuit breaker, auto-pause).
//!
//! Where an ASN database says which autonomous system an address belongs
//! to, the source is that autonomous system: a thousand rented servers of
//! one hosting provider, in as many /24s, are one source. Otherwise it is
//! the address's allocation at [`Granularity::SOURCE`] (IPv4 /24, IPv6 /32).
//! The two never compare equal, so a caller that knows the ASN of some
//! addresses and not others counts each kind apart.

use std::net::IpAddr;

use super::Granularity;

/// Where a click came from, as far as counting distinct sources goes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Source {
    /// The client's address, when known.
    pub ip: Option<IpAddr>,
    /// The autonomous system number of `ip`, when an ASN database knows it.
    /// Numbers that no public network announces (0, `AS_TRANS` 23456, the
    /// documentation and private ranges, 4,200,000,000 and above) are
    /// ignored: a database entry with one of them says nothing about who
    /// controls the address.
    pub asn: Option<u32>,
}

impl Source {
    /// A source known by its address only.
    pub fn ip(ip: IpAddr) -> Self {
        Self {
            ip: Some(ip),
            asn: None,
        }
    }

    /// The public autonomous system this source counts as, if any.
    pub fn public_asn(self) -> Option<u32> {
        self.asn.filter(|&n| is_public_asn(n))
    }

    /// A fixed-size key: equal for two sources exactly when they count as
    /// one; `None` when neither the address nor a public ASN is known.
    pub fn key(self) -> Option<u128> {
        // An ASN key is `0:1::` plus the (non-zero) number in its low 32
        // bits. A network key is either `::ffff:a.b.c.0` (bit 96 clear) or
        // an IPv6 /32 (its low 96 bits clear), so none can equal it.
        match (self.public_asn(), self.ip) {
            (Some(asn), _) => Some((1u128 << 96) | u128::from(asn)),
            (None, Some(ip)) => Some(Granularity::SOURCE.key(ip)),
            (None, None) => None,
        }
    }

    /// Text for the source, for stored records: `AS16509`, or the
    /// allocation (`198.51.100.0/24`, `2001:db8::/32`); `None` when nothing
    /// is known.
    pub fn label(self) -> Option<String> {
        match (self.public_asn(), self.ip) {
            (Some(asn), _) => Some(format!("AS{asn}")),
            (None, Some(ip)) => Some(Granularity::SOURCE.label(ip)),
            (None, None) => None,
        }
    }
}

impl From<Option<IpAddr>> for Source {
    fn from(ip: Option<IpAddr>) -> Self {
        Self { ip, asn: None }
    }
}

impl From<IpAddr> for Source {
    fn from(ip: IpAddr) -> Self {
        Self::ip(ip)
    }
}

/// Whether `asn` may be announced on the public Internet (RFC 7607, 6793,
/// 5398, 6996, 7300 reserve the rest).
pub fn is_public_asn(asn: u32) -> bool {
    !matches!(asn, 0 | 23_456 | 64_496..=131_071 | 4_200_000_000..=u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(ip: &str, asn: Option<u32>) -> Source {
        Source {
            ip: Some(ip.parse().unwrap()),
            asn,
        }
    }

    #[test]
    fn one_autonomous_system_is_one_source() {
        let a = at("198.51.100.7", Some(16_509));
        let b = at("203.0.113.9", Some(16_509));
        assert_eq!(a.key(), b.key());
        assert_eq!(a.label().as_deref(), Some("AS16509"));
        assert_ne!(a.key(), at("198.51.100.7", Some(14_618)).key());
    }

    #[test]
    fn without_an_asn_the_allocation_counts() {
        let a = at("198.51.100.7", None);
        assert_eq!(a.key(), at("198.51.100.200", None).key());
        assert_ne!(a.key(), at("198.51.101.7", None).key());
        assert_eq!(a.label().as_deref(), Some("198.51.100.0/24"));
        assert_eq!(
            at("2001:db8:1:2::1", None).label().as_deref(),
            Some("2001:db8::/32")
        );
        assert_eq!(Source::default().key(), None);
        assert_eq!(Source::default().label(), None);
    }

    #[test]
    fn reserved_numbers_say_nothing() {
        for asn in [
            0,
            23_456,
            64_496,
            64_512,
            65_535,
            100_000,
            4_200_000_000,
            u32::MAX,
        ] {
            assert_eq!(
                at("198.51.100.7", Some(asn)).key(),
                at("198.51.100.7", None).key()
            );
        }
        assert!(is_public_asn(1) && is_public_asn(64_495) && is_public_asn(131_072));
    }

    #[test]
    fn asn_keys_never_meet_network_keys() {
        let asn = at("198.51.100.7", Some(1)).key();
        for ip in ["0.0.0.1", "::1", "1::", "ffff:ffff::", "::ffff:0:1"] {
            assert_ne!(asn, at(ip, None).key(), "{ip}");
        }
    }
}
