//! Schemas of the JSON the handlers answer with, where a handler builds it
//! with `json!` rather than serializing a stored type. The contract test
//! checks every answer against these, so a handler and its schema cannot
//! drift apart unnoticed.
// The types describe JSON; the handlers do not construct them.
#![allow(dead_code)]

use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::ToSchema;

use crate::storage::{BlockedIp, Click, Site};

/// A platform API error: `message`, and `errors` (field → messages) on 422.
#[derive(Serialize, ToSchema)]
pub struct PlatformError {
    /// What went wrong.
    pub message: String,
    /// Field → messages (422 only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<BTreeMap<String, Vec<String>>>,
}

/// An edge API error.
#[derive(Serialize, ToSchema)]
pub struct EdgeError {
    /// Always `true`.
    pub error: bool,
    /// What went wrong.
    pub message: String,
    /// `INVALID_REQUEST`, `UNAUTHORIZED`, `NOT_FOUND`, `RATE_LIMITED`,
    /// `INTERNAL_ERROR`, or a transport code (`METHOD_NOT_ALLOWED`, ...).
    pub code: String,
}

/// A click-signing API error.
#[derive(Serialize, ToSchema)]
pub struct MessageError {
    /// What went wrong.
    pub message: String,
}

/// `{"data": [site, ...]}`.
#[derive(Serialize, ToSchema)]
pub struct SiteList {
    /// Sites the token's account can access.
    pub data: Vec<Site>,
}

/// `{"data": site}`.
#[derive(Serialize, ToSchema)]
pub struct SiteOne {
    /// The site.
    pub data: Site,
}

/// A site's stats over `window_days`.
#[derive(Serialize, ToSchema)]
pub struct Stats {
    /// The site.
    pub site_id: i64,
    /// Days counted back from now.
    pub window_days: i64,
    /// Clicks in the window.
    pub total_clicks: i64,
    /// Blocked clicks.
    pub blocked_clicks: i64,
    /// Flagged clicks.
    pub flagged_clicks: i64,
    /// General invalid traffic (declared crawlers, HTTP libraries, link
    /// previews fetched through a click URL): invalid, not fraud. An
    /// addition to the platform spec.
    pub givt_clicks: i64,
    /// Sophisticated invalid traffic: fraud. An addition to the platform spec.
    pub sivt_clicks: i64,
    /// Blocked `sivt` clicks ÷ total, in percent with two decimals.
    pub fraud_rate: f64,
}

/// `{"data": stats}`.
#[derive(Serialize, ToSchema)]
pub struct StatsOne {
    /// The stats.
    pub data: Stats,
}

/// A page of clicks, newest first.
#[derive(Serialize, ToSchema)]
pub struct ClickPage {
    /// The clicks.
    pub data: Vec<Click>,
    /// Pass as `cursor` for the next page; null on the last.
    pub next_cursor: Option<String>,
}

/// A page of blocked IPs, oldest first.
#[derive(Serialize, ToSchema)]
pub struct BlockedPage {
    /// The blocks in force.
    pub data: Vec<BlockedIp>,
    /// Pass as `cursor` for the next page; null on the last.
    pub next_cursor: Option<String>,
}

/// `{"data": blocked_ip}`.
#[derive(Serialize, ToSchema)]
pub struct BlockedOne {
    /// The block.
    pub data: BlockedIp,
}

/// A block's kind.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum BlockType {
    /// Until removed.
    Permanent,
    /// Until `expires_at`.
    Temporary,
}

/// A click's status.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ClickStatusName {
    /// Below the flag threshold.
    Valid,
    /// Between the thresholds.
    Flagged,
    /// At or above the block threshold.
    Blocked,
}

