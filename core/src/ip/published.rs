//! Address ranges that networks publish about themselves, in each one's own
//! format: cloud providers' ranges (hosting traffic), the Tor Project's
//! bulk exit list, Spamhaus's DROP list. Each loads into an [`IpSet`] with
//! the file's date, so a verdict can name its source and how old its data
//! is.

use serde::Deserialize;

use super::{parse_prefix, IpError, IpSet};

/// A published range file's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeFormat {
    /// AWS `ip-ranges.json` (`prefixes[].ip_prefix`,
    /// `ipv6_prefixes[].ipv6_prefix`, `createDate`).
    Aws,
    /// Google Cloud `cloud.json` (`prefixes[].ipv4Prefix|ipv6Prefix`,
    /// `creationTime`); Google's crawler files share it.
    GoogleCloud,
    /// Azure Service Tags JSON (`values[].properties.addressPrefixes`,
    /// `changeNumber`).
    Azure,
    /// Oracle Cloud `public_ip_ranges.json` (`regions[].cidrs[].cidr`,
    /// `last_updated_timestamp`).
    Oracle,
    /// DigitalOcean's geofeed CSV (RFC 8805: `prefix,country,region,city,`).
    DigitalOcean,
    /// Apple's iCloud Private Relay egress ranges (`egress-ip-ranges.csv`,
    /// the same geofeed format): privacy relays, never hosting.
    ApplePrivateRelay,
    /// The Tor Project's bulk exit list (one address per line).
    TorExits,
    /// Spamhaus DROP, text (`1.10.16.0/20 ; SBL256894`, `;` comments) or
    /// JSON lines (`{"cidr": ...}` and a `{"type": "metadata"}` line).
    SpamhausDrop,
}

impl RangeFormat {
    /// Every format, with its name.
    pub const ALL: &'static [(&'static str, RangeFormat)] = &[
        ("aws", Self::Aws),
        ("google-cloud", Self::GoogleCloud),
        ("azure", Self::Azure),
        ("oracle", Self::Oracle),
        ("digitalocean", Self::DigitalOcean),
        ("apple-private-relay", Self::ApplePrivateRelay),
        ("tor-exits", Self::TorExits),
        ("spamhaus-drop", Self::SpamhausDrop),
    ];

    /// The format of this name (`aws`, `google-cloud`, `azure`, `oracle`,
    /// `digitalocean`, `tor-exits`, `spamhaus-drop`).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().find(|(n, _)| *n == name).map(|(_, f)| *f)
    }

    /// Its name.
    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, f)| *f == self)
            .map_or("", |(n, _)| n)
    }
}

/// A published range file, loaded.
#[derive(Debug, Clone)]
pub struct PublishedRanges {
    /// Its addresses.
    pub set: IpSet,
    /// The date the file gives itself, as it writes it (`None` when the
    /// format has none: a Tor list, a geofeed).
    pub date: Option<String>,
}

impl PublishedRanges {
    /// Parses `text` in `format`. Every prefix must parse: a file with one
    /// bad entry is refused (naming it), never half loaded.
    pub fn parse(format: RangeFormat, text: &str) -> Result<Self, IpError> {
        match format {
            RangeFormat::Aws => aws(text),
            RangeFormat::GoogleCloud => google(text),
            RangeFormat::Azure => azure(text),
            RangeFormat::Oracle => oracle(text),
            RangeFormat::DigitalOcean | RangeFormat::ApplePrivateRelay => {
                lines(text, |l| l.split(',').next(), '#')
            }
            RangeFormat::TorExits => lines(text, Some, '#'),
            RangeFormat::SpamhausDrop => spamhaus(text),
        }
    }
}

impl PublishedRanges {
    /// [`parse`](Self::parse) with the format by name
    /// ([`RangeFormat::from_name`]); an unknown name is an error naming the
    /// known ones.
    pub fn parse_named(format: &str, text: &str) -> Result<Self, IpError> {
        let f = RangeFormat::from_name(format).ok_or_else(|| {
            let known: Vec<&str> = RangeFormat::ALL.iter().map(|(n, _)| *n).collect();
            invalid(
                "format",
                format!("'{format}' is not one of {}", known.join(", ")),
            )
        })?;
        Self::parse(f, text)
    }
}

