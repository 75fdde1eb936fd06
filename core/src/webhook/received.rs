//! What a delivery's headers say, read per [`Scheme`]: the timestamp and id
//! as received, and the candidate signatures, decoded. No HMAC here; the
//! verifier compares.

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use smallvec::SmallVec;

use super::signer::{SIGNATURE_HEADER, TIMESTAMP_HEADER};
use super::{hex, Scheme, Signature, WebhookError};

/// Most signatures one delivery may carry (Standard Webhooks and Stripe
/// send one per active secret; a few is rotation, hundreds is an attack on
/// the verifier's time).
pub(crate) const MAX_SIGNATURES: usize = 16;

/// A candidate signature: a 32-byte HMAC-SHA256 tag, or a 64-byte Ed25519
/// signature (`v1a`).
pub(crate) type Tag = Signature;

/// A delivery's signed parts as received.
#[derive(Debug)]
pub(crate) struct Received<'a> {
    /// Timestamp digits exactly as sent (signed as sent); `None` for schemes
    /// without one.
    pub timestamp: Option<&'a [u8]>,
    /// Standard Webhooks' `webhook-id` (signed), or GitHub's and Shopify's
    /// delivery id (not signed; used only as a replay key).
    pub id: Option<&'a [u8]>,
    /// The signatures to compare, decoded, or why they cannot be: reported
    /// only after the timestamp is found fresh, so a stale delivery is
    /// called stale whatever its signature looks like.
    pub tags: Result<Tags, WebhookError>,
}

/// Candidate tags: one, or a few in rotation.
pub(crate) type Tags = SmallVec<[Tag; 2]>;

fn one(tag: [u8; 32]) -> Tags {
    let mut tags = SmallVec::new();
    tags.push(tag.into());
    tags
}

/// Reads `values`, the scheme's headers in [`Scheme::headers`] order.
pub(crate) fn read<'a>(
    scheme: Scheme,
    values: &[Option<&'a [u8]>],
) -> Result<Received<'a>, WebhookError> {
    let at = |i: usize| values.get(i).copied().flatten();
    match scheme {
        Scheme::MyClickShield => {
            let timestamp = at(0).ok_or(WebhookError::MissingHeader(TIMESTAMP_HEADER))?;
            let signature = at(1).ok_or(WebhookError::MissingHeader(SIGNATURE_HEADER))?;
            myclickshield(timestamp, signature)
        }
        Scheme::Standard | Scheme::StandardV1aExperimental => standard(
            either(at(0), at(3), "webhook-id")?,
            either(at(1), at(4), "webhook-timestamp")?,
            either(at(2), at(5), "webhook-signature")?,
            if scheme == Scheme::Standard {
                Version::V1
            } else {
                Version::V1a
            },
        ),
        Scheme::Stripe => stripe(at(0).ok_or(WebhookError::MissingHeader("Stripe-Signature"))?),
        Scheme::GitHub => github(at(0), at(1), at(2)),
        Scheme::Shopify => shopify(at(0), at(1)),
    }
}

/// This platform's two headers: digits and 64 lower-case hex characters.
pub(crate) fn myclickshield<'a>(
    timestamp: &'a [u8],
    signature: &[u8],
) -> Result<Received<'a>, WebhookError> {
    Ok(Received {
        timestamp: Some(timestamp),
        id: None,
        tags: hex::decode(signature)
            .map(one)
            .ok_or(WebhookError::InvalidSignatureFormat),
    })
}

/// A Standard Webhooks header under its `webhook-` or `svix-` name; both
/// at once is ambiguous and refused.
fn either<'a>(
    standard: Option<&'a [u8]>,
    svix: Option<&'a [u8]>,
    name: &'static str,
) -> Result<&'a [u8], WebhookError> {
    match (standard, svix) {
        (Some(_), Some(_)) => Err(WebhookError::DuplicateHeader(name)),
        (Some(v), None) | (None, Some(v)) => Ok(v),
        (None, None) => Err(WebhookError::MissingHeader(name)),
    }
}

/// Which Standard Webhooks signatures a verifier reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Version {
    /// `v1,<base64 of 32 bytes>`: HMAC-SHA256.
    V1,
    /// `v1a,<base64 of 64 bytes>`: Ed25519.
    V1a,
}

