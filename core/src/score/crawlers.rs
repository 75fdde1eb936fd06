//! Crawler user agents as data: the `crawler-user-agents` project's pattern
//! list (its JSON format: `[{"pattern": "...", "tags": [...]}, ...]`),
//! compiled once into one regex set.
//!
//! A snapshot is embedded ([`CrawlerList::embedded`], its version in
//! [`EMBEDDED_SOURCE`]); a newer file in the same format loads at run time
//! with [`CrawlerList::from_json`], so the list can follow upstream without a
//! rebuild. Patterns are case-sensitive regular expressions, as upstream
//! tests them (Python's `re.search`); the few that use syntax the `regex`
//! crate lacks (look-around, back-references) are refused with their index,
//! never silently dropped.

use std::sync::Arc;

use regex::RegexSet;

use super::ScoreError;

/// The embedded snapshot: `crawler-user-agents` 1.60.0 (npm, published
/// 2026-08-10), MIT licensed (`core/data/crawler-user-agents.LICENSE`),
/// patterns and tags only.
pub const EMBEDDED_SOURCE: &str = "crawler-user-agents 1.60.0 (npm, 2026-08-10)";

const EMBEDDED: &str = include_str!("../../data/crawler-user-agents.json");

/// The compiled regex set may take this much memory (upstream's ~1,500
/// patterns need a fraction of it; a hostile file cannot take more).
const SIZE_LIMIT: usize = 64 * 1024 * 1024;

/// The most patterns a list may hold.
pub const MAX_PATTERNS: usize = 20_000;

/// The tag upstream gives headless browsers and automation frameworks: a
/// match is automation posing as a browser, not a declared crawler.
pub const AUTOMATION_TAG: &str = "browser-automation";

/// Upstream patterns that also match the user agents of real people's
/// browsers, each with the browser's own token: a match of the pattern
/// alone is discarded when the browser's regex matches too. Applied to any
/// list by pattern text, so a newer upstream file keeps them. Found by
/// matching upstream's list against isbot's browser fixtures; each is a
/// product people browse with.
const BROWSER_EXCEPTIONS: &[(&str, &str)] = &[
    // Firefox for Android's fetch client (Mozilla Android Components).
    ("Fetch\\/", r"MozacFetch/"),
    // Viber's in-app browser and desktop app (its preview fetch has no
    // browser engine: plain `Viber`, or `Viber/12.8 CFNetwork/...`).
    ("Viber", r"^Mozilla/5\.0 \(.*AppleWebKit/.*Viber"),
    // Slack's desktop app (Electron) calls itself `Sonic`.
    ("Sonic", r"Slack_SSB/"),
    // Fluid, a site-specific browser for macOS.
    (
        "Fluid",
        r"^Mozilla/5\.0 \(Macintosh.*AppleWebKit/.*Fluid/[0-9]",
    ),
];

#[derive(serde::Deserialize)]
struct Entry {
    pattern: String,
    #[serde(default)]
    tags: Vec<String>,
}

/// What a user agent matched in a crawler list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrawlerMatch<'a> {
    /// The matched patterns' tags (`search-engine`, `social-preview`,
    /// `monitoring`, ...), deduplicated and sorted.
    pub tags: Vec<&'a str>,
}

impl CrawlerMatch<'_> {
    /// Whether a matched pattern is a headless browser or an automation
    /// framework ([`AUTOMATION_TAG`]).
    pub fn is_automation(&self) -> bool {
        self.tags.contains(&AUTOMATION_TAG)
    }
}

/// A compiled crawler pattern list.
#[derive(Debug)]
pub struct CrawlerList {
    set: RegexSet,
    tags: Vec<Vec<String>>,
    /// Per pattern: the index in `browsers` of its browser exception.
    exception: Vec<Option<usize>>,
    browsers: Vec<Option<regex::Regex>>,
    prefilter: super::prefilter::Prefilter,
    source: String,
}

impl CrawlerList {
    /// The embedded snapshot, compiled (about 10 ms; each scorer compiles
    /// its own, so nothing outlives the last scorer, which C callers
    /// checking for leaks rely on).
    pub fn embedded() -> Arc<CrawlerList> {
        // The embedded file is tested to compile (tests below), so the
        // fallback, an empty list, is unreachable in a released build.
        Arc::new(Self::from_json(EMBEDDED, EMBEDDED_SOURCE).unwrap_or_else(|_| Self::empty()))
    }

