//! Fraud scoring.

use clickfence::score::{ClickSignals, ClickStatus, ScoringRules, Thresholds};
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
    guard(|| {
        // SAFETY: caller contract.
        let rules = match tri!(unsafe { opt_text(rules_json, rules_len, "rules_json") }) {
            Some(json) => tri!(ScoringRules::from_json(json).map_err(core_error)),
            None => ScoringRules::default(),
        };
        let t = tri!(Thresholds::new(block_threshold, flag_threshold).map_err(core_error));
        // SAFETY: pointers and lengths are valid per this function's contract.
        unsafe { new_handle(out, clickfence_scorer(Scorer::new(rules, t))) }
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
