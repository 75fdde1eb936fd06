//! One failed-authentication quota for every secret the server takes: API
//! tokens, the click-signing admin token, the edge API secret, the metrics
//! token and the dashboard's sign-in. Owners first: a credential is
//! compared (in constant time) before the quota is looked at, so a
//! neighbour's guessing from the same NAT address or /64 never locks the
//! owner out; only wrong or missing credentials are refused (429) past the
//! quota, or counted (401) below it. Every secret is at least 128 bits
//! (checked at start, `crate::secrets`), so answering a right guess past
//! the quota gives a guesser nothing.
//!
//! With `--redis` the fleet's count is in Redis, and each instance keeps
//! its own count as well; the larger wins, so an evicted or failed Redis
//! key never hands out fresh guesses.

use std::net::SocketAddr;

use axum::http::HeaderMap;
use clickfence::ip::Granularity;
use clickfence::rate::RateDecision;

use crate::state::AppState;

/// Why a credential was refused.
#[derive(Debug)]
pub enum Refusal {
    /// The address is past its quota of failures: 429.
    TooMany(Option<RateDecision>),
    /// Wrong or missing, counted: 401.
    Unauthorized(Option<RateDecision>),
}

/// Failed authentications of one client address (the IPv6 /64): past
/// [`crate::state::AUTH_FAILURES_PER_MINUTE`] a minute, every wrong
/// credential from it is refused without being counted again.
pub struct AuthFailures<'a> {
    state: &'a AppState,
    key: String,
    now: u64,
}

impl<'a> AuthFailures<'a> {
    /// The failure count of the client `headers` and `peer` name.
    pub fn of(state: &'a AppState, headers: &HeaderMap, peer: SocketAddr, now: i64) -> Self {
        let (client, _) = state.client(peer.ip(), headers);
        Self {
            state,
            key: format!("auth:{}", Granularity::CLIENT.label(client)),
            now: now.max(0) as u64,
        }
    }

    /// The decision for `cost` more failures: the fleet's (Redis) and this
    /// instance's, whichever has less room.
    fn rate(&self, cost: u32) -> Option<RateDecision> {
        let s = self.state;
        let local = s
            .auth_failures
            .check_cost(&self.key, cost, self.now)
            .map_err(|e| tracing::warn!(error = %e, "auth failure not counted in-process"))
            .ok();
        let Some(shared) = &s.config.shared_rates else {
            return local;
        };
        let fleet = shared.check_remote(
            "auth_failures",
            &self.key,
            s.auth_failures.quota(),
            cost,
            &s.metrics,
        );
        match (local, fleet) {
            (Some(l), Some(f)) => Some(if f.remaining < l.remaining { f } else { l }),
            (l, f) => l.or(f),
        }
    }

    /// Whether the address is past its quota (no room for one more failure).
    fn exhausted(&self) -> Option<RateDecision> {
        self.rate(0).filter(|d| d.remaining == 0)
    }

    /// The answer to a credential already compared: `valid` passes whatever
    /// the count; a wrong one is refused, counted below the quota.
    pub fn judge(&self, valid: bool) -> Result<(), Refusal> {
        if valid {
            return Ok(());
        }
        if self.exhausted().is_some() {
            self.state.metrics.refused("auth_failures");
            // A refused check counts nothing and says when to retry.
            return Err(Refusal::TooMany(self.rate(1)));
        }
        Err(Refusal::Unauthorized(self.rate(1)))
    }
}

impl Refusal {
    /// The status for this refusal: 429 past the quota, else 401.
    pub fn status(&self) -> axum::http::StatusCode {
        match self {
            Self::TooMany(_) => axum::http::StatusCode::TOO_MANY_REQUESTS,
            Self::Unauthorized(_) => axum::http::StatusCode::UNAUTHORIZED,
        }
    }

    /// The message for this refusal: `unauthorized` for a counted 401.
    pub fn message(&self, unauthorized: &'static str) -> &'static str {
        match self {
            Self::TooMany(_) => "Too many failed authentications from this address.",
            Self::Unauthorized(_) => unauthorized,
        }
    }
}

/// [`AuthFailures::judge`] for a route layer: a valid credential passes at
/// once; a wrong one is judged on the blocking pool (Redis is synchronous).
/// What it needs of the request is read before the future starts, so the
/// future is `Send`.
pub fn judge_request(
    state: &std::sync::Arc<AppState>,
    request: &axum::extract::Request,
    valid: bool,
) -> impl std::future::Future<Output = Result<(), Refusal>> + Send + 'static {
    let job = (!valid).then(|| {
        let peer = request
            .extensions()
            .get::<axum::extract::ConnectInfo<SocketAddr>>()
            .map_or(SocketAddr::from(([0, 0, 0, 0], 0)), |c| c.0);
        (
            std::sync::Arc::clone(state),
            request.headers().clone(),
            peer,
        )
    });
    async move {
        let Some((state, headers, peer)) = job else {
            return Ok(());
        };
        crate::storage::work::spawn_blocking(move || {
            AuthFailures::of(&state, &headers, peer, crate::state::now()).judge(false)
        })
        .await
        .unwrap_or(Err(Refusal::Unauthorized(None)))
    }
}
