//! Webhooks: signing deliveries, verifying them in receivers, and the
//! retry / auto-disable policy. Spec: the Webhooks part of `platform-api.txt`.
//!
//! A delivery is a JSON POST whose `X-MyClickShield-Signature` is the lower-case
//! hex HMAC-SHA256 of `"{timestamp}.{raw body}"`, keyed with the endpoint
//! secret's bytes.

mod app_proxy;
mod delivery;
mod ed25519;
mod error;
mod events;
mod hex;
mod received;
mod replay;
mod replay_shared;
mod scheme;
mod signer;
mod verified;
mod verifier;

pub use app_proxy::{app_proxy_signature, verify_app_proxy, AppProxyRequest, APP_PROXY_MAX_AGE};
pub use delivery::{
    outbox_admits, parse_retry_after, AttemptResult, DeliveryState, DeliveryStatus, EndpointHealth,
    Next, DISABLE_AFTER_FAILURES, HELD_MAX_AGE, HELD_MAX_PER_ENDPOINT, MAX_ATTEMPTS,
    OUTBOX_MAX_PER_ENDPOINT, RETRY_DELAYS, THROTTLE_DEFAULT_WAIT, THROTTLE_MAX_DEFER,
    THROTTLE_MAX_WAIT,
};
pub use error::WebhookError;
pub use events::{
    rfc3339, BlockSource, Event, EventType, FraudDetected, IpBlocked, IpUnblocked, SiteCreated,
    SitePaused, SiteResumed, SubscriptionUpdated,
};
pub use replay::{ReplayGuard, DEFAULT_REPLAY_CAPACITY};
pub use replay_shared::{shared_replay_key, shared_replay_outcome, shared_replay_ttl};
pub use scheme::{Scheme, MIN_STANDARD_KEY, SCHEMES};
pub use signer::{
    SignedDelivery, WebhookSigner, DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER,
    STANDARD_ID_HEADER, STANDARD_SIGNATURE_HEADER, STANDARD_TIMESTAMP_HEADER, TIMESTAMP_HEADER,
};
pub use verified::{Signature, Verified, DELIVERY_ID_TTL};
pub use verifier::{WebhookVerifier, DEFAULT_TOLERANCE, MAX_SECRETS, MAX_TOLERANCE};
