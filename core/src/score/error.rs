//! Errors of the fraud-scoring job.

/// Why rules, thresholds or signals were refused. Each variant has a stable
/// [`code`](ScoreError::code).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ScoreError {
    /// The rules JSON is malformed, names an unknown rule, or gives bad points.
    #[error("invalid scoring rules at {path}: {message}")]
    InvalidRules {
        /// Where in the JSON.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// Thresholds outside `0 ≤ flag ≤ block ≤ 100`.
    #[error(
        "thresholds must satisfy 0 <= flag_threshold ({flag}) <= block_threshold ({block}) <= 100"
    )]
    InvalidThresholds {
        /// The block threshold given.
        block: i64,
        /// The flag threshold given.
        flag: i64,
    },
    /// A crawler pattern list is not in the `crawler-user-agents` format, or
    /// a pattern does not compile.
    #[error("invalid crawler list at {path}: {message}")]
    InvalidCrawlerList {
        /// Where in the JSON (`[12].pattern`).
        path: String,
        /// What is wrong.
        message: String,
    },
    /// A crawler range file is not in Google's and Bing's JSON format, or
    /// names an operator this does not know.
    #[error("invalid crawler ranges at {path}: {message}")]
    InvalidCrawlerRanges {
        /// Where in the JSON (`prefixes[3]`).
        path: String,
        /// What is wrong.
        message: String,
    },
    /// Answers to a crawler check that are not JSON answers, or more than
    /// the check asked for.
    #[error("invalid crawler check answers: {message}")]
    InvalidCrawlerAnswers {
        /// What is wrong.
        message: String,
    },
    /// The signals JSON does not match `ClickSignals`.
    #[error("invalid click signals at {path}: {message}")]
    InvalidSignals {
        /// Where in the JSON.
        path: String,
        /// What is wrong.
        message: String,
    },
}

impl ScoreError {
    /// Whether click signals (not rules or thresholds) were refused.
    pub fn is_signals(&self) -> bool {
        matches!(self, Self::InvalidSignals { .. })
    }

    /// The stable `snake_case` code of this error.
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidRules { .. } => "invalid_rules",
            Self::InvalidThresholds { .. } => "invalid_thresholds",
            Self::InvalidSignals { .. } => "invalid_signals",
            Self::InvalidCrawlerList { .. } => "invalid_crawler_list",
            Self::InvalidCrawlerRanges { .. } => "invalid_crawler_ranges",
            Self::InvalidCrawlerAnswers { .. } => "invalid_crawler_answers",
        }
    }
}

/// Turns a `serde_path_to_error` failure into a path and message.
pub(crate) fn located<E: std::fmt::Display>(e: serde_path_to_error::Error<E>) -> (String, String) {
    let path = e.path().to_string();
    (
        if path == "." {
            "(root)".to_owned()
        } else {
            path
        },
        e.inner().to_string(),
    )
}
