//! The rate-limit headers on every platform answer past authentication.
//!
//! The layer hands each request an empty [`RateSlot`]; the authentication
//! extractor fills it with the token's rate decision; the layer copies the
//! decision's headers onto whatever answer comes back, success or error, so
//! no handler attaches them by hand.

use std::sync::{Arc, Mutex, PoisonError};

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use clickfence::rate::RateDecision;

use super::error::rate_headers;

/// Where the authentication extractor leaves the request's rate decision.
#[derive(Clone, Default, Debug)]
pub struct RateSlot(Arc<Mutex<Option<RateDecision>>>);

impl RateSlot {
    /// Records the decision.
    pub fn set(&self, rate: RateDecision) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = Some(rate);
    }

    fn get(&self) -> Option<RateDecision> {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Layer of the platform routes: the rate-limit headers on every answer.
pub async fn attach(mut request: Request, next: Next) -> Response {
    let slot = RateSlot::default();
    request.extensions_mut().insert(slot.clone());
    let mut response = next.run(request).await;
    if let Some(rate) = slot.get() {
        if !response.headers().contains_key("x-ratelimit-limit") {
            response.headers_mut().extend(rate_headers(&rate));
        }
    }
    response
}
