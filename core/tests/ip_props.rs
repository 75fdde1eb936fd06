//! `IpSet` agrees with a naive scan of its prefixes.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use clickfence::IpSet;
use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use proptest::prelude::*;

fn v4_net() -> impl Strategy<Value = IpNet> {
    // Cluster addresses so prefixes overlap often.
    (0u32..64, any::<u32>(), 8u8..=32).prop_map(|(hi, lo, len)| {
        let addr = Ipv4Addr::from((hi << 26) | (lo >> 6));
        IpNet::V4(Ipv4Net::new(addr, len).unwrap().trunc())
    })
}

fn v6_net() -> impl Strategy<Value = IpNet> {
    (0u128..16, any::<u128>(), 0u8..=128).prop_map(|(hi, lo, len)| {
        let addr = Ipv6Addr::from((hi << 124) | (lo >> 4));
        IpNet::V6(Ipv6Net::new(addr, len.max(4)).unwrap().trunc())
    })
}

fn probe() -> impl Strategy<Value = IpAddr> {
    prop_oneof![
        (0u32..64, any::<u32>())
            .prop_map(|(hi, lo)| IpAddr::V4(Ipv4Addr::from((hi << 26) | (lo >> 6)))),
        (0u128..16, any::<u128>())
            .prop_map(|(hi, lo)| IpAddr::V6(Ipv6Addr::from((hi << 124) | (lo >> 4)))),
        (0u32..64, any::<u32>()).prop_map(|(hi, lo)| IpAddr::V6(
            Ipv4Addr::from((hi << 26) | (lo >> 6)).to_ipv6_mapped()
        )),
    ]
}

/// The documented rule, by scanning: prefixes are canonical; an address is
/// in the set when its canonical form is, or (for an IPv6 address that
/// embeds an IPv4 one) its IPv6 form is.
fn naive(nets: &[IpNet], ip: IpAddr) -> bool {
    let nets: Vec<IpNet> = nets
        .iter()
        .map(|n| clickfence::ip::canonical_net(*n))
        .collect();
    let canon = clickfence::ip::canonical(ip);
    nets.iter().any(|n| n.contains(&canon) || n.contains(&ip))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]
    #[test]
    fn agrees_with_a_naive_scan(
        nets in prop::collection::vec(prop_oneof![v4_net(), v6_net()], 0..60),
        probes in prop::collection::vec(probe(), 1..40),
    ) {
        let set = IpSet::from_nets(nets.clone());
        for ip in probes {
            prop_assert_eq!(set.contains(ip), naive(&nets, ip), "{}", ip);
        }
        // Range edges are the likeliest off-by-one spots.
        for n in &nets {
            for ip in [n.network(), n.broadcast()] {
                prop_assert!(set.contains(ip));
            }
        }
    }
}

proptest! {
    /// Found by fuzzing: every prefix covers the canonical form of its own
    /// addresses (embedded-IPv4 prefixes are IPv4 prefixes).
    #[test]
    fn a_prefix_covers_its_own_addresses(
        bits in prop_oneof![
            any::<u128>(),
            any::<u32>().prop_map(u128::from),                                // ::a.b.c.d
            any::<u32>().prop_map(|v| 0xffff_0000_0000 | u128::from(v)),      // mapped
            any::<u32>().prop_map(|v| (0x64_ff9bu128 << 96) | u128::from(v)), // NAT64
            any::<u128>().prop_map(|v| (0x2002u128 << 112) | (v >> 16)),      // 6to4
        ],
        len in 0u8..=128,
        offset in any::<u128>(),
    ) {
        let net = ipnet::Ipv6Net::new(std::net::Ipv6Addr::from(bits), len).unwrap().trunc();
        let text = net.to_string();
        if let Ok(prefix) = clickfence::ip::parse_prefix(&text) {
            let host = if len == 128 { 0 } else { offset & (u128::MAX >> len) };
            let addr = std::net::Ipv6Addr::from(u128::from(net.network()) | host);
            let mut blocks = clickfence::ip::BlockList::new();
            blocks.insert(prefix, None);
            prop_assert!(blocks.contains(addr.into(), 0), "{} does not cover {}", text, addr);
        }
    }
}
