//! Step 3: record the click and react to it, in one transaction: the click
//! row, `fraud.detected`, an auto-block with `ip.blocked`, and an auto-pause
//! with `site.paused` (or the resume with `site.resumed`). A click with
//! nothing to react to is its row alone, one statement, with the one-time
//! ticket it consumed when the instance keeps tickets itself.

use clickfence::ip::Granularity;
use clickfence::score::{
    bounded, ClickStatus, PauseWindow, PAUSE_SECS, PAUSE_WINDOW_SECS, REFERRER_MAX, USER_AGENT_MAX,
};
use clickfence::webhook::{BlockSource, Event, FraudDetected, IpBlocked, SitePaused, SiteResumed};

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::{ClickContext, Judgement};
use crate::blocks::AutoBlocking;
use crate::state::{now, AppState, PAUSE_CHECK_SECS};
use crate::storage::{NewBlock, NewClick, StoreError, Tx};

/// The reason recorded on automatic blocks.
pub const AUTO_BLOCK_REASON: &str = "Auto-blocked due to high fraud score";

/// How a click is recorded, decided once before anything is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Plan {
    /// A demo click: its row alone, no metric, no reaction.
    Demo,
    /// Nothing to react to: its row alone (and its ticket), one statement.
    Alone,
    /// The row and its reactions in one transaction.
    Transaction {
        /// Whether the site's pause rule runs with it.
        pause_due: bool,
    },
}

/// `notify`: whether a fraud report of this click would reach an endpoint;
/// `block`: whether it auto-blocks its client.
fn plan(state: &AppState, ctx: &ClickContext, j: &Judgement, notify: bool, block: bool) -> Plan {
    if ctx.demo.is_some() {
        return Plan::Demo;
    }
    // Only fraud blocked on its own evidence can start a pause: a click
    // refused only because the signing mode wants a signature cannot, nor
    // can a declared crawler (givt).
    let pause_due = is_blocked_fraud(ctx, j) && pause_check_due(state, ctx);
    if reacts(ctx, pause_due, notify, block) {
        Plan::Transaction { pause_due }
    } else {
        Plan::Alone
    }
}

/// Records the click and its reactions; returns the click's id.
pub fn record(state: &AppState, ctx: &ClickContext, j: &Judgement) -> Result<i64, StoreError> {
    let (ip, reasons) = (ctx.ip.to_string(), reason_codes(j));
    let notify =
        is_fraud_report(ctx, j) && state.store.subscribes(ctx.site.account_id, FRAUD, now())?;
    let blocking = begin_auto_block(state, ctx, j);
    match plan(state, ctx, j, notify, blocking.is_some()) {
        Plan::Demo => state
            .store
            .insert_click_alone(&new_click(ctx, j, &ip, &reasons), None),
        Plan::Alone => {
            let id = state
                .store
                .insert_click_alone(&new_click(ctx, j, &ip, &reasons), kept_ticket(state, j))?;
            state.metrics.click(j.assessment.status.as_str());
            Ok(id)
        }
        Plan::Transaction { pause_due } => {
            let pause = if pause_due {
                let started = Instant::now();
                let window = widespread_here(state, ctx, j);
                spaced_after(state, ctx, started.elapsed());
                window?
            } else {
                None
            };
            transact(state, ctx, j, pause, blocking)
        }
    }
}

