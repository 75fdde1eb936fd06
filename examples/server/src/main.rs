//! `clickfence-server`: with no subcommand, serves; subcommands administer
//! accounts, sites, tokens, webhooks and blocks in the same database.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use clickfence::webhook::{BlockSource, Event, EventType, SubscriptionUpdated};
use clickfence::IpSet;
use clickfence_server::delivery::target::check_url;
use clickfence_server::ops;
use clickfence_server::state::{now, AppState, ServerConfig};
use clickfence_server::storage::{Store, ABILITIES, PLANS, TOKEN_DAYS};
use clickfence_server::{seed_demo, serve, tokens};

#[derive(Parser)]
#[command(
    version,
    about = "clickfence reference server: platform API v1, click intake, webhook delivery"
)]
struct Cli {
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
    /// Trust CF-Connecting-IP / CF-IPCountry from any peer (local use only).
    #[arg(long, env = "CLICKFENCE_TRUST_CF_HEADERS", global = true)]
    trust_cf_headers: bool,
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
    /// Public base URL that signed click links point at (default http://LISTEN).
    #[arg(long, env = "CLICKFENCE_CLICK_BASE_URL", global = true)]
    click_base_url: Option<String>,
    /// MaxMind Country / City database for visitors without CF-IPCountry.
    #[arg(long, env = "CLICKFENCE_GEOIP", global = true)]
    geoip: Option<PathBuf>,
    /// MaxMind Anonymous IP database.
    #[arg(long, env = "CLICKFENCE_ANONYMOUS_IP", global = true)]
    anonymous_ip: Option<PathBuf>,
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
    /// Pixel events per minute per shop and client IP.
    #[arg(
        long,
        env = "CLICKFENCE_PIXEL_RATE_LIMIT",
        default_value_t = 600,
        global = true
    )]
    pixel_rate_limit: u32,
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
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
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
}

#[derive(Subcommand)]
enum AccountCmd {
    /// Creates an account; prints its id.
    Create {
        #[arg(long)]
        name: String,
        #[arg(long, default_value = "pro")]
        plan: String,
    },
    /// Changes the plan (starter | pro | business).
    SetPlan {
        #[arg(long)]
        account: i64,
        #[arg(long)]
        plan: String,
    },
    /// Changes the status or click limit.
    Update {
        #[arg(long)]
        account: i64,
        #[arg(long)]
        status: Option<String>,
        #[arg(long)]
        click_limit: Option<i64>,
    },
    /// Lets MEMBER's tokens see ACCOUNT's sites.
    AddMember {
        #[arg(long)]
        account: i64,
        #[arg(long)]
        member: i64,
    },
}

#[derive(Subcommand)]
enum SiteCmd {
    /// Creates a site; prints its id.
    Create {
        #[arg(long)]
        account: i64,
        #[arg(long)]
        name: String,
        #[arg(long)]
        domain: String,
    },
    /// Changes a site's settings.
    Update {
        #[arg(long)]
        site: i64,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        domain: Option<String>,
        #[arg(long)]
        block_threshold: Option<i64>,
        #[arg(long)]
        flag_threshold: Option<i64>,
        #[arg(long)]
        grace_mode: Option<bool>,
        #[arg(long)]
        active: Option<bool>,
        /// Hosts besides the domain and its subdomains that click links may
        /// redirect to (comma-separated; an empty value clears them).
        #[arg(long, value_delimiter = ',')]
        redirect_hosts: Option<Vec<String>>,
    },
}

#[derive(Subcommand)]
enum TokenCmd {
    /// Creates a token; prints it once.
    Create {
        #[arg(long)]
        account: i64,
        #[arg(long, value_delimiter = ',', default_values_t = ABILITIES.map(String::from))]
        abilities: Vec<String>,
        #[arg(long, default_value_t = 90)]
        expires_in_days: u64,
    },
    /// Lists an account's tokens.
    List {
        #[arg(long)]
        account: i64,
    },
    /// Revokes a token by id.
    Revoke {
        #[arg(long)]
        token_id: i64,
    },
}

#[derive(Subcommand)]
enum WebhookCmd {
    /// Adds an endpoint; prints its secret once.
    Add {
        #[arg(long)]
        account: i64,
        #[arg(long)]
        url: String,
        #[arg(long, value_delimiter = ',')]
        events: Vec<String>,
    },
    /// Lists an account's endpoints.
    List {
        #[arg(long)]
        account: i64,
    },
    /// Re-enables an auto-disabled endpoint.
    Enable {
        #[arg(long)]
        endpoint: i64,
    },
}

