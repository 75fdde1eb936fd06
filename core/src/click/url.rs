//! Reading click URLs as text: what may be signed, where the signature sits,
//! and which app a click is for. Nothing here decodes or re-encodes a URL:
//! signatures cover the exact bytes.

use super::ClickError;
use crate::decimal::parse_decimal;

/// Name of the parameter that carries the expiry.
pub(crate) const EXPIRES: &str = "expires";
/// Name of the parameter that carries the signature.
pub(crate) const SIGNATURE: &str = "signature";

/// Checks that `url` can be signed as it is: non-empty, every byte allowed raw
/// by RFC 3986, well-formed `%` escapes, no fragment, and no `expires` or
/// `signature` parameter already.
pub(crate) fn check_signable(url: &str) -> Result<(), ClickError> {
    if url.is_empty() {
        return Err(ClickError::EmptyUrl);
    }
    let bytes = url.as_bytes();
    // Fast path without early exits, which the compiler can unroll; the
    // byte-by-byte loop below runs only when there is a `%` or a bad byte.
    let plain = bytes
        .iter()
        .fold(true, |ok, &b| ok & RAW_URL_BYTE[usize::from(b)]);
    let mut i = if plain { bytes.len() } else { 0 };
    while i < bytes.len() {
        let byte = bytes[i];
        if RAW_URL_BYTE[usize::from(byte)] {
            i += 1;
            continue;
        }
        match byte {
            b'#' => return Err(ClickError::Fragment),
            b'%' => {
                let hex = |j: usize| bytes.get(j).is_some_and(u8::is_ascii_hexdigit);
                if !(hex(i + 1) && hex(i + 2)) {
                    return Err(ClickError::BadPercentEscape { offset: i });
                }
                i += 3;
            }
            _ => return Err(ClickError::UnencodedCharacter { offset: i, byte }),
        }
    }
    // A parameter can only be named `expires` or `signature` if the text
    // contains the word; the substring search is much cheaper than the split.
    if !(url.contains(EXPIRES) || url.contains(SIGNATURE)) {
        return Ok(());
    }
    for (name, _) in query_params(bytes) {
        if name == EXPIRES.as_bytes() {
            return Err(ClickError::ReservedParameter(EXPIRES));
        }
        if name == SIGNATURE.as_bytes() {
            return Err(ClickError::ReservedParameter(SIGNATURE));
        }
    }
    Ok(())
}

/// Bytes RFC 3986 allows unescaped in a URL: unreserved, gen-delims except
/// `#`, and sub-delims. `%` is handled apart, as the start of an escape.
static RAW_URL_BYTE: [bool; 256] = {
    let mut table = [false; 256];
    let allowed =
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~:/?[]@!$&'()*+,;=";
    let mut i = 0;
    while i < allowed.len() {
        table[allowed[i] as usize] = true;
        i += 1;
    }
    table
};

/// Offset of the first `byte` in `bytes`.
fn position(bytes: &[u8], byte: u8) -> Option<usize> {
    bytes.iter().position(|&b| b == byte)
}

/// The separator to put before a parameter appended to `url`: `?` when
/// there is no query, nothing when the query is empty or ends with `&`, else
/// `&`. A `?` at the end of a non-empty query (`?to=https://x.example/?`) is
/// data, not the query's start, so it gets `&`.
pub(crate) fn append_separator(url: &str) -> &'static str {
    match position(url.as_bytes(), b'?') {
        None => "?",
        Some(q) if q + 1 == url.len() || url.ends_with('&') => "",
        Some(_) => "&",
    }
}

/// `(name, value)` pairs of the query, split on `&`, in order; empty pieces skipped.
fn query_params(url: &[u8]) -> impl Iterator<Item = (&[u8], &[u8])> {
    let query = position(url, b'?').map_or(&[][..], |q| &url[q + 1..]);
    query
        .split(|&b| b == b'&')
        .filter(|p| !p.is_empty())
        .map(|p| match position(p, b'=') {
            Some(eq) => (&p[..eq], &p[eq + 1..]),
            None => (p, &[][..]),
        })
}

/// How a received URL carries its signature.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum SignedUrl<'a> {
    /// No `signature` parameter.
    Unsigned,
    /// A signature is present but the URL cannot be a valid signed click:
    /// repeated or non-final `signature`, missing, repeated or non-numeric `expires`.
    Malformed,
    /// The parts a verifier needs.
    Signed {
        /// The signed text: everything before `&signature=`.
        message: &'a str,
        /// The `signature` value, as received.
        signature: &'a str,
        /// The `expires` value, parsed.
        expires: u64,
    },
}

