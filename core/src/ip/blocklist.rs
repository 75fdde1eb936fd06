//! An updatable set of blocked addresses and prefixes, each with an optional
//! expiry: what a site's blocks compile to for the click path.
//!
//! [`IpSet`](super::IpSet) is built once and answers in O(log n); a site's
//! blocks change on every auto-block, so this set takes O(1) inserts and
//! removals instead and answers with one hash probe per distinct prefix
//! length it holds (in practice one or two: /32 and the IPv6 /64).

use std::collections::HashMap;
use std::net::IpAddr;

use ipnet::IpNet;

use super::{canonical, canonical_net};

/// Blocked networks with expiries. Lookups ignore expired entries;
/// [`purge_expired`](Self::purge_expired) frees them.
#[derive(Debug, Clone)]
pub struct BlockList {
    entries: HashMap<IpNet, Option<u64>>,
    v4_lengths: [u32; 33],
    v6_lengths: [u32; 129],
}

impl Default for BlockList {
    fn default() -> Self {
        Self {
            entries: HashMap::new(),
            v4_lengths: [0; 33],
            v6_lengths: [0; 129],
        }
    }
}

impl BlockList {
    /// An empty list.
    pub fn new() -> Self {
        Self::default()
    }

    /// Blocks `net` until `expires_at` (unix seconds, exclusive), or for
    /// good with `None`. Re-blocking a network replaces its expiry.
    pub fn insert(&mut self, net: IpNet, expires_at: Option<u64>) {
        let net = canonical_net(net);
        if self.entries.insert(net, expires_at).is_none() {
            *self.length_count(net) += 1;
        }
    }

    /// Unblocks `net` exactly (not the addresses inside it that are blocked
    /// on their own). Returns whether it was blocked.
    pub fn remove(&mut self, net: IpNet) -> bool {
        let net = canonical_net(net);
        let removed = self.entries.remove(&net).is_some();
        if removed {
            *self.length_count(net) -= 1;
        }
        removed
    }

    /// The blocked network that covers `ip` at `now`, if any (the longest).
    /// An IPv6 address embedding an IPv4 one is looked up as both.
    pub fn matching(&self, ip: IpAddr, now: u64) -> Option<IpNet> {
        let canon = canonical(ip);
        self.matching_exact(canon, now).or_else(|| {
            (canon != ip)
                .then(|| self.matching_exact(ip, now))
                .flatten()
        })
    }

    fn matching_exact(&self, ip: IpAddr, now: u64) -> Option<IpNet> {
        let lengths: &[u32] = match ip {
            IpAddr::V4(_) => &self.v4_lengths,
            IpAddr::V6(_) => &self.v6_lengths,
        };
        lengths
            .iter()
            .enumerate()
            .rev()
            .filter(|(_, n)| **n > 0)
            .find_map(|(len, _)| {
                // Entries are canonical; a raw embedded-IPv4 address only
                // meets IPv6 prefixes that stayed IPv6.
                let net = IpNet::new(ip, len as u8).ok()?.trunc();
                match self.entries.get(&net) {
                    Some(None) => Some(net),
                    Some(Some(at)) if now < *at => Some(net),
                    _ => None,
                }
            })
    }

    /// Whether `ip` is blocked at `now`.
    pub fn contains(&self, ip: IpAddr, now: u64) -> bool {
        self.matching(ip, now).is_some()
    }

    /// Entries held, expired ones included until purged.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no entry is held.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Drops entries expired at `now`; returns how many.
    pub fn purge_expired(&mut self, now: u64) -> usize {
        let expired: Vec<IpNet> = self
            .entries
            .iter()
            .filter(|(_, at)| at.is_some_and(|at| at <= now))
            .map(|(net, _)| *net)
            .collect();
        for net in &expired {
            self.remove(*net);
        }
        expired.len()
    }

    fn length_count(&mut self, net: IpNet) -> &mut u32 {
        let len = usize::from(net.prefix_len());
        match net {
            IpNet::V4(_) => &mut self.v4_lengths[len],
            IpNet::V6(_) => &mut self.v6_lengths[len],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net(s: &str) -> IpNet {
        super::super::parse_prefix(s).unwrap()
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn addresses_prefixes_and_expiry() {
        let mut b = BlockList::new();
        b.insert(net("203.0.113.7"), None);
        b.insert(net("2001:db8:1:2::/64"), Some(100));
        b.insert(net("198.51.100.0/24"), Some(50));
        assert!(b.contains(ip("203.0.113.7"), 0));
        assert!(b.contains(ip("::ffff:203.0.113.7"), 0), "mapped is IPv4");
        assert!(!b.contains(ip("203.0.113.8"), 0));
        assert!(b.contains(ip("2001:db8:1:2:abcd::1"), 99));
        assert!(
            !b.contains(ip("2001:db8:1:2:abcd::1"), 100),
            "expiry is exclusive"
        );
        assert_eq!(
            b.matching(ip("198.51.100.9"), 10),
            Some(net("198.51.100.0/24"))
        );
        assert_eq!(b.purge_expired(100), 2);
        assert_eq!(b.len(), 1);
        assert!(b.remove(net("203.0.113.7")));
        assert!(!b.remove(net("203.0.113.7")));
        assert!(!b.contains(ip("203.0.113.7"), 0));
        assert!(b.is_empty());
    }

    #[test]
    fn reblocking_replaces_the_expiry() {
        let mut b = BlockList::new();
        b.insert(net("203.0.113.7"), Some(10));
        b.insert(net("203.0.113.7"), None);
        assert!(b.contains(ip("203.0.113.7"), 1_000));
        assert_eq!(b.len(), 1);
        assert!(b.remove(net("203.0.113.7")));
        assert!(
            !b.contains(ip("203.0.113.7"), 0),
            "length counts stay exact"
        );
    }
}
