//! Bearer tokens, rate limit, plan gate and abilities, in the spec's order:
//! 401, 429, 402, 403; and the extractors that run them for a handler.

use std::collections::HashMap;
use std::marker::PhantomData;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, FromRequestParts, Path};
use axum::http::request::Parts;

use axum::http::{HeaderMap, StatusCode};
use clickfence::rate::RateDecision;

pub use crate::auth_failures::{AuthFailures, Refusal};

use super::error::ApiError;
use super::rate::RateSlot;
use crate::state::{now, AppState};
use crate::storage::credentials::Credential;
use crate::storage::{Account, Site, TokenRecord};

/// A token ability, as a type, so a handler's signature says what it needs.
pub trait Ability: Send + Sync + 'static {
    /// The spec's name of the ability.
    const NAME: &'static str;
}

macro_rules! abilities {
    ($($(#[$doc:meta])* $name:ident = $text:literal;)*) => {$(
        $(#[$doc])*
        #[derive(Debug)]
        pub struct $name;
        impl Ability for $name {
            const NAME: &'static str = $text;
        }
    )*};
}

abilities! {
    /// `sites:read`.
    SitesRead = "sites:read";
    /// `stats:read`.
    StatsRead = "stats:read";
    /// `clicks:read`.
    ClicksRead = "clicks:read";
    /// `blocked-ips:read`.
    BlockedIpsRead = "blocked-ips:read";
    /// `blocked-ips:write`.
    BlockedIpsWrite = "blocked-ips:write";
}

/// A caller whose token holds ability `A`. As an extractor it answers 401,
/// 429, 402 or 403 itself, and leaves the rate decision for the headers.
pub struct Authorized<A> {
    /// The token's account.
    pub account: Account,
    ability: PhantomData<A>,
}

impl<A: Ability> FromRequestParts<Arc<AppState>> for Authorized<A> {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, ApiError> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0)
            .ok_or_else(|| ApiError::internal("no peer address"))?;
        let result = if kept(state, &parts.headers) {
            authorize_awaited(state, &parts.headers, peer, A::NAME).await
        } else {
            let headers = parts.headers.clone();
            let state = Arc::clone(state);
            // With --redis the quota is a Redis round trip: the blocking
            // pool's, never the SQLite thread's.
            super::blocking(crate::storage::work::Work::pool(), move || {
                Ok(authorize(&state, &headers, peer, A::NAME))
            })
            .await?
        };
        let rate = match &result {
            Ok(caller) => Some(caller.rate),
            Err(e) => e.rate,
        };
        if let (Some(rate), Some(slot)) = (rate, parts.extensions.get::<RateSlot>()) {
            slot.set(rate);
        }
        result.map(|caller| Self {
            account: caller.account,
            ability: PhantomData,
        })
    }
}

/// Whether this request's token lookup is kept, so authorizing it reads no
/// database and its quota can be awaited ([`authorize_awaited`]) on the
/// async worker without a hop to the blocking pool.
fn kept(state: &AppState, headers: &HeaderMap) -> bool {
    crate::bearer(headers).is_some_and(|token| {
        crate::tokens::well_formed(token)
            && state
                .store
                .credentials()
                .get(&crate::tokens::hash(token), now())
                .is_some()
    })
}

/// The site of the path's `{id}`, which a caller with ability `A` may
/// touch: its account's own or a team site; else 404 (non-numeric ids too).
pub struct SiteOf<A> {
    /// The caller.
    pub caller: Authorized<A>,
    /// The site.
    pub site: Site,
}

impl<A: Ability> FromRequestParts<Arc<AppState>> for SiteOf<A> {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, ApiError> {
        let caller = Authorized::<A>::from_request_parts(parts, state).await?;
        let Path(params) = Path::<HashMap<String, String>>::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::not_found())?;
        let id: i64 = params
            .get("id")
            .and_then(|id| id.parse().ok())
            .ok_or_else(ApiError::not_found)?;
        // The account's kept list is the rule (own sites and team sites).
        let site = state
            .store
            .sites_for_kept(caller.account.id, now())
            .await?
            .into_iter()
            .find(|s| s.id == id)
            .ok_or_else(ApiError::not_found)?;
        Ok(Self { caller, site })
    }
}

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
    allowed(caller, &abilities, ability)
}

/// [`authorize`] for a request whose token lookup is kept: the quota is
/// awaited (with `--redis`, on the instance's multiplexed connection), so
/// nothing here holds a thread. Should the kept entry lapse in between,
/// the lookup runs here once.
pub async fn authorize_awaited(
    state: &AppState,
    headers: &HeaderMap,
    peer: SocketAddr,
    ability: &str,
) -> Result<Caller, ApiError> {
    let now = now();
    let failures = AuthFailures::of(state, headers, peer, now);
    let (record, account) = identify(state, &failures, crate::bearer(headers), now)?;
    let key = token_key(&record);
    let rate = state
        .rate_async("api_token", &state.api_limiter, &key, 1, now as u64)
        .await
        .map_err(ApiError::internal)?;
    let (caller, abilities) = admit(state, record, account, rate)?;
    allowed(caller, &abilities, ability)
}

