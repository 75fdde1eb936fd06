//! Fraud scoring: signals about a click → a 0–100 score with reasons,
//! classified `valid` / `flagged` / `blocked` by a site's thresholds
//! (defaults 70 / 40, as the platform spec's site example shows).

mod agent;
mod bounds;
mod category;
#[cfg(feature = "bot-detection")]
#[cfg(feature = "bot-detection")]
mod crawlers;
mod error;
mod pause;
#[cfg(feature = "bot-detection")]
mod prefilter;
mod rules;
mod scorer;
mod signals;
mod stats;
mod verified;

pub use bounds::{bounded, oversized, CLICK_ID_MAX, REFERRER_MAX, USER_AGENT_MAX};
pub use category::Category;
#[cfg(feature = "bot-detection")]
#[cfg(feature = "bot-detection")]
pub use crawlers::{
    CrawlerList, CrawlerMatch, AUTOMATION_TAG, EMBEDDED_SOURCE as EMBEDDED_CRAWLER_LIST,
    MAX_PATTERNS as MAX_CRAWLER_PATTERNS,
};
pub use error::ScoreError;
pub use pause::{PauseWindow, PAUSE_MIN_CLICKS, PAUSE_MIN_SOURCES, PAUSE_SECS, PAUSE_WINDOW_SECS};
pub use rules::{
    Rule, ScoringRules, DEFAULT_RULES_VERSION, INSTANT_CLICK_MS, NETWORK_VELOCITY_HOUR_LIMIT,
    VELOCITY_HOUR_LIMIT, VELOCITY_MINUTE_LIMIT,
};
pub use scorer::{
    Assessment, ClickStatus, Reason, Scorer, Thresholds, DEFAULT_BLOCK_THRESHOLD,
    DEFAULT_FLAG_THRESHOLD,
};
pub use signals::{BotSignal, ClickSignals, SignatureSignal, SpyTool};
pub use stats::fraud_rate;
pub use verified::{
    answers_from_json, check_crawler, claimed_operator, Answer, CheckState, CrawlerCheck,
    CrawlerRanges, CrawlerVerdict, Operator, Question, Step, OPERATORS,
};
