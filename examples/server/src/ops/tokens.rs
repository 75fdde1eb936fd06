//! API tokens: abilities and lifetimes of the spec, at most
//! [`MAX_TOKENS`] live per account, shown once and stored as SHA-256.

use super::{OpError, OpResult};
use crate::state::AppState;
use crate::storage::{ABILITIES, MAX_TOKENS, TOKEN_DAYS};

/// Creates a token; returns its text (shown once).
pub fn create(
    state: &AppState,
    account: i64,
    abilities: &[String],
    days: u64,
    now: i64,
) -> OpResult<String> {
    state
        .store
        .account(account)?
        .ok_or_else(|| OpError::not_found("account", account))?;
    if abilities.is_empty() {
        return Err(OpError::invalid("abilities", "give at least one ability"));
    }
    if let Some(bad) = abilities.iter().find(|a| !ABILITIES.contains(&a.as_str())) {
        return Err(OpError::invalid(
            "abilities",
            format!("unknown ability {bad}: use {}", ABILITIES.join(", ")),
        ));
    }
    if !TOKEN_DAYS.contains(&days) {
        let days: Vec<String> = TOKEN_DAYS.iter().map(u64::to_string).collect();
        let (last, rest) = days.split_last().unwrap_or((&days[0], &[]));
        return Err(OpError::invalid(
            "expires_in_days",
            format!("use {} or {last}", rest.join(", ")),
        ));
    }
    let text =
        crate::tokens::generate().map_err(|e| crate::storage::StoreError::Random(e.to_string()))?;
    let expires = now + days as i64 * 86_400;
    state
        .store
        .create_token(
            account,
            &crate::tokens::hash(&text),
            abilities,
            expires,
            now,
        )?
        .map(|_| text)
        .ok_or_else(|| {
            OpError::Limit(format!(
                "an account may hold at most {MAX_TOKENS} live tokens: revoke one first"
            ))
        })
}

/// Revokes a live token.
pub fn revoke(state: &AppState, id: i64, now: i64) -> OpResult<()> {
    state
        .store
        .revoke_token(id, now)?
        .then_some(())
        .ok_or_else(|| OpError::not_found("live token", id))
}
