//! Per-site block records, as the platform API's blocked-IPs endpoints keep them.

use std::net::IpAddr;

use super::IpError;

/// How long a block lasts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockKind {
    /// Until removed.
    Permanent,
    /// Until `expires_at` (unix seconds, exclusive).
    Temporary {
        /// When the block stops applying.
        expires_at: u64,
    },
}

fn invalid(field: &'static str, reason: String) -> IpError {
    IpError::InvalidBlock { field, reason }
}

impl BlockKind {
    /// Reads the API's `type` (`permanent` | `temporary`, default permanent)
    /// and `expires_at`: required and in the future for temporary blocks,
    /// refused for permanent ones.
    pub fn parse(kind: Option<&str>, expires_at: Option<u64>, now: u64) -> Result<Self, IpError> {
        let now = crate::check_time(now)?;
        match (kind.unwrap_or("permanent"), expires_at) {
            ("permanent", None) => Ok(Self::Permanent),
            ("permanent", Some(_)) => Err(invalid(
                "expires_at",
                "expires_at is only for temporary blocks".into(),
            )),
            ("temporary", None) => Err(invalid(
                "expires_at",
                "a temporary block needs expires_at".into(),
            )),
            ("temporary", Some(at)) if at <= now => Err(invalid(
                "expires_at",
                "expires_at must be in the future".into(),
            )),
            ("temporary", Some(at)) => Ok(Self::Temporary { expires_at: at }),
            (other, _) => Err(invalid(
                "type",
                format!("type must be permanent or temporary, not '{other}'"),
            )),
        }
    }

    /// The API's spelling.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Permanent => "permanent",
            Self::Temporary { .. } => "temporary",
        }
    }

    /// The expiry of a temporary block.
    pub fn expires_at(&self) -> Option<u64> {
        match self {
            Self::Permanent => None,
            Self::Temporary { expires_at } => Some(*expires_at),
        }
    }
}

/// One blocked address of a site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockRecord {
    /// The blocked address (canonical).
    pub ip: IpAddr,
    /// How long it lasts.
    pub kind: BlockKind,
}

impl BlockRecord {
    /// A record for `ip` (canonicalized).
    pub fn new(ip: IpAddr, kind: BlockKind) -> Self {
        Self {
            ip: super::canonical(ip),
            kind,
        }
    }

    /// Whether the block applies at `now`.
    pub fn is_active(&self, now: u64) -> bool {
        match self.kind {
            BlockKind::Permanent => true,
            BlockKind::Temporary { expires_at } => now < expires_at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_follow_the_api_rules() {
        assert_eq!(BlockKind::parse(None, None, 10), Ok(BlockKind::Permanent));
        assert_eq!(
            BlockKind::parse(Some("temporary"), Some(11), 10),
            Ok(BlockKind::Temporary { expires_at: 11 })
        );
        for (kind, at) in [
            (Some("temporary"), None),
            (Some("temporary"), Some(10)),
            (Some("permanent"), Some(99)),
            (Some("forever"), None),
        ] {
            assert_eq!(
                BlockKind::parse(kind, at, 10).unwrap_err().code(),
                "invalid_block"
            );
        }
    }

    #[test]
    fn temporary_blocks_expire() {
        let r = BlockRecord::new(
            "::ffff:1.2.3.4".parse().unwrap(),
            BlockKind::Temporary { expires_at: 100 },
        );
        assert_eq!(r.ip.to_string(), "1.2.3.4");
        assert!(r.is_active(99));
        assert!(!r.is_active(100));
    }
}
