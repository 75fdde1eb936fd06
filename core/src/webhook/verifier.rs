//! The receiving side: checking a delivery's signature and freshness.

use subtle::{Choice, ConstantTimeEq};

use super::signer::{SIGNATURE_HEADER, TIMESTAMP_HEADER};
use super::{hex, WebhookError};
use crate::decimal::parse_decimal;
use crate::mac::HmacKey;

/// The spec's replay window: 5 minutes.
pub const DEFAULT_TOLERANCE: u64 = 300;
/// Most secrets one verifier holds (rotation needs two; a few more is room).
pub const MAX_SECRETS: usize = 8;
/// Largest accepted tolerance: one day.
pub const MAX_TOLERANCE: u64 = 86_400;

/// A delivery that passed verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verified {
    /// Index, in the order given, of the secret that matched.
    pub secret_index: usize,
    /// The delivery's timestamp, unix seconds.
    pub timestamp: u64,
    /// The verified signature, for a [`ReplayGuard`](super::ReplayGuard).
    pub signature: [u8; 32],
}

/// Verifies deliveries against one or more endpoint secrets.
///
/// ```
/// use clickfence::{WebhookSigner, WebhookVerifier};
/// let body = br#"{"event":"ip.blocked","data":{},"sent_at":"2026-05-04T12:00:00+00:00"}"#;
/// let sig = WebhookSigner::new("whsec")?.sign(1_777_896_000, body);
/// let headers = [("x-myclickshield-timestamp", "1777896000"), ("x-myclickshield-signature", sig.as_str())];
/// let verified = WebhookVerifier::new(["whsec"])?.verify(headers, body, 1_777_896_100)?;
/// assert_eq!(verified.secret_index, 0);
/// # Ok::<(), clickfence::WebhookError>(())
/// ```
#[derive(Debug, Clone)]
pub struct WebhookVerifier {
    keys: Vec<HmacKey>,
    tolerance: u64,
}

impl WebhookVerifier {
    /// A verifier for `secrets` (bytes as given; any one matching passes), with
    /// the default 300 s tolerance.
    pub fn new<S: AsRef<[u8]>>(secrets: impl IntoIterator<Item = S>) -> Result<Self, WebhookError> {
        let mut keys = Vec::new();
        for secret in secrets {
            let secret = secret.as_ref();
            if secret.is_empty() {
                return Err(WebhookError::EmptySecret);
            }
            keys.push(HmacKey::new(secret));
        }
        if keys.is_empty() || keys.len() > MAX_SECRETS {
            return Err(WebhookError::SecretCount {
                got: keys.len(),
                max: MAX_SECRETS,
            });
        }
        Ok(Self {
            keys,
            tolerance: DEFAULT_TOLERANCE,
        })
    }

    /// Sets the tolerance in seconds (1 to 86400), applied in both directions.
    pub fn with_tolerance(mut self, tolerance: u64) -> Result<Self, WebhookError> {
        if !(1..=MAX_TOLERANCE).contains(&tolerance) {
            return Err(WebhookError::InvalidTolerance(tolerance));
        }
        self.tolerance = tolerance;
        Ok(self)
    }

    /// The tolerance in seconds.
    pub fn tolerance(&self) -> u64 {
        self.tolerance
    }

    /// Verifies a delivery from its headers (names matched case-insensitively,
    /// each at most once) and its raw body bytes, at `now` (unix seconds).
    pub fn verify<N, V>(
        &self,
        headers: impl IntoIterator<Item = (N, V)>,
        body: &[u8],
        now: u64,
    ) -> Result<Verified, WebhookError>
    where
        N: AsRef<[u8]>,
        V: AsRef<[u8]>,
    {
        let mut timestamp: Option<V> = None;
        let mut signature: Option<V> = None;
        for (name, value) in headers {
            let name = name.as_ref();
            let (slot, label) = if name.eq_ignore_ascii_case(TIMESTAMP_HEADER.as_bytes()) {
                (&mut timestamp, TIMESTAMP_HEADER)
            } else if name.eq_ignore_ascii_case(SIGNATURE_HEADER.as_bytes()) {
                (&mut signature, SIGNATURE_HEADER)
            } else {
                continue;
            };
            if slot.replace(value).is_some() {
                return Err(WebhookError::DuplicateHeader(label));
            }
        }
        let timestamp = timestamp.ok_or(WebhookError::MissingHeader(TIMESTAMP_HEADER))?;
        let signature = signature.ok_or(WebhookError::MissingHeader(SIGNATURE_HEADER))?;
        self.verify_parts(timestamp.as_ref(), signature.as_ref(), body, now)
    }

