//! IP access: prefix sets, the IP blocking policy, GeoIP, client-IP extraction.
//! Specs: `check-ip-access` and `sync-ip-blocking-config` in `edge-api.txt`;
//! blocked IPs in `platform-api.txt`.

mod addr;
mod block;
mod client;
mod config;
mod country;
mod error;
mod geo;
mod policy;
mod set;

pub use addr::{canonical, canonical_net, parse_ip, parse_prefix};
pub use block::{BlockKind, BlockRecord};
pub use client::{client_ip, ClientIpSource};
pub use config::AccessConfig;
pub use country::CountryCode;
pub use error::IpError;
pub use geo::{AnonymousFlags, AsnInfo, GeoIp};
pub use policy::{AccessDecision, AccessPolicy, AccessPolicyBuilder, BlockReason};
pub use set::IpSet;
