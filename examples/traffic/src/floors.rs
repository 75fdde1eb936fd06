//! The documented floors (BENCHMARKS.md, "Labelled benchmark"): the least
//! recall per class, and the most people wrongly judged.

use crate::Class;

/// The library's floors, with every signal a page and a click carry.
pub const LIBRARY: &[(Class, f64)] = &[
    (Class::DeclaredCrawler, 0.99),
    (Class::LinkPreview, 0.99),
    (Class::DataCenterFarm, 0.95),
    (Class::ImpersonatedGooglebot, 1.0),
    (Class::Headless, 0.95),
    (Class::Webdriver, 0.95),
    (Class::Rotation, 0.5),
    (Class::Replay, 1.0),
    (Class::Forged, 1.0),
    (Class::AppFlood, 0.7),
];

/// The reference server's floors over HTTP. A click link carries no page
/// signals, so automation with a browser user agent is not among them, and
/// a flood's first 30 clicks from one address score like a carrier NAT's
/// busy address (more than 5 a minute and no referrer: 30 points, under
/// the flag threshold) until the hour's count passes 30; the page's
/// time-to-click, which the library and the pixel see, catches them.
pub const SERVER: &[(Class, f64)] = &[
    (Class::DeclaredCrawler, 0.99),
    (Class::LinkPreview, 0.99),
    (Class::DataCenterFarm, 0.95),
    (Class::ImpersonatedGooglebot, 1.0),
    (Class::Headless, 0.95),
    (Class::Rotation, 0.5),
    (Class::Replay, 1.0),
    (Class::Forged, 1.0),
    (Class::AppFlood, 0.45),
];

/// The most people's clicks judged anything but clean.
pub const MAX_PEOPLE_FLAGGED: f64 = 0.01;