/// A click link's answer when it has no `to` target.
#[derive(Serialize, ToSchema)]
pub struct ClickAnswer {
    /// The recorded click; absent for a `duplicate` or a `preview`, which
    /// are not recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub click_id: Option<i64>,
    /// `valid`, `flagged` or `blocked` (blocked only in grace mode); or,
    /// for a signed click that is not a new click, `duplicate` (a double
    /// click within 5 s, counted once) or `preview` (a link preview or
    /// prefetch, never counted).
    pub status: String,
    /// 0–100; absent for a `duplicate` or a `preview`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fraud_score: Option<i64>,
}

/// A refused click.
#[derive(Serialize, ToSchema)]
pub struct ClickRefused {
    /// `Click refused.`
    pub message: String,
    /// The recorded click.
    pub click_id: i64,
    /// `blocked`.
    pub status: String,
    /// The click-signing outcome code.
    pub signature: String,
}

/// A click link's 400: the redirect target is not allowed.
#[derive(Serialize, ToSchema)]
pub struct TargetRefused {
    /// What went wrong.
    pub message: String,
    /// `{"to": [reason]}`.
    pub errors: BTreeMap<String, Vec<String>>,
}

/// `{"success": true}`.
#[derive(Serialize, ToSchema)]
pub struct Success {
    /// Always `true`.
    pub success: bool,
}

/// The seven pixel event types.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PixelType {
    /// Needs `fingerprint`, `deviceInfo`.
    SessionInit,
    /// Needs `event`.
    BasicSecurity,
    /// Needs `signalType`, `confidence` (0–100), `details`.
    BotDetection,
    /// Needs `toolName`, `detectionMethod`.
    SpyDetection,
    /// Needs `reason`.
    IpBlocking,
    /// Needs `signalType`, `data`.
    BehaviorAnalytics,
    /// Needs `cartValue`, `itemCount`.
    CheckoutSession,
}

/// A pixel event (at most 64 KiB). Fields beyond these depend on `type`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PixelEvent {
    /// The shop domain.
    pub shop: String,
    /// The event type.
    #[serde(rename = "type")]
    pub kind: PixelType,
    /// Session id.
    pub session_id: Option<String>,
    /// Visitor id.
    pub visitor_id: Option<String>,
    /// Page path.
    pub page: Option<String>,
    /// User agent.
    pub user_agent: Option<String>,
}

/// The answer of `check-ip-access`: exactly `{"allowed": true}` when allowed.
#[derive(Serialize, ToSchema)]
pub struct AccessAnswer {
    /// Whether the visitor may see the shop.
    pub allowed: bool,
    /// Why not: `blocked_ip`, `blocked_cidr`, `blocked_country`, `vpn`,
    /// `datacenter`, `tor`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The visitor's country (`XX` when unknown), on refusals.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
}

/// A shop's IP blocking configuration (`sync-ip-blocking-config`).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct IpBlockingConfig {
    /// Whether the policy applies.
    pub enabled: bool,
    /// Addresses refused.
    #[serde(rename = "blockedIPs")]
    pub blocked_ips: Option<Vec<String>>,
    /// Ranges refused.
    #[serde(rename = "blockedCIDRs")]
    pub blocked_cidrs: Option<Vec<String>>,
    /// Two-letter countries refused (`XX`: unknown).
    pub blocked_countries: Option<Vec<String>>,
    /// Addresses always allowed.
    #[serde(rename = "allowedIPs")]
    pub allowed_ips: Option<Vec<String>>,
    /// Refuse VPN exits.
    #[serde(rename = "blockVPN")]
    pub block_vpn: Option<bool>,
    /// Refuse datacenter ranges.
    pub block_datacenter: Option<bool>,
    /// Refuse Tor exits.
    pub block_tor: Option<bool>,
}

/// Body of `sync-ip-blocking-config`.
#[derive(Serialize, ToSchema)]
pub struct SyncBody {
    /// The shop domain.
    pub shop: String,
    /// The whole configuration; replaces the previous one.
    pub config: IpBlockingConfig,
}

