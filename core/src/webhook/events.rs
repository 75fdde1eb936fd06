//! The event catalog and the delivery envelope `{"event", "data", "sent_at"}`.

use std::str::FromStr;

use serde::Serialize;

use super::WebhookError;

/// The seven event names of the platform spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EventType {
    /// `ip.blocked`: an IP was added to a site's block list.
    IpBlocked,
    /// `ip.unblocked`: an IP was removed from a site's block list.
    IpUnblocked,
    /// `fraud.detected`: a click was classified as fraudulent.
    FraudDetected,
    /// `site.created`: a new site was added to the account.
    SiteCreated,
    /// `site.paused`: auto-pause paused ad spend for a site.
    SitePaused,
    /// `site.resumed`: auto-pause expired and ads resumed.
    SiteResumed,
    /// `subscription.updated`: plan, status or click limit changed.
    SubscriptionUpdated,
}

impl EventType {
    /// Every event, in the spec's order.
    pub const ALL: [EventType; 7] = [
        Self::IpBlocked,
        Self::IpUnblocked,
        Self::FraudDetected,
        Self::SiteCreated,
        Self::SitePaused,
        Self::SiteResumed,
        Self::SubscriptionUpdated,
    ];

    /// The wire name, e.g. `ip.blocked`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::IpBlocked => "ip.blocked",
            Self::IpUnblocked => "ip.unblocked",
            Self::FraudDetected => "fraud.detected",
            Self::SiteCreated => "site.created",
            Self::SitePaused => "site.paused",
            Self::SiteResumed => "site.resumed",
            Self::SubscriptionUpdated => "subscription.updated",
        }
    }
}

impl FromStr for EventType {
    type Err = WebhookError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|e| e.as_str() == s)
            .ok_or_else(|| WebhookError::UnknownEvent(s.to_owned()))
    }
}

impl std::fmt::Display for EventType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How an IP came to be blocked or unblocked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BlockSource {
    /// By a person in the dashboard or the admin CLI.
    Manual,
    /// Through the REST API.
    Api,
    /// By the auto-block rule.
    Auto,
}

/// `ip.blocked` data, with the fields of the spec's example in its order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IpBlocked {
    /// Site id.
    pub site_id: u64,
    /// Site domain.
    pub site_domain: String,
    /// The blocked address.
    pub ip_address: String,
    /// Free-text reason.
    pub reason: String,
    /// The fraud score that caused an auto-block; `null` for manual blocks.
    pub fraud_score: Option<u8>,
    /// Who blocked it.
    pub source: BlockSource,
}

/// `ip.unblocked` data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IpUnblocked {
    /// Site id.
    pub site_id: u64,
    /// Site domain.
    pub site_domain: String,
    /// The unblocked address.
    pub ip_address: String,
    /// Who unblocked it.
    pub source: BlockSource,
}

/// `fraud.detected` data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FraudDetected {
    /// Site id.
    pub site_id: u64,
    /// Site domain.
    pub site_domain: String,
    /// The click's id.
    pub click_id: u64,
    /// The click's address.
    pub ip_address: String,
    /// Score 0–100.
    pub fraud_score: u8,
    /// `flagged` or `blocked`.
    pub status: String,
    /// Reason codes of the assessment.
    pub reasons: Vec<String>,
}

/// `site.created` data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SiteCreated {
    /// Site id.
    pub site_id: u64,
    /// Site name.
    pub name: String,
    /// Site domain.
    pub domain: String,
}

/// `site.paused` data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SitePaused {
    /// Site id.
    pub site_id: u64,
    /// Site domain.
    pub site_domain: String,
    /// Why it was paused.
    pub reason: String,
    /// When it resumes (RFC 3339).
    pub paused_until: String,
}

/// `site.resumed` data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SiteResumed {
    /// Site id.
    pub site_id: u64,
    /// Site domain.
    pub site_domain: String,
}

/// `subscription.updated` data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SubscriptionUpdated {
    /// Account id.
    pub account_id: u64,
    /// `starter`, `pro` or `business`.
    pub plan: String,
    /// e.g. `active`, `canceled`.
    pub status: String,
    /// Monthly click limit.
    pub click_limit: u64,
}

