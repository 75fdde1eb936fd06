//! Fraud scoring.

use std::sync::Arc;

use clickfence::score::{
    Category, ClickSignals, ClickStatus, CrawlerList, ScoringRules, Thresholds,
};
use clickfence::Scorer;

use crate::buf::{free_handle, handle, new_handle, opt_text, put, text, tri, write_str};
use crate::status::{clickfence_status, core_error, guard};

/// A scorer: rules and thresholds (opaque; thread-safe).
pub struct clickfence_scorer(Scorer);

/// A click's status.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum clickfence_click_status {
    /// Below the flag threshold.
    ClickfenceStatusValid = 0,
    /// Flagged.
    ClickfenceStatusFlagged = 1,
    /// Blocked.
    ClickfenceStatusBlocked = 2,
}

/// Score and status of one click (reasons: `clickfence_scorer_score_json`).
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct clickfence_assessment {
    /// 0–100.
    pub score: u8,
    /// valid / flagged / blocked.
    pub status: clickfence_click_status,
}

/// Makes a scorer from a rules JSON (NULL = the default rules) and
/// thresholds (`0 <= flag <= block <= 100`; the spec's defaults are 70 / 40).
///
/// # Safety
/// `rules_json` NULL or valid for `rules_len` bytes; `out` valid.
#[no_mangle]
pub unsafe extern "C" fn clickfence_scorer_new(
    rules_json: *const u8,
    rules_len: usize,
    block_threshold: i64,
    flag_threshold: i64,
    out: *mut *mut clickfence_scorer,
) -> clickfence_status {
    // SAFETY: forwarded contract; no crawler list given: the embedded one.
    unsafe {
        clickfence_scorer_new_with_crawler_list(
            rules_json,
            rules_len,
            block_threshold,
            flag_threshold,
            std::ptr::null(),
            0,
            std::ptr::null(),
            0,
            out,
        )
    }
}

/// Like `clickfence_scorer_new`, matching a crawler pattern list in the
/// `crawler-user-agents` JSON format in place of the embedded snapshot
/// (`crawlers_json` NULL = the embedded one); `source` (UTF-8, NULL = "crawler
/// list") says where it came from. A list that is not in that format, or a
/// pattern that does not compile, is `CLICKFENCE_INVALID_CRAWLER_LIST`.
///
/// # Safety
/// Each pointer NULL or valid for its length; `out` valid.
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn clickfence_scorer_new_with_crawler_list(
    rules_json: *const u8,
    rules_len: usize,
    block_threshold: i64,
    flag_threshold: i64,
    crawlers_json: *const u8,
    crawlers_len: usize,
    source: *const u8,
    source_len: usize,
    out: *mut *mut clickfence_scorer,
) -> clickfence_status {
    guard(|| {
        // SAFETY: caller contract.
        let rules = match tri!(unsafe { opt_text(rules_json, rules_len, "rules_json") }) {
            Some(json) => tri!(ScoringRules::from_json(json).map_err(core_error)),
            None => ScoringRules::default(),
        };
        let t = tri!(Thresholds::new(block_threshold, flag_threshold).map_err(core_error));
        // SAFETY: caller contract.
        let list = tri!(unsafe { opt_text(crawlers_json, crawlers_len, "crawlers_json") });
        // SAFETY: caller contract.
        let source =
            tri!(unsafe { opt_text(source, source_len, "source") }).unwrap_or("crawler list");
        let mut scorer = Scorer::new(rules, t);
        if let Some(json) = list {
            let list = tri!(CrawlerList::from_json(json, source).map_err(core_error));
            scorer = scorer.with_crawler_list(Arc::new(list));
        }
        // SAFETY: pointers and lengths are valid per this function's contract.
        unsafe { new_handle(out, clickfence_scorer(scorer)) }
    })
}

