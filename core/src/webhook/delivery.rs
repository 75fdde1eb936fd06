//! The sending side's retry schedule and endpoint auto-disable, as pure state
//! machines: the caller stores the state and passes `now`.

use super::Event;

/// Gaps before each attempt, measured from the previous attempt's failure:
/// attempt 1 immediately, attempt 2 30 s after attempt 1 failed, then 2 min,
/// 5 min and 30 min. With instant failures the attempts fall at 0 s, 30 s,
/// 2 min 30 s, 7 min 30 s and 37 min 30 s after the event.
pub const RETRY_DELAYS: [u64; 5] = [0, 30, 120, 300, 1800];
/// Attempts per delivery.
pub const MAX_ATTEMPTS: u32 = RETRY_DELAYS.len() as u32;
/// Consecutive failed attempts after which an endpoint is disabled.
pub const DISABLE_AFTER_FAILURES: u32 = 20;
/// Events held for a disabled endpoint, at most: they are delivered, oldest
/// first and with their original `sent_at`, once it is re-enabled; past
/// this bound the oldest held event goes first.
pub const HELD_MAX_PER_ENDPOINT: usize = 1000;
/// How long an event is held for a disabled endpoint, seconds: three days.
/// Older held events are dropped, not delivered late.
pub const HELD_MAX_AGE: u64 = 3 * 86_400;
/// Deliveries waiting for one enabled endpoint, at most, before
/// droppable events (see [`Event::is_droppable`]) are no longer queued
/// for it. A receiver that keeps up never comes near it; one that a flood
/// of forged clicks or fresh clients outpaces keeps every manual block and
/// `site.paused` instead of an unbounded queue of `fraud.detected` and
/// auto-blocks.
pub const OUTBOX_MAX_PER_ENDPOINT: usize = 5000;
/// The wait after a 429 or 503 without a usable `Retry-After`, seconds.
pub const THROTTLE_DEFAULT_WAIT: u64 = 30;
/// The longest wait a `Retry-After` can ask for, seconds: one hour.
pub const THROTTLE_MAX_WAIT: u64 = 3600;
/// How long after it was queued a delivery may keep being deferred by
/// throttling answers, seconds: one day. After that a 429 or 503 is an
/// ordinary failed attempt.
pub const THROTTLE_MAX_DEFER: u64 = 24 * 3600;

/// Whether `event` is queued for an enabled endpoint that already has
/// `pending` deliveries waiting. Events that are not droppable are always
/// queued; the caller counts what this refuses.
pub fn outbox_admits(event: &Event, pending: usize) -> bool {
    !event.is_droppable() || pending < OUTBOX_MAX_PER_ENDPOINT
}

/// What one attempt produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptResult {
    /// The receiver answered with this HTTP status.
    Status(u16),
    /// Connection refused, reset, TLS failure, DNS failure…
    TransportError,
    /// No answer in time.
    Timeout,
}

impl AttemptResult {
    /// Only a 2xx confirms delivery; the body is not read.
    pub fn is_success(self) -> bool {
        matches!(self, Self::Status(200..=299))
    }

    /// A receiver asking to slow down (429 Too Many Requests, 503 Service
    /// Unavailable): not a failure of the endpoint. This departs from the
    /// spec's "non-2xx is a failure" on purpose: counting them let a flood
    /// of events disable an endpoint that was only rate-limiting.
    pub fn is_throttling(self) -> bool {
        matches!(self, Self::Status(429 | 503))
    }
}

/// The seconds a `Retry-After` value asks to wait at `now`: delta-seconds
/// (`120`) or an HTTP date (`Wed, 21 Oct 2015 07:28:00 GMT`, IMF-fixdate);
/// `None` for anything else. Not capped here (see [`THROTTLE_MAX_WAIT`]).
pub fn parse_retry_after(value: &str, now: u64) -> Option<u64> {
    let value = value.trim();
    if !value.is_empty() && value.len() <= 10 && value.bytes().all(|b| b.is_ascii_digit()) {
        return value.parse().ok();
    }
    let at = parse_imf_fixdate(value)?;
    Some(at.saturating_sub(now))
}

