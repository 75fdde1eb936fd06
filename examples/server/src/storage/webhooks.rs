//! Webhook endpoints and the delivery outbox.

use super::db::{params, Lock, Row};
use serde::Serialize;

use super::{Store, StoreResult, MAX_ENDPOINTS};

/// Where a delivery stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryRow {
    /// Id (also the X-MyClickShield-Delivery value).
    pub id: i64,
    /// pending | delivered | failed.
    pub status: String,
    /// Attempts made.
    pub attempts: i64,
    /// When the next attempt is due (pending only).
    pub next_attempt_at: Option<i64>,
    /// The HTTP status or transport outcome of the last attempt.
    pub last_status: Option<String>,
}

/// A webhook endpoint.
#[derive(Debug, Clone, Serialize)]
pub struct Endpoint {
    /// Id.
    pub id: i64,
    /// Owner.
    pub account_id: i64,
    /// URL.
    pub url: String,
    /// Secret (never serialized).
    #[serde(skip)]
    pub secret: String,
    /// Subscribed events.
    pub events: Vec<String>,
    /// Consecutive failed attempts.
    pub consecutive_failures: i64,
    /// Auto-disabled.
    pub disabled: bool,
    /// How deliveries are signed: `myclickshield` or `standard`.
    pub format: String,
}

/// A delivery due for an attempt.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// Id (also the X-MyClickShield-Delivery value).
    pub id: i64,
    /// Endpoint.
    pub endpoint: Endpoint,
    /// Event name.
    pub event: String,
    /// Exact body bytes.
    pub body: Vec<u8>,
    /// Attempts so far.
    pub attempts: i64,
    /// When it was queued, unix seconds.
    pub queued_at: i64,
}

/// One finished attempt, as the worker records it.
#[derive(Debug)]
pub struct AttemptRecord<'a> {
    /// The delivery.
    pub delivery: i64,
    /// Attempts made so far, this one included.
    pub attempts: i64,
    /// When to try again (pending only).
    pub next_attempt_at: Option<i64>,
    /// pending | delivered | failed.
    pub status: &'a str,
    /// The HTTP status or transport outcome of this attempt.
    pub last_status: &'a str,
    /// The endpoint.
    pub endpoint: i64,
    /// The instance whose claim this attempt ran under.
    pub owner: &'a str,
    /// The event delivered.
    pub event: &'a str,
    /// How long the attempt took, milliseconds.
    pub latency_ms: i64,
    /// What went wrong, in words (`None` for a 2xx).
    pub error: Option<&'a str>,
    /// When the attempt was made, unix seconds.
    pub at: i64,
    /// The receiver asked to slow down: the endpoint is left alone until
    /// then (its other pending deliveries wait too).
    pub hold_endpoint_until: Option<i64>,
}

/// One attempt of a delivery, as the dashboard lists it.
#[derive(Debug, Clone)]
pub struct Attempt {
    /// The delivery (its `X-MyClickShield-Delivery`).
    pub delivery: i64,
    /// The event delivered.
    pub event: String,
    /// 1 for the first attempt of the delivery.
    pub attempt: i64,
    /// The HTTP status, `timeout` or `transport_error`.
    pub outcome: String,
    /// Milliseconds.
    pub latency_ms: i64,
    /// What went wrong, in words.
    pub error: Option<String>,
    /// Unix seconds.
    pub at: i64,
}

/// Attempts kept per endpoint: enough to see a pattern, bounded so a
/// failing receiver cannot grow the table without end.
pub const ATTEMPTS_KEPT: i64 = 50;

const DELIVERY_COLUMNS: &str = "d.id, d.event, d.body, d.attempts, e.id, e.account_id, e.url, e.secret, e.events, e.consecutive_failures, e.disabled, d.created_at, e.format";

fn delivery_from(r: &Row) -> StoreResult<Delivery> {
    let events: String = r.get(8)?;
    Ok(Delivery {
        id: r.get(0)?,
        event: r.get(1)?,
        body: r.get(2)?,
        attempts: r.get(3)?,
        queued_at: r.get(11)?,
        endpoint: Endpoint {
            id: r.get(4)?,
            account_id: r.get(5)?,
            url: r.get(6)?,
            secret: r.get(7)?,
            events: events.split(',').map(str::to_owned).collect(),
            consecutive_failures: r.get(9)?,
            disabled: r.get(10)?,
            format: r.get(12)?,
        },
    })
}

