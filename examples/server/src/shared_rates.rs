//! Rate windows shared by a fleet through Redis (`--redis`): the core's
//! window, velocity and breaker scripts run atomically in Redis, so a
//! token's 60 requests a minute hold across every instance, and the
//! scorer's velocity and the circuit breaker see the whole fleet's clicks.
//! A click's claim, breaker count and counters are one script, one round
//! trip ([`SharedRates::count_click`]).
//!
//! When Redis cannot answer within [`TIMEOUT`], the check is decided by
//! the instance's own in-process limiter instead (fail open to the local
//! window, as Stripe and `rate-limiter-flexible` do): a warning is logged,
//! `rate_store_errors` counts it and `/readyz` reports the rate store
//! degraded for [`DEGRADED_FOR`] seconds. A Redis outage therefore never
//! becomes an error answer; while it lasts, a fleet of N allows up to N
//! times a quota.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use clickfence::click::breaker_shared::{shared_breaker_keys, BREAKER_LUA};
use clickfence::click::click_shared::{click_script, SharedClick, SharedClickAnswer};
use clickfence::click::Ticket;
use clickfence::ip::Source;
use clickfence::rate::redis::{decode_reply, script_args, SLIDING_WINDOW_LUA};
use clickfence::rate::{Quota, RateDecision, RateLimiter};

/// How long one Redis check may take (connect, send, answer).
pub const TIMEOUT: Duration = Duration::from_millis(250);
/// Seconds `/readyz` reports the rate store degraded after its last failure.
pub const DEGRADED_FOR: i64 = 10;
/// Idle connections kept for reuse.
const IDLE: usize = 16;
/// Prefix of every key this server writes.
const PREFIX: &str = "clickfence:rate:";
/// The click script's reply: the earlier use, the breaker's and the
/// counters' integers.
type ClickReply = (String, Vec<i64>, Vec<i64>);
/// Prefix of the consumed tickets' keys.
const TICKET_PREFIX: &str = "clickfence:ticket:";

/// A Redis rate store.
pub struct SharedRates {
    client: redis::Client,
    idle: Mutex<Vec<redis::Connection>>,
    script: redis::Script,
    breaker: redis::Script,
    click: redis::Script,
    breaker_keys: [String; 2],
    last_failure: AtomicI64,
    /// Round trips made (a pipeline is one), for tests that count a
    /// route's.
    round_trips: std::sync::atomic::AtomicU64,
    /// The multiplexed connection awaited checks share, made on first use
    /// on the caller's runtime (it reconnects by itself after a failure).
    multiplexed: tokio::sync::OnceCell<redis::aio::ConnectionManager>,
    /// Redis's `maxmemory-policy` when it is not `noeviction` (read at
    /// start): under any eviction policy a full Redis drops windows, so
    /// counts start again from zero.
    eviction: Option<String>,
}

impl std::fmt::Debug for SharedRates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedRates").finish_non_exhaustive()
    }
}

impl SharedRates {
    /// A store at `url` (`redis://host:port/db`). Only the URL is checked
    /// here: an instance starts (and limits in-process) while Redis is down.
    pub fn new(url: &str) -> Result<Self, redis::RedisError> {
        let mut shared = Self {
            client: redis::Client::open(url)?,
            idle: Mutex::new(Vec::new()),
            script: redis::Script::new(SLIDING_WINDOW_LUA),
            breaker: redis::Script::new(BREAKER_LUA),
            click: redis::Script::new(click_script()),
            breaker_keys: shared_breaker_keys("clickfence:breaker"),
            last_failure: AtomicI64::new(0),
            round_trips: std::sync::atomic::AtomicU64::new(0),
            multiplexed: tokio::sync::OnceCell::new(),
            eviction: None,
        };
        shared.eviction = shared.eviction_policy();
        Ok(shared)
    }

    /// Redis's `maxmemory-policy` when it may evict our keys: anything but
    /// `noeviction` (logged). A Redis that cannot be asked now (down, or
    /// `CONFIG` disabled) is logged and not judged.
    fn eviction_policy(&self) -> Option<String> {
        let policy = self.with_connection(|conn| {
            let reply: Vec<String> = redis::cmd("CONFIG")
                .arg("GET")
                .arg("maxmemory-policy")
                .query(conn)
                .map_err(|e| e.to_string())?;
            reply.get(1).cloned().ok_or_else(|| "no answer".to_owned())
        });
        match policy {
            Ok(p) if p == "noeviction" => None,
            Ok(p) => {
                tracing::warn!(
                    policy = %p,
                    "redis_maxmemory_policy: Redis may evict rate windows when full; set maxmemory-policy noeviction"
                );
                Some(p)
            }
            Err(error) => {
                tracing::warn!(%error, "redis_maxmemory_policy: could not read it; set maxmemory-policy noeviction");
                None
            }
        }
    }