/// One event with its data, serializing as `{"event": name, "data": {...}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "event", content = "data")]
pub enum Event {
    /// `ip.blocked`
    #[serde(rename = "ip.blocked")]
    IpBlocked(IpBlocked),
    /// `ip.unblocked`
    #[serde(rename = "ip.unblocked")]
    IpUnblocked(IpUnblocked),
    /// `fraud.detected`
    #[serde(rename = "fraud.detected")]
    FraudDetected(FraudDetected),
    /// `site.created`
    #[serde(rename = "site.created")]
    SiteCreated(SiteCreated),
    /// `site.paused`
    #[serde(rename = "site.paused")]
    SitePaused(SitePaused),
    /// `site.resumed`
    #[serde(rename = "site.resumed")]
    SiteResumed(SiteResumed),
    /// `subscription.updated`
    #[serde(rename = "subscription.updated")]
    SubscriptionUpdated(SubscriptionUpdated),
}

#[derive(Serialize)]
struct Envelope<'a> {
    #[serde(flatten)]
    event: &'a Event,
    sent_at: String,
}

impl Event {
    /// The event's type.
    pub fn kind(&self) -> EventType {
        match self {
            Self::IpBlocked(_) => EventType::IpBlocked,
            Self::IpUnblocked(_) => EventType::IpUnblocked,
            Self::FraudDetected(_) => EventType::FraudDetected,
            Self::SiteCreated(_) => EventType::SiteCreated,
            Self::SitePaused(_) => EventType::SitePaused,
            Self::SiteResumed(_) => EventType::SiteResumed,
            Self::SubscriptionUpdated(_) => EventType::SubscriptionUpdated,
        }
    }

    /// The wire name, e.g. `ip.blocked`.
    pub fn name(&self) -> &'static str {
        self.kind().as_str()
    }

    /// Whether a full outbox may drop this event: the events an anonymous
    /// client raises as often as it likes. A `fraud.detected` is raised per
    /// fraudulent click, and an auto-block's `ip.blocked` per fresh client,
    /// so a residential pool's flood raises one per address it owns (the
    /// network shares bound the blocks in force, not the events); both are
    /// also in the records the API lists (clicks, blocked IPs). What a
    /// person or the account caused (a manual or API block, an unblock, a
    /// new site, a subscription change) and the pause rule's state changes
    /// (at most one per pause) are never dropped.
    pub fn is_droppable(&self) -> bool {
        match self {
            Self::FraudDetected(_) => true,
            Self::IpBlocked(blocked) => blocked.source == BlockSource::Auto,
            _ => false,
        }
    }

    /// The envelope `{"event", "data", "sent_at"}` as compact JSON bytes,
    /// `sent_at` being `now` in RFC 3339 with `+00:00`, as the spec writes it.
    pub fn envelope_json(&self, now: u64) -> Vec<u8> {
        let envelope = Envelope {
            event: self,
            sent_at: rfc3339(now),
        };
        // Serializing plain structs of strings and numbers to a Vec cannot fail.
        serde_json::to_vec(&envelope).unwrap_or_default()
    }
}

/// `now` as `yyyy-mm-ddThh:mm:ss+00:00`.
pub fn rfc3339(now: u64) -> String {
    let t = crate::civil::Civil::from_unix(now.min(crate::MAX_UNIX_TIME) as i64);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}+00:00",
        t.year, t.month, t.day, t.hour, t.minute, t.second
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ip_blocked_matches_the_spec_example() {
        let event = Event::IpBlocked(IpBlocked {
            site_id: 17,
            site_domain: "acme-coffee.com".into(),
            ip_address: "203.0.113.42".into(),
            reason: "Auto-blocked due to high fraud score".into(),
            fraud_score: Some(88),
            source: BlockSource::Auto,
        });
        let body = event.envelope_json(1_777_896_000);
        let parsed: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            parsed,
            serde_json::json!({
                "event": "ip.blocked",
                "data": {
                    "site_id": 17,
                    "site_domain": "acme-coffee.com",
                    "ip_address": "203.0.113.42",
                    "reason": "Auto-blocked due to high fraud score",
                    "fraud_score": 88,
                    "source": "auto"
                },
                "sent_at": "2026-05-04T12:00:00+00:00"
            })
        );
        // Key order as in the spec.
        let text = String::from_utf8(body).unwrap();
        assert!(text.starts_with(r#"{"event":"ip.blocked","data":{"site_id":17,"site_domain""#));
        assert!(text.ends_with(r#""sent_at":"2026-05-04T12:00:00+00:00"}"#));
    }

    #[test]
    fn every_event_name_round_trips() {
        for e in EventType::ALL {
            assert_eq!(e.as_str().parse::<EventType>().unwrap(), e);
        }
        assert_eq!(
            "ip.Blocked".parse::<EventType>().unwrap_err().code(),
            "unknown_event"
        );
    }
}