#[derive(Subcommand)]
enum BlockCmd {
    /// Blocks an IP on a site.
    Add {
        #[arg(long)]
        site: i64,
        #[arg(long)]
        ip: String,
        #[arg(long)]
        reason: Option<String>,
    },
    /// Unblocks an IP on a site.
    Remove {
        #[arg(long)]
        site: i64,
        #[arg(long)]
        ip: String,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// A secret given directly, or the first line of a file.
fn secret(direct: &Option<String>, file: &Option<PathBuf>) -> Result<Option<String>, String> {
    match (direct, file) {
        (Some(s), _) => Ok(Some(s.clone())),
        (None, Some(p)) => {
            let text = std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))?;
            let line = text.lines().next().unwrap_or("").trim().to_owned();
            if line.is_empty() {
                return Err(format!("{}: the secret file is empty", p.display()));
            }
            Ok(Some(line))
        }
        (None, None) => Ok(None),
    }
}

fn run(mut cli: Cli) -> Result<(), String> {
    cli.api_secret = secret(&cli.api_secret, &cli.api_secret_file)?;
    cli.admin_token = secret(&cli.admin_token, &cli.admin_token_file)?;
    let store = Store::open(&cli.db).map_err(|e| format!("{}: {e}", cli.db.display()))?;
    let serving = matches!(cli.command, None | Some(Command::Serve));
    let random_secret = || {
        tokens::generate()
            .map(|t| t.replace("mcs_live_", ""))
            .map_err(err)
    };
    let (api_secret, admin_token) = if serving {
        (
            Some(cli.api_secret.clone().map_or_else(random_secret, Ok)?),
            Some(cli.admin_token.clone().map_or_else(random_secret, Ok)?),
        )
    } else {
        (cli.api_secret.clone(), cli.admin_token.clone())
    };
    let list = |p: &Option<PathBuf>| -> Result<Option<Arc<IpSet>>, String> {
        p.as_ref()
            .map(|p| {
                let text =
                    std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()))?;
                IpSet::from_lines(&text)
                    .map(Arc::new)
                    .map_err(|e| format!("{}: {e}", p.display()))
            })
            .transpose()
    };
    let db = |p: &Option<PathBuf>| -> Result<Option<Arc<clickfence::GeoIp>>, String> {
        p.as_ref()
            .map(|p| clickfence::GeoIp::open(p).map(Arc::new).map_err(err))
            .transpose()
    };
    let config = ServerConfig {
        trusted_proxies: IpSet::from_strs(&cli.trusted_proxies).map_err(err)?,
        cloudflare: if cli.cloudflare_ranges.is_empty() {
            IpSet::from_strs(clickfence_server::CLOUDFLARE_RANGES).map_err(err)?
        } else {
            IpSet::from_strs(&cli.cloudflare_ranges).map_err(err)?
        },
        trust_cf_headers: cli.trust_cf_headers,
        api_secret: api_secret.clone(),
        admin_token: admin_token.clone(),
        click_base_url: cli
            .click_base_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", cli.listen)),
        geoip: db(&cli.geoip)?,
        anonymous_ip: db(&cli.anonymous_ip)?,
        tor: list(&cli.tor_list)?,
        vpn: list(&cli.vpn_list)?,
        datacenter: list(&cli.datacenter_list)?,
        api_rate_limit: cli.api_rate_limit,
        pixel_rate_limit: cli.pixel_rate_limit,
        allow_private_webhooks: cli.allow_private_webhooks,
        auto_blocks: Default::default(),
        attribution_site: cli.attribution_site,
        metrics_token: cli.metrics_token.clone(),
        cors_origins: cli
            .cors_origins
            .iter()
            .map(|o| axum::http::HeaderValue::from_str(o).map_err(err))
            .collect::<Result<_, _>>()?,
        pause_check_secs: None,
    };
    let state = Arc::new(AppState::new(store, config).map_err(err)?);
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
            if let Some(token) = seed_demo(&state.store, now).map_err(|e| e.to_string())? {
                eprintln!("Seeded demo account 1 (Pro plan) with site 1 \"Acme Coffee\".");
                eprintln!("Demo token (shown once, all five abilities): {token}");
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
            let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
            runtime.block_on(async {
                let listener = tokio::net::TcpListener::bind(&cli.listen)
                    .await
                    .map_err(|e| format!("{}: {e}", cli.listen))?;
                eprintln!(
                    "Listening on http://{} (database {})",
                    listener.local_addr().map_err(|e| e.to_string())?,
                    cli.db.display()
                );
                serve(state, listener, shutdown_signal())
                    .await
                    .map_err(|e| e.to_string())
            })
        }
        Command::Account(cmd) => account(&state, cmd, now),
        Command::Site(cmd) => site(&state, cmd, now),
        Command::Token(cmd) => token(&state, cmd, now),
        Command::Webhook(cmd) => webhook(&state, cmd, now),
        Command::Block(cmd) => block(&state, cmd, now),
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

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

