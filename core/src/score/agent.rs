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
//!
//! The `crawler-user-agents` list ([`CrawlerList`](super::CrawlerList)) is
//! matched too, and each match is sorted into what it is: a link preview,
//! automation posing as a browser (`sivt`), or a declared crawler or HTTP
//! library (`givt`).

use std::borrow::Cow;

/// Tokens of HTTP libraries, matched anywhere at a word boundary (regex
/// fragments, lower case): a client that names its library declares it is
/// not a browser.
#[cfg(feature = "bot-detection")]
const LIBRARIES: &[&str] = &[
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
    "electron-fetch",
    "postmanruntime",
    "insomnia",
    "reqwest",
    "hyper/",
    "powershell",
    "winhttp",
];

/// Tokens of headless browsers and automation frameworks, matched anywhere
/// at a word boundary: a browser driven by a program, which is automation
/// posing as a person however browser-like the rest of the string is.
#[cfg(feature = "bot-detection")]
const AUTOMATION: &[&str] = &[
    "playwright",
    "puppeteer",
    "phantomjs",
    "slimerjs",
    "selenium",
    "webdriver",
    "headless",
];

/// The shortest user agent a browser sends; real ones are far longer.
const MIN_PLAUSIBLE_LEN: usize = 12;

/// What a user agent says about its client, when it is not a person's
/// browser.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(not(feature = "bot-detection"), allow(dead_code))]
pub(crate) enum AgentKind {
    /// A chat or social app's link-preview fetcher (`givt`).
    LinkPreview,
    /// A headless browser or automation framework (`sivt`).
    Automation,
    /// A declared crawler, monitor or HTTP library (`givt`).
    Declared,
}

/// The known-bot lists: isbot's patterns, the `crawler-user-agents` list
/// and the [`LIBRARIES`] and [`AUTOMATION`] tokens (the `bot-detection`
/// feature). Link previews are recognised in every build.
pub(crate) struct BotList {
    #[cfg(feature = "bot-detection")]
    isbot: isbot::Bots,
    #[cfg(feature = "bot-detection")]
    automation: Option<regex::Regex>,
    #[cfg(feature = "bot-detection")]
    crawlers: std::sync::Arc<super::CrawlerList>,
}

impl BotList {
    /// The lists, with the embedded crawler snapshot.
    pub(crate) fn new() -> Self {
        Self {
            #[cfg(feature = "bot-detection")]
            isbot: isbot_with(LIBRARIES),
            #[cfg(feature = "bot-detection")]
            automation: anywhere(AUTOMATION),
            #[cfg(feature = "bot-detection")]
            crawlers: super::CrawlerList::embedded(),
        }
    }

    /// The same lists with another crawler list in place of the embedded one.
    #[cfg(feature = "bot-detection")]
    pub(crate) fn with_crawlers(mut self, crawlers: std::sync::Arc<super::CrawlerList>) -> Self {
        self.crawlers = crawlers;
        self
    }

    /// The crawler list in use.
    #[cfg(feature = "bot-detection")]
    pub(crate) fn crawlers(&self) -> &super::CrawlerList {
        &self.crawlers
    }

    /// What the (visible) user agent is, or `None` for a browser.
    pub(crate) fn kind(&self, ua: &str) -> Option<AgentKind> {
        if crate::click::is_preview_agent(ua) {
            return Some(AgentKind::LinkPreview);
        }
        self.listed(ua)
    }

    #[cfg(feature = "bot-detection")]
    fn listed(&self, ua: &str) -> Option<AgentKind> {
        let crawler = self.crawlers.classify(ua);
        if self.automation.as_ref().is_some_and(|a| a.is_match(ua))
            || crawler.as_ref().is_some_and(|c| c.is_automation())
        {
            return Some(AgentKind::Automation);
        }
        (crawler.is_some() || self.isbot.is_bot(ua)).then_some(AgentKind::Declared)
    }

    /// Without the `bot-detection` feature only link previews are known.
    #[cfg(not(feature = "bot-detection"))]
    fn listed(&self, _ua: &str) -> Option<AgentKind> {
        None
    }

    /// Whether `ua` is any kind of bot.
    pub(crate) fn is_bot(&self, ua: &str) -> bool {
        self.kind(ua).is_some()
    }
}

/// isbot's list plus `tokens` anywhere at a word boundary.
#[cfg(feature = "bot-detection")]
fn isbot_with(tokens: &[&str]) -> isbot::Bots {
    let mut bots = isbot::Bots::default();
    let fragments: Vec<String> = tokens.iter().map(|t| at_word(t)).collect();
    let refs: Vec<&str> = fragments.iter().map(String::as_str).collect();
    bots.append(&refs);
    bots
}

/// One case-insensitive regex for `tokens` anywhere at a word boundary.
/// The tokens are constants tested to compile (`None` would match nothing).
#[cfg(feature = "bot-detection")]
fn anywhere(tokens: &[&str]) -> Option<regex::Regex> {
    let alternation: Vec<String> = tokens.iter().map(|t| at_word(t)).collect();
    regex::RegexBuilder::new(&alternation.join("|"))
        .case_insensitive(true)
        .build()
        .ok()
}

#[cfg(feature = "bot-detection")]
fn at_word(token: &str) -> String {
    format!("(?:^|[^a-z0-9]){token}")
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
    #[cfg(feature = "bot-detection")]
    fn each_bot_is_sorted_into_its_kind() {
        let bots = BotList::new();
        for (ua, kind) in [
            ("WhatsApp/2.23.20.0 A", AgentKind::LinkPreview),
            ("facebookexternalhit/1.1 Facebot Twitterbot/1.0", AgentKind::LinkPreview),
            ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.0.0 Safari/537.36", AgentKind::Automation),
            ("Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120 Safari/537.36 PhantomJS/2.1", AgentKind::Automation),
            ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", AgentKind::Declared),
            ("Mozilla/5.0 (compatible; GoogleOther)", AgentKind::Declared),
            ("RuxitSynthetic/1.0", AgentKind::Declared),
            ("python-requests/2.31.0", AgentKind::Declared),
        ] {
            assert_eq!(bots.kind(&visible(ua)), Some(kind), "{ua}");
        }
    }

    #[test]
    fn implausible_agents() {
        assert!(implausible("x"));
        assert!(implausible("hello world no version"));
        assert!(!implausible("Mozilla/5.0 (X11)"));
        assert_eq!(visible(" \u{200b}a\u{feff}b "), "ab");
    }
}
