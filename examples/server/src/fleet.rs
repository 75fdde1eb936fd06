//! Keeping this instance's in-memory configuration in step with the
//! database, so a change made through any instance sharing it is in force
//! here within a second: at once on PostgreSQL (`LISTEN`/`NOTIFY`, with
//! [`FALLBACK_EVERY`] polls behind it), within [`POLL_EVERY`] on SQLite.
//!
//! Every change bumps a version in its own transaction
//! ([`crate::storage::Shared`]); [`follow`] polls the versions and reloads
//! what moved: the click-signing key ring, mode, breaker and exclusions are
//! reconciled in place (so the breaker's live counts survive), the shops'
//! compiled policies are rebuilt and swapped whole, and the per-site block
//! lists are dropped to be reloaded on their next click, and the cache of
//! successful token lookups is emptied when a token or an account changed.
//! Sites, thresholds and pauses are read from the database on every
//! request, so they need no reload.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, PoisonError};
use std::time::Duration;

use clickfence::click::BreakerTrip;
use clickfence::{ClickVerifier, Mode};

use crate::state::{now, AppState};
use crate::storage::{ClickSigningState, StoreResult};

/// How often the versions are read on SQLite, where polling is the only
/// signal.
pub const POLL_EVERY: Duration = Duration::from_millis(250);
/// How often they are read on PostgreSQL, where a `NOTIFY` in the changing
/// transaction wakes every instance at once: the fallback that heals a
/// missed notification (a dropped listening connection) by itself.
pub const FALLBACK_EVERY: Duration = Duration::from_secs(1);

/// Follows the versions until `stop` turns true, reloading what changed:
/// on every announcement (PostgreSQL) and at each poll.
pub async fn follow(state: Arc<AppState>, mut stop: tokio::sync::watch::Receiver<bool>) {
    let announced = Arc::new(tokio::sync::Notify::new());
    let wake = Arc::clone(&announced);
    state
        .store
        .on_config_change(Arc::new(move || wake.notify_one()));
    let every = if state.store.is_postgres() {
        FALLBACK_EVERY
    } else {
        POLL_EVERY
    };
    loop {
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = announced.notified() => {}
            _ = stop.changed() => return,
        }
        let _change = Arc::clone(&state.config_lock).lock_owned().await;
        let s = Arc::clone(&state);
        match crate::storage::work::spawn_blocking(move || catch_up(&s)).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                tracing::error!(error = %e, code = e.code(), "cannot reload shared configuration")
            }
            Err(e) => tracing::error!(error = %e, "configuration reload task failed"),
        }
    }
}

/// Reloads whatever moved since this instance last looked.
pub fn catch_up(state: &AppState) -> StoreResult<()> {
    let current = state.store.config_versions()?;
    let seen = state
        .seen
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone();
    if current.settings != seen.settings {
        reconcile_signing(&state.clicks, &state.store.click_signing()?, now());
        reload_shops(state)?;
    }
    if current.blocks != seen.blocks {
        apply_block_changes(state, seen.blocks, current.blocks)?;
    }
    if current.credentials != seen.credentials {
        state.store.credentials().forget();
    }
    if current.sites != seen.sites {
        state.store.forget_sites();
    }
    if current.endpoints != seen.endpoints {
        state.store.forget_subscriptions();
    }
    *state.seen.lock().unwrap_or_else(PoisonError::into_inner) = current;
    Ok(())
}

/// Applies other instances' block changes to the loaded lists (this
/// instance's own are in them already), so a flood of auto-blocks costs
/// each instance one small read per poll, never a reload of every list.
/// An instance further behind than the log reaches drops its lists.
fn apply_block_changes(state: &AppState, seen: i64, current: i64) -> StoreResult<()> {
    let Some(changes) = state.store.block_changes(seen, current)? else {
        state.blocks.clear();
        return Ok(());
    };
    let now = now();
    for c in changes
        .iter()
        .filter(|c| c.instance != state.store.instance())
    {
        if c.removed {
            state.blocks.remove(c.site, &c.ip);
        } else {
            state.blocks.insert(c.site, &c.ip, c.expires_at, now);
        }
    }
    Ok(())
}

/// Brings `clicks` to the saved state, changing only what differs: a mode or
/// breaker switch set again would forget the breaker's counts.
pub fn reconcile_signing(clicks: &ClickVerifier, saved: &ClickSigningState, now: i64) {
    // Click signing starts disabled until a network configures it.
    let (mode, breaker, tripped, reenabled_at) = saved
        .settings
        .clone()
        .unwrap_or_else(|| ("disabled".into(), true, None, None));
    let mode: Mode = mode.parse().unwrap_or(Mode::Enabled);
    let reenabled_at = reenabled_at.map(|t| t.max(0) as u64);
    // Another instance's re-enable holds the breaker here too (and forgets
    // this instance's failures, as it did there).
    if clicks.mode() != mode || clicks.reenabled_at() != reenabled_at {
        clicks.restore_mode(mode, reenabled_at);
    }
    if clicks.circuit_breaker() != breaker {
        clicks.set_circuit_breaker(breaker);
    }
    let trip = tripped.and_then(|t| serde_json::from_str::<BreakerTrip>(&t).ok());
    if clicks.breaker_trip() != trip {
        clicks.restore_breaker_trip(trip);
    }
    let now = now.max(0) as u64;
    let config = clicks.config(now);
    let live: BTreeSet<&str> = config.active_keys.iter().map(|k| k.id.as_str()).collect();
    let wanted: BTreeSet<&str> = saved.keys.iter().map(|k| k.0.as_str()).collect();
    for gone in live.difference(&wanted) {
        let _ = clicks.revoke_key(gone);
    }
    for (id, secret, expires_at) in &saved.keys {
        if !live.contains(id.as_str()) {
            // Keys that expired meanwhile are simply not added.
            let _ = clicks.add_key(id, secret, (*expires_at).max(0) as u64, now);
        }
    }
    let excluded: BTreeSet<&str> = config.excluded_apps.iter().map(String::as_str).collect();
    let wanted: BTreeSet<&str> = saved.excluded.iter().map(String::as_str).collect();
    for app in excluded.difference(&wanted) {
        clicks.include_app(app);
    }
    for app in wanted.difference(&excluded) {
        let _ = clicks.exclude_app(app);
    }
}

/// Reloads the enrolled shops and their compiled policies.
pub fn reload_shops(state: &AppState) -> StoreResult<()> {
    let enrolled = state.store.enrolled_shops()?.into_iter().collect();
    let policies = load_policies(state)?;
    *state
        .enrolled
        .write()
        .unwrap_or_else(PoisonError::into_inner) = enrolled;
    *state
        .policies
        .write()
        .unwrap_or_else(PoisonError::into_inner) = policies;
    Ok(())
}

/// Every shop's saved policy, compiled. A policy that no longer compiles is
/// logged and left out (that shop allows all), never a startup failure.
pub fn load_policies(
    state: &AppState,
) -> StoreResult<HashMap<String, Arc<clickfence::AccessPolicy>>> {
    let mut policies = HashMap::new();
    for (shop, json) in state.store.shop_policies()? {
        match state.compile_policy(&json) {
            Ok(p) => {
                policies.insert(shop, Arc::new(p));
            }
            Err(e) => {
                tracing::error!(%shop, error = %e, "saved IP policy no longer compiles; shop allows all")
            }
        }
    }
    Ok(policies)
}
