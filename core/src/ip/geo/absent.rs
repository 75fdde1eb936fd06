//! `GeoIp` without the `geoip` feature: a type with no values, so code that
//! takes an optional database compiles unchanged and never has one.

use std::net::IpAddr;

use super::AnonymousFlags;
use crate::ip::{CountryCode, IpError};

/// A MaxMind DB; this build has no reader (enable the `geoip` feature).
#[derive(Debug)]
pub enum GeoIp {}

impl GeoIp {
    /// The database's `database_type`.
    pub fn database_type(&self) -> &str {
        match *self {}
    }

    pub(crate) fn require_country(&self) -> Result<(), IpError> {
        match *self {}
    }

    pub(crate) fn require_anonymous(&self) -> Result<(), IpError> {
        match *self {}
    }

    /// The country of `ip`.
    pub fn country(&self, _ip: IpAddr) -> Result<Option<CountryCode>, IpError> {
        match *self {}
    }

    /// The anonymity flags of `ip`.
    pub fn anonymous(&self, _ip: IpAddr) -> Result<AnonymousFlags, IpError> {
        match *self {}
    }
}
