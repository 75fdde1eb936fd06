//! A seeded day of one site's clicks: people and each attack class, in time
//! order, as requests (the library's replay and the server's HTTP run both
//! start from these).
//!
//! People: browser user agents of real visitors, addresses in residential
//! networks of the ASN rows (Comcast AS7922 IPv4 and IPv6, Deutsche
//! Telekom AS3320 behind carrier NAT), an evening-heavy daily rhythm, human
//! timing. Attacks: declared crawlers, link previews, a data-center bot
//! farm with browser user agents (Hetzner AS24940, Amazon AS16509, Tencent
//! AS132203 rows), impersonated Googlebot, headless automation, automation
//! with a browser user agent, /64 rotation inside one /48, replays of
//! genuine signed URLs, forged signatures, a click flood from one app, and a residential proxy
//! with a real browser and human timing (which nothing here can catch:
//! reported, not hidden).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use clickfence::score::{CrawlerCheck, Step};

use crate::{Class, Corpus, Rng, Ticket, Visit};

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
const SEARCH: &str = "https://www.google.com/";

/// How long a signed URL is valid: replays come within it, as a replay
/// after expiry is refused as expired anyway.
pub const TICKET_SECS: u64 = 3600;

/// The midnight (UTC) the benchmark's day starts at.
pub const DAY: u64 = 1_796_342_400;

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
    let (b, c, d) = (rng.below(2), rng.below(256), 1 + rng.below(254));
    IpAddr::V4(Ipv4Addr::new(23, 24 + b as u8, c as u8, d as u8))
}