/// Inclusive UTC days.
#[derive(Serialize, ToSchema)]
pub struct Period {
    /// First day, `YYYY-MM-DD`.
    pub start: String,
    /// Last day, `YYYY-MM-DD`.
    pub end: String,
}

/// The analytics totals.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Totals {
    /// `session_init` events.
    pub sessions: i64,
    /// Distinct `visitorId`s.
    pub unique_visitors: i64,
    /// `basic_security` events.
    pub protection_events: i64,
    /// `bot_detection` events.
    pub bot_events: i64,
    /// `spy_detection` events.
    pub spy_events: i64,
    /// `ip_blocking` events and refused visits.
    pub ip_blocking_events: i64,
}

/// `analytics/summary`.
#[derive(Serialize, ToSchema)]
pub struct Summary {
    /// Totals over the period.
    pub totals: Totals,
    /// The period.
    pub period: Period,
}

/// One day of a trend.
#[derive(Serialize, ToSchema)]
pub struct TrendPoint {
    /// `YYYY-MM-DD`.
    pub date: String,
    /// The metric that day.
    pub value: i64,
}

/// `analytics/trend`: every day of the period, zeros included.
#[derive(Serialize, ToSchema)]
pub struct Trend {
    /// One point per day.
    pub data: Vec<TrendPoint>,
    /// The metric.
    pub metric: String,
}

/// One address among the top threat sources.
#[derive(Serialize, ToSchema)]
pub struct TopIp {
    /// The address.
    pub ip: Option<String>,
    /// Threat events.
    pub count: i64,
    /// Its last known country.
    pub country: Option<String>,
}

/// `analytics/top-ips`.
#[derive(Serialize, ToSchema)]
pub struct TopIps {
    /// Most threat events first.
    pub data: Vec<TopIp>,
}

/// One page among the top targets.
#[derive(Serialize, ToSchema)]
pub struct TopPage {
    /// The page.
    pub page: Option<String>,
    /// Threat events.
    pub count: i64,
}

/// `analytics/top-pages`.
#[derive(Serialize, ToSchema)]
pub struct TopPages {
    /// Most threat events first.
    pub data: Vec<TopPage>,
}

/// One country among the top threat sources.
#[derive(Serialize, ToSchema)]
pub struct TopCountry {
    /// Two letters.
    pub country: Option<String>,
    /// Threat events.
    pub count: i64,
}

/// `analytics/top-countries`.
#[derive(Serialize, ToSchema)]
pub struct TopCountries {
    /// Most threat events first.
    pub data: Vec<TopCountry>,
}

/// One entry of an activity feed; fields besides these come from the
/// event's payload (`signalType`, `confidence`, `toolName`, ...).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ActivityEntry {
    /// `bot_N`, `spy_N` or `ipb_N`.
    pub id: String,
    /// The visitor's address.
    pub ip: Option<String>,
    /// The page.
    pub page: Option<String>,
    /// Unix milliseconds.
    pub created_at: i64,
}

/// An activity feed, newest first.
#[derive(Serialize, ToSchema)]
pub struct Activity {
    /// The entries.
    pub data: Vec<ActivityEntry>,
    /// Entries in all.
    pub total: i64,
    /// Page size.
    pub limit: i64,
    /// Entries skipped.
    pub offset: i64,
}

/// `billing/visitor-count`.
#[derive(Serialize, ToSchema)]
pub struct VisitorCount {
    /// Distinct visitors.
    pub count: i64,
    /// The period.
    pub period: Period,
}

/// A shop's protection configuration, as its last heartbeat sent it.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProtectionConfig {
    /// Switch → on.
    pub protections: BTreeMap<String, bool>,
    /// Switch → on.
    pub bot_detection: BTreeMap<String, bool>,
    /// Spy detection on.
    pub spy_detection: bool,
    /// IP blocking on.
    pub ip_blocking: bool,
}

