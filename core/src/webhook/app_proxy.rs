//! Shopify app-proxy signatures: which shop a storefront request came
//! through.
//!
//! Shopify forwards a storefront's `/apps/...` request to the app with
//! `shop`, `logged_in_customer_id`, `path_prefix`, `timestamp` and
//! `signature` added to the query. The signature is the lower-case hex
//! HMAC-SHA256, keyed with the app's shared secret, of every other
//! parameter written `key=value` (percent-decoded; a repeated key's values
//! joined with `,` in the order they came), those strings sorted and
//! concatenated with no separator. It is not OAuth's `hmac` parameter
//! (which joins with `&`).
//!
//! What it proves, and what not: Shopify signs *every* proxied visitor's
//! request, so a valid signature says which shop the request went through,
//! never who sent it; and it covers the query only, not the body.

use std::collections::BTreeMap;

use super::{hex, WebhookError};
use crate::decimal::parse_decimal;
use crate::mac::HmacKey;

/// The largest difference between `timestamp` and the verifier's clock, in
/// either direction, seconds (the tolerance Shopify's own libraries use).
pub const APP_PROXY_MAX_AGE: u64 = 90;

/// A verified app-proxy request's parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppProxyRequest {
    /// The `{shop}.myshopify.com` domain the request went through.
    pub shop: String,
    /// When Shopify forwarded it, unix seconds.
    pub timestamp: u64,
    /// The logged-in customer's id; `None` when empty or absent.
    pub logged_in_customer_id: Option<String>,
    /// The storefront path prefix that was proxied (`/apps/...`).
    pub path_prefix: Option<String>,
}

/// The signed message of `query` (a raw query string, without `?`): every
/// parameter but `signature`, as Shopify writes it. Also returns the
/// `signature` values given.
fn message(query: &str) -> (String, Vec<String>) {
    let mut params: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut signatures = Vec::new();
    for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
        if key == "signature" {
            signatures.push(value.into_owned());
        } else {
            params
                .entry(key.into_owned())
                .or_default()
                .push(value.into_owned());
        }
    }
    let mut parts: Vec<String> = params
        .into_iter()
        .map(|(k, v)| format!("{k}={}", v.join(",")))
        .collect();
    // Shopify sorts the `key=value` strings, not the keys: they differ when
    // one key is a prefix of another followed by a byte below `=`.
    parts.sort_unstable();
    (parts.concat(), signatures)
}

/// The signature Shopify would send for `query`'s other parameters, keyed
/// with `secret` (lower-case hex).
pub fn app_proxy_signature(query: &str, secret: &[u8]) -> Result<String, WebhookError> {
    if secret.is_empty() {
        return Err(WebhookError::EmptySecret);
    }
    let (message, _) = message(query);
    let tag = HmacKey::new(secret).tag(&[message.as_bytes()]);
    Ok(String::from_utf8_lossy(&hex::encode(&tag)).into_owned())
}

/// Verifies an app-proxy request's query (raw, without `?`) at `now`:
/// exactly one well-formed `signature` that matches in constant time, a
/// `timestamp` within [`APP_PROXY_MAX_AGE`] of `now`, and a `shop`.
pub fn verify_app_proxy(
    query: &str,
    secret: &[u8],
    now: u64,
) -> Result<AppProxyRequest, WebhookError> {
    if secret.is_empty() {
        return Err(WebhookError::EmptySecret);
    }
    let now = crate::check_time(now)?;
    let (signed, signatures) = message(query);
    let given = match signatures.as_slice() {
        [] => return Err(WebhookError::MissingParameter("signature")),
        [one] => hex::decode(one.as_bytes()).ok_or(WebhookError::InvalidSignatureFormat)?,
        _ => return Err(WebhookError::DuplicateParameter("signature")),
    };
    if !HmacKey::new(secret).verify(&[signed.as_bytes()], &given) {
        return Err(WebhookError::SignatureMismatch);
    }
    // Read only once the signature holds: every value below is Shopify's.
    let single = |name: &'static str| -> Result<Option<String>, WebhookError> {
        let mut values = url::form_urlencoded::parse(query.as_bytes())
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned());
        let first = values.next();
        match values.next() {
            Some(_) => Err(WebhookError::DuplicateParameter(name)),
            None => Ok(first),
        }
    };
    let timestamp = single("timestamp")?.ok_or(WebhookError::MissingParameter("timestamp"))?;
    let timestamp = parse_decimal(timestamp.as_bytes()).ok_or(WebhookError::InvalidTimestamp)?;
    check_age(timestamp, now)?;
    let shop = single("shop")?
        .filter(|s| !s.is_empty())
        .ok_or(WebhookError::MissingParameter("shop"))?;
    Ok(AppProxyRequest {
        shop,
        timestamp,
        logged_in_customer_id: single("logged_in_customer_id")?.filter(|c| !c.is_empty()),
        path_prefix: single("path_prefix")?,
    })
}

