//! Shared server state.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::{SystemTime, UNIX_EPOCH};

use clickfence::click::Ticket;
use clickfence::ip::{
    client_ip, AccessConfig, AccessPolicy, AutoBlockPolicy, ClientIpSource, ProxyTrust,
};
use clickfence::rate::{Quota, RateLimiter, VelocityCounter};
use clickfence::score::{Scorer, ScoringRules, Thresholds};
use clickfence::{ClickVerifier, GeoIp, IpSet, Mode};
use tokio::sync::Notify;

use crate::blocks::BlockCache;
use crate::storage::{Store, StoreError, StoreResult, Tx};

/// Settings fixed at start.
#[derive(Default)]
pub struct ServerConfig {
    /// Proxies whose X-Forwarded-For is walked (their CF-* headers are not
    /// believed: a load balancer passes the visitor's through).
    pub trusted_proxies: IpSet,
    /// Cloudflare's ranges: CF-Connecting-IP and CF-IPCountry are believed
    /// when Cloudflare is the nearest hop outside `trusted_proxies`.
    pub cloudflare: IpSet,
    /// Trust CF-* headers from loopback and private-network peers (local
    /// use only).
    pub trust_cf_headers: bool,
    /// The secret this deployment's Cloudflare zone sends as
    /// [`ORIGIN_SECRET_HEADER`]: when set, CF-* headers are believed only
    /// on requests carrying it.
    pub cloudflare_origin_secret: Option<String>,
    /// The Shopify app's shared secret: heartbeats carrying Shopify's
    /// app-proxy signature are verified with it and attributed to the shop
    /// they went through.
    pub shopify_app_secret: Option<String>,
    /// Each shop's daily budget of stored storefront events.
    pub pixel_budget: clickfence::rate::budget::DailyBudget,
    /// Bearer secret of sync-ip-blocking-config and the analytics endpoints.
    pub api_secret: Option<String>,
    /// Bearer token of the click-signing API.
    pub admin_token: Option<String>,
    /// Public base URL clicks were signed under, e.g. `https://clicks.example.com`.
    pub click_base_url: String,
    /// Country database for visitors without CF-IPCountry.
    pub geoip: Option<Arc<GeoIp>>,
    /// Anonymous IP database.
    pub anonymous_ip: Option<Arc<GeoIp>>,
    /// ASN database (MaxMind ASN format): distinct sources (the circuit
    /// breaker, auto-pause) are counted by autonomous system where it knows
    /// the address.
    pub asn_db: Option<Arc<GeoIp>>,
    /// ASN data from ip-location-db CSV files (`--asn-db *.csv`).
    pub asn_table: Option<Arc<clickfence::ip::AsnTable>>,
    /// Hosting networks by ASN, minus privacy relays: data-center traffic
    /// for access policies and the scorer.
    pub hosting: Option<Arc<clickfence::ip::HostingNetworks>>,
    /// A crawler pattern list (the `crawler-user-agents` JSON format) in
    /// place of the core's embedded snapshot.
    pub crawler_list: Option<Arc<clickfence::score::CrawlerList>>,
    /// Verification of clients that claim a major crawler (published
    /// ranges and DNS); `None`: claims are not checked.
    pub crawler_dns: Option<Arc<crate::crawler_dns::CrawlerDns>>,
    /// Published data files (`--published-ranges`) and their dates, for
    /// `/readyz`'s freshness report.
    pub data_files: Vec<DataFile>,
    /// Data older than this many days is reported as degraded.
    pub data_max_age_days: u64,
    /// Tor exit list.
    pub tor: Option<Arc<IpSet>>,
    /// VPN ranges.
    pub vpn: Option<Arc<IpSet>>,
    /// Datacenter ranges.
    pub datacenter: Option<Arc<IpSet>>,
    /// API requests per minute per token (0 = the spec's 60).
    pub api_rate_limit: u32,
    /// Pixel events per minute per shop and client IP (0 = 600).
    pub pixel_rate_limit: u32,
    /// Let webhook endpoints be loopback or private addresses (local
    /// development only: otherwise anyone who can add an endpoint can make
    /// the server probe the operator's network).
    pub allow_private_webhooks: bool,
    /// Duration, escalation and per-site cap of automatic blocks.
    pub auto_blocks: AutoBlockPolicy,
    /// Bearer token `/metrics` requires (`None`: open).
    pub metrics_token: Option<String>,
    /// Origins allowed to call the storefront routes from a browser (empty:
    /// any origin).
    pub cors_origins: Vec<axum::http::HeaderValue>,
    /// The site that attribution links without a `site_id` parameter are
    /// recorded on; `None`: the oldest active site.
    pub attribution_site: Option<i64>,
    /// Judge each click at the time its `X-Clickfence-Simulated-Time`
    /// header gives (Unix seconds), so a recorded or generated day can be
    /// played through the server in minutes (the labelled benchmark).
    /// Never in production: any client could then choose the time its
    /// click is judged at, so the CLI allows it on loopback addresses only.
    pub simulated_clock: bool,
    /// Seconds between two runs of one site's auto-pause rule, exactly
    /// (tests set 0); by default [`PAUSE_CHECK_SECS`], or longer after a
    /// slow scan (`intake::reactions::SCAN_SPACING`).
    pub pause_check_secs: Option<i64>,
    /// How long a delivery claim lasts before other instances may take it
    /// over (default [`crate::delivery::LEASE_SECS`]).
    pub delivery_lease_secs: Option<i64>,
    /// Rate windows shared through Redis (`--redis`); `None`: in-process.
    pub shared_rates: Option<Arc<crate::shared_rates::SharedRates>>,
}

