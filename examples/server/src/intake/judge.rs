//! Step 2: the core's judgement of one click.

use clickfence::click::Fetch;
use clickfence::rate::VelocityCounts;
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

/// Judges the click: blocks, signature, velocity, click-id repeats, score.
pub fn judge(state: &AppState, ctx: &ClickContext) -> Result<Judgement, StoreError> {
    let blocked_ip = state
        .blocks
        .contains(&state.store, ctx.site.id, ctx.ip, ctx.now)?;
    let fetch = Fetch {
        source: Some(ctx.ip),
        asn: ctx.asn,
        user_agent: ctx.user_agent.as_deref(),
        purpose: ctx.purpose.as_deref(),
        ignore_exclusions: !ctx.exclusions_apply,
    };
    let verdict = verify(state, ctx, &fetch)?;
    // A preview, a prefetch or a double click is not a new click: it must
    // not make the person's own click look repeated or fast.
    let counts = if verdict.outcome.is_new_click() && !fetch.is_preview() {
        repeat_counts(state, ctx)
    } else {
        RepeatCounts::default()
    };
    let signals = ClickSignals {
        blocked_ip,
        signature: SignatureSignal::from_outcome(&verdict.outcome),
        ip_datacenter: state.is_datacenter(ctx.ip),
        link_preview: fetch.is_preview(),
        crawler: ctx.crawler,
        user_agent: Some(ctx.user_agent.clone()),
        referrer: Some(ctx.referrer.clone()),
        clicks_last_minute: counts.velocity.map(|v| v.last_minute),
        clicks_last_hour: counts.velocity.map(|v| v.last_hour),
        network_clicks_last_hour: counts.network.map(|v| v.last_hour),
        click_id_repeats: counts.click_id,
        click_id_other_networks: counts.other_networks,
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

/// The client's click velocity and the click id's earlier uses.
#[derive(Debug, Default)]
struct RepeatCounts {
    velocity: Option<VelocityCounts>,
    /// The client's network's clicks (IPv4 /24, IPv6 /48).
    network: Option<VelocityCounts>,
    /// Earlier uses of the click id in the last hour.
    click_id: Option<u64>,
    /// Of those, uses from other networks (IPv4 /24, IPv6 /48).
    other_networks: Option<u64>,
}

/// Records this click in the client's velocity and the click id's counts
/// (overall and from this network), so a click id replayed from another
/// network is seen whether or not clicks are signed.
fn repeat_counts(state: &AppState, ctx: &ClickContext) -> RepeatCounts {
    let now = ctx.now.max(0) as u64;
    let site = ctx.site.id;
    let mut keys = vec![
        ("velocity", format!("{site}|{}", ctx.client)),
        ("velocity", format!("{site}|net|{}", ctx.network)),
    ];
    // The click id is the client's text: bounded (hashed when long or odd)
    // before it becomes a key, here or in Redis.
    if let Some(id) = &ctx.click_id {
        let id = clickfence::rate::client_key(id);
        keys.push(("click_ids", format!("{site}|{id}")));
        keys.push(("click_ids", format!("{site}|{id}|{}", ctx.network)));
    }
    let counts = record_all(state, ctx, &keys, now);
    let mut counts = counts.into_iter().map(counted);
    let velocity = counts.next().flatten();
    let network = counts.next().flatten();
    let seen = |c: Option<VelocityCounts>| c.map(|c| c.last_hour.saturating_sub(1));
    let click_id = seen(counts.next().flatten());
    let here = seen(counts.next().flatten());
    RepeatCounts {
        velocity,
        network,
        click_id,
        other_networks: click_id
            .zip(here)
            .map(|(all, here)| all.saturating_sub(here)),
    }
}

/// Records one event of each `(what, key)`: in a demo day's own counters
/// (never the live ones, nor Redis's), else the live ones (with `--redis`,
/// one round trip for all).
fn record_all(
    state: &AppState,
    ctx: &ClickContext,
    keys: &[(&str, String)],
    now: u64,
) -> Vec<Result<VelocityCounts, clickfence::RateError>> {
    if let Some(demo) = &ctx.demo {
        return keys
            .iter()
            .map(|(what, key)| demo.counter(what).record(key.as_bytes(), now))
            .collect();
    }
    let records: Vec<(&str, &clickfence::rate::VelocityCounter, &str)> = keys
        .iter()
        .map(|(what, key)| {
            let local = if *what == "click_ids" {
                &state.click_ids
            } else {
                &state.velocity
            };
            (*what, local, key.as_str())
        })
        .collect();
    state.record_velocities(&records, now)
}

/// The click-signing check on the URL exactly as the network signed it,
/// with the client's address so the breaker counts networks, not requests
/// (the fleet's counts with `--redis`), and its user agent and purpose so
/// previews and prefetches leave the ticket for the person. The ticket is
/// claimed in Redis with `--redis`, else in the verifier's own store. A
/// trip is persisted and logged at once.
fn verify(state: &AppState, ctx: &ClickContext, fetch: &Fetch<'_>) -> Result<Verdict, StoreError> {
    let now = ctx.now.max(0) as u64;
    if let Some(demo) = &ctx.demo {
        // A demo day is judged by its own verifier and feeds neither the
        // breaker nor the report.
        let inspection = demo.verifier.inspect(&ctx.signed_url, fetch, now);
        let claim = inspection
            .ticket()
            .map(|t| demo.verifier.claim_ticket(t, now));
        return Ok(demo.verifier.conclude(inspection, claim, now).0);
    }
    let inspection = state.clicks.inspect(&ctx.signed_url, fetch, now);
    let claim = inspection.ticket().map(|t| state.claim_ticket(t, now));
    let (mut verdict, counted) = state.clicks.conclude(inspection, claim, now);
    if let Some(valid) = counted {
        verdict.tripped = state.count_breaker(valid, fetch.breaker_source(), now);
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
