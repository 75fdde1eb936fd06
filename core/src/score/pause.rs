//! Auto-pause: when to tell the ad platform to stop spending on a site.
//!
//! Pausing is a signal (`site.paused` with `paused_until`), never a refusal:
//! visitors keep being judged one by one. The trigger is driven by traffic an
//! attacker writes, so it counts *sources* (distinct allocations, IPv4 /24,
//! IPv6 /32) as well as clicks: one client, or a handful, whose clicks are
//! blocked cannot pause a site however many clicks they send, nor rotate
//! /48s inside one allocation to look like many. Only clicks blocked on
//! their own evidence count as blocked here (a score at the block
//! threshold): a click refused only because it is unsigned does not.

/// The window the rule looks back over, seconds.
pub const PAUSE_WINDOW_SECS: u64 = 600;
/// How long a pause lasts, seconds.
pub const PAUSE_SECS: u64 = 3600;
/// Clicks in the window before the rule can act.
pub const PAUSE_MIN_CLICKS: u64 = 20;
/// Distinct networks with blocked clicks in the window before it can act.
pub const PAUSE_MIN_SOURCES: u64 = 10;

/// A site's clicks over the last [`PAUSE_WINDOW_SECS`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PauseWindow {
    /// All clicks.
    pub clicks: u64,
    /// Blocked clicks.
    pub blocked: u64,
    /// Distinct networks among all clicks.
    pub sources: u64,
    /// Distinct networks among blocked clicks.
    pub blocked_sources: u64,
}

impl PauseWindow {
    /// Whether the site should be paused: at least [`PAUSE_MIN_CLICKS`]
    /// clicks, at least half of them blocked, from at least
    /// [`PAUSE_MIN_SOURCES`] networks that are also at least half of all the
    /// networks sending clicks.
    pub fn should_pause(&self) -> bool {
        self.clicks >= PAUSE_MIN_CLICKS
            && self.blocked.saturating_mul(2) >= self.clicks
            && self.blocked_sources >= PAUSE_MIN_SOURCES
            && self.blocked_sources.saturating_mul(2) >= self.sources
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_client_cannot_pause_a_site() {
        let flood = PauseWindow {
            clicks: 100_000,
            blocked: 100_000,
            sources: 1,
            blocked_sources: 1,
        };
        assert!(!flood.should_pause());
        let handful = PauseWindow {
            blocked_sources: 9,
            sources: 9,
            ..flood
        };
        assert!(!handful.should_pause());
    }

    #[test]
    fn widespread_blocked_traffic_pauses() {
        let w = PauseWindow {
            clicks: 40,
            blocked: 20,
            sources: 30,
            blocked_sources: 15,
        };
        assert!(w.should_pause());
        assert!(!PauseWindow { clicks: 19, ..w }.should_pause());
        assert!(!PauseWindow { blocked: 19, ..w }.should_pause());
        assert!(!PauseWindow { sources: 31, ..w }.should_pause());
    }
}
