//! Emitting webhook events: serialize once, queue durably for each endpoint.

use clickfence::webhook::Event;

use crate::state::AppState;

/// Queues `event` for every subscribed endpoint of `account` and wakes the
/// delivery worker. A storage failure is logged: the triggering action has
/// already been committed.
pub fn emit(state: &AppState, account: i64, event: &Event) {
    let now = crate::state::now();
    let body = event.envelope_json(now as u64);
    match state.store.enqueue(account, event.name(), &body, now) {
        Ok(n) if n > 0 => state.deliveries.notify_one(),
        Ok(_) => {}
        Err(e) => tracing::error!(error = %e, event = event.name(), "could not queue webhook"),
    }
}
