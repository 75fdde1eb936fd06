//! The receiving side: checking a delivery's signature and freshness, in
//! any [`Scheme`].

use subtle::{Choice, ConstantTimeEq};

use super::received::{self, Received, Tag};
use super::verified::id_digest;
use super::{ed25519, Scheme, Verified, WebhookError};
use crate::decimal::parse_decimal;
use crate::mac::HmacKey;

/// The spec's replay window: 5 minutes.
pub const DEFAULT_TOLERANCE: u64 = 300;
/// Most secrets one verifier holds (rotation needs two; a few more is room).
pub const MAX_SECRETS: usize = 8;
/// Largest accepted tolerance: one day.
pub const MAX_TOLERANCE: u64 = 86_400;

/// Most headers any scheme reads (Standard Webhooks under both names).
const MAX_SCHEME_HEADERS: usize = 6;

/// Verifies deliveries against one or more endpoint secrets, in one scheme.
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
///
/// Another provider's deliveries, GitHub's documented example:
///
/// ```
/// use clickfence::{webhook::Scheme, WebhookVerifier};
/// let verifier = WebhookVerifier::with_scheme(Scheme::GitHub, ["It's a Secret to Everybody"])?;
/// let sig = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
/// verifier.verify([("X-Hub-Signature-256", sig)], b"Hello, World!", 1_777_896_000)?;
/// # Ok::<(), clickfence::WebhookError>(())
/// ```
#[derive(Debug, Clone)]
pub struct WebhookVerifier {
    scheme: Scheme,
    keys: Vec<Key>,
    tolerance: u64,
}

/// A verifier's key: a secret for HMAC, or a public key for `v1a`.
#[derive(Debug, Clone)]
enum Key {
    Hmac(HmacKey),
    Ed25519(ed25519_dalek::VerifyingKey),
}

impl Key {
    fn of(scheme: Scheme, secret: &[u8]) -> Result<Self, WebhookError> {
        match scheme {
            Scheme::StandardV1aExperimental => ed25519::public_key(secret).map(Self::Ed25519),
            _ => scheme.key(secret).map(Self::Hmac),
        }
    }
}

impl WebhookVerifier {
    /// A verifier of this platform's deliveries for `secrets` (bytes as
    /// given; any one matching passes), with the default 300 s tolerance.
    pub fn new<S: AsRef<[u8]>>(secrets: impl IntoIterator<Item = S>) -> Result<Self, WebhookError> {
        Self::with_scheme(Scheme::MyClickShield, secrets)
    }

    /// A verifier of `scheme`'s deliveries for `secrets`, each turned into a
    /// key the scheme's way (see [`Scheme`]), with the default tolerance.
    pub fn with_scheme<S: AsRef<[u8]>>(
        scheme: Scheme,
        secrets: impl IntoIterator<Item = S>,
    ) -> Result<Self, WebhookError> {
        let mut keys = Vec::new();
        for secret in secrets {
            if keys.len() == MAX_SECRETS {
                return Err(WebhookError::SecretCount {
                    got: MAX_SECRETS + 1,
                    max: MAX_SECRETS,
                });
            }
            keys.push(Key::of(scheme, secret.as_ref())?);
        }
        if keys.is_empty() {
            return Err(WebhookError::SecretCount {
                got: 0,
                max: MAX_SECRETS,
            });
        }
        Ok(Self {
            scheme,
            keys,
            tolerance: DEFAULT_TOLERANCE,
        })
    }

    /// Sets the tolerance in seconds (1 to 86400), applied in both
    /// directions. Schemes without a timestamp (GitHub, Shopify) ignore it:
    /// nothing in their deliveries says when they were sent.
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

    /// The scheme this verifier reads.
    pub fn scheme(&self) -> Scheme {
        self.scheme
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
        let names = self.scheme.headers();
        let mut slots: [Option<V>; MAX_SCHEME_HEADERS] = std::array::from_fn(|_| None);
        for (name, value) in headers {
            let name = name.as_ref();
            let Some(i) = names
                .iter()
                .position(|n| name.eq_ignore_ascii_case(n.as_bytes()))
            else {
                continue;
            };
            if slots[i].replace(value).is_some() {
                return Err(WebhookError::DuplicateHeader(names[i]));
            }
        }
        let values = slots.each_ref().map(|v| v.as_ref().map(AsRef::as_ref));
        let received = received::read(self.scheme, &values[..names.len()])?;
        self.check(&received, body, now)
    }

    /// Verifies the default scheme's two header values directly (a verifier
    /// of another scheme refuses with `unsupported_signature_version`).
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
        if self.scheme != Scheme::MyClickShield {
            return Err(WebhookError::UnsupportedSignatureVersion);
        }
        self.check(&received::myclickshield(timestamp, signature)?, body, now)
    }

    /// Freshness, then every secret against every candidate signature.
    fn check(
        &self,
        received: &Received<'_>,
        body: &[u8],
        now: u64,
    ) -> Result<Verified, WebhookError> {
        let now = crate::check_time(now)?;
        let timestamp = match received.timestamp {
            Some(digits) => self.fresh(digits, now)?,
            None => now,
        };
        // The signed text holds the timestamp exactly as received, so "0123"
        // verifies only if it was signed as "0123", as in the spec's sample.
        let ts = received.timestamp.unwrap_or_default();
        let id = received.id.unwrap_or_default();
        let parts: &[&[u8]] = match self.scheme {
            Scheme::MyClickShield | Scheme::Stripe => &[ts, b".", body],
            Scheme::Standard | Scheme::StandardV1aExperimental => &[id, b".", ts, b".", body],
            Scheme::GitHub | Scheme::Shopify => &[body],
        };
        let (secret_index, tag) = self
            .first_match(parts, received.tags.as_ref().map_err(Clone::clone)?)
            .ok_or(WebhookError::SignatureMismatch)?;
        let delivery_id = match self.scheme.has_timestamp() {
            true => None,
            false => received.id.map(id_digest),
        };
        Ok(Verified {
            secret_index,
            timestamp,
            signature: tag,
            scheme: self.scheme,
            delivery_id,
        })
    }

    /// The timestamp's value when within the tolerance of `now`.
    fn fresh(&self, digits: &[u8], now: u64) -> Result<u64, WebhookError> {
        let ts = parse_decimal(digits).ok_or(WebhookError::InvalidTimestamp)?;
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
        Ok(ts)
    }

    /// The first secret (in order) whose tag over `parts` equals one of
    /// `candidates`. Every pair is compared in constant time, with no early
    /// exit, so timing says nothing of which secret or candidate matched.
    /// (An Ed25519 check involves no secret: it needs no constant time.)
    fn first_match(&self, parts: &[&[u8]], candidates: &[Tag]) -> Option<(usize, Tag)> {
        let mut matched = None;
        for (i, key) in self.keys.iter().enumerate() {
            match key {
                Key::Hmac(key) => {
                    let tag = key.tag(parts);
                    for candidate in candidates {
                        let equal: Choice = candidate.as_bytes().ct_eq(&tag);
                        if bool::from(equal) && matched.is_none() {
                            matched = Some((i, *candidate));
                        }
                    }
                }
                Key::Ed25519(key) => {
                    for candidate in candidates {
                        if matched.is_none() && ed25519::verify(key, parts, candidate.as_bytes()) {
                            matched = Some((i, *candidate));
                        }
                    }
                }
            }
        }
        matched
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::webhook::{SIGNATURE_HEADER, TIMESTAMP_HEADER};
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
