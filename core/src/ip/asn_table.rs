//! Address → autonomous system from free data: the ip-location-db ASN CSV
//! (`asn-ipv4.csv`, `asn-ipv6.csv`: `start,end,asn,organization`, as in the
//! npm package `@ip-location-db/asn`, CC BY 4.0), with no MaxMind account.
//!
//! Rows are kept sorted by start address per family and looked up by
//! binary search; organization names are stored once each. The published
//! data has a few overlapping rows (one network announced inside
//! another's): the row starting closest before the address that holds it
//! answers, so a more specific announcement wins.

use std::collections::HashMap;
use std::net::IpAddr;

use super::{canonical, AsnInfo, IpError};

/// The most rows a table may hold (the whole Internet is about half a
/// million today).
pub const MAX_ASN_ROWS: usize = 4_000_000;

/// An ASN table loaded from ip-location-db CSV files.
#[derive(Debug, Clone, Default)]
pub struct AsnTable {
    v4: Rows<u32>,
    v6: Rows<u128>,
    orgs: Vec<String>,
}

/// Rows `(start, end, asn, org)` sorted by start, and the greatest end of
/// each prefix of them (so a lookup knows when no earlier row can reach).
#[derive(Debug, Clone, Default)]
struct Rows<T> {
    rows: Vec<(T, T, u32, u32)>,
    reach: Vec<T>,
}

impl<T: Ord + Copy> Rows<T> {
    fn finish(&mut self) {
        self.rows.sort_unstable();
        self.reach.clear();
        let mut max = None;
        for r in &self.rows {
            let m = max.map_or(r.1, |m: T| m.max(r.1));
            self.reach.push(m);
            max = Some(m);
        }
    }

    fn find(&self, ip: T) -> Option<(u32, u32)> {
        let mut i = self.rows.partition_point(|r| r.0 <= ip);
        while i > 0 {
            i -= 1;
            if *self.reach.get(i)? < ip {
                return None;
            }
            let r = self.rows.get(i)?;
            if ip <= r.1 {
                return Some((r.2, r.3));
            }
        }
        None
    }
}

impl AsnTable {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the rows of one CSV file (IPv4, IPv6 or both). A row that does
    /// not parse, or whose end is before its start, refuses the whole file
    /// (naming its line) and leaves the table as it was.
    pub fn load_csv(&mut self, text: &str) -> Result<(), IpError> {
        let mut next = self.clone();
        let mut interned: HashMap<String, u32> = next
            .orgs
            .iter()
            .enumerate()
            .map(|(i, o)| (o.clone(), i as u32))
            .collect();
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let bad = |m: &str| IpError::InvalidRanges {
                path: format!("line {}", i + 1),
                message: m.to_owned(),
            };
            let row = parse_row(line).ok_or_else(|| bad("expected start,end,asn,organization"))?;
            let org = match interned.get(row.3) {
                Some(id) => *id,
                None => {
                    let id = next.orgs.len() as u32;
                    next.orgs.push(row.3.to_owned());
                    interned.insert(row.3.to_owned(), id);
                    id
                }
            };
            match (canonical(row.0), canonical(row.1)) {
                (IpAddr::V4(a), IpAddr::V4(b)) if a <= b => {
                    next.v4.rows.push((a.into(), b.into(), row.2, org))
                }
                (IpAddr::V6(a), IpAddr::V6(b)) if a <= b => {
                    next.v6.rows.push((a.into(), b.into(), row.2, org))
                }
                _ => return Err(bad("start and end must be one family, start first")),
            }
            if next.v4.rows.len() + next.v6.rows.len() > MAX_ASN_ROWS {
                return Err(bad(&format!("more than {MAX_ASN_ROWS} rows")));
            }
        }
        next.v4.finish();
        next.v6.finish();
        *self = next;
        Ok(())
    }

    /// The autonomous system announcing `ip`, if a row holds it.
    pub fn lookup(&self, ip: IpAddr) -> Option<AsnInfo> {
        let (asn, org) = match canonical(ip) {
            IpAddr::V4(a) => self.v4.find(u32::from(a))?,
            IpAddr::V6(a) => self.v6.find(u128::from(a))?,
        };
        Some(AsnInfo {
            number: asn,
            organization: self.orgs.get(org as usize).cloned(),
        })
    }

    /// How many rows the table holds.
    pub fn len(&self) -> usize {
        self.v4.rows.len() + self.v6.rows.len()
    }

    /// Whether the table holds no row.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// `start,end,asn,organization`; the organization may be quoted (with
