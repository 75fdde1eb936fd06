//! Submitted forms (`application/x-www-form-urlencoded`), read whole and
//! bounded, and the cross-site checks every dashboard POST passes.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{header, HeaderMap};

use super::{DashError, DashResult};

/// Largest form body accepted.
pub const MAX_FORM_BYTES: usize = 16 * 1024;

/// The fields of a submitted form, in order (a name may repeat, as a
/// group of checkboxes does).
#[derive(Debug, Default)]
pub struct Form(pub Vec<(String, String)>);

impl Form {
    /// The first value of `name`, trimmed; `None` when absent or empty.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    }

    /// Every value of `name`.
    pub fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .collect()
    }
}

impl<S: Send + Sync> FromRequest<S> for Form {
    type Rejection = DashError;

    async fn from_request(request: Request, state: &S) -> DashResult<Self> {
        same_origin(request.headers())?;
        let is_form = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        if !is_form {
            return Err(DashError::Invalid("Send the form as a web form.".into()));
        }
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|_| DashError::Invalid("The form could not be read.".into()))?;
        if bytes.len() > MAX_FORM_BYTES {
            return Err(DashError::Invalid("The form is too large.".into()));
        }
        Ok(Self(form_urlencoded::parse(&bytes).into_owned().collect()))
    }
}

/// Refuses a POST another site's page made: the browser says so
/// (`Sec-Fetch-Site: cross-site`), or its `Origin` names another host.
/// The CSRF token is the real check; this one stops the request before
/// any work when the browser tells us.
pub fn same_origin(headers: &HeaderMap) -> DashResult<()> {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if text("sec-fetch-site") == Some("cross-site") {
        return Err(DashError::Csrf);
    }
    let Some(origin) = text("origin") else {
        return Ok(());
    };
    let host = text("host").unwrap_or("");
    let authority = url::Url::parse(origin).ok().and_then(|u| {
        let host = u.host_str()?.to_owned();
        Some(match u.port() {
            Some(p) => format!("{host}:{p}"),
            None => host,
        })
    });
    match authority {
        Some(a) if a.eq_ignore_ascii_case(host) => Ok(()),
        _ => Err(DashError::Csrf),
    }
}
