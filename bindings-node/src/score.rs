//! Fraud scoring.

use clickfence::score::{ClickSignals, ScoringRules, Thresholds};
use napi_derive::napi;

use crate::convert::{core, Result};

/// Options of `new Scorer`.
#[napi(object)]
pub struct ScorerOptions {
    /// A rules object `{ version, rules: { code: points } }` or its JSON (default rules otherwise).
    #[napi(ts_type = "ScoringRules | string")]
    pub rules: Option<serde_json::Value>,
    /// Default 70.
    pub block_threshold: Option<i64>,
    /// Default 40.
    pub flag_threshold: Option<i64>,
    /// A crawler pattern list in the `crawler-user-agents` JSON format, in
    /// place of the embedded snapshot.
    pub crawler_list: Option<String>,
    /// Where `crawlerList` came from (reported by `crawlerList`).
    pub crawler_list_source: Option<String>,
}

/// The crawler list a scorer uses.
#[napi(object)]
pub struct CrawlerListInfo {
    /// Where it came from.
    pub source: String,
    /// How many patterns it holds.
    pub patterns: u32,
}

/// Scores clicks with a rule set and a site's thresholds.
#[napi]
pub struct Scorer(clickfence::Scorer);

#[napi]
impl Scorer {
    /// Builds the object; throws an Error with `err.code` on bad input.
    #[napi(constructor, catch_unwind)]
    pub fn new(options: Option<ScorerOptions>) -> Result<Self> {
        let o = options.unwrap_or(ScorerOptions {
            rules: None,
            block_threshold: None,
            flag_threshold: None,
            crawler_list: None,
            crawler_list_source: None,
        });
        let rules = match o.rules {
            None => ScoringRules::default(),
            Some(serde_json::Value::String(text)) => {
                ScoringRules::from_json(&text).map_err(core)?
            }
            Some(value) => ScoringRules::from_json(&value.to_string()).map_err(core)?,
        };
        let t = Thresholds::new(
            o.block_threshold.unwrap_or(70),
            o.flag_threshold.unwrap_or(40),
        )
        .map_err(core)?;
        let scorer = clickfence::Scorer::new(rules, t);
        Ok(Self(match o.crawler_list {
            Some(json) => {
                let source = o.crawler_list_source.as_deref().unwrap_or("crawler list");
                let list =
                    clickfence::score::CrawlerList::from_json(&json, source).map_err(core)?;
                scorer.with_crawler_list(std::sync::Arc::new(list))
            }
            None => scorer,
        }))
    }

    /// The crawler list in use: its source and pattern count.
    #[napi(getter)]
    pub fn crawler_list(&self) -> CrawlerListInfo {
        let (source, len) = self.0.crawler_list();
        CrawlerListInfo {
            source: source.to_owned(),
            patterns: u32::try_from(len).unwrap_or(u32::MAX),
        }
    }

    /// `givt`, `sivt` or `clean`: what the user agent alone says.
    #[napi(catch_unwind, ts_return_type = "'clean' | 'givt' | 'sivt'")]
    pub fn user_agent_category(&self, user_agent: String) -> &'static str {
        self.0.user_agent_category(&user_agent).as_str()
    }

    /// Scores a click from its signals (the core's snake_case field names).
    #[napi(catch_unwind, ts_return_type = "Assessment")]
    pub fn score(
        &self,
        #[napi(ts_arg_type = "ClickSignals")] signals: serde_json::Value,
    ) -> Result<serde_json::Value> {
        let signals = ClickSignals::from_value(signals).map_err(core)?;
        let a = self.0.score(&signals);
        let mut value = serde_json::to_value(&a).unwrap_or_default();
        value["classification"] = a.classification().into();
        Ok(value)
    }

    /// Whether a user agent is not a person's browser (a declared crawler,
    /// library, link preview or automation).
    #[napi(catch_unwind)]
    pub fn is_bot_user_agent(&self, user_agent: String) -> bool {
        self.0.is_bot_user_agent(&user_agent)
    }
}

/// Checks clients that claim a major crawler (Googlebot, Bingbot, ...) the
/// way the operators document: published ranges, else forward-confirmed
/// reverse DNS. Sans-I/O: `check` returns the lookup it needs; resolve it
/// (`dns.promises.reverse`, `dns.promises.lookup`) and call again with one
/// more answer.
#[napi]
pub struct CrawlerVerifier(clickfence::score::CrawlerRanges);

#[napi]
impl CrawlerVerifier {
    /// No ranges loaded: every claim goes to DNS.
    #[napi(constructor)]
    pub fn new() -> Self {
        Self(clickfence::score::CrawlerRanges::new())
    }

    /// Loads an operator's published ranges (Google's / Bing's JSON format).
    #[napi(catch_unwind)]
    pub fn load_ranges(&mut self, operator: String, json: String) -> Result<()> {
        self.0.load(&operator, &json).map_err(core)
    }

    /// The `creationTime` of an operator's loaded ranges.
    #[napi(catch_unwind)]
    pub fn ranges_date(&self, operator: String) -> Option<String> {
        self.0.date(&operator).map(str::to_owned)
    }

    /// Where the check of `ip`'s claim stands after `answers` (an array, or
    /// its JSON): `null` when the user agent claims no known crawler, else
    /// `{ operator, verdict }` or `{ operator, question: { ptr } | { addresses } }`.
    #[napi(catch_unwind, ts_return_type = "CrawlerCheckState | null")]
    pub fn check(
        &self,
        user_agent: String,
        ip: String,
        #[napi(ts_arg_type = "CrawlerAnswer[] | string")] answers: Option<serde_json::Value>,
    ) -> Result<serde_json::Value> {
        let ip = clickfence::ip::parse_ip(&ip).map_err(core)?;
        let text = match answers {
            None => "[]".to_owned(),
            Some(serde_json::Value::String(text)) => text,
            Some(value) => value.to_string(),
        };
        let answers = clickfence::score::answers_from_json(&text).map_err(core)?;
        let state =
            clickfence::score::check_crawler(&user_agent, ip, &self.0, &answers).map_err(core)?;
        Ok(serde_json::to_value(state).unwrap_or_default())
    }
}

impl Default for CrawlerVerifier {
    fn default() -> Self {
        Self::new()
    }
}

/// Blocked clicks as a percentage of all, two decimals.
#[napi(catch_unwind)]
pub fn fraud_rate(total_clicks: f64, blocked_clicks: f64) -> f64 {
    clickfence::score::fraud_rate(total_clicks.max(0.0) as u64, blocked_clicks.max(0.0) as u64)
}
