//! Emitting webhook events that report no stored change of their own.
//!
//! An event that reports a change is queued in that change's transaction
//! (`Tx::emit`); this is for the rest.

use clickfence::webhook::Event;

use crate::state::{now, AppState};
use crate::storage::StoreResult;

/// Queues `event` for every subscribed endpoint of `account` and wakes the
/// delivery worker.
pub fn emit(state: &AppState, account: i64, event: &Event) -> StoreResult<()> {
    state.write(|tx| tx.emit(account, event, now()).map(drop))
}
