//! The administration commands: each converts its arguments, calls the
//! operation the API uses ([`crate::ops`]) and prints the result.

use clickfence::ip::{parse_ip, BlockKind};
use clickfence::webhook::BlockSource;

use super::{AccountCmd, BlockCmd, CliError, ShopCmd, SiteCmd, TokenCmd, WebhookCmd};
use crate::ops::accounts::AccountChanges;
use crate::ops::{self, OpError};
use crate::state::AppState;
use crate::storage::{rfc3339, SiteChanges};

/// `account create | set-plan | update | add-member`.
pub fn account(state: &AppState, cmd: AccountCmd, now: i64) -> Result<(), CliError> {
    let print = |a: crate::storage::Account| {
        println!(
            "account {} plan={} status={} click_limit={}",
            a.id, a.plan, a.status, a.click_limit
        );
    };
    match cmd {
        AccountCmd::Create { name, plan } => {
            println!("{}", ops::accounts::create(state, &name, &plan, now)?);
        }
        AccountCmd::SetPlan { account, plan } => {
            let changes = AccountChanges {
                plan: Some(&plan),
                ..AccountChanges::default()
            };
            print(ops::accounts::update(state, account, &changes, now)?);
        }
        AccountCmd::Update {
            account,
            status,
            click_limit,
        } => {
            let changes = AccountChanges {
                status: status.as_deref(),
                click_limit,
                ..AccountChanges::default()
            };
            print(ops::accounts::update(state, account, &changes, now)?);
        }
        AccountCmd::AddMember { account, member } => {
            ops::accounts::add_member(state, account, member)?;
        }
    }
    Ok(())
}

/// `site create | update`.
pub fn site(state: &AppState, cmd: SiteCmd, now: i64) -> Result<(), CliError> {
    match cmd {
        SiteCmd::Create {
            account,
            name,
            domain,
        } => println!(
            "{}",
            ops::sites::create(state, account, &name, &domain, now)?
        ),
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
                        .filter(|h| !h.trim().is_empty())
                        .map(|h| ops::sites::redirect_host(h))
                        .collect::<Result<Vec<_>, _>>()
                })
                .transpose()?;
            let changes = SiteChanges {
                name,
                domain,
                block_threshold,
                flag_threshold,
                grace_mode,
                is_active: active,
                redirect_hosts,
            };
            let s = ops::sites::update(state, site, &changes)?;
            let json = serde_json::to_string(&s).map_err(|e| CliError::Setup {
                what: "site".into(),
                why: e.to_string(),
            })?;
            println!("{json}");
        }
    }
    Ok(())
}

/// `token create | list | revoke`.
pub fn token(state: &AppState, cmd: TokenCmd, now: i64) -> Result<(), CliError> {
    match cmd {
        TokenCmd::Create {
            account,
            abilities,
            expires_in_days,
        } => {
            let text = ops::tokens::create(state, account, &abilities, expires_in_days, now)?;
            println!("{text}");
        }
        TokenCmd::List { account } => {
            for t in state.store.tokens_of(account)? {
                let status = if t.revoked_at.is_some() {
                    "revoked"
                } else if t.expires_at <= now {
                    "expired"
                } else {
                    "active"
                };
                println!(
                    "{}\t{status}\texpires {}\t{}",
                    t.id,
                    rfc3339(t.expires_at),
                    t.abilities.join(",")
                );
            }
        }
        TokenCmd::Revoke { token_id } => ops::tokens::revoke(state, token_id, now)?,
    }
    Ok(())
}

/// `webhook add | list | enable`.
pub fn webhook(state: &AppState, cmd: WebhookCmd, now: i64) -> Result<(), CliError> {
    match cmd {
        WebhookCmd::Add {
            account,
            url,
            events,
            format,
        } => {
            let format = clickfence::webhook::Scheme::from_name(&format)
                .map_err(|e| OpError::invalid("format", e.to_string()))?;
            let (_, secret) = ops::webhooks::add(state, account, &url, &events, format, now)?;
            println!("{secret}");
        }
        WebhookCmd::List { account } => {
            for e in state.store.endpoints_of(account)? {
                println!(
                    "{}\t{}\t{}\t{}\tfailures={}\t{}",
                    e.id,
                    if e.disabled { "disabled" } else { "enabled" },
                    e.format,
                    e.url,
                    e.consecutive_failures,
                    e.events.join(",")
                );
            }
        }
        WebhookCmd::Enable { endpoint } => ops::webhooks::reenable(state, endpoint, now)?,
    }
    Ok(())
}

/// `block add | remove` (manual blocks).
pub fn block(state: &AppState, cmd: BlockCmd, now: i64) -> Result<(), CliError> {
    let (site, ip) = match &cmd {
        BlockCmd::Add { site, ip, .. } | BlockCmd::Remove { site, ip } => (*site, ip),
    };
    let s = state
        .store
        .site(site)?
        .ok_or_else(|| OpError::not_found("site", site))?;
    let ip = parse_ip(ip).map_err(|e| OpError::invalid("ip", e.to_string()))?;
    match cmd {
        BlockCmd::Add { reason, .. } => {
            let request = ops::BlockRequest {
                site: &s,
                ip,
                reason,
                kind: BlockKind::Permanent,
                source: BlockSource::Manual,
            };
            ops::block_ip(state, &request, now)?;
        }
        BlockCmd::Remove { .. } => {
            ops::unblock_ip(state, &s, &ip.to_string(), BlockSource::Manual, now)?
                .ok_or_else(|| OpError::not_found("block of", ip))?;
        }
    }
    Ok(())
}

/// `shop enroll | remove | list`. A running server sees the change at its
/// next configuration poll.
pub fn shop(state: &AppState, cmd: ShopCmd, now: i64) -> Result<(), CliError> {
    let name = |shop: String| {
        crate::api::edge::shop(Some(shop)).map_err(|_| {
            OpError::invalid(
                "shop",
                "a shop domain of 1 to 255 bytes is required".to_owned(),
            )
        })
    };
    match cmd {
        ShopCmd::Enroll { shop } => {
            let shop = name(shop)?;
            let new = state.store.enroll_shop(&shop, now)?;
            println!(
                "{shop} {}",
                if new { "enrolled" } else { "already enrolled" }
            );
        }
        ShopCmd::Remove { shop } => {
            let shop = name(shop)?;
            if !state.store.unenroll_shop(&shop)? {
                return Err(OpError::not_found("enrolled shop", &shop).into());
            }
            println!("{shop} removed");
        }
        ShopCmd::List => {
            for shop in state.store.enrolled_shops()? {
                println!("{shop}");
            }
        }
    }
    Ok(())
}
