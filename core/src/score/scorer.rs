//! `Scorer`: signals → score, status and reasons.

use std::sync::Arc;

use serde::Serialize;

use super::agent::AgentKind;
use super::rules::{
    Rule, ScoringRules, INSTANT_CLICK_MS, NETWORK_VELOCITY_HOUR_LIMIT, VELOCITY_HOUR_LIMIT,
    VELOCITY_MINUTE_LIMIT,
};
use super::signals::{ClickSignals, SignatureSignal};
use super::{Category, CrawlerVerdict, ScoreError};

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
    /// `givt` or `sivt`: the rule's [`category`](Rule::category), except
    /// `datacenter`, which is `sivt` when the user agent claims a person's
    /// browser (a hosting network does not browse) and `givt` when it
    /// declares a crawler, preview or library.
    pub category: Category,
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
    /// `clean`, `givt` or `sivt`, from the reasons (see
    /// [`Category`](super::Category) for the rule).
    pub category: Category,
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

    /// The same rules and compiled bot lists with other thresholds: cheap,
    /// the lists are shared (a server with a scorer per site's thresholds
    /// compiles them once).
    pub fn with_thresholds(&self, thresholds: Thresholds) -> Self {
        Self {
            rules: self.rules.clone(),
            version: Arc::clone(&self.version),
            thresholds,
            bots: self.bots.clone(),
        }
    }

    /// The thresholds.
    pub fn thresholds(&self) -> Thresholds {
        self.thresholds
    }

    /// The same scorer matching `crawlers` in place of the embedded
    /// `crawler-user-agents` snapshot (a newer list loaded at run time).
    #[cfg(feature = "bot-detection")]
    pub fn with_crawler_list(mut self, crawlers: Arc<super::CrawlerList>) -> Self {
        self.bots = self.bots.with_crawlers(crawlers);
        self
    }

    /// Where the crawler list in use came from
    /// ([`EMBEDDED_CRAWLER_LIST`](super::EMBEDDED_CRAWLER_LIST) unless
    /// replaced), and how many patterns it holds.
    #[cfg(feature = "bot-detection")]
    pub fn crawler_list(&self) -> (&str, usize) {
        let list = self.bots.crawlers();
        (list.source(), list.len())
    }

    /// Whether `user_agent` is not a person's browser: a declared crawler,
    /// monitor or HTTP library, a link preview, or automation. Invisible
    /// characters are ignored and library and automation tokens match
    /// anywhere.
    pub fn is_bot_user_agent(&self, user_agent: &str) -> bool {
        self.bots.is_bot(&super::agent::visible(user_agent))
    }

    /// The category a user agent alone puts a client in: `givt` for a
    /// declared crawler, monitor, library or link preview, `sivt` for
    /// automation, `clean` for a browser (or an empty string).
    pub fn user_agent_category(&self, user_agent: &str) -> Category {
        match self.bots.kind(&super::agent::visible(user_agent)) {
            Some(AgentKind::Automation) => Category::Sivt,
            Some(AgentKind::Declared | AgentKind::LinkPreview) => Category::Givt,
            None => Category::Clean,
        }
    }

    /// Scores one click. Same input, same output.
    pub fn score(&self, s: &ClickSignals) -> Assessment {
        // Absent = unknown; null or blank = known to be missing.
        let ua = s
            .user_agent
            .as_ref()
            .map(|ua| super::agent::visible(ua.as_deref().unwrap_or("")));
        let kind = ua.as_deref().and_then(|ua| self.bots.kind(ua));
        let datacenter = datacenter_category(ua.as_deref(), kind);
        let mut reasons = Vec::new();
        let mut hard = false;
        let mut fire = |rule: Rule, scale: Option<u8>, detail: String| {
            let Some(points) = self.rules.points(rule) else {
                return;
            };
            let category = match rule {
                Rule::Datacenter => datacenter,
                _ => rule.category(),
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
                category,
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
        if s.link_preview || kind == Some(AgentKind::LinkPreview) {
            fire(
                Rule::LinkPreview,
                None,
                "link preview or prefetch, not a person's click".into(),
            );
        }
        match s.crawler {
            Some(CrawlerVerdict::VerifiedBot) => fire(
                Rule::VerifiedCrawler,
                None,
                "crawler verified by its operator".into(),
            ),
            Some(CrawlerVerdict::Unverified) => fire(
                Rule::UnverifiedCrawler,
                None,
                "claimed crawler: no answer from its operator's check in time".into(),
            ),
            Some(CrawlerVerdict::Impersonator) => fire(
                Rule::CrawlerImpersonation,
                None,
                "claims a major crawler from an address its operator does not own".into(),
            ),
            None => {}
        }
        // One no browser would send counts as missing.
        match (ua.as_deref(), kind) {
            (Some(""), _) => fire(Rule::MissingUserAgent, None, "no user agent".into()),
            (_, Some(AgentKind::LinkPreview)) => {}
            (_, Some(AgentKind::Automation)) => fire(
                Rule::AutomationUserAgent,
                None,
                "user agent names a headless browser or automation framework".into(),
            ),
            (_, Some(AgentKind::Declared)) => fire(
                Rule::BotUserAgent,
                None,
                "user agent declares a crawler, monitor or HTTP library".into(),
            ),
            (Some(ua), None) if super::agent::implausible(ua) => fire(
                Rule::MissingUserAgent,
                None,
                "user agent no browser would send".into(),
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
        let category = category_of(&reasons, hard || score >= t.flag_threshold);
        Assessment {
            score,
            status,
            reasons,
            rules_version: Arc::clone(&self.version),
            thresholds: t,
            category,
            ignored_signals: s.ignored.clone(),
        }
    }
}

/// `datacenter`'s category for this user agent: `givt` when the client
/// declares it is not a person (a crawler, preview or library, no user
/// agent, or one no browser sends) or nothing is known of it; `sivt` when
/// it claims a person's browser or is automation.
fn datacenter_category(ua: Option<&str>, kind: Option<AgentKind>) -> Category {
    match (ua, kind) {
        (_, Some(AgentKind::Automation)) => Category::Sivt,
        (_, Some(_)) | (None, None) => Category::Givt,
        (Some(ua), None) if ua.is_empty() || super::agent::implausible(ua) => Category::Givt,
        (Some(_), None) => Category::Sivt,
    }
}

/// The click's category from its reasons; `evident` when its evidence
/// reached the flag threshold (or a hard rule fired). See [`Category`].
fn category_of(reasons: &[Reason], evident: bool) -> Category {
    let has = |c: Category| reasons.iter().any(|r| r.category == c);
    let declared = reasons.iter().any(|r| {
        matches!(
            Rule::from_code(r.code),
            Some(
                Rule::BotUserAgent
                    | Rule::LinkPreview
                    | Rule::MissingUserAgent
                    | Rule::UnverifiedCrawler
            )
        )
    });
    // A crawler its operator vouches for is not fraud, however fast.
    let verified = reasons
        .iter()
        .any(|r| r.code == Rule::VerifiedCrawler.code());
    // A person's browser from a hosting network is a contradiction, not
    // weak evidence: sivt at any score (the click is not refused for it).
    let posing = reasons
        .iter()
        .any(|r| r.code == Rule::Datacenter.code() && r.category == Category::Sivt);
    if verified {
        Category::Givt
    } else if posing || (evident && has(Category::Sivt)) {
        Category::Sivt
    } else if declared || (evident && has(Category::Givt)) {
        Category::Givt
    } else {
        Category::Clean
    }
}
