//! The circuit breaker: switches `enabled` to `report-only` when the ad
//! network's signer has broken, and never because of a flood.
//!
//! The spec's rule ("more than 90% of clicks in an hour fail") cannot tell a
//! broken signer from an attacker sending forged or unsigned clicks, which is
//! exactly the attack click signing exists to stop; taken alone it hands the
//! attacker the off switch. The rule, over the last 60 minutes at one-minute
//! resolution; the breaker trips at a failed click when **all** hold:
//!
//! 1. **The spec's rule**: at least [`BREAKER_MIN_CLICKS`] validated clicks,
//!    of which more than 90% failed.
//! 2. **Many sources**: the failures came from at least
//!    [`BREAKER_MIN_SOURCES`] distinct sources ([`Source`]: the autonomous
//!    system where the caller knows it, else IPv4 /24, IPv6 /32, a
//!    provider's allocation, so rotating inside one buys nothing). One
//!    client, or a handful, can never trip it. Failures whose source is not
//!    known all count as one network, so a caller that passes no source
//!    cannot be tripped at all (fail safe: validation stays on).
//! 3. **Genuine traffic stopped**: not one valid click in the last
//!    [`BREAKER_QUIET_MINUTES`] minutes. Forged clicks cannot remove the
//!    network's genuine clicks, so while any keep arriving, no flood from
//!    however many networks trips it, with history or on a fresh system; a
//!    signer that really broke loses every valid click and trips about 50
//!    minutes after the break.
//! 4. **No recent re-enable**: at least [`BREAKER_REENABLE_HOLD`] seconds
//!    since an operator last set the mode to `enabled` (checked by the
//!    verifier, which holds that time).
//!
//! Only valid clicks and failed validations (missing, invalid or expired
//! signature, no active key) count. Replays, duplicates, previews and clicks
//! the ticket store could not take are neither, so harvested tickets can
//! neither feed the valid count nor the failures.
//!
//! Open by construction (the guide's threat model): a flood timed into a
//! natural gap of 50 minutes without a single valid click (quiet hours, a
//! small network) looks exactly like a broken signer; a signer that breaks
//! only partly, or whose failures come from fewer than 20 networks, never
//! trips it.

use std::collections::HashMap;

use crate::hour::UtcHour;
use crate::ip::Source;

/// Fewer validated clicks than this in the window never trip the breaker.
pub const BREAKER_MIN_CLICKS: u64 = 100;
/// Distinct failing sources (IPv4 /24, IPv6 /32) needed to trip it.
pub const BREAKER_MIN_SOURCES: usize = 20;
/// Minutes without any valid click before the breaker may trip.
pub const BREAKER_QUIET_MINUTES: u64 = 50;
/// Seconds after a manual re-enable during which the breaker does not trip.
pub const BREAKER_REENABLE_HOLD: u64 = 3600;

/// Minutes in the window (the ring's length).
const WINDOW_MINUTES: u64 = 60;
const RING: usize = WINDOW_MINUTES as usize;
/// Failing networks remembered; the least recently seen goes first. Only
/// whether there are at least [`BREAKER_MIN_SOURCES`] matters, so this is
/// ample, and it bounds what a flood of addresses can make us hold.
const MAX_SOURCES: usize = 1024;
/// The key that failures with no known source share.
const UNKNOWN_SOURCE: u128 = u128::MAX;

/// When the circuit breaker reverted the mode to report-only, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BreakerTrip {
    /// Unix seconds of the click that tripped it.
    pub at: u64,
    /// The UTC hour of `at`.
    #[serde(
        serialize_with = "crate::click::report::serialize_hour",
        deserialize_with = "crate::click::report::deserialize_hour"
    )]
    pub hour: UtcHour,
    /// Failed clicks in the 60 minutes before the trip.
    pub failed: u64,
    /// All validated clicks in the 60 minutes before the trip.
    pub total: u64,
    /// Distinct failing networks in those 60 minutes.
    #[serde(default)]
    pub sources: u64,
}

#[derive(Debug, Clone, Copy, Default)]
struct MinuteCounts {
    minute: u64,
    valid: u64,
    failed: u64,
}

/// Rolling counts and failing sources; the verifier holds one under its lock.
#[derive(Debug)]
pub(crate) struct Breaker {
    ring: [MinuteCounts; RING],
    /// Failing network → the minute it last failed.
    sources: HashMap<u128, u64>,
    /// Sums over the minutes before the current one, computed once per
    /// minute, so a flood of failures costs O(1) per click, not a ring scan.
    past: Option<PastSums>,
}

/// Sums of the ring for one evaluation minute, that minute excluded.
#[derive(Debug, Clone, Copy)]
struct PastSums {
    minute: u64,
    window_valid: u64,
    window_failed: u64,
    recent_valid: u64,
}

