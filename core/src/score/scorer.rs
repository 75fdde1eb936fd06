//! `Scorer`: signals → score, status and reasons.

use std::sync::Arc;

use serde::Serialize;

use super::rules::{
    Rule, ScoringRules, INSTANT_CLICK_MS, NETWORK_VELOCITY_HOUR_LIMIT, VELOCITY_HOUR_LIMIT,
    VELOCITY_MINUTE_LIMIT,
};
use super::signals::{ClickSignals, SignatureSignal};
use super::ScoreError;

/// The spec's default `block_threshold`.
pub const DEFAULT_BLOCK_THRESHOLD: u8 = 70;
/// The spec's default `flag_threshold`.
pub const DEFAULT_FLAG_THRESHOLD: u8 = 40;

/// A site's thresholds: `0 ≤ flag ≤ block ≤ 100`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Thresholds {
    /// Scores at or above this are `blocked`.
    pub block_threshold: u8,
    /// Scores at or above this (and below block) are `flagged`.
    pub flag_threshold: u8,
}

impl Thresholds {
    /// Validates a pair of thresholds.
    pub fn new(block: i64, flag: i64) -> Result<Self, ScoreError> {
        if !(0 <= flag && flag <= block && block <= 100) {
            return Err(ScoreError::InvalidThresholds { block, flag });
        }
        // Both are in 0..=100 after the check above.
        Ok(Self {
            block_threshold: block as u8,
            flag_threshold: flag as u8,
        })
    }
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            block_threshold: DEFAULT_BLOCK_THRESHOLD,
            flag_threshold: DEFAULT_FLAG_THRESHOLD,
        }
    }
}

/// A click's status, as the platform API's clicks carry it.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum ClickStatus {
    /// Below the flag threshold.
    Valid,
    /// At or above the flag threshold, below the block threshold.
    Flagged,
    /// At or above the block threshold, or hit by a hard rule.
    Blocked,
}

impl ClickStatus {
    /// `valid`, `flagged` or `blocked`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Valid => "valid",
            Self::Flagged => "flagged",
            Self::Blocked => "blocked",
        }
    }
}

/// One rule that fired.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reason {
    /// The rule's reason code.
    pub code: &'static str,
    /// Points it added.
    pub points: u8,
    /// What was seen.
    pub detail: String,
}

/// The scorer's verdict on one click.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Assessment {
    /// 0–100: the sum of the reasons' points, clamped.
    pub score: u8,
    /// From the thresholds, or `blocked` by a hard rule.
    pub status: ClickStatus,
    /// The rules that fired, in catalog order.
    pub reasons: Vec<Reason>,
    /// The version of the rule set used.
    pub rules_version: Arc<str>,
    /// The thresholds used.
    pub thresholds: Thresholds,
    /// Signal fields that were invalid and left out (`time_to_click_ms:
    /// ...`), from [`ClickSignals::ignored`]; absent from JSON when empty.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ignored_signals: Vec<String>,
}

impl Assessment {
    /// A one-word label for the click: the code of its heaviest reason, or
    /// `clean` (the platform API's `classification`).
    pub fn classification(&self) -> &'static str {
        self.reasons
            .iter()
            .fold(None::<&Reason>, |best, r| match best {
                Some(b) if b.points >= r.points => Some(b),
                _ => Some(r),
            })
            .map_or("clean", |r| r.code)
    }
}

/// Scores clicks with a rule set and a site's thresholds. Immutable,
/// `Send + Sync`; the bot user-agent list is compiled once at construction.
///
/// ```
/// use clickfence::score::{ClickSignals, Scorer};
/// let scorer = Scorer::default();
/// let a = scorer.score(&ClickSignals { ip_tor: true, honeypot: true, ..Default::default() });
/// assert_eq!((a.score, a.status.as_str()), (100, "blocked"));
/// assert_eq!(a.reasons[0].code, "tor_exit");
/// ```
pub struct Scorer {
    rules: ScoringRules,
    version: Arc<str>,
    thresholds: Thresholds,
    bots: super::agent::BotList,
}

impl std::fmt::Debug for Scorer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scorer")
            .field("rules", &self.rules)
            .field("thresholds", &self.thresholds)
            .finish()
    }
}

impl Default for Scorer {
    /// The default rules with the spec's thresholds (70 / 40).
    fn default() -> Self {
        Self::new(ScoringRules::default(), Thresholds::default())
    }
}

impl Scorer {
    /// A scorer for `rules` and `thresholds`.
    pub fn new(rules: ScoringRules, thresholds: Thresholds) -> Self {
        let version = Arc::from(rules.version());
        Self {
            rules,
            version,
            thresholds,
            bots: super::agent::BotList::new(),
        }
    }

    /// The thresholds.
    pub fn thresholds(&self) -> Thresholds {
        self.thresholds
    }

    /// Whether `user_agent` matches the known-bot list.
    /// Invisible characters are ignored and automation tokens match anywhere.
    pub fn is_bot_user_agent(&self, user_agent: &str) -> bool {
        self.bots.is_bot(&super::agent::visible(user_agent))
    }

