//! Step 2: the core's judgement of one click.

use clickfence::click::Fetch;
use clickfence::score::{Assessment, ClickSignals, ClickStatus, SignatureSignal};
use clickfence::Verdict;

use super::ClickContext;
use crate::state::AppState;
use crate::storage::StoreError;

/// What the core decided.
#[derive(Debug)]
pub struct Judgement {
    /// The click-signing verdict.
    pub verdict: Verdict,
    /// Score, status and reasons.
    pub assessment: Assessment,
    /// Whether the client was already blocked on the site.
    pub blocked_ip: bool,
}

/// Judges the click: blocks, velocity, click-id repeats, signature, score.
pub fn judge(state: &AppState, ctx: &ClickContext) -> Result<Judgement, StoreError> {
    let now = ctx.now.max(0) as u64;
    let blocked_ip = state
        .blocks
        .contains(&state.store, ctx.site.id, ctx.ip, ctx.now)?;
    let velocity = counted(state.record_velocity(
        "velocity",
        &state.velocity,
        &format!("{}|{}", ctx.site.id, ctx.client),
        now,
    ));
    let repeats = ctx.click_id.as_ref().and_then(|id| {
        counted(state.record_velocity(
            "click_ids",
            &state.click_ids,
            &format!("{}|{}", ctx.site.id, id),
            now,
        ))
        .map(|c| c.last_hour.saturating_sub(1))
    });
    let verdict = verify(state, ctx)?;
    let signals = ClickSignals {
        blocked_ip,
        signature: SignatureSignal::from_outcome(&verdict.outcome),
        user_agent: Some(ctx.user_agent.clone()),
        referrer: Some(ctx.referrer.clone()),
        clicks_last_minute: velocity.map(|v| v.last_minute),
        clicks_last_hour: velocity.map(|v| v.last_hour),
        click_id_repeats: repeats,
        ..ClickSignals::default()
    };
    let mut assessment = state
        .scorer(ctx.site.block_threshold, ctx.site.flag_threshold)
        .score(&signals);
    // A signature the mode rejects blocks the click whatever its score.
    if !verdict.accepted {
        assessment.status = ClickStatus::Blocked;
    }
    Ok(Judgement {
        verdict,
        assessment,
        blocked_ip,
    })
}

/// The click-signing check on the URL exactly as the network signed it,
/// with the client's address so the breaker counts networks, not requests
/// (the fleet's counts with `--redis`), and its user agent and purpose so
/// previews and prefetches leave the ticket for the person. The ticket is
/// claimed in Redis with `--redis`, else in the verifier's own store. A
/// trip is persisted and logged at once.
fn verify(state: &AppState, ctx: &ClickContext) -> Result<Verdict, StoreError> {
    let now = ctx.now.max(0) as u64;
    let fetch = Fetch {
        source: Some(ctx.ip),
        user_agent: ctx.user_agent.as_deref(),
        purpose: ctx.purpose.as_deref(),
    };
    let inspection = state.clicks.inspect(&ctx.signed_url, &fetch, now);
    let claim = inspection.ticket().map(|t| state.claim_ticket(t, now));
    let (mut verdict, counted) = state.clicks.conclude(inspection, claim, now);
    if let Some(valid) = counted {
        verdict.tripped = state.count_breaker(valid, ctx.ip, now);
    }
    state.report.record(ctx.now / 3600, &verdict.outcome);
    if verdict.tripped {
        let trip = state.clicks.breaker_trip();
        tracing::warn!(
            ?trip,
            "circuit breaker tripped: click signing is now report-only"
        );
        state.save_signing_settings()?;
    }
    Ok(verdict)
}

/// A counter's answer; a refusal is logged, never silently dropped.
fn counted<T>(r: Result<T, clickfence::RateError>) -> Option<T> {
    r.map_err(|e| tracing::warn!(error = %e, code = e.code(), "velocity not counted"))
        .ok()
}