/// One /64 per subscriber inside 2001:558::/42.
fn comcast_v6(rng: &mut Rng) -> IpAddr {
    let (c, d, h) = (rng.below(0x3f), rng.below(0xffff), 1 + rng.below(0xfff));
    IpAddr::V6(Ipv6Addr::new(
        0x2001, 0x558, c as u16, d as u16, 0, 0, 0, h as u16,
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
    let (c, d) = (rng.below(256) as u8, 1 + rng.below(254) as u8);
    match rng.below(3) {
        0 => IpAddr::V4(Ipv4Addr::new(5, 9, c, d)),
        1 => IpAddr::V4(Ipv4Addr::new(5, 101, 96 + c % 16, d)),
        _ => IpAddr::V4(Ipv4Addr::new(1, 186, c, d)),
    }
}

/// Builds the day's visits before they are put in time order.
struct Day<'a> {
    rng: Rng,
    corpus: &'a Corpus,
    visits: Vec<Visit>,
}

impl Day<'_> {
    /// A visit with the usual defaults: a genuine ticket, a search
    /// referrer, no page timing.
    fn push(&mut self, class: Class, at: u64, ip: IpAddr, user_agent: String) -> &mut Visit {
        let click_id = format!("c{}", self.visits.len());
        let crawler = match CrawlerCheck::start(&user_agent, ip, &self.corpus.crawler_ranges) {
            Some(Step::Done(_, verdict)) => Some(verdict),
            // Outside the published ranges and without a PTR name in the
            // operator's domain: what the DNS check concludes.
            Some(Step::Lookup(..)) => Some(clickfence::score::CrawlerVerdict::Impersonator),
            None => None,
        };
        self.visits.push(Visit {
            class,
            at,
            ip,
            user_agent,
            referrer: Some(SEARCH.to_owned()),
            ticket: Ticket::Genuine,
            click_id,
            time_to_click_ms: None,
            webdriver: false,
            crawler,
        });
        let last = self.visits.len() - 1;
        &mut self.visits[last]
    }

    fn browser(&mut self) -> String {
        self.rng.pick(&self.corpus.browsers).clone()
    }

    fn any_time(&mut self) -> u64 {
        DAY + self.rng.below(86_400)
    }

    fn people(&mut self, people: usize) {
        for _ in 0..people {
            let ip = match self.rng.below(10) {
                0..=5 => comcast_v4(&mut self.rng),
                6..=7 => comcast_v6(&mut self.rng),
                _ => carrier_nat(&mut self.rng, people / 5),
            };
            let ua = self.browser();
            let clicks = 1 + self.rng.below(3);
            let start = DAY + hour(&mut self.rng) * 3600 + self.rng.below(3600);
            for c in 0..clicks {
                let at = start + c * (60 + self.rng.below(1800));
                let direct = !self.rng.chance(90);
                let timing = if self.rng.chance(2) {
                    300 + self.rng.below(200)
                } else {
                    1500 + self.rng.below(20_000)
                };
                let v = self.push(Class::Person, at, ip, ua.clone());
                v.time_to_click_ms = Some(timing);
                if direct {
                    v.referrer = None;
                }
            }
        }
    }

    fn crawlers_and_previews(&mut self, scale: usize) {
        for _ in 0..2 * scale {
            let (at, ip) = (self.any_time(), hosting_v4(&mut self.rng));
            let ua = self.rng.pick(&self.corpus.bots).clone();
            let v = self.push(Class::DeclaredCrawler, at, ip, ua);
            v.referrer = None;
            v.ticket = Ticket::Unsigned;
        }
        for _ in 0..scale {
            let (at, ip) = (self.any_time(), hosting_v4(&mut self.rng));
            let ua = (*self.rng.pick(PREVIEWS)).to_owned();
            self.push(Class::LinkPreview, at, ip, ua).referrer = None;
        }
        for _ in 0..scale {
            let (at, ip) = (self.any_time(), comcast_v4(&mut self.rng));
            let v = self.push(Class::ImpersonatedGooglebot, at, ip, GOOGLEBOT.into());
            v.referrer = None;
            v.ticket = Ticket::Unsigned;
        }
    }

    fn farms_and_automation(&mut self, scale: usize) {
        // Genuine ad clicks from rented servers: valid signatures, forged
        // referrers, human-looking timing.
        for _ in 0..3 * scale {
            let (at, ip, ua) = (self.any_time(), hosting_v4(&mut self.rng), self.browser());
            let timing = 1500 + self.rng.below(9000);
            self.push(Class::DataCenterFarm, at, ip, ua)
                .time_to_click_ms = Some(timing);
        }
        // Behind residential proxies: the address gives nothing away.
        for _ in 0..scale {
            let (at, ip) = (self.any_time(), comcast_v4(&mut self.rng));
            self.push(Class::Headless, at, ip, HEADLESS.into());
        }
        for _ in 0..scale {
            let (at, ip, ua) = (self.any_time(), comcast_v4(&mut self.rng), self.browser());
            self.push(Class::Webdriver, at, ip, ua).webdriver = true;
        }
        for _ in 0..2 * scale {
            let (at, ip, ua) = (self.any_time(), comcast_v4(&mut self.rng), self.browser());
            let timing = 1500 + self.rng.below(20_000);
            self.push(Class::ResidentialProxy, at, ip, ua)
                .time_to_click_ms = Some(timing);
        }
    }

    fn forged(&mut self, scale: usize) {
        for _ in 0..scale {
            let (at, ip, ua) = (self.any_time(), comcast_v4(&mut self.rng), self.browser());
            let timing = 2000 + self.rng.below(5000);
            let v = self.push(Class::Forged, at, ip, ua);
            v.ticket = Ticket::Forged;
            v.time_to_click_ms = Some(timing);
        }
    }

    fn rotation_and_flood(&mut self, scale: usize) {
        let start = DAY + 3 * 3600;
        for i in 0..100 * scale as u64 {
            let ip = IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0x77, i as u16, 0, 0, 0, 1));
            let (at, ua) = (start + i * 3600 / (100 * scale as u64), self.browser());
            let timing = 2000 + self.rng.below(5000);
            self.push(Class::Rotation, at, ip, ua).time_to_click_ms = Some(timing);
        }
        let (ip, ua) = (comcast_v4(&mut self.rng), self.browser());
        let start = DAY + 14 * 3600;
        for i in 0..20 * scale as u64 {
            let timing = 100 + self.rng.below(300);
            let v = self.push(Class::AppFlood, start + i * 4, ip, ua.clone());
            v.referrer = None;
            v.time_to_click_ms = Some(timing);
        }
    }

    /// Replays of people's genuine URLs, from other addresses, while the
    /// URLs are still valid.
    fn replays(&mut self, scale: usize) {
        let mut visits = std::mem::take(&mut self.visits);
        visits.sort_by_key(|v| v.at);
        self.visits = visits;
        let people: Vec<usize> = (0..self.visits.len())
            .filter(|&i| self.visits[i].class == Class::Person)
            .collect();
        for _ in 0..scale {
            let original = *self.rng.pick(&people);
            let at = self.visits[original].at + 60 + self.rng.below(TICKET_SECS - 120);
            let (ip, ua) = (comcast_v4(&mut self.rng), self.browser());
            let click_id = self.visits[original].click_id.clone();
            let timing = 2000 + self.rng.below(5000);
            let v = self.push(Class::Replay, at, ip, ua);
            v.ticket = Ticket::ReplayOf(original);
            v.click_id = click_id;
            v.time_to_click_ms = Some(timing);
        }
    }
}

/// A day with `people` visitors and attacks in proportion, in time order
/// (a replay always after its original).
pub fn day(seed: u64, people: usize, corpus: &Corpus) -> Vec<Visit> {
    let scale = (people / 100).max(1);
    let mut d = Day {
        rng: Rng::new(seed),
        corpus,
        visits: Vec::new(),
    };
    d.people(people);
    d.crawlers_and_previews(scale);
    d.farms_and_automation(scale);
    d.rotation_and_flood(scale);
    d.forged(scale);
    d.replays(scale);
    // Sort again with the replays in, keeping each replay's index right.
    let mut order: Vec<usize> = (0..d.visits.len()).collect();
    order.sort_by_key(|&i| (d.visits[i].at, i));
    let mut new_index = vec![0; order.len()];
    for (new, &old) in order.iter().enumerate() {
        new_index[old] = new;
    }
    order
        .into_iter()
        .map(|i| {
            let mut v = d.visits[i].clone();
            if let Ticket::ReplayOf(o) = v.ticket {
                v.ticket = Ticket::ReplayOf(new_index[o]);
            }
            v
        })
        .collect()
}