fn check_plan(plan: &str) -> Result<(), String> {
    PLANS
        .contains(&plan)
        .then_some(())
        .ok_or_else(|| format!("plan must be one of {}", PLANS.join(", ")))
}

fn account(state: &AppState, cmd: AccountCmd, now: i64) -> Result<(), String> {
    // The change and its subscription.updated event commit together.
    let update = |id: i64, plan: Option<&str>, status: Option<&str>, limit: Option<i64>| {
        let a = state
            .write(|tx| {
                let Some(a) = tx.update_account(id, plan, status, limit)? else {
                    return Ok(None);
                };
                let event = Event::SubscriptionUpdated(SubscriptionUpdated {
                    account_id: a.id as u64,
                    plan: a.plan.clone(),
                    status: a.status.clone(),
                    click_limit: a.click_limit.max(0) as u64,
                });
                tx.emit(a.id, &event, now)?;
                Ok(Some(a))
            })
            .map_err(err)?
            .ok_or_else(|| format!("no account {id}"))?;
        println!(
            "account {} plan={} status={} click_limit={}",
            a.id, a.plan, a.status, a.click_limit
        );
        Ok(())
    };
    match cmd {
        AccountCmd::Create { name, plan } => {
            check_plan(&plan)?;
            println!(
                "{}",
                state.store.create_account(&name, &plan, now).map_err(err)?
            );
            Ok(())
        }
        AccountCmd::SetPlan { account, plan } => {
            check_plan(&plan)?;
            update(account, Some(&plan), None, None)
        }
        AccountCmd::Update {
            account,
            status,
            click_limit,
        } => update(account, None, status.as_deref(), click_limit),
        AccountCmd::AddMember { account, member } => {
            state.store.add_member(account, member).map_err(err)
        }
    }
}

fn site(state: &AppState, cmd: SiteCmd, now: i64) -> Result<(), String> {
    match cmd {
        SiteCmd::Create {
            account,
            name,
            domain,
        } => {
            state
                .store
                .account(account)
                .map_err(err)?
                .ok_or_else(|| format!("no account {account}"))?;
            let id = state
                .write(|tx| tx.create_site(account, &name, &domain, now, true))
                .map_err(err)?;
            println!("{id}");
            Ok(())
        }
        SiteCmd::Update {
            site,
            name,
            domain,
            block_threshold,
            flag_threshold,
            grace_mode,
            active,
            redirect_hosts,
        } => {
            let redirect_hosts = redirect_hosts
                .map(|hosts| {
                    hosts
                        .iter()
                        .map(|h| redirect_host(h))
                        .collect::<Result<Vec<_>, _>>()
                })
                .transpose()?;
            let current = state
                .store
                .site(site)
                .map_err(err)?
                .ok_or_else(|| format!("no site {site}"))?;
            clickfence::score::Thresholds::new(
                block_threshold.unwrap_or(current.block_threshold),
                flag_threshold.unwrap_or(current.flag_threshold),
            )
            .map_err(err)?;
            let s = state
                .store
                .update_site(
                    site,
                    name.as_deref(),
                    domain.as_deref(),
                    block_threshold,
                    flag_threshold,
                    grace_mode,
                    active,
                    redirect_hosts.as_deref(),
                )
                .map_err(err)?
                .ok_or_else(|| format!("no site {site}"))?;
            println!("{}", serde_json::to_string(&s).map_err(err)?);
            Ok(())
        }
    }
}

