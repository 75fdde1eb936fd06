//! GeoIP lookups in MaxMind DB files: country, anonymity flags, ASN.

// The reader needs the MaxMind DB crate: with the `geoip` feature off the
// type exists but has no value, so a policy can never hold a database.
#[cfg(not(feature = "geoip"))]
mod absent;
#[cfg(feature = "geoip")]
mod maxmind;

#[cfg(not(feature = "geoip"))]
pub use absent::GeoIp;
#[cfg(feature = "geoip")]
pub use maxmind::GeoIp;

/// Anonymity flags from a GeoIP2 Anonymous IP database. All false when the
/// address is not in the database.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct AnonymousFlags {
    /// `is_anonymous`: any kind of anonymizer.
    pub anonymous: bool,
    /// `is_anonymous_vpn`: counts as VPN.
    pub vpn: bool,
    /// `is_hosting_provider`: counts as datacenter.
    pub hosting: bool,
    /// `is_public_proxy`.
    pub public_proxy: bool,
    /// `is_residential_proxy`.
    pub residential_proxy: bool,
    /// `is_tor_exit_node`: counts as Tor.
    pub tor: bool,
}

/// An autonomous system from an ASN database.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AsnInfo {
    /// The AS number.
    pub number: u32,
    /// The registered organization, when the database has one.
    pub organization: Option<String>,
}
