//! Picking the client's address from the peer and proxy headers, trusting the
//! headers only as far as the chain of trusted proxies goes.

use std::net::{IpAddr, SocketAddr};

use super::{canonical, IpSet};

/// Where the client address came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientIpSource {
    /// The TCP peer itself (no trusted proxy in front).
    Peer,
    /// `CF-Connecting-IP`, vouched for by a Cloudflare address: only then
    /// may `CF-IPCountry` be believed too.
    CfConnectingIp,
    /// An `X-Forwarded-For` hop behind the trusted proxies.
    ForwardedFor,
}

/// The proxies whose headers are believed.
#[derive(Debug, Clone, Default)]
pub struct ProxyTrust {
    /// Your own proxies and load balancers: `X-Forwarded-For` is walked
    /// through them. Their `CF-Connecting-IP` is **not** believed: a load
    /// balancer passes client headers through, so the client would choose
    /// its own address.
    pub proxies: IpSet,
    /// Cloudflare's published ranges: `CF-Connecting-IP` is believed only
    /// when the nearest hop outside `proxies` is one of these.
    pub cloudflare: IpSet,
}

impl ProxyTrust {
    /// Trust for `proxies` alone (no Cloudflare in front).
    pub fn proxies(proxies: IpSet) -> Self {
        Self {
            proxies,
            cloudflare: IpSet::default(),
        }
    }
}

impl ClientIpSource {
    /// `peer`, `forwarded_for` or `cf_connecting_ip`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Peer => "peer",
            Self::CfConnectingIp => "cf_connecting_ip",
            Self::ForwardedFor => "forwarded_for",
        }
    }
}

/// The two sets [`client_ip`] trusts, borrowed.
#[derive(Clone, Copy)]
struct Trust<'a> {
    proxies: &'a IpSet,
    cloudflare: &'a IpSet,
}

impl Trust<'_> {
    fn any(&self, ip: IpAddr) -> bool {
        self.proxies.contains(ip) || self.cloudflare.contains(ip)
    }
}

/// Picks the client address.
///
/// - A peer outside both sets is the client; its headers are ignored (they
///   could be forged).
/// - Otherwise the chain is walked from the peer through `X-Forwarded-For`
///   (all header values, in order, comma-separated) from the right, past
///   hops in either set. When the nearest hop outside `proxies` (the peer
///   itself, or a forwarded hop) is a Cloudflare address, a valid
///   `CF-Connecting-IP` is the client, unless it names a proxy or Cloudflare
///   address itself.
/// - Otherwise the first hop outside both sets is the client; if every hop
///   is trusted, the leftmost. A malformed hop ends the walk: the last good
///   hop to its right is used, since nothing left of garbage can be trusted.
///
/// ```
/// use clickfence::ip::{client_ip, IpSet, ProxyTrust};
/// let trust = ProxyTrust::proxies(IpSet::from_strs(["10.0.0.0/8"])?);
/// let (ip, _) = client_ip("10.0.0.5".parse()?, &["198.51.100.7, 203.0.113.9, 10.0.0.2"], None, &trust);
/// assert_eq!(ip.to_string(), "203.0.113.9");
/// let (ip, _) = client_ip("192.0.2.1".parse()?, &["203.0.113.9"], Some("203.0.113.9"), &trust);
/// assert_eq!(ip.to_string(), "192.0.2.1", "an untrusted peer's headers are ignored");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn client_ip(
    peer: IpAddr,
    forwarded_for: &[&str],
    cf_connecting_ip: Option<&str>,
    trust: &ProxyTrust,
) -> (IpAddr, ClientIpSource) {
    client_ip_in(
        peer,
        forwarded_for,
        cf_connecting_ip,
        &trust.proxies,
        &trust.cloudflare,
    )
}

/// [`client_ip`] with the two sets borrowed, for callers that hold them
/// apart (the bindings' `IpSet` handles), so nothing is copied per call.
pub fn client_ip_in(
    peer: IpAddr,
    forwarded_for: &[&str],
    cf_connecting_ip: Option<&str>,
    proxies: &IpSet,
    cloudflare: &IpSet,
) -> (IpAddr, ClientIpSource) {
    let trust = Trust {
        proxies,
        cloudflare,
    };
    let peer = canonical(peer);
    if !trust.any(peer) {
        return (peer, ClientIpSource::Peer);
    }
    let cf = || {
        cf_connecting_ip
            .and_then(parse_hop)
            .filter(|ip| !trust.any(*ip))
            .map(|ip| (ip, ClientIpSource::CfConnectingIp))
    };
    let mut chosen = (peer, ClientIpSource::Peer);
    let mut at_cloudflare = trust.cloudflare.contains(peer);
    if at_cloudflare {
        if let Some(found) = cf() {
            return found;
        }
    }
    let hops = forwarded_for
        .iter()
        .rev()
        .flat_map(|value| value.rsplit(','));
    for hop in hops {
        let Some(ip) = parse_hop(hop) else {
            break;
        };
        chosen = (ip, ClientIpSource::ForwardedFor);
        if !trust.any(ip) {
            break;
        }
        if !at_cloudflare && !trust.proxies.contains(ip) {
            // The first hop past our own proxies is Cloudflare.
            at_cloudflare = true;
            if let Some(found) = cf() {
                return found;
            }
        }
    }
    chosen
}

