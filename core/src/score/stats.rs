//! The platform API's aggregate stats arithmetic.

/// `fraud_rate` as the platform's stats endpoint reports it: blocked clicks as
/// a percentage of all clicks, rounded half-up to two decimals; 0 when there
/// are no clicks. Flagged clicks are not fraud until blocked, and only
/// fraud counts as `blocked_clicks` here: blocked `sivt` clicks, not a
/// declared crawler refused ([`Category`](super::Category)).
///
/// The spec's example: 312 blocked of 4128 gives 7.56.
///
/// ```
/// assert_eq!(clickfence::score::fraud_rate(4128, 312), 7.56);
/// ```
pub fn fraud_rate(total_clicks: u64, blocked_clicks: u64) -> f64 {
    if total_clicks == 0 {
        return 0.0;
    }
    let blocked = u128::from(blocked_clicks.min(total_clicks));
    let total = u128::from(total_clicks);
    // Hundredths of a percent, rounded half-up, in exact integer arithmetic.
    let hundredths = (blocked * 10_000 * 2 + total) / (2 * total);
    hundredths as f64 / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_spec_example_comes_out_exactly() {
        assert_eq!(fraud_rate(4128, 312), 7.56);
        assert_ne!(
            fraud_rate(4128, 312 + 87),
            7.56,
            "flagged clicks are not counted"
        );
    }

    #[test]
    fn edges() {
        assert_eq!(fraud_rate(0, 0), 0.0);
        assert_eq!(fraud_rate(3, 3), 100.0);
        assert_eq!(fraud_rate(3, 1), 33.33);
        assert_eq!(fraud_rate(3, 2), 66.67);
        assert_eq!(fraud_rate(8, 1), 12.5);
        assert_eq!(fraud_rate(20_000, 1), 0.01, "0.005 rounds up");
        assert_eq!(fraud_rate(u64::MAX, u64::MAX), 100.0);
        assert_eq!(fraud_rate(10, 20), 100.0, "blocked is capped at total");
    }
}
