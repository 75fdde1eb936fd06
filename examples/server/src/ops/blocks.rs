//! Blocking and unblocking an address: store, queue the event, in one
//! transaction, then update the in-memory block lists.

use std::net::IpAddr;

use clickfence::ip::BlockKind;
use clickfence::webhook::{BlockSource, Event, IpBlocked, IpUnblocked};

use crate::state::AppState;
use crate::storage::{BlockedIp, NewBlock, Site, StoreResult};

/// A manual or API block.
#[derive(Debug)]
pub struct BlockRequest<'a> {
    /// The site.
    pub site: &'a Site,
    /// The address.
    pub ip: IpAddr,
    /// Free text.
    pub reason: Option<String>,
    /// Permanent or until a time.
    pub kind: BlockKind,
    /// Who blocked it.
    pub source: BlockSource,
}

/// Blocks (or re-blocks) an address; returns the record and whether it is
/// new. `ip.blocked` is sent only for a new block, never for an update.
pub fn block_ip(
    state: &AppState,
    req: &BlockRequest<'_>,
    now: i64,
) -> StoreResult<(BlockedIp, bool)> {
    let ip = req.ip.to_string();
    let (record, fresh) = state.write(|tx| {
        let (record, fresh) = tx.upsert_block(
            &NewBlock {
                site: req.site.id,
                ip: &ip,
                reason: req.reason.as_deref(),
                kind: req.kind,
                source: req.source,
                fraud_score: None,
                network: None,
            },
            now,
        )?;
        if fresh {
            let reason = req.reason.clone().unwrap_or_else(|| match req.source {
                BlockSource::Manual => "Manual block".into(),
                _ => "Blocked via API".into(),
            });
            let event = Event::IpBlocked(IpBlocked {
                site_id: req.site.id as u64,
                site_domain: req.site.domain.clone(),
                ip_address: ip.clone(),
                reason,
                fraud_score: None,
                source: req.source,
            });
            tx.emit(req.site.account_id, &event, now)?;
        }
        Ok((record, fresh))
    })?;
    let expires_at = req
        .kind
        .expires_at()
        .map(|t| i64::try_from(t).unwrap_or(i64::MAX));
    state.blocks.insert(req.site.id, &ip, expires_at, now);
    Ok((record, fresh))
}

/// Removes a block by record id or address; `ip.unblocked` goes with it.
pub fn unblock_ip(
    state: &AppState,
    site: &Site,
    id_or_ip: &str,
    source: BlockSource,
    now: i64,
) -> StoreResult<Option<BlockedIp>> {
    let record = state.write(|tx| {
        let Some(record) = tx.delete_block(site.id, id_or_ip)? else {
            return Ok(None);
        };
        let event = Event::IpUnblocked(IpUnblocked {
            site_id: site.id as u64,
            site_domain: site.domain.clone(),
            ip_address: record.ip_address.clone(),
            source,
        });
        tx.emit(site.account_id, &event, now)?;
        Ok(Some(record))
    })?;
    if let Some(r) = &record {
        state.blocks.remove(site.id, &r.ip_address);
    }
    Ok(record)
}