/// Everything handlers share.
pub struct AppState {
    /// Records.
    pub store: Store,
    /// 60 requests per minute per token (the spec's quota).
    pub api_limiter: RateLimiter,
    /// Clicks per site and IP, for the scorer.
    pub velocity: VelocityCounter,
    /// Repeats of one click id per site.
    pub click_ids: VelocityCounter,
    /// Proxies and Cloudflare ranges whose headers are believed.
    pub trust: ProxyTrust,
    /// Wakes the webhook worker when a delivery is queued.
    pub deliveries: Notify,
    /// Settings fixed at start.
    pub config: ServerConfig,
    /// The click-signing verifier (keys, mode, breaker, exclusions).
    pub clicks: ClickVerifier,
    /// Pixel events per shop and client (IPv4 address, IPv6 /64).
    pub pixel_limiter: RateLimiter,
    /// Pixel events per shop and network (IPv4 /24, IPv6 /48): ten times
    /// the client's quota.
    pub pixel_network_limiter: RateLimiter,
    /// Each shop's compiled IP access policy, swapped whole on sync.
    pub policies: RwLock<HashMap<String, Arc<AccessPolicy>>>,
    /// The shops enrolled for the edge API (reloaded with the policies).
    pub enrolled: RwLock<std::collections::HashSet<String>>,
    /// Each site's blocks, in memory.
    pub blocks: BlockCache,
    /// Failed authentications per client address: past the quota, 429.
    pub auth_failures: RateLimiter,
    /// Refused `check-ip-access` visits recorded per shop and client.
    pub refusal_log: RateLimiter,
    /// When each site's auto-pause rule may next run (unix seconds), so a
    /// flood of blocked clicks runs its query at most once per
    /// [`PAUSE_CHECK_SECS`], and less often when the query is slow.
    pub pause_checked: Mutex<HashMap<i64, i64>>,
    /// Prometheus metrics.
    pub metrics: crate::metrics::Metrics,
    /// This instance's name in delivery claims (random per process).
    pub instance: String,
    /// The configuration versions this instance has loaded.
    pub seen: Mutex<crate::storage::ConfigVersions>,
    /// Held by a local configuration change (memory and database) and by a
    /// reload, so a reload never reads the database between the two halves
    /// of a change made here and undoes it.
    pub config_lock: Arc<tokio::sync::Mutex<()>>,
    /// Click-signing report counts not yet written.
    pub report: crate::counters::ReportBuffer,
    /// When the webhook worker last went round its loop (unix seconds; 0:
    /// not started), for `/readyz`.
    pub worker_beat: std::sync::atomic::AtomicI64,
    scorers: Mutex<HashMap<(u8, u8), Arc<Scorer>>>,
    /// The default rules with the configured crawler list, compiled once;
    /// each threshold pair's scorer shares its lists.
    base_scorer: Scorer,
}

