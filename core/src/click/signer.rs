//! The ad network's side: appending `expires` and `signature` to a click URL.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;

use super::url::{append_separator, check_canonical, check_signable, EXPIRES, SIGNATURE};
use super::ClickError;
use crate::decimal::write_decimal;
use crate::mac::HmacKey;

/// How the `expires` parameter is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ExpiresFormat {
    /// Unix seconds, as the spec's prose describes (`expires=1597657118`).
    #[default]
    Seconds,
    /// Unix milliseconds, as the spec's Java sample writes
    /// (`System.currentTimeMillis() + ttl`).
    Millis,
}

/// Signs click URLs with one secret key, keyed once.
///
/// ```
/// use clickfence::ClickSigner;
/// let signer = ClickSigner::new("zGW6Rhrmb8+vuhHtL/Kp6rW5Ci9PNsjH1J5MGO9SIeg=")?;
/// let signed = signer.sign("https://app.appsflyer.com/com.app.id?pid=net", 1_597_657_118)?;
/// assert!(signed.starts_with("https://app.appsflyer.com/com.app.id?pid=net&expires=1597657118&signature="));
/// # Ok::<(), clickfence::ClickError>(())
/// ```
#[derive(Debug, Clone)]
pub struct ClickSigner {
    key: HmacKey,
}

impl ClickSigner {
    /// Keys a signer with `secret`'s bytes exactly as given. A base64 secret
    /// from the generate-key API is used as text, not decoded, as the spec's
    /// Java sample does with `secretKey.getBytes()`.
    pub fn new(secret: impl AsRef<[u8]>) -> Result<Self, ClickError> {
        let secret = secret.as_ref();
        if secret.is_empty() {
            return Err(ClickError::EmptySecret);
        }
        Ok(Self {
            key: HmacKey::new(secret),
        })
    }

    /// Appends `expires=<unix seconds>` and `signature=<base64url HMAC>` to
    /// `url`, which must already be percent-encoded.
    pub fn sign(&self, url: &str, expires: u64) -> Result<String, ClickError> {
        self.sign_with(url, expires, ExpiresFormat::Seconds)
    }

    /// Like [`sign`](Self::sign), writing `expires` (given in unix seconds) in
    /// `format`.
    pub fn sign_with(
        &self,
        url: &str,
        expires: u64,
        format: ExpiresFormat,
    ) -> Result<String, ClickError> {
        check_signable(url)?;
        check_canonical(url)?;
        let expires = match format {
            ExpiresFormat::Seconds => expires,
            ExpiresFormat::Millis => expires.saturating_mul(1000),
        };
        // url + sep + "expires=" + 20 digits + "&signature=" + 43 chars.
        let mut out = String::with_capacity(url.len() + 1 + EXPIRES.len() + 21 + 12 + 43);
        out.push_str(url);
        out.push_str(append_separator(url));
        out.push_str(EXPIRES);
        out.push('=');
        out.push_str(write_decimal(expires, &mut [0; 20]));
        let tag = self.key.tag(&[out.as_bytes()]);
        out.push('&');
        out.push_str(SIGNATURE);
        out.push('=');
        URL_SAFE_NO_PAD.encode_string(tag, &mut out);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_secret_is_refused() {
        assert_eq!(ClickSigner::new("").unwrap_err(), ClickError::EmptySecret);
    }

    #[test]
    fn url_without_query_gets_a_question_mark() {
        let s = ClickSigner::new("k").unwrap();
        assert!(s
            .sign("https://a.b/c", 5)
            .unwrap()
            .starts_with("https://a.b/c?expires=5&signature="));
        assert!(s
            .sign("https://a.b/c?", 5)
            .unwrap()
            .starts_with("https://a.b/c?expires=5&signature="));
    }

    #[test]
    fn millis_multiplies_seconds() {
        let s = ClickSigner::new("k").unwrap();
        let out = s
            .sign_with("https://a.b/c?x=1", 1_597_657_118, ExpiresFormat::Millis)
            .unwrap();
        assert!(out.contains("&expires=1597657118000&signature="));
    }
}
