//! Blocked IPs of a site.

use super::db::{params, Row};
use serde::Serialize;

use super::{rfc3339, Store, StoreResult};

/// A blocked IP record.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct BlockedIp {
    /// Id.
    pub id: i64,
    /// Site.
    pub site_id: i64,
    /// Address.
    pub ip_address: String,
    /// Reason.
    pub reason: Option<String>,
    /// permanent | temporary.
    #[serde(rename = "type")]
    pub kind: String,
    /// RFC 3339, temporary only.
    pub expires_at: Option<String>,
    /// manual | api | auto.
    pub source: String,
    /// Score for auto blocks.
    pub fraud_score: Option<i64>,
    /// RFC 3339.
    pub created_at: String,
    /// Expiry as unix seconds.
    #[serde(skip)]
    pub expires_at_unix: Option<i64>,
}

pub(crate) fn block_from(row: &Row) -> StoreResult<BlockedIp> {
    let expires: Option<i64> = row.get(5)?;
    Ok(BlockedIp {
        id: row.get(0)?,
        site_id: row.get(1)?,
        ip_address: row.get(2)?,
        reason: row.get(3)?,
        kind: row.get(4)?,
        expires_at: expires.map(rfc3339),
        expires_at_unix: expires,
        source: row.get(6)?,
        fraud_score: row.get(7)?,
        created_at: rfc3339(row.get(8)?),
    })
}

pub(crate) const BLOCK_COLUMNS: &str =
    "id, site_id, ip_address, reason, type, expires_at, source, fraud_score, created_at";

impl Store {
    /// Blocks in force at `now`, by id ascending, after id `after`.
    pub fn blocks(
        &self,
        site: i64,
        now: i64,
        after: Option<i64>,
        limit: i64,
    ) -> StoreResult<Vec<BlockedIp>> {
        let db = self.db()?;
        let rows = db.query_map(
&format!(
            "SELECT {BLOCK_COLUMNS} FROM blocked_ips WHERE site_id = ?1 AND (expires_at IS NULL OR expires_at > ?2)
             AND (CAST(?3 AS BIGINT) IS NULL OR id > ?3) ORDER BY id LIMIT ?4"
        ),
params![site, now, after, limit], block_from)?;
        Ok(rows)
    }

    /// Every block of a site still in force at `now`: (address or prefix, expiry).
    pub fn active_blocks(&self, site: i64, now: i64) -> StoreResult<Vec<(String, Option<i64>)>> {
        let db = self.db()?;
        let rows = db.query_map(
"SELECT ip_address, expires_at FROM blocked_ips WHERE site_id = ?1 AND (expires_at IS NULL OR expires_at > ?2)",
params![site, now], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows)
    }
}
