//! Recorded clicks and their counts.

use super::db::{params, Conn, Param, Value};
use serde::Serialize;

use super::{batch, rfc3339, Store, StoreError, StoreResult};

/// A stored click.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Click {
    /// Id.
    pub id: i64,
    /// Site.
    pub site_id: i64,
    /// Client IP.
    pub ip: String,
    /// valid | flagged | blocked.
    pub status: String,
    /// Heaviest reason code, or clean.
    pub classification: String,
    /// clean | givt | sivt: the category of invalid traffic (an addition to
    /// the platform API's click record).
    pub category: String,
    /// 0–100.
    pub fraud_score: i64,
    /// Reason codes.
    pub reasons: Vec<String>,
    /// User agent.
    pub user_agent: Option<String>,
    /// Referrer.
    pub referrer: Option<String>,
    /// RFC 3339.
    pub created_at: String,
    /// The visitor's country (ISO 3166-1 alpha-2) when it was known at
    /// intake. Not part of the platform API's click record, so not
    /// serialized.
    #[serde(skip)]
    pub country: Option<String>,
}

/// A click to record.
#[derive(Debug)]
pub struct NewClick<'a> {
    /// Site.
    pub site: i64,
    /// Client address.
    pub ip: &'a str,
    /// The client's network (IPv4 /24, IPv6 /48), for counting sources.
    pub network: &'a str,
    /// valid | flagged | blocked.
    pub status: &'a str,
    /// Heaviest reason code, or clean.
    pub classification: &'a str,
    /// clean | givt | sivt.
    pub category: &'a str,
    /// 0–100.
    pub score: i64,
    /// Reason codes.
    pub reasons: &'a [String],
    /// User agent.
    pub user_agent: Option<&'a str>,
    /// Referrer.
    pub referrer: Option<&'a str>,
    /// The visitor's country, when known.
    pub country: Option<&'a str>,
    /// Unix seconds.
    pub at: i64,
    /// Part of a seeded demo day.
    pub demo: bool,
}

/// Filters of the clicks list.
#[derive(Debug, Default)]
pub struct ClickFilter {
    /// valid | flagged | blocked.
    pub status: Option<String>,
    /// Classification label.
    pub classification: Option<String>,
    /// Client IP.
    pub ip: Option<String>,
    /// Lower bound, unix seconds.
    pub since: Option<i64>,
    /// Upper bound, unix seconds.
    pub until: Option<i64>,
}

/// A site's clicks by status and category.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ClickCounts {
    /// Every recorded click.
    pub total: i64,
    /// Blocked ones.
    pub blocked: i64,
    /// Flagged ones.
    pub flagged: i64,
    /// General invalid traffic (declared crawlers, libraries).
    pub givt: i64,
    /// Sophisticated invalid traffic.
    pub sivt: i64,
    /// Blocked `sivt` clicks: what `fraud_rate` counts.
    pub blocked_sivt: i64,
}

impl Store {
    /// Deletes the seeded demo day's clicks; returns how many.
    pub fn remove_demo_clicks(&self) -> StoreResult<usize> {
        self.db()?
            .execute("DELETE FROM clicks WHERE demo = 1", params![])
    }

    /// How many of the seeded demo day's clicks are left.
    pub fn demo_clicks(&self) -> StoreResult<i64> {
        self.db()?.query_row(
            "SELECT COUNT(*) FROM clicks WHERE demo = 1",
            params![],
            |r| r.get(0),
        )
    }

    /// Clicks of a site, newest first, with ids below `before` (the cursor).
    pub fn clicks(
        &self,
        site: i64,
        f: &ClickFilter,
        before: Option<i64>,
        limit: i64,
    ) -> StoreResult<Vec<Click>> {
        let db = self.db()?;
        let rows = db.query_map(
"SELECT id, site_id, ip, status, classification, fraud_score, reasons, user_agent, referrer, created_at, country, category
             FROM clicks WHERE site_id = ?1 AND (CAST(?2 AS BIGINT) IS NULL OR id < ?2) AND (CAST(?3 AS TEXT) IS NULL OR status = ?3)
               AND (CAST(?4 AS TEXT) IS NULL OR classification = ?4) AND (CAST(?5 AS TEXT) IS NULL OR ip = ?5)
               AND (CAST(?6 AS BIGINT) IS NULL OR created_at >= ?6) AND (CAST(?7 AS BIGINT) IS NULL OR created_at <= ?7)
             ORDER BY id DESC LIMIT ?8",

                params![
                    site,
                    before,
                    f.status,
                    f.classification,
                    f.ip,
                    f.since,
                    f.until,
                    limit
                ],
                |r| {
                    let reasons: String = r.get(6)?;
                    Ok(Click {
                        id: r.get(0)?,
                        site_id: r.get(1)?,
                        ip: r.get(2)?,
                        status: r.get(3)?,
                        classification: r.get(4)?,
                        fraud_score: r.get(5)?,
                        reasons: reasons
                            .split(',')
                            .filter(|s| !s.is_empty())
                            .map(str::to_owned)
                            .collect(),
                        user_agent: r.get(7)?,
                        referrer: r.get(8)?,
                        created_at: rfc3339(r.get(9)?),
                        country: r.get(10)?,
                        category: r.get(11)?,
                    })
                },
            )?;
        Ok(rows)
    }