fn endpoint_from(row: &Row) -> StoreResult<Endpoint> {
    let events: String = row.get(4)?;
    Ok(Endpoint {
        id: row.get(0)?,
        account_id: row.get(1)?,
        url: row.get(2)?,
        secret: row.get(3)?,
        events: events
            .split(',')
            .filter(|e| !e.is_empty())
            .map(str::to_owned)
            .collect(),
        consecutive_failures: row.get(5)?,
        disabled: row.get(6)?,
        format: row.get(7)?,
    })
}

/// Up to `?2` endpoints with a delivery due at `?1`, enabled, not asking
/// for quiet and with no delivery in flight, oldest due first: the delivery
/// worker's scan. It steps from one endpoint with waiting deliveries to the
/// next (a loose scan of the waiting deliveries' index, migration 24) and
/// reads each one's oldest, so it costs the endpoints with a backlog, not
/// the backlog: grouping every due delivery by endpoint read 5,000 rows a
/// scan for one full outbox, and every full outbox's rows when a flood
/// fills many at once. An endpoint with a delivery in flight is left out
/// (its claim would be refused: one attempt per endpoint at a time).
/// Public for the test that reads its plan.
pub const DUE_ENDPOINTS: &str = "WITH RECURSIVE waiting(id) AS (
        SELECT MIN(endpoint_id) FROM deliveries WHERE status = 'pending'
        UNION ALL
        SELECT (SELECT MIN(endpoint_id) FROM deliveries WHERE status = 'pending' AND endpoint_id > w.id)
        FROM waiting w WHERE w.id IS NOT NULL
    ), due(id, at) AS (
        SELECT w.id, (SELECT MIN(next_attempt_at) FROM deliveries d WHERE d.endpoint_id = w.id AND d.status = 'pending')
        FROM waiting w JOIN webhook_endpoints e ON e.id = w.id
        WHERE e.disabled = 0 AND (e.throttled_until IS NULL OR e.throttled_until <= ?1)
          AND NOT EXISTS (SELECT 1 FROM deliveries c WHERE c.endpoint_id = w.id AND c.claimed_until >= ?1)
    )
    SELECT id FROM due WHERE at <= ?1 ORDER BY at, id LIMIT ?2";

/// Whether a delivery of endpoint `?1` is claimed at `?2` (one attempt
/// per endpoint at a time, fleet-wide), asked before every claim. Only a
/// pending delivery carries a claim (the attempt that ends it clears it),
/// so it asks no status: with one, a planner without fresh statistics
/// (a table that grew within seconds) read every pending delivery of the
/// endpoint through the order index instead of the claims' (migration 23;
/// 1.5–20 ms with 5,000 waiting on PostgreSQL, `BENCHMARKS.md`). Public
/// for the test that reads its plan.
pub const LIVE_CLAIM: &str =
    "SELECT EXISTS (SELECT 1 FROM deliveries WHERE endpoint_id = ?1 AND claimed_until >= ?2)";

/// Finished deliveries (delivered, or out of attempts) are kept this long
/// after they were queued, for an operator looking into a receiver's
/// complaint, then deleted: nothing else reads them, and the events behind
/// them are raised by anonymous clients (a flood's fraud reports and
/// auto-blocks), so kept for ever they grew the table by a row a delivery.
pub const FINISHED_KEPT_SECS: i64 = 7 * 24 * 3600;

/// Deletes up to `?2` finished deliveries queued before `?1`, oldest first,
/// reading only the index of finished deliveries (migration 25) and then
/// the chosen rows by key, so a prune with nothing to delete reads nothing,
/// however many deliveries are waiting or recent. PostgreSQL is given the
/// ids as an array: as an `IN` subquery they were planned as a hash join
/// over a scan of the whole table. SQLite probes its rowids for `IN`.
/// Public for the test that reads its plan.
pub fn prune_finished(postgres: bool) -> &'static str {
    if postgres {
        "DELETE FROM deliveries WHERE id = ANY(ARRAY(
            SELECT id FROM deliveries WHERE status <> 'pending' AND created_at < ?1
            ORDER BY created_at LIMIT ?2))"
    } else {
        "DELETE FROM deliveries WHERE id IN (
            SELECT id FROM deliveries WHERE status <> 'pending' AND created_at < ?1
            ORDER BY created_at LIMIT ?2)"
    }
}

