//! Accounts, plans and team membership.

use super::db::{params, Row};
use serde::Serialize;

use super::{Store, StoreResult};

/// An account.
#[derive(Debug, Clone, Serialize)]
pub struct Account {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// starter | pro | business.
    pub plan: String,
    /// e.g. active.
    pub status: String,
    /// Monthly click limit.
    pub click_limit: i64,
}

pub(crate) const ACCOUNT_COLUMNS: &str = "id, name, plan, status, click_limit";

pub(crate) fn account_from(r: &Row) -> StoreResult<Account> {
    Ok(Account {
        id: r.get(0)?,
        name: r.get(1)?,
        plan: r.get(2)?,
        status: r.get(3)?,
        click_limit: r.get(4)?,
    })
}

impl Store {
    /// Creates an account.
    pub fn create_account(&self, name: &str, plan: &str, now: i64) -> StoreResult<i64> {
        self.db()?.query_row(
            "INSERT INTO accounts (name, plan, created_at) VALUES (?1, ?2, ?3) RETURNING id",
            params![name, plan, now],
            |r| r.get(0),
        )
    }

    /// An account by id.
    pub fn account(&self, id: i64) -> StoreResult<Option<Account>> {
        self.db()?.query_opt(
            &format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE id = ?1"),
            params![id],
            account_from,
        )
    }

    /// Changes an account's plan, status or click limit; returns the account after.
    pub fn update_account(
        &self,
        id: i64,
        plan: Option<&str>,
        status: Option<&str>,
        click_limit: Option<i64>,
    ) -> StoreResult<Option<Account>> {
        self.write(|tx| tx.update_account(id, plan, status, click_limit))
            .map(|(a, _)| a)
    }

    /// Lets `member` access `account`'s sites. Moves the `sites` version:
    /// the member's kept site list changes.
    pub fn add_member(&self, account: i64, member: i64) -> StoreResult<()> {
        self.changing(super::config::Shared::Sites, |db| {
            db.execute(
                "INSERT INTO team_members (account_id, member_account_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
                params![account, member],
            )
        })?;
        Ok(())
    }
}
