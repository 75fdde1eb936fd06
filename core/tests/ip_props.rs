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

fn naive(nets: &[IpNet], ip: IpAddr) -> bool {
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    };
    nets.iter().any(|n| n.contains(&ip))
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
