//! Webhook endpoints: public http(s) URLs only (unless private ones are
//! allowed), known event types, at most [`MAX_ENDPOINTS`] per account.

use clickfence::webhook::{EventType, Scheme};
use clickfence::WebhookSigner;

use super::{OpError, OpResult};
use crate::delivery::target::check_url;
use crate::state::AppState;
use crate::storage::MAX_ENDPOINTS;

/// Adds an endpoint whose deliveries are signed in `format` (the spec's
/// `myclickshield`, or `standard` for Standard Webhooks); returns its id
/// and signing secret (shown once).
pub fn add(
    state: &AppState,
    account: i64,
    url: &str,
    events: &[String],
    format: Scheme,
    now: i64,
) -> OpResult<(i64, String)> {
    state
        .store
        .account(account)?
        .ok_or_else(|| OpError::not_found("account", account))?;
    let url = check_url(url, state.config.allow_private_webhooks)
        .map_err(|e| OpError::invalid("url", e))?
        .to_string();
    if events.is_empty() {
        return Err(OpError::invalid("events", "give at least one event"));
    }
    for e in events {
        e.parse::<EventType>()
            .map_err(|err| OpError::invalid("events", err.to_string()))?;
    }
    if !matches!(format, Scheme::MyClickShield | Scheme::Standard) {
        return Err(OpError::invalid(
            "format",
            "deliveries are signed as myclickshield or standard",
        ));
    }
    let secret = WebhookSigner::generate_secret(format)
        .map_err(|e| crate::storage::StoreError::Random(e.to_string()))?;
    let id = state
        .store
        .add_endpoint_in(account, &url, &secret, events, format.name(), now)?
        .ok_or_else(|| {
            OpError::Limit(format!(
                "an account may hold at most {MAX_ENDPOINTS} webhook endpoints"
            ))
        })?;
    Ok((id, secret))
}

/// Re-enables an endpoint (auto-disabled after 20 failures); its pending
/// deliveries go out at once.
pub fn reenable(state: &AppState, id: i64, now: i64) -> OpResult<()> {
    state
        .store
        .reenable_endpoint(id, now)?
        .then_some(())
        .ok_or_else(|| OpError::not_found("endpoint", id))
}
