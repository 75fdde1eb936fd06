//! Writes that must commit together: a change and the events reporting it.
//!
//! Every event is queued in the same transaction as the change it reports,
//! so a crash can lose neither half alone.

use std::cell::{Cell, RefCell};

use super::config::{bump, Shared};
use super::db::{params, Conn, Lock, Param, Transaction};
use super::outbox_room::OutboxRoom;
use clickfence::ip::BlockKind;
use clickfence::webhook::{BlockSource, Event};

use clickfence::click::HourCounts;

use clickfence::webhook::SiteCreated;

use super::config::{bump_blocks, BlockEdit};
use super::{
    account_from, block_from, Account, BlockedIp, NewClick, StoreResult, ACCOUNT_COLUMNS,
    BLOCK_COLUMNS,
};

/// An open write transaction (see [`Store::write`](super::Store::write)).
pub struct Tx<'a> {
    tx: Transaction<'a>,
    queued: Cell<usize>,
    instance: &'a str,
    /// The store's kept outbox counts (the bound on droppable events).
    room: &'a OutboxRoom,
    /// Whether a credential changed (the cache is emptied on commit).
    credentials: Cell<bool>,
    /// Whether a site row changed (kept rows are forgotten on commit).
    sites: Cell<bool>,
    /// The endpoint of each event a full outbox dropped (counted once the
    /// transaction commits, see [`super::dropped`]).
    dropped: RefCell<Vec<i64>>,
    /// The sites whose block lock this transaction holds (taken once).
    locked_sites: RefCell<Vec<i64>>,
    /// The block changes made, logged under one blocks version at the
    /// commit (see [`bump_blocks`]).
    block_edits: RefCell<Vec<BlockEdit>>,
    /// An account's endpoints as this transaction read them (id, events,
    /// disabled): a click that reports fraud and blocks emits twice.
    endpoints: RefCell<Option<(i64, Vec<EndpointRow>)>>,
}

/// An endpoint as an event's fan-out reads it: id, events, disabled.
type EndpointRow = (i64, String, bool);

/// A client's past on a site, as the auto-block rules read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockHistory {
    /// Whether it has a manual or API block (an automatic block must never
    /// overwrite one).
    pub manual: bool,
    /// Whether a block of it is in force (a new auto-block of it would
    /// only extend that one: no `ip.blocked`).
    pub active: bool,
    /// Auto-blocks the site holds, every network's (its count's row).
    pub on_site: u64,
    /// How many times it was auto-blocked before (0 if never).
    pub offences: u32,
    /// Auto-blocks the site holds for clients of its network.
    pub in_network: u64,
    /// Auto-blocks the site holds for clients of its allocation (an ASN or
    /// IPv4 /24, IPv6 /32).
    pub in_source: u64,
}

/// How a source is stored (`blocked_ips.source`).
pub fn source_name(source: BlockSource) -> &'static str {
    match source {
        BlockSource::Manual => "manual",
        BlockSource::Api => "api",
        BlockSource::Auto => "auto",
    }
}

/// A block to store.
#[derive(Debug)]
pub struct NewBlock<'a> {
    /// Site.
    pub site: i64,
    /// Address, or a prefix (`2001:db8:1:2::/64`) for an IPv6 client.
    pub ip: &'a str,
    /// Reason.
    pub reason: Option<&'a str>,
    /// Permanent, or temporary until a time.
    pub kind: BlockKind,
    /// Who blocked it.
    pub source: BlockSource,
    /// Score of an auto-block.
    pub fraud_score: Option<i64>,
    /// An auto-block's network and allocation (the client's source), which
    /// the per-network share counts; `None` for another block.
    pub network: Option<(&'a str, &'a str)>,
}

impl<'a> Tx<'a> {
    pub(super) fn new(tx: Transaction<'a>, instance: &'a str, room: &'a OutboxRoom) -> Self {
        Self {
            tx,
            queued: Cell::new(0),
            instance,
            room,
            credentials: Cell::new(false),
            sites: Cell::new(false),
            dropped: RefCell::new(Vec::new()),
            locked_sites: RefCell::new(Vec::new()),
            block_edits: RefCell::new(Vec::new()),
            endpoints: RefCell::new(None),
        }
    }

    /// Whether the transaction changed a token or an account.
    pub(super) fn changed_credentials(&self) -> bool {
        self.credentials.get()
    }

