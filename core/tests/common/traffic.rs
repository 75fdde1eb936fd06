//! A seeded, labelled day of clicks on one site: people and each attack
//! class, played through the library's own counters and data (velocity,
//! hosting networks from the ip-location-db rows, the crawler check's
//! verdict), then scored. Labels come from the generator, never from the
//! scorer's rules.
//!
//! People: browser user agents of real visitors (isbot's browser fixtures),
//! addresses in residential networks of the ASN rows (Comcast IPv4 and
//! IPv6, Deutsche Telekom behind carrier NAT), an evening-heavy daily
//! rhythm, human timing. Attacks: declared crawlers, link previews, a
//! data-center bot farm with browser user agents, impersonated Googlebot,
//! headless automation, /64 rotation inside one /48, replays of genuine
//! signed URLs, a click flood from one app, and a residential proxy with a
//! real browser and human timing (which nothing here can catch: reported,
//! not hidden).

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::PathBuf;
use std::sync::Arc;

use clickfence::ip::{AsnTable, Granularity, HostingNetworks};
use clickfence::rate::VelocityCounter;
use clickfence::score::{
    BotSignal, Category, ClickSignals, CrawlerVerdict, Scorer, SignatureSignal,
};

/// Who really sent a click.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Class {
    Person,
    DeclaredCrawler,
    LinkPreview,
    DataCenterFarm,
    ImpersonatedGooglebot,
    Headless,
    Rotation,
    Replay,
    AppFlood,
    ResidentialProxy,
}

impl Class {
    pub const ALL: [Class; 10] = [
        Class::Person,
        Class::DeclaredCrawler,
        Class::LinkPreview,
        Class::DataCenterFarm,
        Class::ImpersonatedGooglebot,
        Class::Headless,
        Class::Rotation,
        Class::Replay,
        Class::AppFlood,
        Class::ResidentialProxy,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Class::Person => "people",
            Class::DeclaredCrawler => "declared crawlers",
            Class::LinkPreview => "link previews",
            Class::DataCenterFarm => "data-center bot farm (browser UAs)",
            Class::ImpersonatedGooglebot => "impersonated Googlebot",
            Class::Headless => "headless automation",
            Class::Rotation => "/64 rotation in one /48",
            Class::Replay => "replayed signed URLs",
            Class::AppFlood => "click flood from one app",
            Class::ResidentialProxy => "residential proxy, real browser (undetectable)",
        }
    }

    /// The category a perfect judge would give the class.
    pub fn truth(self) -> Category {
        match self {
            Class::Person => Category::Clean,
            Class::DeclaredCrawler | Class::LinkPreview => Category::Givt,
            _ => Category::Sivt,
        }
    }
}

/// One generated click.
pub struct Click {
    pub class: Class,
    pub at: u64,
    pub signals: ClickSignals,
}

/// splitmix64: small, seeded, good enough for a generator.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

fn vectors() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors")
}

/// Real user agents and ASN rows the generator draws from.
pub struct Corpus {
    pub browsers: Vec<String>,
    pub bots: Vec<String>,
    pub hosting: HostingNetworks,
}

impl Corpus {
    pub fn load() -> Self {
        let ua: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(vectors().join("user-agents.json")).unwrap(),
        )
        .unwrap();
        let list = |k: &str| -> Vec<String> {
            ua[k]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap().to_owned())
                .collect()
        };
        let skip: Vec<String> = ua["isbot_browsers_we_call_bots"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["contains"].as_str().unwrap().to_owned())
            .collect();
        // People browse with current browsers, which all send Mozilla/5.0;
        // isbot's browser fixtures also hold test strings ("Hello, world",
        // an SQL injection) and office apps, which are not visitors.
        let browsers = list("browsers")
            .into_iter()
            .chain(list("current_browsers"))
            .filter(|b| b.starts_with("Mozilla/5.0 ("))
            .filter(|b| !skip.iter().any(|s| b.contains(s.as_str())))
            .collect();
        let mut table = AsnTable::new();
        for f in ["asn/asn-ipv4.csv", "asn/asn-ipv6.csv"] {
            table
                .load_csv(&std::fs::read_to_string(vectors().join(f)).unwrap())
                .unwrap();
        }
        Self {
            browsers,
            // Headless browsers are a class of their own (automation).
            bots: list("bots")
                .into_iter()
                .chain(list("crawlers"))
                .filter(|b| !b.to_ascii_lowercase().contains("headless"))
                .collect(),
            hosting: HostingNetworks::new(Arc::new(table)),
        }
    }
}