/// The peers `--trust-cf-headers` believes CF-* headers from: loopback and
/// private networks, where a local proxy or test client sits.
pub const LOCAL_PEERS: [&str; 7] = [
    "127.0.0.0/8",
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "::1/128",
    "fc00::/7",
    "fe80::/10",
];

/// Failed authentications allowed per client address and minute.
pub const AUTH_FAILURES_PER_MINUTE: u32 = 30;
/// Refused `check-ip-access` visits recorded per shop, client and minute.
pub const REFUSALS_RECORDED_PER_MINUTE: u32 = 6;
/// Seconds between two runs of one site's auto-pause rule.
pub const PAUSE_CHECK_SECS: i64 = 10;

impl AppState {
    /// The site attribution links without `site_id` are recorded on: the
    /// configured one, else the oldest active site (kept rows, as intake
    /// reads sites).
    pub fn attribution_site(&self) -> StoreResult<Option<crate::storage::Site>> {
        let now = now();
        match self.config.attribution_site {
            Some(id) => self.store.site_kept(id, now),
            None => self.store.oldest_active_site_kept(now),
        }
    }

    /// Checks `cost` units of `key` against `local`'s quota: in Redis when
    /// `--redis` is set (falling back to `local` when it cannot answer),
    /// else in `local`. Runs Redis on the calling thread: call it from the
    /// blocking pool. `what` names the quota in logs and metrics.
    pub fn rate(
        &self,
        what: &str,
        local: &RateLimiter,
        key: &str,
        cost: u32,
        now: u64,
    ) -> Result<clickfence::rate::RateDecision, clickfence::rate::RateError> {
        match &self.config.shared_rates {
            Some(shared) => shared.check(what, key, cost, local, now, &self.metrics),
            None => local.check_cost(key, cost, now),
        }
    }

    /// [`rate`](Self::rate), awaited: with `--redis` on the instance's
    /// multiplexed connection, holding no thread.
    pub async fn rate_async(
        &self,
        what: &str,
        local: &RateLimiter,
        key: &str,
        cost: u32,
        now: u64,
    ) -> Result<clickfence::rate::RateDecision, clickfence::rate::RateError> {
        match &self.config.shared_rates {
            Some(shared) => {
                shared
                    .check_async(what, key, cost, local, now, &self.metrics)
                    .await
            }
            None => local.check_cost(key, cost, now),
        }
    }

    /// The autonomous system of `ip`, when `--asn-db` knows it.
    pub fn asn(&self, ip: std::net::IpAddr) -> Option<u32> {
        let from_db = self
            .config
            .asn_db
            .as_ref()
            .and_then(|db| db.asn(ip).ok().flatten());
        from_db
            .or_else(|| self.config.asn_table.as_ref()?.lookup(ip))
            .map(|a| a.number)
    }

    /// How old each published data file is, and whether it is older than
    /// `--data-max-age-days` (a file whose age is unknown is degraded).
    pub fn data_freshness(&self, now: i64) -> Vec<Freshness> {
        self.config
            .data_files
            .iter()
            .map(|f| {
                let age = f.age_days(now);
                Freshness {
                    source: f.source.clone(),
                    date: f.date.clone(),
                    age_days: age,
                    degraded: age.is_none_or(|a| a > self.config.data_max_age_days),
                }
            })
            .collect()
    }

