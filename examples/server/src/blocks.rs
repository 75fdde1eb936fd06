//! Each site's blocks, compiled into the core's [`BlockList`] and kept in
//! memory, so the click path answers "is this address blocked?" with a hash
//! probe instead of reading rows. Loaded from the database on a site's first
//! click; every block change made through this process updates it after its
//! transaction commits.

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use clickfence::ip::{parse_prefix, BlockList};

use crate::storage::{Store, StoreResult};

/// Expired entries are purged after this many inserts into one site's list.
const PURGE_EVERY: usize = 1024;

#[derive(Default)]
struct SiteBlocks {
    list: BlockList,
    inserts: usize,
}

/// The per-site block lists.
#[derive(Default)]
pub struct BlockCache {
    sites: RwLock<HashMap<i64, Arc<RwLock<SiteBlocks>>>>,
    loads: std::sync::atomic::AtomicU64,
    /// Auto-blocks this process is writing, by site and client.
    writing: Arc<Mutex<HashSet<(i64, String)>>>,
}

/// An auto-block being written; dropped once it is committed and recorded
/// here (or has failed), when the next click of its client may start one.
#[derive(Debug)]
pub struct AutoBlocking {
    writing: Arc<Mutex<HashSet<(i64, String)>>>,
    key: (i64, String),
}

impl Drop for AutoBlocking {
    fn drop(&mut self) {
        self.writing
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&self.key);
    }
}

impl BlockCache {
    /// Whether `ip` is blocked on `site` at `now`.
    pub fn contains(&self, store: &Store, site: i64, ip: IpAddr, now: i64) -> StoreResult<bool> {
        let list = self.site(store, site, now)?;
        let list = list.read().unwrap_or_else(PoisonError::into_inner);
        Ok(list.list.contains(ip, now.max(0) as u64))
    }

    /// Whether `site`'s list is in memory (judging it reads no database).
    pub fn is_loaded(&self, site: i64) -> bool {
        self.loaded(site).is_some()
    }

    /// How many site lists were read from the database so far (each
    /// site's first click, and after [`clear`](Self::clear)).
    pub fn loads(&self) -> u64 {
        self.loads.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Forgets every site's list (another instance changed blocks); each is
    /// reloaded from the database on its next click.
    pub fn clear(&self) {
        self.sites
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }

    /// Starts an auto-block of `client` (the label of `ip`) on `site`, unless
    /// this process is already writing it or holds it: a flood's clicks
    /// judged before its first block committed would otherwise each write
    /// the same block, one after another on its row lock (the first second
    /// of a flood on two PostgreSQL instances had a p99 of 210 ms). Keep
    /// the answer until the block is [`insert`](Self::insert)ed.
    pub fn begin_auto_block(
        &self,
        site: i64,
        ip: IpAddr,
        client: &str,
        now: i64,
    ) -> Option<AutoBlocking> {
        // Under the set's lock: a writer records its block, then leaves the
        // set, so one of the two checks sees it.
        let mut writing = self.writing.lock().unwrap_or_else(PoisonError::into_inner);
        let held = self.loaded(site).is_some_and(|list| {
            list.read()
                .unwrap_or_else(PoisonError::into_inner)
                .list
                .contains(ip, now.max(0) as u64)
        });
        let key = (site, client.to_owned());
        if held || !writing.insert(key.clone()) {
            return None;
        }
        Some(AutoBlocking {
            writing: Arc::clone(&self.writing),
            key,
        })
    }

    /// Records a committed block (if the site is loaded; otherwise its first
    /// load reads it from the database).
    pub fn insert(&self, site: i64, address: &str, expires_at: Option<i64>, now: i64) {
        let Some(list) = self.loaded(site) else {
            return;
        };
        let Ok(net) = parse_prefix(address) else {
            return;
        };
        let mut list = list.write().unwrap_or_else(PoisonError::into_inner);
        list.list.insert(net, expires_at.map(|t| t.max(0) as u64));
        list.inserts += 1;
        if list.inserts % PURGE_EVERY == 0 {
            list.list.purge_expired(now.max(0) as u64);
        }
    }

    /// Records a committed removal.
    pub fn remove(&self, site: i64, address: &str) {
        let (Some(list), Ok(net)) = (self.loaded(site), parse_prefix(address)) else {
            return;
        };
        list.write()
            .unwrap_or_else(PoisonError::into_inner)
            .list
            .remove(net);
    }

    fn loaded(&self, site: i64) -> Option<Arc<RwLock<SiteBlocks>>> {
        self.sites
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&site)
            .cloned()
    }

    fn site(&self, store: &Store, site: i64, now: i64) -> StoreResult<Arc<RwLock<SiteBlocks>>> {
        if let Some(list) = self.loaded(site) {
            return Ok(list);
        }
        // Loaded under the write lock, so no committed change can slip in
        // between reading the rows and publishing the list.
        let mut sites = self.sites.write().unwrap_or_else(PoisonError::into_inner);
        if let Some(list) = sites.get(&site) {
            return Ok(Arc::clone(list));
        }
        let mut list = BlockList::new();
        self.loads
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        for (address, expires_at) in store.active_blocks(site, now)? {
            match parse_prefix(&address) {
                Ok(net) => list.insert(net, expires_at.map(|t| t.max(0) as u64)),
                Err(e) => {
                    tracing::warn!(site, %address, error = %e, "stored block is not an address")
                }
            }
        }
        let list = Arc::new(RwLock::new(SiteBlocks { list, inserts: 0 }));
        sites.insert(site, Arc::clone(&list));
        Ok(list)
    }
}
