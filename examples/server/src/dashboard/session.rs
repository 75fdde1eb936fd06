//! Sessions: who is signed in, with what credential, and the CSRF token
//! their forms carry.
//!
//! The cookie holds 256 random bits; the database holds only their SHA-256
//! ([`crate::storage::SessionRecord`]). A session is checked against its
//! credential on every request, so revoking the token, or rotating the
//! admin token or API secret, signs its sessions out at once.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;

use super::{DashError, DashResult};
use crate::api::platform::auth::{authenticate_token, credential, token_account, AuthFailures};
use crate::state::{now, AppState};
use crate::storage::{Account, SessionRecord, ABILITIES};
use crate::tokens::hash;

/// The session cookie.
pub const SESSION_COOKIE: &str = "cf_session";
/// The sign-in form's own CSRF cookie (double submit: a page on another
/// site cannot sign a visitor in to an account of the attacker's).
pub const SIGNIN_COOKIE: &str = "cf_signin";
/// How long a session lasts, seconds.
pub const SESSION_SECS: i64 = 12 * 3600;
/// How long the sign-in form stays usable, seconds.
pub const SIGNIN_SECS: i64 = 3600;

/// The credential a session was opened with.
#[derive(Debug, Clone)]
pub enum Credential {
    /// A platform API token (`mcs_live_...`): its account's sites, as far
    /// as its abilities go.
    Platform {
        /// The token's account.
        account: Account,
        /// The token's abilities.
        abilities: Vec<String>,
    },
    /// The click-signing admin token: the click-signing pages.
    Admin,
    /// The edge API secret: the shops' analytics.
    Shop,
}

impl Credential {
    fn kind(&self) -> &'static str {
        match self {
            Self::Platform { .. } => "platform",
            Self::Admin => "admin",
            Self::Shop => "shop",
        }
    }
}

/// The signed-in person behind a request.
#[derive(Debug, Clone)]
pub struct Viewer {
    /// What they signed in with.
    pub credential: Credential,
    /// The CSRF token every form of theirs must send back.
    pub csrf: String,
    /// SHA-256 of the session cookie.
    pub id_hash: String,
}

impl Viewer {
    /// Whether the credential is a platform token holding `ability`.
    pub fn can(&self, ability: &str) -> bool {
        matches!(&self.credential, Credential::Platform { abilities, .. } if abilities.iter().any(|a| a == ability))
    }

    /// The platform account, when the credential is a token with `ability`.
    pub fn account_with(&self, ability: &str) -> DashResult<&Account> {
        match &self.credential {
            Credential::Platform { account, .. } if self.can(ability) => Ok(account),
            _ => Err(DashError::needs(&format!(
                "an API token with the {ability} ability"
            ))),
        }
    }

    /// Whether the token holds every ability: what managing the account's
    /// tokens and webhook endpoints takes (a narrower token must not mint
    /// itself a wider one).
    pub fn full_access(&self) -> bool {
        ABILITIES.iter().all(|a| self.can(a))
    }

    /// The account, when the token holds every ability.
    pub fn full_account(&self) -> DashResult<&Account> {
        match &self.credential {
            Credential::Platform { account, .. } if self.full_access() => Ok(account),
            _ => Err(DashError::needs("an API token with all five abilities")),
        }
    }

    /// Refuses a form whose CSRF token is not this session's.
    pub fn check_csrf(&self, given: Option<&str>) -> DashResult<()> {
        match given {
            Some(given) if crate::secret_eq(given, &self.csrf) => Ok(()),
            _ => Err(DashError::Csrf),
        }
    }
}

impl FromRequestParts<Arc<AppState>> for Viewer {
    type Rejection = DashError;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<AppState>) -> DashResult<Self> {
        let id = cookie(&parts.headers, SESSION_COOKIE).ok_or(DashError::SignIn)?;
        let id_hash = hash(id);
        let state = Arc::clone(state);
        crate::storage::work::spawn_blocking(move || resolve(&state, id_hash, now()))
            .await
            .unwrap_or(Err(DashError::SignIn))
    }
}

