//! Deleting finished deliveries past their keeping
//! ([`FINISHED_KEPT_SECS`]): once at start, then once a minute, in chunks
//! so that no statement holds the database (on SQLite, its one writer) for
//! long. Every instance of a fleet prunes; a row is deleted once.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use crate::state::{now, AppState};
use crate::storage::FINISHED_KEPT_SECS;

/// Time between two prunes.
pub const PRUNE_EVERY: Duration = Duration::from_secs(60);
/// Rows deleted by one statement.
pub const PRUNE_CHUNK: i64 = 1_000;
/// Statements per prune at most: 100,000 rows a minute, far more than an
/// endpoint's deliveries a minute (one at a time, each a round trip to its
/// receiver) times the endpoints an instance serves at once; what is left
/// goes next minute.
pub const PRUNE_CHUNKS: usize = 100;

/// Prunes until `shutdown` turns true.
pub async fn run(state: Arc<AppState>, mut shutdown: watch::Receiver<bool>) {
    loop {
        if *shutdown.borrow() {
            return;
        }
        prune(&state).await;
        tokio::select! {
            _ = tokio::time::sleep(PRUNE_EVERY) => {}
            // Told to stop, or the server is gone.
            _ = shutdown.changed() => return,
        }
    }
}

/// One prune: chunks until one comes back short.
async fn prune(state: &Arc<AppState>) {
    let before = now() - FINISHED_KEPT_SECS;
    for _ in 0..PRUNE_CHUNKS {
        let chunk = super::db(state, move |s| {
            s.store.prune_finished_deliveries(before, PRUNE_CHUNK)
        })
        .await;
        match chunk {
            Ok(n) if n == PRUNE_CHUNK as usize => continue,
            Ok(_) => return,
            Err(e) => {
                tracing::warn!(error = %e, "cannot delete finished deliveries; trying again in a minute");
                return;
            }
        }
    }
}
