//! Sites: thresholds, grace mode, pause, redirect hosts.

use super::db::{params, Row};
use serde::Serialize;

use super::config::Shared;
use super::{rfc3339, Store, StoreError, StoreResult};

/// Changes to a site's settings; `None` keeps the current value.
#[derive(Debug, Default, Clone)]
pub struct SiteChanges {
    /// Name.
    pub name: Option<String>,
    /// Domain.
    pub domain: Option<String>,
    /// Block threshold (0–100).
    pub block_threshold: Option<i64>,
    /// Flag threshold (0–100, below the block threshold).
    pub flag_threshold: Option<i64>,
    /// Grace mode: record, never refuse.
    pub grace_mode: Option<bool>,
    /// Active.
    pub is_active: Option<bool>,
    /// Hosts besides the domain and its subdomains that click links may
    /// redirect to (an empty list clears them).
    pub redirect_hosts: Option<Vec<String>>,
}

/// A site, with the spec's field names.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Site {
    /// Id.
    pub id: i64,
    /// Owner.
    #[serde(skip)]
    pub account_id: i64,
    /// Name.
    pub name: String,
    /// Domain.
    pub domain: String,
    /// Active.
    pub is_active: bool,
    /// Grace mode: record, never refuse.
    pub grace_mode: bool,
    /// Block threshold.
    pub block_threshold: i64,
    /// Flag threshold.
    pub flag_threshold: i64,
    /// RFC 3339.
    pub created_at: String,
    /// Until when ad spend is paused (auto-pause), RFC 3339; null when not paused.
    #[serde(serialize_with = "serialize_paused")]
    #[schema(value_type = Option<String>)]
    pub paused_until: Option<i64>,
    /// Hosts besides the domain and its subdomains that click links may
    /// redirect to.
    #[serde(skip)]
    pub redirect_hosts: Vec<String>,
}

fn serialize_paused<S: serde::Serializer>(t: &Option<i64>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) if *t > crate::state::now() => s.serialize_str(&rfc3339(*t)),
        _ => s.serialize_none(),
    }
}

fn site_from(row: &Row) -> StoreResult<Site> {
    Ok(Site {
        id: row.get(0)?,
        account_id: row.get(1)?,
        name: row.get(2)?,
        domain: row.get(3)?,
        is_active: row.get(4)?,
        grace_mode: row.get(5)?,
        block_threshold: row.get(6)?,
        flag_threshold: row.get(7)?,
        paused_until: row.get(8)?,
        created_at: rfc3339(row.get(9)?),
        redirect_hosts: row
            .get::<String>(10)?
            .split(',')
            .filter(|h| !h.is_empty())
            .map(str::to_owned)
            .collect(),
    })
}

const SITE_COLUMNS: &str =
    "s.id, s.account_id, s.name, s.domain, s.is_active, s.grace_mode, s.block_threshold, s.flag_threshold, s.paused_until, s.created_at, s.redirect_hosts";

impl Store {
    /// Creates a site.
    pub fn create_site(
        &self,
        account: i64,
        name: &str,
        domain: &str,
        now: i64,
    ) -> StoreResult<Site> {
        let (id, _) = self.write(|tx| tx.create_site(account, name, domain, now, false))?;
        self.site(id)?.ok_or_else(|| StoreError::Vanished("site"))
    }

    /// Updates a site's settings (unchecked: [`crate::ops::sites::update`]
    /// applies the rules), and moves the `sites` version with it.
    pub fn update_site(&self, id: i64, c: &SiteChanges) -> StoreResult<Option<Site>> {
        let hosts = c.redirect_hosts.as_ref().map(|h| h.join(","));
        self.changing(Shared::Sites, |db| {
            db.execute(
            "UPDATE sites SET name = COALESCE(?2, name), domain = COALESCE(?3, domain),
                block_threshold = COALESCE(?4, block_threshold), flag_threshold = COALESCE(?5, flag_threshold),
                grace_mode = COALESCE(?6, grace_mode), is_active = COALESCE(?7, is_active),
                redirect_hosts = COALESCE(?8, redirect_hosts) WHERE id = ?1",
            params![id, c.name, c.domain, c.block_threshold, c.flag_threshold, c.grace_mode, c.is_active, hosts],
            )
        })?;
        self.site(id)
    }

