//! Click-signing keys, settings, exclusions and the hourly report.

use super::db::params;

use clickfence::click::HourCounts;

use super::config::Shared;
use super::{Store, StoreResult};

/// Saved click-signing state.
#[derive(Debug, Default)]
pub struct ClickSigningState {
    /// (id, secret, expires_at).
    pub keys: Vec<(String, String, i64)>,
    /// (mode, circuit breaker on, last trip as JSON, last manual re-enable).
    pub settings: Option<(String, bool, Option<String>, Option<i64>)>,
    /// Excluded app ids.
    pub excluded: Vec<String>,
}

/// A consumed ticket as stored: tag in hex, expiry, first use, fingerprint.
pub type StoredTicket = (String, i64, i64, i64);

impl Store {
    /// Consumed tickets still live at `now`, after dropping the expired
    /// ones (read once at start).
    pub fn live_tickets(&self, now: i64) -> StoreResult<Vec<StoredTicket>> {
        self.write(|tx| tx.drop_expired_tickets(now))?;
        let db = self.db()?;
        db.query_map(
            "SELECT tag, expires_at, consumed_at, fingerprint FROM click_tickets WHERE expires_at > ?1",
            params![now],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
    }

    /// Saved click-signing state: keys (id, secret, expires_at), mode, breaker, exclusions.
    pub fn click_signing(&self) -> StoreResult<ClickSigningState> {
        let db = self.db()?;
        let keys = db.query_map(
            "SELECT id, secret, expires_at FROM click_signing_keys ORDER BY added, id",
            params![],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        let settings = db.query_opt(
            "SELECT mode, circuit_breaker, tripped, reenabled_at FROM click_signing_settings WHERE id = 1",
            params![],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )?;
        let excluded = db.query_map(
            "SELECT app_id FROM click_signing_excluded ORDER BY app_id",
            params![],
            |r| r.get(0),
        )?;
        Ok(ClickSigningState {
            keys,
            settings,
            excluded,
        })
    }

    /// Saves a key.
    pub fn save_signing_key(&self, id: &str, secret: &str, expires_at: i64) -> StoreResult<()> {
        self.changing(Shared::Settings, |db| {
            // A saved key goes to the end of the ring, as a new one does.
            db.execute(
                "INSERT INTO click_signing_keys (id, secret, expires_at, added)
                 VALUES (?1, ?2, ?3, (SELECT COALESCE(MAX(added), 0) + 1 FROM click_signing_keys))
                 ON CONFLICT (id) DO UPDATE SET secret = excluded.secret, expires_at = excluded.expires_at,
                    added = excluded.added",
                params![id, secret, expires_at],
            )?;
            Ok(())
        })
    }

    /// Deletes a key.
    pub fn delete_signing_key(&self, id: &str) -> StoreResult<()> {
        self.changing(Shared::Settings, |db| {
            db.execute("DELETE FROM click_signing_keys WHERE id = ?1", params![id])?;
            Ok(())
        })
    }

    /// Saves the mode, the breaker switch, its last trip (JSON) and the
    /// last manual re-enable.
    pub fn save_signing_settings(
        &self,
        mode: &str,
        circuit_breaker: bool,
        tripped: Option<&str>,
        reenabled_at: Option<i64>,
    ) -> StoreResult<()> {
        self.changing(Shared::Settings, |db| {
            db.execute(
                "INSERT INTO click_signing_settings (id, mode, circuit_breaker, tripped, reenabled_at) VALUES (1, ?1, ?2, ?3, ?4)
                 ON CONFLICT (id) DO UPDATE SET mode = excluded.mode, circuit_breaker = excluded.circuit_breaker,
                    tripped = excluded.tripped, reenabled_at = excluded.reenabled_at",
                params![mode, circuit_breaker, tripped, reenabled_at],
            )?;
            Ok(())
        })
    }

    /// Adds or removes an excluded app.
    pub fn set_app_excluded(&self, app: &str, excluded: bool) -> StoreResult<()> {
        self.changing(Shared::Settings, |db| {
            if excluded {
                db.execute(
                    "INSERT INTO click_signing_excluded (app_id) VALUES (?1) ON CONFLICT DO NOTHING",
                    params![app],
                )?;
            } else {
                db.execute(
                    "DELETE FROM click_signing_excluded WHERE app_id = ?1",
                    params![app],
                )?;
            }
            Ok(())
        })
    }

    /// Adds hours' counts to the report with atomic increments, in one
    /// transaction.
    pub fn add_report_counts(&self, rows: &[(i64, HourCounts)]) -> StoreResult<()> {
        self.write(|tx| {
            for (hour, c) in rows {
                tx.add_report_counts(*hour, c)?;
            }
            Ok(())
        })?;
        Ok(())
    }

    /// Report rows for hours `start..=end` that saw clicks.
    pub fn signed_click_report(&self, start: i64, end: i64) -> StoreResult<Vec<[i64; 8]>> {
        let db = self.db()?;
        let rows = db.query_map(
"SELECT hour, total, valid, missing, expired, invalid, no_active, replayed FROM click_signing_report
             WHERE hour BETWEEN ?1 AND ?2 AND total > 0 ORDER BY hour",
params![start, end], |r| {
                Ok([
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get(7)?,
                ])
            })?;
        Ok(rows)
    }
}
