//! Accounts: create, change plan / status / click limit (with
//! `subscription.updated`), add team members.

use clickfence::webhook::{Event, SubscriptionUpdated};

use super::{OpError, OpResult};
use crate::state::AppState;
use crate::storage::{Account, PLANS};

/// A plan name of the spec.
pub fn check_plan(plan: &str) -> OpResult<()> {
    PLANS
        .contains(&plan)
        .then_some(())
        .ok_or_else(|| OpError::invalid("plan", format!("use one of {}", PLANS.join(", "))))
}

/// Creates an account; returns its id.
pub fn create(state: &AppState, name: &str, plan: &str, now: i64) -> OpResult<i64> {
    check_plan(plan)?;
    if name.trim().is_empty() {
        return Err(OpError::invalid("name", "must not be empty"));
    }
    Ok(state.store.create_account(name, plan, now)?)
}

/// What [`update`] changes; `None` keeps the current value.
#[derive(Debug, Default)]
pub struct AccountChanges<'a> {
    /// starter | pro | business.
    pub plan: Option<&'a str>,
    /// e.g. active, past_due, canceled.
    pub status: Option<&'a str>,
    /// Monthly click limit.
    pub click_limit: Option<i64>,
}

/// Changes an account and queues `subscription.updated` in the same
/// transaction.
pub fn update(state: &AppState, id: i64, c: &AccountChanges<'_>, now: i64) -> OpResult<Account> {
    if let Some(plan) = c.plan {
        check_plan(plan)?;
    }
    if c.click_limit.is_some_and(|l| l < 0) {
        return Err(OpError::invalid("click_limit", "must not be negative"));
    }
    state
        .write(|tx| {
            let Some(a) = tx.update_account(id, c.plan, c.status, c.click_limit)? else {
                return Ok(None);
            };
            let event = Event::SubscriptionUpdated(SubscriptionUpdated {
                account_id: a.id as u64,
                plan: a.plan.clone(),
                status: a.status.clone(),
                click_limit: a.click_limit.max(0) as u64,
            });
            tx.emit(a.id, &event, now)?;
            Ok(Some(a))
        })?
        .ok_or_else(|| OpError::not_found("account", id))
}

/// Lets `member`'s tokens see `account`'s sites.
pub fn add_member(state: &AppState, account: i64, member: i64) -> OpResult<()> {
    for id in [account, member] {
        state
            .store
            .account(id)?
            .ok_or_else(|| OpError::not_found("account", id))?;
    }
    Ok(state.store.add_member(account, member)?)
}