    /// A site's click counts since `since`.
    pub fn click_counts(&self, site: i64, since: i64) -> StoreResult<ClickCounts> {
        self.db()?.query_row(
            "SELECT COUNT(*), COALESCE(SUM(CASE WHEN status = 'blocked' THEN 1 ELSE 0 END), 0),
                    COALESCE(SUM(CASE WHEN status = 'flagged' THEN 1 ELSE 0 END), 0),
                    COALESCE(SUM(CASE WHEN category = 'givt' THEN 1 ELSE 0 END), 0),
                    COALESCE(SUM(CASE WHEN category = 'sivt' THEN 1 ELSE 0 END), 0),
                    COALESCE(SUM(CASE WHEN status = 'blocked' AND category = 'sivt' THEN 1 ELSE 0 END), 0)
             FROM clicks WHERE site_id = ?1 AND created_at >= ?2",
            params![site, since],
            |r| {
                Ok(ClickCounts {
                    total: r.get(0)?,
                    blocked: r.get(1)?,
                    flagged: r.get(2)?,
                    givt: r.get(3)?,
                    sivt: r.get(4)?,
                    blocked_sivt: r.get(5)?,
                })
            },
        )
    }

    /// A site's clicks since `since`, per UTC day (unix day number) and
    /// status: `(day, status, count)`, oldest day first.
    pub fn clicks_per_day(&self, site: i64, since: i64) -> StoreResult<Vec<(i64, String, i64)>> {
        self.db()?.query_map(
            "SELECT created_at / 86400 AS day, status, COUNT(*) FROM clicks
             WHERE site_id = ?1 AND created_at >= ?2 GROUP BY day, status ORDER BY day, status",
            params![site, since],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
    }
}

/// The pause rule's window ([`Store::pause_window`]), `?1`–`?7` from
/// [`pause_values`].
const PAUSE_WINDOW: &str = "SELECT COUNT(*), COALESCE(SUM(CASE WHEN status = 'blocked' AND category = 'sivt' AND fraud_score >= ?3 THEN 1 ELSE 0 END), 0),
        COUNT(DISTINCT network),
        COUNT(DISTINCT CASE WHEN status = 'blocked' AND category = 'sivt' AND fraud_score >= ?3 THEN network END)
    FROM (SELECT network, status, category, fraud_score FROM clicks WHERE site_id = ?1 AND created_at >= ?2
          UNION ALL SELECT ?4, ?5, ?6, ?7) AS w";

/// [`PAUSE_WINDOW`]'s values.
fn pause_values(
    site: i64,
    since: i64,
    block_threshold: i64,
    (network, status, category, score): (&str, &str, &str, i64),
) -> Vec<Value> {
    let text = |s: &str| Value::Text(s.to_owned());
    vec![
        Value::Int(site),
        Value::Int(since),
        Value::Int(block_threshold),
        text(network),
        text(status),
        text(category),
        Value::Int(score),
    ]
}

/// [`PAUSE_WINDOW`]'s one row, read.
fn pause_window_of(r: &super::db::Row) -> StoreResult<clickfence::score::PauseWindow> {
    let count = |i| r.get::<i64>(i).map(|v| v.max(0) as u64);
    Ok(clickfence::score::PauseWindow {
        clicks: count(0)?,
        blocked: count(1)?,
        sources: count(2)?,
        blocked_sources: count(3)?,
    })
}

/// The clicks table, as batches write it ([`click_values`] a row).
pub(super) const CLICKS: batch::Table = batch::Table {
    name: "clicks",
    columns: "site_id, ip, status, classification, fraud_score, reasons, user_agent, referrer, created_at, network, country, category, demo",
    width: 13,
};

/// A click row's values, in [`CLICKS`]' column order.
fn click_values(c: &NewClick<'_>) -> [Value; CLICKS.width] {
    let text = |s: &str| Value::Text(s.to_owned());
    let optional = |s: Option<&str>| s.map_or(Value::Null, text);
    [
        Value::Int(c.site),
        text(c.ip),
        text(c.status),
        text(c.classification),
        Value::Int(c.score),
        Value::Text(c.reasons.join(",")),
        optional(c.user_agent),
        optional(c.referrer),
        Value::Int(c.at),
        text(c.network),
        optional(c.country),
        text(c.category),
        Value::Int(i64::from(c.demo)),
    ]
}

/// Keeps consumed one-time tickets (`TICKET_ROW` values a row, in
/// [`ticket_values`] order), each row's placeholders numbered from `?1`
/// on. A ticket kept again (a replay after a restart that lost nothing
/// cannot be one; a crash between the claim and the commit can) takes the
/// newest use.
pub(super) fn ticket_upsert(rows: usize) -> String {
    let marks: Vec<String> = (0..rows)
        .map(|r| {
            let f = r * TICKET_ROW + 1;
            format!("(?{}, ?{}, ?{}, ?{})", f, f + 1, f + 2, f + 3)
        })
        .collect();
    format!(
        "INSERT INTO click_tickets (tag, expires_at, consumed_at, fingerprint) VALUES {}
         ON CONFLICT (tag) DO UPDATE SET expires_at = excluded.expires_at,
            consumed_at = excluded.consumed_at, fingerprint = excluded.fingerprint",
        marks.join(", ")
    )
}

/// Values per kept ticket.
pub(super) const TICKET_ROW: usize = 4;

/// A ticket consumed at `consumed_at`, as [`ticket_upsert`] keeps it.
pub(super) fn ticket_values(
    t: &clickfence::click::Ticket,
    consumed_at: i64,
) -> [Value; TICKET_ROW] {
    let tag: String = t.tag.iter().map(|b| format!("{b:02x}")).collect();
    [
        Value::Text(tag),
        Value::Int(i64::try_from(t.expires_at).unwrap_or(i64::MAX)),
        Value::Int(consumed_at),
        // The fingerprint's bits as a signed integer (both backends' BIGINT).
        Value::Int(i64::from_ne_bytes(t.fingerprint.to_ne_bytes())),
    ]
}

/// Inserts a click row on `conn` (in the caller's transaction, or alone);
/// returns its id.
pub(super) fn insert_click(conn: &Conn<'_>, c: &NewClick<'_>) -> StoreResult<i64> {
    let values = click_values(c);
    let params: Vec<&dyn Param> = values.iter().map(|v| v as &dyn Param).collect();
    let sql = format!(
        "INSERT INTO clicks ({}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) RETURNING id",
        CLICKS.columns
    );
    conn.query_row(&sql, &params, |r| r.get(0))
}

impl Store {
    /// A site's clicks since `since` and the click `next` about to be
    /// written (its network, status, category and score), as the
    /// auto-pause rule reads them: blocked means blocked `sivt` with a
    /// score of at least `block_threshold` (a click refused only for its
    /// missing signature, or a declared crawler's, does not count).
    ///
    /// A read, outside the click's write transaction: the scan grows with
    /// the site's last ten minutes of clicks (65 ms at 340,000 on SQLite),
    /// and inside the transaction it held the database's write lock that
    /// long, so every other writer (on SQLite, every instance on the file)
    /// waited for it. On SQLite it has a connection of its own
    /// ([`Store::scan_async`]): on the store's one connection it held up
    /// every other click of the instance for as long.
    pub async fn pause_window(
        &self,
        site: i64,
        since: i64,
        block_threshold: i64,
        next: (&str, &str, &str, i64),
    ) -> StoreResult<clickfence::score::PauseWindow> {
        let rows = self
            .scan_async(
                PAUSE_WINDOW,
                pause_values(site, since, block_threshold, next),
            )
            .await?;
        pause_window_of(rows.first().ok_or(StoreError::NoRow)?)
    }

