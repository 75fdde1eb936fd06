//! Who really sent a click, and what the click carried.

use std::net::IpAddr;

use clickfence::score::{Category, CrawlerVerdict};

/// Who really sent a click: the generator's ground truth.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Class {
    /// A person on a residential or mobile-carrier network.
    Person,
    /// A crawler, monitor or HTTP library that says what it is.
    DeclaredCrawler,
    /// A chat or social app fetching the link to show a preview.
    LinkPreview,
    /// Rented servers with browser user agents and genuine signed clicks.
    DataCenterFarm,
    /// A Googlebot user agent from an address that is not Google's.
    ImpersonatedGooglebot,
    /// A headless browser whose user agent says so.
    Headless,
    /// Automation with a browser user agent; only the page's script sees
    /// `navigator.webdriver`.
    Webdriver,
    /// One /64 after another inside one /48.
    Rotation,
    /// A genuine signed URL sent again from another address.
    Replay,
    /// A signed URL whose signature was made up (a guessed or altered
    /// click sold as a real one).
    Forged,
    /// Many clicks a minute from one app on one address.
    AppFlood,
    /// A residential proxy with a real browser and human timing.
    ResidentialProxy,
}

impl Class {
    /// Every class, in report order.
    pub const ALL: [Class; 12] = [
        Class::Person,
        Class::DeclaredCrawler,
        Class::LinkPreview,
        Class::DataCenterFarm,
        Class::ImpersonatedGooglebot,
        Class::Headless,
        Class::Webdriver,
        Class::Rotation,
        Class::Replay,
        Class::Forged,
        Class::AppFlood,
        Class::ResidentialProxy,
    ];

    /// The class's name in reports.
    pub fn name(self) -> &'static str {
        match self {
            Class::Person => "people",
            Class::DeclaredCrawler => "declared crawlers",
            Class::LinkPreview => "link previews",
            Class::DataCenterFarm => "data-center bot farm (browser UAs)",
            Class::ImpersonatedGooglebot => "impersonated Googlebot",
            Class::Headless => "headless automation (says so)",
            Class::Webdriver => "automation with a browser UA (webdriver)",
            Class::Rotation => "/64 rotation in one /48",
            Class::Replay => "replayed signed URLs",
            Class::Forged => "forged signatures",
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

/// What the click's URL carried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ticket {
    /// A URL the network signed for this click.
    Genuine,
    /// No signature.
    Unsigned,
    /// The URL of the earlier visit at this index, sent again.
    ReplayOf(usize),
    /// A signature of the right shape that no key made.
    Forged,
}

/// One generated click, as a receiving server sees the request.
#[derive(Debug, Clone)]
pub struct Visit {
    /// Ground truth.
    pub class: Class,
    /// Unix seconds.
    pub at: u64,
    /// The client's address.
    pub ip: IpAddr,
    /// `User-Agent`.
    pub user_agent: String,
    /// `Referer`.
    pub referrer: Option<String>,
    /// The signature the URL carried.
    pub ticket: Ticket,
    /// The network's click id (a replay carries its original's).
    pub click_id: String,
    /// Milliseconds from the page's load to the click, when a page saw it.
    pub time_to_click_ms: Option<u64>,
    /// Whether the page's script saw `navigator.webdriver`: a signal the
    /// pixel reports, which a click link alone never carries.
    pub webdriver: bool,
    /// What checking a claimed major crawler against its operator's
    /// published ranges concludes.
    pub crawler: Option<CrawlerVerdict>,
}

/// `signed_url` with its signature replaced by one of the same shape that
/// no key made (each base64url character moved one place on), as a forger
/// who alters a genuine link would send it.
pub fn forge(signed_url: &str) -> String {
    let Some(at) = signed_url.rfind("signature=") else {
        return signed_url.to_owned();
    };
    let (head, sig) = signed_url.split_at(at + "signature=".len());
    let forged: String = sig
        .chars()
        .map(|c| match c {
            'z' => 'A',
            'Z' => '0',
            '9' => 'a',
            c if c.is_ascii_alphanumeric() => (c as u8 + 1) as char,
            c => c,
        })
        .collect();
    format!("{head}{forged}")
}
