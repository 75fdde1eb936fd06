//! Reading a `User-Agent` the way an attacker writes it.
//!
//! The known-bot list (the `isbot` crate, a port of the npm package's list)
//! anchors many tokens at the start (`^curl`), so `Mozilla/5.0 curl/8.5`
//! passed as a browser, and so did a token behind an invisible character
//! (`\u{200b}curl/8.5`) or a headless automation client it does not list.
//! Here the text is first cleared of invisible characters, then matched
//! against the list plus automation and HTTP-library tokens anywhere, at a
//! word boundary. A user agent no browser would send (too short, or without
//! any `product/version` token) is implausible and scores like a missing one.

use std::borrow::Cow;

/// Tokens of HTTP libraries and automation tools, matched anywhere at a
/// word boundary (regex fragments, lower case).
#[cfg(feature = "bot-detection")]
const ANYWHERE: &[&str] = &[
    "curl",
    "wget",
    "libcurl",
    "httpie",
    "python-requests",
    "python-urllib",
    "python-httpx",
    "httpx",
    "aiohttp",
    "okhttp",
    "go-http-client",
    "java/",
    "apache-httpclient",
    "libwww-perl",
    "lwp::simple",
    "php/",
    "guzzlehttp",
    "node-fetch",
    "undici",
    "axios",
    "node\\.js",
    "deno/",
    "bun/",
    "scrapy",
    "playwright",
    "puppeteer",
    "phantomjs",
    "slimerjs",
    "selenium",
    "webdriver",
    "headless",
    "electron-fetch",
    "postmanruntime",
    "insomnia",
    "reqwest",
    "hyper/",
    "powershell",
    "winhttp",
];

/// The shortest user agent a browser sends; real ones are far longer.
const MIN_PLAUSIBLE_LEN: usize = 12;

/// The known-bot list: isbot's patterns plus [`ANYWHERE`], and the
/// `crawler-user-agents` patterns (the `bot-detection` feature).
#[cfg(feature = "bot-detection")]
pub(crate) struct BotList(isbot::Bots);

#[cfg(feature = "bot-detection")]
impl BotList {
    /// The list with the extra tokens.
    pub(crate) fn new() -> Self {
        let mut bots = isbot::Bots::default();
        let fragments: Vec<String> = ANYWHERE
            .iter()
            .map(|t| format!("(?:^|[^a-z0-9]){t}"))
            .collect();
        let refs: Vec<&str> = fragments.iter().map(String::as_str).collect();
        bots.append(&refs);
        Self(bots)
    }

    /// Whether `ua` matches a known bot: isbot's list, the extra tokens, or
    /// the embedded `crawler-user-agents` list.
    pub(crate) fn is_bot(&self, ua: &str) -> bool {
        self.0.is_bot(ua) || super::crawlers::CrawlerList::embedded().is_match(ua)
    }
}

/// Without the `bot-detection` feature there is no list: no user agent is a
/// known bot, so the `known_bot` rule never fires (the other user-agent
/// rules still do).
#[cfg(not(feature = "bot-detection"))]
pub(crate) struct BotList;

#[cfg(not(feature = "bot-detection"))]
impl BotList {
    /// The empty list.
    pub(crate) fn new() -> Self {
        Self
    }

    /// Always false: this build has no bot list.
    pub(crate) fn is_bot(&self, _ua: &str) -> bool {
        false
    }
}

/// The user agent without invisible or control characters, trimmed.
pub(crate) fn visible(ua: &str) -> Cow<'_, str> {
    if ua.chars().all(|c| !is_invisible(c)) {
        return Cow::Borrowed(ua.trim());
    }
    Cow::Owned(
        ua.chars()
            .filter(|c| !is_invisible(*c))
            .collect::<String>()
            .trim()
            .to_owned(),
    )
}

/// Whether a (visible, non-empty) user agent is one no browser would send.
pub(crate) fn implausible(ua: &str) -> bool {
    ua.len() < MIN_PLAUSIBLE_LEN || !ua.contains('/')
}

fn is_invisible(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{00ad}' | '\u{034f}' | '\u{061c}' | '\u{115f}' | '\u{1160}' | '\u{17b4}' | '\u{17b5}'
            | '\u{180b}'..='\u{180f}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}'
            | '\u{2060}'..='\u{206f}' | '\u{3164}' | '\u{fe00}'..='\u{fe0f}' | '\u{feff}'
            | '\u{ffa0}' | '\u{1bca0}'..='\u{1bca3}' | '\u{1d173}'..='\u{1d17a}'
            | '\u{e0000}'..='\u{e0fff}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(feature = "bot-detection")]
    fn tokens_anywhere_and_behind_invisible_characters() {
        let bots = BotList::new();
        for ua in [
            "Mozilla/5.0 curl/8.5",
            "\u{200b}curl/8.5",
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Playwright/1.40 Chrome/120 Safari/537.36",
            "undici",
            "Mozilla/5.0 (compatible; python-httpx/0.27)",
        ] {
            assert!(bots.is_bot(&visible(ua)), "{ua:?}");
        }
        assert!(!bots.is_bot(&visible(
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
        )));
    }

    #[test]
    fn implausible_agents() {
        assert!(implausible("x"));
        assert!(implausible("hello world no version"));
        assert!(!implausible("Mozilla/5.0 (X11)"));
        assert_eq!(visible(" \u{200b}a\u{feff}b "), "ab");
    }
}