    /// [`pause_window`](Self::pause_window) on the store's own connection,
    /// for the synchronous pipeline (a seeded demo day).
    pub fn pause_window_here(
        &self,
        site: i64,
        since: i64,
        block_threshold: i64,
        next: (&str, &str, &str, i64),
    ) -> StoreResult<clickfence::score::PauseWindow> {
        let values = pause_values(site, since, block_threshold, next);
        let params: Vec<&dyn Param> = values.iter().map(|v| v as &dyn Param).collect();
        let rows = self.db()?.query(PAUSE_WINDOW, &params)?;
        pause_window_of(rows.first().ok_or(StoreError::NoRow)?)
    }

    /// Records a click that changes nothing else, with the one-time
    /// `ticket` it consumed (if any, kept across restarts); returns its id.
    /// Alone, one statement committed on its own (one round trip on
    /// PostgreSQL); with a ticket, one transaction.
    pub fn insert_click_alone(
        &self,
        c: &NewClick<'_>,
        ticket: Option<&clickfence::click::Ticket>,
    ) -> StoreResult<i64> {
        let Some(ticket) = ticket else {
            return insert_click(&self.db()?, c);
        };
        self.transaction(|conn| {
            let values = ticket_values(ticket, c.at);
            let params: Vec<&dyn Param> = values.iter().map(|v| v as &dyn Param).collect();
            conn.execute(&ticket_upsert(1), &params)?;
            insert_click(conn, c)
        })
    }

    /// [`insert_click_alone`](Self::insert_click_alone), awaited (click
    /// intake's path): committed with whatever other plain clicks are
    /// waiting, their tickets in the same statement on PostgreSQL
    /// ([`batch`]), answered once committed. Call from a runtime.
    pub async fn insert_click_alone_async(
        &self,
        c: &NewClick<'_>,
        ticket: Option<&clickfence::click::Ticket>,
    ) -> StoreResult<i64> {
        let ticket = ticket.map(|t| ticket_values(t, c.at));
        self.click_batches
            .submit(&self.batch_target(), click_values(c).to_vec(), ticket)
            .await
            .map_err(|_| StoreError::Task("the click batch was lost".into()))?
    }
}
