//! The rule catalog and rule sets: which evidence adds how many points.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::error::ScoreError;
use super::Category;

/// Clicks per minute from one IP above which `click_velocity_minute` fires.
pub const VELOCITY_MINUTE_LIMIT: u64 = 5;
/// Clicks per hour from one IP above which `click_velocity_hour` fires.
pub const VELOCITY_HOUR_LIMIT: u64 = 30;
/// Clicks per hour from one network (IPv4 /24, IPv6 /48) above which
/// `click_velocity_network` fires: the aggregate level above the client's
/// own, so rotating addresses inside an allocation buys no fresh counts,
/// while a carrier's many real devices (one /64 each, or one address each
/// behind carrier NAT) stay under it.
pub const NETWORK_VELOCITY_HOUR_LIMIT: u64 = 60;
/// A click faster than this after page load fires `instant_click`.
pub const INSTANT_CLICK_MS: u64 = 500;

macro_rules! rules {
    ($( $variant:ident = $code:literal, $points:literal, $hard:literal, $cat:ident, $doc:literal; )*) => {
        /// A scoring rule. Its `code` is the reason code in assessments.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Rule {
            $( #[doc = $doc] $variant, )*
        }

        impl Rule {
            /// Every rule, in catalog order.
            pub const ALL: &'static [Rule] = &[$( Rule::$variant, )*];

            /// The stable `snake_case` reason code.
            pub fn code(self) -> &'static str {
                match self { $( Rule::$variant => $code, )* }
            }

            /// Points in the default rule set.
            pub fn default_points(self) -> u8 {
                match self { $( Rule::$variant => $points, )* }
            }

            /// Hard rules force `blocked` whatever the score.
            pub fn is_hard(self) -> bool {
                match self { $( Rule::$variant => $hard, )* }
            }

            /// The rule's category of invalid traffic ([`Category`]). The
            /// `datacenter` rule's depends on the user agent: see
            /// [`Scorer`](super::Scorer).
            pub fn category(self) -> Category {
                match self { $( Rule::$variant => Category::$cat, )* }
            }

            /// What the rule looks for.
            pub fn description(self) -> &'static str {
                match self { $( Rule::$variant => $doc, )* }
            }

            /// The rule with this code.
            pub fn from_code(code: &str) -> Option<Rule> {
                match code { $( $code => Some(Rule::$variant), )* _ => None }
            }
        }
    };
}

rules! {
    BlockedIp = "blocked_ip", 100, true, Sivt, "The IP is on the site's block list (hard: always blocked).";
    BlockedCountry = "blocked_country", 100, true, Givt, "The visitor's country is blocked (hard: always blocked).";
    TorExit = "tor_exit", 45, false, Sivt, "The IP is a Tor exit node.";
    Vpn = "vpn", 25, false, Sivt, "The IP is an anonymous VPN exit.";
    Datacenter = "datacenter", 35, false, Givt, "The IP belongs to a hosting / datacenter range.";
    Proxy = "proxy", 20, false, Sivt, "The IP is a public proxy.";
    InvalidSignature = "invalid_signature", 45, false, Sivt, "The click signature is forged, tampered or malformed.";
    MissingSignature = "missing_signature", 15, false, Givt, "The click carries no signature.";
    ExpiredSignature = "expired_signature", 20, false, Givt, "The click signature is genuine but expired.";
    ReplayedSignature = "replayed_signature", 60, false, Sivt, "The click's genuine signature was already used by an earlier click (a replayed ticket).";
    LinkPreview = "link_preview", 0, false, Givt, "The request is a chat or social app's link preview or a browser's prefetch: not a person's click.";
    VerifiedCrawler = "verified_crawler", 0, false, Givt, "A major crawler verified by its operator's published ranges or forward-confirmed reverse DNS: a real crawler, never fraud.";
    UnverifiedCrawler = "unverified_crawler", 0, false, Givt, "The user agent claims a major crawler; its operator's check gave no answer in time (neither believed nor refused).";
    CrawlerImpersonation = "crawler_impersonation", 70, false, Sivt, "The user agent claims a major crawler (Googlebot, Bingbot, Applebot, ...) from an address its operator does not own.";
    BotUserAgent = "bot_user_agent", 60, false, Givt, "The User-Agent declares a crawler, monitor or HTTP library (isbot's list, the crawler-user-agents list, library tokens).";
    AutomationUserAgent = "automation_user_agent", 60, false, Sivt, "The User-Agent names a headless browser or automation framework (HeadlessChrome, Playwright, Selenium, PhantomJS, ...).";
    MissingUserAgent = "missing_user_agent", 25, false, Givt, "The User-Agent is missing or empty.";
    OversizedHeader = "oversized_header", 40, false, Sivt, "The User-Agent or Referer is longer than any browser sends (over 512 or 4,096 bytes).";
    AutomationDetected = "automation_detected", 60, false, Sivt, "The pixel saw automation (points scaled by the strongest signal's confidence).";
    SpyTool = "spy_tool", 15, false, Givt, "A store-spy tool was detected.";
    Honeypot = "honeypot", 70, false, Sivt, "A honeypot field was filled.";
    TrapLink = "trap_link", 70, false, Sivt, "A hidden trap link was followed.";
    ClickVelocityMinute = "click_velocity_minute", 25, false, Sivt, "More than 5 clicks from the IP in the last minute.";
    ClickVelocityHour = "click_velocity_hour", 20, false, Sivt, "More than 30 clicks from the IP in the last hour.";
    ClickVelocityNetwork = "click_velocity_network", 40, false, Sivt, "More than 60 clicks from the IP's network (IPv4 /24, IPv6 /48) in the last hour.";
    RepeatedClickId = "repeated_click_id", 30, false, Sivt, "The click id was seen before.";
    ClickIdOtherNetwork = "click_id_other_network", 40, false, Sivt, "The click id was used from another network in the last hour (a replayed click).";
    InstantClick = "instant_click", 20, false, Sivt, "The click came less than 500 ms after page load.";
    NoReferrer = "no_referrer", 5, false, Givt, "The Referer is missing or empty.";
}