impl PublishedRanges {
    /// The file's own date as unix seconds (midnight UTC of its day), when
    /// it gives one this can read: `2026-12-03...` (AWS, Google, Oracle),
    /// `Thu, 04 Dec 2026 ...` (Spamhaus text) or unix seconds (Spamhaus
    /// JSON). `None` for formats without a date (Azure gives a change
    /// number; a geofeed and the Tor list give nothing): use the file's
    /// modification time then.
    pub fn unix_date(&self) -> Option<u64> {
        let date = self.date.as_deref()?.trim();
        if let Ok(secs) = date.parse::<u64>() {
            return Some(secs);
        }
        let (y, m, d) = iso_day(date).or_else(|| mail_day(date))?;
        let days = crate::civil::days_from_civil(y, m, d);
        u64::try_from(days).ok().map(|d| d * 86_400)
    }
}

/// `YYYY-MM-DD` at the start.
fn iso_day(s: &str) -> Option<(i64, u32, u32)> {
    let head = s.get(..10)?;
    let mut p = head.split('-');
    let (y, m, d) = (
        p.next()?.parse().ok()?,
        p.next()?.parse().ok()?,
        p.next()?.parse().ok()?,
    );
    crate::civil::is_valid_date(y, m, d).then_some((y, m, d))
}

/// `Thu, 04 Dec 2026 08:33:10 GMT` (RFC 5322).
fn mail_day(s: &str) -> Option<(i64, u32, u32)> {
    let mut p = s
        .split_once(',')
        .map_or(s, |(_, rest)| rest)
        .split_whitespace();
    let d: u32 = p.next()?.parse().ok()?;
    let months = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month = p.next()?;
    let m = months.iter().position(|x| *x == month)? as u32 + 1;
    let y: i64 = p.next()?.parse().ok()?;
    crate::civil::is_valid_date(y, m, d).then_some((y, m, d))
}

fn invalid(path: impl Into<String>, message: impl ToString) -> IpError {
    IpError::InvalidRanges {
        path: path.into(),
        message: message.to_string(),
    }
}

fn json<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, IpError> {
    crate::json::strict(text).map_err(|e| invalid(e.path, e.message))
}

fn set<'a>(prefixes: impl IntoIterator<Item = (String, &'a str)>) -> Result<IpSet, IpError> {
    let mut nets = Vec::new();
    for (path, p) in prefixes {
        nets.push(parse_prefix(p.trim()).map_err(|e| invalid(path, e))?);
    }
    Ok(IpSet::from_nets(nets))
}

fn aws(text: &str) -> Result<PublishedRanges, IpError> {
    #[derive(Deserialize)]
    struct File {
        #[serde(rename = "createDate")]
        create_date: Option<String>,
        prefixes: Vec<V4>,
        #[serde(default)]
        ipv6_prefixes: Vec<V6>,
    }
    #[derive(Deserialize)]
    struct V4 {
        ip_prefix: String,
    }
    #[derive(Deserialize)]
    struct V6 {
        ipv6_prefix: String,
    }
    let f: File = json(text)?;
    let v4 = f
        .prefixes
        .iter()
        .enumerate()
        .map(|(i, p)| (format!("prefixes[{i}]"), p.ip_prefix.as_str()));
    let v6 = f
        .ipv6_prefixes
        .iter()
        .enumerate()
        .map(|(i, p)| (format!("ipv6_prefixes[{i}]"), p.ipv6_prefix.as_str()));
    Ok(PublishedRanges {
        set: set(v4.chain(v6))?,
        date: f.create_date,
    })
}

fn google(text: &str) -> Result<PublishedRanges, IpError> {
    #[derive(Deserialize)]
    struct File {
        #[serde(rename = "creationTime")]
        creation_time: Option<String>,
        prefixes: Vec<Prefix>,
    }
    #[derive(Deserialize)]
    struct Prefix {
        #[serde(rename = "ipv4Prefix")]
        v4: Option<String>,
        #[serde(rename = "ipv6Prefix")]
        v6: Option<String>,
    }
    let f: File = json(text)?;
    let mut items = Vec::with_capacity(f.prefixes.len());
    for (i, p) in f.prefixes.iter().enumerate() {
        let text =
            p.v4.as_deref()
                .or(p.v6.as_deref())
                .ok_or_else(|| invalid(format!("prefixes[{i}]"), "no ipv4Prefix or ipv6Prefix"))?;
        items.push((format!("prefixes[{i}]"), text));
    }
    Ok(PublishedRanges {
        set: set(items)?,
        date: f.creation_time,
    })
}