/// `""` for a quote) and may be empty.
fn parse_row(line: &str) -> Option<(IpAddr, IpAddr, u32, &str)> {
    let mut parts = line.splitn(4, ',');
    let start = parts.next()?.trim().parse().ok()?;
    let end = parts.next()?.trim().parse().ok()?;
    let asn = parts.next()?.trim().parse().ok()?;
    let org = parts.next().unwrap_or("").trim();
    let org = org
        .strip_prefix('"')
        .and_then(|o| o.strip_suffix('"'))
        .unwrap_or(org);
    Some((start, end, asn, org))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_found_by_address() {
        let mut t = AsnTable::new();
        t.load_csv("1.0.0.0,1.0.0.255,13335,\"Cloudflare, Inc.\"\n5.9.0.0,5.9.255.255,24940,Hetzner Online GmbH\n")
            .unwrap();
        t.load_csv("2001:4860::,2001:4860:ffff:ffff:ffff:ffff:ffff:ffff,15169,Google LLC\n")
            .unwrap();
        let at = |ip: &str| {
            t.lookup(ip.parse().unwrap())
                .map(|a| (a.number, a.organization.unwrap()))
        };
        assert_eq!(at("1.0.0.1"), Some((13335, "Cloudflare, Inc.".into())));
        assert_eq!(
            at("5.9.255.255"),
            Some((24940, "Hetzner Online GmbH".into()))
        );
        assert_eq!(at("::ffff:5.9.0.1").map(|a| a.0), Some(24940));
        assert_eq!(at("2001:4860::8888").map(|a| a.0), Some(15169));
        assert_eq!(at("1.0.1.0"), None);
        assert_eq!(at("0.255.255.255"), None);
        assert_eq!(t.len(), 3);
    }

    #[test]
    fn a_bad_file_is_refused_whole() {
        let mut t = AsnTable::new();
        t.load_csv("1.0.0.0,1.0.0.255,13335,Cloudflare\n").unwrap();
        for (text, path) in [
            ("5.9.0.0,5.9.255.255,24940,H\nnot,an,row\n", "line 2"),
            ("5.9.0.0,5.9.255.255,x,H\n", "line 1"),
            ("5.9.255.255,5.9.0.0,24940,H\n", "line 1"),
            ("5.9.0.0,2001::,24940,H\n", "line 1"),
        ] {
            let e = t.load_csv(text).unwrap_err();
            assert_eq!(e.code(), "invalid_ranges");
            assert!(e.to_string().contains(path), "{text}: {e}");
        }
        assert_eq!(t.len(), 1, "nothing of a refused file is kept");
    }

    #[test]
    fn overlapping_rows_answer_with_the_closest_start() {
        // As in the published data: one network announced inside another.
        let mut t = AsnTable::new();
        t.load_csv("214.95.0.0,215.0.255.255,749,A\n215.0.0.0,215.1.3.255,721,B\n10.0.0.0,10.255.255.255,1,Outer\n10.1.0.0,10.1.0.255,2,Inner\n")
            .unwrap();
        let asn = |ip: &str| t.lookup(ip.parse().unwrap()).map(|a| a.number);
        assert_eq!(asn("214.99.0.0"), Some(749));
        assert_eq!(asn("215.0.5.0"), Some(721));
        assert_eq!(asn("215.1.0.0"), Some(721));
        assert_eq!(asn("10.1.0.9"), Some(2), "the more specific");
        assert_eq!(asn("10.2.0.0"), Some(1), "the outer row past the inner one");
        assert_eq!(asn("215.1.4.0"), None);
    }
}