    /// Compiles a list in the `crawler-user-agents` JSON format
    /// (`[{"pattern": "...", "tags": [...]}, ...]`; other fields ignored);
    /// `source` says where it came from (reported by
    /// [`source`](Self::source)).
    pub fn from_json(json: &str, source: &str) -> Result<Self, ScoreError> {
        let invalid =
            |path: String, message: String| ScoreError::InvalidCrawlerList { path, message };
        let de = &mut serde_json::Deserializer::from_str(json);
        let entries: Vec<Entry> = serde_path_to_error::deserialize(de)
            .map_err(|e| invalid(e.path().to_string(), e.inner().to_string()))?;
        if entries.len() > MAX_PATTERNS {
            return Err(invalid(
                ".".into(),
                format!("{} patterns; at most {MAX_PATTERNS}", entries.len()),
            ));
        }
        for (i, e) in entries.iter().enumerate() {
            regex::RegexBuilder::new(&e.pattern)
                .size_limit(SIZE_LIMIT)
                .build()
                .map_err(|err| invalid(format!("[{i}].pattern"), err.to_string()))?;
        }
        let set = regex::RegexSetBuilder::new(entries.iter().map(|e| &e.pattern))
            .size_limit(SIZE_LIMIT)
            .build()
            .map_err(|err| invalid(".".into(), err.to_string()))?;
        let prefilter = super::prefilter::Prefilter::new(
            entries.iter().map(|e| e.pattern.as_str()),
            SIZE_LIMIT,
        );
        let browsers = browser_exceptions();
        let exception = entries
            .iter()
            .map(|e| {
                BROWSER_EXCEPTIONS
                    .iter()
                    .position(|(pattern, _)| *pattern == e.pattern)
            })
            .collect();
        Ok(Self {
            set,
            tags: entries.into_iter().map(|e| e.tags).collect(),
            exception,
            browsers,
            prefilter,
            source: source.to_owned(),
        })
    }

    fn empty() -> Self {
        Self {
            set: RegexSet::empty(),
            tags: Vec::new(),
            exception: Vec::new(),
            browsers: Vec::new(),
            prefilter: super::prefilter::Prefilter::new([], SIZE_LIMIT),
            source: String::new(),
        }
    }

    /// Whether `ua` matches a pattern (browser exceptions applied).
    pub fn is_match(&self, ua: &str) -> bool {
        self.classify(ua).is_some()
    }

    /// What `ua` matches, or `None`: the matched patterns' tags, without
    /// patterns whose browser exception matches too.
    pub fn classify(&self, ua: &str) -> Option<CrawlerMatch<'_>> {
        // Nearly every user agent is a browser that matches nothing: the
        // literal pass proves that without the whole set.
        if !self.prefilter.may_match(ua) {
            return None;
        }
        let mut tags: Vec<&str> = Vec::new();
        let mut matched = false;
        for i in self.set.matches(ua).iter() {
            let excused = self.exception.get(i).copied().flatten().is_some_and(|b| {
                self.browsers
                    .get(b)
                    .and_then(Option::as_ref)
                    .is_some_and(|browser| browser.is_match(ua))
            });
            if excused {
                continue;
            }
            matched = true;
            tags.extend(self.tags.get(i).into_iter().flatten().map(String::as_str));
        }
        tags.sort_unstable();
        tags.dedup();
        matched.then_some(CrawlerMatch { tags })
    }

    /// The tags of every pattern `ua` matches, deduplicated and sorted
    /// (empty when it matches none).
    pub fn tags(&self, ua: &str) -> Vec<&str> {
        self.classify(ua).map(|m| m.tags).unwrap_or_default()
    }

    /// How many patterns have no literal the prefilter can use, and are
    /// matched on every user agent.
    pub fn unfiltered(&self) -> usize {
        self.prefilter.unfiltered()
    }

    /// How many patterns the list holds.
    pub fn len(&self) -> usize {
        self.set.len()
    }

    /// Whether the list holds no pattern.
    pub fn is_empty(&self) -> bool {
        self.set.is_empty()
    }

    /// Where the list came from.
    pub fn source(&self) -> &str {
        &self.source
    }
}

