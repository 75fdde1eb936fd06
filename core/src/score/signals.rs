//! What is known about a click, from every other job and the pixels.

use serde::{Deserialize, Deserializer, Serialize};

use super::error::{located, ScoreError};

/// The click-signature outcome, as `click::Outcome::code` spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignatureSignal {
    /// Signed by an active key, not expired.
    Valid,
    /// No signature.
    MissingSignature,
    /// Genuine but expired.
    Expired,
    /// Forged, tampered or malformed.
    InvalidSignature,
    /// No key was active.
    NoActiveSecrets,
    /// The app is excluded from validation.
    Excluded,
    /// Validation is disabled.
    NotValidated,
}

impl SignatureSignal {
    /// The scorer's signal for a click-signing outcome; `None` when nothing
    /// was validated (mode `disabled`), so the signature neither adds nor
    /// removes points.
    pub fn from_outcome(outcome: &crate::click::Outcome) -> Option<Self> {
        use crate::click::Outcome;
        Some(match outcome {
            Outcome::Valid { .. } => Self::Valid,
            Outcome::MissingSignature => Self::MissingSignature,
            Outcome::Expired { .. } => Self::Expired,
            Outcome::InvalidSignature => Self::InvalidSignature,
            Outcome::NoActiveSecrets => Self::NoActiveSecrets,
            Outcome::Excluded => Self::Excluded,
            Outcome::NotValidated => return None,
        })
    }
}

/// A `bot_detection` pixel signal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BotSignal {
    /// e.g. `selenium`, `headless`, `webdriver`.
    pub signal_type: String,
    /// 0–100.
    #[serde(deserialize_with = "percent")]
    pub confidence: u8,
}

/// A `spy_detection` pixel signal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpyTool {
    /// e.g. `ppspy`.
    pub tool_name: String,
    /// e.g. `global_object`.
    #[serde(default)]
    pub detection_method: Option<String>,
}

/// Everything known about one click. Every field is optional: absent means
/// unknown and fires no rule. For `user_agent` and `referrer`, an explicit
/// `null` or empty string means "known to be missing" (it can fire
/// `missing_user_agent` / `no_referrer`), unlike an absent field.
///
/// ```
/// use clickfence::score::ClickSignals;
/// let s = ClickSignals::from_json(r#"{"user_agent": "curl/8.0", "referrer": null,
///     "bot_signals": [{"signal_type": "selenium", "confidence": 95}]}"#)?;
/// assert_eq!(s.bot_signals[0].confidence, 95);
/// assert_eq!(s.referrer, Some(None));
/// # Ok::<(), clickfence::score::ScoreError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ClickSignals {
    /// The IP is an anonymous VPN exit.
    pub ip_vpn: bool,
    /// The IP is in a hosting / datacenter range.
    pub ip_datacenter: bool,
    /// The IP is a Tor exit.
    pub ip_tor: bool,
    /// The IP is a public proxy.
    pub ip_proxy: bool,
    /// The IP is on the site's block list (a hard rule).
    pub blocked_ip: bool,
    /// The visitor's country is blocked (a hard rule).
    pub blocked_country: bool,
    /// The click-signature outcome.
    pub signature: Option<SignatureSignal>,
    /// The `User-Agent`: absent = unknown; `null`/empty = missing.
    #[serde(deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<Option<String>>,
    /// The `Referer`: absent = unknown; `null`/empty = missing.
    #[serde(deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub referrer: Option<Option<String>>,
    /// Bot-detection signals from the pixel.
    pub bot_signals: Vec<BotSignal>,
    /// Spy tools detected.
    pub spy_tools: Vec<SpyTool>,
    /// A honeypot field was filled.
    pub honeypot: bool,
    /// A hidden trap link was followed.
    pub trap_link: bool,
    /// Clicks from this IP in the last minute, this one included.
    pub clicks_last_minute: Option<u64>,
    /// Clicks from this IP in the last hour, this one included.
    pub clicks_last_hour: Option<u64>,
    /// Times this click id was seen before.
    pub click_id_repeats: Option<u64>,
    /// Milliseconds from page load to the click.
    pub time_to_click_ms: Option<u64>,
}

impl ClickSignals {
    /// Parses signals; errors name the field (`bot_signals[0].confidence`).
    pub fn from_json(text: &str) -> Result<Self, ScoreError> {
        let de = &mut serde_json::Deserializer::from_str(text);
        serde_path_to_error::deserialize(de).map_err(|e| {
            let (path, message) = located(e);
            ScoreError::InvalidSignals { path, message }
        })
    }

    /// Converts an already-parsed JSON value.
    pub fn from_value(value: serde_json::Value) -> Result<Self, ScoreError> {
        serde_path_to_error::deserialize(value).map_err(|e| {
            let (path, message) = located(e);
            ScoreError::InvalidSignals { path, message }
        })
    }
}

/// Distinguishes an explicit `null` (`Some(None)`) from an absent field (`None`).
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

fn percent<'de, D: Deserializer<'de>>(d: D) -> Result<u8, D::Error> {
    let v = u64::deserialize(d)?;
    u8::try_from(v)
        .ok()
        .filter(|p| *p <= 100)
        .ok_or_else(|| serde::de::Error::custom(format!("confidence must be 0 to 100, got {v}")))
}
