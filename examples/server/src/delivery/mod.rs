//! The webhook worker: takes due deliveries from the durable outbox, signs
//! each attempt afresh (same delivery id), posts it, and applies the core's
//! retry schedule and 20-failure auto-disable. A restart resumes from the
//! outbox.
//!
//! Endpoints are independent: each endpoint with due deliveries gets its own
//! task (at most [`MAX_CONCURRENT_ENDPOINTS`] at once), which sends that
//! endpoint's deliveries one at a time, re-reading the outbox after each
//! attempt so an endpoint disabled by one attempt gets no further ones and
//! its consecutive-failure count stays exact. An endpoint that never answers
//! therefore delays only itself.

pub mod prune;
pub mod target;

use std::collections::HashSet;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use clickfence::webhook::{
    AttemptResult, DeliveryState, DeliveryStatus, EndpointHealth, Next, Scheme,
};
use clickfence::WebhookSigner;
use http_body_util::Full;
use hyper::body::Bytes;
use hyper::Request;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use tokio::sync::{watch, Semaphore};
use tokio::task::JoinSet;

use self::target::{check_url, PublicResolver};
use crate::state::{now, AppState};
use crate::storage::{AttemptRecord, Delivery, StoreResult};

type HttpClient = Client<HttpsConnector<HttpConnector<PublicResolver>>, Full<Bytes>>;

/// How long an attempt may take.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);
/// Endpoints delivered to at the same time.
pub const MAX_CONCURRENT_ENDPOINTS: usize = 32;
/// Endpoints read per scan of the outbox.
const SCAN: i64 = 500;
/// The least time between two scans of the outbox for due endpoints. Every
/// commit that queues a delivery wakes the worker, and a scan reads every
/// due delivery: a flood of reacting clicks (one commit each) made it scan
/// once per click, most of PostgreSQL's CPU in that flood (BENCHMARKS.md).
/// An endpoint already being drained picks up its new deliveries itself,
/// so spacing the scans delays only an idle endpoint's first delivery.
pub const MIN_SCAN_INTERVAL: Duration = Duration::from_millis(20);
/// How long a claim on a delivery lasts: far longer than an attempt
/// ([`ATTEMPT_TIMEOUT`]), so a live instance never loses one mid-attempt; an
/// instance that died frees its claims after this.
pub const LEASE_SECS: i64 = 60;

struct Worker {
    state: Arc<AppState>,
    client: HttpClient,
    busy: Mutex<HashSet<i64>>,
    slots: Arc<Semaphore>,
    shutdown: watch::Receiver<bool>,
}

/// Runs until `shutdown` turns true. Attempts in flight then are abandoned;
/// their deliveries stay pending and are retried under the same id.
pub async fn run(state: Arc<AppState>, shutdown: watch::Receiver<bool>) {
    let worker = Arc::new(Worker {
        client: client(state.config.allow_private_webhooks),
        state,
        busy: Mutex::new(HashSet::new()),
        slots: Arc::new(Semaphore::new(MAX_CONCURRENT_ENDPOINTS)),
        shutdown: shutdown.clone(),
    });
    let mut tasks = JoinSet::new();
    let pruner = tokio::spawn(prune::run(Arc::clone(&worker.state), shutdown.clone()));
    let mut shutdown = shutdown;
    loop {
        if *shutdown.borrow() {
            break;
        }
        worker
            .state
            .worker_beat
            .store(now(), std::sync::atomic::Ordering::Relaxed);
        let scanned = tokio::time::Instant::now();
        worker.dispatch(&mut tasks).await;
        while tasks.try_join_next().is_some() {}
        tokio::select! {
            _ = worker.state.deliveries.notified() => {
                tokio::time::sleep_until(scanned + MIN_SCAN_INTERVAL).await;
            }
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
            _ = shutdown.changed() => break,
        }
    }
    tasks.abort_all();
    while tasks.join_next().await.is_some() {}
    let _ = pruner.await;
    // Attempts cut short here stay pending under the same delivery id; their
    // claims are let go so any instance retries them at once.
    let owner = worker.state.instance.clone();
    if let Err(e) = db(&worker.state, move |s| s.store.release_claims(&owner)).await {
        tracing::error!(error = %e, "cannot release delivery claims; they expire in {LEASE_SECS} s");
    }
}