fn token(state: &AppState, cmd: TokenCmd, now: i64) -> Result<(), String> {
    match cmd {
        TokenCmd::Create {
            account,
            abilities,
            expires_in_days,
        } => {
            state
                .store
                .account(account)
                .map_err(err)?
                .ok_or_else(|| format!("no account {account}"))?;
            if let Some(bad) = abilities.iter().find(|a| !ABILITIES.contains(&a.as_str())) {
                return Err(format!(
                    "unknown ability {bad}: use {}",
                    ABILITIES.join(", ")
                ));
            }
            if !TOKEN_DAYS.contains(&expires_in_days) {
                return Err("expires-in-days must be 30, 90, 180, 365 or 730".into());
            }
            let text = tokens::generate().map_err(err)?;
            let expires = now + expires_in_days as i64 * 86_400;
            match state
                .store
                .create_token(account, &tokens::hash(&text), &abilities, expires, now)
                .map_err(err)?
            {
                Some(_) => {
                    println!("{text}");
                    Ok(())
                }
                None => Err("an account may hold at most 20 live tokens: revoke one first".into()),
            }
        }
        TokenCmd::List { account } => {
            for (id, abilities, expires, revoked) in state.store.tokens_of(account).map_err(err)? {
                let status = if revoked.is_some() {
                    "revoked"
                } else if expires <= now {
                    "expired"
                } else {
                    "active"
                };
                println!(
                    "{id}\t{status}\texpires {}\t{abilities}",
                    clickfence_server::storage::rfc3339(expires)
                );
            }
            Ok(())
        }
        TokenCmd::Revoke { token_id } => {
            if state.store.revoke_token(token_id, now).map_err(err)? {
                Ok(())
            } else {
                Err(format!("no live token {token_id}"))
            }
        }
    }
}

fn webhook(state: &AppState, cmd: WebhookCmd, now: i64) -> Result<(), String> {
    match cmd {
        WebhookCmd::Add {
            account,
            url,
            events,
        } => {
            state
                .store
                .account(account)
                .map_err(err)?
                .ok_or_else(|| format!("no account {account}"))?;
            let url = check_url(&url, state.config.allow_private_webhooks)?.to_string();
            for e in &events {
                e.parse::<EventType>().map_err(err)?;
            }
            if events.is_empty() {
                return Err("give at least one event".into());
            }
            let secret = format!(
                "whsec_{}",
                tokens::generate()
                    .map_err(err)?
                    .trim_start_matches("mcs_live_")
            );
            match state
                .store
                .add_endpoint(account, &url, &secret, &events, now)
                .map_err(err)?
            {
                Some(_) => {
                    println!("{secret}");
                    Ok(())
                }
                None => Err("an account may hold at most 10 webhook endpoints".into()),
            }
        }
        WebhookCmd::List { account } => {
            for e in state.store.endpoints_of(account).map_err(err)? {
                println!(
                    "{}\t{}\t{}\tfailures={}\t{}",
                    e.id,
                    if e.disabled { "disabled" } else { "enabled" },
                    e.url,
                    e.consecutive_failures,
                    e.events.join(",")
                );
            }
            Ok(())
        }
        WebhookCmd::Enable { endpoint } => {
            if state.store.reenable_endpoint(endpoint).map_err(err)? {
                Ok(())
            } else {
                Err(format!("no endpoint {endpoint}"))
            }
        }
    }
}

fn block(state: &AppState, cmd: BlockCmd, now: i64) -> Result<(), String> {
    let (site, ip) = match &cmd {
        BlockCmd::Add { site, ip, .. } | BlockCmd::Remove { site, ip } => (*site, ip),
    };
    let s = state
        .store
        .site(site)
        .map_err(err)?
        .ok_or_else(|| format!("no site {site}"))?;
    let ip = clickfence::ip::parse_ip(ip).map_err(err)?;
    match cmd {
        BlockCmd::Add { reason, .. } => {
            let request = ops::BlockRequest {
                site: &s,
                ip,
                reason,
                kind: clickfence::ip::BlockKind::Permanent,
                source: BlockSource::Manual,
            };
            ops::block_ip(state, &request, now).map_err(err)?;
            Ok(())
        }
        BlockCmd::Remove { .. } => {
            ops::unblock_ip(state, &s, &ip.to_string(), BlockSource::Manual, now)
                .map_err(err)?
                .ok_or_else(|| format!("{ip} is not blocked"))?;
            Ok(())
        }
    }
}

/// A host name for `--redirect-hosts`: lower-case, no scheme, port or path.
fn redirect_host(text: &str) -> Result<String, String> {
    let host = text.trim().trim_end_matches('.').to_ascii_lowercase();
    match url::Host::parse(&host) {
        Ok(url::Host::Domain(d)) if !d.is_empty() && d == host => Ok(host),
        _ => Err(format!(
            "redirect host {text:?} must be a plain host name like shop.example"
        )),
    }
}
