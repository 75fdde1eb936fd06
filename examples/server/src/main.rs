//! `clickfence-server`: with no subcommand, serves; subcommands administer
//! accounts, sites, tokens, webhooks and blocks in the same database.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use clickfence::webhook::{
    BlockSource, Event, EventType, IpBlocked, IpUnblocked, SiteCreated, SubscriptionUpdated,
};
use clickfence::IpSet;
use clickfence_server::events::emit;
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
    #[arg(long = "trusted-proxy", global = true)]
    trusted_proxies: Vec<String>,
    /// Trust CF-Connecting-IP / CF-IPCountry from any peer (local use only).
    #[arg(long, global = true)]
    trust_cf_headers: bool,
    /// Bearer secret of sync-ip-blocking-config and the analytics endpoints (random if unset, printed).
    #[arg(long, env = "CLICKFENCE_API_SECRET", global = true)]
    api_secret: Option<String>,
    /// Bearer token of the click-signing API (random if unset, printed).
    #[arg(long, env = "CLICKFENCE_ADMIN_TOKEN", global = true)]
    admin_token: Option<String>,
    /// Public base URL that signed click links point at (default http://LISTEN).
    #[arg(long, env = "CLICKFENCE_CLICK_BASE_URL", global = true)]
    click_base_url: Option<String>,
    /// MaxMind Country / City database for visitors without CF-IPCountry.
    #[arg(long, global = true)]
    geoip: Option<PathBuf>,
    /// MaxMind Anonymous IP database.
    #[arg(long, global = true)]
    anonymous_ip: Option<PathBuf>,
    /// Tor exit list (one IP or CIDR per line).
    #[arg(long, global = true)]
    tor_list: Option<PathBuf>,
    /// VPN list.
    #[arg(long, global = true)]
    vpn_list: Option<PathBuf>,
    /// Datacenter list.
    #[arg(long, global = true)]
    datacenter_list: Option<PathBuf>,
    /// API requests per minute per token (the spec's 60; raise only for load tests).
    #[arg(long, default_value_t = 60, global = true)]
    api_rate_limit: u32,
    /// Pixel events per minute per shop and client IP.
    #[arg(long, default_value_t = 600, global = true)]
    pixel_rate_limit: u32,
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

fn run(cli: Cli) -> Result<(), String> {
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
                println!("Seeded demo account 1 (Pro plan) with site 1 \"Acme Coffee\".");
                println!("Demo token (shown once, all five abilities): {token}");
            }
            if cli.api_secret.is_none() {
                println!(
                    "Edge API secret (random for this run; set --api-secret to fix it): {}",
                    api_secret.unwrap_or_default()
                );
            }
            if cli.admin_token.is_none() {
                println!(
                    "Click-signing admin token (random for this run; set --admin-token): {}",
                    admin_token.unwrap_or_default()
                );
            }
            let runtime = tokio::runtime::Runtime::new().map_err(|e| e.to_string())?;
            runtime.block_on(async {
                let listener = tokio::net::TcpListener::bind(&cli.listen)
                    .await
                    .map_err(|e| format!("{}: {e}", cli.listen))?;
                println!(
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
    let store = &state.store;
    let updated = |id: i64, a: Option<clickfence_server::storage::Account>| -> Result<(), String> {
        let a = a.ok_or_else(|| format!("no account {id}"))?;
        emit(
            state,
            a.id,
            &Event::SubscriptionUpdated(SubscriptionUpdated {
                account_id: a.id as u64,
                plan: a.plan.clone(),
                status: a.status.clone(),
                click_limit: a.click_limit.max(0) as u64,
            }),
        );
        println!(
            "account {} plan={} status={} click_limit={}",
            a.id, a.plan, a.status, a.click_limit
        );
        Ok(())
    };
    match cmd {
        AccountCmd::Create { name, plan } => {
            check_plan(&plan)?;
            println!("{}", store.create_account(&name, &plan, now).map_err(err)?);
            Ok(())
        }
        AccountCmd::SetPlan { account, plan } => {
            check_plan(&plan)?;
            updated(
                account,
                store
                    .update_account(account, Some(&plan), None, None)
                    .map_err(err)?,
            )
        }
        AccountCmd::Update {
            account,
            status,
            click_limit,
        } => updated(
            account,
            store
                .update_account(account, None, status.as_deref(), click_limit)
                .map_err(err)?,
        ),
        AccountCmd::AddMember { account, member } => store.add_member(account, member).map_err(err),
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
            let site = state
                .store
                .create_site(account, &name, &domain, now)
                .map_err(err)?;
            emit(
                state,
                account,
                &Event::SiteCreated(SiteCreated {
                    site_id: site.id as u64,
                    name,
                    domain,
                }),
            );
            println!("{}", site.id);
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
        } => {
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
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err("url must start with http:// or https://".into());
            }
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
    match cmd {
        BlockCmd::Add { site, ip, reason } => {
            let s = state
                .store
                .site(site)
                .map_err(err)?
                .ok_or_else(|| format!("no site {site}"))?;
            let ip = clickfence::ip::parse_ip(&ip).map_err(err)?.to_string();
            state
                .store
                .upsert_block(
                    site,
                    &ip,
                    reason.as_deref(),
                    "permanent",
                    None,
                    "manual",
                    None,
                    now,
                )
                .map_err(err)?;
            emit(
                state,
                s.account_id,
                &Event::IpBlocked(IpBlocked {
                    site_id: site as u64,
                    site_domain: s.domain,
                    ip_address: ip,
                    reason: reason.unwrap_or_else(|| "Manual block".into()),
                    fraud_score: None,
                    source: BlockSource::Manual,
                }),
            );
            Ok(())
        }
        BlockCmd::Remove { site, ip } => {
            let s = state
                .store
                .site(site)
                .map_err(err)?
                .ok_or_else(|| format!("no site {site}"))?;
            let ip = clickfence::ip::parse_ip(&ip).map_err(err)?.to_string();
            state
                .store
                .delete_block(site, &ip)
                .map_err(err)?
                .ok_or_else(|| format!("{ip} is not blocked"))?;
            emit(
                state,
                s.account_id,
                &Event::IpUnblocked(IpUnblocked {
                    site_id: site as u64,
                    site_domain: s.domain,
                    ip_address: ip,
                    source: BlockSource::Manual,
                }),
            );
            Ok(())
        }
    }
}
