//! The edge API's shops: IP policies, protection configs and pixel events.

use rusqlite::{params, OptionalExtension};

use super::config::Shared;
use super::{Store, StoreResult};

impl Store {
    /// Every shop's saved IP blocking config (JSON text).
    pub fn shop_policies(&self) -> StoreResult<Vec<(String, String)>> {
        let db = self.db();
        let mut stmt = db.prepare("SELECT shop, config FROM shop_policies")?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<Vec<_>, _>>()?;
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
        self.db().execute(
            "INSERT INTO shop_protection (shop, config, updated_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (shop) DO UPDATE SET config = excluded.config, updated_at = excluded.updated_at",
            params![shop, config, now],
        )?;
        Ok(())
    }

    /// A shop's protection config (JSON text).
    pub fn protection(&self, shop: &str) -> StoreResult<Option<String>> {
        Ok(self
            .db()
            .query_row(
                "SELECT config FROM shop_protection WHERE shop = ?1",
                [shop],
                |r| r.get(0),
            )
            .optional()?)
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
        let db = self.db();
        let mut stmt = db.prepare_cached(
            "INSERT INTO pixel_events (shop, type, session_id, visitor_id, ip, country, page, payload, created_at_ms, day)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )?;
        stmt.execute(params![
            shop, kind, session, visitor, ip, country, page, payload, now_ms, day
        ])?;
        Ok(db.last_insert_rowid())
    }

    /// Runs a read-only analytics query with positional parameters.
    pub fn query_rows(
        &self,
        sql: &str,
        args: &[&dyn rusqlite::ToSql],
    ) -> StoreResult<Vec<Vec<rusqlite::types::Value>>> {
        let db = self.db();
        let mut stmt = db.prepare_cached(sql)?;
        let n = stmt.column_count();
        let rows = stmt
            .query_map(args, |r| {
                (0..n)
                    .map(|i| r.get::<_, rusqlite::types::Value>(i))
                    .collect::<Result<Vec<_>, _>>()
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }
}
