//! The command line: the server's options (each also an environment
//! variable), serving, and the administration commands ([`admin`]), which
//! call the same operations as the API ([`crate::ops`]).

mod admin;

use std::path::PathBuf;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use clickfence::IpSet;

use crate::state::{now, AppState, ServerConfig};
use crate::storage::{Store, StoreError, ABILITIES};
use crate::{seed_demo, serve, tokens};

/// Why the command line failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CliError {
    /// A setting, file or address could not be used.
    #[error("{what}: {why}")]
    Setup {
        /// The option, file or address.
        what: String,
        /// Why.
        why: String,
    },
    /// An operation was refused.
    #[error(transparent)]
    Op(#[from] crate::ops::OpError),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A secret is too weak to serve with.
    #[error("{0}")]
    Weak(String),
}

fn setup(what: impl std::fmt::Display, why: impl std::fmt::Display) -> CliError {
    CliError::Setup {
        what: what.to_string(),
        why: why.to_string(),
    }
}

/// The server's command line.
#[derive(Parser)]
#[command(
    version,
    about = "clickfence reference server: platform API v1, click intake, webhook delivery"
)]
pub struct Cli {
    /// Address to listen on.
    #[arg(
        long,
        env = "CLICKFENCE_LISTEN",
        default_value = "127.0.0.1:8080",
        global = true
    )]
    listen: String,
    /// SQLite database file (created if missing).
    #[arg(
        long,
        env = "CLICKFENCE_DB",
        default_value = "clickfence.db",
        global = true
    )]
    db: PathBuf,
    /// Proxy ranges whose X-Forwarded-For / CF-Connecting-IP / CF-IPCountry are trusted (repeatable).
    #[arg(
        long = "trusted-proxy",
        env = "CLICKFENCE_TRUSTED_PROXIES",
        value_delimiter = ',',
        global = true
    )]
    trusted_proxies: Vec<String>,
    /// Cloudflare ranges (repeatable; default: Cloudflare's published list in
    /// the binary). CF-Connecting-IP / CF-IPCountry are believed only when
    /// Cloudflare is the nearest hop outside --trusted-proxy.
    #[arg(
        long = "cloudflare-range",
        env = "CLICKFENCE_CLOUDFLARE_RANGES",
        value_delimiter = ',',
        global = true
    )]
    cloudflare_ranges: Vec<String>,
    /// Trust CF-Connecting-IP / CF-IPCountry from loopback and private-network peers (local use only).
    #[arg(long, env = "CLICKFENCE_TRUST_CF_HEADERS", global = true)]
    trust_cf_headers: bool,
    /// Secret your Cloudflare zone adds to every request (a transform rule
    /// setting the X-Clickfence-Origin header): CF-Connecting-IP and
    /// CF-IPCountry are believed only with it, since any Cloudflare
    /// customer's Worker reaches you from Cloudflare's ranges.
    #[arg(
        long,
        env = "CLICKFENCE_CLOUDFLARE_ORIGIN_SECRET",
        global = true,
        hide_env_values = true
    )]
    cloudflare_origin_secret: Option<String>,
    /// The Shopify app's shared secret (API secret key): heartbeats sent
    /// through the app proxy are verified with it and attributed to the
    /// shop they went through (they still never change its protection).
    #[arg(
        long,
        env = "CLICKFENCE_SHOPIFY_APP_SECRET",
        global = true,
        hide_env_values = true
    )]
    shopify_app_secret: Option<String>,
    /// File holding the Shopify app's shared secret (first line).
    #[arg(
        long,
        env = "CLICKFENCE_SHOPIFY_APP_SECRET_FILE",
        global = true,
        conflicts_with = "shopify_app_secret"
    )]
    shopify_app_secret_file: Option<PathBuf>,
    /// File holding the Cloudflare origin secret (first line).
    #[arg(
        long,
        env = "CLICKFENCE_CLOUDFLARE_ORIGIN_SECRET_FILE",
        global = true,
        conflicts_with = "cloudflare_origin_secret"
    )]
    cloudflare_origin_secret_file: Option<PathBuf>,
    /// Bearer secret of sync-ip-blocking-config and the analytics endpoints
    /// (random if unset, printed to stderr). Prefer the env var or the file:
    /// a command-line value is visible to every user in `ps`.
    #[arg(
        long,
        env = "CLICKFENCE_API_SECRET",
        global = true,
        hide_env_values = true
    )]
    api_secret: Option<String>,
    /// File holding the API secret (first line).
    #[arg(
        long,
        env = "CLICKFENCE_API_SECRET_FILE",
        global = true,
        conflicts_with = "api_secret"
    )]
    api_secret_file: Option<PathBuf>,
    /// Bearer token of the click-signing API (random if unset, printed to stderr).
    #[arg(
        long,
        env = "CLICKFENCE_ADMIN_TOKEN",
        global = true,
        hide_env_values = true
    )]
    admin_token: Option<String>,
    /// File holding the admin token (first line).
    #[arg(
        long,
        env = "CLICKFENCE_ADMIN_TOKEN_FILE",
        global = true,
        conflicts_with = "admin_token"
    )]
    admin_token_file: Option<PathBuf>,
    /// Let webhook endpoints be loopback or private addresses (local development only).
    #[arg(long, env = "CLICKFENCE_ALLOW_PRIVATE_WEBHOOKS", global = true)]
    allow_private_webhooks: bool,
    /// Most PostgreSQL connections this instance holds (fitted to the
    /// server's max_connections; SQLite has one).
    #[arg(long, env = "CLICKFENCE_DB_POOL", global = true, default_value_t = 16,
          value_parser = clap::value_parser!(u32).range(1..=1000))]
    db_pool: u32,
    /// Start a new database empty: no demo day of clicks.
    #[arg(long, env = "CLICKFENCE_NO_DEMO", global = true)]
    no_demo: bool,
    /// Judge clicks at the time their X-Clickfence-Simulated-Time header gives
    /// (benchmarks and replays of a recorded day; loopback listen addresses only).
    #[arg(long, env = "CLICKFENCE_SIMULATED_CLOCK", global = true)]
    simulated_clock: bool,
    /// Public base URL that signed click links point at (default http://LISTEN).
    #[arg(long, env = "CLICKFENCE_CLICK_BASE_URL", global = true)]
    click_base_url: Option<String>,
    /// MaxMind Country / City database for visitors without CF-IPCountry.
    #[arg(long, env = "CLICKFENCE_GEOIP", global = true)]
    geoip: Option<PathBuf>,
    /// MaxMind Anonymous IP database.
    #[arg(long, env = "CLICKFENCE_ANONYMOUS_IP", global = true)]
    anonymous_ip: Option<PathBuf>,
    /// ASN data: a MaxMind GeoLite2 / GeoIP2 ASN database, or ip-location-db
    /// CSV files (`asn-ipv4.csv,asn-ipv6.csv`). The breaker and auto-pause
    /// count sources by autonomous system, and hosting networks are
    /// data-center traffic.
    #[arg(long, env = "CLICKFENCE_ASN_DB", global = true, value_delimiter = ',')]
    asn_db: Vec<PathBuf>,
    /// Privacy relays' egress ranges (Apple's iCloud Private Relay
    /// `egress-ip-ranges.csv`): never data-center traffic.
    #[arg(
        long,
        env = "CLICKFENCE_PRIVACY_RELAYS",
        global = true,
        value_delimiter = ','
    )]
    privacy_relays: Vec<PathBuf>,
    /// Published range files, `FORMAT=PATH` (`aws`, `google-cloud`, `azure`,
    /// `oracle`, `digitalocean`: hosting networks; `tor-exits`: Tor exits;
    /// `apple-private-relay`: privacy relays); repeatable.
    #[arg(
        long,
        env = "CLICKFENCE_PUBLISHED_RANGES",
        global = true,
        value_delimiter = ','
    )]
    published_ranges: Vec<String>,
    /// Data files older than this many days (by their own date, else their
    /// modification time) are reported as degraded in /readyz and a metric.
    #[arg(
        long,
        env = "CLICKFENCE_DATA_MAX_AGE_DAYS",
        global = true,
        default_value_t = 30
    )]
    data_max_age_days: u64,
    /// Crawler user-agent patterns in the crawler-user-agents JSON format
    /// (a newer release than the embedded snapshot, or your own).
    #[arg(long, env = "CLICKFENCE_CRAWLER_LIST", global = true)]
    crawler_list: Option<PathBuf>,
    /// Where clients claiming a major crawler are checked by DNS: `system`
    /// (the system resolver), `off`, or a resolver's address with its port.
    #[arg(
        long,
        env = "CLICKFENCE_CRAWLER_DNS",
        global = true,
        default_value = "system"
    )]
    crawler_dns: crate::crawler_dns::DnsServers,
    /// An operator's published crawler ranges, `OPERATOR=PATH` (Google's and
    /// Bing's JSON format: `google=googlebot.json`); repeatable.
    #[arg(
        long,
        env = "CLICKFENCE_CRAWLER_RANGES",
        global = true,
        value_delimiter = ','
    )]
    crawler_ranges: Vec<String>,
    /// Tor exit list (one IP or CIDR per line).
    #[arg(long, env = "CLICKFENCE_TOR_LIST", global = true)]
    tor_list: Option<PathBuf>,
    /// VPN list.
    #[arg(long, env = "CLICKFENCE_VPN_LIST", global = true)]
    vpn_list: Option<PathBuf>,
    /// Datacenter list.
    #[arg(long, env = "CLICKFENCE_DATACENTER_LIST", global = true)]
    datacenter_list: Option<PathBuf>,
    /// API requests per minute per token (the spec's 60; raise only for load tests).
    #[arg(
        long,
        env = "CLICKFENCE_API_RATE_LIMIT",
        default_value_t = 60,
        global = true
    )]
    api_rate_limit: u32,
    /// Pixel events per minute per shop and client (IPv6 /64); ten times
    /// that per shop and network (/48, IPv4 /24).
    #[arg(
        long,
        env = "CLICKFENCE_PIXEL_RATE_LIMIT",
        default_value_t = 600,
        global = true
    )]
    pixel_rate_limit: u32,
    /// Storefront events a shop stores per UTC day; past it (or one
    /// network's share of it) events are counted, not stored.
    #[arg(
        long,
        env = "CLICKFENCE_SHOP_DAILY_EVENTS",
        default_value_t = clickfence::rate::budget::DAILY_EVENTS,
        global = true
    )]
    shop_daily_events: u64,
    /// Storefront payload bytes a shop stores per UTC day.
    #[arg(
        long,
        env = "CLICKFENCE_SHOP_DAILY_BYTES",
        default_value_t = clickfence::rate::budget::DAILY_BYTES,
        global = true
    )]
    shop_daily_bytes: u64,
    /// The share of a shop's daily budget one network may use, percent.
    #[arg(
        long,
        env = "CLICKFENCE_SHOP_NETWORK_PERCENT",
        default_value_t = clickfence::rate::budget::NETWORK_PERCENT,
        value_parser = clap::value_parser!(u8).range(1..=100),
        global = true
    )]
    shop_network_percent: u8,
    /// Bearer token required by `/metrics` (default: open; set it when the
    /// port is reachable from outside).
    #[arg(
        long,
        env = "CLICKFENCE_METRICS_TOKEN",
        global = true,
        hide_env_values = true
    )]
    metrics_token: Option<String>,
    /// Origins allowed to call the storefront routes (pixels, heartbeat,
    /// check-ip-access, protection-config) from a browser, e.g.
    /// `https://mystore.myshopify.com` (repeatable; default: any origin).
    #[arg(
        long = "cors-origin",
        env = "CLICKFENCE_CORS_ORIGINS",
        value_delimiter = ',',
        global = true
    )]
    cors_origins: Vec<String>,
    /// Site that attribution links without a `site_id` parameter are
    /// recorded on (default: the oldest active site).
    #[arg(long, env = "CLICKFENCE_ATTRIBUTION_SITE", global = true)]
    attribution_site: Option<i64>,
    /// Seconds a webhook delivery claim lasts: how long an attempt in
    /// flight on an instance that died waits before another instance
    /// retries it. Longer than the 10 s attempt timeout.
    #[arg(
        long,
        env = "CLICKFENCE_DELIVERY_LEASE",
        default_value_t = 60,
        value_parser = clap::value_parser!(i64).range(11..=3600),
        global = true
    )]
    delivery_lease: i64,
    /// Redis holding the rate windows and counters the instances share
    /// (`redis://host:port/db`): the per-token API quota, failed
    /// authentications per address, pixels per visitor, click velocity,
    /// click-id repeats and the circuit breaker's counts hold across the
    /// fleet. Unset: each instance counts alone. When Redis cannot answer,
    /// each instance counts in-process (fail open to the local window).
    #[arg(long, env = "CLICKFENCE_REDIS", global = true)]
    redis: Option<String>,
    /// What to do (default: serve).
    #[command(subcommand)]
    command: Option<Command>,
}

