//! Enrolling and un-enrolling shops for the edge API, in the database and
//! in this instance's memory at once (others follow at their next
//! configuration poll). The API, the command line and the dashboard call
//! these.

use std::sync::PoisonError;

use super::OpError;
use crate::state::AppState;

/// The longest shop domain accepted.
pub const SHOP_MAX: usize = 255;

/// `shop` if it can name a shop: 1 to [`SHOP_MAX`] bytes.
pub fn valid(shop: &str) -> Result<&str, OpError> {
    if shop.is_empty() || shop.len() > SHOP_MAX {
        return Err(OpError::invalid(
            "shop",
            format!("a shop domain of 1 to {SHOP_MAX} bytes is required"),
        ));
    }
    Ok(shop)
}

/// Enrols `shop`; returns whether it was new.
pub fn enrol(state: &AppState, shop: &str, now: i64) -> Result<bool, OpError> {
    let shop = valid(shop)?;
    let new = state.store.enroll_shop(shop, now)?;
    state
        .enrolled
        .write()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(shop.to_owned());
    Ok(new)
}

/// Un-enrols `shop` (its IP policy and protection config go); returns
/// whether it was enrolled.
pub fn unenrol(state: &AppState, shop: &str) -> Result<bool, OpError> {
    let shop = valid(shop)?;
    let removed = state.store.unenroll_shop(shop)?;
    state
        .enrolled
        .write()
        .unwrap_or_else(PoisonError::into_inner)
        .remove(shop);
    state
        .policies
        .write()
        .unwrap_or_else(PoisonError::into_inner)
        .remove(shop);
    Ok(removed)
}