/// `Sun, 06 Nov 1994 08:49:37 GMT` as unix seconds.
fn parse_imf_fixdate(text: &str) -> Option<u64> {
    let parts: Vec<&str> = text.split(' ').collect();
    let [_, day, month, year, time, "GMT"] = parts.as_slice() else {
        return None;
    };
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month = MONTHS.iter().position(|m| m == month)? as u32 + 1;
    let (day, year): (u32, i64) = (day.parse().ok()?, year.parse().ok()?);
    if day.to_string().len() > 2 || !crate::civil::is_valid_date(year, month, day) {
        return None;
    }
    let hms: Vec<u64> = time
        .split(':')
        .map(|t| t.parse().ok().filter(|_| t.len() == 2))
        .collect::<Option<_>>()?;
    let [h, m, s] = hms.as_slice() else {
        return None;
    };
    if *h > 23 || *m > 59 || *s > 60 {
        return None;
    }
    let days = u64::try_from(crate::civil::days_from_civil(year, month, day)).ok()?;
    Some(days * 86_400 + h * 3600 + m * 60 + s)
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryStatus {
    /// Waiting for its next attempt.
    Pending,
    /// A 2xx was received.
    Delivered,
    /// Every attempt failed.
    Failed,
}

/// What to do after recording an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// Try again at this unix time, with a fresh timestamp and signature and
    /// the same delivery id.
    RetryAt(u64),
    /// Done: delivered.
    Delivered,
    /// Done: failed for good after [`MAX_ATTEMPTS`].
    GaveUp,
}

/// One delivery's retry state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeliveryState {
    /// Attempts made so far.
    pub attempts: u32,
    /// When the next attempt is due; `None` once finished.
    pub next_attempt_at: Option<u64>,
    /// Where it stands.
    pub status: DeliveryStatus,
}

impl DeliveryState {
    /// A new delivery, due at once.
    pub fn new(now: u64) -> Self {
        let now = crate::time::clamp_time(now);
        Self {
            attempts: 0,
            next_attempt_at: Some(now),
            status: DeliveryStatus::Pending,
        }
    }

    /// Records an answer at `now` for a delivery queued at `queued_at`: a
    /// throttling answer (429, 503) within [`THROTTLE_MAX_DEFER`] of
    /// `queued_at` uses no attempt and defers the next one by its
    /// `retry_after` (default [`THROTTLE_DEFAULT_WAIT`], at most
    /// [`THROTTLE_MAX_WAIT`]); anything else is [`record`](Self::record).
    pub fn record_answer(
        &mut self,
        result: AttemptResult,
        retry_after: Option<u64>,
        queued_at: u64,
        now: u64,
    ) -> Next {
        let now = crate::time::clamp_time(now);
        let deferrable = queued_at.saturating_add(THROTTLE_MAX_DEFER) > now;
        if self.status == DeliveryStatus::Pending && result.is_throttling() && deferrable {
            let wait = retry_after
                .unwrap_or(THROTTLE_DEFAULT_WAIT)
                .clamp(1, THROTTLE_MAX_WAIT);
            let at = now.saturating_add(wait);
            self.next_attempt_at = Some(at);
            return Next::RetryAt(at);
        }
        self.record(result, now)
    }

    /// Records an attempt that ended at `now`, and says what comes next.
    /// Recording on a finished delivery changes nothing and repeats its end.
    pub fn record(&mut self, result: AttemptResult, now: u64) -> Next {
        let now = crate::time::clamp_time(now);
        match self.status {
            DeliveryStatus::Delivered => return Next::Delivered,
            DeliveryStatus::Failed => return Next::GaveUp,
            DeliveryStatus::Pending => {}
        }
        self.attempts += 1;
        if result.is_success() {
            self.status = DeliveryStatus::Delivered;
            self.next_attempt_at = None;
            return Next::Delivered;
        }
        match RETRY_DELAYS.get(self.attempts as usize) {
            Some(gap) => {
                let at = now.saturating_add(*gap);
                self.next_attempt_at = Some(at);
                Next::RetryAt(at)
            }
            None => {
                self.status = DeliveryStatus::Failed;
                self.next_attempt_at = None;
                Next::GaveUp
            }
        }
    }
}

