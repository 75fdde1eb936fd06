//! Picking the client's address from the peer and proxy headers, trusting the
//! headers only as far as the chain of trusted proxies goes.

use std::net::{IpAddr, SocketAddr};

use super::{canonical, IpSet};

/// Where the client address came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientIpSource {
    /// The TCP peer itself (no trusted proxy in front).
    Peer,
    /// `CF-Connecting-IP`, sent by a trusted peer.
    CfConnectingIp,
    /// An `X-Forwarded-For` hop behind the trusted proxies.
    ForwardedFor,
}

/// Picks the client address.
///
/// - A peer outside `trusted` is the client; its headers are ignored (they
///   could be forged).
/// - From a trusted peer, a valid `CF-Connecting-IP` is the client.
/// - Otherwise `X-Forwarded-For` (all header values, in order, comma-separated)
///   is walked from the right: trusted hops are skipped and the first untrusted
///   one is the client. If every hop is trusted, the leftmost is. A malformed
///   hop ends the walk: the last good hop to its right is used, since nothing
///   left of garbage can be trusted.
///
/// ```
/// use clickfence::ip::{client_ip, IpSet};
/// let proxies = IpSet::from_strs(["10.0.0.0/8"])?;
/// let (ip, _) = client_ip("10.0.0.5".parse()?, &["198.51.100.7, 203.0.113.9, 10.0.0.2"], None, &proxies);
/// assert_eq!(ip.to_string(), "203.0.113.9");
/// let (ip, _) = client_ip("192.0.2.1".parse()?, &["203.0.113.9"], Some("203.0.113.9"), &proxies);
/// assert_eq!(ip.to_string(), "192.0.2.1", "an untrusted peer's headers are ignored");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn client_ip(
    peer: IpAddr,
    forwarded_for: &[&str],
    cf_connecting_ip: Option<&str>,
    trusted: &IpSet,
) -> (IpAddr, ClientIpSource) {
    let peer = canonical(peer);
    if !trusted.contains(peer) {
        return (peer, ClientIpSource::Peer);
    }
    if let Some(ip) = cf_connecting_ip.and_then(parse_hop) {
        return (ip, ClientIpSource::CfConnectingIp);
    }
    let mut chosen = (peer, ClientIpSource::Peer);
    let hops = forwarded_for
        .iter()
        .rev()
        .flat_map(|value| value.rsplit(','));
    for hop in hops {
        let Some(ip) = parse_hop(hop) else {
            break;
        };
        chosen = (ip, ClientIpSource::ForwardedFor);
        if !trusted.contains(ip) {
            break;
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

    fn trusted() -> IpSet {
        IpSet::from_strs(["10.0.0.0/8", "2001:db8::/32"]).unwrap()
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
    fn cf_connecting_ip_from_a_trusted_peer_wins() {
        assert_eq!(pick("10.1.1.1", &["1.1.1.1"], Some("2.2.2.2")), "2.2.2.2");
        assert_eq!(pick("10.1.1.1", &["1.1.1.1"], Some("garbage")), "1.1.1.1");
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