/// `v1,<base64>` (or `v1a,<base64>`) entries separated by spaces.
fn standard<'a>(
    id: &'a [u8],
    timestamp: &'a [u8],
    signature: &[u8],
    version: Version,
) -> Result<Received<'a>, WebhookError> {
    Ok(Received {
        timestamp: Some(timestamp),
        id: Some(id),
        tags: standard_tags(signature, version),
    })
}

/// The entries of `version`; other versions are skipped, and a header
/// without any says so.
fn standard_tags(signature: &[u8], wanted: Version) -> Result<Tags, WebhookError> {
    let mut tags = SmallVec::new();
    let mut entries = 0;
    for entry in signature.split(|&b| b == b' ').filter(|e| !e.is_empty()) {
        entries += 1;
        if entries > MAX_SIGNATURES {
            return Err(WebhookError::InvalidSignatureFormat);
        }
        let comma = entry
            .iter()
            .position(|&b| b == b',')
            .ok_or(WebhookError::InvalidSignatureFormat)?;
        let (version, value) = (&entry[..comma], &entry[comma + 1..]);
        match (version, wanted) {
            (b"v1", Version::V1) => tags.push(base64_exact::<32>(value)?.into()),
            (b"v1a", Version::V1a) => tags.push(Signature::new(&base64_exact::<64>(value)?)),
            _ => {}
        }
    }
    if entries == 0 {
        return Err(WebhookError::InvalidSignatureFormat);
    }
    if tags.is_empty() {
        return Err(WebhookError::UnsupportedSignatureVersion);
    }
    Ok(tags)
}

/// `t=<digits>,v1=<hex>[,v1=<hex>][,v0=...]`: one `t`, at least one `v1`.
fn stripe(header: &[u8]) -> Result<Received<'_>, WebhookError> {
    let mut timestamp = None;
    let mut signatures: SmallVec<[&[u8]; 2]> = SmallVec::new();
    let mut other = false;
    for (n, item) in header.split(|&b| b == b',').enumerate() {
        if n >= MAX_SIGNATURES + 2 {
            return Err(WebhookError::InvalidSignatureFormat);
        }
        let eq = item
            .iter()
            .position(|&b| b == b'=')
            .ok_or(WebhookError::InvalidSignatureFormat)?;
        let (key, value) = (&item[..eq], &item[eq + 1..]);
        match key {
            b"t" => {
                if timestamp.replace(value).is_some() {
                    return Err(WebhookError::DuplicateParameter("t"));
                }
            }
            b"v1" => signatures.push(value),
            _ => other = true,
        }
    }
    let timestamp = timestamp.ok_or(WebhookError::MissingParameter("t"))?;
    let tags = match (signatures.is_empty(), other) {
        (true, true) => Err(WebhookError::UnsupportedSignatureVersion),
        (true, false) => Err(WebhookError::InvalidSignatureFormat),
        (false, _) => signatures
            .iter()
            .map(|v| {
                hex::decode(v)
                    .map(Signature::from)
                    .ok_or(WebhookError::InvalidSignatureFormat)
            })
            .collect(),
    };
    Ok(Received {
        timestamp: Some(timestamp),
        id: None,
        tags,
    })
}

/// `X-Hub-Signature-256: sha256=<hex>`; the SHA-1 header alone is refused.
fn github<'a>(
    sha256: Option<&[u8]>,
    sha1: Option<&[u8]>,
    delivery: Option<&'a [u8]>,
) -> Result<Received<'a>, WebhookError> {
    let Some(signature) = sha256 else {
        return Err(match sha1 {
            Some(_) => WebhookError::UnsupportedSignatureVersion,
            None => WebhookError::MissingHeader("X-Hub-Signature-256"),
        });
    };
    let tags = signature
        .strip_prefix(b"sha256=")
        .and_then(hex::decode)
        .map(one)
        .ok_or(WebhookError::InvalidSignatureFormat);
    Ok(Received {
        timestamp: None,
        id: delivery,
        tags,
    })
}

/// `X-Shopify-Hmac-Sha256: <base64>`.
fn shopify<'a>(
    signature: Option<&[u8]>,
    webhook_id: Option<&'a [u8]>,
) -> Result<Received<'a>, WebhookError> {
    let signature = signature.ok_or(WebhookError::MissingHeader("X-Shopify-Hmac-Sha256"))?;
    Ok(Received {
        timestamp: None,
        id: webhook_id,
        tags: base64_exact::<32>(signature).map(one),
    })
}

