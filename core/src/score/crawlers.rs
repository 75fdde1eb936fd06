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

use std::sync::OnceLock;

use regex::RegexSet;

use super::ScoreError;

/// The embedded snapshot: `crawler-user-agents` 1.60.0 (npm), MIT licensed
/// (`core/data/crawler-user-agents.LICENSE`), patterns and tags only.
pub const EMBEDDED_SOURCE: &str = "crawler-user-agents 1.60.0 (npm), 2025";

const EMBEDDED: &str = include_str!("../../data/crawler-user-agents.json");

/// The compiled regex set may take this much memory (upstream's ~1,500
/// patterns need a fraction of it; a hostile file cannot take more).
const SIZE_LIMIT: usize = 64 * 1024 * 1024;

/// The most patterns a list may hold.
pub const MAX_PATTERNS: usize = 20_000;

#[derive(serde::Deserialize)]
struct Entry {
    pattern: String,
    #[serde(default)]
    tags: Vec<String>,
}

/// A compiled crawler pattern list.
#[derive(Debug)]
pub struct CrawlerList {
    set: RegexSet,
    tags: Vec<Vec<String>>,
    source: String,
}

impl CrawlerList {
    /// The embedded snapshot, compiled on first use.
    pub fn embedded() -> &'static CrawlerList {
        static LIST: OnceLock<CrawlerList> = OnceLock::new();
        LIST.get_or_init(|| {
            // The embedded file is tested to compile (tests below), so the
            // fallback, an empty list, is unreachable in a released build.
            Self::from_json(EMBEDDED, EMBEDDED_SOURCE).unwrap_or_else(|_| Self::empty())
        })
    }

    /// Compiles a list in the `crawler-user-agents` JSON format; `source`
    /// says where it came from (reported by [`source`](Self::source)).
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
            regex::Regex::new(&e.pattern)
                .map_err(|err| invalid(format!("[{i}].pattern"), err.to_string()))?;
        }
        let set = regex::RegexSetBuilder::new(entries.iter().map(|e| &e.pattern))
            .size_limit(SIZE_LIMIT)
            .build()
            .map_err(|err| invalid(".".into(), err.to_string()))?;
        Ok(Self {
            set,
            tags: entries.into_iter().map(|e| e.tags).collect(),
            source: source.to_owned(),
        })
    }

    fn empty() -> Self {
        Self {
            set: RegexSet::empty(),
            tags: Vec::new(),
            source: String::new(),
        }
    }

    /// Whether `ua` matches any pattern.
    pub fn is_match(&self, ua: &str) -> bool {
        self.set.is_match(ua)
    }

    /// The tags of every pattern `ua` matches (`search-engine`,
    /// `social-preview`, `monitoring`, ...), deduplicated and sorted.
    pub fn tags(&self, ua: &str) -> Vec<&str> {
        let mut tags: Vec<&str> = self
            .set
            .matches(ua)
            .into_iter()
            .flat_map(|i| self.tags.get(i).into_iter().flatten().map(String::as_str))
            .collect();
        tags.sort_unstable();
        tags.dedup();
        tags
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
}