impl Default for Breaker {
    fn default() -> Self {
        Self {
            ring: [MinuteCounts::default(); RING],
            sources: HashMap::new(),
            past: None,
        }
    }
}

impl Breaker {
    /// Counts one validated click; returns a trip when this failure trips it.
    pub(crate) fn count(&mut self, valid: bool, source: Source, now: u64) -> Option<BreakerTrip> {
        let minute = now / 60;
        let slot = self.slot(minute);
        if valid {
            slot.valid = slot.valid.saturating_add(1);
            return None;
        }
        slot.failed = slot.failed.saturating_add(1);
        self.note_source(source, minute);
        self.evaluate(now)
    }

    /// Forgets failures (counts and sources), keeping valid history.
    pub(crate) fn forget_failures(&mut self) {
        for m in &mut self.ring {
            m.failed = 0;
        }
        self.sources.clear();
        self.past = None;
    }

    fn slot(&mut self, minute: u64) -> &mut MinuteCounts {
        let slot = &mut self.ring[(minute % RING as u64) as usize];
        if slot.minute != minute {
            // A clock that stepped back lands in a newer slot: counting it
            // there is harmless, the windows still hold what they held.
            if slot.minute < minute {
                *slot = MinuteCounts {
                    minute,
                    ..MinuteCounts::default()
                };
            }
        }
        slot
    }

    fn note_source(&mut self, source: Source, minute: u64) {
        let key = source.key().unwrap_or(UNKNOWN_SOURCE);
        if self.sources.len() >= MAX_SOURCES && !self.sources.contains_key(&key) {
            self.sources
                .retain(|_, seen| *seen + WINDOW_MINUTES > minute);
            if self.sources.len() >= MAX_SOURCES {
                if let Some(oldest) = self
                    .sources
                    .iter()
                    .min_by_key(|(_, s)| **s)
                    .map(|(k, _)| *k)
                {
                    self.sources.remove(&oldest);
                }
            }
        }
        self.sources.insert(key, minute);
    }

    /// Sums (valid, failed) over minutes `from..=to`.
    fn sum(&self, from: u64, to: u64) -> (u64, u64) {
        self.ring
            .iter()
            .filter(|m| m.minute >= from && m.minute <= to)
            .fold((0, 0), |(v, f), m| {
                (v.saturating_add(m.valid), f.saturating_add(m.failed))
            })
    }

    /// The past minutes' sums for `minute`, from the cache or the ring.
    fn past(&mut self, minute: u64) -> PastSums {
        if let Some(p) = self.past.filter(|p| p.minute == minute) {
            return p;
        }
        let (window_valid, window_failed, recent_valid) = match minute.checked_sub(1) {
            Some(before) => {
                let (wv, wf) = self.sum(minute.saturating_sub(WINDOW_MINUTES - 1), before);
                let (rv, _) = self.sum(minute.saturating_sub(BREAKER_QUIET_MINUTES - 1), before);
                (wv, wf, rv)
            }
            None => (0, 0, 0),
        };
        let p = PastSums {
            minute,
            window_valid,
            window_failed,
            recent_valid,
        };
        self.past = Some(p);
        p
    }

    fn evaluate(&mut self, now: u64) -> Option<BreakerTrip> {
        let minute = now / 60;
        let start = minute.saturating_sub(WINDOW_MINUTES - 1);
        let past = self.past(minute);
        let current = self.ring[(minute % RING as u64) as usize];
        let (cur_valid, cur_failed) = if current.minute == minute {
            (current.valid, current.failed)
        } else {
            (0, 0)
        };
        let sums = BreakerSums {
            window_valid: past.window_valid.saturating_add(cur_valid),
            window_failed: past.window_failed.saturating_add(cur_failed),
            recent_valid: past.recent_valid.saturating_add(cur_valid),
        };
        let in_window = |seen: &&u64| **seen >= start;
        // Counting stops at the threshold; the full count is taken only for
        // the trip's record.
        let sources = &self.sources;
        sums.trip(now, |enough| {
            let live = sources.values().filter(in_window);
            if enough {
                live.take(BREAKER_MIN_SOURCES).count() as u64
            } else {
                live.count() as u64
            }
        })
    }
}

/// The breaker's counts over its windows at one failed click, that click
/// included: what [`BreakerSums::trip`] judges. The in-process breaker sums
/// its ring; a fleet's shared breaker gets them from Redis
/// ([`breaker_shared`](super::breaker_shared)), so both are judged by this
/// one rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BreakerSums {
    /// Valid clicks in the last 60 minutes.
    pub window_valid: u64,
    /// Failed clicks in the last 60 minutes.
    pub window_failed: u64,
    /// Valid clicks in the last [`BREAKER_QUIET_MINUTES`] minutes.
    pub recent_valid: u64,
}