/// What to do.
#[derive(Subcommand)]
pub enum Command {
    /// Serve the API (the default).
    Serve,
    /// Accounts and plans.
    #[command(subcommand)]
    Account(AccountCmd),
    /// Sites.
    #[command(subcommand)]
    Site(SiteCmd),
    /// API tokens.
    #[command(subcommand)]
    Token(TokenCmd),
    /// Webhook endpoints.
    #[command(subcommand)]
    Webhook(WebhookCmd),
    /// Blocked IPs (manual).
    #[command(subcommand)]
    Block(BlockCmd),
    /// Shops enrolled for the edge API (storefront routes answer 404 for
    /// any other shop).
    #[command(subcommand)]
    Shop(ShopCmd),
    /// The demo day a new database is seeded with.
    #[command(subcommand)]
    Demo(DemoCmd),
}

/// Demo commands.
#[derive(Subcommand)]
pub enum DemoCmd {
    /// Deletes the demo day's clicks.
    Remove,
}

/// Shop commands.
#[derive(Subcommand)]
pub enum ShopCmd {
    /// Enrols a shop (its domain, e.g. mystore.myshopify.com).
    Enroll {
        /// The shop domain.
        shop: String,
    },
    /// Un-enrols a shop: its IP policy and protection config are removed.
    Remove {
        /// The shop domain.
        shop: String,
    },
    /// Lists the enrolled shops.
    List,
}

