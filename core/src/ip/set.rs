//! `IpSet`: an immutable set of addresses and prefixes, compiled into merged
//! sorted ranges and searched with a two-level index.

use std::net::IpAddr;

use ipnet::IpNet;

use super::addr::{canonical, canonical_net, parse_prefix, v4_bits, v6_bits};
use super::IpError;

/// An immutable, compiled set of IPv4 and IPv6 addresses and prefixes.
///
/// Prefixes are merged into disjoint sorted ranges; IPv4 lookups first jump by
/// the top 16 bits of the address to the few ranges that can hold it, so a
/// lookup costs one table read and a short binary search even at a million
/// prefixes. IPv4-mapped IPv6 addresses and prefixes are stored and looked up
/// as IPv4.
///
/// ```
/// use clickfence::IpSet;
/// let set = IpSet::from_lines("# Tor exits\n192.0.2.0/24\n2001:db8::1\n")?;
/// assert!(set.contains("192.0.2.77".parse()?));
/// assert!(set.contains("::ffff:192.0.2.1".parse()?));
/// assert!(!set.contains("198.51.100.1".parse()?));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct IpSet {
    v4_starts: Vec<u32>,
    v4_ends: Vec<u32>,
    /// `v4_index[h]` is the first range whose end is at or above `h << 16`,
    /// for `h` in 0..=65536 (the last entry closes the table).
    v4_index: Vec<u32>,
    v6_starts: Vec<u128>,
    v6_ends: Vec<u128>,
    prefixes: usize,
}

impl IpSet {
    /// Compiles a set from prefixes.
    pub fn from_nets(nets: impl IntoIterator<Item = IpNet>) -> Self {
        let mut v4 = Vec::new();
        let mut v6 = Vec::new();
        let mut prefixes = 0;
        for net in nets {
            prefixes += 1;
            match canonical_net(net) {
                IpNet::V4(n) => v4.push((v4_bits(n.network()), v4_bits(n.broadcast()))),
                IpNet::V6(n) => v6.push((v6_bits(n.network()), v6_bits(n.broadcast()))),
            }
        }
        let (v4_starts, v4_ends) = merge(v4);
        let (v6_starts, v6_ends) = merge(v6);
        let v4_index = build_index(&v4_ends);
        Self {
            v4_starts,
            v4_ends,
            v4_index,
            v6_starts,
            v6_ends,
            prefixes,
        }
    }

    /// Compiles a set from IP or CIDR strings, failing on the first bad one.
    pub fn from_strs<S: AsRef<str>>(items: impl IntoIterator<Item = S>) -> Result<Self, IpError> {
        let nets = items
            .into_iter()
            .map(|s| parse_prefix(s.as_ref()))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self::from_nets(nets))
    }

    /// Parses a text list: one IP or CIDR per line; blank lines and `#`
    /// comments (whole-line or trailing) are skipped; surrounding whitespace is
    /// trimmed. The first bad line is reported with its 1-based number.
    pub fn from_lines(text: &str) -> Result<Self, IpError> {
        let mut nets = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let content = line.split('#').next().unwrap_or("").trim();
            if content.is_empty() {
                continue;
            }
            let net = parse_prefix(content).map_err(|e| IpError::BadLine {
                line: i + 1,
                error: Box::new(e),
            })?;
            nets.push(net);
        }
        Ok(Self::from_nets(nets))
    }

    /// Whether `ip` is in the set: its canonical form, or, for an IPv6
    /// address embedding an IPv4 one, the IPv6 address itself too (so
    /// `2000::/3` still covers a 6to4 address, whose canonical form is
    /// IPv4).
    #[inline]
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (canonical(ip), ip) {
            (IpAddr::V4(v4), IpAddr::V6(raw)) => {
                self.contains_v4(v4_bits(v4)) || self.contains_v6(v6_bits(raw))
            }
            (IpAddr::V4(v4), _) => self.contains_v4(v4_bits(v4)),
            (IpAddr::V6(v6), _) => self.contains_v6(v6_bits(v6)),
        }
    }

    #[inline]
    fn contains_v6(&self, x: u128) -> bool {
        let i = self.v6_starts.partition_point(|&s| s <= x);
        i > 0 && x <= self.v6_ends[i - 1]
    }

    #[inline]
    fn contains_v4(&self, x: u32) -> bool {
        if self.v4_starts.is_empty() {
            return false;
        }
        let h = (x >> 16) as usize;
        // Ranges that can hold `x` end at or after it, so they start at or
        // after the first range ending in its /16, and before the next /16's.
        let lo = self.v4_index[h] as usize;
        let hi = (self.v4_index[h + 1] as usize + 1).min(self.v4_starts.len());
        let slice = &self.v4_starts[lo..hi];
        let i = lo + slice.partition_point(|&s| s <= x);
        i > lo && x <= self.v4_ends[i - 1]
    }

    /// Number of prefixes given (before merging).
    pub fn prefix_count(&self) -> usize {
        self.prefixes
    }

    /// Number of disjoint ranges after merging.
    pub fn range_count(&self) -> usize {
        self.v4_starts.len() + self.v6_starts.len()
    }

    /// Whether the set holds no address.
    pub fn is_empty(&self) -> bool {
        self.range_count() == 0
    }

    /// Heap bytes used by the compiled set.
    pub fn heap_bytes(&self) -> usize {
        self.v4_starts.capacity() * 4
            + self.v4_ends.capacity() * 4
            + self.v4_index.capacity() * 4
            + self.v6_starts.capacity() * 16
            + self.v6_ends.capacity() * 16
    }
}