/// [`record`] from an async handler: a click with nothing to react to is
/// awaited as its one statement; a transaction runs where the store's work
/// runs. Hands the context and judgement back for the answer.
pub async fn record_async(
    state: &Arc<AppState>,
    ctx: ClickContext,
    j: Judgement,
) -> Result<(ClickContext, Judgement, i64), StoreError> {
    let notify = is_fraud_report(&ctx, &j)
        && state
            .store
            .subscribes_async(ctx.site.account_id, FRAUD, now())
            .await?;
    let blocking = begin_auto_block(state, &ctx, &j);
    let plan = plan(state, &ctx, &j, notify, blocking.is_some());
    let Plan::Transaction { pause_due } = plan else {
        let (ip, reasons) = (ctx.ip.to_string(), reason_codes(&j));
        let ticket = match plan {
            Plan::Alone => kept_ticket(state, &j),
            _ => None,
        };
        let id = state
            .store
            .insert_click_alone_async(&new_click(&ctx, &j, &ip, &reasons), ticket)
            .await?;
        if plan == Plan::Alone {
            state.metrics.click(j.assessment.status.as_str());
        }
        return Ok((ctx, j, id));
    };
    // The pause rule's scan first, off the store's one SQLite connection
    // and outside the write transaction.
    let pause = if pause_due {
        let started = Instant::now();
        let window = widespread(state, &ctx, &j).await;
        spaced_after(state, &ctx, started.elapsed());
        window?
    } else {
        None
    };
    let state = Arc::clone(state);
    state
        .store
        .work()
        .run(move || transact(&state, &ctx, &j, pause, blocking).map(|id| (ctx, j, id)))
        .await
        .map_err(|e| StoreError::Task(e.to_string()))?
}

/// The click's row and its reactions, committed together; `blocking` (an
/// auto-block this click makes) is let go once the block is in memory.
fn transact(
    state: &AppState,
    ctx: &ClickContext,
    j: &Judgement,
    pause: Option<PauseWindow>,
    blocking: Option<AutoBlocking>,
) -> Result<i64, StoreError> {
    let mut auto_block = None;
    let click_id = state.write(|tx| {
        resume_if_over(tx, ctx)?;
        let (ip, reasons) = (ctx.ip.to_string(), reason_codes(j));
        let id = tx.insert_click(&new_click(ctx, j, &ip, &reasons))?;
        if let Some(ticket) = kept_ticket(state, j) {
            tx.consume_ticket(ticket, ctx.now)?;
        }
        if j.assessment.status == ClickStatus::Blocked && j.assessment.category.is_fraud() {
            emit_fraud(tx, ctx, j, id)?;
        }
        if blocking.is_some() {
            auto_block = block(state, tx, ctx, j)?;
        }
        if let Some(window) = pause {
            pause_site(tx, ctx, window)?;
        }
        Ok(id)
    })?;
    state.metrics.click(j.assessment.status.as_str());
    if let Some((address, expires_at, evicted)) = auto_block {
        for gone in evicted {
            state.blocks.remove(ctx.site.id, &gone);
        }
        state
            .blocks
            .insert(ctx.site.id, &address, Some(expires_at), ctx.now);
    }
    Ok(click_id)
}

/// The event a fraud report is.
const FRAUD: &str = clickfence::webhook::EventType::FraudDetected.as_str();

/// Whether this click is reported as fraud (`fraud.detected`), to the
/// account's endpoints that take it.
fn is_fraud_report(ctx: &ClickContext, j: &Judgement) -> bool {
    ctx.demo.is_none()
        && j.assessment.status == ClickStatus::Blocked
        && j.assessment.category.is_fraud()
}

/// The first use of a genuine signature, kept with the click's row across
/// restarts (a fleet keeps them in Redis instead).
fn kept_ticket<'a>(state: &AppState, j: &'a Judgement) -> Option<&'a clickfence::click::Ticket> {
    j.verdict
        .ticket
        .as_ref()
        .filter(|_| state.config.shared_rates.is_none())
}

/// Whether recording this click changes anything besides its row (and
/// its ticket, which a plain click's statement keeps): a pause to end, a
/// fraud report some endpoint takes (`notify`), a block or a pause. Those
/// commit with the row in one transaction. A flood from an already blocked
/// client, on an account no endpoint of which takes fraud reports, is
/// plain rows (batched).
fn reacts(ctx: &ClickContext, pause_due: bool, notify: bool, block: bool) -> bool {
    let resume_due = ctx.site.paused_until.is_some_and(|t| t <= ctx.now);
    resume_due || notify || block || pause_due
}

/// The reasons' codes, as the row lists them.
fn reason_codes(j: &Judgement) -> Vec<String> {
    j.assessment
        .reasons
        .iter()
        .map(|r| r.code.to_owned())
        .collect()
}

