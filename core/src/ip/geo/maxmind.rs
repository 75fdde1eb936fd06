//! The MaxMind DB reader (the `geoip` feature).

use std::net::IpAddr;
use std::path::Path;

use maxminddb::{geoip2, PathElement, Reader};

use super::{AnonymousFlags, AsnInfo};
use crate::ip::{CountryCode, IpError};

/// An opened MaxMind DB (GeoIP2 / GeoLite2 Country, City, Enterprise,
/// Anonymous IP or ASN). `Send + Sync`; lookups take `&self`.
pub struct GeoIp {
    reader: Reader<Vec<u8>>,
}

impl std::fmt::Debug for GeoIp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GeoIp")
            .field("database_type", &self.database_type())
            .finish()
    }
}

const COUNTRY_PATH: [PathElement<'static>; 2] =
    [PathElement::Key("country"), PathElement::Key("iso_code")];
const REGISTERED_COUNTRY_PATH: [PathElement<'static>; 2] = [
    PathElement::Key("registered_country"),
    PathElement::Key("iso_code"),
];

impl GeoIp {
    /// Opens a database file, reading it into memory.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, IpError> {
        let bytes = std::fs::read(path.as_ref())
            .map_err(|e| IpError::GeoIpOpen(format!("{}: {e}", path.as_ref().display())))?;
        Self::from_bytes(bytes)
    }

    /// Opens a database held in memory.
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Self, IpError> {
        let reader = Reader::from_source(bytes).map_err(|e| IpError::GeoIpOpen(e.to_string()))?;
        Ok(Self { reader })
    }

    /// The database's `database_type`, e.g. `GeoIP2-Country`.
    pub fn database_type(&self) -> &str {
        &self.reader.metadata().database_type
    }

    fn require(&self, wanted: &'static str, markers: &[&str]) -> Result<(), IpError> {
        let found = self.database_type();
        if markers.iter().any(|m| found.contains(m)) {
            Ok(())
        } else {
            Err(IpError::WrongDatabaseType {
                found: found.to_owned(),
                wanted,
            })
        }
    }

    pub(crate) fn require_country(&self) -> Result<(), IpError> {
        self.require("country", &["Country", "City", "Enterprise"])
    }

    pub(crate) fn require_anonymous(&self) -> Result<(), IpError> {
        self.require("anonymous-IP", &["Anonymous-IP", "Anonymous-Plus"])
    }

    /// The country of `ip` (Country, City or Enterprise databases): the
    /// `country` ISO code, else the `registered_country` one, else `None`.
    pub fn country(&self, ip: IpAddr) -> Result<Option<CountryCode>, IpError> {
        self.require_country()?;
        let result = self.reader.lookup(ip).map_err(lookup_error)?;
        let code: Option<&str> = match result.decode_path(&COUNTRY_PATH).map_err(lookup_error)? {
            Some(code) => Some(code),
            None => result
                .decode_path(&REGISTERED_COUNTRY_PATH)
                .map_err(lookup_error)?,
        };
        match code {
            None => Ok(None),
            Some(text) => text.parse().map(Some).map_err(|_| {
                IpError::GeoIpLookup(format!("database holds an invalid country code '{text}'"))
            }),
        }
    }

    /// Anonymity flags of `ip` (Anonymous IP databases), decided from the
    /// flags themselves, not from whether a record exists.
    pub fn anonymous(&self, ip: IpAddr) -> Result<AnonymousFlags, IpError> {
        self.require_anonymous()?;
        let result = self.reader.lookup(ip).map_err(lookup_error)?;
        let Some(record) = result
            .decode::<geoip2::AnonymousIp>()
            .map_err(lookup_error)?
        else {
            return Ok(AnonymousFlags::default());
        };
        let flag = |f: Option<bool>| f.unwrap_or(false);
        Ok(AnonymousFlags {
            anonymous: flag(record.is_anonymous),
            vpn: flag(record.is_anonymous_vpn),
            hosting: flag(record.is_hosting_provider),
            public_proxy: flag(record.is_public_proxy),
            residential_proxy: flag(record.is_residential_proxy),
            tor: flag(record.is_tor_exit_node),
        })
    }

    /// The autonomous system of `ip` (ASN databases).
    pub fn asn(&self, ip: IpAddr) -> Result<Option<AsnInfo>, IpError> {
        self.require("ASN", &["ASN"])?;
        let result = self.reader.lookup(ip).map_err(lookup_error)?;
        let Some(record) = result.decode::<geoip2::Asn>().map_err(lookup_error)? else {
            return Ok(None);
        };
        Ok(record.autonomous_system_number.map(|number| AsnInfo {
            number,
            organization: record.autonomous_system_organization.map(str::to_owned),
        }))
    }
}

fn lookup_error(e: maxminddb::MaxMindDbError) -> IpError {
    IpError::GeoIpLookup(e.to_string())
}
