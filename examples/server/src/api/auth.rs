//! Bearer tokens, rate limit, plan gate and abilities, in the spec's order:
//! 401, 429, 402, 403.

use std::net::SocketAddr;

use axum::http::{HeaderMap, StatusCode};
use clickfence::ip::Granularity;
use clickfence::rate::RateDecision;

use super::error::ApiError;
use crate::state::{now, AppState};
use crate::storage::Account;

/// An authenticated caller.
pub struct Caller {
    /// The token's account.
    pub account: Account,
    /// The rate decision for this request.
    pub rate: RateDecision,
}

/// Authenticates a request needing `ability`.
pub fn authorize(
    state: &AppState,
    headers: &HeaderMap,
    peer: SocketAddr,
    ability: &str,
) -> Result<Caller, ApiError> {
    let (caller, abilities) = authenticate(state, headers, peer)?;
    if !abilities.iter().any(|a| a == ability) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            format!("Token lacks the {ability} ability."),
        )
        .with_rate(Some(caller.rate)));
    }
    Ok(caller)
}

/// The checks every platform request passes before its ability is looked
/// at (401, 429, 402), in the spec's order; the caller and its abilities.
pub fn authenticate(
    state: &AppState,
    headers: &HeaderMap,
    peer: SocketAddr,
) -> Result<(Caller, Vec<String>), ApiError> {
    let now = now();
    // Failed authentications are limited per client address (the IPv6 /64),
    // so guessing tokens is slow and a flood of bad tokens costs no lookups.
    let (client, _) = state.client(peer.ip(), headers);
    let failure_key = format!("auth:{}", Granularity::CLIENT.label(client));
    let failures = state
        .auth_failures
        .check_cost(&failure_key, 0, now as u64)
        .map_err(ApiError::internal)?;
    if failures.remaining == 0 {
        state.metrics.refused("auth_failures");
        let refused = state.auth_failures.check(&failure_key, now as u64).ok();
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "Too many failed authentications from this address.",
        )
        .with_rate(refused));
    }
    let fail = |message: &'static str| {
        let rate = state.auth_failures.check(&failure_key, now as u64).ok();
        ApiError::new(StatusCode::UNAUTHORIZED, message).with_rate(rate)
    };
    let Some(token) = crate::bearer(headers) else {
        return Err(fail("Missing bearer token."));
    };
    let record = state.store.token_by_hash(&crate::tokens::hash(token))?;
    let Some(record) = record.filter(|r| r.revoked_at.is_none() && r.expires_at > now) else {
        return Err(fail("Invalid, expired or revoked token."));
    };
    let rate = state
        .api_limiter
        .check(format!("token:{}", record.id), now as u64)
        .map_err(ApiError::internal)?;
    if !rate.allowed {
        state.metrics.refused("api_token");
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "Too many requests: 60 per minute per token.",
        )
        .with_rate(Some(rate)));
    }
    let Some(account) = state.store.account(record.account_id)? else {
        return Err(ApiError::new(StatusCode::UNAUTHORIZED, "Invalid token.").with_rate(Some(rate)));
    };
    if account.plan == "starter" {
        return Err(ApiError::new(
            StatusCode::PAYMENT_REQUIRED,
            "Plan does not include API access — upgrade to Pro+.",
        )
        .with_rate(Some(rate)));
    }
    Ok((Caller { account, rate }, record.abilities))
}