/// Standard base64 (padded) of exactly `N` bytes: a 32-byte HMAC tag or a
/// 64-byte Ed25519 signature.
fn base64_exact<const N: usize>(text: &[u8]) -> Result<[u8; N], WebhookError> {
    // Padded base64 of N bytes is 4 * ceil(N / 3) characters; checking the
    // length first bounds the decode.
    if text.len() != N.div_ceil(3) * 4 {
        return Err(WebhookError::InvalidSignatureFormat);
    }
    let mut out = [0u8; N];
    match BASE64.decode_slice(text, &mut out) {
        Ok(n) if n == N => Ok(out),
        _ => Err(WebhookError::InvalidSignatureFormat),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(scheme: Scheme, values: &[Option<&[u8]>]) -> &'static str {
        match read(scheme, values) {
            Ok(Received { tags: Ok(_), .. }) => "ok",
            Ok(Received { tags: Err(e), .. }) | Err(e) => e.code(),
        }
    }

    const B64: &[u8] = b"g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
    const HEX: &[u8] = b"757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";

    #[test]
    fn standard_headers() {
        let s = Scheme::Standard;
        let v1 = [b"v1,".as_slice(), B64].concat();
        let ok = |sig: &[u8]| codes(s, &[Some(b"id"), Some(b"1"), Some(sig)]);
        assert_eq!(ok(&v1), "ok");
        assert_eq!(ok(&[b"v1a,xyz ".as_slice(), &v1].concat()), "ok");
        assert_eq!(ok(b"v1a,xyz v2,abc"), "unsupported_signature_version");
        assert_eq!(ok(b"v1,short"), "invalid_signature_format");
        assert_eq!(ok(b"nocomma"), "invalid_signature_format");
        assert_eq!(ok(b"   "), "invalid_signature_format");
        let many = vec![v1.as_slice(); 17].join(&b' ');
        assert_eq!(ok(&many), "invalid_signature_format");
        // Svix's names work; both names at once are ambiguous.
        let svix = [None, None, None, Some(&b"id"[..]), Some(b"1"), Some(&v1)];
        assert_eq!(codes(s, &svix), "ok");
        let both = [
            Some(&b"id"[..]),
            None,
            None,
            Some(b"id"),
            Some(b"1"),
            Some(&v1),
        ];
        assert_eq!(codes(s, &both), "duplicate_header");
        assert_eq!(codes(s, &[None, Some(b"1"), Some(&v1)]), "missing_header");
    }

    #[test]
    fn stripe_headers() {
        let s = Scheme::Stripe;
        let one = |h: &[u8]| codes(s, &[Some(h)]);
        let v1 = [b"t=12,v1=".as_slice(), HEX].concat();
        assert_eq!(one(&v1), "ok");
        assert_eq!(one(&[v1.as_slice(), b",v0=abc"].concat()), "ok");
        assert_eq!(one(b"t=12,v0=abc"), "unsupported_signature_version");
        assert_eq!(one(&[b"v1=".as_slice(), HEX].concat()), "missing_parameter");
        assert_eq!(
            one(&[b"t=1,".as_slice(), &v1].concat()),
            "duplicate_parameter"
        );
        assert_eq!(one(b"t=12,v1=ABC"), "invalid_signature_format");
        assert_eq!(one(b"garbage"), "invalid_signature_format");
        assert_eq!(codes(s, &[None]), "missing_header");
    }

    #[test]
    fn github_and_shopify_headers() {
        let sig = [b"sha256=".as_slice(), HEX].concat();
        assert_eq!(codes(Scheme::GitHub, &[Some(&sig), None, None]), "ok");
        assert_eq!(
            codes(Scheme::GitHub, &[None, Some(b"sha1=abc"), None]),
            "unsupported_signature_version"
        );
        assert_eq!(
            codes(Scheme::GitHub, &[Some(HEX), None, None]),
            "invalid_signature_format"
        );
        assert_eq!(codes(Scheme::GitHub, &[None, None, None]), "missing_header");
        assert_eq!(codes(Scheme::Shopify, &[Some(B64), None]), "ok");
        assert_eq!(
            codes(Scheme::Shopify, &[Some(HEX), None]),
            "invalid_signature_format"
        );
        assert_eq!(
            codes(Scheme::Shopify, &[None, Some(b"id")]),
            "missing_header"
        );
    }
}