/// The click's row.
fn new_click<'a>(
    ctx: &'a ClickContext,
    j: &'a Judgement,
    ip: &'a str,
    reasons: &'a [String],
) -> NewClick<'a> {
    NewClick {
        site: ctx.site.id,
        ip,
        network: &ctx.source,
        status: j.assessment.status.as_str(),
        classification: j.assessment.classification(),
        category: j.assessment.category.as_str(),
        score: i64::from(j.assessment.score),
        reasons,
        // Cut to the core's caps (the scorer saw them whole: an oversized
        // header is a reason of its own, `oversized_header`).
        user_agent: ctx
            .user_agent
            .as_deref()
            .map(|u| bounded(u, USER_AGENT_MAX).0),
        referrer: ctx.referrer.as_deref().map(|r| bounded(r, REFERRER_MAX).0),
        country: ctx.country.as_deref(),
        at: ctx.now,
        demo: ctx.demo.is_some(),
    }
}

fn emit_fraud(
    tx: &Tx<'_>,
    ctx: &ClickContext,
    j: &Judgement,
    click_id: i64,
) -> Result<(), StoreError> {
    let event = Event::FraudDetected(FraudDetected {
        site_id: ctx.site.id as u64,
        site_domain: ctx.site.domain.clone(),
        click_id: click_id as u64,
        ip_address: ctx.ip.to_string(),
        fraud_score: j.assessment.score,
        status: j.assessment.status.as_str().to_owned(),
        reasons: j
            .assessment
            .reasons
            .iter()
            .map(|r| r.code.to_owned())
            .collect(),
    });
    tx.emit(ctx.site.account_id, &event, ctx.now).map(drop)
}

/// A blocked fraud (`sivt`) click at or above the block threshold, from a
/// client not yet blocked, auto-blocks its client (the address, or the IPv6
/// /64). A declared crawler (`givt`) is refused, never blocked: its address
/// is often an operator's shared one.
fn should_auto_block(ctx: &ClickContext, j: &Judgement) -> bool {
    is_blocked_fraud(ctx, j) && !j.blocked_ip
}

/// This click's auto-block, when it should make one and no other click of
/// its client is making it here (see [`crate::blocks::BlockCache::begin_auto_block`]).
fn begin_auto_block(state: &AppState, ctx: &ClickContext, j: &Judgement) -> Option<AutoBlocking> {
    if ctx.demo.is_some() || !should_auto_block(ctx, j) {
        return None;
    }
    state
        .blocks
        .begin_auto_block(ctx.site.id, ctx.ip, &ctx.client, ctx.now)
}

/// Blocked as fraud (`sivt`) on its own evidence: at or above the block
/// threshold, not only for the signing mode.
fn is_blocked_fraud(ctx: &ClickContext, j: &Judgement) -> bool {
    j.assessment.status == ClickStatus::Blocked
        && j.assessment.category.is_fraud()
        && i64::from(j.assessment.score) >= ctx.site.block_threshold
}

/// A temporary auto-block, longer for repeat offenders, within the site's
/// cap (the oldest auto-blocks go first). A manual or API block of the
/// same client is left as it is. Returns (address, expiry, evicted).
///
/// Everything that can be is done before the site's block lock (its
/// history, its `ip.blocked`), as new blocks wait for each other from the
/// lock to the commit. Two instances blocking one client at the same
/// moment may each report it (one instance never does, see
/// [`begin_auto_block`]); a receiver applies the second as a no-op. A
/// manual block made between the read and the write is kept, and this
/// click's report of an auto-block is then of an address that is blocked
/// all the same.
fn block(
    state: &AppState,
    tx: &Tx<'_>,
    ctx: &ClickContext,
    j: &Judgement,
) -> Result<Option<(String, i64, Vec<String>)>, StoreError> {
    let site = ctx.site.id;
    let source = (ctx.network.as_str(), ctx.source.as_str());
    let past = tx.block_history(site, &ctx.client, source, ctx.now)?;
    if past.manual {
        return Ok(None);
    }
    let (policy, offences) = (state.config.auto_blocks, past.offences);
    // A network or an allocation past its share gets no new client
    // blocks: its flood can never evict another's blocks, nor its own
    // first offenders'.
    if offences == 0 && !policy.admits(past.in_network, past.in_source) {
        state.metrics.refused("auto_block_network_share");
        return Ok(None);
    }
    let expires_at = policy.expires_at(offences, ctx.now.max(0) as u64);
    if !past.active {
        report_block(tx, ctx, j)?;
    }
    let written = tx.set_block(
        &NewBlock {
            site,
            ip: &ctx.client,
            reason: Some(AUTO_BLOCK_REASON),
            kind: clickfence::ip::BlockKind::Temporary { expires_at },
            source: clickfence::webhook::BlockSource::Auto,
            fraud_score: Some(i64::from(j.assessment.score)),
            network: Some((&ctx.network, &ctx.source)),
        },
        ctx.now,
    )?;
    if written.is_none() {
        return Ok(None);
    }
    let evicted = if near_cap(past.on_site, policy.cap) {
        tx.evict_auto_blocks(site, policy.cap)?
    } else {
        Vec::new()
    };
    debug_assert_eq!(Granularity::CLIENT.label(ctx.ip), ctx.client);
    let expires_at = i64::try_from(expires_at).unwrap_or(i64::MAX);
    Ok(Some((ctx.client.clone(), expires_at, evicted)))
}

