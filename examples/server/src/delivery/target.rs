//! Where webhooks may be delivered: public addresses only.
//!
//! An endpoint URL is written by whoever can add endpoints, and a delivery is
//! a request from inside the operator's network, so an unchecked URL is a
//! server-side request forgery: `http://169.254.169.254/` reads cloud
//! credentials, `http://10.0.0.1:22` probes internal hosts. URLs are parsed
//! with the WHATWG parser (which reads `0x7f000001` and `2130706433` as
//! 127.0.0.1, as clients do) and refused when the host is a non-public
//! address or `localhost`; at connect time every resolved address is checked
//! again, so a name that later resolves to an internal address (DNS
//! rebinding) is refused too.

use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::task::{Context, Poll};

use clickfence::ip::is_public;
use hyper_util::client::legacy::connect::dns::{GaiResolver, Name};
use url::{Host, Url};

/// Checks an endpoint URL; returns its normalized form (what is stored and
/// requested). `allow_private` lifts the address rule for local development.
pub fn check_url(text: &str, allow_private: bool) -> Result<Url, String> {
    let url = Url::parse(text).map_err(|e| format!("url is not a valid URL: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err("url must be http:// or https://".into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("url must not contain a user name or password".into());
    }
    let host = url.host().ok_or("url must name a host")?;
    if allow_private {
        return Ok(url);
    }
    match host {
        Host::Ipv4(a) if !is_public(IpAddr::V4(a)) => Err(refused(&a.to_string())),
        Host::Ipv6(a) if !is_public(IpAddr::V6(a)) => Err(refused(&a.to_string())),
        Host::Domain(d) if is_local_name(d) => Err(refused(d)),
        _ => Ok(url),
    }
}

fn refused(host: &str) -> String {
    format!(
        "url host {host} is not a public address (loopback, private, link-local, CGNAT, \
         multicast and documentation ranges are refused; --allow-private-webhooks lifts this \
         for local development)"
    )
}

fn is_local_name(name: &str) -> bool {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    name == "localhost"
        || name.ends_with(".localhost")
        || name.ends_with(".local")
        || !name.contains('.')
}

/// A resolver that drops non-public addresses (unless allowed) and fails
/// when none is left.
#[derive(Clone)]
pub struct PublicResolver {
    inner: GaiResolver,
    allow_private: bool,
}

impl PublicResolver {
    /// The system resolver, filtered.
    pub fn new(allow_private: bool) -> Self {
        Self {
            inner: GaiResolver::new(),
            allow_private,
        }
    }
}

type Addrs = std::vec::IntoIter<SocketAddr>;

impl tower_service::Service<Name> for PublicResolver {
    type Response = Addrs;
    type Error = io::Error;
    type Future = Pin<Box<dyn Future<Output = io::Result<Addrs>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, name: Name) -> Self::Future {
        let allow_private = self.allow_private;
        let host = name.as_str().to_owned();
        let lookup = self.inner.call(name);
        Box::pin(async move {
            let addrs: Vec<SocketAddr> = lookup
                .await?
                .filter(|a| allow_private || is_public(a.ip()))
                .collect();
            if addrs.is_empty() {
                tracing::warn!(%host, "webhook host resolves to no public address: refused");
                return Err(io::Error::new(
                    io::ErrorKind::PermissionDenied,
                    "webhook host resolves to no public address",
                ));
            }
            Ok(addrs.into_iter())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_targets_are_refused() {
        for bad in [
            "http://169.254.169.254/latest/meta-data/",
            "http://10.0.0.1:22",
            "http://0x7f000001/",
            "http://2130706433/",
            "http://127.1/",
            "http://[::1]/",
            "http://[::ffff:127.0.0.1]/",
            "http://localhost:8080/",
            "http://foo.localhost/",
            "http://intranet/",
            "http://",
            "ftp://hooks.example.com/",
            "http://user:pw@hooks.example.com/",
            "http://100.64.0.1/",
            "http://[fd00::1]/",
        ] {
            assert!(check_url(bad, false).is_err(), "{bad}");
        }
        assert!(check_url("https://hooks.example.com/x", false).is_ok());
        assert!(check_url("http://127.0.0.1:9/", true).is_ok());
        assert!(
            check_url("http://", true).is_err(),
            "a host is always needed"
        );
    }

    #[test]
    fn urls_are_normalized() {
        assert_eq!(
            check_url("HTTPS://Hooks.Example.COM:443/a", false)
                .unwrap()
                .as_str(),
            "https://hooks.example.com/a"
        );
    }
}