impl OptionalFromRequestParts<Arc<AppState>> for Viewer {
    type Rejection = DashError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> DashResult<Option<Self>> {
        match <Self as FromRequestParts<_>>::from_request_parts(parts, state).await {
            Ok(viewer) => Ok(Some(viewer)),
            Err(DashError::SignIn) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// The live session under `id_hash` and the credential it still holds.
fn resolve(state: &AppState, id_hash: String, now: i64) -> DashResult<Viewer> {
    let record = state
        .store
        .session(&id_hash, now)?
        .ok_or(DashError::SignIn)?;
    let still = |secret: &Option<String>| {
        secret
            .as_deref()
            .is_some_and(|s| crate::secret_eq(&hash(s), &record.credential_hash))
    };
    let credential = match record.kind.as_str() {
        "platform" => {
            let (token, account) =
                credential(state, &record.credential_hash, now)?.ok_or(DashError::SignIn)?;
            let account = token_account(account)?;
            Credential::Platform {
                account,
                abilities: token.abilities,
            }
        }
        "admin" if still(&state.config.admin_token) => Credential::Admin,
        "shop" if still(&state.config.api_secret) => Credential::Shop,
        _ => return Err(DashError::SignIn),
    };
    Ok(Viewer {
        credential,
        csrf: record.csrf,
        id_hash,
    })
}

/// Opens a session for `given` (a platform token, the admin token or the
/// API secret); returns the cookie value. Failures count against the
/// address exactly as the API's failed authentications do, and the same
/// quota refuses further attempts.
pub fn open(
    state: &AppState,
    headers: &HeaderMap,
    peer: SocketAddr,
    given: &str,
) -> Result<String, crate::api::platform::error::ApiError> {
    let now = now();
    // The credential first: a right one signs in whatever the address's
    // failure count (owners first); a wrong one counts, as on the API.
    let failures = AuthFailures::of(state, headers, peer, now);
    let given = given.trim();
    let matches = |secret: &Option<String>| {
        secret
            .as_deref()
            .is_some_and(|s| crate::secret_eq(given, s))
    };
    let kind = if !given.is_empty() && matches(&state.config.admin_token) {
        Credential::Admin
    } else if !given.is_empty() && matches(&state.config.api_secret) {
        Credential::Shop
    } else {
        let token = (!given.is_empty()).then_some(given);
        let (caller, abilities) = authenticate_token(state, &failures, token)?;
        Credential::Platform {
            account: caller.account,
            abilities,
        }
    };
    let id = random_token().map_err(crate::api::platform::error::ApiError::internal)?;
    let csrf = random_token().map_err(crate::api::platform::error::ApiError::internal)?;
    let record = SessionRecord {
        kind: kind.kind().to_owned(),
        credential_hash: hash(given),
        csrf,
        expires_at: now + SESSION_SECS,
    };
    state.store.open_session(&hash(&id), &record, now)?;
    Ok(id)
}

/// 256 random bits, base64url.
pub fn random_token() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// The value of cookie `name` in the request, when it looks like one of
/// ours (base64url, at most 64 characters).
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v)
        .filter(|v| {
            !v.is_empty()
                && v.len() <= 64
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

/// A `Set-Cookie` value for one of the dashboard's cookies: `HttpOnly`,
/// `SameSite=Strict`, scoped to `/dashboard`, `Secure` over https;
/// `max_age` 0 deletes it.
pub fn set_cookie(name: &str, value: &str, max_age: i64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    let text = format!(
        "{name}={value}; Path=/dashboard; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}"
    );
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static("invalid=1"))
}

/// Whether the visitor reached us over https: a trusted proxy said so
/// (`X-Forwarded-Proto`), or the server's public URL is https.
pub fn is_https(state: &AppState, peer: SocketAddr, headers: &HeaderMap) -> bool {
    if state.config.click_base_url.starts_with("https://") {
        return true;
    }
    let from_proxy = state.trust.proxies.contains(peer.ip());
    from_proxy
        && headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("https"))
}
