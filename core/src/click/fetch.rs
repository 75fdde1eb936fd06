//! What the receiving side knows of the request that carried a click, and
//! which requests are not a person's click at all: link previews and
//! prefetches.
//!
//! A link pasted into a chat app is fetched by the app's preview bot before
//! the person taps it; a browser may prefetch a link it expects to be
//! followed. Those fetches must not consume a signed click's one-time
//! ticket, or the person's own click would be refused as a replay. They
//! are not fraud either: they get their own outcome (`preview`), are never
//! counted as clicks, and consume nothing.
//!
//! Spoofing a preview gains an attacker nothing: a preview is never valid,
//! never billed and never counted, so claiming to be one only gives up the
//! click.

use std::net::IpAddr;
use std::sync::OnceLock;

use aho_corasick::AhoCorasick;

use crate::ip::{Granularity, Source};

/// The request that carried a click URL, as far as the verifier needs it.
/// Every field is optional; the default knows nothing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Fetch<'a> {
    /// The client's address (from a trusted proxy's header, or the peer).
    /// The circuit breaker counts failing networks from it, and a repeat
    /// from the same client (IPv4 address, IPv6 /64) and user agent within
    /// [`DUPLICATE_SECONDS`] is a double click, not a replay.
    pub source: Option<IpAddr>,
    /// The autonomous system of `source`, when the caller has an ASN
    /// database: the breaker then counts one source per autonomous system
    /// ([`Source`](crate::ip::Source)), so rented servers of one provider in
    /// many /24s are one source.
    pub asn: Option<u32>,
    /// The `User-Agent` header, to recognise link-preview bots.
    pub user_agent: Option<&'a str>,
    /// The value of the request's `Sec-Purpose` (or legacy `Purpose`,
    /// `X-Purpose`, `X-Moz`) header, to recognise prefetches.
    pub purpose: Option<&'a str>,
    /// The click is attributed where the verifier's excluded apps do not
    /// apply (a multi-tenant server's other tenants): validate it even when
    /// its app is excluded.
    pub ignore_exclusions: bool,
}

/// A repeat of a consumed click from the same client and user agent within
/// this many seconds of its first use is a `duplicate` (a double click, a
/// browser retry): the same answer as the first, counted once.
pub const DUPLICATE_SECONDS: u64 = 5;

/// The fingerprint of a request whose source is not known; it never
/// matches another, even itself.
pub const UNKNOWN_CLIENT: u64 = 0;

/// User-agent tokens of link-preview fetchers (lower case, matched as
/// substrings of the lower-cased user agent). Each is the fetcher's own
/// documented or observed token; in-app *browsers* (`FBAN`, `LinkedInApp`,
/// `Twitter for iPhone`, `Line/`) are people and are deliberately absent.
pub const PREVIEW_AGENT_TOKENS: &[&str] = &[
    // WhatsApp; Signal fetches its previews with the same token.
    "whatsapp/",
    // Slack's unfurler and image proxy.
    "slackbot",
    "slack-imgproxy",
    // Telegram ("TelegramBot (like TwitterBot)").
    "telegrambot",
    "discordbot",
    // Facebook, Messenger, Instagram; Apple's iMessage sends
    // "facebookexternalhit/1.1 Facebot Twitterbot/1.0".
    "facebookexternalhit",
    "facebot",
    "twitterbot",
    "linkedinbot",
    // Skype and Microsoft Teams.
    "skypeuripreview",
    "microsoftpreview",
    // Bing's (and Outlook's) page preview.
    "bingpreview",
    "redditbot",
    "embedly",
    "iframely",
    "bluesky cardyb",
    "mastodon/",
    "vkshare",
    "pinterestbot",
    "snap url preview",
    "google-pagerenderer",
];

