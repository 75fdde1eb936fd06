//! Hosting networks from free data: an address whose autonomous system is
//! a cloud, VPS or hosting provider's ([`HOSTING_ASNS`]) is data-center
//! traffic, with no commercial database. People do not browse from rented
//! servers; bots, scrapers and proxies do.
//!
//! Privacy relays are not data centers: Apple's iCloud Private Relay
//! egresses through CDN networks (Akamai, Cloudflare, Fastly) on behalf of
//! real people, and Apple publishes its egress ranges (a geofeed CSV,
//! [`RangeFormat::ApplePrivateRelay`](super::RangeFormat)). An address in a
//! loaded relay list is never hosting, whatever its network. CDN networks
//! themselves are left off the list for the same reason.

use std::net::IpAddr;
use std::sync::Arc;

use super::{AsnTable, IpSet};

/// A hosting provider's autonomous system, and why it is listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HostingAsn {
    /// The AS number.
    pub asn: u32,
    /// Who runs it.
    pub operator: &'static str,
    /// Where the classification comes from.
    pub source: &'static str,
}

const REGISTRY: &str = "registered name in the ip-location-db ASN data (2026-06-17)";
const PUBLISHED: &str = "the operator's published ranges are announced from it";

/// Cloud, VPS and hosting networks. Each entry is an AS whose registered
/// name is the provider's and whose customers rent servers; providers'
/// consumer ISPs, CDNs and relay networks are deliberately absent.
pub const HOSTING_ASNS: &[HostingAsn] = &[
    HostingAsn {
        asn: 16509,
        operator: "Amazon Web Services",
        source: PUBLISHED,
    },
    HostingAsn {
        asn: 14618,
        operator: "Amazon Web Services",
        source: PUBLISHED,
    },
    HostingAsn {
        asn: 8987,
        operator: "Amazon Web Services",
        source: PUBLISHED,
    },
    HostingAsn {
        asn: 396982,
        operator: "Google Cloud",
        source: PUBLISHED,
    },
    HostingAsn {
        asn: 15169,
        operator: "Google",
        source: PUBLISHED,
    },
    HostingAsn {
        asn: 8075,
        operator: "Microsoft Azure",
        source: PUBLISHED,
    },
    HostingAsn {
        asn: 14061,
        operator: "DigitalOcean",
        source: PUBLISHED,
    },
    HostingAsn {
        asn: 200130,
        operator: "DigitalOcean",
        source: REGISTRY,
    },
    HostingAsn {
        asn: 24940,
        operator: "Hetzner",
        source: REGISTRY,
    },
    HostingAsn {
        asn: 213230,
        operator: "Hetzner",
        source: REGISTRY,
    },
    HostingAsn {
        asn: 16276,
        operator: "OVHcloud",
        source: REGISTRY,
    },
    HostingAsn {
        asn: 63949,
        operator: "Akamai Connected Cloud (Linode)",
        source: REGISTRY,
    },
    HostingAsn {
        asn: 31898,
        operator: "Oracle Cloud",
        source: PUBLISHED,
    },
    HostingAsn {
        asn: 45102,
        operator: "Alibaba Cloud",
        source: REGISTRY,
    },
    HostingAsn {
        asn: 37963,
        operator: "Alibaba Cloud",
        source: REGISTRY,
    },
    HostingAsn {
        asn: 132203,
        operator: "Tencent Cloud",
        source: REGISTRY,
    },
    HostingAsn {
        asn: 45090,
        operator: "Tencent Cloud",
        source: REGISTRY,
    },
    HostingAsn {
        asn: 20473,
        operator: "Vultr",
        source: REGISTRY,
    },
    HostingAsn {
        asn: 51167,
        operator: "Contabo",
        source: REGISTRY,
    },
    HostingAsn {
        asn: 12876,
        operator: "Scaleway",
        source: REGISTRY,
    },
    HostingAsn {
        asn: 8560,
        operator: "IONOS",
        source: REGISTRY,
    },
    HostingAsn {
        asn: 197540,
        operator: "netcup",
        source: REGISTRY,
    },
    HostingAsn {
        asn: 36352,
        operator: "ColoCrossing",
        source: REGISTRY,
    },
    HostingAsn {
        asn: 9009,
        operator: "M247",
        source: REGISTRY,
    },
];

/// The listed hosting provider of `asn`, if any.
pub fn hosting_asn(asn: u32) -> Option<&'static HostingAsn> {
    HOSTING_ASNS.iter().find(|h| h.asn == asn)
}

/// Hosting detection from an ASN table, minus privacy relays.
#[derive(Debug, Clone, Default)]
pub struct HostingNetworks {
    asns: Option<Arc<AsnTable>>,
    ranges: Vec<Arc<IpSet>>,
    relays: Vec<Arc<IpSet>>,
}

impl HostingNetworks {
    /// Detection from `asns` (the ip-location-db CSV, loaded).
    pub fn new(asns: Arc<AsnTable>) -> Self {
        Self {
            asns: Some(asns),
            ranges: Vec::new(),
            relays: Vec::new(),
        }
    }

    /// Adds a provider's published ranges (AWS `ip-ranges.json`, ...,
    /// loaded with [`PublishedRanges`](super::PublishedRanges)): hosting
    /// too, whatever the ASN data says.
    pub fn ranges(mut self, provider: Arc<IpSet>) -> Self {
        self.ranges.push(provider);
        self
    }

    /// Adds a privacy relay's egress ranges: never hosting.
    pub fn relay(mut self, egress: Arc<IpSet>) -> Self {
        self.relays.push(egress);
        self
    }

    /// Whether `ip` is a privacy relay's egress.
    pub fn is_relay(&self, ip: IpAddr) -> bool {
        self.relays.iter().any(|r| r.contains(ip))
    }

    /// The hosting provider `ip` belongs to by its ASN, unless it is a
    /// relay's egress.
    pub fn hosting(&self, ip: IpAddr) -> Option<&'static HostingAsn> {
        if self.is_relay(ip) {
            return None;
        }
        let asn = self.asns.as_ref()?.lookup(ip)?;
        hosting_asn(asn.number)
    }

    /// Whether `ip` is hosting traffic: a listed provider's ASN or a
    /// provider's published ranges, never a relay's egress.
    pub fn is_hosting(&self, ip: IpAddr) -> bool {
        !self.is_relay(ip)
            && (self.hosting(ip).is_some() || self.ranges.iter().any(|r| r.contains(ip)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_has_each_asn_once_with_a_source() {
        for (i, h) in HOSTING_ASNS.iter().enumerate() {
            assert!(HOSTING_ASNS[..i].iter().all(|o| o.asn != h.asn), "{h:?}");
            assert!(!h.source.is_empty() && !h.operator.is_empty());
        }
        // CDNs and relay networks are not hosting.
        for cdn in [13335, 36183, 54113, 20940] {
            assert_eq!(hosting_asn(cdn), None, "AS{cdn}");
        }
    }

    #[test]
    fn relays_override_the_network() {
        let mut t = AsnTable::new();
        t.load_csv("5.9.0.0,5.9.255.255,24940,Hetzner Online GmbH\n")
            .unwrap();
        let relay = Arc::new(IpSet::from_strs(["5.9.1.0/24"]).unwrap());
        let h = HostingNetworks::new(Arc::new(t)).relay(relay);
        assert_eq!(
            h.hosting("5.9.0.1".parse().unwrap()).map(|h| h.operator),
            Some("Hetzner")
        );
        assert_eq!(h.hosting("5.9.1.1".parse().unwrap()), None);
        assert!(h.is_relay("5.9.1.1".parse().unwrap()));
    }
}