/// Account commands.
#[derive(Subcommand)]
pub enum AccountCmd {
    /// Creates an account; prints its id.
    Create {
        /// Name.
        #[arg(long)]
        name: String,
        /// Plan: starter, pro or business.
        #[arg(long, default_value = "pro")]
        plan: String,
    },
    /// Changes the plan (starter | pro | business).
    SetPlan {
        /// Account id.
        #[arg(long)]
        account: i64,
        /// Plan: starter, pro or business.
        #[arg(long)]
        plan: String,
    },
    /// Changes the status or click limit.
    Update {
        /// Account id.
        #[arg(long)]
        account: i64,
        /// Status, e.g. active, past_due, canceled.
        #[arg(long)]
        status: Option<String>,
        /// Monthly click limit.
        #[arg(long)]
        click_limit: Option<i64>,
    },
    /// Lets MEMBER's tokens see ACCOUNT's sites.
    AddMember {
        /// Account id.
        #[arg(long)]
        account: i64,
        /// The member account whose tokens may see ACCOUNT's sites.
        #[arg(long)]
        member: i64,
    },
}

/// Site commands.
#[derive(Subcommand)]
pub enum SiteCmd {
    /// Creates a site; prints its id.
    Create {
        /// Account id.
        #[arg(long)]
        account: i64,
        /// Name.
        #[arg(long)]
        name: String,
        /// Domain.
        #[arg(long)]
        domain: String,
    },
    /// Changes a site's settings.
    Update {
        /// Site id.
        #[arg(long)]
        site: i64,
        /// Name.
        #[arg(long)]
        name: Option<String>,
        /// Domain.
        #[arg(long)]
        domain: Option<String>,
        /// Block threshold, 0–100.
        #[arg(long)]
        block_threshold: Option<i64>,
        /// Flag threshold, 0–100, below the block threshold.
        #[arg(long)]
        flag_threshold: Option<i64>,
        /// Grace mode: record, never refuse.
        #[arg(long)]
        grace_mode: Option<bool>,
        /// Whether the site is active.
        #[arg(long)]
        active: Option<bool>,
        /// Hosts besides the domain and its subdomains that click links may
        /// redirect to (comma-separated; an empty value clears them).
        #[arg(long, value_delimiter = ',')]
        redirect_hosts: Option<Vec<String>>,
    },
}

