//! The sending side's retry schedule and endpoint auto-disable, as pure state
//! machines: the caller stores the state and passes `now`.

/// Gaps before each attempt, measured from the previous attempt's failure:
/// attempt 1 immediately, attempt 2 30 s after attempt 1 failed, then 2 min,
/// 5 min and 30 min. With instant failures the attempts fall at 0 s, 30 s,
/// 2 min 30 s, 7 min 30 s and 37 min 30 s after the event.
pub const RETRY_DELAYS: [u64; 5] = [0, 30, 120, 300, 1800];
/// Attempts per delivery.
pub const MAX_ATTEMPTS: u32 = RETRY_DELAYS.len() as u32;
/// Consecutive failed attempts after which an endpoint is disabled.
pub const DISABLE_AFTER_FAILURES: u32 = 20;

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
    /// the endpoint (the 20th consecutive failure).
    pub fn record(&mut self, result: AttemptResult) -> bool {
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
