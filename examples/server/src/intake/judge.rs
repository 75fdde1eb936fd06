//! Step 2: the core's judgement of one click.

use clickfence::click::click_shared::{SharedClick, SharedClickAnswer};
use clickfence::click::{Fetch, Inspection, Outcome};
use clickfence::rate::VelocityCounts;
use clickfence::score::{Assessment, ClickSignals, ClickStatus, SignatureSignal};
use clickfence::Verdict;

use super::ClickContext;
use crate::shared_rates::SharedRates;
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
/// With `--redis` the click's Redis round trip runs on this thread: call it
/// where blocking work runs, or use [`judge_async`].
pub fn judge(state: &AppState, ctx: &ClickContext) -> Result<Judgement, StoreError> {
    let first = FirstHalf::of(state, ctx)?;
    let shared = first
        .shared(state, ctx)
        .and_then(|(shared, click)| shared.count_click(&click, &state.metrics));
    conclude(state, ctx, first, shared)
}

/// [`judge`] with the click's Redis round trip awaited on the instance's
/// multiplexed connection. The site's blocks must already be in memory
/// ([`BlockCache::is_loaded`](crate::blocks::BlockCache::is_loaded)), else
/// their first load runs a statement on this worker.
pub async fn judge_async(state: &AppState, ctx: &ClickContext) -> Result<Judgement, StoreError> {
    let first = FirstHalf::of(state, ctx)?;
    let shared = match first.shared(state, ctx) {
        Some((shared, click)) => shared.count_click_async(&click, &state.metrics).await,
        None => None,
    };
    conclude(state, ctx, first, shared)
}

/// What is known before anything is counted: the site's block on the
/// client and the first half of the click-signing check.
struct FirstHalf<'c> {
    blocked_ip: bool,
    fetch: Fetch<'c>,
    inspection: Inspection,
}

impl<'c> FirstHalf<'c> {
    fn of(state: &AppState, ctx: &'c ClickContext) -> Result<Self, StoreError> {
        let blocked_ip = state
            .blocks
            .contains(&state.store, ctx.site.id, ctx.ip, ctx.now)?;
        let fetch = fetch(ctx);
        let inspection = inspect(state, ctx, &fetch);
        Ok(Self {
            blocked_ip,
            fetch,
            inspection,
        })
    }

    /// The click's shared work, when there is some ([`shared_click`]).
    fn shared<'s>(
        &self,
        state: &'s AppState,
        ctx: &ClickContext,
    ) -> Option<(&'s SharedRates, SharedClick)> {
        shared_click(state, ctx, &self.inspection, &self.fetch)
    }
}

/// What the request tells the click-signing check about its client.
fn fetch(ctx: &ClickContext) -> Fetch<'_> {
    Fetch {
        source: Some(ctx.ip),
        asn: ctx.asn,
        user_agent: ctx.user_agent.as_deref(),
        purpose: ctx.purpose.as_deref(),
        ignore_exclusions: !ctx.exclusions_apply,
    }
}

/// The first half of the click-signing check, on the URL exactly as the
/// network signed it, by a demo day's own verifier or the live one.
fn inspect(state: &AppState, ctx: &ClickContext, fetch: &Fetch<'_>) -> Inspection {
    let verifier = ctx.demo.as_ref().map_or(&state.clicks, |d| &d.verifier);
    verifier.inspect(&ctx.signed_url, fetch, now(ctx))
}

/// With `--redis`, the click's shared work (the ticket's claim, the
/// breaker's count, the counters) as one script for one round trip; `None`
/// on a demo day, without Redis, or when there is nothing to share (a
/// preview of an unsigned link).
fn shared_click<'s>(
    state: &'s AppState,
    ctx: &ClickContext,
    inspection: &Inspection,
    fetch: &Fetch<'_>,
) -> Option<(&'s SharedRates, SharedClick)> {
    if ctx.demo.is_some() {
        return None;
    }
    let shared = state.config.shared_rates.as_ref()?;
    // The breaker's count and the counters as the claim's first use would
    // have them: the script itself drops them for a repeat.
    let breaker = inspection
        .outcome()
        .breaker_count()
        .map(|valid| (valid, fetch.breaker_source()));
    let counters = if counts_as_click(inspection.outcome(), fetch) {
        repeat_keys(ctx)
    } else {
        Vec::new()
    };
    let click = shared.click(inspection.ticket(), breaker, &counters, now(ctx));
    (!click.is_empty()).then_some((shared, click))
}

