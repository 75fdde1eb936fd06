//! The edge API's shops: IP policies, protection configs and pixel events.

use super::db::{params, Param, Value};

use super::config::Shared;
use super::{Store, StoreResult};

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

    /// Saves a shop's IP blocking config (already validated).
    pub fn save_shop_policy(&self, shop: &str, config: &str, now: i64) -> StoreResult<()> {
        self.changing(Shared::Settings, |db| {
            db.execute(
                "INSERT INTO shop_policies (shop, config, updated_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (shop) DO UPDATE SET config = excluded.config, updated_at = excluded.updated_at",
                params![shop, config, now],
            )?;
            Ok(())
        })
    }

    /// Saves a shop's protection config from a heartbeat.
    pub fn save_protection(&self, shop: &str, config: &str, now: i64) -> StoreResult<()> {
        self.db()?.execute(
            "INSERT INTO shop_protection (shop, config, updated_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (shop) DO UPDATE SET config = excluded.config, updated_at = excluded.updated_at",
            params![shop, config, now],
        )?;
        Ok(())
    }

    /// A shop's protection config (JSON text).
    pub fn protection(&self, shop: &str) -> StoreResult<Option<String>> {
        self.db()?.query_opt(
            "SELECT config FROM shop_protection WHERE shop = ?1",
            params![shop],
            |r| r.get(0),
        )
    }

    /// Stores a pixel event; returns its id.
    pub fn insert_pixel(&self, p: &NewPixel<'_>) -> StoreResult<i64> {
        self.db()?.query_row(
            "INSERT INTO pixel_events (shop, type, session_id, visitor_id, ip, country, page, payload, created_at_ms, day)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) RETURNING id",
            params![p.shop, p.kind, p.session, p.visitor, p.ip, p.country, p.page, p.payload, p.at_ms, p.day],
            |r| r.get(0),
        )
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

    /// The shops this server knows (a synced policy or pixel events), by
    /// name, at most 500.
    pub fn known_shops(&self) -> StoreResult<Vec<String>> {
        self.db()?.query_map(
            "SELECT shop FROM shop_policies UNION SELECT shop FROM pixel_events ORDER BY 1 LIMIT 500",
            params![],
            |r| r.get(0),
        )
    }
}
