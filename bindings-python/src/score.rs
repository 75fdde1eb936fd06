//! Fraud scoring.

use clickfence::score::{self as core_score, ClickSignals, ScoringRules, Thresholds};
use pyo3::prelude::*;

use crate::convert::{json_text, score_err, to_py};

/// The scorer's verdict on one click.
#[pyclass(frozen, module = "clickfence._clickfence")]
pub struct Assessment(core_score::Assessment);

#[pymethods]
impl Assessment {
    /// The score, 0-100.
    #[getter]
    fn score(&self) -> u8 {
        self.0.score
    }
    /// `valid`, `flagged` or `blocked` against the thresholds.
    #[getter]
    fn status(&self) -> &'static str {
        self.0.status.as_str()
    }
    /// The heaviest reason's code, or `clean`.
    #[getter]
    fn classification(&self) -> &'static str {
        self.0.classification()
    }
    /// `clean`, `givt` (declared, not fraud) or `sivt` (fraud).
    #[getter]
    fn category(&self) -> &'static str {
        self.0.category.as_str()
    }
    /// `[{"code", "points", "detail", "category"}, ...]`
    #[getter]
    fn reasons<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.0.reasons)
    }
    /// The whole assessment as a dict.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.0)
    }
    fn __repr__(&self) -> String {
        format!(
            "Assessment(score={}, status={:?}, category={:?})",
            self.0.score,
            self.0.status.as_str(),
            self.0.category.as_str()
        )
    }
}

/// Scores clicks with a rule set and a site's thresholds. Thread-safe.
#[pyclass(frozen, module = "clickfence._clickfence")]
pub struct Scorer(core_score::Scorer);

#[pymethods]
impl Scorer {
    #[new]
    #[pyo3(signature = (*, rules=None, block_threshold=70, flag_threshold=40, crawler_list=None, crawler_list_source="crawler list"))]
    fn new(
        py: Python<'_>,
        rules: Option<&Bound<'_, PyAny>>,
        block_threshold: i64,
        flag_threshold: i64,
        crawler_list: Option<&str>,
        crawler_list_source: &str,
    ) -> PyResult<Self> {
        let rules = match rules {
            Some(r) => ScoringRules::from_json(&json_text(py, r, "rules")?)
                .map_err(|e| score_err(py, e))?,
            None => ScoringRules::default(),
        };
        let t = Thresholds::new(block_threshold, flag_threshold).map_err(|e| score_err(py, e))?;
        let scorer = core_score::Scorer::new(rules, t);
        Ok(Self(match crawler_list {
            Some(json) => scorer.with_crawler_list(std::sync::Arc::new(
                core_score::CrawlerList::from_json(json, crawler_list_source)
                    .map_err(|e| score_err(py, e))?,
            )),
            None => scorer,
        }))
    }

    /// Where the crawler list in use came from, and its pattern count.
    #[getter]
    fn crawler_list(&self) -> (String, usize) {
        let (source, len) = self.0.crawler_list();
        (source.to_owned(), len)
    }

    /// Scores a click from its signals (a dict with the core's snake_case names, or JSON).
    fn score(&self, py: Python<'_>, signals: &Bound<'_, PyAny>) -> PyResult<Assessment> {
        let signals = ClickSignals::from_json(&json_text(py, signals, "signals")?)
            .map_err(|e| score_err(py, e))?;
        Ok(Assessment(self.0.score(&signals)))
    }

    /// Whether a user agent is not a person's browser (a declared crawler,
    /// library, link preview or automation).
    fn is_bot_user_agent(&self, user_agent: &str) -> bool {
        self.0.is_bot_user_agent(user_agent)
    }

    /// `givt`, `sivt` or `clean`: what the user agent alone says.
    fn user_agent_category(&self, user_agent: &str) -> &'static str {
        self.0.user_agent_category(user_agent).as_str()
    }
}

/// Checks clients that claim a major crawler (Googlebot, Bingbot, ...) the
/// way the operators document: published ranges, else forward-confirmed
/// reverse DNS. Sans-I/O: `check` returns the lookup it needs; resolve it
/// and call again with one more answer. Thread-safe.
#[pyclass(module = "clickfence._clickfence")]
pub struct CrawlerVerifier(core_score::CrawlerRanges);

#[pymethods]
impl CrawlerVerifier {
    #[new]
    fn new() -> Self {
        Self(core_score::CrawlerRanges::new())
    }

    /// Loads an operator's published ranges (Google's / Bing's JSON format).
    fn load_ranges(&mut self, py: Python<'_>, operator: &str, json: &str) -> PyResult<()> {
        self.0.load(operator, json).map_err(|e| score_err(py, e))
    }

    /// The `creationTime` of an operator's loaded ranges.
    fn ranges_date(&self, operator: &str) -> Option<String> {
        self.0.date(operator).map(str::to_owned)
    }

    /// Where the check of `ip`'s claim stands after `answers`: `None` when
    /// the user agent claims no known crawler, else `{"operator", "verdict"}`
    /// or `{"operator", "question": {"ptr": ip} | {"addresses": name}}`.
    #[pyo3(signature = (user_agent, ip, answers=None))]
    fn check<'py>(
        &self,
        py: Python<'py>,
        user_agent: &str,
        ip: &str,
        answers: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let ip = clickfence::ip::parse_ip(ip).map_err(|e| crate::convert::ip_err(py, e))?;
        let answers = match answers {
            Some(a) => {
                let text = if a.is_instance_of::<pyo3::types::PyList>() {
                    py.import("json")?
                        .getattr("dumps")?
                        .call1((a,))?
                        .extract()?
                } else {
                    json_text(py, a, "answers")?
                };
                core_score::answers_from_json(&text).map_err(|e| score_err(py, e))?
            }
            None => Vec::new(),
        };
        let state = core_score::check_crawler(user_agent, ip, &self.0, &answers)
            .map_err(|e| score_err(py, e))?;
        to_py(py, &state)
    }
}

/// Blocked clicks as a percentage of all, two decimals (the stats endpoint's `fraud_rate`).
#[pyfunction]
fn fraud_rate(total_clicks: u64, blocked_clicks: u64) -> f64 {
    core_score::fraud_rate(total_clicks, blocked_clicks)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Scorer>()?;
    m.add_class::<Assessment>()?;
    m.add_class::<CrawlerVerifier>()?;
    m.add_function(wrap_pyfunction!(fraud_rate, m)?)?;
    Ok(())
}