/// 403 unless `abilities` hold `ability`.
fn allowed(caller: Caller, abilities: &[String], ability: &str) -> Result<Caller, ApiError> {
    if !abilities.iter().any(|a| a == ability) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            format!("Token lacks the {ability} ability."),
        )
        .with_rate(Some(caller.rate)));
    }
    Ok(caller)
}

/// The API's answer to a refused credential: 429 past the address's
/// failure quota, else 401 with `message`.
pub fn refusal(refused: Refusal, message: &'static str) -> ApiError {
    match refused {
        Refusal::TooMany(rate) => ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "Too many failed authentications from this address.",
        )
        .with_rate(rate),
        Refusal::Unauthorized(rate) => {
            ApiError::new(StatusCode::UNAUTHORIZED, message).with_rate(rate)
        }
    }
}

/// [`AuthFailures::judge`] of a wrong or missing credential, as the API answers it.
pub fn failed(failures: &AuthFailures<'_>, message: &'static str) -> ApiError {
    match failures.judge(false) {
        Err(refused) => refusal(refused, message),
        Ok(()) => ApiError::new(StatusCode::UNAUTHORIZED, message),
    }
}

/// The token stored under `hash` when it is live at `now` (not revoked,
/// not expired).
pub fn live_token(state: &AppState, hash: &str, now: i64) -> Result<Option<TokenRecord>, ApiError> {
    let record = state.store.token_by_hash(hash)?;
    Ok(record.filter(|r| r.revoked_at.is_none() && r.expires_at > now))
}

/// The live token stored under `hash` and its account (`None` for a token
/// whose account is gone): from the cache of successful lookups when it
/// holds them, else from the database, kept for the next request.
pub fn credential(
    state: &AppState,
    hash: &str,
    now: i64,
) -> Result<Option<(TokenRecord, Option<Account>)>, ApiError> {
    let cache = state.store.credentials();
    if let Some(c) = cache.get(hash, now) {
        return Ok(Some((c.token, Some(c.account))));
    }
    let generation = cache.generation();
    let Some(token) = live_token(state, hash, now)? else {
        return Ok(None);
    };
    let account = state.store.account(token.account_id)?;
    if let Some(account) = &account {
        let kept = Credential {
            token: token.clone(),
            account: account.clone(),
        };
        cache.keep(generation, hash, kept, now);
    }
    Ok(Some((token, account)))
}

/// The account a live token acts for, when its plan includes API access:
/// 401 for a token whose account is gone, 402 on the Starter plan.
pub fn token_account(account: Option<Account>) -> Result<Account, ApiError> {
    let Some(account) = account else {
        return Err(ApiError::new(StatusCode::UNAUTHORIZED, "Invalid token."));
    };
    if account.plan == "starter" {
        return Err(ApiError::new(
            StatusCode::PAYMENT_REQUIRED,
            "Plan does not include API access — upgrade to Pro+.",
        ));
    }
    Ok(account)
}

/// The checks every platform request passes before its ability is looked
/// at (401, 429, 402), in the spec's order; the caller and its abilities.
pub fn authenticate(
    state: &AppState,
    headers: &HeaderMap,
    peer: SocketAddr,
) -> Result<(Caller, Vec<String>), ApiError> {
    let failures = AuthFailures::of(state, headers, peer, now());
    authenticate_token(state, &failures, crate::bearer(headers))
}

/// [`authenticate`] for a token already read from the request (the API's
/// bearer header, the dashboard's sign-in form).
pub fn authenticate_token(
    state: &AppState,
    failures: &AuthFailures<'_>,
    token: Option<&str>,
) -> Result<(Caller, Vec<String>), ApiError> {
    let now = now();
    let (record, account) = identify(state, failures, token, now)?;
    let rate = state
        .rate(
            "api_token",
            &state.api_limiter,
            &token_key(&record),
            1,
            now as u64,
        )
        .map_err(ApiError::internal)?;
    admit(state, record, account, rate)
}

/// The live token and its account, or 401 (429 past the address's failure
/// quota). The credential first (owners first), then the failure quota;
/// only a token of the right shape costs a lookup.
fn identify(
    state: &AppState,
    failures: &AuthFailures<'_>,
    token: Option<&str>,
    now: i64,
) -> Result<(TokenRecord, Option<Account>), ApiError> {
    let Some(token) = token else {
        return Err(failed(failures, "Missing bearer token."));
    };
    let found = if crate::tokens::well_formed(token) {
        credential(state, &crate::tokens::hash(token), now)?
    } else {
        None
    };
    found.ok_or_else(|| failed(failures, "Invalid, expired or revoked token."))
}

/// The per-token quota's key.
fn token_key(record: &TokenRecord) -> String {
    format!("token:{}", record.id)
}

/// The quota's answer and the plan, in the spec's order: 429, then 402.
fn admit(
    state: &AppState,
    record: TokenRecord,
    account: Option<Account>,
    rate: RateDecision,
) -> Result<(Caller, Vec<String>), ApiError> {
    if !rate.allowed {
        state.metrics.refused("api_token");
        return Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "Too many requests: 60 per minute per token.",
        )
        .with_rate(Some(rate)));
    }
    let account = token_account(account).map_err(|e| e.with_rate(Some(rate)))?;
    Ok((Caller { account, rate }, record.abilities))
}