fn client(allow_private: bool) -> HttpClient {
    let mut http = HttpConnector::new_with_resolver(PublicResolver::new(allow_private));
    http.enforce_http(false);
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_webpki_roots()
        .https_or_http()
        .enable_http1()
        .wrap_connector(http);
    Client::builder(TokioExecutor::new()).build(https)
}

/// Runs `f` on the store in tokio's blocking pool.
async fn db<R: Send + 'static>(
    state: &Arc<AppState>,
    f: impl FnOnce(&AppState) -> StoreResult<R> + Send + 'static,
) -> StoreResult<R> {
    let state = Arc::clone(state);
    crate::storage::work::spawn_blocking(move || f(&state))
        .await
        .map_err(|e| crate::storage::StoreError::Task(e.to_string()))?
}

impl Worker {
    /// Starts a task for every endpoint with due, unclaimed deliveries that
    /// has none here.
    async fn dispatch(self: &Arc<Self>, tasks: &mut JoinSet<()>) {
        let due = match db(&self.state, |s| s.store.due_endpoints(now(), SCAN)).await {
            Ok(due) => due,
            Err(e) => {
                tracing::error!(error = %e, "cannot read the outbox");
                return;
            }
        };
        for endpoint in due {
            if !self.lock_busy().insert(endpoint) {
                continue;
            }
            let Ok(slot) = Arc::clone(&self.slots).try_acquire_owned() else {
                self.lock_busy().remove(&endpoint);
                break;
            };
            let me = Arc::clone(self);
            tasks.spawn(async move {
                me.drain(endpoint).await;
                me.lock_busy().remove(&endpoint);
                drop(slot);
                // Deliveries queued while this endpoint was busy were skipped.
                me.state.deliveries.notify_one();
            });
        }
    }

    /// Sends one endpoint's due deliveries, one at a time, each under a
    /// claim (see [`crate::storage::Store::claim_next`]); stops when another
    /// instance holds the endpoint or nothing is due.
    async fn drain(&self, endpoint: i64) {
        loop {
            if *self.shutdown.borrow() {
                return;
            }
            let owner = self.state.instance.clone();
            let claimed = db(&self.state, move |s| {
                let lease = s.config.delivery_lease_secs.unwrap_or(LEASE_SECS);
                s.store.claim_next(endpoint, &owner, now(), lease)
            })
            .await;
            match claimed {
                Ok(Some(d)) => self.attempt(d).await,
                Ok(None) => return,
                Err(e) => {
                    tracing::error!(error = %e, endpoint, "cannot claim from the outbox");
                    return;
                }
            }
        }
    }