/// A generated click-signing key (the secret is shown once).
#[derive(Serialize, ToSchema)]
pub struct GeneratedKey {
    /// Key id.
    #[serde(rename = "secret-key-id")]
    pub id: String,
    /// The secret, 32 random bytes in base64.
    #[serde(rename = "secret-key")]
    pub secret: String,
    /// Unix seconds.
    pub expiration: u64,
}

/// Body of `test`.
#[derive(Serialize, ToSchema)]
pub struct TestBody {
    /// A signed click URL.
    pub url: String,
}

/// `Passed` or `Failed`.
#[derive(Serialize, ToSchema)]
pub enum TestStatus {
    /// A valid signature.
    Passed,
    /// Anything else.
    Failed,
}

/// The answer of `test`.
#[derive(Serialize, ToSchema)]
pub struct TestAnswer {
    /// The verdict.
    #[serde(rename = "test-status")]
    pub status: TestStatus,
    /// Why.
    pub message: String,
}

/// A click-signing mode.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ModeName {
    /// Nothing is checked.
    Disabled,
    /// Checked and counted, never refused.
    ReportOnly,
    /// Failures are refused.
    Enabled,
}

/// The mode now in force.
#[derive(Serialize, ToSchema)]
pub struct ModeAnswer {
    /// `disabled`, `report-only` or `enabled`.
    pub mode: String,
}

/// `enabled` or `disabled`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Switch {
    /// On.
    Enabled,
    /// Off.
    Disabled,
}

/// Body of `config/circuit-breaker`.
#[derive(Serialize, ToSchema)]
pub struct BreakerBody {
    /// The breaker's new state.
    pub status: Switch,
}

/// The breaker in the configuration.
#[derive(Serialize, ToSchema)]
pub struct BreakerState {
    /// `enabled` or `disabled`.
    pub status: Switch,
    /// The last trip: time, hour and the counts that tripped it.
    #[schema(value_type = Option<Object>)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tripped: Option<serde_json::Value>,
    /// The last manual re-enable (unix seconds): the breaker does not trip
    /// for an hour after it, on any instance.
    #[serde(rename = "re-enabled-at", skip_serializing_if = "Option::is_none")]
    pub reenabled_at: Option<u64>,
}

/// An active key.
#[derive(Serialize, ToSchema)]
pub struct ActiveKey {
    /// Key id.
    #[serde(rename = "secret-key-id")]
    pub id: String,
    /// Unix seconds.
    pub expiration: u64,
}

/// The click-signing configuration.
#[derive(Serialize, ToSchema)]
pub struct SigningConfig {
    /// `disabled`, `report-only` or `enabled`.
    pub mode: String,
    /// The circuit breaker.
    #[serde(rename = "circuit-breaker-config")]
    pub breaker: BreakerState,
    /// Keys active now.
    #[serde(rename = "active-key-ids")]
    pub keys: Vec<ActiveKey>,
    /// Excluded app ids, sorted.
    #[serde(rename = "excluded-app-ids")]
    pub excluded: Vec<String>,
}

/// `/healthz`.
#[derive(Serialize, ToSchema)]
pub struct Health {
    /// `ok`.
    pub status: String,
}

/// `/readyz`.
#[derive(Serialize, ToSchema)]
pub struct Readiness {
    /// `ready` or `not ready`.
    pub status: String,
    /// `ok` or `unavailable`.
    pub database: String,
    /// `ok` or `unavailable`.
    pub webhook_worker: String,
    /// This instance's name in delivery claims (random per process), so an
    /// operator can tell the instances of a fleet apart.
    pub instance: String,
    /// `local` (no `--redis`), `ok`, or `degraded` (Redis failed a check in
    /// the last 10 s, or its `maxmemory-policy` may evict keys; quotas are
    /// enforced per instance meanwhile).
    pub rate_store: String,
    /// Redis's `maxmemory-policy` when it is not `noeviction` (read at
    /// start): a full Redis then drops rate windows; null otherwise.
    pub redis_maxmemory_policy: Option<String>,
    /// The crawler user-agent list in use: the core's embedded
    /// `crawler-user-agents` snapshot (its version and date) or
    /// `--crawler-list`'s file, and its pattern count.
    pub crawler_list: CrawlerListInfo,
    /// Each loaded operator's published crawler ranges (`--crawler-ranges`)
    /// and its file's `creationTime`.
    pub crawler_ranges: std::collections::BTreeMap<String, String>,
    /// Each published data file (`--published-ranges`): its date, its age
    /// in days and whether it is older than `--data-max-age-days`
    /// (degraded data never fails readiness).
    pub data: Vec<DataFreshness>,
    /// `system`, or `simulated` under `--simulated-clock` (clicks judged at
    /// the time their request names: a benchmark, never production).
    pub clock: String,
}

