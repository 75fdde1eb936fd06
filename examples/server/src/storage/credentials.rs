//! Successful token lookups kept in memory, so an authenticated platform
//! read costs no database round trip for its credential.
//!
//! Only a live token whose account exists is ever kept, so a spray of
//! random or revoked tokens cannot fill the cache; it holds at most
//! [`CAPACITY`] entries (past that, lookups simply go to the database).
//! Every write that changes what a lookup would answer (a revocation, a
//! token's expiry, an account's plan or status) bumps the `credentials`
//! version in its transaction and empties this instance's cache on commit;
//! other instances empty theirs when they see the version move (within a
//! second, [`crate::fleet`]). An entry also lapses after [`MAX_AGE_SECS`]
//! and at its token's own expiry, whatever happens to the fleet's polling.

use super::kept::Kept;
use super::{Account, TokenRecord};

/// The most entries kept: far above the live tokens of a deployment.
pub const CAPACITY: usize = 10_000;
/// The longest an entry is believed without asking the database again.
pub const MAX_AGE_SECS: i64 = 60;

/// A token and its account, as last read.
#[derive(Debug, Clone)]
pub struct Credential {
    /// The token.
    pub token: TokenRecord,
    /// Its account.
    pub account: Account,
}

/// The cache: credentials by token hash.
#[derive(Debug)]
pub struct Credentials(Kept<String, Credential>);

impl Default for Credentials {
    fn default() -> Self {
        Self(Kept::new(CAPACITY, MAX_AGE_SECS))
    }
}

impl Credentials {
    /// The live credential stored under `hash` at `now`, if kept.
    pub fn get(&self, hash: &str, now: i64) -> Option<Credential> {
        let c = self.0.get(hash, now)?;
        let live = c.token.revoked_at.is_none() && c.token.expires_at > now;
        live.then_some(c)
    }

    /// The generation to pass to [`keep`](Self::keep), read before the
    /// database is.
    pub fn generation(&self) -> u64 {
        self.0.generation()
    }

    /// Keeps a successful lookup read at `generation`, unless something
    /// changed since (or the cache is full).
    pub fn keep(&self, generation: u64, hash: &str, credential: Credential, now: i64) {
        self.0.keep(generation, hash.to_owned(), credential, now);
    }

    /// Forgets everything: a credential changed here or elsewhere.
    pub fn forget(&self) {
        self.0.forget();
    }

    /// How many entries are kept.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether none is kept.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}