    /// Whether this transaction changed a site row.
    pub(super) fn changed_sites(&self) -> bool {
        self.sites.get()
    }

    fn c(&self) -> &Conn<'a> {
        self.tx.conn()
    }

    /// Serialises this transaction with every other one that changes the
    /// blocks of `site` (PostgreSQL; SQLite's write lock already does).
    /// Held to the end of the transaction, so taken once per site.
    fn lock_site_blocks(&self, site: i64) -> StoreResult<()> {
        if self.locked_sites.borrow().contains(&site) {
            return Ok(());
        }
        self.c().exclusive(Lock::SiteBlocks(site))?;
        self.locked_sites.borrow_mut().push(site);
        Ok(())
    }

    /// Logs the block changes under a new blocks version, then commits;
    /// returns how many deliveries were queued and the endpoint of each
    /// event dropped. The version row is every site's, so it is taken
    /// last: other transactions wait for it from here to the commit only.
    pub(super) fn commit(self) -> StoreResult<(usize, Vec<i64>)> {
        let queued = self.queued.get();
        bump_blocks(self.c(), self.instance, &self.block_edits.borrow())?;
        self.tx.commit()?;
        Ok((queued, self.dropped.into_inner()))
    }

    /// Blocks (or re-blocks, updating the record) an address. Returns the
    /// record and whether it is new (a re-block of an expired auto-block
    /// counts as new: it is in force again).
    pub fn upsert_block(&self, b: &NewBlock<'_>, now: i64) -> StoreResult<(BlockedIp, bool)> {
        self.lock_site_blocks(b.site)?;
        let was_active: Option<bool> = self.c().query_opt(
            "SELECT expires_at IS NULL OR expires_at > ?3 FROM blocked_ips WHERE site_id = ?1 AND ip_address = ?2",
            params![b.site, b.ip, now],
            |r| r.get(0),
        )?;
        let record = self.set_block(b, now)?.ok_or(super::StoreError::NoRow)?;
        Ok((record, was_active != Some(true)))
    }

    /// Blocks (or re-blocks) an address whose past the caller read
    /// already (an auto-block reads it with the client's history, before
    /// any lock); returns the record, or `None` for an auto-block of an
    /// address that has a manual or API block, which is never
    /// overwritten (one may be made between the history's read and this
    /// write). Takes no lock of its own: an auto-block's write locks the
    /// site's auto-block count (the trigger that keeps it), which
    /// serialises it with every other change of that count to the commit,
    /// and nothing else it writes needs more.
    pub fn set_block(&self, b: &NewBlock<'_>, now: i64) -> StoreResult<Option<BlockedIp>> {
        let expires_at = b
            .kind
            .expires_at()
            .map(|t| i64::try_from(t).unwrap_or(i64::MAX));
        // The record comes back from the upsert itself; an auto-block's
        // network and allocation go in with it (another block's keep what
        // the address had).
        let (network, allocation) = b.network.unzip();
        let record = self.c().query_opt(
            &format!(
                "INSERT INTO blocked_ips (site_id, ip_address, reason, type, expires_at, source, fraud_score, created_at, updated_at, network, allocation)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, ?9, ?10)
                 ON CONFLICT (site_id, ip_address) DO UPDATE SET reason = excluded.reason, type = excluded.type,
                    expires_at = excluded.expires_at, source = excluded.source, fraud_score = excluded.fraud_score,
                    offences = blocked_ips.offences + CASE WHEN excluded.source = 'auto' THEN 1 ELSE 0 END, updated_at = excluded.updated_at,
                    network = COALESCE(excluded.network, blocked_ips.network), allocation = COALESCE(excluded.allocation, blocked_ips.allocation)
                 WHERE blocked_ips.source = 'auto' OR excluded.source <> 'auto'
                 RETURNING {BLOCK_COLUMNS}"
            ),
            params![b.site, b.ip, b.reason, b.kind.as_str(), expires_at, source_name(b.source), b.fraud_score, now, network, allocation],
            block_from,
        )?;
        if record.is_some() {
            self.block_edits.borrow_mut().push(BlockEdit {
                site: b.site,
                ip: b.ip.to_owned(),
                expires_at,
                removed: false,
            });
        }
        Ok(record)
    }

    /// What the auto-block rules read of `client`'s past on `site` at
    /// `now`, in one statement (it was five round trips per blocking
    /// click, one of them under the site's lock).
    pub fn block_history(
        &self,
        site: i64,
        client: &str,
        (network, allocation): (&str, &str),
        now: i64,
    ) -> StoreResult<BlockHistory> {
        self.c().query_row(
            "SELECT EXISTS (SELECT 1 FROM blocked_ips WHERE site_id = ?1 AND ip_address = ?2 AND source != 'auto'),
                (SELECT offences + CASE WHEN source = 'auto' THEN 1 ELSE 0 END FROM blocked_ips WHERE site_id = ?1 AND ip_address = ?2),
                (SELECT COUNT(*) FROM blocked_ips WHERE site_id = ?1 AND network = ?3 AND source = 'auto'),
                (SELECT COUNT(*) FROM blocked_ips WHERE site_id = ?1 AND allocation = ?4 AND source = 'auto'),
                EXISTS (SELECT 1 FROM blocked_ips WHERE site_id = ?1 AND ip_address = ?2 AND (expires_at IS NULL OR expires_at > ?5)),
                (SELECT blocks FROM auto_block_counts WHERE site_id = ?1)",
            params![site, client, network, allocation, now],
            |r| {
                let count = |n: i64| u64::try_from(n).unwrap_or(0);
                Ok(BlockHistory {
                    manual: r.get(0)?,
                    active: r.get(4)?,
                    on_site: count(r.get::<Option<i64>>(5)?.unwrap_or(0)),
                    offences: r
                        .get::<Option<i64>>(1)?
                        .map_or(0, |n| u32::try_from(n).unwrap_or(u32::MAX)),
                    in_network: count(r.get(2)?),
                    in_source: count(r.get(3)?),
                })
            },
        )
    }

    /// Removes the oldest auto-blocks of `site` beyond `cap`; returns the
    /// addresses removed. Manual and API blocks are never touched.
    pub fn evict_auto_blocks(&self, site: i64, cap: usize) -> StoreResult<Vec<String>> {
        // Kept by the database's triggers (migration 21): one row, not a
        // count of the site's blocks. Locked, so evictions of one site
        // never race (a new auto-block holds it already).
        let count: Option<i64> = self.c().query_opt(
            &format!(
                "SELECT blocks FROM auto_block_counts WHERE site_id = ?1{}",
                self.c().for_update()
            ),
            params![site],
            |r| r.get(0),
        )?;
        let excess = count.unwrap_or(0) - i64::try_from(cap).unwrap_or(i64::MAX);
        if excess <= 0 {
            return Ok(Vec::new());
        }
        let gone = self.c().query_map(
"DELETE FROM blocked_ips WHERE id IN (SELECT id FROM blocked_ips WHERE site_id = ?1 AND source = 'auto'
             ORDER BY updated_at, id LIMIT ?2) RETURNING ip_address",
params![site, excess], |r| r.get(0))?;
        self.block_edits
            .borrow_mut()
            .extend(gone.iter().map(|ip: &String| BlockEdit {
                site,
                ip: ip.clone(),
                expires_at: None,
                removed: true,
            }));
        Ok(gone)
    }

    /// Removes a block by record id or by address; returns the removed record.
    pub fn delete_block(&self, site: i64, id_or_ip: &str) -> StoreResult<Option<BlockedIp>> {
        let id: Option<i64> = id_or_ip.parse().ok();
        let found = self.c().query_opt(
                &format!("SELECT {BLOCK_COLUMNS} FROM blocked_ips WHERE site_id = ?1 AND (id = ?2 OR ip_address = ?3)"),
                params![site, id, id_or_ip],
                block_from,
            )?;
        if let Some(b) = &found {
            self.c()
                .execute("DELETE FROM blocked_ips WHERE id = ?1", params![b.id])?;
            self.block_edits.borrow_mut().push(BlockEdit {
                site,
                ip: b.ip_address.clone(),
                expires_at: None,
                removed: true,
            });
        }
        Ok(found)
    }

    /// Pauses a site until `until` unless a pause is in force at `now`;
    /// returns whether this call paused it.
    pub fn pause(&self, site: i64, until: i64, now: i64) -> StoreResult<bool> {
        let paused = self.c().execute(
            "UPDATE sites SET paused_until = ?2 WHERE id = ?1 AND (paused_until IS NULL OR paused_until <= ?3)",
            params![site, until, now],
        )? == 1;
        if paused {
            self.site_changed()?;
        }
        Ok(paused)
    }

    /// Ends a pause that is over at `now`; returns whether this call ended it
    /// (so one `site.resumed` is sent however many clicks race here).
    pub fn resume(&self, site: i64, now: i64) -> StoreResult<bool> {
        let resumed = self.c().execute(
            "UPDATE sites SET paused_until = NULL WHERE id = ?1 AND paused_until <= ?2",
            params![site, now],
        )? == 1;
        if resumed {
            self.site_changed()?;
        }
        Ok(resumed)
    }

    /// A site row changed: the `sites` version moves, and this instance
    /// forgets its kept rows on commit.
    fn site_changed(&self) -> StoreResult<()> {
        self.sites.set(true);
        bump(self.c(), Shared::Sites, self.instance)
    }

    /// Records a click; returns its id.
    pub fn insert_click(&self, c: &NewClick<'_>) -> StoreResult<i64> {
        super::clicks::insert_click(self.c(), c)
    }

    /// Creates a site; with `announce`, queues `site.created` with it.
    pub fn create_site(
        &self,
        account: i64,
        name: &str,
        domain: &str,
        now: i64,
        announce: bool,
    ) -> StoreResult<i64> {
        let id = self.c().query_row(
            "INSERT INTO sites (account_id, name, domain, created_at) VALUES (?1, ?2, ?3, ?4) RETURNING id",
            params![account, name, domain, now],
            |r| r.get::<i64>(0),
        )?;
        // The oldest active site may be this one (a first site).
        self.site_changed()?;
        if announce {
            let event = Event::SiteCreated(SiteCreated {
                site_id: id as u64,
                name: name.to_owned(),
                domain: domain.to_owned(),
            });
            self.emit(account, &event, now)?;
        }
        Ok(id)
    }

    /// Changes an account's plan, status or click limit; the account after.
    pub fn update_account(
        &self,
        id: i64,
        plan: Option<&str>,
        status: Option<&str>,
        click_limit: Option<i64>,
    ) -> StoreResult<Option<Account>> {
        self.c().execute(
            "UPDATE accounts SET plan = COALESCE(?2, plan), status = COALESCE(?3, status), click_limit = COALESCE(?4, click_limit) WHERE id = ?1",
            params![id, plan, status, click_limit],
        )?;
        super::config::bump(self.c(), super::Shared::Credentials, self.instance)?;
        self.credentials.set(true);
        self.c().query_opt(
            &format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE id = ?1"),
            params![id],
            account_from,
        )
    }

    /// Adds one hour's counts to the click-signing report.
    pub fn add_report_counts(&self, hour: i64, c: &HourCounts) -> StoreResult<()> {
        let n = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
        self.c().execute(
            "INSERT INTO click_signing_report (hour, total, valid, missing, expired, invalid, no_active, replayed)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
             ON CONFLICT (hour) DO UPDATE SET total = click_signing_report.total + excluded.total, valid = click_signing_report.valid + excluded.valid,
                missing = click_signing_report.missing + excluded.missing, expired = click_signing_report.expired + excluded.expired,
                invalid = click_signing_report.invalid + excluded.invalid, no_active = click_signing_report.no_active + excluded.no_active,
                replayed = click_signing_report.replayed + excluded.replayed",
            params![hour, n(c.total), n(c.valid), n(c.missing_signature), n(c.expired), n(c.invalid_signature), n(c.no_active_secrets), n(c.replayed)],
        )?;
        Ok(())
    }

    /// Remembers a consumed ticket (a first use), replacing an expired
    /// entry for the same tag.
    pub fn consume_ticket(
        &self,
        t: &clickfence::click::Ticket,
        consumed_at: i64,
    ) -> StoreResult<()> {
        let values = super::clicks::ticket_values(t, consumed_at);
        let params: Vec<&dyn Param> = values.iter().map(|v| v as &dyn Param).collect();
        self.c()
            .execute(&super::clicks::ticket_upsert(1), &params)?;
        Ok(())
    }

    /// Forgets tickets that expired by `now`.
    pub fn drop_expired_tickets(&self, now: i64) -> StoreResult<()> {
        self.c().execute(
            "DELETE FROM click_tickets WHERE expires_at <= ?1",
            params![now],
        )?;
        Ok(())
    }

    /// Queues `event` for every enabled endpoint of `account` subscribed to
    /// it, serialized once at `now`; returns how many deliveries were queued.
    pub fn emit(&self, account: i64, event: &Event, now: i64) -> StoreResult<usize> {
        let name = event.name();
        let body = event.envelope_json(u64::try_from(now).unwrap_or(0));
        let endpoints: Vec<(i64, bool)> = self
            .endpoints_of(account)?
            .into_iter()
            .filter(|(_, ev, _)| ev.split(',').any(|e| e == name))
            .map(|(id, _, disabled)| (id, disabled))
            .collect();
        // A disabled endpoint's events are held (the worker claims nothing
        // for it) until it is re-enabled, within the core's bounds; an
        // enabled endpoint's outbox drops what the core lets it drop.
        let mut queued = 0;
        for (id, disabled) in &endpoints {
            if !disabled && !self.outbox_admits(*id, event)? {
                self.dropped.borrow_mut().push(*id);
                continue;
            }
            self.c().execute(
                "INSERT INTO deliveries (endpoint_id, event, body, next_attempt_at, created_at) VALUES (?1, ?2, ?3, ?4, ?4)",
                params![id, name, body, now],
            )?;
            self.room.queued(*id);
            if *disabled {
                self.bound_held(*id, now)?;
            } else {
                queued += 1;
            }
        }
        self.queued.set(self.queued.get() + queued);
        Ok(queued)
    }

    /// `account`'s endpoints (id, events, disabled), read once per
    /// transaction.
    fn endpoints_of(&self, account: i64) -> StoreResult<Vec<EndpointRow>> {
        if let Some((read, rows)) = &*self.endpoints.borrow() {
            if *read == account {
                return Ok(rows.clone());
            }
        }
        let rows = self.c().query_map(
            "SELECT id, events, disabled FROM webhook_endpoints WHERE account_id = ?1",
            params![account],
            |r| Ok((r.get::<i64>(0)?, r.get::<String>(1)?, r.get::<bool>(2)?)),
        )?;
        *self.endpoints.borrow_mut() = Some((account, rows.clone()));
        Ok(rows)
    }

    /// Whether the core's outbox bound lets `event` wait for `endpoint`;
    /// counts pending deliveries only as far as the bound, only for events
    /// that may be dropped, and only when no count of the last second is
    /// kept ([`OutboxRoom`]).
    fn outbox_admits(&self, endpoint: i64, event: &Event) -> StoreResult<bool> {
        use clickfence::webhook::{outbox_admits, OUTBOX_MAX_PER_ENDPOINT};
        if !event.is_droppable() {
            return Ok(true);
        }
        let pending = match self.room.pending(endpoint) {
            Some(kept) => kept,
            None => {
                let bound = i64::try_from(OUTBOX_MAX_PER_ENDPOINT).unwrap_or(i64::MAX);
                let counted: i64 = self.c().query_row(
                    "SELECT COUNT(*) FROM (SELECT 1 FROM deliveries WHERE endpoint_id = ?1 AND status = 'pending' LIMIT ?2) AS p",
                    params![endpoint, bound],
                    |r| r.get(0),
                )?;
                self.room.counted(endpoint, counted);
                counted
            }
        };
        Ok(outbox_admits(
            event,
            usize::try_from(pending).unwrap_or(usize::MAX),
        ))
    }

    /// Drops a disabled endpoint's held events older than the core's
    /// `HELD_MAX_AGE`, and the oldest beyond `HELD_MAX_PER_ENDPOINT`.
    pub fn bound_held(&self, endpoint: i64, now: i64) -> StoreResult<()> {
        let oldest = now - i64::try_from(clickfence::webhook::HELD_MAX_AGE).unwrap_or(i64::MAX);
        let keep = i64::try_from(clickfence::webhook::HELD_MAX_PER_ENDPOINT).unwrap_or(i64::MAX);
        self.c().execute(
            "DELETE FROM deliveries WHERE endpoint_id = ?1 AND status = 'pending' AND (created_at < ?2
               OR id <= (SELECT id FROM deliveries WHERE endpoint_id = ?1 AND status = 'pending'
                         ORDER BY id DESC LIMIT 1 OFFSET ?3))",
            params![endpoint, oldest, keep],
        )?;
        Ok(())
    }
}
