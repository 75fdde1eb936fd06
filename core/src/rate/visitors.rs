//! Which storefront visitors a shop is billed for.
//!
//! Visitor ids are written by the shopper's browser, so anyone can invent
//! them: billing a distinct count of ids over every event let one script
//! add thousands of "visitors" to a shop's bill. A visitor is billed when
//! its `session_init` event was stored, the shop's access policy allowed
//! its address when the event arrived, its user agent is not a known bot,
//! and its client has not already added its daily share of new visitors
//! ([`billed_visitor_cap`]). A residential proxy network can still add
//! about one visitor per address per day; the per-client cap bounds what
//! each address (IPv4) or subscriber prefix (IPv6 /64) can add.

use std::net::IpAddr;

use crate::ip::canonical;

/// New billed visitors one IPv6 /64 may add to a shop in a UTC day: a
/// household's or a phone's prefix, so ten is generous.
pub const BILLED_VISITORS_PER_V6_CLIENT: u64 = 10;
/// New billed visitors one IPv4 address may add to a shop in a UTC day:
/// higher than for a /64 because carrier-grade NAT puts many real shoppers
/// behind one address.
pub const BILLED_VISITORS_PER_V4_CLIENT: u64 = 50;

/// What is known of one `session_init` event when it arrives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VisitorFacts {
    /// The shop's access policy allowed the client's address.
    pub allowed: bool,
    /// The user agent is a known bot or automation client.
    pub known_bot: bool,
    /// This visitor id is already billed for the shop today.
    pub billed_today: bool,
    /// Distinct visitors already billed today from the same client (the
    /// IPv4 address, the IPv6 /64).
    pub billed_from_client: u64,
}

/// The daily cap of new billed visitors for `ip`'s client.
pub fn billed_visitor_cap(ip: IpAddr) -> u64 {
    match canonical(ip) {
        IpAddr::V4(_) => BILLED_VISITORS_PER_V4_CLIENT,
        IpAddr::V6(_) => BILLED_VISITORS_PER_V6_CLIENT,
    }
}

/// Whether the visitor of a `session_init` from `ip` is billed.
pub fn is_billable(ip: IpAddr, facts: &VisitorFacts) -> bool {
    if !facts.allowed || facts.known_bot {
        return false;
    }
    facts.billed_today || facts.billed_from_client < billed_visitor_cap(ip)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(billed_from_client: u64) -> VisitorFacts {
        VisitorFacts {
            allowed: true,
            known_bot: false,
            billed_today: false,
            billed_from_client,
        }
    }

    #[test]
    fn each_client_adds_at_most_its_share() {
        let v6: IpAddr = "2001:db8:1:2::9".parse().unwrap();
        let v4: IpAddr = "198.51.100.9".parse().unwrap();
        assert!(is_billable(v6, &facts(9)));
        assert!(!is_billable(v6, &facts(10)));
        assert!(is_billable(v4, &facts(49)));
        assert!(!is_billable(v4, &facts(50)));
        // A mapped IPv4 address is IPv4.
        assert!(is_billable(
            "::ffff:198.51.100.9".parse().unwrap(),
            &facts(49)
        ));
        // A visitor billed already stays billed past the cap.
        let again = VisitorFacts {
            billed_today: true,
            ..facts(1000)
        };
        assert!(is_billable(v6, &again));
    }

    #[test]
    fn refused_and_bot_visitors_are_never_billed() {
        let ip: IpAddr = "198.51.100.9".parse().unwrap();
        let refused = VisitorFacts {
            allowed: false,
            ..facts(0)
        };
        let bot = VisitorFacts {
            known_bot: true,
            billed_today: true,
            ..facts(0)
        };
        assert!(!is_billable(ip, &refused));
        assert!(!is_billable(ip, &bot));
    }
}