/// The version string of the default rule set.
pub const DEFAULT_RULES_VERSION: &str = "clickfence-default-2";

/// A validated rule set: a version string and points per enabled rule.
///
/// JSON: `{"version": "my-rules-3", "rules": {"vpn": 30, "tor_exit": 50}}`.
/// Only listed rules are on; points are integers 0–100; unknown rule codes
/// and unknown fields are errors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScoringRules {
    version: String,
    points: BTreeMap<Rule, u8>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    version: String,
    rules: BTreeMap<String, i64>,
}

impl Default for ScoringRules {
    /// Every rule at its default points, version [`DEFAULT_RULES_VERSION`].
    fn default() -> Self {
        Self {
            version: DEFAULT_RULES_VERSION.to_owned(),
            points: Rule::ALL.iter().map(|r| (*r, r.default_points())).collect(),
        }
    }
}

impl ScoringRules {
    /// Parses and validates a rules file.
    pub fn from_json(text: &str) -> Result<Self, ScoreError> {
        let file: RulesFile = crate::json::strict(text).map_err(|e| ScoreError::InvalidRules {
            path: e.path,
            message: e.message,
        })?;
        Self::from_parts(file.version, file.rules)
    }

    /// Builds a rule set from a version and `(code, points)` pairs.
    pub fn from_parts(
        version: impl Into<String>,
        rules: impl IntoIterator<Item = (String, i64)>,
    ) -> Result<Self, ScoreError> {
        let version = version.into();
        if version.trim().is_empty() || version.len() > 64 {
            return Err(ScoreError::InvalidRules {
                path: "version".into(),
                message: "must be 1 to 64 characters".into(),
            });
        }
        let mut points = BTreeMap::new();
        for (code, p) in rules {
            let path = format!("rules.{code}");
            let rule = Rule::from_code(&code).ok_or_else(|| ScoreError::InvalidRules {
                path: path.clone(),
                message: format!("unknown rule '{code}'"),
            })?;
            let p = u8::try_from(p).ok().filter(|p| *p <= 100).ok_or_else(|| {
                ScoreError::InvalidRules {
                    path,
                    message: format!("points must be 0 to 100, got {p}"),
                }
            })?;
            points.insert(rule, p);
        }
        Ok(Self { version, points })
    }

    /// The version string.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// Points of `rule`, or `None` when it is off.
    pub fn points(&self, rule: Rule) -> Option<u8> {
        self.points.get(&rule).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_defaults_are_complete() {
        for r in Rule::ALL {
            assert_eq!(Rule::from_code(r.code()), Some(*r));
            assert_eq!(ScoringRules::default().points(*r), Some(r.default_points()));
        }
    }

    #[test]
    fn rule_files_are_validated() {
        let ok =
            ScoringRules::from_json(r#"{"version": "v2", "rules": {"vpn": 30, "tor_exit": 0}}"#)
                .unwrap();
        assert_eq!(
            (
                ok.points(Rule::Vpn),
                ok.points(Rule::TorExit),
                ok.points(Rule::Proxy)
            ),
            (Some(30), Some(0), None)
        );
        for (json, path) in [
            (r#"{"version": "v", "rules": {"vpnn": 3}}"#, "rules.vpnn"),
            (r#"{"version": "v", "rules": {"vpn": -1}}"#, "rules.vpn"),
            (r#"{"version": "v", "rules": {"vpn": 101}}"#, "rules.vpn"),
            (r#"{"version": "v", "rules": {"vpn": 1.5}}"#, "rules.vpn"),
            (r#"{"version": "", "rules": {}}"#, "version"),
            (r#"{"rules": {}}"#, "version"),
            (r#"{"version": "v", "rules": {}, "extra": 1}"#, "extra"),
        ] {
            let err = ScoringRules::from_json(json).unwrap_err();
            assert_eq!(err.code(), "invalid_rules");
            assert!(err.to_string().contains(path), "{json}: {err}");
        }
    }
}
