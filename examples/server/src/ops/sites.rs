//! Sites: create (with `site.created`) and change settings, with the core's
//! threshold rule and checked redirect hosts.

use super::{OpError, OpResult};
use crate::state::AppState;
use crate::storage::{Site, SiteChanges};

/// Creates a site for `account`; returns its id.
pub fn create(state: &AppState, account: i64, name: &str, domain: &str, now: i64) -> OpResult<i64> {
    state
        .store
        .account(account)?
        .ok_or_else(|| OpError::not_found("account", account))?;
    if name.trim().is_empty() || domain.trim().is_empty() {
        return Err(OpError::invalid(
            "domain",
            "name and domain must not be empty",
        ));
    }
    Ok(state.write(|tx| tx.create_site(account, name, domain, now, true))?)
}

/// Changes a site. Thresholds are checked together by the core (the flag
/// threshold below the block threshold, both within 0–100).
pub fn update(state: &AppState, id: i64, changes: &SiteChanges) -> OpResult<Site> {
    let current = state
        .store
        .site(id)?
        .ok_or_else(|| OpError::not_found("site", id))?;
    clickfence::score::Thresholds::new(
        changes.block_threshold.unwrap_or(current.block_threshold),
        changes.flag_threshold.unwrap_or(current.flag_threshold),
    )
    .map_err(|e| OpError::invalid("thresholds", e.to_string()))?;
    if let Some(hosts) = &changes.redirect_hosts {
        for host in hosts {
            redirect_host(host)?;
        }
    }
    state
        .store
        .update_site(id, changes)?
        .ok_or_else(|| OpError::not_found("site", id))
}

/// A host name for redirect targets: lower-case, no scheme, port or path.
pub fn redirect_host(text: &str) -> OpResult<String> {
    let host = text.trim().trim_end_matches('.').to_ascii_lowercase();
    match url::Host::parse(&host) {
        Ok(url::Host::Domain(d)) if !d.is_empty() && d == host => Ok(host),
        _ => Err(OpError::invalid(
            "redirect_hosts",
            format!("{text:?} must be a plain host name like shop.example"),
        )),
    }
}