    fn lock_busy(&self) -> std::sync::MutexGuard<'_, HashSet<i64>> {
        self.busy.lock().unwrap_or_else(PoisonError::into_inner)
    }

    async fn attempt(&self, d: Delivery) {
        let now = now();
        let started = std::time::Instant::now();
        let (result, error, retry_after) = post(
            &self.client,
            &d,
            now,
            self.state.config.allow_private_webhooks,
        )
        .await;
        let latency_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
        let mut delivery = DeliveryState {
            attempts: d.attempts as u32,
            next_attempt_at: Some(now as u64),
            status: DeliveryStatus::Pending,
        };
        // A 429 or 503 slows the endpoint (its Retry-After, capped) and
        // uses no attempt; the core decides, as for every other answer.
        let next =
            delivery.record_answer(result, retry_after, d.queued_at.max(0) as u64, now as u64);
        let hold_endpoint_until = match next {
            Next::RetryAt(t)
                if result.is_throttling() && delivery.attempts == d.attempts as u32 =>
            {
                Some(t as i64)
            }
            _ => None,
        };
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
        self.state.metrics.attempt(&last);
        tracing::info!(delivery = d.id, endpoint = d.endpoint.id, event = %d.event, attempt = delivery.attempts, result = %last, "webhook attempt");
        let (id, endpoint, attempts) = (d.id, d.endpoint.id, i64::from(delivery.attempts));
        let owner = self.state.instance.clone();
        let event = d.event;
        let recorded = db(&self.state, move |s| {
            let record = AttemptRecord {
                delivery: id,
                attempts,
                next_attempt_at: next_at,
                status,
                last_status: &last,
                endpoint,
                owner: &owner,
                event: &event,
                latency_ms,
                error: error.as_deref(),
                at: now,
                hold_endpoint_until,
            };
            s.store.record_attempt(&record, |failures, disabled| {
                let mut health = EndpointHealth {
                    consecutive_failures: failures.max(0) as u32,
                    disabled,
                };
                if health.record(result) {
                    tracing::warn!(
                        endpoint,
                        "webhook endpoint auto-disabled after 20 consecutive failures"
                    );
                }
                (i64::from(health.consecutive_failures), health.disabled)
            })
        })
        .await;
        match recorded {
            Ok(Some(_)) => {}
            Ok(None) => tracing::warn!(
                delivery = id,
                "claim expired before the attempt was recorded; another instance may retry it"
            ),
            Err(e) => tracing::error!(error = %e, delivery = id, "cannot record webhook attempt"),
        }
    }
}

/// Makes one attempt: its result, when it is not a 2xx what went wrong in
/// words (for the dashboard's attempt list; never the body), and the
/// seconds a `Retry-After` asked for.
async fn post(
    client: &HttpClient,
    d: &Delivery,
    now: i64,
    allow_private: bool,
) -> (AttemptResult, Option<String>, Option<u64>) {
    let refused = |why: String| (AttemptResult::TransportError, Some(why), None);
    // Checked again at every attempt: a URL stored before this rule, or by
    // hand, is never requested.
    let url = match check_url(&d.endpoint.url, allow_private) {
        Ok(url) => url,
        Err(why) => {
            tracing::warn!(endpoint = d.endpoint.id, %why, "webhook URL refused");
            return refused(format!("URL refused: {why}"));
        }
    };
    let Ok(format) = Scheme::from_name(&d.endpoint.format) else {
        return refused(format!("unknown delivery format {:?}", d.endpoint.format));
    };
    let Ok(signer) = WebhookSigner::with_scheme(format, &d.endpoint.secret) else {
        return refused("the endpoint's secret cannot sign".into());
    };
    let Ok(headers) = signer.headers(&d.event, &d.id.to_string(), now as u64, &d.body) else {
        return refused("the delivery cannot be signed".into());
    };
    let mut request = Request::post(url.as_str());
    for (name, value) in &headers {
        request = request.header(*name, value);
    }
    let Ok(request) = request.body(Full::new(Bytes::from(d.body.clone()))) else {
        return refused("the request cannot be built".into());
    };
    match tokio::time::timeout(ATTEMPT_TIMEOUT, client.request(request)).await {
        Err(_) => (
            AttemptResult::Timeout,
            Some(format!("no answer within {} s", ATTEMPT_TIMEOUT.as_secs())),
            None,
        ),
        Ok(Err(e)) => refused(transport_error(&e)),
        Ok(Ok(response)) => {
            let status = response.status();
            let error = (!status.is_success()).then(|| format!("HTTP {status}"));
            let retry_after = response
                .headers()
                .get(hyper::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| clickfence::webhook::parse_retry_after(v, now.max(0) as u64));
            (AttemptResult::Status(status.as_u16()), error, retry_after)
        }
    }
}

/// A client error in words: its chain of causes (connection refused, DNS,
/// TLS), at most 300 characters.
fn transport_error(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text.chars().take(300).collect()
}