/// Token commands.
#[derive(Subcommand)]
pub enum TokenCmd {
    /// Creates a token; prints it once.
    Create {
        /// Account id.
        #[arg(long)]
        account: i64,
        /// Abilities (comma-separated).
        #[arg(long, value_delimiter = ',', default_values_t = ABILITIES.map(String::from))]
        abilities: Vec<String>,
        /// Lifetime in days: 30, 90, 180, 365 or 730.
        #[arg(long, default_value_t = 90)]
        expires_in_days: u64,
    },
    /// Lists an account's tokens.
    List {
        /// Account id.
        #[arg(long)]
        account: i64,
    },
    /// Revokes a token by id.
    Revoke {
        /// Token id.
        #[arg(long)]
        token_id: i64,
    },
}

/// Webhook commands.
#[derive(Subcommand)]
pub enum WebhookCmd {
    /// Adds an endpoint; prints its secret once.
    Add {
        /// Account id.
        #[arg(long)]
        account: i64,
        /// Endpoint URL (public http or https).
        #[arg(long)]
        url: String,
        /// Event types (comma-separated).
        #[arg(long, value_delimiter = ',')]
        events: Vec<String>,
        /// How deliveries are signed: `myclickshield` (the spec's
        /// X-MyClickShield-* headers) or `standard` (Standard Webhooks:
        /// webhook-id, webhook-timestamp, webhook-signature; the secret is
        /// whsec_ and base64, as its libraries expect).
        #[arg(long, default_value = "myclickshield",
              value_parser = ["myclickshield", "standard"])]
        format: String,
    },
    /// Lists an account's endpoints.
    List {
        /// Account id.
        #[arg(long)]
        account: i64,
    },
    /// Re-enables an auto-disabled endpoint.
    Enable {
        /// Endpoint id.
        #[arg(long)]
        endpoint: i64,
    },
}