/// How far below the cap a site's auto-block count, read before this
/// click's transaction wrote anything, must be for the cap to need no
/// check under the count's lock: more than the new blocks that can commit
/// between that read and this commit (one per transaction in flight, a
/// few dozen per instance). The exact count costs a round trip while
/// every new block of the site waits; a site near its cap pays it.
const CAP_CHECK_MARGIN: u64 = 1024;

/// Whether the cap must be checked under the lock for a site that held
/// `on_site` auto-blocks a moment ago.
fn near_cap(on_site: u64, cap: usize) -> bool {
    on_site.saturating_add(CAP_CHECK_MARGIN) >= u64::try_from(cap).unwrap_or(u64::MAX)
}

/// Reports a new auto-block of this click's client (`ip.blocked`).
fn report_block(tx: &Tx<'_>, ctx: &ClickContext, j: &Judgement) -> Result<(), StoreError> {
    let event = Event::IpBlocked(IpBlocked {
        site_id: ctx.site.id as u64,
        site_domain: ctx.site.domain.clone(),
        ip_address: ctx.client.clone(),
        reason: AUTO_BLOCK_REASON.into(),
        fraud_score: Some(j.assessment.score),
        source: BlockSource::Auto,
    });
    tx.emit(ctx.site.account_id, &event, ctx.now).map(drop)
}

/// Whether this site's pause rule may run now: at most once per
/// [`PAUSE_CHECK_SECS`], and after a scan that took `d`, not again for
/// [`SCAN_SPACING`] × `d` (see [`next_check`]), so a flood of blocked
/// clicks cannot turn the rule's query into load.
fn pause_check_due(state: &AppState, ctx: &ClickContext) -> bool {
    if ctx.site.paused_until.is_some_and(|t| t > ctx.now) {
        return false;
    }
    let mut checked = state
        .pause_checked
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    match checked.get(&ctx.site.id) {
        Some(&not_before) if ctx.now < not_before => false,
        _ => {
            checked.insert(ctx.site.id, next_check(state, ctx.now, Duration::ZERO));
            true
        }
    }
}

/// How many times a pause scan's duration passes before the next: the
/// rule's scans take at most about 1 % of an instance's time. The scan
/// reads a site's last ten minutes of clicks, so a flood makes it longer
/// (65 ms at 340,000 rows on SQLite, where it also holds up the instance's
/// one connection); spacing the checks by their cost keeps the flood from
/// buying a stall of the instance's writes every few seconds, at the price
/// of a later pause under such a flood (a 2 s scan: the next in 200 s).
pub const SCAN_SPACING: u32 = 100;

/// The earliest time (unix seconds) the rule may run again after a check
/// at `now` whose scan took `scan`. A configured interval (tests) pins the
/// schedule.
fn next_check(state: &AppState, now: i64, scan: Duration) -> i64 {
    match state.config.pause_check_secs {
        Some(every) => now.saturating_add(every),
        None => spaced(PAUSE_CHECK_SECS, now, scan),
    }
}