    /// The eviction policy found at start, when it may evict our keys.
    pub fn eviction(&self) -> Option<&str> {
        self.eviction.as_deref()
    }

    /// Decides `cost` units of `key` under `quota` in Redis, or, when Redis
    /// cannot answer, with `local` (see the module's documentation).
    /// `what` names the quota in logs and metrics.
    pub fn check(
        &self,
        what: &str,
        key: &str,
        cost: u32,
        local: &RateLimiter,
        now: u64,
        metrics: &crate::metrics::Metrics,
    ) -> Result<RateDecision, clickfence::rate::RateError> {
        match self.remote(key, local.quota(), cost) {
            Ok(Ok(decision)) => Ok(decision),
            Ok(Err(refused)) => Err(refused),
            Err(e) => {
                self.failed(what, &e, metrics);
                local.check_cost(key, cost, now)
            }
        }
    }

    /// [`check`](Self::check), awaited on the instance's one multiplexed
    /// connection: no thread waits for Redis. Call from a runtime.
    pub async fn check_async(
        &self,
        what: &str,
        key: &str,
        cost: u32,
        local: &RateLimiter,
        now: u64,
        metrics: &crate::metrics::Metrics,
    ) -> Result<RateDecision, clickfence::rate::RateError> {
        let quota = local.quota();
        let args = script_args(quota, cost)?;
        let remote = async {
            let mut conn = self.multiplexed().await?;
            self.round_trips.fetch_add(1, Ordering::Relaxed);
            let reply: Vec<i64> = self
                .script
                .key(format!("{PREFIX}{key}"))
                .arg(&args[0])
                .arg(&args[1])
                .arg(&args[2])
                .invoke_async(&mut conn)
                .await
                .map_err(|e| e.to_string())?;
            decode_reply(quota, &reply).map_err(|e| e.to_string())
        };
        match remote.await {
            Ok(decision) => Ok(decision),
            Err(e) => {
                self.failed(what, &e, metrics);
                local.check_cost(key, cost, now)
            }
        }
    }

    /// The multiplexed connection (a cheap handle), made on first use.
    async fn multiplexed(&self) -> Result<redis::aio::ConnectionManager, String> {
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(Some(TIMEOUT))
            .set_response_timeout(Some(TIMEOUT))
            .set_number_of_retries(1);
        self.multiplexed
            .get_or_try_init(|| {
                redis::aio::ConnectionManager::new_with_config(self.client.clone(), config)
            })
            .await
            .cloned()
            .map_err(|e| e.to_string())
    }

    /// Decides `cost` units of `key` under `quota` in Redis only: `None`
    /// when Redis cannot answer (logged and counted) or refuses the check,
    /// for callers that keep their own in-process count beside it.
    pub fn check_remote(
        &self,
        what: &str,
        key: &str,
        quota: Quota,
        cost: u32,
        metrics: &crate::metrics::Metrics,
    ) -> Option<RateDecision> {
        match self.remote(key, quota, cost) {
            Ok(decision) => decision.ok(),
            Err(e) => {
                self.failed(what, &e, metrics);
                None
            }
        }
    }

    /// One click's shared work under this store's keys: the `ticket` to
    /// claim, what the breaker counts at a first use, and the `(what, key)`
    /// counters to record unless the claim is a double click.
    pub fn click(
        &self,
        ticket: Option<&Ticket>,
        breaker: Option<(bool, Source)>,
        counters: &[(&str, String)],
        now: u64,
    ) -> SharedClick {
        SharedClick::new(
            ticket.map(|t| (t, TICKET_PREFIX)),
            breaker.map(|(valid, source)| (valid, source, &self.breaker_keys)),
            counters
                .iter()
                .map(|(what, key)| counter_key(what, key))
                .collect(),
            now,
        )
    }

    /// One click's claim, breaker count and counters in one round trip
    /// (the core's click script): `None` when Redis cannot answer (logged
    /// and counted), and the caller then does all three in-process.
    pub fn count_click(
        &self,
        click: &SharedClick,
        metrics: &crate::metrics::Metrics,
    ) -> Option<SharedClickAnswer> {
        let reply = self.with_connection(|conn| {
            self.click_invocation(click)
                .invoke::<ClickReply>(conn)
                .map_err(|e| e.to_string())
        });
        self.click_answer(click, reply, metrics)
    }