/// What a user agent alone says of its client.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum clickfence_category {
    /// A person's browser, as far as the user agent tells.
    ClickfenceCategoryClean = 0,
    /// General invalid traffic: a declared crawler, monitor, HTTP library or
    /// link preview (never billed, not fraud).
    ClickfenceCategoryGivt = 1,
    /// Sophisticated invalid traffic: a headless browser or automation
    /// framework.
    ClickfenceCategorySivt = 2,
}

/// The category a user agent alone puts its client in.
///
/// # Safety
/// `scorer` live; `user_agent` valid for `len` bytes; `out` valid.
#[no_mangle]
pub unsafe extern "C" fn clickfence_scorer_user_agent_category(
    scorer: *const clickfence_scorer,
    user_agent: *const u8,
    len: usize,
    out: *mut clickfence_category,
) -> clickfence_status {
    guard(|| {
        // SAFETY: caller contract.
        let s = tri!(unsafe { handle(scorer, "scorer") });
        // SAFETY: pointers and lengths are valid per this function's contract.
        let ua = tri!(unsafe { text(user_agent, len, "user_agent") });
        let category = match s.0.user_agent_category(ua) {
            Category::Clean => clickfence_category::ClickfenceCategoryClean,
            Category::Givt => clickfence_category::ClickfenceCategoryGivt,
            Category::Sivt => clickfence_category::ClickfenceCategorySivt,
        };
        // SAFETY: pointers and lengths are valid per this function's contract.
        unsafe { put(out, category, "out") }
    })
}

/// Frees a scorer; NULL is a no-op.
///
/// # Safety
/// NULL or a live scorer, freed once.
#[no_mangle]
pub unsafe extern "C" fn clickfence_scorer_free(scorer: *mut clickfence_scorer) {
    // SAFETY: caller contract.
    unsafe { free_handle(scorer) }
}

/// Scores a click from its signals JSON.
///
/// # Safety
/// Pointers valid for their lengths; `out` valid.
#[no_mangle]
pub unsafe extern "C" fn clickfence_scorer_score(
    scorer: *const clickfence_scorer,
    signals_json: *const u8,
    signals_len: usize,
    out: *mut clickfence_assessment,
) -> clickfence_status {
    guard(|| {
        // SAFETY: caller contract.
        let s = tri!(unsafe { handle(scorer, "scorer") });
        // SAFETY: pointers and lengths are valid per this function's contract.
        let json = tri!(unsafe { text(signals_json, signals_len, "signals_json") });
        let signals = tri!(ClickSignals::from_json(json).map_err(core_error));
        let a = s.0.score(&signals);
        let status = match a.status {
            ClickStatus::Valid => clickfence_click_status::ClickfenceStatusValid,
            ClickStatus::Flagged => clickfence_click_status::ClickfenceStatusFlagged,
            ClickStatus::Blocked => clickfence_click_status::ClickfenceStatusBlocked,
        };
        // SAFETY: pointers and lengths are valid per this function's contract.
        unsafe {
            put(
                out,
                clickfence_assessment {
                    score: a.score,
                    status,
                },
                "out",
            )
        }
    })
}

/// Scores a click and writes the whole assessment as JSON (score, status,
/// reasons with code / points / detail, rules_version, thresholds).
///
/// # Safety
/// Pointers valid for their lengths.
#[no_mangle]
pub unsafe extern "C" fn clickfence_scorer_score_json(
    scorer: *const clickfence_scorer,
    signals_json: *const u8,
    signals_len: usize,
    buf: *mut u8,
    buf_len: usize,
    written: *mut usize,
) -> clickfence_status {
    guard(|| {
        // SAFETY: caller contract.
        let s = tri!(unsafe { handle(scorer, "scorer") });
        // SAFETY: pointers and lengths are valid per this function's contract.
        let json = tri!(unsafe { text(signals_json, signals_len, "signals_json") });
        let signals = tri!(ClickSignals::from_json(json).map_err(core_error));
        let out = serde_json::to_string(&s.0.score(&signals)).unwrap_or_default();
        // SAFETY: pointers and lengths are valid per this function's contract.
        unsafe { write_str(out.as_bytes(), buf, buf_len, written) }
    })
}
