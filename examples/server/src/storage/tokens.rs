//! API tokens, stored as SHA-256 hashes.

use super::db::{params, Lock, Row};

use super::{Shared, Store, StoreResult, MAX_TOKENS};

/// A token as the auth layer needs it.
#[derive(Debug, Clone)]
pub struct TokenRecord {
    /// Id.
    pub id: i64,
    /// Owner.
    pub account_id: i64,
    /// Abilities.
    pub abilities: Vec<String>,
    /// Expiry, unix seconds.
    pub expires_at: i64,
    /// Revoked at.
    pub revoked_at: Option<i64>,
    /// Created at, unix seconds.
    pub created_at: i64,
}

/// Reads `id, account_id, abilities, expires_at, revoked_at, created_at`.
fn token_from(r: &Row) -> StoreResult<TokenRecord> {
    let abilities: String = r.get(2)?;
    Ok(TokenRecord {
        id: r.get(0)?,
        account_id: r.get(1)?,
        abilities: abilities.split(',').map(str::to_owned).collect(),
        expires_at: r.get(3)?,
        revoked_at: r.get(4)?,
        created_at: r.get(5)?,
    })
}

impl Store {
    /// Stores a token hash; refuses past [`MAX_TOKENS`] unrevoked tokens.
    pub fn create_token(
        &self,
        account: i64,
        hash: &str,
        abilities: &[String],
        expires_at: i64,
        now: i64,
    ) -> StoreResult<Option<i64>> {
        self.transaction(|db| {
        db.exclusive(Lock::AccountTokens(account))?;
        let live: i64 = db.query_row(
            "SELECT COUNT(*) FROM tokens WHERE account_id = ?1 AND revoked_at IS NULL AND expires_at > ?2",
            params![account, now],
            |r| r.get(0),
        )?;
        if live >= MAX_TOKENS {
            return Ok(None);
        }
        db.query_row(
            "INSERT INTO tokens (account_id, hash, abilities, expires_at, created_at) VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id",
            params![account, hash, abilities.join(","), expires_at, now],
            |r| r.get(0),
        ).map(Some)
        })
    }

    /// A token by the hash of its text.
    pub fn token_by_hash(&self, hash: &str) -> StoreResult<Option<TokenRecord>> {
        let db = self.db()?;
        db.query_opt(
            "SELECT id, account_id, abilities, expires_at, revoked_at, created_at FROM tokens WHERE hash = ?1",
            params![hash],
            token_from,
        )
    }

    /// An account's tokens, oldest first.
    pub fn tokens_of(&self, account: i64) -> StoreResult<Vec<TokenRecord>> {
        self.db()?.query_map(
            "SELECT id, account_id, abilities, expires_at, revoked_at, created_at FROM tokens WHERE account_id = ?1 ORDER BY id",
            params![account],
            token_from,
        )
    }

    /// Revokes a token; returns whether it existed unrevoked.
    pub fn revoke_token(&self, id: i64, now: i64) -> StoreResult<bool> {
        self.changing(Shared::Credentials, |db| {
            Ok(db.execute(
                "UPDATE tokens SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL",
                params![id, now],
            )? == 1)
        })
    }

    /// Marks a token's expiry (tests of expired tokens).
    pub fn set_token_expiry(&self, id: i64, expires_at: i64) -> StoreResult<()> {
        self.changing(Shared::Credentials, |db| {
            db.execute(
                "UPDATE tokens SET expires_at = ?2 WHERE id = ?1",
                params![id, expires_at],
            )?;
            Ok(())
        })
    }
}
