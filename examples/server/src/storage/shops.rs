//! The edge API's shops: IP policies, protection configs and pixel events.

use clickfence::rate::budget::Usage;

use super::db::{params, Param, Value};

use super::batch;
use super::config::Shared;
use super::usage::Delta;
use super::{Store, StoreError, StoreResult};

/// The pixel events table, as batches write it ([`pixel_values`] a row).
pub(super) const PIXELS: batch::Table = batch::Table {
    name: "pixel_events",
    columns: "shop, type, session_id, visitor_id, ip, country, page, payload, created_at_ms, day, client, billed",
    width: 12,
};

/// A pixel event to store (the edge API's pixels, and refusals of
/// `check-ip-access`).
#[derive(Debug)]
pub struct NewPixel<'a> {
    /// Shop domain.
    pub shop: &'a str,
    /// Event type (`bot_detection`, `ip_blocking`, ...).
    pub kind: &'a str,
    /// Storefront session.
    pub session: Option<&'a str>,
    /// Storefront visitor.
    pub visitor: Option<&'a str>,
    /// Client address.
    pub ip: Option<&'a str>,
    /// Client country (ISO code).
    pub country: Option<&'a str>,
    /// Page path.
    pub page: Option<&'a str>,
    /// The event as received (JSON).
    pub payload: &'a str,
    /// When, unix milliseconds.
    pub at_ms: i64,
    /// The UTC day of `at_ms` (`YYYY-MM-DD`), the analytics' bucket.
    pub day: &'a str,
    /// The client (IPv4 address, IPv6 /64) that sent it.
    pub client: Option<&'a str>,
    /// Whether its visitor is billed (the core's `rate::visitors` rule).
    pub billed: bool,
}

