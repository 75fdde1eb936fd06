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

/// Tokens of HTTP libraries, matched anywhere at a word boundary (lower
/// case, ASCII case-insensitively): a client that names its library
/// declares it is not a browser.
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
    "node.js",
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

/// The known-bot lists (compiled once; clones share them): isbot's patterns, the `crawler-user-agents` list
/// and the [`LIBRARIES`] and [`AUTOMATION`] tokens (the `bot-detection`
/// feature). Link previews are recognised in every build.
#[derive(Clone)]
pub(crate) struct BotList {
    #[cfg(feature = "bot-detection")]
    isbot: std::sync::Arc<isbot::Bots>,
    #[cfg(feature = "bot-detection")]
    tokens: std::sync::Arc<Tokens>,
    #[cfg(feature = "bot-detection")]
    crawlers: std::sync::Arc<super::CrawlerList>,
}

impl BotList {
    /// The lists, with the embedded crawler snapshot.
    pub(crate) fn new() -> Self {
        Self {
            #[cfg(feature = "bot-detection")]
            isbot: std::sync::Arc::new(isbot::Bots::default()),
            #[cfg(feature = "bot-detection")]
            tokens: std::sync::Arc::new(Tokens::new()),
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
    #[cfg(feature = "bot-detection")]
    pub(crate) fn kind(&self, ua: &str) -> Option<AgentKind> {
        let found = self.tokens.scan(ua);
        if found.preview {
            return Some(AgentKind::LinkPreview);
        }
        let crawler = self.crawlers.classify(ua);
        if found.automation || crawler.as_ref().is_some_and(|c| c.is_automation()) {
            return Some(AgentKind::Automation);
        }
        (found.library || crawler.is_some() || self.isbot.is_bot(ua)).then_some(AgentKind::Declared)
    }

    /// Without the `bot-detection` feature only link previews are known.
    #[cfg(not(feature = "bot-detection"))]
    pub(crate) fn kind(&self, ua: &str) -> Option<AgentKind> {
        crate::click::is_preview_agent(ua).then_some(AgentKind::LinkPreview)
    }

    /// Whether `ua` is any kind of bot.
    pub(crate) fn is_bot(&self, ua: &str) -> bool {
        self.kind(ua).is_some()
    }
}

/// Link-preview, automation and library tokens in one Aho-Corasick pass,
/// ASCII case-insensitively: preview tokens anywhere in the first 1,024
/// bytes (as [`is_preview_agent`](crate::click::is_preview_agent) reads
/// them), the others at the start of a word (the byte before is not an
/// ASCII letter or digit).
#[cfg(feature = "bot-detection")]
struct Tokens {
    ac: Option<aho_corasick::AhoCorasick>,
    /// Per pattern: what it says.
    kinds: Vec<AgentKind>,
}

/// What a scan found.
#[cfg(feature = "bot-detection")]
#[derive(Debug, Default)]
struct Found {
    preview: bool,
    automation: bool,
    library: bool,
}

#[cfg(feature = "bot-detection")]
impl Tokens {
    /// The tokens are constants tested to work (`None` would find nothing).
    fn new() -> Self {
        let lists = [
            (crate::click::PREVIEW_AGENT_TOKENS, AgentKind::LinkPreview),
            (AUTOMATION, AgentKind::Automation),
            (LIBRARIES, AgentKind::Declared),
        ];
        let patterns: Vec<&str> = lists.iter().flat_map(|(l, _)| l.iter().copied()).collect();
        let kinds = lists
            .iter()
            .flat_map(|(l, k)| std::iter::repeat_n(*k, l.len()))
            .collect();
        let ac = aho_corasick::AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .kind(Some(aho_corasick::AhoCorasickKind::DFA))
            .build(patterns)
            .ok();
        Self { ac, kinds }
    }

    fn scan(&self, text: &str) -> Found {
        let mut found = Found::default();
        let Some(ac) = &self.ac else { return found };
        let bytes = text.as_bytes();
        for m in ac.find_overlapping_iter(text) {
            let at_word = m.start() == 0 || !bytes[m.start() - 1].is_ascii_alphanumeric();
            match self.kinds.get(m.pattern().as_usize()) {
                Some(AgentKind::LinkPreview) if m.end() <= 1024 => found.preview = true,
                Some(AgentKind::Automation) if at_word => found.automation = true,
                Some(AgentKind::Declared) if at_word => found.library = true,
                _ => {}
            }
        }
        found
    }
}

/// The user agent without invisible or control characters, trimmed.
pub(crate) fn visible(ua: &str) -> Cow<'_, str> {
    // Nearly every user agent is printable ASCII: one byte test each.
    if ua.bytes().all(|b| (0x20..0x7f).contains(&b)) || ua.chars().all(|c| !is_invisible(c)) {
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