impl Store {
    /// Deletes up to `limit` finished deliveries queued before `before`,
    /// oldest first ([`prune_finished`]); returns how many. A fleet's
    /// instances may prune at once: a row is deleted once.
    pub fn prune_finished_deliveries(&self, before: i64, limit: i64) -> StoreResult<usize> {
        let db = self.db()?;
        db.execute(prune_finished(db.is_postgres()), params![before, limit])
    }

    /// Deliveries waiting for an attempt, and the events every endpoint's
    /// full outbox dropped since it was added (written or still counted in
    /// memory).
    pub fn outbox_figures(&self) -> StoreResult<(i64, i64)> {
        let db = self.db()?;
        let depth = db.query_row(
            "SELECT COUNT(*) FROM deliveries WHERE status = 'pending'",
            params![],
            |r| r.get(0),
        )?;
        let written: i64 = db.query_row(
            "SELECT COALESCE(SUM(dropped_events), 0) FROM webhook_endpoints",
            params![],
            |r| r.get(0),
        )?;
        Ok((depth, written.saturating_add(self.dropped.unwritten())))
    }

    /// Adds a webhook endpoint signed in the spec's format; None past
    /// [`MAX_ENDPOINTS`].
    pub fn add_endpoint(
        &self,
        account: i64,
        url: &str,
        secret: &str,
        events: &[String],
        now: i64,
    ) -> StoreResult<Option<i64>> {
        self.add_endpoint_in(account, url, secret, events, "myclickshield", now)
    }

    /// Adds a webhook endpoint whose deliveries are signed in `format`
    /// (`myclickshield` or `standard`); None past [`MAX_ENDPOINTS`].
    pub fn add_endpoint_in(
        &self,
        account: i64,
        url: &str,
        secret: &str,
        events: &[String],
        format: &str,
        now: i64,
    ) -> StoreResult<Option<i64>> {
        // Moves the `endpoints` version: the account's kept subscriptions.
        self.changing(super::config::Shared::Endpoints, |db| {
        db.exclusive(Lock::AccountEndpoints(account))?;
        let n: i64 = db.query_row(
            "SELECT COUNT(*) FROM webhook_endpoints WHERE account_id = ?1",
            params![account],
            |r| r.get(0),
        )?;
        if n >= MAX_ENDPOINTS {
            return Ok(None);
        }
        db.query_row(
            "INSERT INTO webhook_endpoints (account_id, url, secret, events, created_at, format) VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
            params![account, url, secret, events.join(","), now, format],
            |r| r.get(0),
        ).map(Some)
        })
    }

    /// Whether any endpoint of `account` (enabled or not: a disabled one's
    /// events are held) takes `event`. Kept per account until an endpoint
    /// is added here or, within the fleet's second, elsewhere (endpoints
    /// are never removed nor their events changed).
    pub fn subscribes(&self, account: i64, event: &str, now: i64) -> StoreResult<bool> {
        let events = self.subscriptions.get_or_read(account, now, || {
            let rows = self.db()?.query(SUBSCRIPTIONS, params![account])?;
            subscribed_events(&rows).map(Some)
        })?;
        Ok(events.is_some_and(|e| e.iter().any(|e| e == event)))
    }

    /// [`subscribes`](Self::subscribes), awaited (click intake's path).
    pub async fn subscribes_async(&self, account: i64, event: &str, now: i64) -> StoreResult<bool> {
        let events = self
            .subscriptions
            .get_or_await(account, now, || async move {
                let rows = self
                    .query_async(SUBSCRIPTIONS.to_owned(), params![account])
                    .await?;
                subscribed_events(&rows).map(Some)
            })
            .await?;
        Ok(events.is_some_and(|e| e.iter().any(|e| e == event)))
    }

    /// Forgets every account's kept subscriptions (an endpoint was added
    /// here or elsewhere).
    pub fn forget_subscriptions(&self) {
        self.subscriptions.forget();
    }

    /// An account's endpoints.
    pub fn endpoints_of(&self, account: i64) -> StoreResult<Vec<Endpoint>> {
        let db = self.db()?;
        let rows = db.query_map(
"SELECT id, account_id, url, secret, events, consecutive_failures, disabled, format FROM webhook_endpoints WHERE account_id = ?1 ORDER BY id",
params![account], endpoint_from)?;
        Ok(rows)
    }