/// One hop: an address, optionally with a port (`1.2.3.4:80`, `[2001:db8::1]:443`).
fn parse_hop(text: &str) -> Option<IpAddr> {
    let text = text.trim();
    text.parse::<IpAddr>()
        .or_else(|_| text.parse::<SocketAddr>().map(|s| s.ip()))
        .ok()
        .map(canonical)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trusted() -> ProxyTrust {
        ProxyTrust {
            proxies: IpSet::from_strs(["10.0.0.0/8", "2001:db8::/32"]).unwrap(),
            cloudflare: IpSet::from_strs(["173.245.48.0/20"]).unwrap(),
        }
    }

    fn pick(peer: &str, xff: &[&str], cf: Option<&str>) -> String {
        client_ip(peer.parse().unwrap(), xff, cf, &trusted())
            .0
            .to_string()
    }

    #[test]
    fn untrusted_peer_headers_are_ignored() {
        assert_eq!(
            pick("203.0.113.1", &["1.1.1.1"], Some("2.2.2.2")),
            "203.0.113.1"
        );
    }

    #[test]
    fn cf_connecting_ip_only_when_cloudflare_vouches() {
        // From Cloudflare itself, or through our proxies from Cloudflare.
        assert_eq!(
            pick("173.245.48.9", &["1.1.1.1"], Some("2.2.2.2")),
            "2.2.2.2"
        );
        assert_eq!(
            pick("10.1.1.1", &["1.1.1.1, 173.245.48.9"], Some("2.2.2.2")),
            "2.2.2.2"
        );
        assert_eq!(
            pick("173.245.48.9", &["1.1.1.1"], Some("garbage")),
            "1.1.1.1"
        );
        // Our own load balancer passes the visitor's header through: ignored.
        assert_eq!(pick("10.1.1.1", &["1.1.1.1"], Some("2.2.2.2")), "1.1.1.1");
        // An answer is never a proxy's or Cloudflare's own address.
        assert_eq!(
            pick("173.245.48.9", &["1.1.1.1"], Some("10.0.0.7")),
            "1.1.1.1"
        );
        assert_eq!(
            pick("173.245.48.9", &["1.1.1.1"], Some("173.245.48.1")),
            "1.1.1.1"
        );
        let (_, source) = client_ip(
            "173.245.48.9".parse().unwrap(),
            &[],
            Some("2.2.2.2"),
            &trusted(),
        );
        assert_eq!(source, ClientIpSource::CfConnectingIp);
        let (_, source) = client_ip(
            "10.1.1.1".parse().unwrap(),
            &["1.1.1.1"],
            Some("2.2.2.2"),
            &trusted(),
        );
        assert_eq!(source, ClientIpSource::ForwardedFor);
    }

    #[test]
    fn forwarded_for_is_walked_from_the_right() {
        assert_eq!(
            pick("10.1.1.1", &["6.6.6.6, 5.5.5.5, 10.0.0.9"], None),
            "5.5.5.5"
        );
        assert_eq!(
            pick("10.1.1.1", &["6.6.6.6", "5.5.5.5,10.0.0.9"], None),
            "5.5.5.5"
        );
        assert_eq!(pick("10.1.1.1", &["10.0.0.8, 10.0.0.9"], None), "10.0.0.8");
        assert_eq!(pick("10.1.1.1", &[], None), "10.1.1.1");
        assert_eq!(pick("10.1.1.1", &["5.5.5.5:443"], None), "5.5.5.5");
        assert_eq!(
            pick("2001:db8::1", &["[2001:db9::7]:443"], None),
            "2001:db9::7"
        );
        assert_eq!(
            pick("::ffff:10.1.1.1", &["::ffff:5.5.5.5"], None),
            "5.5.5.5"
        );
    }

    #[test]
    fn garbage_stops_the_walk() {
        assert_eq!(
            pick("10.1.1.1", &["6.6.6.6, unknown, 10.0.0.9"], None),
            "10.0.0.9"
        );
        assert_eq!(pick("10.1.1.1", &["unknown"], None), "10.1.1.1");
    }
}