    /// Scores one click. Same input, same output.
    pub fn score(&self, s: &ClickSignals) -> Assessment {
        let mut reasons = Vec::new();
        let mut hard = false;
        let mut fire = |rule: Rule, scale: Option<u8>, detail: String| {
            let Some(points) = self.rules.points(rule) else {
                return;
            };
            let points = match scale {
                // Rounded to nearest; scale is 0..=100 so this stays in 0..=100.
                Some(pct) => ((u16::from(points) * u16::from(pct) + 50) / 100) as u8,
                None => points,
            };
            hard |= rule.is_hard();
            reasons.push(Reason {
                code: rule.code(),
                points,
                detail,
            });
        };
        if s.blocked_ip {
            fire(
                Rule::BlockedIp,
                None,
                "IP is on the site's block list".into(),
            );
        }
        if s.blocked_country {
            fire(Rule::BlockedCountry, None, "country is blocked".into());
        }
        if s.ip_tor {
            fire(Rule::TorExit, None, "Tor exit node".into());
        }
        if s.ip_vpn {
            fire(Rule::Vpn, None, "anonymous VPN".into());
        }
        if s.ip_datacenter {
            fire(Rule::Datacenter, None, "hosting / datacenter range".into());
        }
        if s.ip_proxy {
            fire(Rule::Proxy, None, "public proxy".into());
        }
        match s.signature {
            Some(SignatureSignal::InvalidSignature) => fire(
                Rule::InvalidSignature,
                None,
                "signature does not verify".into(),
            ),
            Some(SignatureSignal::MissingSignature) => {
                fire(Rule::MissingSignature, None, "no signature".into())
            }
            Some(SignatureSignal::Expired) => {
                fire(Rule::ExpiredSignature, None, "signature expired".into())
            }
            Some(SignatureSignal::Replayed) => fire(
                Rule::ReplayedSignature,
                None,
                "signature already used".into(),
            ),
            _ => {}
        }
        if super::bounds::oversized(
            s.user_agent.as_ref().and_then(|u| u.as_deref()),
            s.referrer.as_ref().and_then(|r| r.as_deref()),
        ) {
            fire(
                Rule::OversizedHeader,
                None,
                "user agent or referrer longer than any browser sends".into(),
            );
        }
        // Absent = unknown; null or blank = known to be missing; one no
        // browser would send counts as missing too.
        let ua = s
            .user_agent
            .as_ref()
            .map(|ua| super::agent::visible(ua.as_deref().unwrap_or("")));
        match ua.as_deref() {
            Some("") => fire(Rule::MissingUserAgent, None, "no user agent".into()),
            Some(ua) if self.bots.is_bot(ua) => fire(
                Rule::BotUserAgent,
                None,
                "user agent matches a known bot".into(),
            ),
            Some(ua) if super::agent::implausible(ua) => fire(
                Rule::MissingUserAgent,
                None,
                "user agent no browser would send".into(),
            ),
            _ => {}
        }
        if let Some(strongest) = s.bot_signals.iter().max_by_key(|b| b.confidence) {
            let detail = format!(
                "{} ({}% confidence)",
                strongest.signal_type, strongest.confidence
            );
            fire(Rule::AutomationDetected, Some(strongest.confidence), detail);
        }
        if let Some(spy) = s.spy_tools.first() {
            fire(Rule::SpyTool, None, format!("{} detected", spy.tool_name));
        }
        if s.honeypot {
            fire(Rule::Honeypot, None, "honeypot field filled".into());
        }
        if s.trap_link {
            fire(Rule::TrapLink, None, "trap link followed".into());
        }
        if let Some(n) = s
            .network_clicks_last_hour
            .filter(|n| *n > NETWORK_VELOCITY_HOUR_LIMIT)
        {
            fire(
                Rule::ClickVelocityNetwork,
                None,
                format!("{n} clicks from the network in the last hour"),
            );
        }
        if let Some(n) = s.clicks_last_minute.filter(|n| *n > VELOCITY_MINUTE_LIMIT) {
            fire(
                Rule::ClickVelocityMinute,
                None,
                format!("{n} clicks from this IP in the last minute"),
            );
        }
        if let Some(n) = s.clicks_last_hour.filter(|n| *n > VELOCITY_HOUR_LIMIT) {
            fire(
                Rule::ClickVelocityHour,
                None,
                format!("{n} clicks from this IP in the last hour"),
            );
        }
        if let Some(n) = s.click_id_repeats.filter(|n| *n >= 1) {
            fire(
                Rule::RepeatedClickId,
                None,
                format!("click id seen {n} time(s) before"),
            );
        }
        if let Some(n) = s.click_id_other_networks.filter(|n| *n >= 1) {
            fire(
                Rule::ClickIdOtherNetwork,
                None,
                format!("click id used from {n} other network(s)"),
            );
        }
        if let Some(ms) = s.time_to_click_ms.filter(|ms| *ms < INSTANT_CLICK_MS) {
            fire(
                Rule::InstantClick,
                None,
                format!("clicked {ms} ms after page load"),
            );
        }
        match &s.referrer {
            Some(Some(r)) if !r.trim().is_empty() => {}
            Some(_) => fire(Rule::NoReferrer, None, "no referrer".into()),
            None => {}
        }
        let sum: u32 = reasons.iter().map(|r| u32::from(r.points)).sum();
        let score = sum.min(100) as u8;
        let t = self.thresholds;
        let status = if hard || score >= t.block_threshold {
            ClickStatus::Blocked
        } else if score >= t.flag_threshold {
            ClickStatus::Flagged
        } else {
            ClickStatus::Valid
        };
        Assessment {
            score,
            status,
            reasons,
            rules_version: Arc::clone(&self.version),
            thresholds: t,
            ignored_signals: s.ignored.clone(),
        }
    }
}