const PREVIEWS: &[&str] = &[
    "WhatsApp/2.23.20.0 A",
    "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
    "TelegramBot (like TwitterBot)",
    "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
    "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
    "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)",
];
const GOOGLEBOT: &str = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";
const HEADLESS: &str = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.0.0 Safari/537.36";
const DAY: u64 = 1_796_342_400; // a midnight, UTC

/// Evening-heavy: the hour of a person's click.
fn hour(rng: &mut Rng) -> u64 {
    const WEIGHTS: [u64; 24] = [
        1, 1, 1, 1, 1, 2, 3, 5, 6, 6, 6, 7, 8, 7, 6, 6, 7, 8, 10, 12, 12, 10, 6, 3,
    ];
    let total: u64 = WEIGHTS.iter().sum();
    let mut r = rng.below(total);
    for (h, w) in WEIGHTS.iter().enumerate() {
        if r < *w {
            return h as u64;
        }
        r -= w;
    }
    23
}

fn comcast_v4(rng: &mut Rng) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(
        23,
        24 + rng.below(2) as u8,
        rng.below(256) as u8,
        1 + rng.below(254) as u8,
    ))
}

fn comcast_v6(rng: &mut Rng) -> IpAddr {
    // One /64 per subscriber inside 2001:558::/42.
    IpAddr::V6(Ipv6Addr::new(
        0x2001,
        0x558,
        rng.below(0x3f) as u16,
        rng.below(0xffff) as u16,
        0,
        0,
        0,
        1 + rng.below(0xfff) as u16,
    ))
}

/// Carrier NAT: about 8 of the site's visitors per public address, and a
/// pool spread over /24s about 32 addresses of it at a time (at least one
/// /24 of 12 addresses), as a carrier's pool spans many /24s.
fn carrier_nat(rng: &mut Rng, people_behind_nat: usize) -> IpAddr {
    let pool = (people_behind_nat / 8).max(12) as u64;
    let i = rng.below(pool);
    let (net, host) = (i / 32, i % 32);
    IpAddr::V4(Ipv4Addr::new(
        2,
        58,
        (100 + net % 156) as u8,
        1 + host as u8,
    ))
}

fn hosting_v4(rng: &mut Rng) -> IpAddr {
    match rng.below(3) {
        0 => IpAddr::V4(Ipv4Addr::new(
            5,
            9,
            rng.below(256) as u8,
            1 + rng.below(254) as u8,
        )),
        1 => IpAddr::V4(Ipv4Addr::new(
            5,
            101,
            96 + rng.below(16) as u8,
            1 + rng.below(254) as u8,
        )),
        _ => IpAddr::V4(Ipv4Addr::new(
            1,
            186,
            rng.below(256) as u8,
            1 + rng.below(254) as u8,
        )),
    }
}

