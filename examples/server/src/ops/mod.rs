//! Operations shared by the API, the command line (and later the
//! dashboard): each validates with the core's rules, stores, and queues its
//! webhook event in one transaction. A rule lives here once; callers only
//! convert their input and present the result.

pub mod accounts;
pub mod blocks;
pub mod shops;
pub mod sites;
pub mod tokens;
pub mod webhooks;

pub use blocks::{block_ip, unblock_ip, BlockRequest};

use crate::storage::StoreError;

/// Why an operation was refused. Each variant has a stable
/// [`code`](OpError::code).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OpError {
    /// The record the operation names does not exist.
    #[error("no {kind} {id}")]
    NotFound {
        /// `account`, `site`, `token`, `endpoint`, `block`.
        kind: &'static str,
        /// What was asked for.
        id: String,
    },
    /// An input failed validation.
    #[error("{field}: {message}")]
    Invalid {
        /// The input at fault.
        field: &'static str,
        /// What is wrong with it.
        message: String,
    },
    /// A per-account limit is reached.
    #[error("{0}")]
    Limit(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl OpError {
    /// A stable `snake_case` code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotFound { .. } => "not_found",
            Self::Invalid { .. } => "invalid",
            Self::Limit(_) => "limit_reached",
            Self::Store(e) => e.code(),
        }
    }

    /// `NotFound` for `kind` `id`.
    pub fn not_found(kind: &'static str, id: impl ToString) -> Self {
        Self::NotFound {
            kind,
            id: id.to_string(),
        }
    }

    /// `Invalid` for `field`.
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid {
            field,
            message: message.into(),
        }
    }
}

/// Shorthand.
pub type OpResult<T> = Result<T, OpError>;
