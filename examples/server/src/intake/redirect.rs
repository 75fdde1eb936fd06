//! Where a click may send its visitor: only to the site's own domain.
//!
//! `to` is read with the WHATWG URL parser (what the browser following the
//! `Location` will read), and the redirect goes to its serialization, never
//! to the raw text, so `http://b.example@evil.example/`, backslashes or
//! encoded hosts cannot make the server and the browser disagree.

use url::{Host, Url};

use crate::storage::Site;

/// The checked target, or why it is refused.
pub fn redirect_target(to: &str, site: &Site) -> Result<Url, &'static str> {
    let url = Url::parse(to).map_err(|_| "must be an absolute http(s) URL")?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err("must be an absolute http(s) URL");
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("must not contain a user name or password");
    }
    let Some(Host::Domain(host)) = url.host() else {
        return Err("must name the site's domain, not an address");
    };
    let host = host.trim_end_matches('.');
    if !allowed_host(host, site) {
        return Err("must be on the site's domain, a subdomain of it, or an allowed host");
    }
    Ok(url)
}

fn allowed_host(host: &str, site: &Site) -> bool {
    let domain = site.domain.trim_end_matches('.').to_ascii_lowercase();
    let under = |d: &str| !d.is_empty() && (host == d || host.ends_with(&format!(".{d}")));
    under(&domain)
        || site
            .redirect_hosts
            .iter()
            .any(|h| host == h.trim_end_matches('.').to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site() -> Site {
        Site {
            id: 1,
            account_id: 1,
            name: "s".into(),
            domain: "Shop.example".into(),
            is_active: true,
            grace_mode: false,
            block_threshold: 70,
            flag_threshold: 40,
            created_at: String::new(),
            paused_until: None,
            redirect_hosts: vec!["partner.example".into()],
        }
    }

    #[test]
    fn only_the_sites_domain_and_its_subdomains() {
        let s = site();
        for ok in [
            "https://shop.example/",
            "http://shop.example./p?q=1",
            "https://www.shop.example/landing",
            "https://partner.example/x",
        ] {
            assert!(redirect_target(ok, &s).is_ok(), "{ok}");
        }
        for bad in [
            "https://evil.example/phish",
            "http://shop.example@evil.example/",
            "https://shop.example:pw@shop.example/",
            "https://evilshop.example/",
            "https://shop.example.evil.example/",
            "//evil.example/",
            "/relative",
            "javascript:alert(1)",
            "https://127.0.0.1/",
            "https://sub.partner.example/",
            "ftp://shop.example/",
            "https:\\\\evil.example\\shop.example",
        ] {
            assert!(redirect_target(bad, &s).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_redirect_uses_the_parsed_form() {
        let url = redirect_target("https://SHOP.example/a b", &site()).unwrap();
        assert_eq!(url.as_str(), "https://shop.example/a%20b");
    }
}