/// A preview, a prefetch or a double click is not a new click: it must not
/// make the person's own click look repeated or fast.
fn counts_as_click(outcome: &Outcome, fetch: &Fetch<'_>) -> bool {
    outcome.is_new_click() && !fetch.is_preview()
}

/// The second half: the verdict from the claim (Redis's answer, or this
/// instance's own store), the breaker, the counters and the score.
fn conclude(
    state: &AppState,
    ctx: &ClickContext,
    first: FirstHalf<'_>,
    shared: Option<SharedClickAnswer>,
) -> Result<Judgement, StoreError> {
    let FirstHalf {
        blocked_ip,
        fetch,
        inspection,
    } = first;
    let fetch = &fetch;
    let verdict = verdict(state, ctx, fetch, inspection, shared.as_ref())?;
    let counts = match shared {
        _ if !counts_as_click(&verdict.outcome, fetch) => RepeatCounts::default(),
        Some(answer) => RepeatCounts::from(answer.counts.unwrap_or_default().into_iter().map(Ok)),
        None => repeat_counts(state, ctx),
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

/// The counters one new click records: the client's velocity, its
/// network's, and the click id's uses overall and from this network, so a
/// click id replayed from another network is seen whether or not clicks
/// are signed.
fn repeat_keys(ctx: &ClickContext) -> Vec<(&'static str, String)> {
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
    keys
}

/// Records this click in this instance's counters (a demo day's own, else
/// the live ones: without Redis, or when it could not answer).
fn repeat_counts(state: &AppState, ctx: &ClickContext) -> RepeatCounts {
    let now = now(ctx);
    let counts = repeat_keys(ctx)
        .into_iter()
        .map(|(what, key)| match &ctx.demo {
            Some(demo) => demo.counter(what).record(key.as_bytes(), now),
            None if what == "click_ids" => state.click_ids.record(key.as_bytes(), now),
            None => state.velocity.record(key.as_bytes(), now),
        });
    RepeatCounts::from(counts)
}

impl RepeatCounts {
    /// The counters' answers in [`repeat_keys`]'s order; a refusal is
    /// logged, never silently dropped.
    fn from(counts: impl Iterator<Item = Result<VelocityCounts, clickfence::RateError>>) -> Self {
        let mut counts = counts.map(counted);
        let velocity = counts.next().flatten();
        let network = counts.next().flatten();
        let seen = |c: Option<VelocityCounts>| c.map(|c| c.last_hour.saturating_sub(1));
        let click_id = seen(counts.next().flatten());
        let here = seen(counts.next().flatten());
        Self {
            velocity,
            network,
            click_id,
            other_networks: click_id
                .zip(here)
                .map(|(all, here)| all.saturating_sub(here)),
        }
    }
}

/// The click-signing verdict: the claim Redis found (`shared`), else the
/// ticket claimed in the verifier's own store; the client's address counts
/// in the breaker so it counts networks, not requests (the fleet's counts
/// with `--redis`), and its user agent and purpose let previews and
/// prefetches leave the ticket for the person. A trip is persisted and
/// logged at once. A demo day's verifier feeds neither breaker nor report.
fn verdict(
    state: &AppState,
    ctx: &ClickContext,
    fetch: &Fetch<'_>,
    inspection: Inspection,
    shared: Option<&SharedClickAnswer>,
) -> Result<Verdict, StoreError> {
    let now = now(ctx);
    if let Some(demo) = &ctx.demo {
        let claim = inspection
            .ticket()
            .map(|t| demo.verifier.claim_ticket(t, now));
        return Ok(demo.verifier.conclude(inspection, claim, now).0);
    }
    let claim = match shared {
        Some(answer) => answer.claim,
        None => inspection
            .ticket()
            .map(|t| state.clicks.claim_ticket(t, now)),
    };
    let (mut verdict, counted) = state.clicks.conclude(inspection, claim, now);
    if let Some(valid) = counted {
        verdict.tripped = match shared {
            Some(answer) => answer
                .breaker
                .is_some_and(|counts| state.clicks.apply_shared_breaker(&counts)),
            None => state
                .clicks
                .count_breaker(valid, fetch.breaker_source(), now),
        };
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

/// The click's time as the counters take it.
fn now(ctx: &ClickContext) -> u64 {
    ctx.now.max(0) as u64
}

/// A counter's answer; a refusal is logged, never silently dropped.
fn counted<T>(r: Result<T, clickfence::RateError>) -> Option<T> {
    r.map_err(|e| tracing::warn!(error = %e, code = e.code(), "velocity not counted"))
        .ok()
}
