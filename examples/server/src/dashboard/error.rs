//! Why a dashboard page cannot be shown, as an HTML page with the status
//! that says so (or, when no one is signed in, a redirect to sign-in).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;

use crate::api::platform::error::ApiError;
use crate::storage::StoreError;

/// A dashboard failure. Each variant has a stable [`code`](DashError::code).
#[derive(Debug, thiserror::Error)]
pub enum DashError {
    /// No live session: go and sign in.
    #[error("not signed in")]
    SignIn,
    /// The credential does not allow this page or action.
    #[error("{0}")]
    Forbidden(String),
    /// The form's CSRF token is missing or wrong.
    #[error("the form is out of date")]
    Csrf,
    /// The record does not exist or the credential cannot see it.
    #[error("not found")]
    NotFound,
    /// An input was refused (its message says which and why).
    #[error("{0}")]
    Invalid(String),
    /// The store or a call below failed.
    #[error("{message}")]
    Failed {
        /// The status to answer with (500 or 503).
        status: StatusCode,
        /// What to tell the user.
        message: String,
    },
}

impl DashError {
    /// A stable `snake_case` code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::SignIn => "sign_in_required",
            Self::Forbidden(_) => "forbidden",
            Self::Csrf => "csrf_mismatch",
            Self::NotFound => "not_found",
            Self::Invalid(_) => "invalid",
            Self::Failed { .. } => "failed",
        }
    }

    /// The page's status.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::SignIn => StatusCode::SEE_OTHER,
            Self::Forbidden(_) | Self::Csrf => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Failed { status, .. } => *status,
        }
    }

    /// Needs `what`.
    pub fn needs(what: &str) -> Self {
        Self::Forbidden(format!("This page needs {what}."))
    }
}

impl From<StoreError> for DashError {
    fn from(e: StoreError) -> Self {
        let status = crate::surface::storage_status(&e);
        if status == StatusCode::SERVICE_UNAVAILABLE {
            return Self::Failed {
                status,
                message: crate::surface::UNAVAILABLE.into(),
            };
        }
        tracing::error!(error = %e, code = e.code(), "dashboard: store failed");
        Self::Failed {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            message: "Something went wrong on our side.".into(),
        }
    }
}

impl From<ApiError> for DashError {
    fn from(e: ApiError) -> Self {
        match e.status {
            StatusCode::NOT_FOUND => Self::NotFound,
            StatusCode::UNPROCESSABLE_ENTITY | StatusCode::BAD_REQUEST => Self::Invalid(e.message),
            StatusCode::FORBIDDEN | StatusCode::PAYMENT_REQUIRED => Self::Forbidden(e.message),
            StatusCode::UNAUTHORIZED => Self::SignIn,
            status => Self::Failed {
                status,
                message: e.message,
            },
        }
    }
}

impl From<crate::ops::OpError> for DashError {
    fn from(e: crate::ops::OpError) -> Self {
        use crate::ops::OpError;
        match e {
            OpError::NotFound { .. } => Self::NotFound,
            OpError::Invalid { field, message } => Self::Invalid(format!("{field}: {message}")),
            OpError::Limit(message) => Self::Invalid(message),
            OpError::Store(e) => e.into(),
        }
    }
}

impl From<crate::api::edge::EdgeError> for DashError {
    fn from(e: crate::api::edge::EdgeError) -> Self {
        match e.status {
            StatusCode::BAD_REQUEST => Self::Invalid(e.message),
            status => Self::Failed {
                status,
                message: e.message,
            },
        }
    }
}

impl From<crate::api::signing::SigningError> for DashError {
    fn from(e: crate::api::signing::SigningError) -> Self {
        match e.status {
            StatusCode::BAD_REQUEST => Self::Invalid(e.message),
            status => Self::Failed {
                status,
                message: e.message,
            },
        }
    }
}

impl IntoResponse for DashError {
    fn into_response(self) -> Response {
        if matches!(self, Self::SignIn) {
            return Redirect::to("/dashboard/login").into_response();
        }
        let status = self.status();
        let title = status.canonical_reason().unwrap_or("Error");
        let body = html! {
            h1 { (title) }
            p.notice.error role="alert" { (self.to_string()) }
            p { a href="/dashboard/" { "Back to the dashboard" } }
        };
        (status, super::layout::page(None, title, body)).into_response()
    }
}