/// A day with `people` visitors and attacks in proportion; each click
/// carries what a receiving server would know, counters included.
pub fn day(seed: u64, people: usize, corpus: &Corpus) -> Vec<Click> {
    let mut rng = Rng::new(seed);
    let mut raw: Vec<(Class, u64, IpAddr, ClickSignals)> = Vec::new();
    let scale = (people / 100).max(1);
    let mut push = |class, at, ip, signals| raw.push((class, at, ip, signals));
    for _ in 0..people {
        let ip = match rng.below(10) {
            0..=5 => comcast_v4(&mut rng),
            6..=7 => comcast_v6(&mut rng),
            _ => carrier_nat(&mut rng, people / 5),
        };
        let ua = rng.pick(&corpus.browsers).clone();
        let clicks = 1 + rng.below(3);
        let start = DAY + hour(&mut rng) * 3600 + rng.below(3600);
        for c in 0..clicks {
            let referrer = if rng.chance(90) {
                Some("https://www.google.com/".to_owned())
            } else {
                None
            };
            let fast = rng.chance(2);
            push(
                Class::Person,
                start + c * (60 + rng.below(1800)),
                ip,
                ClickSignals {
                    user_agent: Some(Some(ua.clone())),
                    referrer: Some(referrer),
                    signature: Some(SignatureSignal::Valid),
                    time_to_click_ms: Some(if fast {
                        300 + rng.below(200)
                    } else {
                        1500 + rng.below(20_000)
                    }),
                    ..ClickSignals::default()
                },
            );
        }
    }
    for _ in 0..2 * scale {
        let ua = rng.pick(&corpus.bots).clone();
        push(
            Class::DeclaredCrawler,
            DAY + rng.below(86_400),
            hosting_v4(&mut rng),
            ClickSignals {
                user_agent: Some(Some(ua)),
                referrer: Some(None),
                signature: Some(SignatureSignal::MissingSignature),
                ..ClickSignals::default()
            },
        );
    }
    for _ in 0..scale {
        push(
            Class::LinkPreview,
            DAY + rng.below(86_400),
            hosting_v4(&mut rng),
            ClickSignals {
                user_agent: Some(Some((*rng.pick(PREVIEWS)).to_owned())),
                referrer: Some(None),
                signature: Some(SignatureSignal::Valid),
                link_preview: true,
                ..ClickSignals::default()
            },
        );
    }
    for _ in 0..3 * scale {
        // Genuine ad clicks from rented servers: valid signatures, forged
        // referrers, human-looking timing.
        push(
            Class::DataCenterFarm,
            DAY + rng.below(86_400),
            hosting_v4(&mut rng),
            ClickSignals {
                user_agent: Some(Some(rng.pick(&corpus.browsers).clone())),
                referrer: Some(Some("https://www.google.com/".into())),
                signature: Some(SignatureSignal::Valid),
                time_to_click_ms: Some(1500 + rng.below(9000)),
                ..ClickSignals::default()
            },
        );
    }
    for _ in 0..scale {
        push(
            Class::ImpersonatedGooglebot,
            DAY + rng.below(86_400),
            comcast_v4(&mut rng),
            ClickSignals {
                user_agent: Some(Some(GOOGLEBOT.into())),
                referrer: Some(None),
                crawler: Some(CrawlerVerdict::Impersonator),
                ..ClickSignals::default()
            },
        );
    }
    for i in 0..2 * scale {
        let pixel = i % 2 == 0;
        push(
            Class::Headless,
            DAY + rng.below(86_400),
            // Behind residential proxies: the address gives nothing away.
            comcast_v4(&mut rng),
            ClickSignals {
                user_agent: Some(Some(if pixel {
                    rng.pick(&corpus.browsers).clone()
                } else {
                    HEADLESS.into()
                })),
                referrer: Some(Some("https://www.google.com/".into())),
                signature: Some(SignatureSignal::Valid),
                bot_signals: if pixel {
                    vec![BotSignal {
                        signal_type: "webdriver".into(),
                        confidence: 90,
                    }]
                } else {
                    vec![]
                },
                ..ClickSignals::default()
            },
        );
    }
    let rotation_start = DAY + 3 * 3600;
    for i in 0..2 * scale as u64 * 50 {
        let ip = IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0x77, i as u16, 0, 0, 0, 1));
        push(
            Class::Rotation,
            rotation_start + i * 3600 / (100 * scale as u64),
            ip,
            ClickSignals {
                user_agent: Some(Some(rng.pick(&corpus.browsers).clone())),
                referrer: Some(Some("https://www.google.com/".into())),
                signature: Some(SignatureSignal::Valid),
                time_to_click_ms: Some(2000 + rng.below(5000)),
                ..ClickSignals::default()
            },
        );
    }
    for _ in 0..scale {
        push(
            Class::Replay,
            DAY + rng.below(86_400),
            comcast_v4(&mut rng),
            ClickSignals {
                user_agent: Some(Some(rng.pick(&corpus.browsers).clone())),
                referrer: Some(Some("https://www.google.com/".into())),
                signature: Some(SignatureSignal::Replayed),
                time_to_click_ms: Some(2000 + rng.below(5000)),
                ..ClickSignals::default()
            },
        );
    }
    let flood_ip = comcast_v4(&mut rng);
    let flood_ua = rng.pick(&corpus.browsers).clone();
    let flood_start = DAY + 14 * 3600;
    for i in 0..20 * scale as u64 {
        push(
            Class::AppFlood,
            flood_start + i * 4,
            flood_ip,
            ClickSignals {
                user_agent: Some(Some(flood_ua.clone())),
                referrer: Some(None),
                signature: Some(SignatureSignal::Valid),
                time_to_click_ms: Some(100 + rng.below(300)),
                ..ClickSignals::default()
            },
        );
    }
    for _ in 0..2 * scale {
        push(
            Class::ResidentialProxy,
            DAY + rng.below(86_400),
            comcast_v4(&mut rng),
            ClickSignals {
                user_agent: Some(Some(rng.pick(&corpus.browsers).clone())),
                referrer: Some(Some("https://www.google.com/".into())),
                signature: Some(SignatureSignal::Valid),
                time_to_click_ms: Some(1500 + rng.below(20_000)),
                ..ClickSignals::default()
            },
        );
    }
    observe(raw, corpus)
}