    /// Verifies a delivery from the two header values directly.
    ///
    /// Checks run cheapest first, and no HMAC is computed for malformed or
    /// stale input: timestamp digits, tolerance, signature format, then the
    /// constant-time comparison against every secret.
    pub fn verify_parts(
        &self,
        timestamp: &[u8],
        signature: &[u8],
        body: &[u8],
        now: u64,
    ) -> Result<Verified, WebhookError> {
        let now = crate::check_time(now)?;
        let ts = parse_decimal(timestamp).ok_or(WebhookError::InvalidTimestamp)?;
        let tolerance = self.tolerance;
        if ts < now.saturating_sub(tolerance) {
            return Err(WebhookError::TimestampTooOld {
                timestamp: ts,
                now,
                tolerance,
            });
        }
        if ts > now.saturating_add(tolerance) {
            return Err(WebhookError::TimestampInFuture {
                timestamp: ts,
                now,
                tolerance,
            });
        }
        let expected = hex::decode(signature).ok_or(WebhookError::InvalidSignatureFormat)?;
        // The signed text is the timestamp exactly as received, so "0123"
        // verifies only if it was signed as "0123", as in the spec's sample.
        let mut matched = None;
        for (i, key) in self.keys.iter().enumerate() {
            let tag = key.tag(&[timestamp, b".", body]);
            let equal: Choice = tag.ct_eq(&expected);
            if bool::from(equal) && matched.is_none() {
                matched = Some(i);
            }
        }
        match matched {
            Some(secret_index) => Ok(Verified {
                secret_index,
                timestamp: ts,
                signature: expected,
            }),
            None => Err(WebhookError::SignatureMismatch),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::WebhookSigner;

    const NOW: u64 = 1_777_896_000;

    fn headers(ts: &str, sig: &str) -> [(&'static str, String); 2] {
        [
            (TIMESTAMP_HEADER, ts.to_owned()),
            (SIGNATURE_HEADER, sig.to_owned()),
        ]
    }

    #[test]
    fn tolerance_is_inclusive_in_both_directions() {
        let s = WebhookSigner::new("k").unwrap();
        let v = WebhookVerifier::new(["k"]).unwrap();
        for ts in [NOW - 300, NOW + 300] {
            let sig = s.sign(ts, b"{}");
            assert!(v.verify(headers(&ts.to_string(), &sig), b"{}", NOW).is_ok());
        }
        let old = NOW - 301;
        let err = v
            .verify(headers(&old.to_string(), &s.sign(old, b"{}")), b"{}", NOW)
            .unwrap_err();
        assert_eq!(err.code(), "timestamp_too_old");
        let new = NOW + 301;
        let err = v
            .verify(headers(&new.to_string(), &s.sign(new, b"{}")), b"{}", NOW)
            .unwrap_err();
        assert_eq!(err.code(), "timestamp_in_future");
    }

    #[test]
    fn rotation_reports_which_secret_matched() {
        let v = WebhookVerifier::new(["old", "new"]).unwrap();
        let sig = WebhookSigner::new("new").unwrap().sign(NOW, b"x");
        assert_eq!(
            v.verify(headers(&NOW.to_string(), &sig), b"x", NOW)
                .unwrap()
                .secret_index,
            1
        );
    }

    #[test]
    fn header_names_are_case_insensitive_and_unique() {
        let v = WebhookVerifier::new(["k"]).unwrap();
        let sig = WebhookSigner::new("k").unwrap().sign(NOW, b"x");
        let ts = NOW.to_string();
        let mixed = [
            ("X-MYCLICKSHIELD-TIMESTAMP", ts.as_str()),
            ("x-MyClickShield-signature", sig.as_str()),
        ];
        assert!(v.verify(mixed, b"x", NOW).is_ok());
        let dup = [
            ("x-myclickshield-timestamp", ts.as_str()),
            ("x-myclickshield-timestamp", ts.as_str()),
            ("x-myclickshield-signature", sig.as_str()),
        ];
        assert_eq!(
            v.verify(dup, b"x", NOW).unwrap_err().code(),
            "duplicate_header"
        );
        let none: [(&str, &str); 0] = [];
        assert_eq!(
            v.verify(none, b"x", NOW).unwrap_err(),
            WebhookError::MissingHeader(TIMESTAMP_HEADER)
        );
    }

    #[test]
    fn construction_is_validated() {
        assert_eq!(
            WebhookVerifier::new([""]).unwrap_err().code(),
            "empty_secret"
        );
        let none: [&str; 0] = [];
        assert_eq!(
            WebhookVerifier::new(none).unwrap_err().code(),
            "invalid_secret_count"
        );
        assert_eq!(
            WebhookVerifier::new(["k"; 9]).unwrap_err().code(),
            "invalid_secret_count"
        );
        let v = WebhookVerifier::new(["k"]).unwrap();
        assert_eq!(
            v.clone().with_tolerance(0).unwrap_err().code(),
            "invalid_tolerance"
        );
        assert_eq!(v.with_tolerance(60).unwrap().tolerance(), 60);
    }
}
