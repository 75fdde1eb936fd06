//! Address → autonomous system from free data: the ip-location-db ASN CSV
//! (`asn-ipv4.csv`, `asn-ipv6.csv`: `start,end,asn,organization`, as in the
//! npm package `@ip-location-db/asn`, CC BY 4.0), with no MaxMind account.
//!
//! Rows are kept sorted by start address per family and looked up by
//! binary search; organization names are stored once each.

use std::collections::HashMap;
use std::net::IpAddr;

use super::{canonical, AsnInfo, IpError};

/// The most rows a table may hold (the whole Internet is about half a
/// million today).
pub const MAX_ASN_ROWS: usize = 4_000_000;

/// An ASN table loaded from ip-location-db CSV files.
#[derive(Debug, Clone, Default)]
pub struct AsnTable {
    v4: Vec<(u32, u32, u32, u32)>,
    v6: Vec<(u128, u128, u32, u32)>,
    orgs: Vec<String>,
}

impl AsnTable {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the rows of one CSV file (IPv4, IPv6 or both). A row that does
    /// not parse, or whose end is before its start, refuses the whole file
    /// (naming its line) and leaves the table as it was; overlapping rows
    /// are refused too, as a lookup could not tell which one holds.
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
                    next.v4.push((a.into(), b.into(), row.2, org))
                }
                (IpAddr::V6(a), IpAddr::V6(b)) if a <= b => {
                    next.v6.push((a.into(), b.into(), row.2, org))
                }
                _ => return Err(bad("start and end must be one family, start first")),
            }
            if next.v4.len() + next.v6.len() > MAX_ASN_ROWS {
                return Err(bad(&format!("more than {MAX_ASN_ROWS} rows")));
            }
        }
        next.v4.sort_unstable();
        next.v6.sort_unstable();
        if let Some(w) = next.v4.windows(2).find(|w| w[1].0 <= w[0].1) {
            return Err(overlap(std::net::Ipv4Addr::from(w[1].0)));
        }
        if let Some(w) = next.v6.windows(2).find(|w| w[1].0 <= w[0].1) {
            return Err(overlap(std::net::Ipv6Addr::from(w[1].0)));
        }
        *self = next;
        Ok(())
    }

    /// The autonomous system announcing `ip`, if a row holds it.
    pub fn lookup(&self, ip: IpAddr) -> Option<AsnInfo> {
        let (asn, org) = match canonical(ip) {
            IpAddr::V4(a) => find(&self.v4, u32::from(a))?,
            IpAddr::V6(a) => find(&self.v6, u128::from(a))?,
        };
        Some(AsnInfo {
            number: asn,
            organization: self.orgs.get(org as usize).cloned(),
        })
    }

    /// How many rows the table holds.
    pub fn len(&self) -> usize {
        self.v4.len() + self.v6.len()
    }

    /// Whether the table holds no row.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

fn overlap(start: impl std::fmt::Display) -> IpError {
    IpError::InvalidRanges {
        path: format!("row starting {start}"),
        message: "overlaps the row before it".into(),
    }
}

fn find<T: Ord + Copy>(rows: &[(T, T, u32, u32)], ip: T) -> Option<(u32, u32)> {
    let i = rows.partition_point(|r| r.0 <= ip).checked_sub(1)?;
    let r = rows.get(i)?;
    (ip <= r.1).then_some((r.2, r.3))
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
            ("1.0.0.128,1.0.1.0,1,H\n", "row starting 1.0.0.128"),
        ] {
            let e = t.load_csv(text).unwrap_err();
            assert_eq!(e.code(), "invalid_ranges");
            assert!(e.to_string().contains(path), "{text}: {e}");
        }
        assert_eq!(t.len(), 1, "nothing of a refused file is kept");
    }
}