impl Fetch<'_> {
    /// The source the circuit breaker counts this request's failure
    /// against: its autonomous system when known, else its allocation.
    pub fn breaker_source(&self) -> Source {
        Source {
            ip: self.source,
            asn: self.asn,
        }
    }

    /// Whether this request is a link preview or a prefetch, which must not
    /// consume the click.
    pub fn is_preview(&self) -> bool {
        self.purpose.is_some_and(is_prefetch_purpose)
            || self.user_agent.is_some_and(is_preview_agent)
    }

    /// The fingerprint a repeat is compared with: the client (IPv4 address,
    /// IPv6 /64) and the user agent, FNV-1a hashed. Stable across processes,
    /// so a fleet can compare what another instance stored. With no source
    /// it is [`UNKNOWN_CLIENT`], which never matches: without knowing who
    /// sent it, a repeat is never taken for a double click.
    pub fn fingerprint(&self) -> u64 {
        let Some(ip) = self.source else {
            return UNKNOWN_CLIENT;
        };
        let mut h = Fnv::default();
        h.write(&Granularity::CLIENT.key(ip).to_be_bytes());
        h.write(&[0xff]);
        h.write(self.user_agent.unwrap_or("").as_bytes());
        h.0.max(1)
    }
}

/// Whether a user agent is a known link-preview fetcher. Only the first
/// 1,024 bytes are read, so an absurd header costs no more than that.
pub fn is_preview_agent(user_agent: &str) -> bool {
    static TOKENS: OnceLock<Option<AhoCorasick>> = OnceLock::new();
    let head = &user_agent.as_bytes()[..user_agent.len().min(1024)];
    TOKENS
        .get_or_init(|| {
            AhoCorasick::builder()
                .ascii_case_insensitive(true)
                .build(PREVIEW_AGENT_TOKENS)
                .ok()
        })
        .as_ref()
        .is_some_and(|ac| ac.is_match(head))
}

/// Whether a `Sec-Purpose` / `Purpose` / `X-Purpose` / `X-Moz` value marks a
/// prefetch or preview: its first token (before `;` or `,`) is `prefetch`
/// or `preview`, in any case (`prefetch;prerender`, `prefetch;anonymous-client-ip`).
pub fn is_prefetch_purpose(purpose: &str) -> bool {
    let first = purpose.split([';', ',']).next().unwrap_or("").trim();
    first.eq_ignore_ascii_case("prefetch") || first.eq_ignore_ascii_case("preview")
}

/// FNV-1a, 64-bit: stable across processes and platforms.
struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn previews_are_recognised_and_browsers_are_not() {
        for ua in [
            "WhatsApp/2.23.20.0 A",
            "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
            "TelegramBot (like TwitterBot)",
            "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
            "facebookexternalhit/1.1 Facebot Twitterbot/1.0",
            "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)",
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) SkypeUriPreview Preview/0.5",
        ] {
            assert!(is_preview_agent(ua), "{ua}");
        }
        for ua in [
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBAV/430.0]",
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [LinkedInApp]",
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
            "",
        ] {
            assert!(!is_preview_agent(ua), "{ua}");
        }
    }

    #[test]
    fn prefetch_purposes() {
        for p in [
            "prefetch",
            "Prefetch",
            "prefetch;prerender",
            "prefetch;anonymous-client-ip",
            "preview",
        ] {
            assert!(is_prefetch_purpose(p), "{p}");
        }
        for p in ["", "navigate", "prerenderx", "x-prefetch"] {
            assert!(!is_prefetch_purpose(p), "{p}");
        }
    }

    #[test]
    fn fingerprints_see_the_client_and_agent() {
        let f = |ip: &str, ua: &str| {
            Fetch {
                source: Some(ip.parse().unwrap()),
                user_agent: Some(ua),
                purpose: None,
                ..Fetch::default()
            }
            .fingerprint()
        };
        assert_eq!(f("2001:db8::1", "a"), f("2001:db8::2", "a"), "one /64");
        assert_ne!(f("2001:db8:0:1::1", "a"), f("2001:db8::1", "a"));
        assert_ne!(f("192.0.2.1", "a"), f("192.0.2.2", "a"));
        assert_ne!(f("192.0.2.1", "a"), f("192.0.2.1", "b"));
    }
}
