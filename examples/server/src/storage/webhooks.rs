//! Webhook endpoints and the delivery outbox.

use rusqlite::{params, Row};
use serde::Serialize;

use super::{Store, StoreResult, MAX_ENDPOINTS};

/// (id, status, attempts, next_attempt_at, last_status) of a delivery.
pub type DeliveryRow = (i64, String, i64, Option<i64>, Option<String>);

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
}

fn endpoint_from(row: &Row<'_>) -> rusqlite::Result<Endpoint> {
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
    })
}

impl Store {
    /// Deliveries waiting for an attempt.
    pub fn outbox_depth(&self) -> StoreResult<i64> {
        Ok(self.db().query_row(
            "SELECT COUNT(*) FROM deliveries WHERE status = 'pending'",
            [],
            |r| r.get(0),
        )?)
    }

    /// Adds a webhook endpoint; None past [`MAX_ENDPOINTS`].
    pub fn add_endpoint(
        &self,
        account: i64,
        url: &str,
        secret: &str,
        events: &[String],
        now: i64,
    ) -> StoreResult<Option<i64>> {
        let db = self.db();
        let n: i64 = db.query_row(
            "SELECT COUNT(*) FROM webhook_endpoints WHERE account_id = ?1",
            [account],
            |r| r.get(0),
        )?;
        if n >= MAX_ENDPOINTS {
            return Ok(None);
        }
        db.execute(
            "INSERT INTO webhook_endpoints (account_id, url, secret, events, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![account, url, secret, events.join(","), now],
        )?;
        Ok(Some(db.last_insert_rowid()))
    }

    /// An account's endpoints.
    pub fn endpoints_of(&self, account: i64) -> StoreResult<Vec<Endpoint>> {
        let db = self.db();
        let mut stmt = db.prepare(
            "SELECT id, account_id, url, secret, events, consecutive_failures, disabled FROM webhook_endpoints WHERE account_id = ?1 ORDER BY id",
        )?;
        let rows = stmt
            .query_map([account], endpoint_from)?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Re-enables an endpoint and resets its failure count.
    pub fn reenable_endpoint(&self, id: i64) -> StoreResult<bool> {
        Ok(self.db().execute(
            "UPDATE webhook_endpoints SET disabled = 0, consecutive_failures = 0 WHERE id = ?1",
            [id],
        )? == 1)
    }

    /// Pending deliveries due at `now` on enabled endpoints.
    /// With `endpoint`, only that endpoint's.
    pub fn due_deliveries(
        &self,
        now: i64,
        endpoint: Option<i64>,
        limit: i64,
    ) -> StoreResult<Vec<Delivery>> {
        let db = self.db();
        let mut stmt = db.prepare_cached(
            "SELECT d.id, d.event, d.body, d.attempts, e.id, e.account_id, e.url, e.secret, e.events, e.consecutive_failures, e.disabled
             FROM deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
             WHERE d.status = 'pending' AND d.next_attempt_at <= ?1 AND e.disabled = 0 AND (?3 IS NULL OR e.id = ?3)
             ORDER BY d.next_attempt_at, d.id LIMIT ?2",
        )?;
        let rows = stmt
            .query_map(params![now, limit, endpoint], |r| {
                let events: String = r.get(8)?;
                Ok(Delivery {
                    id: r.get(0)?,
                    event: r.get(1)?,
                    body: r.get(2)?,
                    attempts: r.get(3)?,
                    endpoint: Endpoint {
                        id: r.get(4)?,
                        account_id: r.get(5)?,
                        url: r.get(6)?,
                        secret: r.get(7)?,
                        events: events.split(',').map(str::to_owned).collect(),
                        consecutive_failures: r.get(9)?,
                        disabled: r.get(10)?,
                    },
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Records an attempt atomically: the delivery's new state, and the
    /// endpoint's health as `update` computes it from the health stored now
    /// (other deliveries to the same endpoint may have changed it).
    /// Returns the endpoint's new (consecutive_failures, disabled).
    #[allow(clippy::too_many_arguments)]
    pub fn record_attempt(
        &self,
        delivery: i64,
        attempts: i64,
        next_attempt_at: Option<i64>,
        status: &str,
        last_status: &str,
        endpoint: i64,
        update: impl FnOnce(i64, bool) -> (i64, bool),
    ) -> StoreResult<(i64, bool)> {
        let db = self.db();
        let tx = db.unchecked_transaction()?;
        tx.execute(
            "UPDATE deliveries SET attempts = ?2, next_attempt_at = ?3, status = ?4, last_status = ?5 WHERE id = ?1",
            params![delivery, attempts, next_attempt_at, status, last_status],
        )?;
        let (failures, disabled): (i64, bool) = tx.query_row(
            "SELECT consecutive_failures, disabled FROM webhook_endpoints WHERE id = ?1",
            [endpoint],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let (failures, disabled) = update(failures, disabled);
        tx.execute(
            "UPDATE webhook_endpoints SET consecutive_failures = ?2, disabled = ?3 WHERE id = ?1",
            params![endpoint, failures, disabled],
        )?;
        tx.commit()?;
        Ok((failures, disabled))
    }

    /// (id, status, attempts, next_attempt_at, last_status) of every delivery.
    pub fn deliveries(&self) -> StoreResult<Vec<DeliveryRow>> {
        let db = self.db();
        let mut stmt = db.prepare(
            "SELECT id, status, attempts, next_attempt_at, last_status FROM deliveries ORDER BY id",
        )?;
        let rows = stmt
            .query_map([], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Makes every pending delivery due at `now` (the CLI's `webhook retry-now`,
    /// and tests that cannot wait 30 minutes for the last retry).
    pub fn make_pending_due(&self, now: i64) -> StoreResult<usize> {
        Ok(self.db().execute(
            "UPDATE deliveries SET next_attempt_at = ?1 WHERE status = 'pending'",
            [now],
        )?)
    }
}
