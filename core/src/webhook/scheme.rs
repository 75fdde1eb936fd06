//! The signature schemes a receiver meets: ours and four providers'. A
//! scheme says which headers carry the timestamp, id and signatures, how a
//! secret becomes an HMAC key, and what bytes are signed. Everything else
//! (the constant-time compare, tolerance, rotation, replay keys, errors) is
//! the verifier's one implementation.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;

use super::WebhookError;
use crate::mac::HmacKey;

/// How a delivery's headers, secret and signature are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Scheme {
    /// This platform's `X-MyClickShield-Timestamp` / `-Signature`: lower-case
    /// hex HMAC-SHA256 over `"{timestamp}.{body}"`, keyed with the secret's
    /// bytes as given.
    #[default]
    MyClickShield,
    /// [Standard Webhooks](https://www.standardwebhooks.com/) (and Svix's
    /// `svix-*` header names): `webhook-id`, `webhook-timestamp`,
    /// `webhook-signature: v1,<base64> [v1,<base64> ...]` over
    /// `"{id}.{timestamp}.{body}"`. The key is the base64 *decoding* of the
    /// part after `whsec_`, not the string's bytes.
    Standard,
    /// **Experimental.** Standard Webhooks' asymmetric `v1a` signatures:
    /// the same headers, `v1a,<base64 Ed25519 signature>` entries, verified
    /// with `whpk_` public keys and signed with `whsk_` secret keys (base64
    /// of the 32-byte key, or of the 64-byte seed-and-public-key pair). The
    /// reference libraries do not implement it yet; its name says so, and it
    /// may change with the specification.
    StandardV1aExperimental,
    /// Stripe: `Stripe-Signature: t=<unix>,v1=<hex>[,v1=<hex>]` over
    /// `"{t}.{body}"`. The key is the whole `whsec_...` string's bytes, not
    /// decoded.
    Stripe,
    /// GitHub: `X-Hub-Signature-256: sha256=<hex>` over the body alone, keyed
    /// with the secret's bytes. No timestamp: the tolerance does not apply.
    /// The SHA-1 `X-Hub-Signature` is refused.
    GitHub,
    /// Shopify: `X-Shopify-Hmac-Sha256: <base64>` over the body alone, keyed
    /// with the app's client secret bytes. No timestamp: the tolerance does
    /// not apply.
    Shopify,
}

/// Fewest bytes a Standard Webhooks key may decode to (its libraries make
/// 24 to 64).
pub const MIN_STANDARD_KEY: usize = 16;

/// Every scheme, in documentation order.
pub const SCHEMES: [Scheme; 6] = [
    Scheme::MyClickShield,
    Scheme::Standard,
    Scheme::StandardV1aExperimental,
    Scheme::Stripe,
    Scheme::GitHub,
    Scheme::Shopify,
];