/// `now` plus `every`, or [`SCAN_SPACING`] times the scan's duration when
/// that is longer.
fn spaced(every: i64, now: i64, scan: Duration) -> i64 {
    let spacing = i64::try_from(scan.saturating_mul(SCAN_SPACING).as_secs()).unwrap_or(i64::MAX);
    now.saturating_add(every.max(spacing))
}

/// Spaces the site's next check by what this one's scan took.
fn spaced_after(state: &AppState, ctx: &ClickContext, scan: Duration) {
    let mut checked = state
        .pause_checked
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let next = next_check(state, ctx.now, scan);
    let entry = checked.entry(ctx.site.id).or_insert(next);
    *entry = (*entry).max(next);
}

/// The site's window with this click in it, when blocked clicks are
/// widespread enough to pause its ad spend (see the core's `PauseWindow`);
/// read before the click's write transaction, not in it.
async fn widespread(
    state: &AppState,
    ctx: &ClickContext,
    j: &Judgement,
) -> Result<Option<PauseWindow>, StoreError> {
    let (since, next) = window_of(ctx, j);
    let window = state
        .store
        .pause_window(ctx.site.id, since, ctx.site.block_threshold, next)
        .await?;
    Ok(window.should_pause().then_some(window))
}

/// [`widespread`] on the store's own connection (the synchronous pipeline).
fn widespread_here(
    state: &AppState,
    ctx: &ClickContext,
    j: &Judgement,
) -> Result<Option<PauseWindow>, StoreError> {
    let (since, next) = window_of(ctx, j);
    let window =
        state
            .store
            .pause_window_here(ctx.site.id, since, ctx.site.block_threshold, next)?;
    Ok(window.should_pause().then_some(window))
}

/// Where the pause rule's window starts, and this click as it counts it
/// (its source, status, category and score).
fn window_of<'a>(
    ctx: &'a ClickContext,
    j: &'a Judgement,
) -> (i64, (&'a str, &'a str, &'a str, i64)) {
    (
        ctx.now - PAUSE_WINDOW_SECS as i64,
        (
            &ctx.source,
            j.assessment.status.as_str(),
            j.assessment.category.as_str(),
            i64::from(j.assessment.score),
        ),
    )
}

/// Pauses the site's ad spend (its blocked clicks are widespread in
/// `window`). Visitors keep being served: the pause is a signal.
fn pause_site(tx: &Tx<'_>, ctx: &ClickContext, window: PauseWindow) -> Result<(), StoreError> {
    let until = ctx.now + PAUSE_SECS as i64;
    if !tx.pause(ctx.site.id, until, ctx.now)? {
        return Ok(());
    }
    tracing::warn!(
        site = ctx.site.id,
        ?window,
        "site paused: ad spend should stop"
    );
    let event = Event::SitePaused(SitePaused {
        site_id: ctx.site.id as u64,
        site_domain: ctx.site.domain.clone(),
        reason: format!(
            "{} of {} clicks blocked in the last 10 minutes, from {} networks",
            window.blocked, window.clicks, window.blocked_sources
        ),
        paused_until: crate::storage::rfc3339(until),
    });
    tx.emit(ctx.site.account_id, &event, ctx.now).map(drop)
}

/// The first click after a pause ends resumes the site.
fn resume_if_over(tx: &Tx<'_>, ctx: &ClickContext) -> Result<(), StoreError> {
    if ctx.site.paused_until.is_none_or(|t| t > ctx.now) || !tx.resume(ctx.site.id, ctx.now)? {
        return Ok(());
    }
    let event = Event::SiteResumed(SiteResumed {
        site_id: ctx.site.id as u64,
        site_domain: ctx.site.domain.clone(),
    });
    tx.emit(ctx.site.account_id, &event, ctx.now).map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slow_pause_scan_spaces_the_next_by_a_hundred_times_its_cost() {
        assert_eq!(spaced(10, 1_000, Duration::ZERO), 1_010);
        assert_eq!(spaced(10, 1_000, Duration::from_millis(65)), 1_010);
        assert_eq!(spaced(10, 1_000, Duration::from_millis(150)), 1_015);
        assert_eq!(spaced(10, 1_000, Duration::from_secs(2)), 1_200);
        assert_eq!(spaced(10, i64::MAX - 5, Duration::MAX), i64::MAX);
    }
}
