//! Versions of the configuration instances keep in memory, bumped in the
//! transaction of every change: `settings` (click-signing keys, mode,
//! breaker, exclusions; shops' IP policies), `blocks` (sites' blocked
//! IPs), `credentials` (tokens, accounts), `sites` (site rows) and
//! `endpoints` (which events accounts' webhook endpoints take). Each
//! instance polls them and reloads or forgets what moved.

use super::db::{params, Conn, Param};

use super::{Store, StoreResult};

/// The two versions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConfigVersions {
    /// Click signing and shop policies.
    pub settings: i64,
    /// Blocked IPs.
    pub blocks: i64,
    /// Tokens and accounts (what authenticating a token reads).
    pub credentials: i64,
    /// Site rows (settings and pauses; what click intake reads).
    pub sites: i64,
    /// Webhook subscriptions (endpoints added).
    pub endpoints: i64,
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
    /// A token's revocation or expiry, an account's plan or status.
    Credentials,
    /// A site's settings or pause.
    Sites,
    /// A webhook endpoint added (the events an account takes).
    Endpoints,
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
        Shared::Credentials => conn.execute(
            "UPDATE config_versions SET credentials = credentials + 1 WHERE id = 1",
            params![],
        )?,
        Shared::Sites => conn.execute(
            "UPDATE config_versions SET sites = sites + 1 WHERE id = 1",
            params![],
        )?,
        Shared::Endpoints => conn.execute(
            "UPDATE config_versions SET endpoints = endpoints + 1 WHERE id = 1",
            params![],
        )?,
    };
    conn.announce()
}

/// Block changes kept for other instances to apply; one further behind
/// drops its lists and reloads them instead.
const BLOCK_CHANGES_KEPT: i64 = 100_000;

/// One committed change to a site's blocked addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockChange {
    /// The site.
    pub site: i64,
    /// The address or CIDR as stored.
    pub ip: String,
    /// Unix seconds it expires at (none: permanent); unused for a removal.
    pub expires_at: Option<i64>,
    /// Whether the block was removed (else added or updated).
    pub removed: bool,
    /// The instance that made it.
    pub instance: String,
}

/// One change to a site's blocked addresses, as a write logs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BlockEdit {
    /// The site.
    pub site: i64,
    /// The address or CIDR as stored.
    pub ip: String,
    /// Unix seconds a set block expires at (none: permanent or removed).
    pub expires_at: Option<i64>,
    /// Whether the block was removed (else set).
    pub removed: bool,
}

/// Edits logged per statement: four parameters each, well inside either
/// engine's limit on parameters.
const EDITS_PER_INSERT: usize = 200;

/// Bumps the blocks version on `conn` (inside the caller's transaction,
/// at its end) and logs `edits` under it, so other instances can apply
/// them; nothing when there are none. From the bump to the commit the
/// caller holds the blocks version row, which every site's blocks share,
/// so this comes last and sends as few statements as it can: the bump
/// returns the version and announces it, the log is one insert, and it is
/// cut back every [`PRUNE_EVERY`] versions instead of at each one.
pub(crate) fn bump_blocks(conn: &Conn<'_>, instance: &str, edits: &[BlockEdit]) -> StoreResult<()> {
    if edits.is_empty() {
        return Ok(());
    }
    let version: i64 = conn.query_row(
        &format!(
            "UPDATE config_versions SET blocks = blocks + 1, blocks_by = ?1 WHERE id = 1 RETURNING blocks{}",
            conn.announcing()
        ),
        params![instance],
        |r| r.get(0),
    )?;
    for chunk in edits.chunks(EDITS_PER_INSERT) {
        log_edits(conn, version, instance, chunk)?;
    }
    if version % PRUNE_EVERY == 0 {
        conn.execute(
            "DELETE FROM block_changes WHERE version <= ?1",
            params![version - BLOCK_CHANGES_KEPT],
        )?;
    }
    Ok(())
}

/// Logs `edits` under `version` in one statement.
fn log_edits(
    conn: &Conn<'_>,
    version: i64,
    instance: &str,
    edits: &[BlockEdit],
) -> StoreResult<()> {
    let rows: Vec<String> = (0..edits.len())
        .map(|i| {
            let p = 3 + 4 * i;
            format!("(?1, ?{p}, ?{}, ?{}, ?{}, ?2)", p + 1, p + 2, p + 3)
        })
        .collect();
    let removed: Vec<i64> = edits.iter().map(|e| i64::from(e.removed)).collect();
    let mut values: Vec<&dyn Param> = vec![&version, &instance];
    for (edit, removed) in edits.iter().zip(&removed) {
        values.extend([
            &edit.site as &dyn Param,
            &edit.ip,
            &edit.expires_at,
            removed,
        ]);
    }
    conn.execute(
        &format!(
            "INSERT INTO block_changes (version, site_id, ip_address, expires_at, removed, instance) VALUES {}",
            rows.join(", ")
        ),
        &values,
    )?;
    Ok(())
}

/// How often (in versions) the block log is cut back to
/// [`BLOCK_CHANGES_KEPT`]: it holds at most this many versions more.
const PRUNE_EVERY: i64 = 64;

impl Store {
    /// The block changes after version `seen` up to `current`, in order;
    /// `None` when the log no longer reaches back that far.
    pub fn block_changes(&self, seen: i64, current: i64) -> StoreResult<Option<Vec<BlockChange>>> {
        let db = self.db()?;
        let oldest: Option<i64> = db.query_row(
            "SELECT MIN(version) FROM block_changes WHERE version > ?1",
            params![seen],
            |r| r.get(0),
        )?;
        if oldest != Some(seen + 1) {
            return Ok(None);
        }
        db.query_map(
            "SELECT site_id, ip_address, expires_at, removed, instance FROM block_changes
             WHERE version > ?1 AND version <= ?2 ORDER BY id",
            params![seen, current],
            |r| {
                Ok(BlockChange {
                    site: r.get(0)?,
                    ip: r.get(1)?,
                    expires_at: r.get(2)?,
                    removed: r.get::<i64>(3)? != 0,
                    instance: r.get(4)?,
                })
            },
        )
        .map(Some)
    }

    /// The current versions.
    pub fn config_versions(&self) -> StoreResult<ConfigVersions> {
        self.db()?.query_row(
            "SELECT settings, blocks, blocks_by, credentials, sites, endpoints FROM config_versions WHERE id = 1",
            params![],
            |r| {
                Ok(ConfigVersions {
                    settings: r.get(0)?,
                    blocks: r.get(1)?,
                    blocks_by: r.get(2)?,
                    credentials: r.get(3)?,
                    sites: r.get(4)?,
                    endpoints: r.get(5)?,
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
        let out = self.transaction(|c| {
            let out = f(c)?;
            bump(c, what, &self.instance)?;
            Ok(out)
        })?;
        match what {
            Shared::Credentials => self.credentials.forget(),
            Shared::Sites => self.forget_sites(),
            Shared::Endpoints => self.subscriptions.forget(),
            Shared::Settings | Shared::Blocks => {}
        }
        Ok(out)
    }

    /// The cache of successful token lookups.
    pub fn credentials(&self) -> &super::credentials::Credentials {
        &self.credentials
    }
}