/// Block commands.
#[derive(Subcommand)]
pub enum BlockCmd {
    /// Blocks an IP on a site.
    Add {
        /// Site id.
        #[arg(long)]
        site: i64,
        /// IPv4 or IPv6 address.
        #[arg(long)]
        ip: String,
        /// Reason, shown with the block.
        #[arg(long)]
        reason: Option<String>,
    },
    /// Unblocks an IP on a site.
    Remove {
        /// Site id.
        #[arg(long)]
        site: i64,
        /// IPv4 or IPv6 address.
        #[arg(long)]
        ip: String,
    },
}

/// A secret given directly, or the first line of a file.
fn secret(direct: &Option<String>, file: &Option<PathBuf>) -> Result<Option<String>, CliError> {
    match (direct, file) {
        (Some(s), _) => Ok(Some(s.clone())),
        (None, Some(p)) => {
            let text = std::fs::read_to_string(p).map_err(|e| setup(p.display(), e))?;
            let line = text.lines().next().unwrap_or("").trim().to_owned();
            if line.is_empty() {
                return Err(setup(p.display(), "the secret file is empty"));
            }
            Ok(Some(line))
        }
        (None, None) => Ok(None),
    }
}

/// Runs the command line: serves, or runs one administration command.
pub fn run(mut cli: Cli) -> Result<(), CliError> {
    cli.api_secret = secret(&cli.api_secret, &cli.api_secret_file)?;
    cli.admin_token = secret(&cli.admin_token, &cli.admin_token_file)?;
    cli.cloudflare_origin_secret = secret(
        &cli.cloudflare_origin_secret,
        &cli.cloudflare_origin_secret_file,
    )?;
    cli.shopify_app_secret = secret(&cli.shopify_app_secret, &cli.shopify_app_secret_file)?;
    if matches!(cli.command, None | Some(Command::Serve)) {
        for (what, given) in [
            ("--api-secret", &cli.api_secret),
            ("--admin-token", &cli.admin_token),
            ("--metrics-token", &cli.metrics_token),
            ("--cloudflare-origin-secret", &cli.cloudflare_origin_secret),
        ] {
            if let Some(secret) = given {
                crate::secrets::check(what, secret).map_err(CliError::Weak)?;
            }
        }
    }
    let store = Store::open_with_pool(&cli.db, cli.db_pool as usize)
        .map_err(|e| setup(crate::storage::describe(&cli.db), e))?;
    let serving = matches!(cli.command, None | Some(Command::Serve));
    let random_secret = || {
        tokens::generate()
            .map(|t| t.replace("mcs_live_", ""))
            .map_err(|e| CliError::Store(StoreError::Random(e.to_string())))
    };
    let (api_secret, admin_token) = if serving {
        (
            Some(cli.api_secret.clone().map_or_else(random_secret, Ok)?),
            Some(cli.admin_token.clone().map_or_else(random_secret, Ok)?),
        )
    } else {
        (cli.api_secret.clone(), cli.admin_token.clone())
    };
    // Bound before the configuration, so the default click base URL names
    // the port actually bound (`--listen 127.0.0.1:0` picks a free one).
    let listener = if serving {
        Some(std::net::TcpListener::bind(&cli.listen).map_err(|e| setup(&cli.listen, e))?)
    } else {
        None
    };
    let bound = listener
        .as_ref()
        .and_then(|l| l.local_addr().ok())
        .map_or_else(|| cli.listen.clone(), |a| a.to_string());
    let list = |p: &Option<PathBuf>| -> Result<Option<Arc<IpSet>>, CliError> {
        p.as_ref()
            .map(|p| {
                let text = std::fs::read_to_string(p).map_err(|e| setup(p.display(), e))?;
                IpSet::from_lines(&text)
                    .map(Arc::new)
                    .map_err(|e| setup(p.display(), e))
            })
            .transpose()
    };
    let db = |p: &Option<PathBuf>| -> Result<Option<Arc<clickfence::GeoIp>>, CliError> {
        p.as_ref()
            .map(|p| {
                clickfence::GeoIp::open(p)
                    .map(Arc::new)
                    .map_err(|e| setup(p.display(), e))
            })
            .transpose()
    };
    // An ASN database of the wrong kind is refused at start, not at the
    // first click (the core names the kinds it reads).
    let asn_db = |p: &Option<PathBuf>| -> Result<Option<Arc<clickfence::GeoIp>>, CliError> {
        let Some(db) = db(p)? else { return Ok(None) };
        let probe = std::net::IpAddr::from([192, 0, 2, 1]);
        match db.asn(probe) {
            Err(e) => Err(setup("--asn-db", e)),
            Ok(_) => Ok(Some(db)),
        }
    };
    let published = published_sources(&cli.published_ranges)?;
    let asn = asn_sources(&cli.asn_db, &cli.privacy_relays, &published)?;
    let crawler_list = cli
        .crawler_list
        .as_ref()
        .map(|p| {
            let text = std::fs::read_to_string(p).map_err(|e| setup(p.display(), e))?;
            let source = format!("{} (--crawler-list)", p.display());
            clickfence::score::CrawlerList::from_json(&text, &source)
                .map(Arc::new)
                .map_err(|e| setup("--crawler-list", e))
        })
        .transpose()?;
    let crawler_dns = crawler_dns(&cli.crawler_dns, &cli.crawler_ranges)?;
    if cli.simulated_clock && !bound_to_loopback(&bound) {
        return Err(setup(
            "--simulated-clock",
            "only on a loopback listen address: any client could choose the time its click is judged at",
        ));
    }
    let config = ServerConfig {
        trusted_proxies: IpSet::from_strs(&cli.trusted_proxies)
            .map_err(|e| setup("--trusted-proxy", e))?,
        cloudflare: if cli.cloudflare_ranges.is_empty() {
            IpSet::from_strs(crate::CLOUDFLARE_RANGES)
                .map_err(|e| setup("built-in Cloudflare ranges", e))?
        } else {
            IpSet::from_strs(&cli.cloudflare_ranges).map_err(|e| setup("--cloudflare-range", e))?
        },
        trust_cf_headers: cli.trust_cf_headers,
        cloudflare_origin_secret: cli.cloudflare_origin_secret.clone(),
        shopify_app_secret: cli.shopify_app_secret.clone(),
        pixel_budget: clickfence::rate::budget::DailyBudget {
            events: cli.shop_daily_events,
            bytes: cli.shop_daily_bytes,
            network_percent: cli.shop_network_percent,
        },
        api_secret: api_secret.clone(),
        admin_token: admin_token.clone(),
        click_base_url: cli
            .click_base_url
            .clone()
            .unwrap_or_else(|| format!("http://{bound}")),
        geoip: db(&cli.geoip)?,
        anonymous_ip: db(&cli.anonymous_ip)?,
        asn_db: asn_db(&asn.maxmind)?,
        asn_table: asn.table,
        hosting: asn.hosting,
        crawler_list,
        crawler_dns: Some(crawler_dns),
        tor: match (list(&cli.tor_list)?, published.tor.clone()) {
            (Some(_), Some(_)) => {
                return Err(setup(
                    "--published-ranges",
                    "tor-exits and --tor-list: give one",
                ))
            }
            (a, b) => a.or(b),
        },
        data_files: published.files.clone(),
        data_max_age_days: cli.data_max_age_days,
        vpn: list(&cli.vpn_list)?,
        datacenter: list(&cli.datacenter_list)?,
        api_rate_limit: cli.api_rate_limit,
        pixel_rate_limit: cli.pixel_rate_limit,
        allow_private_webhooks: cli.allow_private_webhooks,
        auto_blocks: Default::default(),
        attribution_site: cli.attribution_site,
        delivery_lease_secs: Some(cli.delivery_lease),
        shared_rates: match cli.redis.as_deref() {
            Some(url) => Some(std::sync::Arc::new(
                crate::shared_rates::SharedRates::new(url).map_err(|e| setup("--redis", e))?,
            )),
            None => None,
        },
        metrics_token: cli.metrics_token.clone(),
        cors_origins: cli
            .cors_origins
            .iter()
            .map(|o| axum::http::HeaderValue::from_str(o).map_err(|e| setup("--cors-origin", e)))
            .collect::<Result<_, _>>()?,
        pause_check_secs: None,
        simulated_clock: cli.simulated_clock,
    };
    if cli.simulated_clock {
        eprintln!("warning: --simulated-clock: clicks are judged at the time their request names");
    }
    let state = Arc::new(AppState::new(store, config)?);
    let now = now();
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            tracing_subscriber::fmt()
                .json()
                .with_env_filter(
                    tracing_subscriber::EnvFilter::try_from_default_env()
                        .unwrap_or_else(|_| "info".into()),
                )
                .init();
            if cli.cloudflare_origin_secret.is_none() {
                tracing::warn!(
                    "cloudflare_origin_secret_unset: CF-Connecting-IP and CF-IPCountry are believed from any request through Cloudflare's ranges, including other Cloudflare customers' Workers; set --cloudflare-origin-secret and add it as X-Clickfence-Origin in a transform rule of your zone"
                );
            }
            if let Some(token) = seed_demo(&state.store, now)? {
                eprintln!("Seeded demo account 1 (Pro plan) with site 1 \"Acme Coffee\".");
                eprintln!("Demo token (shown once, all five abilities): {token}");
                demo_day(&state, cli.no_demo, now);
            }
            if cli.api_secret.is_none() {
                eprintln!(
                    "Edge API secret (random for this run; set CLICKFENCE_API_SECRET to fix it): {}",
                    api_secret.unwrap_or_default()
                );
            }
            if cli.admin_token.is_none() {
                eprintln!(
                    "Click-signing admin token (random for this run; set CLICKFENCE_ADMIN_TOKEN): {}",
                    admin_token.unwrap_or_default()
                );
            }
            if cli.click_base_url.is_none() && bound_to_wildcard(&bound) {
                eprintln!(
                    "warning: listening on every address, so signed click links would point at http://{bound}; set --click-base-url (CLICKFENCE_CLICK_BASE_URL) to the address visitors reach"
                );
            }
            let runtime = tokio::runtime::Runtime::new().map_err(|e| setup("tokio runtime", e))?;
            let listener = listener.ok_or_else(|| setup(&cli.listen, "not bound"))?;
            listener
                .set_nonblocking(true)
                .map_err(|e| setup(&cli.listen, e))?;
            runtime.block_on(async {
                let listener = tokio::net::TcpListener::from_std(listener)
                    .map_err(|e| setup(&cli.listen, e))?;
                eprintln!(
                    "Listening on http://{} (database {})",
                    listener.local_addr().map_err(|e| setup(&cli.listen, e))?,
                    crate::storage::describe(&cli.db)
                );
                serve(state, listener, shutdown_signal())
                    .await
                    .map_err(|e| setup("serving", e))
            })
        }
        Command::Demo(DemoCmd::Remove) => {
            let n = state.store.remove_demo_clicks()?;
            println!("removed {n} demo clicks");
            Ok(())
        }
        Command::Account(cmd) => admin::account(&state, cmd, now),
        Command::Site(cmd) => admin::site(&state, cmd, now),
        Command::Token(cmd) => admin::token(&state, cmd, now),
        Command::Webhook(cmd) => admin::webhook(&state, cmd, now),
        Command::Block(cmd) => admin::block(&state, cmd, now),
        Command::Shop(cmd) => admin::shop(&state, cmd, now),
    }
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => return ctrl_c.await.unwrap_or(()),
            };
        tokio::select! { _ = ctrl_c => {}, _ = term.recv() => {} }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}

