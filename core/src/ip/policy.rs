//! `AccessPolicy`: a compiled IP blocking config answering `check-ip-access`.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;

use super::addr::{canonical, parse_ip, parse_prefix};
use super::{
    AccessConfig, AnonymousFlags, BlockRecord, CountryCode, GeoIp, HostingNetworks, IpError, IpSet,
};

/// Why a visitor was blocked, in the spec's spelling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BlockReason {
    /// In `blockedIPs` or a per-site block record in force.
    BlockedIp,
    /// In a `blockedCIDRs` prefix.
    BlockedCidr,
    /// From a country in `blockedCountries`.
    BlockedCountry,
    /// A Tor exit (list, Anonymous IP database, or `CF-IPCountry: T1`).
    BlockedTor,
    /// An anonymous VPN (list or Anonymous IP database).
    BlockedVpn,
    /// A hosting / datacenter range (list or Anonymous IP database).
    BlockedDatacenter,
}

impl BlockReason {
    /// The spec's spelling, e.g. `blocked_country`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BlockedIp => "blocked_ip",
            Self::BlockedCidr => "blocked_cidr",
            Self::BlockedCountry => "blocked_country",
            Self::BlockedTor => "blocked_tor",
            Self::BlockedVpn => "blocked_vpn",
            Self::BlockedDatacenter => "blocked_datacenter",
        }
    }
}

/// The answer to `check-ip-access`. Serializes to exactly the spec's JSON:
/// `{"allowed": true}` or `{"allowed": false, "reason": "...", "country": "XX"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccessDecision {
    /// Whether the visitor may proceed.
    pub allowed: bool,
    /// Why not, when blocked.
    pub reason: Option<BlockReason>,
    /// The visitor's country when blocked (`XX` when unknown).
    pub country: Option<CountryCode>,
    /// The country hint was malformed (`USA`, `1`) and was read as unknown;
    /// the address rules decided. Not part of the spec's JSON.
    pub country_hint_ignored: bool,
}

impl AccessDecision {
    const ALLOWED: Self = Self {
        allowed: true,
        reason: None,
        country: None,
        country_hint_ignored: false,
    };
}

impl serde::Serialize for AccessDecision {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let blocked = self.reason.filter(|_| !self.allowed);
        let mut map = s.serialize_map(Some(if blocked.is_some() { 3 } else { 1 }))?;
        map.serialize_entry("allowed", &self.allowed)?;
        if let Some(reason) = blocked {
            map.serialize_entry("reason", reason.as_str())?;
            map.serialize_entry("country", &self.country.unwrap_or(CountryCode::UNKNOWN))?;
        }
        map.end()
    }
}

/// Builds an [`AccessPolicy`] from a config plus optional data sources.
#[derive(Debug, Default)]
pub struct AccessPolicyBuilder {
    config: AccessConfig,
    geoip: Option<Arc<GeoIp>>,
    anonymous_ip: Option<Arc<GeoIp>>,
    tor: Option<Arc<IpSet>>,
    vpn: Option<Arc<IpSet>>,
    datacenter: Option<Arc<IpSet>>,
    hosting: Option<Arc<HostingNetworks>>,
    blocks: Vec<BlockRecord>,
}

impl AccessPolicyBuilder {
    /// A country database (Country, City or Enterprise) for visitors without a hint.
    pub fn geoip(mut self, db: Arc<GeoIp>) -> Self {
        self.geoip = Some(db);
        self
    }

    /// A GeoIP2 Anonymous IP database for Tor / VPN / datacenter flags.
    pub fn anonymous_ip(mut self, db: Arc<GeoIp>) -> Self {
        self.anonymous_ip = Some(db);
        self
    }

    /// A list of Tor exit addresses.
    pub fn tor(mut self, list: Arc<IpSet>) -> Self {
        self.tor = Some(list);
        self
    }

    /// A list of VPN ranges.
    pub fn vpn(mut self, list: Arc<IpSet>) -> Self {
        self.vpn = Some(list);
        self
    }

    /// A list of datacenter / hosting ranges.
    pub fn datacenter(mut self, list: Arc<IpSet>) -> Self {
        self.datacenter = Some(list);
        self
    }

    /// Hosting networks from free ASN data ([`HostingNetworks`]): an
    /// address of a listed hosting provider's autonomous system is
    /// data-center traffic; a privacy relay's egress never is (not even on
    /// the datacenter list or by the Anonymous IP database).
    pub fn hosting(mut self, networks: Arc<HostingNetworks>) -> Self {
        self.hosting = Some(networks);
        self
    }

    /// Per-site block records (permanent or temporary).
    pub fn blocks(mut self, records: impl IntoIterator<Item = BlockRecord>) -> Self {
        self.blocks.extend(records);
        self
    }