/// Splits a received click URL into the signed message, signature and expiry.
pub(crate) fn split_signed(url: &str) -> SignedUrl<'_> {
    let bytes = url.as_bytes();
    let Some(q) = position(bytes, b'?') else {
        return SignedUrl::Unsigned;
    };
    // The signature must be the last parameter: look there first, so a valid
    // click costs one backward scan plus one pass over the signed part.
    let last_sep = bytes
        .iter()
        .rposition(|&b| b == b'&')
        .filter(|&a| a > q)
        .unwrap_or(q);
    let last = &bytes[last_sep + 1..];
    let last_name = position(last, b'=').map_or(last, |eq| &last[..eq]);
    if last_name != SIGNATURE.as_bytes() {
        let has_signature = query_params(bytes).any(|(name, _)| name == SIGNATURE.as_bytes());
        return if has_signature {
            SignedUrl::Malformed
        } else {
            SignedUrl::Unsigned
        };
    }
    // `last_sep` is an ASCII separator and the name is ASCII, so both slice
    // points are char boundaries.
    let message = &url[..last_sep];
    let signature = url[last_sep + 1 + SIGNATURE.len()..]
        .strip_prefix('=')
        .unwrap_or("");
    let mut expires = None;
    for (name, value) in query_params(message.as_bytes()) {
        if name == SIGNATURE.as_bytes() {
            return SignedUrl::Malformed;
        }
        if name == EXPIRES.as_bytes() {
            if expires.is_some() {
                return SignedUrl::Malformed;
            }
            expires = Some(value);
        }
    }
    match expires.and_then(parse_decimal) {
        Some(expires) => SignedUrl::Signed {
            message,
            signature,
            expires,
        },
        None => SignedUrl::Malformed,
    }
}

/// The app id of a click: the first path segment (`com.app.id` in
/// `https://app.appsflyer.com/com.app.id?pid=...`), as written in the URL.
///
/// `None` (never excluded) when the path holds a backslash or a dot segment
/// (`.`, `..`, or their `%2e` spellings): a URL parser resolves such a path
/// to another app (`/com.excluded/../com.victim` is `/com.victim`), so an
/// exclusion read from the text would let an attacker pick the app.
pub(crate) fn app_id(url: &str) -> Option<&str> {
    let bytes = url.as_bytes();
    let end = bytes
        .iter()
        .position(|&b| b == b'?' || b == b'#')
        .unwrap_or(bytes.len());
    let before_query = &bytes[..end];
    if before_query.contains(&b'\\') || has_dot_segment(before_query) {
        return None;
    }
    // Skip `scheme://host` when there is one.
    let path_start = match before_query.windows(3).position(|w| w == b"://") {
        Some(s) => s + 3 + position(&before_query[s + 3..], b'/')?,
        None => 0,
    };
    let mut start = path_start;
    while before_query.get(start) == Some(&b'/') {
        start += 1;
    }
    let len = position(&before_query[start..], b'/').unwrap_or(before_query.len() - start);
    // Offsets sit next to ASCII bytes, so they are char boundaries.
    url.get(start..start + len).filter(|s| !s.is_empty())
}

/// Whether a `/`-separated segment is `.` or `..`, literally or with `%2e`.
fn has_dot_segment(before_query: &[u8]) -> bool {
    let path = match before_query.windows(3).position(|w| w == b"://") {
        Some(s) => &before_query[s + 3..],
        None => before_query,
    };
    path.split(|&b| b == b'/').skip(1).any(|segment| {
        let mut dots = 0;
        let mut i = 0;
        while i < segment.len() {
            if segment[i] == b'.' {
                i += 1;
            } else if segment[i..].len() >= 3 && segment[i..i + 3].eq_ignore_ascii_case(b"%2e") {
                i += 3;
            } else {
                return false;
            }
            dots += 1;
        }
        dots == 1 || dots == 2
    })
}

/// Whether a browser would send `url` exactly as written: `new URL(url).href`
/// (the WHATWG serialization) equals it. Signing a URL that a browser
/// rewrites (upper-case scheme or host, a default or empty port, dot
/// segments, a `'` in the query, no `/` after the host) would turn every
/// genuine click into `invalid_signature`. The common shape is recognized
/// byte by byte; anything else is parsed with the `url` crate and compared.
pub(crate) fn check_canonical(url: &str) -> Result<(), ClickError> {
    if plainly_canonical(url.as_bytes()) {
        return Ok(());
    }
    match ::url::Url::parse(url) {
        Ok(parsed) if parsed.as_str() == url => Ok(()),
        Ok(parsed) => Err(ClickError::NotCanonical(parsed.as_str().to_owned())),
        Err(e) => Err(ClickError::NotCanonical(format!("(not a URL: {e})"))),
    }
}

