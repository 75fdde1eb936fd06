//! The IP blocking config exactly as `sync-ip-blocking-config` carries it.

use serde::{Deserialize, Serialize};

use super::IpError;

/// The spec's IP blocking config. `enabled` is required (a missing switch must
/// not silently turn protection off); the lists default to empty and the
/// `block*` flags to `false`. Unknown fields are errors.
///
/// ```
/// use clickfence::ip::AccessConfig;
/// let config = AccessConfig::from_json(r#"{"enabled": true, "blockedIPs": ["1.2.3.4"], "blockTor": true}"#)?;
/// assert!(config.block_tor);
/// let err = AccessConfig::from_json(r#"{"enabled": "yes"}"#).unwrap_err();
/// assert!(err.to_string().contains("enabled"));
/// # Ok::<(), clickfence::ip::IpError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccessConfig {
    /// Master switch: when false every visitor is allowed.
    pub enabled: bool,
    /// Single addresses to block.
    #[serde(rename = "blockedIPs", default)]
    pub blocked_ips: Vec<String>,
    /// CIDR prefixes to block.
    #[serde(rename = "blockedCIDRs", default)]
    pub blocked_cidrs: Vec<String>,
    /// Two-letter country codes to block; `XX` blocks visitors whose country is unknown.
    #[serde(rename = "blockedCountries", default)]
    pub blocked_countries: Vec<String>,
    /// Addresses or CIDR prefixes that are always allowed (allow beats block).
    #[serde(rename = "allowedIPs", default)]
    pub allowed_ips: Vec<String>,
    /// Block anonymous VPN exits.
    #[serde(rename = "blockVPN", default)]
    pub block_vpn: bool,
    /// Block hosting / datacenter ranges.
    #[serde(rename = "blockDatacenter", default)]
    pub block_datacenter: bool,
    /// Block Tor exit nodes.
    #[serde(rename = "blockTor", default)]
    pub block_tor: bool,
}

impl AccessConfig {
    /// Parses the JSON object; errors name the field (`blockedIPs[2]`,
    /// `enabled`). Exactly one value: trailing data and repeated keys are
    /// refused.
    pub fn from_json(text: &str) -> Result<Self, IpError> {
        crate::json::strict(text).map_err(|e| IpError::InvalidConfig {
            path: e.path,
            message: e.message,
        })
    }

    /// Converts an already-parsed JSON value.
    pub fn from_value(value: serde_json::Value) -> Result<Self, IpError> {
        serde_path_to_error::deserialize(value).map_err(path_error)
    }
}

fn path_error<E: std::fmt::Display>(e: serde_path_to_error::Error<E>) -> IpError {
    let path = e.path().to_string();
    IpError::InvalidConfig {
        path: if path == "." {
            "(root)".to_owned()
        } else {
            path
        },
        message: e.inner().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_spec_example_parses() {
        let c = AccessConfig::from_json(
            r#"{"enabled": true, "blockedIPs": ["1.2.3.4", "5.6.7.8"], "blockedCIDRs": ["192.168.0.0/24"],
                "blockedCountries": ["XX", "YY"], "allowedIPs": ["10.0.0.1"],
                "blockVPN": true, "blockDatacenter": true, "blockTor": false}"#,
        )
        .unwrap();
        assert_eq!(c.blocked_ips, ["1.2.3.4", "5.6.7.8"]);
        assert!(c.block_vpn && c.block_datacenter && !c.block_tor);
    }

    #[test]
    fn errors_name_the_field() {
        let cases = [
            (r#"{"enabled": true, "blockedIps": []}"#, "blockedIps"),
            (
                r#"{"enabled": true, "blockedIPs": ["1.2.3.4", 5]}"#,
                "blockedIPs[1]",
            ),
            (r#"{"enabled": 1}"#, "enabled"),
            (r#"{"blockTor": true}"#, "enabled"),
            (r#"{"enabled": true, "blockVPN": "true"}"#, "blockVPN"),
        ];
        for (json, field) in cases {
            let err = AccessConfig::from_json(json).unwrap_err();
            assert_eq!(err.code(), "invalid_config");
            assert!(err.to_string().contains(field), "{json}: {err}");
        }
        assert!(AccessConfig::from_json("[]").is_err());
        assert!(AccessConfig::from_json("").is_err());
    }
}
