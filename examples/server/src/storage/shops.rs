//! The edge API's shops: IP policies, protection configs and pixel events.

use super::db::{params, Param, Value};

use super::config::Shared;
use super::{Store, StoreResult};

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

    /// Stores a pixel event.
    #[allow(clippy::too_many_arguments)]
    pub fn insert_pixel(
        &self,
        shop: &str,
        kind: &str,
        session: Option<&str>,
        visitor: Option<&str>,
        ip: Option<&str>,
        country: Option<&str>,
        page: Option<&str>,
        payload: &str,
        now_ms: i64,
        day: &str,
    ) -> StoreResult<i64> {
        self.db()?.query_row(
            "INSERT INTO pixel_events (shop, type, session_id, visitor_id, ip, country, page, payload, created_at_ms, day)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) RETURNING id",
            params![shop, kind, session, visitor, ip, country, page, payload, now_ms, day],
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
}