/// An endpoint's health: consecutive failed attempts, across deliveries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EndpointHealth {
    /// Failed attempts since the last 2xx or re-enable.
    pub consecutive_failures: u32,
    /// Whether the endpoint has been auto-disabled.
    pub disabled: bool,
}

impl EndpointHealth {
    /// Records an attempt's result. Returns `true` when this attempt disabled
    /// the endpoint (the 20th consecutive failure). A throttling answer
    /// (429, 503) neither counts nor resets the count.
    pub fn record(&mut self, result: AttemptResult) -> bool {
        if result.is_throttling() {
            return false;
        }
        if result.is_success() {
            self.consecutive_failures = 0;
            return false;
        }
        self.consecutive_failures = self.consecutive_failures.saturating_add(1);
        if !self.disabled && self.consecutive_failures >= DISABLE_AFTER_FAILURES {
            self.disabled = true;
            return true;
        }
        false
    }

    /// Re-enables the endpoint after its owner fixed the receiver.
    pub fn reenable(&mut self) {
        *self = Self::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One event of every type, `ip.blocked` and `ip.unblocked` from every
    /// source, each with whether a full outbox may drop it.
    fn every_event() -> Vec<(Event, bool)> {
        use super::super::events::*;
        let site = (7, "acme-coffee.com".to_owned());
        let mut all = vec![];
        for source in [BlockSource::Manual, BlockSource::Api, BlockSource::Auto] {
            let blocked = IpBlocked {
                site_id: site.0,
                site_domain: site.1.clone(),
                ip_address: "203.0.113.42".into(),
                reason: "r".into(),
                fraud_score: Some(90),
                source,
            };
            all.push((Event::IpBlocked(blocked), source == BlockSource::Auto));
            let unblocked = IpUnblocked {
                site_id: site.0,
                site_domain: site.1.clone(),
                ip_address: "203.0.113.42".into(),
                source,
            };
            all.push((Event::IpUnblocked(unblocked), false));
        }
        let fraud = FraudDetected {
            site_id: site.0,
            site_domain: site.1.clone(),
            click_id: 1,
            ip_address: "203.0.113.42".into(),
            fraud_score: 90,
            status: "blocked".into(),
            reasons: vec![],
        };
        all.push((Event::FraudDetected(fraud), true));
        let created = SiteCreated {
            site_id: site.0,
            name: "Acme".into(),
            domain: site.1.clone(),
        };
        all.push((Event::SiteCreated(created), false));
        let paused = SitePaused {
            site_id: site.0,
            site_domain: site.1.clone(),
            reason: "r".into(),
            paused_until: "2026-05-04T12:00:00+00:00".into(),
        };
        all.push((Event::SitePaused(paused), false));
        let resumed = SiteResumed {
            site_id: site.0,
            site_domain: site.1.clone(),
        };
        all.push((Event::SiteResumed(resumed), false));
        let plan = SubscriptionUpdated {
            account_id: 1,
            plan: "pro".into(),
            status: "active".into(),
            click_limit: 10,
        };
        all.push((Event::SubscriptionUpdated(plan), false));
        all
    }

    /// A full outbox refuses what an anonymous client raises at will (a
    /// fraud report, an auto-block) and keeps everything else.
    #[test]
    fn full_outbox_refuses_only_what_a_client_raises_at_will() {
        let full = OUTBOX_MAX_PER_ENDPOINT;
        let all = every_event();
        let kinds: std::collections::BTreeSet<_> = all.iter().map(|(e, _)| e.kind()).collect();
        assert_eq!(kinds.len(), super::super::EventType::ALL.len());
        for (event, droppable) in all {
            assert!(outbox_admits(&event, full - 1), "{event:?}");
            assert_eq!(outbox_admits(&event, full), !droppable, "{event:?}");
            assert_eq!(outbox_admits(&event, usize::MAX), !droppable, "{event:?}");
        }
    }

    #[test]
    fn schedule_is_gaps_between_attempts() {
        let mut d = DeliveryState::new(1000);
        assert_eq!(d.next_attempt_at, Some(1000));
        let mut now = 1000;
        let mut due = vec![];
        for _ in 0..4 {
            now += 2; // each attempt takes 2 s to fail
            match d.record(AttemptResult::Status(500), now) {
                Next::RetryAt(at) => {
                    due.push(at - now);
                    now = at;
                }
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(due, [30, 120, 300, 1800]);
        assert_eq!(d.record(AttemptResult::Timeout, now + 1), Next::GaveUp);
        assert_eq!((d.attempts, d.status), (5, DeliveryStatus::Failed));
        assert_eq!(
            d.record(AttemptResult::Status(200), now + 2),
            Next::GaveUp,
            "finished stays finished"
        );
    }

    #[test]
    fn any_2xx_delivers_and_nothing_else_does() {
        for (status, ok) in [
            (200, true),
            (204, true),
            (299, true),
            (199, false),
            (300, false),
            (302, false),
            (404, false),
            (500, false),
        ] {
            assert_eq!(AttemptResult::Status(status).is_success(), ok, "{status}");
        }
        assert!(!AttemptResult::TransportError.is_success());
        let mut d = DeliveryState::new(0);
        d.record(AttemptResult::TransportError, 0);
        assert_eq!(d.record(AttemptResult::Status(202), 30), Next::Delivered);
        assert_eq!(d.status, DeliveryStatus::Delivered);
    }

    #[test]
    fn throttling_defers_without_using_attempts_or_health() {
        let mut d = DeliveryState::new(1000);
        assert_eq!(
            d.record_answer(AttemptResult::Status(429), Some(5), 1000, 1001),
            Next::RetryAt(1006)
        );
        assert_eq!(
            d.record_answer(AttemptResult::Status(503), None, 1000, 1006),
            Next::RetryAt(1006 + THROTTLE_DEFAULT_WAIT)
        );
        assert_eq!(
            d.record_answer(AttemptResult::Status(429), Some(999_999), 1000, 1100),
            Next::RetryAt(1100 + THROTTLE_MAX_WAIT),
            "capped"
        );
        assert_eq!(d.attempts, 0);
        // A day after it was queued, a 429 is an ordinary failure.
        let late = 1000 + THROTTLE_MAX_DEFER;
        assert_eq!(
            d.record_answer(AttemptResult::Status(429), Some(5), 1000, late),
            Next::RetryAt(late + 30)
        );
        assert_eq!(d.attempts, 1);
        let mut h = EndpointHealth::default();
        for _ in 0..100 {
            assert!(!h.record(AttemptResult::Status(429)));
            assert!(!h.record(AttemptResult::Status(503)));
        }
        assert_eq!(h, EndpointHealth::default());
    }

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        assert_eq!(parse_retry_after("120", 0), Some(120));
        assert_eq!(parse_retry_after(" 0 ", 0), Some(0));
        // 784111777 is Sun, 06 Nov 1994 08:49:37 GMT (RFC 9110's example).
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", 784_111_777 - 60),
            Some(60)
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", 784_111_800),
            Some(0)
        );
        for bad in [
            "",
            "-1",
            "1.5",
            "soon",
            "Sun, 32 Nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 25:49:37 GMT",
            "99999999999",
        ] {
            assert_eq!(parse_retry_after(bad, 0), None, "{bad}");
        }
    }

    #[test]
    fn endpoint_disables_at_twenty_consecutive_failures() {
        let mut h = EndpointHealth::default();
        for _ in 0..19 {
            assert!(!h.record(AttemptResult::Status(500)));
        }
        assert!(!h.disabled);
        h.record(AttemptResult::Status(200));
        assert_eq!(h.consecutive_failures, 0, "a 2xx resets the count");
        for i in 1..=20 {
            assert_eq!(h.record(AttemptResult::TransportError), i == 20);
        }
        assert!(h.disabled);
        assert!(
            !h.record(AttemptResult::TransportError),
            "disabling is reported once"
        );
        h.reenable();
        assert_eq!(h, EndpointHealth::default());
    }
}
