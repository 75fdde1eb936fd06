//! How long an automatic block lasts, and how many a site keeps.
//!
//! Automatic blocks are driven by traffic the attacker writes, so they must
//! never be a permanent weapon: a carrier-grade NAT address that scored badly
//! for one hour would otherwise stay blocked for all its legitimate users.
//! Each auto-block is temporary; the duration grows for repeat offenders
//! (1 h, 4 h, 16 h, 64 h, … up to 30 days), and a site keeps at most
//! [`AutoBlockPolicy::cap`] of them, the oldest going first. Manual and API
//! blocks are never evicted and keep their own type.

/// Durations and the per-site cap of automatic blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AutoBlockPolicy {
    /// The first block's duration, seconds.
    pub base_secs: u64,
    /// Each repeat multiplies the duration by this.
    pub factor: u64,
    /// The longest duration, seconds.
    pub max_secs: u64,
    /// Auto-blocks a site keeps; at the cap the oldest is removed first.
    pub cap: usize,
    /// Auto-blocks one network (IPv4 /24, IPv6 /48) may hold on a site.
    /// Past it, further offenders from that network are not auto-blocked
    /// (their clicks are still judged, and blocked, one by one), so one
    /// network's flood can neither fill the cap and evict other networks'
    /// blocks nor its own first offenders' blocks and history.
    pub per_network: usize,
    /// Auto-blocks one source ([`Source`](super::Source): an autonomous
    /// system where known, else IPv4 /24, IPv6 /32) may hold on a site. A
    /// provider's /32 holds 65,536 /48s, so the per-network share alone
    /// would let one allocation fill the cap; this bounds the allocation.
    pub per_source: usize,
}

/// Auto-blocks one network may hold on a site by default.
pub const AUTO_BLOCKS_PER_NETWORK: usize = 64;
/// Auto-blocks one source may hold on a site by default: 16 full networks.
pub const AUTO_BLOCKS_PER_SOURCE: usize = 1024;

/// One hour.
pub const AUTO_BLOCK_BASE_SECS: u64 = 3600;
/// Thirty days.
pub const AUTO_BLOCK_MAX_SECS: u64 = 30 * 86_400;
/// Auto-blocks kept per site.
pub const AUTO_BLOCK_CAP: usize = 50_000;

impl Default for AutoBlockPolicy {
    fn default() -> Self {
        Self {
            base_secs: AUTO_BLOCK_BASE_SECS,
            factor: 4,
            max_secs: AUTO_BLOCK_MAX_SECS,
            cap: AUTO_BLOCK_CAP,
            per_network: AUTO_BLOCKS_PER_NETWORK,
            per_source: AUTO_BLOCKS_PER_SOURCE,
        }
    }
}

impl AutoBlockPolicy {
    /// The duration of an auto-block for a network already auto-blocked
    /// `previous` times: `base × factor^previous`, at most `max_secs`.
    pub fn duration(&self, previous: u32) -> u64 {
        let mut secs = self.base_secs.max(1);
        for _ in 0..previous {
            secs = secs.saturating_mul(self.factor.max(1));
            if secs >= self.max_secs {
                return self.max_secs;
            }
        }
        secs.min(self.max_secs)
    }

    /// Whether a first-time offender may be auto-blocked when its network
    /// already holds `in_network` of the site's auto-blocks and its source
    /// `in_source`. A repeat offender (already holding a block) always is.
    pub fn admits(&self, in_network: u64, in_source: u64) -> bool {
        in_network < self.per_network as u64 && in_source < self.per_source as u64
    }

    /// When an auto-block made at `now` for a `previous`-time offender ends.
    pub fn expires_at(&self, previous: u32, now: u64) -> u64 {
        now.saturating_add(self.duration(previous))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_bound_networks_and_sources() {
        let p = AutoBlockPolicy::default();
        assert!(p.admits(0, 0));
        assert!(p.admits(63, 1023));
        assert!(!p.admits(64, 0));
        assert!(!p.admits(0, 1024));
    }

    #[test]
    fn durations_escalate_to_the_cap() {
        let p = AutoBlockPolicy::default();
        assert_eq!(p.duration(0), 3600);
        assert_eq!(p.duration(1), 4 * 3600);
        assert_eq!(p.duration(2), 16 * 3600);
        assert_eq!(p.duration(10), 30 * 86_400);
        assert_eq!(p.duration(u32::MAX), 30 * 86_400);
        assert_eq!(p.expires_at(0, u64::MAX), u64::MAX);
    }
}