/// The crawler verification: each `OPERATOR=PATH` range file loaded (a bad
/// one refused at start, naming it) and reloaded when it changes, lookups
/// through `servers`.
fn crawler_dns(
    servers: &crate::crawler_dns::DnsServers,
    ranges: &[String],
) -> Result<Arc<crate::crawler_dns::CrawlerDns>, CliError> {
    use crate::crawler_dns::{CrawlerDns, DnsServers, RangeFile};
    let mut files = Vec::new();
    for item in ranges {
        let Some((operator, path)) = item.split_once('=') else {
            return Err(setup(
                "--crawler-ranges",
                format!("'{item}' is not OPERATOR=PATH"),
            ));
        };
        files.push(RangeFile::new(operator, path));
    }
    let empty = clickfence::score::CrawlerRanges::new;
    let dns = match CrawlerDns::new(empty(), servers) {
        Ok(dns) => dns,
        // A machine without a resolver configuration still serves: claims
        // the ranges do not decide stay unverified, and the log says why.
        Err(e) if *servers == DnsServers::System => {
            eprintln!("warning: --crawler-dns system: {e}; crawler claims are not looked up");
            CrawlerDns::new(empty(), &DnsServers::Off).map_err(|e| setup("--crawler-dns", e))?
        }
        Err(e) => return Err(setup("--crawler-dns", e)),
    };
    dns.with_files(files)
        .map(Arc::new)
        .map_err(|e| setup("--crawler-ranges", e))
}