    /// Whether `ip` is data-center traffic: on the datacenter list, or in a
    /// hosting provider's autonomous system; never a privacy relay's egress.
    pub fn is_datacenter(&self, ip: std::net::IpAddr) -> bool {
        let hosting = self.config.hosting.as_deref();
        if hosting.is_some_and(|h| h.is_relay(ip)) {
            return false;
        }
        hosting.is_some_and(|h| h.is_hosting(ip))
            || self
                .config
                .datacenter
                .as_ref()
                .is_some_and(|d| d.contains(ip))
    }

    /// Forgets the breaker's failures in Redis when an operator re-enables
    /// validation or the breaker (the verifier forgets its own).
    pub fn forget_shared_breaker_failures(&self) {
        if let Some(shared) = &self.config.shared_rates {
            shared.forget_breaker_failures(&self.metrics);
        }
    }

    /// Cloudflare's `CF-IPCountry` for a visitor whose address Cloudflare
    /// gave (`source`), upper-cased; `None` otherwise or when malformed.
    pub fn country_hint(
        &self,
        ip: std::net::IpAddr,
        source: ClientIpSource,
        headers: &axum::http::HeaderMap,
    ) -> Option<String> {
        let hint = (source == ClientIpSource::CfConnectingIp)
            .then(|| headers.get("cf-ipcountry"))
            .flatten()?;
        let country = hint
            .to_str()
            .ok()
            .filter(|c| c.parse::<clickfence::ip::CountryCode>().is_ok())
            .map(str::to_uppercase);
        if country.is_none() {
            // Cloudflare never sends this: a proxy in front is misconfigured.
            // Read as unknown (the guide's rule: never an error a caller
            // could fail open on), and said once per request so an operator
            // sees it.
            tracing::warn!(?hint, %ip, "country_hint_ignored: malformed CF-IPCountry read as unknown");
        }
        country
    }

    /// The visitor's country: Cloudflare's hint, else the GeoIP database's
    /// answer (`None` when neither knows).
    pub fn visitor_country(
        &self,
        ip: std::net::IpAddr,
        source: ClientIpSource,
        headers: &axum::http::HeaderMap,
    ) -> Option<String> {
        self.country_hint(ip, source, headers).or_else(|| {
            let geoip = self.config.geoip.as_ref()?;
            geoip.country(ip).ok().flatten().map(|c| c.to_string())
        })
    }

    /// State over `store`, restoring click-signing settings and shop policies.
    pub fn new(store: Store, mut config: ServerConfig) -> Result<Self, StoreError> {
        let trust = ProxyTrust {
            proxies: std::mem::take(&mut config.trusted_proxies),
            cloudflare: if config.trust_cf_headers {
                // Not every address: the core never takes a CF-Connecting-IP
                // that is itself a trusted hop, so "trust all" would believe
                // none.
                IpSet::from_strs(LOCAL_PEERS).unwrap_or_default()
            } else {
                std::mem::take(&mut config.cloudflare)
            },
        };
        let base_scorer = base_scorer(config.crawler_list.as_ref());
        let saved = store.click_signing()?;
        let seen = store.config_versions()?;
        let store_instance = store.instance().to_owned();
        let clicks = ClickVerifier::new(Mode::Disabled, true);
        crate::fleet::reconcile_signing(&clicks, &saved, now());
        restore_tickets(&store, &clicks, config.shared_rates.is_some())?;
        let eviction_possible = config
            .shared_rates
            .as_ref()
            .is_some_and(|s| s.eviction().is_some());
        let state = Self {
            store,
            api_limiter: RateLimiter::new(per_minute(config.api_rate_limit, 60)),
            velocity: VelocityCounter::new(1_000_000),
            click_ids: VelocityCounter::new(1_000_000),
            trust,
            deliveries: Notify::new(),
            pixel_limiter: RateLimiter::new(per_minute(config.pixel_rate_limit, 600)),
            pixel_network_limiter: RateLimiter::new(per_minute(
                config.pixel_rate_limit.saturating_mul(10),
                6000,
            )),
            config,
            clicks,
            policies: RwLock::new(HashMap::new()),
            enrolled: RwLock::new(std::collections::HashSet::new()),
            blocks: BlockCache::default(),
            auth_failures: RateLimiter::new(per_minute(AUTH_FAILURES_PER_MINUTE, 30)),
            refusal_log: RateLimiter::new(per_minute(REFUSALS_RECORDED_PER_MINUTE, 6)),
            pause_checked: Mutex::new(HashMap::new()),
            metrics: crate::metrics::Metrics::default(),
            report: crate::counters::ReportBuffer::default(),
            seen: Mutex::new(seen),
            config_lock: Arc::new(tokio::sync::Mutex::new(())),
            instance: store_instance,
            worker_beat: std::sync::atomic::AtomicI64::new(0),
            scorers: Mutex::new(HashMap::new()),
            base_scorer,
        };
        state.metrics.eviction_possible(eviction_possible);
        crate::fleet::reload_shops(&state)?;
        Ok(state)
    }