fn check_age(timestamp: u64, now: u64) -> Result<(), WebhookError> {
    let tolerance = APP_PROXY_MAX_AGE;
    if now > timestamp.saturating_add(tolerance) {
        return Err(WebhookError::TimestampTooOld {
            timestamp,
            now,
            tolerance,
        });
    }
    if timestamp > now.saturating_add(tolerance) {
        return Err(WebhookError::TimestampInFuture {
            timestamp,
            now,
            tolerance,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Shopify's published example (shopify.dev, "Authenticate app proxies").
    const EXAMPLE: &str = "extra=1&extra=2&shop=shop-name.myshopify.com&logged_in_customer_id=1&path_prefix=%2Fapps%2Fawesome_reviews&timestamp=1317327555&signature=4c68c8624d737112c91818c11017d24d334b524cb5c2b8ba08daa056f7395ddb";

    #[test]
    fn shopifys_example_verifies() {
        let r = verify_app_proxy(EXAMPLE, b"hush", 1_317_327_555).unwrap();
        assert_eq!(r.shop, "shop-name.myshopify.com");
        assert_eq!(r.path_prefix.as_deref(), Some("/apps/awesome_reviews"));
        assert_eq!(r.logged_in_customer_id.as_deref(), Some("1"));
        assert_eq!(
            app_proxy_signature(EXAMPLE, b"hush").unwrap(),
            "4c68c8624d737112c91818c11017d24d334b524cb5c2b8ba08daa056f7395ddb"
        );
    }

    #[test]
    fn tampering_age_and_shape_are_refused() {
        let code = |q: &str, now| verify_app_proxy(q, b"hush", now).unwrap_err().code();
        assert_eq!(
            code(&EXAMPLE.replace("shop-name", "other"), 1_317_327_555),
            "signature_mismatch"
        );
        assert_eq!(code(EXAMPLE, 1_317_327_555 + 91), "timestamp_too_old");
        assert_eq!(code(EXAMPLE, 1_317_327_555 - 91), "timestamp_in_future");
        assert_eq!(
            code(
                &EXAMPLE.replace("&signature=4c", "&signature=4C"),
                1_317_327_555
            ),
            "invalid_signature_format"
        );
        assert_eq!(
            code(&format!("{EXAMPLE}&signature=00"), 1_317_327_555),
            "duplicate_parameter"
        );
        assert_eq!(
            code(
                &EXAMPLE[..EXAMPLE.find("&signature").unwrap()],
                1_317_327_555
            ),
            "missing_parameter"
        );
        assert_eq!(
            verify_app_proxy(EXAMPLE, b"", 0).unwrap_err().code(),
            "empty_secret"
        );
        assert!(verify_app_proxy(EXAMPLE, b"hush", 1_317_327_555 + 90).is_ok());
        // Reordered parameters carry the same signature.
        let reordered = "timestamp=1317327555&path_prefix=%2Fapps%2Fawesome_reviews&extra=1&signature=4c68c8624d737112c91818c11017d24d334b524cb5c2b8ba08daa056f7395ddb&logged_in_customer_id=1&extra=2&shop=shop-name.myshopify.com";
        assert!(verify_app_proxy(reordered, b"hush", 1_317_327_555).is_ok());
        // The order of a repeated key's values is signed.
        let swapped = EXAMPLE.replacen("extra=1&extra=2", "extra=2&extra=1", 1);
        assert_eq!(code(&swapped, 1_317_327_555), "signature_mismatch");
    }
}