    /// An endpoint's last `limit` attempts, newest first.
    pub fn attempts_of(&self, endpoint: i64, limit: i64) -> StoreResult<Vec<Attempt>> {
        self.db()?.query_map(
            "SELECT delivery_id, event, attempt, outcome, latency_ms, error, at FROM webhook_attempts
             WHERE endpoint_id = ?1 ORDER BY id DESC LIMIT ?2",
            params![endpoint, limit],
            |r| {
                Ok(Attempt {
                    delivery: r.get(0)?,
                    event: r.get(1)?,
                    attempt: r.get(2)?,
                    outcome: r.get(3)?,
                    latency_ms: r.get(4)?,
                    error: r.get(5)?,
                    at: r.get(6)?,
                })
            },
        )
    }

    /// Re-enables an endpoint and resets its failure count; the deliveries
    /// it still has pending (waiting out a retry delay) are due at `now`,
    /// since the receiver is said to be fixed.
    pub fn reenable_endpoint(&self, id: i64, now: i64) -> StoreResult<bool> {
        self.transaction(|tx| {
            let found = tx.execute(
                "UPDATE webhook_endpoints SET disabled = 0, consecutive_failures = 0, throttled_until = NULL WHERE id = ?1",
                params![id],
            )? == 1;
            // Held events past their age are dropped, not delivered late.
            let oldest = now - i64::try_from(clickfence::webhook::HELD_MAX_AGE).unwrap_or(i64::MAX);
            tx.execute(
                "DELETE FROM deliveries WHERE endpoint_id = ?1 AND status = 'pending' AND created_at < ?2",
                params![id, oldest],
            )?;
            tx.execute(
                "UPDATE deliveries SET next_attempt_at = ?2 WHERE endpoint_id = ?1 AND status = 'pending' AND next_attempt_at > ?2",
                params![id, now],
            )?;
            Ok(found)
        })
    }

    /// Endpoints with a due delivery and no delivery in flight, oldest due
    /// first (see [`DUE_ENDPOINTS`]).
    pub fn due_endpoints(&self, now: i64, limit: i64) -> StoreResult<Vec<i64>> {
        let db = self.db()?;
        let rows = db.query_map(DUE_ENDPOINTS, params![now, limit], |r| r.get(0))?;
        Ok(rows)
    }

    /// Claims `endpoint`'s next due delivery for `owner` until
    /// `now + lease_secs`, unless a live claim on the endpoint exists (one
    /// attempt per endpoint at a time, fleet-wide). A claim whose holder
    /// died expires and is taken over. The check and the claim are one
    /// write transaction, so two instances never claim the same delivery.
    pub fn claim_next(
        &self,
        endpoint: i64,
        owner: &str,
        now: i64,
        lease_secs: i64,
    ) -> StoreResult<Option<Delivery>> {
        self.transaction(|tx| {
        // The endpoint's row lock makes check-then-claim one step across
        // instances (PostgreSQL); an instance finding it taken moves on to
        // other endpoints rather than waiting.
        let free = tx.query_opt(
            &format!("SELECT id FROM webhook_endpoints WHERE id = ?1{}", tx.skip_locked()),
            params![endpoint],
            |r| r.get::<i64>(0),
        )?;
        if free.is_none() {
            return Ok(None);
        }
        let held: bool = tx.query_row(
            LIVE_CLAIM,
            params![endpoint, now],
            |r| r.get(0),
        )?;
        if held {
            return Ok(None);
        }
        let next = tx
            .query_opt(
                &format!(
                    "SELECT {DELIVERY_COLUMNS} FROM deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
                     WHERE d.endpoint_id = ?1 AND d.status = 'pending' AND d.next_attempt_at <= ?2 AND e.disabled = 0
                       AND (e.throttled_until IS NULL OR e.throttled_until <= ?2)
                     ORDER BY d.next_attempt_at, d.id LIMIT 1"
                ),
                params![endpoint, now],
                delivery_from,
            )?;
        if let Some(d) = &next {
            tx.execute(
                "UPDATE deliveries SET claimed_by = ?2, claimed_until = ?3 WHERE id = ?1",
                params![d.id, owner, now + lease_secs],
            )?;
        }
        Ok(next)
        })
    }

    /// Releases `owner`'s claims (on a clean shutdown), so other instances
    /// need not wait for the lease to run out.
    pub fn release_claims(&self, owner: &str) -> StoreResult<usize> {
        self.db()?.execute(
            "UPDATE deliveries SET claimed_by = NULL, claimed_until = NULL WHERE claimed_by = ?1",
            params![owner],
        )
    }

