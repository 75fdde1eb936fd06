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
        Ok(Self(clickfence::Scorer::new(rules, t)))
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

    /// Whether a user agent matches the known-bot list.
    #[napi(catch_unwind)]
    pub fn is_bot_user_agent(&self, user_agent: String) -> bool {
        self.0.is_bot_user_agent(&user_agent)
    }
}

/// Blocked clicks as a percentage of all, two decimals.
#[napi(catch_unwind)]
pub fn fraud_rate(total_clicks: f64, blocked_clicks: f64) -> f64 {
    clickfence::score::fraud_rate(total_clicks.max(0.0) as u64, blocked_clicks.max(0.0) as u64)
}