    /// A site by id for click intake: kept in memory after a first read, at
    /// most a minute, forgotten whenever any site changes here or (within a
    /// second) on another instance. Unknown ids are never kept.
    pub fn site_kept(&self, id: i64, now: i64) -> StoreResult<Option<Site>> {
        self.sites.get_or_read(id, now, || self.site(id))
    }

    /// [`site_kept`](Self::site_kept), awaited (click intake's path).
    pub async fn site_kept_async(&self, id: i64, now: i64) -> StoreResult<Option<Site>> {
        self.sites
            .get_or_await(id, now, || async move {
                let rows = self.query_async(site_by_id(), params![id]).await?;
                rows.first().map(site_from).transpose()
            })
            .await
    }

    /// The oldest active site, kept as [`site_kept`](Self::site_kept) keeps
    /// rows (a site created or switched on or off moves the version too).
    pub fn oldest_active_site_kept(&self, now: i64) -> StoreResult<Option<Site>> {
        self.oldest_active
            .get_or_read((), now, || self.oldest_active_site())
    }

    /// [`oldest_active_site_kept`](Self::oldest_active_site_kept), awaited.
    pub async fn oldest_active_site_kept_async(&self, now: i64) -> StoreResult<Option<Site>> {
        self.oldest_active
            .get_or_await((), now, || async move {
                let rows = self.query_async(oldest_active(), params![]).await?;
                rows.first().map(site_from).transpose()
            })
            .await
    }

    /// Forgets every kept site row (a site changed here or elsewhere).
    pub fn forget_sites(&self) {
        self.sites.forget();
        self.oldest_active.forget();
        self.site_lists.forget();
    }

    /// A site by id, whoever owns it.
    pub fn site(&self, id: i64) -> StoreResult<Option<Site>> {
        self.db()?.query_opt(&site_by_id(), params![id], site_from)
    }

    /// The active site with the lowest id, whoever owns it.
    pub fn oldest_active_site(&self) -> StoreResult<Option<Site>> {
        self.db()?.query_opt(&oldest_active(), params![], site_from)
    }

    /// Sites `account` can access: its own and those of accounts it is a team member of.
    pub fn sites_for(&self, account: i64) -> StoreResult<Vec<Site>> {
        self.db()?
            .query_map(&sites_of(), params![account], site_from)
    }

    /// [`sites_for`](Self::sites_for) as the platform API lists them:
    /// kept as [`site_kept`](Self::site_kept) keeps rows (any site or team
    /// change forgets every list), read awaited on a miss. Only lists of
    /// authenticated accounts enter, at most [`SITES_KEPT`](super) of them.
    pub async fn sites_for_kept(&self, account: i64, now: i64) -> StoreResult<Vec<Site>> {
        let list = self
            .site_lists
            .get_or_await(account, now, || async move {
                let rows = self.query_async(sites_of(), params![account]).await?;
                rows.iter()
                    .map(site_from)
                    .collect::<StoreResult<_>>()
                    .map(Some)
            })
            .await?;
        Ok(list.unwrap_or_default())
    }

    /// A site `account` can access, or None.
    pub fn site_for(&self, account: i64, id: i64) -> StoreResult<Option<Site>> {
        let db = self.db()?;
        db.query_opt(
            &format!(
            "SELECT {SITE_COLUMNS} FROM sites s WHERE s.id = ?2 AND (s.account_id = ?1
             OR s.account_id IN (SELECT account_id FROM team_members WHERE member_account_id = ?1))"
        ),
            params![account, id],
            site_from,
        )
    }
}

/// A site by id (`?1`).
fn site_by_id() -> String {
    format!("SELECT {SITE_COLUMNS} FROM sites s WHERE s.id = ?1")
}

/// The active site with the lowest id.
fn oldest_active() -> String {
    format!("SELECT {SITE_COLUMNS} FROM sites s WHERE s.is_active = 1 ORDER BY s.id LIMIT 1")
}

/// The sites account `?1` can access, by id.
fn sites_of() -> String {
    format!(
        "SELECT {SITE_COLUMNS} FROM sites s WHERE s.account_id = ?1
         OR s.account_id IN (SELECT account_id FROM team_members WHERE member_account_id = ?1) ORDER BY s.id"
    )
}