/// What `--asn-db` and `--privacy-relays` give: a MaxMind ASN database,
/// an ip-location-db ASN table, and the hosting detection over them.
struct AsnSources {
    maxmind: Option<PathBuf>,
    table: Option<Arc<clickfence::ip::AsnTable>>,
    hosting: Option<Arc<clickfence::ip::HostingNetworks>>,
}

/// Sorts `--asn-db` paths into CSV files (ip-location-db, loaded into one
/// table) and at most one MaxMind database; loads the relay files.
fn asn_sources(
    paths: &[PathBuf],
    relays: &[PathBuf],
    published: &Published,
) -> Result<AsnSources, CliError> {
    use clickfence::ip::{AsnTable, HostingNetworks, PublishedRanges, RangeFormat};
    let is_csv = |p: &&PathBuf| p.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    let (csv, mmdb): (Vec<&PathBuf>, Vec<&PathBuf>) = paths.iter().partition(is_csv);
    if mmdb.len() > 1 {
        return Err(setup("--asn-db", "at most one MaxMind database"));
    }
    let mut table = AsnTable::new();
    for p in &csv {
        let text = std::fs::read_to_string(p).map_err(|e| setup(p.display(), e))?;
        table
            .load_csv(&text)
            .map_err(|e| setup(format!("--asn-db {}", p.display()), e))?;
    }
    let table = (!csv.is_empty()).then(|| Arc::new(table));
    let mut hosting = table.as_ref().map_or_else(HostingNetworks::default, |t| {
        HostingNetworks::new(Arc::clone(t))
    });
    for p in relays {
        let text = std::fs::read_to_string(p).map_err(|e| setup(p.display(), e))?;
        let r = PublishedRanges::parse(RangeFormat::ApplePrivateRelay, &text)
            .map_err(|e| setup(format!("--privacy-relays {}", p.display()), e))?;
        hosting = hosting.relay(Arc::new(r.set));
    }
    for r in &published.relays {
        hosting = hosting.relay(Arc::clone(r));
    }
    for r in &published.hosting {
        hosting = hosting.ranges(Arc::clone(r));
    }
    let any = table.is_some()
        || !relays.is_empty()
        || !published.relays.is_empty()
        || !published.hosting.is_empty();
    let hosting = any.then(|| Arc::new(hosting));
    Ok(AsnSources {
        maxmind: mmdb.first().map(|p| (*p).clone()),
        table,
        hosting,
    })
}

