//! Dashboard sessions. Only the SHA-256 of the session cookie is stored;
//! the credential a session was opened with is kept as its SHA-256 too, so
//! revoking the token (or rotating the admin token or API secret) ends
//! every session opened with it.

use super::db::params;

use super::{Store, StoreResult};

/// Sessions one credential may hold at once; signing in again past this
/// ends the oldest (a stolen token cannot mint sessions without end).
pub const SESSIONS_PER_CREDENTIAL: i64 = 20;

/// A signed-in dashboard session.
#[derive(Debug, Clone)]
pub struct SessionRecord {
    /// `platform`, `admin` or `shop`: what the credential was.
    pub kind: String,
    /// SHA-256 (hex) of the credential.
    pub credential_hash: String,
    /// The session's CSRF token, sent back with every form.
    pub csrf: String,
    /// Unix seconds.
    pub expires_at: i64,
}

impl Store {
    /// Opens a session under `id_hash`; ends expired sessions and, past
    /// [`SESSIONS_PER_CREDENTIAL`], the credential's oldest.
    pub fn open_session(&self, id_hash: &str, s: &SessionRecord, now: i64) -> StoreResult<()> {
        self.transaction(|tx| {
            tx.execute(
                "DELETE FROM dashboard_sessions WHERE expires_at <= ?1",
                params![now],
            )?;
            tx.execute(
                "DELETE FROM dashboard_sessions WHERE credential_hash = ?1 AND id_hash IN
                   (SELECT id_hash FROM dashboard_sessions WHERE credential_hash = ?1
                    ORDER BY created_at DESC, id_hash LIMIT 1000000 OFFSET ?2)",
                params![s.credential_hash, SESSIONS_PER_CREDENTIAL - 1],
            )?;
            tx.execute(
                "INSERT INTO dashboard_sessions (id_hash, kind, credential_hash, csrf, created_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![id_hash, s.kind, s.credential_hash, s.csrf, now, s.expires_at],
            )?;
            Ok(())
        })
    }

    /// The live session under `id_hash`.
    pub fn session(&self, id_hash: &str, now: i64) -> StoreResult<Option<SessionRecord>> {
        self.db()?.query_opt(
            "SELECT kind, credential_hash, csrf, expires_at FROM dashboard_sessions
             WHERE id_hash = ?1 AND expires_at > ?2",
            params![id_hash, now],
            |r| {
                Ok(SessionRecord {
                    kind: r.get(0)?,
                    credential_hash: r.get(1)?,
                    csrf: r.get(2)?,
                    expires_at: r.get(3)?,
                })
            },
        )
    }

    /// Ends a session (sign-out).
    pub fn close_session(&self, id_hash: &str) -> StoreResult<()> {
        self.db()?.execute(
            "DELETE FROM dashboard_sessions WHERE id_hash = ?1",
            params![id_hash],
        )?;
        Ok(())
    }
}