    /// Validates everything and compiles the policy. Nothing is half-applied:
    /// an error leaves no policy.
    pub fn build(self) -> Result<AccessPolicy, IpError> {
        let c = &self.config;
        let field = |name: &str, i: usize, e: IpError| IpError::InvalidConfig {
            path: format!("{name}[{i}]"),
            message: e.to_string(),
        };
        // `None` = permanent; `Some(t)` = temporary until `t`. Permanent wins.
        let mut blocked_ips: HashMap<IpAddr, Option<u64>> = HashMap::new();
        for (i, text) in c.blocked_ips.iter().enumerate() {
            let ip = parse_ip(text).map_err(|e| field("blockedIPs", i, e))?;
            blocked_ips.insert(ip, None);
        }
        for record in &self.blocks {
            let expiry = record.kind.expires_at();
            blocked_ips
                .entry(record.ip)
                .and_modify(|e| *e = merge_expiry(*e, expiry))
                .or_insert(expiry);
        }
        let mut cidrs = Vec::with_capacity(c.blocked_cidrs.len());
        for (i, text) in c.blocked_cidrs.iter().enumerate() {
            cidrs.push(parse_prefix(text).map_err(|e| field("blockedCIDRs", i, e))?);
        }
        let mut allowed = Vec::with_capacity(c.allowed_ips.len());
        for (i, text) in c.allowed_ips.iter().enumerate() {
            allowed.push(parse_prefix(text).map_err(|e| field("allowedIPs", i, e))?);
        }
        let mut countries = Vec::with_capacity(c.blocked_countries.len());
        for (i, text) in c.blocked_countries.iter().enumerate() {
            let code: CountryCode = text.parse().map_err(|e| field("blockedCountries", i, e))?;
            if code.is_tor() {
                return Err(IpError::InvalidConfig {
                    path: format!("blockedCountries[{i}]"),
                    message: "T1 is Cloudflare's code for Tor, not a country: use blockTor".into(),
                });
            }
            countries.push(code);
        }
        countries.sort_unstable();
        countries.dedup();
        if let Some(db) = &self.geoip {
            db.require_country()?;
        }
        if let Some(db) = &self.anonymous_ip {
            db.require_anonymous()?;
        }
        Ok(AccessPolicy {
            enabled: c.enabled,
            blocked_ips,
            blocked_cidrs: IpSet::from_nets(cidrs),
            blocked_countries: countries,
            allowed: IpSet::from_nets(allowed),
            block_vpn: c.block_vpn,
            block_datacenter: c.block_datacenter,
            block_tor: c.block_tor,
            geoip: self.geoip,
            anonymous_ip: self.anonymous_ip,
            tor: self.tor,
            vpn: self.vpn,
            datacenter: self.datacenter,
            hosting: self.hosting,
        })
    }
}

fn merge_expiry(a: Option<u64>, b: Option<u64>) -> Option<u64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.max(y)),
        _ => None,
    }
}

/// A compiled, immutable IP access policy (`Send + Sync`).
///
/// Precedence (allow beats block): not `enabled` → allowed; in `allowedIPs` →
/// allowed; then the first of blocked IP (config or block record in force),
/// blocked CIDR, blocked country, Tor, VPN, datacenter.
///
/// ```
/// use clickfence::ip::{AccessConfig, AccessPolicy};
/// let config = AccessConfig::from_json(r#"{"enabled": true, "blockedCountries": ["RU"], "allowedIPs": ["10.0.0.0/8"]}"#)?;
/// let policy = AccessPolicy::builder(config).build()?;
/// let d = policy.check_str("203.0.113.9", Some("ru"), 0)?;
/// assert_eq!(serde_json::to_string(&d)?, r#"{"allowed":false,"reason":"blocked_country","country":"RU"}"#);
/// assert!(policy.check_str("10.1.2.3", Some("RU"), 0)?.allowed);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct AccessPolicy {
    enabled: bool,
    blocked_ips: HashMap<IpAddr, Option<u64>>,
    blocked_cidrs: IpSet,
    blocked_countries: Vec<CountryCode>,
    allowed: IpSet,
    block_vpn: bool,
    block_datacenter: bool,
    block_tor: bool,
    geoip: Option<Arc<GeoIp>>,
    anonymous_ip: Option<Arc<GeoIp>>,
    tor: Option<Arc<IpSet>>,
    vpn: Option<Arc<IpSet>>,
    datacenter: Option<Arc<IpSet>>,
    hosting: Option<Arc<HostingNetworks>>,
}

impl AccessPolicy {
    /// Starts building a policy from `config`.
    pub fn builder(config: AccessConfig) -> AccessPolicyBuilder {
        AccessPolicyBuilder {
            config,
            ..AccessPolicyBuilder::default()
        }
    }