/// What the receiving side knows: hosting networks and the velocity of each
/// client and network, counted in time order as a server counts them.
fn observe(mut raw: Vec<(Class, u64, IpAddr, ClickSignals)>, corpus: &Corpus) -> Vec<Click> {
    raw.sort_by_key(|r| r.1);
    let velocity = VelocityCounter::new(1_000_000);
    raw.into_iter()
        .map(|(class, at, ip, mut signals)| {
            signals.ip_datacenter = corpus.hosting.hosting(ip).is_some();
            let client = velocity
                .record(Granularity::CLIENT.key(ip).to_be_bytes(), at)
                .unwrap();
            let mut net = b"net".to_vec();
            net.extend(Granularity::NETWORK.key(ip).to_be_bytes());
            let network = velocity.record(net, at).unwrap();
            signals.clicks_last_minute = Some(client.last_minute);
            signals.clicks_last_hour = Some(client.last_hour);
            signals.network_clicks_last_hour = Some(network.last_hour);
            Click { class, at, signals }
        })
        .collect()
}

/// Per class: clicks, and how many got the class's true category; per
/// category: clicks labelled with it, and how many truly belonged.
#[derive(Debug, Default)]
pub struct Report {
    pub per_class: BTreeMap<Class, (u64, u64)>,
    pub labelled: BTreeMap<Category, (u64, u64)>,
    pub people_flagged: u64,
}

impl Report {
    pub fn recall(&self, class: Class) -> f64 {
        let (n, hit) = self.per_class.get(&class).copied().unwrap_or_default();
        if n == 0 {
            0.0
        } else {
            hit as f64 / n as f64
        }
    }

    pub fn precision(&self, category: Category) -> f64 {
        let (n, right) = self.labelled.get(&category).copied().unwrap_or_default();
        if n == 0 {
            1.0
        } else {
            right as f64 / n as f64
        }
    }

    /// Share of people's clicks not judged clean.
    pub fn false_positive_rate(&self) -> f64 {
        let (n, _) = self
            .per_class
            .get(&Class::Person)
            .copied()
            .unwrap_or_default();
        if n == 0 {
            0.0
        } else {
            self.people_flagged as f64 / n as f64
        }
    }

    pub fn table(&self) -> String {
        let mut out = String::from("| class | clicks | recall |\n|---|---|---|\n");
        for c in Class::ALL {
            let (n, _) = self.per_class.get(&c).copied().unwrap_or_default();
            let what = if c == Class::Person {
                "clean".to_owned()
            } else {
                format!("{:.1} %", 100.0 * self.recall(c))
            };
            out.push_str(&format!("| {} | {n} | {what} |\n", c.name()));
        }
        out.push_str(&format!(
            "\nfalse positives on people: {:.2} %; precision of givt {:.1} %, of sivt {:.1} %\n",
            100.0 * self.false_positive_rate(),
            100.0 * self.precision(Category::Givt),
            100.0 * self.precision(Category::Sivt)
        ));
        out
    }
}

/// Scores every click and compares with the truth.
pub fn judge(clicks: &[Click], scorer: &Scorer) -> Report {
    let mut r = Report::default();
    for c in clicks {
        let got = scorer.score(&c.signals).category;
        let e = r.per_class.entry(c.class).or_default();
        e.0 += 1;
        e.1 += u64::from(got == c.class.truth());
        if c.class == Class::Person && got != Category::Clean {
            r.people_flagged += 1;
        }
        if got != Category::Clean {
            let l = r.labelled.entry(got).or_default();
            l.0 += 1;
            l.1 += u64::from(got == c.class.truth());
        }
    }
    r
}