/// The compiled browser exceptions, in [`BROWSER_EXCEPTIONS`] order. They
/// are constants tested to compile; one that did not would excuse nothing.
fn browser_exceptions() -> Vec<Option<regex::Regex>> {
    BROWSER_EXCEPTIONS
        .iter()
        .map(|(_, browser)| regex::Regex::new(browser).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_snapshot_compiles_whole() {
        let list = CrawlerList::embedded();
        assert_eq!(list.len(), 1500);
        assert_eq!(list.source(), EMBEDDED_SOURCE);
        assert!(list.is_match("WhatsApp/2.16.2/i"));
        assert!(list.is_match("Mozilla/5.0 (compatible; GoogleOther)"));
        assert!(!list.is_match(
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
        ));
    }

    #[test]
    fn bad_lists_are_refused_with_the_place() {
        let code = |json: &str| CrawlerList::from_json(json, "t").unwrap_err().to_string();
        assert!(code(r#"[{"pattern": "a(?=b)"}]"#).contains("[0].pattern"));
        assert!(code(r#"[{"pattern": "ok"}, {"pattern": 5}]"#).contains("[1].pattern"));
        assert!(code(r#"{"pattern": "x"}"#).contains("invalid crawler list"));
        let list =
            CrawlerList::from_json(r#"[{"pattern": "Pinger", "tags": ["monitoring"]}]"#, "t")
                .unwrap();
        assert_eq!(list.tags("UptimePinger/1.0"), vec!["monitoring"]);
        assert!(list.tags("Mozilla/5.0").is_empty());
    }

    #[test]
    fn browsers_that_share_a_crawler_token_are_excused() {
        let list = CrawlerList::embedded();
        for (_, browser) in BROWSER_EXCEPTIONS {
            assert!(regex::Regex::new(browser).is_ok(), "{browser}");
        }
        for person in [
            "Mozilla/5.0 (Android 14; Mobile; rv:121.0) Gecko/121.0 Firefox/121.0 MozacFetch/121.0",
            "Mozilla/5.0 (Linux; Android 13; SM-A536B) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/120.0.6099.144 Mobile Safari/537.36 Viber/21.0.0.0",
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Slack/4.36.140 Chrome/120.0.6099.56 Electron/28.0.0 Safari/537.36 Sonic Slack_SSB/4.36.140",
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Fluid/2.1.2 Safari/605.1.15",
        ] {
            assert!(!list.is_match(person), "{person}");
        }
        for bot in [
            "Viber",
            "Fetch/2.0a (CMS Detection/Web/SEO analysis tool, see http://guess.scritch.org)",
            "Mozilla/5.0 (compatible; Sonic/1.0; http://www.yama.info.waseda.ac.jp/~crawler/info.html)",
            "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/602.1 (KHTML, like Gecko) splash Version/10.0 Safari/602.1",
        ] {
            assert!(list.is_match(bot), "{bot}");
        }
        // An excused token beside another crawler's still matches.
        assert!(list.is_match("Mozilla/5.0 AppleWebKit/1 Viber/1 Googlebot/2.1"));
        let headless = list
            .classify("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.0.0 Safari/537.36")
            .unwrap();
        assert!(headless.is_automation(), "{headless:?}");
    }

    #[test]
    fn the_prefilter_never_hides_a_match() {
        let list = CrawlerList::embedded();
        let corpus: serde_json::Value =
            serde_json::from_str(include_str!("../../../tests/vectors/user-agents.json")).unwrap();
        let mut checked = 0;
        for key in ["browsers", "current_browsers", "bots", "crawlers"] {
            for ua in corpus[key].as_array().unwrap() {
                let ua = ua.as_str().unwrap();
                if list.set.is_match(ua) {
                    assert!(list.prefilter.may_match(ua), "{ua}");
                }
                checked += 1;
            }
        }
        assert!(checked > 500);
        assert!(
            list.unfiltered() < 100,
            "{} patterns unfiltered",
            list.unfiltered()
        );
        assert!(!list.prefilter.may_match(
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
        ));
    }
}