    /// Records an attempt atomically: the delivery's new state (its claim
    /// released), and the endpoint's health as `update` computes it from
    /// the health stored now. Returns the endpoint's new
    /// (consecutive_failures, disabled), or `None` when `owner` no longer
    /// holds the claim (nothing is written then).
    pub fn record_attempt(
        &self,
        a: &AttemptRecord<'_>,
        update: impl FnOnce(i64, bool) -> (i64, bool),
    ) -> StoreResult<Option<(i64, bool)>> {
        self.transaction(|tx| {
        let changed = tx.execute(
            "UPDATE deliveries SET attempts = ?2, next_attempt_at = ?3, status = ?4, last_status = ?5,
                claimed_by = NULL, claimed_until = NULL
             WHERE id = ?1 AND claimed_by = ?6",
            params![a.delivery, a.attempts, a.next_attempt_at, a.status, a.last_status, a.owner],
        )?;
        if changed == 0 {
            return Ok(None);
        }
        let (failures, disabled): (i64, bool) = tx.query_row(
            &format!(
                "SELECT consecutive_failures, disabled FROM webhook_endpoints WHERE id = ?1{}",
                tx.for_update()
            ),
            params![a.endpoint],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let (failures, disabled) = update(failures, disabled);
        // A throttling answer holds the whole endpoint (on its own row, which
        // this transaction already locks: no other rows to order).
        tx.execute(
            "UPDATE webhook_endpoints SET consecutive_failures = ?2, disabled = ?3,
                throttled_until = COALESCE(?4, throttled_until) WHERE id = ?1",
            params![a.endpoint, failures, disabled, a.hold_endpoint_until],
        )?;
        tx.execute(
            "INSERT INTO webhook_attempts (endpoint_id, delivery_id, event, attempt, outcome, latency_ms, error, at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![a.endpoint, a.delivery, a.event, a.attempts, a.last_status, a.latency_ms, a.error, a.at],
        )?;
        tx.execute(
            "DELETE FROM webhook_attempts WHERE endpoint_id = ?1 AND id <=
               (SELECT id FROM webhook_attempts WHERE endpoint_id = ?1 ORDER BY id DESC LIMIT 1 OFFSET ?2)",
            params![a.endpoint, ATTEMPTS_KEPT],
        )?;
        Ok(Some((failures, disabled)))
        })
        .inspect(|recorded| {
            if recorded.is_some() && a.status != "pending" {
                self.outbox_room.left(a.endpoint);
            }
        })
    }

    /// Every delivery, oldest first.
    pub fn deliveries(&self) -> StoreResult<Vec<DeliveryRow>> {
        let db = self.db()?;
        let rows = db.query_map(
            "SELECT id, status, attempts, next_attempt_at, last_status FROM deliveries ORDER BY id",
            params![],
            |r| {
                Ok(DeliveryRow {
                    id: r.get(0)?,
                    status: r.get(1)?,
                    attempts: r.get(2)?,
                    next_attempt_at: r.get(3)?,
                    last_status: r.get(4)?,
                })
            },
        )?;
        Ok(rows)
    }

    /// Makes every pending delivery due at `now` (the CLI's `webhook retry-now`,
    /// and tests that cannot wait 30 minutes for the last retry).
    pub fn make_pending_due(&self, now: i64) -> StoreResult<usize> {
        let db = self.db()?;
        db.execute(
            "UPDATE webhook_endpoints SET throttled_until = NULL WHERE throttled_until IS NOT NULL",
            params![],
        )?;
        db.execute(
            "UPDATE deliveries SET next_attempt_at = ?1 WHERE status = 'pending'",
            params![now],
        )
    }
}

/// The events an account's endpoints take, one row per endpoint.
const SUBSCRIPTIONS: &str = "SELECT events FROM webhook_endpoints WHERE account_id = ?1";

/// The union of [`SUBSCRIPTIONS`]' comma-separated lists.
fn subscribed_events(rows: &[Row]) -> StoreResult<Vec<String>> {
    let mut events = Vec::new();
    for row in rows {
        for e in row.get::<String>(0)?.split(',').filter(|e| !e.is_empty()) {
            if !events.iter().any(|x| x == e) {
                events.push(e.to_owned());
            }
        }
    }
    Ok(events)
}