fn azure(text: &str) -> Result<PublishedRanges, IpError> {
    #[derive(Deserialize)]
    struct File {
        #[serde(rename = "changeNumber")]
        change_number: Option<u64>,
        values: Vec<Value>,
    }
    #[derive(Deserialize)]
    struct Value {
        properties: Properties,
    }
    #[derive(Deserialize)]
    struct Properties {
        #[serde(rename = "addressPrefixes")]
        address_prefixes: Vec<String>,
    }
    let f: File = json(text)?;
    let items = f.values.iter().enumerate().flat_map(|(i, v)| {
        v.properties
            .address_prefixes
            .iter()
            .enumerate()
            .map(move |(j, p)| {
                (
                    format!("values[{i}].properties.addressPrefixes[{j}]"),
                    p.as_str(),
                )
            })
    });
    Ok(PublishedRanges {
        set: set(items)?,
        date: f.change_number.map(|n| format!("change {n}")),
    })
}

fn oracle(text: &str) -> Result<PublishedRanges, IpError> {
    #[derive(Deserialize)]
    struct File {
        last_updated_timestamp: Option<String>,
        regions: Vec<Region>,
    }
    #[derive(Deserialize)]
    struct Region {
        cidrs: Vec<Cidr>,
    }
    #[derive(Deserialize)]
    struct Cidr {
        cidr: String,
    }
    let f: File = json(text)?;
    let items = f.regions.iter().enumerate().flat_map(|(i, r)| {
        r.cidrs
            .iter()
            .enumerate()
            .map(move |(j, c)| (format!("regions[{i}].cidrs[{j}]"), c.cidr.as_str()))
    });
    Ok(PublishedRanges {
        set: set(items)?,
        date: f.last_updated_timestamp,
    })
}

/// One prefix per line, taken by `field`; blank lines and lines starting
/// with `comment` are skipped.
fn lines<'a>(
    text: &'a str,
    field: impl Fn(&'a str) -> Option<&'a str>,
    comment: char,
) -> Result<PublishedRanges, IpError> {
    let items = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with(comment))
        .map(|(i, l)| (format!("line {}", i + 1), field(l).unwrap_or("")));
    Ok(PublishedRanges {
        set: set(items)?,
        date: None,
    })
}

fn spamhaus(text: &str) -> Result<PublishedRanges, IpError> {
    if text.trim_start().starts_with('{') {
        return spamhaus_json(text);
    }
    let date = text
        .lines()
        .find_map(|l| l.strip_prefix("; Last-Modified:"))
        .map(|d| d.trim().to_owned());
    let items = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with(';'))
        .map(|(i, l)| (format!("line {}", i + 1), l.split(';').next().unwrap_or("")));
    Ok(PublishedRanges {
        set: set(items)?,
        date,
    })
}

fn spamhaus_json(text: &str) -> Result<PublishedRanges, IpError> {
    #[derive(Deserialize)]
    struct Line {
        cidr: Option<String>,
        #[serde(rename = "type")]
        kind: Option<String>,
        timestamp: Option<u64>,
    }
    let mut cidrs = Vec::new();
    let mut date = None;
    for (i, l) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let line: Line =
            serde_json::from_str(l).map_err(|e| invalid(format!("line {}", i + 1), e))?;
        match (line.cidr, line.kind.as_deref()) {
            (Some(c), _) => cidrs.push((format!("line {}", i + 1), c)),
            (None, Some("metadata")) => date = line.timestamp.map(|t| t.to_string()),
            _ => {
                return Err(invalid(
                    format!("line {}", i + 1),
                    "neither a cidr nor metadata",
                ))
            }
        }
    }
    Ok(PublishedRanges {
        set: set(cidrs.iter().map(|(p, c)| (p.clone(), c.as_str())))?,
        date,
    })
}