    /// Whether `shop` is enrolled for the edge API.
    pub fn is_enrolled(&self, shop: &str) -> bool {
        self.enrolled
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .contains(shop)
    }

    /// Compiles a shop's config with the server's GeoIP databases and lists.
    pub fn compile_policy(&self, json: &str) -> Result<AccessPolicy, clickfence::IpError> {
        let mut b = AccessPolicy::builder(AccessConfig::from_json(json)?);
        let c = &self.config;
        if let Some(g) = &c.geoip {
            b = b.geoip(Arc::clone(g));
        }
        if let Some(g) = &c.anonymous_ip {
            b = b.anonymous_ip(Arc::clone(g));
        }
        if let Some(l) = &c.tor {
            b = b.tor(Arc::clone(l));
        }
        if let Some(l) = &c.vpn {
            b = b.vpn(Arc::clone(l));
        }
        if let Some(l) = &c.datacenter {
            b = b.datacenter(Arc::clone(l));
        }
        if let Some(h) = &c.hosting {
            b = b.hosting(Arc::clone(h));
        }
        b.build()
    }

    /// A shop's policy, if it has synced one.
    pub fn policy(&self, shop: &str) -> Option<Arc<AccessPolicy>> {
        self.policies
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(shop)
            .cloned()
    }

    /// Persists the verifier's mode, breaker switch and last trip.
    pub fn save_signing_settings(&self) -> Result<(), StoreError> {
        let trip = self
            .clicks
            .breaker_trip()
            .and_then(|t| serde_json::to_string(&t).ok());
        self.store.save_signing_settings(
            self.clicks.mode().as_str(),
            self.clicks.circuit_breaker(),
            trip.as_deref(),
            self.clicks
                .reenabled_at()
                .map(|t| i64::try_from(t).unwrap_or(i64::MAX)),
        )
    }

    /// Runs `f` in one transaction (a change and its events together) and
    /// wakes the delivery worker when it queued deliveries.
    pub fn write<R>(&self, f: impl FnOnce(&Tx<'_>) -> StoreResult<R>) -> StoreResult<R> {
        let (out, queued) = self.store.write(f)?;
        if queued > 0 {
            self.deliveries.notify_one();
        }
        Ok(out)
    }

    /// The client's address: the peer, or what a trusted proxy says.
    pub fn client(
        &self,
        peer: std::net::IpAddr,
        headers: &axum::http::HeaderMap,
    ) -> (std::net::IpAddr, ClientIpSource) {
        let xff: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        let cf = headers
            .get("cf-connecting-ip")
            .and_then(|v| v.to_str().ok())
            .filter(|_| self.through_our_zone(headers));
        client_ip(peer, &xff, cf, &self.trust)
    }

    /// Whether the request came through this deployment's own Cloudflare
    /// zone: its origin secret matches (constant time), or none is set.
    /// Any Cloudflare customer's Worker can reach an origin from
    /// Cloudflare's ranges with CF-* headers of its choice; only the zone's
    /// own transform rule adds the secret.
    fn through_our_zone(&self, headers: &axum::http::HeaderMap) -> bool {
        let Some(expected) = self.config.cloudflare_origin_secret.as_deref() else {
            return true;
        };
        let given = headers
            .get(ORIGIN_SECRET_HEADER)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        crate::secret_eq(given, expected)
    }

    /// The scorer for a site's thresholds, compiled once per threshold pair.
    pub fn scorer(&self, block: i64, flag: i64) -> Arc<Scorer> {
        // One scorer per threshold pair, all sharing the compiled lists.
        let t = Thresholds::new(block, flag).unwrap_or_default();
        let key = (t.block_threshold, t.flag_threshold);
        let mut scorers = self.scorers.lock().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(
            scorers
                .entry(key)
                .or_insert_with(|| Arc::new(self.base_scorer.with_thresholds(t))),
        )
    }
}

/// The default rules with `crawler_list` in place of the embedded one.
fn base_scorer(crawler_list: Option<&Arc<clickfence::score::CrawlerList>>) -> Scorer {
    let scorer = Scorer::new(ScoringRules::default(), Thresholds::default());
    match crawler_list {
        Some(list) => scorer.with_crawler_list(Arc::clone(list)),
        None => scorer,
    }
}

/// How fresh one data file is.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Freshness {
    /// `FORMAT:PATH`.
    pub source: String,
    /// The date the file gives itself, as written.
    pub date: Option<String>,
    /// Whole days since its data's date.
    pub age_days: Option<u64>,
    /// Older than `--data-max-age-days`, or of unknown age.
    pub degraded: bool,
}