    /// Checks a visitor at `now` (unix seconds, for temporary blocks).
    /// `country_hint` is a `CF-IPCountry` value; without one (or with `XX`) the
    /// country comes from the GeoIP database when one is configured. Fails only
    /// when a GeoIP database is corrupt.
    pub fn check(
        &self,
        ip: IpAddr,
        country_hint: Option<CountryCode>,
        now: u64,
    ) -> Result<AccessDecision, IpError> {
        let now = crate::check_time(now)?;
        if !self.enabled {
            return Ok(AccessDecision::ALLOWED);
        }
        // Sets see the address as given (they also match an embedded IPv4
        // address's IPv6 form); records and GeoIP see the canonical one.
        let raw = ip;
        let ip = canonical(ip);
        if self.allowed.contains(raw) {
            return Ok(AccessDecision::ALLOWED);
        }
        let mut visitor = Visitor {
            ip,
            hint: country_hint,
            country: None,
            anonymous: None,
        };
        let blocked_ip = match self.blocked_ips.get(&ip) {
            Some(None) => true,
            Some(Some(expires_at)) => now < *expires_at,
            None => false,
        };
        let reason = if blocked_ip {
            Some(BlockReason::BlockedIp)
        } else if self.blocked_cidrs.contains(raw) {
            Some(BlockReason::BlockedCidr)
        } else if !self.blocked_countries.is_empty()
            && self
                .blocked_countries
                .binary_search(&self.country(&mut visitor)?)
                .is_ok()
        {
            Some(BlockReason::BlockedCountry)
        } else if self.block_tor && self.is_tor(&mut visitor)? {
            Some(BlockReason::BlockedTor)
        } else if self.block_vpn && self.is_listed(&self.vpn, &mut visitor, |f| f.vpn)? {
            Some(BlockReason::BlockedVpn)
        } else if self.block_datacenter && self.is_datacenter(raw, &mut visitor)? {
            Some(BlockReason::BlockedDatacenter)
        } else {
            None
        };
        match reason {
            None => Ok(AccessDecision::ALLOWED),
            Some(reason) => Ok(AccessDecision {
                allowed: false,
                reason: Some(reason),
                country: Some(self.country(&mut visitor)?),
                country_hint_ignored: false,
            }),
        }
    }

    /// [`check`](Self::check) from text: a strictly parsed address and an
    /// optional country hint (two letters, `XX` or `T1`, any case).
    ///
    /// A malformed hint (`USA`, `1`) is read as unknown (`XX`) and reported
    /// in `country_hint_ignored`; the address rules still decide. An error
    /// here would let callers that fail open on errors wave a blocked
    /// address through by sending a bad header.
    pub fn check_str(
        &self,
        ip: &str,
        country_hint: Option<&str>,
        now: u64,
    ) -> Result<AccessDecision, IpError> {
        let ip = parse_ip(ip)?;
        let parsed = country_hint.map(str::parse::<CountryCode>);
        let ignored = matches!(parsed, Some(Err(_)));
        let mut decision = self.check(ip, parsed.and_then(Result::ok), now)?;
        decision.country_hint_ignored = ignored;
        Ok(decision)
    }

    /// Whether the policy is switched on.
    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// The visitor's country: the hint unless `XX`, else GeoIP, else `XX`.
    fn country(&self, v: &mut Visitor) -> Result<CountryCode, IpError> {
        if let Some(c) = v.country {
            return Ok(c);
        }
        let country = match v.hint {
            Some(hint) if !hint.is_unknown() => hint,
            _ => match &self.geoip {
                Some(db) => db.country(v.ip)?.unwrap_or(CountryCode::UNKNOWN),
                None => CountryCode::UNKNOWN,
            },
        };
        v.country = Some(country);
        Ok(country)
    }

    fn anonymous(&self, v: &mut Visitor) -> Result<AnonymousFlags, IpError> {
        if let Some(flags) = v.anonymous {
            return Ok(flags);
        }
        let flags = match &self.anonymous_ip {
            Some(db) => db.anonymous(v.ip)?,
            None => AnonymousFlags::default(),
        };
        v.anonymous = Some(flags);
        Ok(flags)
    }

    fn is_tor(&self, v: &mut Visitor) -> Result<bool, IpError> {
        if v.hint.is_some_and(CountryCode::is_tor) {
            return Ok(true);
        }
        self.is_listed(&self.tor, v, |f| f.tor)
    }

    /// A hosting network's address, by list, Anonymous IP database or
    /// ASN, unless it is a privacy relay's egress.
    fn is_datacenter(&self, raw: IpAddr, v: &mut Visitor) -> Result<bool, IpError> {
        let Some(hosting) = &self.hosting else {
            return self.is_listed(&self.datacenter, v, |f| f.hosting);
        };
        if hosting.is_relay(raw) {
            return Ok(false);
        }
        Ok(hosting.is_hosting(raw) || self.is_listed(&self.datacenter, v, |f| f.hosting)?)
    }

    fn is_listed(
        &self,
        list: &Option<Arc<IpSet>>,
        v: &mut Visitor,
        flag: fn(&AnonymousFlags) -> bool,
    ) -> Result<bool, IpError> {
        if list.as_ref().is_some_and(|l| l.contains(v.ip)) {
            return Ok(true);
        }
        Ok(flag(&self.anonymous(v)?))
    }
}

/// What is learnt about one visitor during a check, looked up at most once.
struct Visitor {
    ip: IpAddr,
    hint: Option<CountryCode>,
    country: Option<CountryCode>,
    anonymous: Option<AnonymousFlags>,
}
