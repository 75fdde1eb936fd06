//! A shop's daily budget of stored storefront events.
//!
//! Storefront events are sent by anyone's browser. Without a budget a
//! script fills the disk; with one budget per shop alone, one network uses
//! it up and the shop is blind for the rest of the day. So each day a shop
//! stores at most [`DailyBudget::events`] events and [`DailyBudget::bytes`]
//! bytes, and one network (an autonomous system where known, else an IPv6
//! /48 or IPv4 /24) at most [`DailyBudget::network_percent`] of each. Past
//! either, events are counted, not stored.

/// The daily limits of one shop's stored events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DailyBudget {
    /// Events stored per shop and UTC day.
    pub events: u64,
    /// Payload bytes stored per shop and UTC day.
    pub bytes: u64,
    /// The share of each that one network may use, percent (1–100).
    pub network_percent: u8,
}

/// Events a shop stores per day by default.
pub const DAILY_EVENTS: u64 = 200_000;
/// Payload bytes a shop stores per day by default: 256 MiB.
pub const DAILY_BYTES: u64 = 256 * 1024 * 1024;
/// The share of a shop's budget one network may use by default, percent.
pub const NETWORK_PERCENT: u8 = 10;

impl Default for DailyBudget {
    fn default() -> Self {
        Self {
            events: DAILY_EVENTS,
            bytes: DAILY_BYTES,
            network_percent: NETWORK_PERCENT,
        }
    }
}

/// What has been stored so far today (for the shop, or one network).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    /// Events stored.
    pub events: u64,
    /// Payload bytes stored.
    pub bytes: u64,
}

impl DailyBudget {
    /// Whether one more event of `size` bytes is stored, given the shop's
    /// and the sending network's usage so far today.
    pub fn admits(&self, shop: Usage, network: Usage, size: u64) -> bool {
        let percent = u128::from(self.network_percent.clamp(1, 100));
        // At most `total` (percent ≤ 100), so the narrowing never truncates.
        let share = |total: u64| u64::try_from(u128::from(total) * percent / 100).unwrap_or(total);
        shop.events < self.events
            && shop.bytes.saturating_add(size) <= self.bytes
            && network.events < share(self.events)
            && network.bytes.saturating_add(size) <= share(self.bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: DailyBudget = DailyBudget {
        events: 100,
        bytes: 10_000,
        network_percent: 10,
    };

    fn used(events: u64, bytes: u64) -> Usage {
        Usage { events, bytes }
    }

    #[test]
    fn a_network_gets_its_share_and_the_shop_its_total() {
        assert!(SMALL.admits(used(0, 0), used(9, 0), 10));
        assert!(!SMALL.admits(used(0, 0), used(10, 0), 10), "network events");
        assert!(!SMALL.admits(used(0, 0), used(1, 995), 10), "network bytes");
        assert!(SMALL.admits(used(99, 0), used(0, 0), 10));
        assert!(!SMALL.admits(used(100, 0), used(0, 0), 10), "shop events");
        assert!(!SMALL.admits(used(1, 9_995), used(0, 0), 10), "shop bytes");
        // One event larger than a network's share is never stored.
        assert!(!SMALL.admits(used(0, 0), used(0, 0), 1_001));
    }

    #[test]
    fn extreme_settings_do_not_overflow() {
        let b = DailyBudget {
            events: u64::MAX,
            bytes: u64::MAX,
            network_percent: 200,
        };
        assert!(b.admits(used(0, 0), used(0, 0), u64::MAX - 1));
        let b = DailyBudget {
            network_percent: 0,
            ..SMALL
        };
        assert!(b.admits(used(0, 0), used(0, 0), 100));
    }
}