/// A published data file the server loaded, and how old its data is.
#[derive(Debug, Clone)]
pub struct DataFile {
    /// `FORMAT:PATH`.
    pub source: String,
    /// The date the file gives itself, as written.
    pub date: Option<String>,
    /// Unix seconds the data is from: its own date, else the file's
    /// modification time.
    pub as_of: Option<u64>,
}

impl DataFile {
    /// Whole days since the data's date at `now`.
    pub fn age_days(&self, now: i64) -> Option<u64> {
        let now = u64::try_from(now).ok()?;
        Some(now.saturating_sub(self.as_of?) / 86_400)
    }
}

/// `limit` a minute (`default` when 0), at most the largest quota: a
/// larger setting (or ten times one, for the network level) is the most a
/// quota can count, never the 60-a-minute default.
fn per_minute(limit: u32, default: u32) -> Quota {
    let limit = if limit == 0 { default } else { limit };
    Quota::new(limit.min(Quota::MAX_LIMIT), 60).unwrap_or_default()
}

/// The header this deployment's Cloudflare transform rule sets to the
/// origin secret (`--cloudflare-origin-secret`).
pub const ORIGIN_SECRET_HEADER: &str = "x-clickfence-origin";

/// Unix seconds now.
pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Puts the consumed tickets saved before a restart back into the
/// verifier's store. With `--redis` the fleet's tickets live in Redis and
/// the table is not used.
fn restore_tickets(store: &Store, clicks: &ClickVerifier, shared: bool) -> Result<(), StoreError> {
    if shared {
        return Ok(());
    }
    let now = now().max(0);
    let mut kept = 0usize;
    for (tag, expires_at, consumed_at, fingerprint) in store.live_tickets(now)? {
        let Some(tag) = decode_tag(&tag) else {
            continue;
        };
        let ticket = Ticket {
            tag,
            expires_at: expires_at.max(0) as u64,
            fingerprint: u64::from_ne_bytes(fingerprint.to_ne_bytes()),
        };
        kept += usize::from(clicks.restore_ticket(&ticket, consumed_at.max(0) as u64, now as u64));
    }
    if kept > 0 {
        tracing::info!(tickets = kept, "consumed click tickets restored");
    }
    Ok(())
}

/// 64 hex digits back to a 32-byte tag.
fn decode_tag(hex: &str) -> Option<[u8; 32]> {
    let bytes = hex.as_bytes();
    if bytes.len() != 64 {
        return None;
    }
    let mut tag = [0u8; 32];
    for (i, pair) in bytes.chunks(2).enumerate() {
        let text = std::str::from_utf8(pair).ok()?;
        tag[i] = u8::from_str_radix(text, 16).ok()?;
    }
    Some(tag)
}
