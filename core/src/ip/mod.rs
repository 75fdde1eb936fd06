//! IP access: prefix sets, the IP blocking policy, GeoIP, client-IP extraction.
//! Specs: `check-ip-access` and `sync-ip-blocking-config` in `edge-api.txt`;
//! blocked IPs in `platform-api.txt`.

mod addr;
mod asn_table;
mod autoblock;
mod block;
mod blocklist;
mod client;
mod config;
mod country;
mod error;
mod geo;
mod hosting;
mod network;
mod policy;
mod public;
mod published;
mod set;
mod source;

pub use addr::{canonical, canonical_net, parse_ip, parse_prefix};
pub use asn_table::{AsnTable, MAX_ASN_ROWS};
pub use autoblock::{
    AutoBlockPolicy, AUTO_BLOCKS_PER_NETWORK, AUTO_BLOCKS_PER_SOURCE, AUTO_BLOCK_BASE_SECS,
    AUTO_BLOCK_CAP, AUTO_BLOCK_MAX_SECS,
};
pub use block::{BlockKind, BlockRecord};
pub use blocklist::BlockList;
pub use client::{client_ip, client_ip_in, ClientIpSource, ProxyTrust};
pub use config::AccessConfig;
pub use country::CountryCode;
pub use error::IpError;
pub use geo::{AnonymousFlags, AsnInfo, GeoIp};
pub use hosting::{hosting_asn, HostingAsn, HostingNetworks, HOSTING_ASNS};
pub use network::Granularity;
pub use policy::{AccessDecision, AccessPolicy, AccessPolicyBuilder, BlockReason};
pub use public::is_public;
pub use published::{PublishedRanges, RangeFormat};
pub use set::IpSet;
pub use source::{is_public_asn, Source};
