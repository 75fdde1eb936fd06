//! Versions of the configuration instances keep in memory, bumped in the
//! transaction of every change: `settings` (click-signing keys, mode,
//! breaker, exclusions; shops' IP policies) and `blocks` (sites' blocked
//! IPs). Each instance polls them and reloads what moved.

use super::db::{params, Conn};

use super::{Store, StoreResult};

/// The two versions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConfigVersions {
    /// Click signing and shop policies.
    pub settings: i64,
    /// Blocked IPs.
    pub blocks: i64,
    /// The instance that made the last blocks change.
    pub blocks_by: Option<String>,
}

/// Which version a change moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shared {
    /// Click signing or a shop policy.
    Settings,
    /// A blocked IP.
    Blocks,
}

/// Bumps a version on `conn` (inside the caller's transaction), as
/// `instance`, and announces it to listening instances (on commit).
pub(crate) fn bump(conn: &Conn<'_>, what: Shared, instance: &str) -> StoreResult<()> {
    match what {
        Shared::Settings => conn.execute(
            "UPDATE config_versions SET settings = settings + 1 WHERE id = 1",
            params![],
        )?,
        Shared::Blocks => conn.execute(
            "UPDATE config_versions SET blocks = blocks + 1, blocks_by = ?1 WHERE id = 1",
            params![instance],
        )?,
    };
    conn.announce()
}

impl Store {
    /// The current versions.
    pub fn config_versions(&self) -> StoreResult<ConfigVersions> {
        self.db()?.query_row(
            "SELECT settings, blocks, blocks_by FROM config_versions WHERE id = 1",
            params![],
            |r| {
                Ok(ConfigVersions {
                    settings: r.get(0)?,
                    blocks: r.get(1)?,
                    blocks_by: r.get(2)?,
                })
            },
        )
    }

    /// Runs `f` and bumps `what` in one write transaction.
    pub(crate) fn changing<R>(
        &self,
        what: Shared,
        f: impl FnOnce(&Conn<'_>) -> StoreResult<R>,
    ) -> StoreResult<R> {
        self.transaction(|c| {
            let out = f(c)?;
            bump(c, what, &self.instance)?;
            Ok(out)
        })
    }
}
