//! The webhook worker: takes due deliveries from the durable outbox, signs
//! each attempt afresh (same delivery id), posts it, and applies the core's
//! retry schedule and 20-failure auto-disable. A restart resumes from the
//! outbox.

use std::sync::Arc;
use std::time::Duration;

use clickfence::webhook::{AttemptResult, DeliveryState, DeliveryStatus, EndpointHealth, Next};
use clickfence::WebhookSigner;
use http_body_util::Full;
use hyper::body::Bytes;
use hyper::Request;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

type HttpClient = Client<HttpsConnector<HttpConnector>, Full<Bytes>>;

use crate::state::{now, AppState};
use crate::storage::Delivery;

/// How long an attempt may take.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);

/// Runs until `shutdown` resolves.
pub async fn run(state: Arc<AppState>, shutdown: tokio::sync::watch::Receiver<bool>) {
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_webpki_roots()
        .https_or_http()
        .enable_http1()
        .build();
    let client: HttpClient = Client::builder(TokioExecutor::new()).build(https);
    let mut shutdown = shutdown;
    loop {
        // One at a time, re-reading the outbox after each attempt, so an
        // endpoint disabled by one attempt gets no further attempts.
        loop {
            if *shutdown.borrow() {
                return;
            }
            match state.store.due_deliveries(now(), 1) {
                Ok(mut due) if !due.is_empty() => attempt(&state, &client, due.remove(0)).await,
                Ok(_) => break,
                Err(e) => {
                    tracing::error!(error = %e, "cannot read the outbox");
                    break;
                }
            }
        }
        tokio::select! {
            _ = state.deliveries.notified() => {}
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
            _ = shutdown.changed() => return,
        }
    }
}

async fn attempt(state: &AppState, client: &HttpClient, d: Delivery) {
    let now = now();
    let result = post(client, &d, now).await;
    let mut delivery = DeliveryState {
        attempts: d.attempts as u32,
        next_attempt_at: Some(now as u64),
        status: DeliveryStatus::Pending,
    };
    let next = delivery.record(result, now as u64);
    let (status, next_at) = match next {
        Next::Delivered => ("delivered", None),
        Next::GaveUp => ("failed", None),
        Next::RetryAt(t) => ("pending", Some(t as i64)),
    };
    let last = match result {
        AttemptResult::Status(s) => s.to_string(),
        AttemptResult::TransportError => "transport_error".into(),
        AttemptResult::Timeout => "timeout".into(),
    };
    tracing::info!(delivery = d.id, endpoint = d.endpoint.id, event = %d.event, attempt = delivery.attempts, result = %last, "webhook attempt");
    let update = |failures: i64, disabled: bool| {
        let mut health = EndpointHealth {
            consecutive_failures: failures.max(0) as u32,
            disabled,
        };
        if health.record(result) {
            tracing::warn!(
                endpoint = d.endpoint.id,
                "webhook endpoint auto-disabled after 20 consecutive failures"
            );
        }
        (i64::from(health.consecutive_failures), health.disabled)
    };
    if let Err(e) = state.store.record_attempt(
        d.id,
        i64::from(delivery.attempts),
        next_at,
        status,
        &last,
        d.endpoint.id,
        update,
    ) {
        tracing::error!(error = %e, delivery = d.id, "cannot record webhook attempt");
    }
}

async fn post(client: &HttpClient, d: &Delivery, now: i64) -> AttemptResult {
    let Ok(signer) = WebhookSigner::new(&d.endpoint.secret) else {
        return AttemptResult::TransportError;
    };
    let Ok(headers) = signer.headers(&d.event, &d.id.to_string(), now as u64, &d.body) else {
        return AttemptResult::TransportError;
    };
    let mut request = Request::post(&d.endpoint.url);
    for (name, value) in &headers {
        request = request.header(*name, value);
    }
    let Ok(request) = request.body(Full::new(Bytes::from(d.body.clone()))) else {
        return AttemptResult::TransportError;
    };
    match tokio::time::timeout(ATTEMPT_TIMEOUT, client.request(request)).await {
        Err(_) => AttemptResult::Timeout,
        Ok(Err(_)) => AttemptResult::TransportError,
        Ok(Ok(response)) => AttemptResult::Status(response.status().as_u16()),
    }
}