impl BreakerSums {
    /// The trip these counts call for at `now`, if any (rules 1–3 of the
    /// module docs; the verifier applies rule 4). `sources(enough)` gives
    /// the distinct failing networks of the last 60 minutes; with `enough`
    /// set it may stop counting at [`BREAKER_MIN_SOURCES`].
    pub fn trip(&self, now: u64, sources: impl Fn(bool) -> u64) -> Option<BreakerTrip> {
        let (valid, failed) = (self.window_valid, self.window_failed);
        let total = valid.saturating_add(failed);
        // 1. The spec's rule.
        if total < BREAKER_MIN_CLICKS || failed.saturating_mul(10) <= total.saturating_mul(9) {
            return None;
        }
        // 3. Genuine traffic stopped.
        if self.recent_valid > 0 {
            return None;
        }
        // 2. Many failing networks.
        if sources(true) < BREAKER_MIN_SOURCES as u64 {
            return None;
        }
        Some(BreakerTrip {
            at: now,
            hour: UtcHour::containing(now),
            failed,
            total,
            sources: sources(false),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: u64 = 1_700_000_000 - 1_700_000_000 % 3600;

    use std::net::IpAddr;

    fn net(i: u32) -> Source {
        Source::ip(IpAddr::from([10, (i >> 8) as u8, i as u8, 1]))
    }

    #[test]
    fn one_autonomous_system_is_one_source() {
        // 500 /24s of one hosting provider: never enough sources.
        let mut b = Breaker::default();
        for i in 0..5000u32 {
            let source = Source {
                asn: Some(16_509),
                ..net(i % 500)
            };
            assert!(b.count(false, source, T0 + u64::from(i)).is_none());
        }
        // The same networks without an ASN database trip it.
        let mut b = Breaker::default();
        let tripped =
            (0..5000u32).any(|i| b.count(false, net(i % 500), T0 + u64::from(i)).is_some());
        assert!(tripped);
    }

    #[test]
    fn a_fresh_system_with_no_valid_click_follows_the_spec_rule() {
        let mut b = Breaker::default();
        for i in 0..99 {
            assert!(b.count(false, net(i), T0 + 10 + u64::from(i)).is_none());
        }
        let trip = b
            .count(false, net(99), T0 + 200)
            .expect("100 failures, 100 nets");
        assert_eq!((trip.total, trip.failed, trip.sources), (100, 100, 100));
    }

    #[test]
    fn one_valid_click_in_the_quiet_window_holds_it() {
        let mut b = Breaker::default();
        b.count(true, net(0), T0);
        for i in 0..5000u32 {
            let at = T0 + 60 + u64::from(i) / 3;
            assert!(b.count(false, net(i), at).is_none(), "{i}");
        }
    }

    #[test]
    fn few_sources_never_trip() {
        let mut b = Breaker::default();
        for i in 0..5000u32 {
            assert!(b.count(false, net(i % 19), T0 + u64::from(i)).is_none());
        }
        let mut b = Breaker::default();
        for i in 0..5000u64 {
            assert!(
                b.count(false, Source::default(), T0 + i).is_none(),
                "sourceless failures are one network"
            );
        }
    }

    #[test]
    fn genuine_traffic_protects_against_floods() {
        let mut b = Breaker::default();
        // Genuine clicks every 30 s (with or without history), and a flood
        // from thousands of networks all along.
        for s in 0..7200u64 {
            if s % 30 == 0 {
                b.count(true, net(1), T0 + s);
            }
            for i in 0..5 {
                let n = net((s * 5 + i) as u32);
                assert!(b.count(false, n, T0 + s).is_none(), "flood at {s}");
            }
        }
    }

    #[test]
    fn a_broken_signer_trips_within_the_hour() {
        let mut b = Breaker::default();
        for s in (0..3600).step_by(10) {
            b.count(true, net(s as u32), T0 + s);
        }
        let mut tripped = None;
        for s in (3600..7200).step_by(5) {
            if let Some(t) = b.count(false, net(s as u32), T0 + s) {
                tripped = Some(t);
                break;
            }
        }
        let trip = tripped.expect("trips");
        assert!(
            trip.at <= T0 + 3600 + 51 * 60,
            "about 50 minutes after the break: {trip:?}"
        );
        assert!(
            trip.at >= T0 + 3600 + 49 * 60,
            "not before 50 quiet minutes: {trip:?}"
        );
    }

    #[test]
    fn forgetting_failures_needs_new_evidence() {
        let mut b = Breaker::default();
        for i in 0..99 {
            b.count(false, net(i), T0 + 1);
        }
        b.forget_failures();
        assert!(b.count(false, net(200), T0 + 2).is_none());
    }

    #[test]
    fn sources_are_bounded() {
        let mut b = Breaker::default();
        for i in 0..5_000u32 {
            b.count(
                false,
                Source::ip(IpAddr::from([(i >> 16) as u8, (i >> 8) as u8, i as u8, 0])),
                T0,
            );
        }
        assert!(b.sources.len() <= MAX_SOURCES);
    }
}