/// The fast path: `http(s)://` + a lower-case host of `[a-z0-9.-]` + a path
/// with no segment starting with `.` and no `%2e`, + a query without `'`.
/// A `false` only means "ask the parser".
fn plainly_canonical(bytes: &[u8]) -> bool {
    let rest = match bytes {
        [b'h', b't', b't', b'p', b's', b':', b'/', b'/', rest @ ..] => rest,
        [b'h', b't', b't', b'p', b':', b'/', b'/', rest @ ..] => rest,
        _ => return false,
    };
    // Branch-free folds over the host and the query (they vectorize, as in
    // `check_signable`); the path, usually short, is checked byte by byte.
    let Some(slash) = position(rest, b'/') else {
        return false;
    };
    let (host, after) = rest.split_at(slash);
    let host_ok = !host.is_empty()
        && host.iter().fold(true, |ok, &b| {
            ok & (b.is_ascii_lowercase() | b.is_ascii_digit() | (b == b'.') | (b == b'-'))
        });
    let q = position(after, b'?').unwrap_or(after.len());
    let (path, query) = after.split_at(q);
    let path_ok = !path.windows(2).any(|w| w[0] == b'/' && w[1] == b'.')
        && !path
            .windows(3)
            .any(|w| w[0] == b'%' && w[1] == b'2' && (w[2] | 0x20) == b'e');
    let quote = query.iter().fold(false, |found, &b| found | (b == b'\''));
    host_ok && path_ok && !quote
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signable_accepts_encoded_urls() {
        assert_eq!(check_signable("https://a.b/c?x=%20y&z=1"), Ok(()));
        assert_eq!(check_signable("https://a.b/"), Ok(()));
    }

    #[test]
    fn signable_rejects_what_must_be_encoded() {
        assert_eq!(check_signable(""), Err(ClickError::EmptyUrl));
        assert_eq!(
            check_signable("https://a.b/c?x=a b"),
            Err(ClickError::UnencodedCharacter {
                offset: 17,
                byte: b' '
            })
        );
        assert!(matches!(
            check_signable("https://a.b/é"),
            Err(ClickError::UnencodedCharacter { byte: 0xc3, .. })
        ));
        assert!(matches!(
            check_signable("https://a.b/\n"),
            Err(ClickError::UnencodedCharacter { .. })
        ));
        assert_eq!(
            check_signable("https://a.b/?q=100%"),
            Err(ClickError::BadPercentEscape { offset: 18 })
        );
        assert_eq!(
            check_signable("https://a.b/?q=%zz"),
            Err(ClickError::BadPercentEscape { offset: 15 })
        );
        assert_eq!(
            check_signable("https://a.b/#top"),
            Err(ClickError::Fragment)
        );
        assert_eq!(
            check_signable("https://a.b/?expires=1"),
            Err(ClickError::ReservedParameter("expires"))
        );
        assert_eq!(
            check_signable("https://a.b/?a=1&signature"),
            Err(ClickError::ReservedParameter("signature"))
        );
    }

    #[test]
    fn parameter_names_are_matched_exactly() {
        assert_eq!(
            check_signable("https://a.b/?expires_at=1&xsignature=2"),
            Ok(())
        );
    }

    #[test]
    fn separator_follows_the_query_state() {
        assert_eq!(append_separator("https://a.b/c"), "?");
        assert_eq!(append_separator("https://a.b/c?x=1"), "&");
        assert_eq!(append_separator("https://a.b/c?"), "");
        assert_eq!(append_separator("https://a.b/c?x=1&"), "");
    }

    #[test]
    fn split_finds_message_signature_and_expiry() {
        assert_eq!(
            split_signed("https://a.b/c?x=1&expires=5&signature=abc"),
            SignedUrl::Signed {
                message: "https://a.b/c?x=1&expires=5",
                signature: "abc",
                expires: 5
            }
        );
        assert_eq!(
            split_signed("https://a.b/c?expires=5&signature=abc"),
            SignedUrl::Signed {
                message: "https://a.b/c?expires=5",
                signature: "abc",
                expires: 5
            }
        );
    }

    #[test]
    fn split_rejects_unsigned_and_malformed() {
        assert_eq!(split_signed("https://a.b/c"), SignedUrl::Unsigned);
        assert_eq!(split_signed("https://a.b/c?x=1"), SignedUrl::Unsigned);
        assert_eq!(
            split_signed("https://a.b/c?expires=5&signature=a&x=1"),
            SignedUrl::Malformed
        );
        assert_eq!(
            split_signed("https://a.b/c?expires=5&signature=a&signature=b"),
            SignedUrl::Malformed
        );
        assert_eq!(
            split_signed("https://a.b/c?x=1&signature=a"),
            SignedUrl::Malformed
        );
        assert_eq!(
            split_signed("https://a.b/c?signature=a"),
            SignedUrl::Malformed
        );
        assert_eq!(
            split_signed("https://a.b/c?expires=-5&signature=a"),
            SignedUrl::Malformed
        );
        assert_eq!(
            split_signed("https://a.b/c?expires=5.0&signature=a"),
            SignedUrl::Malformed
        );
        assert_eq!(
            split_signed("https://a.b/c?expires=1&expires=2&signature=a"),
            SignedUrl::Malformed
        );
        assert_eq!(
            split_signed("https://a.b/c?expires=99999999999999999999&signature=a"),
            SignedUrl::Malformed
        );
    }

    #[test]
    fn app_id_is_the_first_path_segment() {
        assert_eq!(
            app_id("https://app.appsflyer.com/com.app.id?pid=x"),
            Some("com.app.id")
        );
        assert_eq!(
            app_id("https://app.appsflyer.com/id123/more?pid=x"),
            Some("id123")
        );
        assert_eq!(app_id("/com.app.id?pid=x"), Some("com.app.id"));
        assert_eq!(app_id("https://app.appsflyer.com?pid=x"), None);
        assert_eq!(app_id("https://app.appsflyer.com/?pid=x"), None);
    }
}