/// How fresh one data file is.
#[derive(Serialize, ToSchema)]
pub struct DataFreshness {
    /// `FORMAT:PATH`.
    pub source: String,
    /// The date the file gives itself, as written.
    pub date: Option<String>,
    /// Whole days since its data's date.
    pub age_days: Option<u64>,
    /// Older than `--data-max-age-days`, or of unknown age.
    pub degraded: bool,
}

/// Where a crawler list came from.
#[derive(Serialize, ToSchema)]
pub struct CrawlerListInfo {
    /// e.g. `crawler-user-agents 1.60.0 (npm, 2026-08-10)`.
    pub source: String,
    /// How many patterns it holds.
    pub patterns: u64,
}

/// The platform API's error answers (401, 402, 403, 404, 422, 429).
#[derive(utoipa::IntoResponses)]
pub enum PlatformErrors {
    /// Missing, unknown, expired or revoked token.
    #[response(status = 401)]
    Unauthorized(PlatformError),
    /// The plan does not include API access.
    #[response(status = 402)]
    PaymentRequired(PlatformError),
    /// The token lacks the ability.
    #[response(status = 403)]
    Forbidden(PlatformError),
    /// No such resource, or not the caller's.
    #[response(status = 404)]
    NotFound(PlatformError),
    /// A parameter failed validation; `errors` names it.
    #[response(status = 422)]
    Invalid(PlatformError),
    /// Over 60 requests per minute for the token (or too many failed
    /// authentications from the address).
    #[response(status = 429)]
    TooMany(PlatformError),
}

/// The answers of a click link.
#[derive(utoipa::IntoResponses)]
pub enum ClickResponses {
    /// The click, when there is no `to`.
    #[response(status = 200)]
    Answer(ClickAnswer),
    /// Redirect to the checked `to` target.
    #[response(status = 302, headers(("Location" = String, description = "The target")))]
    Redirect,
    /// The redirect target is not allowed.
    #[response(status = 400)]
    BadTarget(TargetRefused),
    /// Click refused (not in grace mode).
    #[response(status = 403)]
    Refused(ClickRefused),
    /// No such active site, or not a click link.
    #[response(status = 404)]
    NotFound(MessageError),
}

/// The errors of the edge API's back-end routes (400, 401).
#[derive(utoipa::IntoResponses)]
pub enum EdgeSecretErrors {
    /// Missing or invalid parameters.
    #[response(status = 400)]
    Invalid(EdgeError),
    /// Missing or wrong API secret.
    #[response(status = 401)]
    Unauthorized(EdgeError),
    /// Too many failed authentications from this address (a quota every
    /// secret shares; a right secret is never refused by it).
    #[response(status = 429)]
    TooMany(EdgeError),
}

/// The errors of the click-signing API (400, 401).
#[derive(utoipa::IntoResponses)]
pub enum SigningErrors {
    /// Invalid input.
    #[response(status = 400)]
    Invalid(MessageError),
    /// Missing or wrong admin token.
    #[response(status = 401)]
    Unauthorized(MessageError),
    /// Too many failed authentications from this address (a quota every
    /// secret shares; a right token is never refused by it).
    #[response(status = 429)]
    TooMany(MessageError),
}