impl Store {
    /// Every shop's saved IP blocking config (JSON text).
    pub fn shop_policies(&self) -> StoreResult<Vec<(String, String)>> {
        let db = self.db()?;
        let rows = db.query_map("SELECT shop, config FROM shop_policies", params![], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
        Ok(rows)
    }

    /// Saves a shop's IP blocking config (already validated), enrolling
    /// the shop: only its owner (the API secret) gets here.
    pub fn save_shop_policy(&self, shop: &str, config: &str, now: i64) -> StoreResult<()> {
        self.changing(Shared::Settings, |db| {
            enroll_in(db, shop, now)?;
            db.execute(
                "INSERT INTO shop_policies (shop, config, updated_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (shop) DO UPDATE SET config = excluded.config, updated_at = excluded.updated_at",
                params![shop, config, now],
            )?;
            Ok(())
        })
    }

    /// Enrolls a shop for the edge API; returns whether it was new.
    pub fn enroll_shop(&self, shop: &str, now: i64) -> StoreResult<bool> {
        self.changing(Shared::Settings, |db| enroll_in(db, shop, now))
    }

    /// Un-enrolls a shop: its enrolment, IP policy and protection config go
    /// (its stored events and reports stay for the analytics). Returns
    /// whether it was enrolled.
    pub fn unenroll_shop(&self, shop: &str) -> StoreResult<bool> {
        self.changing(Shared::Settings, |db| {
            let gone = db.execute("DELETE FROM shops WHERE shop = ?1", params![shop])? > 0;
            db.execute("DELETE FROM shop_policies WHERE shop = ?1", params![shop])?;
            db.execute("DELETE FROM shop_protection WHERE shop = ?1", params![shop])?;
            Ok(gone)
        })
    }

    /// Every enrolled shop, by name.
    pub fn enrolled_shops(&self) -> StoreResult<Vec<String>> {
        self.db()?
            .query_map("SELECT shop FROM shops ORDER BY shop", params![], |r| {
                r.get(0)
            })
    }

    /// Saves an enrolled shop's protection config, set by its owner.
    pub fn save_protection(&self, shop: &str, config: &str, now: i64) -> StoreResult<()> {
        self.db()?.execute(
            "INSERT INTO shop_protection (shop, config, updated_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (shop) DO UPDATE SET config = excluded.config, updated_at = excluded.updated_at",
            params![shop, config, now],
        )?;
        Ok(())
    }

    /// A shop's protection config (JSON text), as its owner set it.
    pub fn protection(&self, shop: &str) -> StoreResult<Option<String>> {
        self.db()?.query_opt(
            "SELECT config FROM shop_protection WHERE shop = ?1",
            params![shop],
            |r| r.get(0),
        )
    }

    /// Keeps a heartbeat's report: what the storefront says it runs, and
    /// whether it came through Shopify's app proxy.
    pub fn save_report(
        &self,
        shop: &str,
        config: &str,
        proxied: bool,
        now: i64,
    ) -> StoreResult<()> {
        self.db()?.execute(
            "INSERT INTO shop_reports (shop, config, reported_at, proxied) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (shop) DO UPDATE SET config = excluded.config, reported_at = excluded.reported_at,
                proxied = excluded.proxied",
            params![shop, config, now, i64::from(proxied)],
        )?;
        Ok(())
    }

    /// A shop's last heartbeat report (JSON text), when it came and
    /// whether through Shopify's app proxy.
    pub fn report(&self, shop: &str) -> StoreResult<Option<(String, i64, bool)>> {
        self.db()?.query_opt(
            "SELECT config, reported_at, proxied FROM shop_reports WHERE shop = ?1",
            params![shop],
            |r| Ok((r.get(0)?, r.get(1)?, r.get::<i64>(2)? != 0)),
        )
    }

    /// Stores a pixel event; returns its id.
    pub fn insert_pixel(&self, p: &NewPixel<'_>) -> StoreResult<i64> {
        let values = pixel_values(p);
        let params: Vec<&dyn Param> = values.iter().map(|v| v as &dyn Param).collect();
        let sql = format!(
            "INSERT INTO pixel_events ({}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) RETURNING id",
            PIXELS.columns
        );
        self.db()?.query_row(&sql, &params, |r| r.get(0))
    }

    /// [`insert_pixel`](Self::insert_pixel), awaited (the pixel route's
    /// path): committed with whatever other events are waiting
    /// ([`batch`]), answered once committed. Call from a runtime.
    pub async fn insert_pixel_async(&self, p: &NewPixel<'_>) -> StoreResult<i64> {
        self.pixel_batches
            .submit(&self.batch_target(), pixel_values(p).to_vec(), None)
            .await
            .map_err(|_| StoreError::Task("the pixel batch was lost".into()))?
    }

    /// Whether `visitor` is billed for `shop` on `day`, and how many
    /// distinct visitors `client` already added to the bill that day.
    pub fn billing_facts(
        &self,
        shop: &str,
        day: &str,
        visitor: &str,
        client: &str,
    ) -> StoreResult<(bool, u64)> {
        let db = self.db()?;
        let billed: Option<i64> = db.query_opt(
            "SELECT 1 FROM pixel_events WHERE shop = ?1 AND day = ?2 AND visitor_id = ?3 AND billed = 1 LIMIT 1",
            params![shop, day, visitor],
            |r| r.get(0),
        )?;
        let from_client: i64 = db.query_row(
            "SELECT COUNT(DISTINCT visitor_id) FROM pixel_events WHERE shop = ?1 AND day = ?2 AND client = ?3 AND billed = 1",
            params![shop, day, client],
            |r| r.get(0),
        )?;
        Ok((billed.is_some(), from_client.max(0) as u64))
    }

    /// What `shop` stored today (`day`) in all, and from `scope` (the
    /// sending network): the database's rows as read within the last
    /// second ([`usage`](super::usage)), or read now, and what this
    /// instance has counted and not yet written.
    pub fn pixel_usage(&self, shop: &str, day: &str, scope: &str) -> StoreResult<(Usage, Usage)> {
        if let Some(usage) = self.pixel_usage_kept(shop, day, scope) {
            return Ok(usage);
        }
        let epoch = self.usage.epoch();
        let rows: Vec<(String, i64, i64)> = self.db()?.query_map(
            "SELECT scope, events, bytes FROM pixel_usage WHERE shop = ?1 AND day = ?2 AND scope IN ('', ?3)",
            params![shop, day, scope],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        let mut stored = (Usage::default(), Usage::default());
        for (row_scope, events, bytes) in rows {
            let u = Usage {
                events: events.max(0) as u64,
                bytes: bytes.max(0) as u64,
            };
            if row_scope.is_empty() {
                stored.0 = u;
            } else {
                stored.1 = u;
            }
        }
        self.usage.keep(epoch, shop, day, scope, stored);
        Ok(self.with_waiting(shop, day, scope, stored))
    }

    /// [`pixel_usage`](Self::pixel_usage) without the database: `None`
    /// unless its rows were read within the last second.
    pub fn pixel_usage_kept(&self, shop: &str, day: &str, scope: &str) -> Option<(Usage, Usage)> {
        let stored = self.usage.kept(shop, day, scope)?;
        Some(self.with_waiting(shop, day, scope, stored))
    }

    /// `stored` and what this instance has counted and not yet written.
    fn with_waiting(
        &self,
        shop: &str,
        day: &str,
        scope: &str,
        stored: (Usage, Usage),
    ) -> (Usage, Usage) {
        let (mut shop_usage, mut network) = stored;
        for (usage, scope) in [(&mut shop_usage, ""), (&mut network, scope)] {
            let waiting = self.usage.pending(shop, day, scope);
            usage.events += waiting.events;
            usage.bytes += waiting.bytes;
        }
        (shop_usage, network)
    }

    /// Counts one stored event of `bytes` for the shop and for `scope`
    /// ([`usage`](super::usage): in memory until the next flush), and (for
    /// the shop, at once) whether it billed a new visitor.
    pub fn count_stored(
        &self,
        shop: &str,
        day: &str,
        scope: &str,
        bytes: i64,
        new_billed: bool,
    ) -> StoreResult<()> {
        if let Some((sql, values)) = self.stored_counted(shop, day, scope, bytes, new_billed) {
            let params: Vec<&dyn Param> = values.iter().map(|v| v as &dyn Param).collect();
            self.db()?.execute(sql, &params)?;
        }
        Ok(())
    }

    /// [`count_stored`](Self::count_stored), awaited: its statement, when
    /// it has one, without holding a thread. Call from a runtime.
    pub async fn count_stored_async(
        &self,
        shop: &str,
        day: &str,
        scope: &str,
        bytes: i64,
        new_billed: bool,
    ) -> StoreResult<()> {
        if let Some((sql, values)) = self.stored_counted(shop, day, scope, bytes, new_billed) {
            self.statements
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            self.backend
                .query_owned(&self.work, sql.to_owned(), values)
                .await?;
        }
        Ok(())
    }

    /// Counts one stored event in memory; the statement still to run, if
    /// any: a newly billed visitor (written at once), or both rows when
    /// the buffer is full.
    fn stored_counted(
        &self,
        shop: &str,
        day: &str,
        scope: &str,
        bytes: i64,
        new_billed: bool,
    ) -> Option<(&'static str, Vec<Value>)> {
        let delta = Delta {
            events: 1,
            bytes: u64::try_from(bytes).unwrap_or(0),
            dropped: 0,
        };
        let text = |s: &str| Value::Text(s.to_owned());
        if self.usage.add(shop, day, &["", scope], delta) {
            return new_billed.then(|| {
                (
                    "INSERT INTO pixel_usage (shop, day, scope, billed) VALUES (?1, ?2, '', 1)
                     ON CONFLICT (shop, day, scope) DO UPDATE SET billed = pixel_usage.billed + 1",
                    vec![text(shop), text(day)],
                )
            });
        }
        // The buffer is full: written at once. One statement for both rows (a scope is never the shop's own
        // empty one: an AS number or a network's label).
        Some((
            "INSERT INTO pixel_usage (shop, day, scope, events, bytes, billed)
             VALUES (?1, ?2, '', 1, ?4, ?5), (?1, ?2, ?3, 1, ?4, 0)
             ON CONFLICT (shop, day, scope) DO UPDATE SET events = pixel_usage.events + 1,
                bytes = pixel_usage.bytes + excluded.bytes, billed = pixel_usage.billed + excluded.billed",
            vec![
                text(shop),
                text(day),
                text(scope),
                Value::Int(bytes),
                Value::Int(i64::from(new_billed)),
            ],
        ))
    }

    /// Visitors newly billed per enrolled shop and day, from `since` (a
    /// `YYYY-MM-DD` day) on.
    pub fn billed_by_day(&self, since: &str) -> StoreResult<Vec<(String, String, i64)>> {
        self.db()?.query_map(
            "SELECT u.shop, u.day, u.billed FROM pixel_usage u JOIN shops s ON s.shop = u.shop
             WHERE u.scope = '' AND u.day >= ?1",
            params![since],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
    }

    /// Counts one event past the shop's budget (not stored; in memory
    /// until the next flush).
    pub fn count_dropped(&self, shop: &str, day: &str) -> StoreResult<()> {
        let delta = Delta {
            dropped: 1,
            ..Delta::default()
        };
        if self.usage.add(shop, day, &[""], delta) {
            return Ok(());
        }
        self.db()?.execute(
            "INSERT INTO pixel_usage (shop, day, scope, dropped) VALUES (?1, ?2, '', 1)
             ON CONFLICT (shop, day, scope) DO UPDATE SET dropped = pixel_usage.dropped + 1",
            params![shop, day],
        )?;
        Ok(())
    }

    /// The shop's stored events and bytes on `day`, and the events past
    /// its budget that were counted, not stored.
    pub fn usage_on(&self, shop: &str, day: &str) -> StoreResult<(i64, i64, i64)> {
        let (events, bytes, dropped): (i64, i64, i64) = self
            .db()?
            .query_opt(
                "SELECT events, bytes, dropped FROM pixel_usage WHERE shop = ?1 AND day = ?2 AND scope = ''",
                params![shop, day],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )?
            .unwrap_or((0, 0, 0));
        let waiting = self.usage.pending(shop, day, "");
        let add =
            |stored: i64, more: u64| stored.saturating_add(i64::try_from(more).unwrap_or(i64::MAX));
        Ok((
            add(events, waiting.events),
            add(bytes, waiting.bytes),
            add(dropped, waiting.dropped),
        ))
    }

    /// Runs one statement with positional parameters; returns the rows it
    /// changed. For administration and tests: the server's own writes go
    /// through the named operations.
    pub fn execute_sql(&self, sql: &str, args: &[&dyn Param]) -> StoreResult<usize> {
        self.db()?.execute(sql, args)
    }

    /// Runs a read-only analytics query with positional parameters.
    pub fn query_rows(&self, sql: &str, args: &[&dyn Param]) -> StoreResult<Vec<Vec<Value>>> {
        Ok(self
            .db()?
            .query(sql, args)?
            .into_iter()
            .map(super::db::Row::into_values)
            .collect())
    }
}

fn enroll_in(db: &super::db::Conn<'_>, shop: &str, now: i64) -> StoreResult<bool> {
    let added = db.execute(
        "INSERT INTO shops (shop, enrolled_at) VALUES (?1, ?2) ON CONFLICT (shop) DO NOTHING",
        params![shop, now],
    )?;
    Ok(added > 0)
}

/// A pixel event's values, in [`PIXELS`]' column order.
fn pixel_values(p: &NewPixel<'_>) -> [Value; PIXELS.width] {
    let text = |s: &str| Value::Text(s.to_owned());
    let optional = |s: Option<&str>| s.map_or(Value::Null, text);
    [
        text(p.shop),
        text(p.kind),
        optional(p.session),
        optional(p.visitor),
        optional(p.ip),
        optional(p.country),
        optional(p.page),
        text(p.payload),
        Value::Int(p.at_ms),
        text(p.day),
        optional(p.client),
        Value::Int(i64::from(p.billed)),
    ]
}