/// Sorts and merges overlapping or adjacent inclusive ranges.
fn merge<T: Copy + Ord + num_like::Succ>(mut ranges: Vec<(T, T)>) -> (Vec<T>, Vec<T>) {
    ranges.sort_unstable();
    let mut starts: Vec<T> = Vec::with_capacity(ranges.len());
    let mut ends: Vec<T> = Vec::with_capacity(ranges.len());
    for (s, e) in ranges {
        if let Some(last) = ends.last_mut() {
            // Adjacent when the previous end + 1 == start.
            if s <= last.succ_saturating() {
                if e > *last {
                    *last = e;
                }
                continue;
            }
        }
        starts.push(s);
        ends.push(e);
    }
    starts.shrink_to_fit();
    ends.shrink_to_fit();
    (starts, ends)
}

/// For every /16 `h`, the index of the first range ending at or after `h << 16`.
fn build_index(ends: &[u32]) -> Vec<u32> {
    if ends.is_empty() {
        return Vec::new();
    }
    let mut index = Vec::with_capacity(65_537);
    let mut i = 0usize;
    for h in 0u64..=65_536 {
        let floor = h << 16;
        while i < ends.len() && u64::from(ends[i]) < floor {
            i += 1;
        }
        // At most 2^32 ranges of IPv4 exist, and they fit u32 once merged.
        index.push(u32::try_from(i).unwrap_or(u32::MAX));
    }
    index
}

mod num_like {
    /// `x + 1`, saturating at the type's maximum.
    pub trait Succ {
        fn succ_saturating(self) -> Self;
    }
    impl Succ for u32 {
        fn succ_saturating(self) -> Self {
            self.saturating_add(1)
        }
    }
    impl Succ for u128 {
        fn succ_saturating(self) -> Self {
            self.saturating_add(1)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn membership_at_range_edges() {
        let set = IpSet::from_strs([
            "10.0.0.0/8",
            "192.168.1.7",
            "2001:db8::/32",
            "0.0.0.0/32",
            "255.255.255.255",
        ])
        .unwrap();
        for yes in [
            "10.0.0.0",
            "10.255.255.255",
            "192.168.1.7",
            "2001:db8::",
            "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff",
            "0.0.0.0",
            "255.255.255.255",
            "::ffff:10.1.2.3",
        ] {
            assert!(set.contains(ip(yes)), "{yes}");
        }
        for no in [
            "9.255.255.255",
            "11.0.0.0",
            "192.168.1.6",
            "192.168.1.8",
            "2001:db9::",
            "::1",
            "::ffff:11.0.0.0",
            "0.0.0.1",
        ] {
            assert!(!set.contains(ip(no)), "{no}");
        }
    }

    #[test]
    fn overlapping_and_adjacent_ranges_merge() {
        let set = IpSet::from_strs(["10.0.0.0/24", "10.0.1.0/24", "10.0.0.128/25", "10.0.3.0/24"])
            .unwrap();
        assert_eq!(set.range_count(), 2);
        assert_eq!(set.prefix_count(), 4);
        assert!(set.contains(ip("10.0.1.255")));
        assert!(!set.contains(ip("10.0.2.0")));
    }

    #[test]
    fn a_range_spanning_many_slash16s_is_found_from_each() {
        let set = IpSet::from_strs(["10.0.0.0/8", "11.5.0.0/16"]).unwrap();
        assert!(set.contains(ip("10.200.3.4")));
        assert!(set.contains(ip("11.5.9.9")));
        assert!(!set.contains(ip("11.4.255.255")));
        assert!(!set.contains(ip("11.6.0.0")));
    }

    #[test]
    fn lines_with_comments_and_blank_lines() {
        let set = IpSet::from_lines("# header\n\n  1.2.3.4  \n5.6.7.0/24 # trailing\r\n").unwrap();
        assert!(set.contains(ip("1.2.3.4")));
        assert!(set.contains(ip("5.6.7.9")));
        let err = IpSet::from_lines("1.2.3.4\n# ok\n1.2.3.999\n").unwrap_err();
        assert_eq!(err.code(), "invalid_list_line");
        assert!(err.to_string().starts_with("line 3:"), "{err}");
    }

    #[test]
    fn empty_set_contains_nothing() {
        let set = IpSet::default();
        assert!(!set.contains(ip("1.2.3.4")));
        assert!(!set.contains(ip("::1")));
        assert!(set.is_empty());
    }
}
