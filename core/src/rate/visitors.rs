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

/// Billed visitors a shop must reach in a day before a jump is reported.
pub const JUMP_MIN_VISITORS: u64 = 50;
/// How many times its recent daily average a shop's billed visitors must
/// reach to be reported as a jump.
pub const JUMP_FACTOR: u64 = 3;

/// Whether `today`'s billed visitors jumped against the `previous` days'
/// (the last seven, days without events as 0): at least
/// [`JUMP_MIN_VISITORS`] and more than [`JUMP_FACTOR`] times their
/// average. A jump is a signal for the operator (residential proxies can
/// still add visitors one address at a time), not a refusal.
pub fn billed_jump(today: u64, previous: &[u64]) -> bool {
    if today < JUMP_MIN_VISITORS {
        return false;
    }
    let days = u128::try_from(previous.len().max(1)).unwrap_or(u128::MAX);
    let sum: u128 = previous.iter().map(|&d| u128::from(d)).sum();
    // today > factor × sum / days, without dividing.
    u128::from(today) * days > u128::from(JUMP_FACTOR) * sum
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
    fn jumps_are_large_and_relative() {
        assert!(!billed_jump(49, &[0; 7]));
        assert!(billed_jump(50, &[0; 7]));
        assert!(billed_jump(50, &[]));
        assert!(!billed_jump(300, &[100; 7]));
        assert!(billed_jump(301, &[100; 7]));
        assert!(!billed_jump(u64::MAX, &[u64::MAX; 7]));
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
