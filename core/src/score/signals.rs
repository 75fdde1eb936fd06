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
    /// A genuine signature already used by an earlier click.
    Replayed,
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
            Outcome::Replayed { .. } => Self::Replayed,
            // A double click or a preview carries a genuine signature; a
            // full ticket store is no evidence against the click either.
            Outcome::Duplicate { .. }
            | Outcome::Preview { .. }
            | Outcome::TicketStoreFull { .. } => Self::Valid,
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
    /// The request is a link preview or a prefetch
    /// ([`Fetch::is_preview`](crate::click::Fetch::is_preview)): fires
    /// `link_preview`, as a preview fetcher's own user agent does.
    pub link_preview: bool,
    /// What checking a claimed major crawler concluded
    /// ([`CrawlerCheck`](super::CrawlerCheck)): `verified_bot`,
    /// `impersonator` or `unverified`.
    pub crawler: Option<super::CrawlerVerdict>,
    /// A honeypot field was filled.
    pub honeypot: bool,
    /// A hidden trap link was followed.
    pub trap_link: bool,
    /// Clicks from this IP in the last minute, this one included.
    #[serde(deserialize_with = "count")]
    pub clicks_last_minute: Option<u64>,
    /// Clicks from this IP in the last hour, this one included.
    #[serde(deserialize_with = "count")]
    pub clicks_last_hour: Option<u64>,
    /// Clicks from this IP's network (IPv4 /24, IPv6 /48) in the last hour,
    /// this one included.
    #[serde(deserialize_with = "count")]
    pub network_clicks_last_hour: Option<u64>,
    /// Times this click id was seen before.
    #[serde(deserialize_with = "count")]
    pub click_id_repeats: Option<u64>,
    /// Of those, times it came from another network (IPv4 /24, IPv6 /48)
    /// in the last hour: a click id is one click, so another network's
    /// use of it is a replay, whether or not clicks are signed.
    #[serde(deserialize_with = "count")]
    pub click_id_other_networks: Option<u64>,
    /// Milliseconds from page load to the click.
    #[serde(deserialize_with = "count")]
    pub time_to_click_ms: Option<u64>,
    /// Fields that were invalid and left out, each as `path: why`, filled
    /// by [`from_json`](Self::from_json) / [`from_value`](Self::from_value).
    #[serde(skip)]
    pub ignored: Vec<String>,
}

impl ClickSignals {
    /// Parses signals; errors name the field (`bot_signals[0].confidence`).
    ///
    /// What honest clients send is accepted: fractional numbers (a browser's
    /// `performance.now()`) are floored. A field that is still invalid
    /// (negative, out of range, wrong type, unknown) is left out and listed
    /// in [`ignored`](Self::ignored) instead of discarding every other
    /// signal; an invalid bot signal or spy tool drops that entry. Not JSON,
    /// not an object, trailing data or a repeated key is an error.
    pub fn from_json(text: &str) -> Result<Self, ScoreError> {
        let value: serde_json::Value =
            crate::json::strict(text).map_err(|e| ScoreError::InvalidSignals {
                path: e.path,
                message: e.message,
            })?;
        Self::from_value(value)
    }

    /// Converts an already-parsed JSON value, as [`from_json`](Self::from_json).
    pub fn from_value(mut value: serde_json::Value) -> Result<Self, ScoreError> {
        if !value.is_object() {
            return Err(ScoreError::InvalidSignals {
                path: "(root)".into(),
                message: "signals must be a JSON object".into(),
            });
        }
        let mut ignored = Vec::new();
        // Each pass drops the field the error names; a JSON object of n
        // fields and entries needs at most n passes.
        loop {
            match serde_path_to_error::deserialize::<_, ClickSignals>(&value) {
                Ok(mut signals) => {
                    signals.ignored = ignored;
                    return Ok(signals);
                }
                Err(e) => {
                    let (path, message) = located(e);
                    if !remove_at(&mut value, &path) {
                        return Err(ScoreError::InvalidSignals { path, message });
                    }
                    ignored.push(format!("{path}: {message}"));
                }
            }
        }
    }
}

/// Removes the entry `path` (`a`, `a[2]`, `a[2].b`: the first two levels,
/// which is as deep as signals go) names; false when nothing could be.
fn remove_at(value: &mut serde_json::Value, path: &str) -> bool {
    let head = path.split_once('.').map_or(path, |(head, _)| head);
    let (key, index) = match head.split_once('[') {
        Some((k, i)) => (k, i.trim_end_matches(']').parse::<usize>().ok()),
        None => (head, None),
    };
    let Some(obj) = value.as_object_mut() else {
        return false;
    };
    match index {
        // An invalid entry of a list goes whole, whatever inside it is wrong.
        Some(i) => match obj.get_mut(key).and_then(|v| v.as_array_mut()) {
            Some(list) if i < list.len() => {
                list.remove(i);
                true
            }
            _ => false,
        },
        None => obj.remove(key).is_some(),
    }
}

/// Distinguishes an explicit `null` (`Some(None)`) from an absent field (`None`).
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

/// A whole number from any JSON number, fractions floored.
fn whole<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    let v = f64::deserialize(d)?;
    if v.is_finite() && v >= 0.0 {
        Ok(v.floor() as u64)
    } else {
        Err(serde::de::Error::custom(format!(
            "must be a number from 0, got {v}"
        )))
    }
}

fn count<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    Option::<serde_json::Number>::deserialize(d)?
        .map(|n| whole(serde_json::Value::Number(n)).map_err(serde::de::Error::custom))
        .transpose()
}

fn percent<'de, D: Deserializer<'de>>(d: D) -> Result<u8, D::Error> {
    let v = whole(d)?;
    u8::try_from(v)
        .ok()
        .filter(|p| *p <= 100)
        .ok_or_else(|| serde::de::Error::custom(format!("confidence must be 0 to 100, got {v}")))
}
