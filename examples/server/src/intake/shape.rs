//! Which single-segment paths are attribution links.
//!
//! The click-signing spec's links look like
//! `/com.app.id?pid=...&c=...&clickid=...&af_site_id=...&expires=...&signature=...`:
//! an app id as the only path segment and click parameters in the query. Only
//! a path of that shape is taken for a click, so `/health`, `/favicon.ico` or
//! a scanner's `/wp-login.php` never records one.

use std::collections::HashMap;

/// Query parameters of which at least one marks a click: the media source
/// (`pid`, required on every AppsFlyer link), the network's click id, or the
/// click-signing signature.
const CLICK_PARAMETERS: [&str; 3] = ["pid", "clickid", "signature"];

/// Longest app id accepted (Android allows 255 bytes for a package name).
const MAX_APP_ID: usize = 255;

/// Whether `segment` is an app id: an Android package name (two or more
/// dot-separated Java identifiers, `com.app.id`) or an App Store id
/// (`id` and 1–12 digits, `id123456789`).
pub fn is_app_id(segment: &str) -> bool {
    if segment.is_empty() || segment.len() > MAX_APP_ID {
        return false;
    }
    if let Some(digits) = segment.strip_prefix("id") {
        if !digits.is_empty() && digits.len() <= 12 && digits.bytes().all(|b| b.is_ascii_digit()) {
            return true;
        }
    }
    let mut parts = 0;
    for part in segment.split('.') {
        let mut bytes = part.bytes();
        let starts_well = bytes.next().is_some_and(|b| b.is_ascii_alphabetic());
        if !starts_well || !bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            return false;
        }
        parts += 1;
    }
    parts >= 2
}

/// Whether a request for `/{segment}` with `query` is an attribution link.
pub fn is_attribution_link(segment: &str, query: &HashMap<String, String>) -> bool {
    is_app_id(segment)
        && CLICK_PARAMETERS
            .iter()
            .any(|p| query.get(*p).is_some_and(|v| !v.is_empty()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn app_ids_of_both_stores_are_recognised() {
        for ok in ["com.app.id", "com.example.my_app2", "id123456789", "a.b"] {
            assert!(is_app_id(ok), "{ok}");
        }
        for bad in [
            "",
            "health",
            "id",
            "id12a",
            "com..app",
            ".com.app",
            "com.app.",
            "1com.app",
            "com-app.id",
            "wp-login.php",
            "id1234567890123",
        ] {
            assert!(!is_app_id(bad), "{bad}");
        }
        assert!(!is_app_id(&format!("a.{}", "b".repeat(300))));
    }

    #[test]
    fn a_link_needs_click_parameters() {
        let click = query(&[("pid", "net"), ("c", "camp")]);
        assert!(is_attribution_link("com.app.id", &click));
        assert!(is_attribution_link("id42", &query(&[("clickid", "x")])));
        assert!(!is_attribution_link("com.app.id", &query(&[("c", "camp")])));
        assert!(!is_attribution_link("com.app.id", &query(&[("pid", "")])));
        // favicon.ico has an app id's shape; without click parameters it is
        // no click.
        assert!(!is_attribution_link(
            "favicon.ico",
            &query(&[("site_id", "8")])
        ));
    }
}