impl Scheme {
    /// The scheme's stable name (`"myclickshield"`, `"standard"`,
    /// `"standard-v1a-experimental"`, `"stripe"`, `"github"`, `"shopify"`),
    /// as every binding spells it.
    pub fn name(self) -> &'static str {
        match self {
            Self::MyClickShield => "myclickshield",
            Self::Standard => "standard",
            Self::StandardV1aExperimental => "standard-v1a-experimental",
            Self::Stripe => "stripe",
            Self::GitHub => "github",
            Self::Shopify => "shopify",
        }
    }

    /// The scheme called `name` (exact, lower-case); `unknown_scheme` else.
    pub fn from_name(name: &str) -> Result<Self, WebhookError> {
        SCHEMES
            .into_iter()
            .find(|s| s.name() == name)
            .ok_or_else(|| WebhookError::UnknownScheme(name.chars().take(40).collect()))
    }

    /// The header names this scheme reads, lower-case. A binding that copies
    /// headers out of a framework's request copies only these.
    pub fn headers(self) -> &'static [&'static str] {
        match self {
            Self::MyClickShield => &["x-myclickshield-timestamp", "x-myclickshield-signature"],
            Self::Standard | Self::StandardV1aExperimental => &[
                "webhook-id",
                "webhook-timestamp",
                "webhook-signature",
                "svix-id",
                "svix-timestamp",
                "svix-signature",
            ],
            Self::Stripe => &["stripe-signature"],
            Self::GitHub => &[
                "x-hub-signature-256",
                "x-hub-signature",
                "x-github-delivery",
            ],
            Self::Shopify => &["x-shopify-hmac-sha256", "x-shopify-webhook-id"],
        }
    }

    /// Whether deliveries carry a signed timestamp (and so the tolerance
    /// applies). GitHub and Shopify sign the body only.
    pub fn has_timestamp(self) -> bool {
        !matches!(self, Self::GitHub | Self::Shopify)
    }

    /// The header naming a delivery for the replay guard of a scheme without
    /// a timestamp (`X-GitHub-Delivery`, `X-Shopify-Webhook-Id`).
    pub fn delivery_id_header(self) -> Option<&'static str> {
        match self {
            Self::GitHub => Some("X-GitHub-Delivery"),
            Self::Shopify => Some("X-Shopify-Webhook-Id"),
            _ => None,
        }
    }

    /// The HMAC key of `secret` in this scheme: the one place each
    /// provider's key derivation lives (the Ed25519 scheme's keys are
    /// [`super::ed25519`]'s).
    pub(crate) fn key(self, secret: &[u8]) -> Result<HmacKey, WebhookError> {
        if secret.is_empty() {
            return Err(WebhookError::EmptySecret);
        }
        match self {
            Self::StandardV1aExperimental => Err(WebhookError::InvalidSecret(self.name())),
            Self::Standard => {
                let encoded = secret.strip_prefix(b"whsec_").unwrap_or(secret);
                let key = BASE64
                    .decode(encoded)
                    .map_err(|_| WebhookError::InvalidSecret(self.name()))?;
                if key.is_empty() {
                    return Err(WebhookError::EmptySecret);
                }
                // A typo'd or placeholder secret that decodes to a few bytes
                // would still "verify": refuse keys a guess could find.
                if key.len() < MIN_STANDARD_KEY {
                    return Err(WebhookError::InvalidSecret(self.name()));
                }
                Ok(HmacKey::new(&key))
            }
            _ => Ok(HmacKey::new(secret)),
        }
    }
}

impl std::fmt::Display for Scheme {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Scheme {
    type Err = WebhookError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::from_name(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_names_are_refused() {
        for s in SCHEMES {
            assert_eq!(Scheme::from_name(s.name()).unwrap(), s);
            assert!(s
                .headers()
                .iter()
                .all(|h| h.bytes().all(|b| !b.is_ascii_uppercase())));
        }
        assert_eq!(
            Scheme::from_name("Stripe").unwrap_err().code(),
            "unknown_scheme"
        );
        assert_eq!(Scheme::default(), Scheme::MyClickShield);
    }

    #[test]
    fn standard_keys_are_decoded_and_others_are_not() {
        // "0123456789abcdef" in base64.
        let decoded = HmacKey::new(b"0123456789abcdef");
        let tag = |k: &HmacKey| k.tag(&[b"m"]);
        let standard = Scheme::Standard
            .key(b"whsec_MDEyMzQ1Njc4OWFiY2RlZg==")
            .unwrap();
        assert_eq!(tag(&standard), tag(&decoded));
        // The prefix is optional, as in the reference libraries.
        let bare = Scheme::Standard.key(b"MDEyMzQ1Njc4OWFiY2RlZg==").unwrap();
        assert_eq!(tag(&bare), tag(&decoded));
        let stripe = Scheme::Stripe.key(b"whsec_AQID").unwrap();
        assert_eq!(tag(&stripe), tag(&HmacKey::new(b"whsec_AQID")));
        // Three bytes decode cleanly but are a key anyone could guess.
        assert_eq!(
            Scheme::Standard.key(b"whsec_AQID").unwrap_err().code(),
            "invalid_secret"
        );
        assert_eq!(
            Scheme::Standard
                .key(b"whsec_not base64!")
                .unwrap_err()
                .code(),
            "invalid_secret"
        );
        assert_eq!(
            Scheme::Standard.key(b"whsec_").unwrap_err().code(),
            "empty_secret"
        );
    }
}
