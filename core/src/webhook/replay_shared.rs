//! A replay guard shared by a fleet through Redis: the key and expiry of
//! `SET key 1 NX EX ttl` for one verified delivery, and what its answer
//! means. Pure; the caller owns the connection. Same rule as
//! [`ReplayGuard`](super::ReplayGuard): a `(timestamp, signature)` pair is
//! accepted once while the verifier's tolerance would still accept its
//! timestamp.

use super::{Verified, WebhookError};

/// The key remembering `verified`: `prefix` and its
/// [`replay_name`](Verified::replay_name) (the timestamp and signature in
/// hex; one key per delivery: Redis Cluster safe). `missing_header` for a
/// GitHub or Shopify delivery without its delivery id.
pub fn shared_replay_key(prefix: &str, verified: &Verified) -> Result<String, WebhookError> {
    Ok(format!("{prefix}{}", verified.replay_name()?))
}

/// Seconds the key must live at `now`: through the last second a verifier
/// with `tolerance` accepts the timestamp (`timestamp + tolerance`; for
/// GitHub and Shopify, [`DELIVERY_ID_TTL`](super::DELIVERY_ID_TTL) after it
/// was verified), and at least 1.
pub fn shared_replay_ttl(
    verified: &Verified,
    tolerance: u64,
    now: u64,
) -> Result<u64, WebhookError> {
    let now = crate::check_time(now)?;
    Ok(verified
        .remember_until(tolerance)
        .saturating_add(1)
        .saturating_sub(now)
        .max(1))
}

/// The meaning of `SET ... NX`'s answer: the key was set (a first
/// delivery), or it existed ([`WebhookError::Replayed`]).
pub fn shared_replay_outcome(was_set: bool) -> Result<(), WebhookError> {
    if was_set {
        Ok(())
    } else {
        Err(WebhookError::Replayed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_lifetimes() {
        let v = Verified::new(0, 1000, [0xab; 32]);
        let key = shared_replay_key("cf:replay:", &v).unwrap();
        assert_eq!(key, format!("cf:replay:1000:{}", "ab".repeat(32)));
        assert_eq!(shared_replay_ttl(&v, 300, 1000).unwrap(), 301);
        assert_eq!(shared_replay_ttl(&v, 300, 1300).unwrap(), 1);
        assert_eq!(shared_replay_ttl(&v, 300, 5000).unwrap(), 1);
        assert_eq!(
            shared_replay_outcome(false).unwrap_err().code(),
            "replayed_delivery"
        );
        assert!(shared_replay_outcome(true).is_ok());
    }
}