/// What `--published-ranges` loads, sorted by use, and each file's date.
#[derive(Default)]
struct Published {
    hosting: Vec<Arc<clickfence::IpSet>>,
    relays: Vec<Arc<clickfence::IpSet>>,
    tor: Option<Arc<clickfence::IpSet>>,
    files: Vec<crate::state::DataFile>,
}

/// Loads each `FORMAT=PATH`; a bad file or an unknown format is refused at
/// start, naming it.
fn published_sources(items: &[String]) -> Result<Published, CliError> {
    use clickfence::ip::{PublishedRanges, RangeFormat};
    let mut out = Published::default();
    for item in items {
        let Some((format, path)) = item.split_once('=') else {
            return Err(setup(
                "--published-ranges",
                format!("'{item}' is not FORMAT=PATH"),
            ));
        };
        let text = std::fs::read_to_string(path).map_err(|e| setup(path, e))?;
        let r = PublishedRanges::parse_named(format, &text)
            .map_err(|e| setup(format!("--published-ranges {item}"), e))?;
        let modified = std::fs::metadata(path)
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map(|d| d.as_secs());
        out.files.push(crate::state::DataFile {
            source: format!("{format}:{path}"),
            date: r.date.clone(),
            as_of: r.unix_date().or(modified),
        });
        let set = Arc::new(r.set);
        match RangeFormat::from_name(format) {
            Some(RangeFormat::TorExits) => out.tor = Some(set),
            Some(RangeFormat::ApplePrivateRelay) => out.relays.push(set),
            Some(RangeFormat::SpamhausDrop) => {
                return Err(setup(
                    "--published-ranges",
                    "spamhaus-drop is not used by the server (load it with the library)",
                ))
            }
            _ => out.hosting.push(set),
        }
    }
    Ok(out)
}

/// Seeds a new database's demo day (unless `--no-demo`, or a fleet's
/// shared counters are in use: a demo's clicks stay out of Redis) and says
/// so; a failure is reported and the server starts anyway.
fn demo_day(state: &AppState, no_demo: bool, now: i64) {
    if no_demo || state.config.shared_rates.is_some() {
        return;
    }
    match crate::demo::seed(state, 1, now) {
        Ok(n) => eprintln!(
            "Seeded a demo day: {n} clicks yesterday on site 1 (people, crawlers, a bot farm, replayed and forged signed clicks). \
             Remove them with `clickfence-server demo remove`; start with --no-demo for an empty database."
        ),
        Err(e) => eprintln!("warning: no demo day: {e}"),
    }
}

/// Whether `addr` (`host:port` as bound) is every address (`0.0.0.0`,
/// `[::]`), which no visitor can be sent to.
fn bound_to_wildcard(addr: &str) -> bool {
    addr.parse::<std::net::SocketAddr>()
        .is_ok_and(|a| a.ip().is_unspecified())
}

/// Whether `addr` (`host:port` as bound) is a loopback address.
fn bound_to_loopback(addr: &str) -> bool {
    addr.parse::<std::net::SocketAddr>()
        .is_ok_and(|a| a.ip().is_loopback())
}
