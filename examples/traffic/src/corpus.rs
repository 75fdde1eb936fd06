//! The real data the generator draws from, embedded so that the library's
//! benchmark, the server's tests and a server's demo day all play the same
//! traffic: browser user agents of real visitors (isbot's browser fixtures
//! and current browsers), crawler user agents (isbot's and the
//! crawler-user-agents project's fixtures), ip-location-db ASN rows (CC BY
//! 4.0) and Google's published Googlebot ranges.

use std::sync::Arc;

use clickfence::ip::{AsnTable, HostingNetworks};
use clickfence::score::{claimed_operator, CrawlerRanges};
use serde_json::Value;

const USER_AGENTS: &str = include_str!("../../../tests/vectors/user-agents.json");
const ASN_V4: &str = include_str!("../../../tests/vectors/asn/asn-ipv4.csv");
const ASN_V6: &str = include_str!("../../../tests/vectors/asn/asn-ipv6.csv");
/// Google's `googlebot.json`, in its published format.
pub const GOOGLEBOT_RANGES: &str = include_str!("../../../tests/vectors/crawlers/googlebot.json");

/// Real user agents, ASN rows and crawler ranges.
pub struct Corpus {
    /// Browsers people click with.
    pub browsers: Vec<String>,
    /// Crawlers, monitors and libraries that claim no operator whose
    /// addresses can be checked (a Googlebot user agent from a rented
    /// server is an impersonator, a class of its own).
    pub bots: Vec<String>,
    /// Hosting networks from the ASN rows.
    pub hosting: HostingNetworks,
    /// The ASN rows themselves (a server loads the same).
    pub asn_csv: [&'static str; 2],
    /// Googlebot's published ranges.
    pub crawler_ranges: CrawlerRanges,
}

fn strings(doc: &Value, key: &str) -> Result<Vec<String>, String> {
    doc[key]
        .as_array()
        .ok_or(format!("user-agents.json has no {key}"))?
        .iter()
        .map(|v| {
            v.as_str()
                .map(str::to_owned)
                .ok_or(format!("{key}: not text"))
        })
        .collect()
}

impl Corpus {
    /// The embedded corpus.
    pub fn embedded() -> Result<Self, String> {
        let ua: Value = serde_json::from_str(USER_AGENTS).map_err(|e| e.to_string())?;
        let skip: Vec<String> = ua["isbot_browsers_we_call_bots"]
            .as_array()
            .map(|a| a.iter())
            .into_iter()
            .flatten()
            .filter_map(|d| d["contains"].as_str().map(str::to_owned))
            .collect();
        // People browse with current browsers, which all send Mozilla/5.0;
        // isbot's browser fixtures also hold test strings ("Hello, world",
        // an SQL injection) and office apps, which are not visitors.
        let browsers = strings(&ua, "browsers")?
            .into_iter()
            .chain(strings(&ua, "current_browsers")?)
            .filter(|b| b.starts_with("Mozilla/5.0 ("))
            .filter(|b| !skip.iter().any(|s| b.contains(s.as_str())))
            .collect();
        // Headless browsers are a class of their own (automation).
        let bots = strings(&ua, "bots")?
            .into_iter()
            .chain(strings(&ua, "crawlers")?)
            .filter(|b| !b.to_ascii_lowercase().contains("headless"))
            .filter(|b| claimed_operator(b).is_none())
            .collect();
        let mut table = AsnTable::new();
        for csv in [ASN_V4, ASN_V6] {
            table.load_csv(csv).map_err(|e| e.to_string())?;
        }
        let mut crawler_ranges = CrawlerRanges::new();
        crawler_ranges
            .load("google", GOOGLEBOT_RANGES)
            .map_err(|e| e.to_string())?;
        Ok(Self {
            browsers,
            bots,
            hosting: HostingNetworks::new(Arc::new(table)),
            asn_csv: [ASN_V4, ASN_V6],
            crawler_ranges,
        })
    }
}