    /// [`count_click`](Self::count_click), awaited on the instance's one
    /// multiplexed connection. Call from a runtime.
    pub async fn count_click_async(
        &self,
        click: &SharedClick,
        metrics: &crate::metrics::Metrics,
    ) -> Option<SharedClickAnswer> {
        let reply = async {
            let mut conn = self.multiplexed().await?;
            self.round_trips.fetch_add(1, Ordering::Relaxed);
            self.click_invocation(click)
                .invoke_async::<ClickReply>(&mut conn)
                .await
                .map_err(|e| e.to_string())
        };
        let reply = reply.await;
        self.click_answer(click, reply, metrics)
    }

    fn click_invocation(&self, click: &SharedClick) -> redis::ScriptInvocation<'_> {
        let mut invocation = self.click.prepare_invoke();
        for key in click.keys() {
            invocation.key(key);
        }
        for arg in click.args() {
            invocation.arg(arg);
        }
        invocation
    }

    fn click_answer(
        &self,
        click: &SharedClick,
        reply: Result<ClickReply, String>,
        metrics: &crate::metrics::Metrics,
    ) -> Option<SharedClickAnswer> {
        let answer = reply.and_then(|(prior, breaker, counts)| {
            click
                .decode(&prior, &breaker, &counts)
                .map_err(|e| e.to_string())
        });
        answer.map_err(|e| self.failed("click", &e, metrics)).ok()
    }

    /// Forgets every failure the fleet's breaker counted (an operator's
    /// re-enable, as the in-process breaker does). A Redis failure is
    /// logged: the old failures then age out within the hour.
    pub fn forget_breaker_failures(&self, metrics: &crate::metrics::Metrics) {
        let forgotten = self.with_connection(|conn| {
            let _: Vec<i64> = self
                .breaker
                .key(&self.breaker_keys[0])
                .key(&self.breaker_keys[1])
                .arg("forget")
                .arg("-")
                .invoke(conn)
                .map_err(|e| e.to_string())?;
            Ok(())
        });
        if let Err(e) = forgotten {
            self.failed("breaker", &e, metrics);
        }
    }

    fn failed(&self, what: &str, error: &str, metrics: &crate::metrics::Metrics) {
        self.last_failure
            .store(crate::state::now(), Ordering::Relaxed);
        metrics.rate_store_error(what);
        tracing::warn!(quota = what, %error, "rate_store_unavailable: decided in-process");
    }

    /// How many times this store has gone to Redis (a pipeline, or a
    /// script reloaded on the way, counts once).
    pub fn round_trips(&self) -> u64 {
        self.round_trips.load(Ordering::Relaxed)
    }

    /// Runs `f` on a pooled connection, returned to the pool if `f` succeeds.
    fn with_connection<T>(
        &self,
        f: impl FnOnce(&mut redis::Connection) -> Result<T, String>,
    ) -> Result<T, String> {
        let mut conn = self.connection().map_err(|e| e.to_string())?;
        self.round_trips.fetch_add(1, Ordering::Relaxed);
        let out = f(&mut conn)?;
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        if idle.len() < IDLE {
            idle.push(conn);
        }
        Ok(out)
    }

    /// Whether a check failed in the last [`DEGRADED_FOR`] seconds, or
    /// Redis may evict our keys.
    pub fn degraded(&self, now: i64) -> bool {
        let last = self.last_failure.load(Ordering::Relaxed);
        self.eviction.is_some() || (last > 0 && now - last < DEGRADED_FOR)
    }

    /// The script's decision; the outer error is Redis failing, the inner
    /// one a check the core refuses (a cost above the limit).
    fn remote(
        &self,
        key: &str,
        quota: Quota,
        cost: u32,
    ) -> Result<Result<RateDecision, clickfence::rate::RateError>, String> {
        let args = match script_args(quota, cost) {
            Ok(args) => args,
            Err(refused) => return Ok(Err(refused)),
        };
        self.with_connection(|conn| {
            let reply: Vec<i64> = self
                .script
                .key(format!("{PREFIX}{key}"))
                .arg(&args[0])
                .arg(&args[1])
                .arg(&args[2])
                .invoke(conn)
                .map_err(|e| e.to_string())?;
            decode_reply(quota, &reply).map_err(|e| e.to_string())
        })
        .map(Ok)
    }

    fn connection(&self) -> redis::RedisResult<redis::Connection> {
        let reused = self
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        if let Some(conn) = reused {
            return Ok(conn);
        }
        let conn = self.client.get_connection_with_timeout(TIMEOUT)?;
        conn.set_read_timeout(Some(TIMEOUT))?;
        conn.set_write_timeout(Some(TIMEOUT))?;
        Ok(conn)
    }
}

/// A velocity counter's key in Redis: `what` names the counter family.
fn counter_key(what: &str, key: &str) -> String {
    format!("{PREFIX}{what}:{key}")
}
