//! Two-letter country codes as Cloudflare's `CF-IPCountry` and MaxMind give them.

use std::str::FromStr;

use super::IpError;

/// An upper-case two-character country code: ISO 3166-1 alpha-2, or
/// Cloudflare's `XX` (unknown) and `T1` (Tor).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CountryCode([u8; 2]);

impl CountryCode {
    /// `XX`: the country is unknown.
    pub const UNKNOWN: CountryCode = CountryCode(*b"XX");
    /// `T1`: Cloudflare's code for the Tor network.
    pub const TOR: CountryCode = CountryCode(*b"T1");

    /// The code as text.
    pub fn as_str(&self) -> &str {
        // Only ASCII letters and digits are ever stored.
        std::str::from_utf8(&self.0).unwrap_or("XX")
    }

    /// Whether this is `XX`.
    pub fn is_unknown(self) -> bool {
        self == Self::UNKNOWN
    }

    /// Whether this is `T1`.
    pub fn is_tor(self) -> bool {
        self == Self::TOR
    }
}

impl FromStr for CountryCode {
    type Err = IpError;

    /// Two ASCII letters in any case, or `T1`; stored upper-case.
    fn from_str(s: &str) -> Result<Self, IpError> {
        match s.as_bytes() {
            [a, b] if a.is_ascii_alphabetic() && b.is_ascii_alphabetic() => {
                Ok(Self([a.to_ascii_uppercase(), b.to_ascii_uppercase()]))
            }
            [a, b'1'] if a.eq_ignore_ascii_case(&b't') => Ok(Self::TOR),
            _ => Err(IpError::InvalidCountry(s.to_owned())),
        }
    }
}

impl std::fmt::Display for CountryCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::fmt::Debug for CountryCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CountryCode({})", self.as_str())
    }
}

impl serde::Serialize for CountryCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_case_insensitive_and_validated() {
        assert_eq!("us".parse::<CountryCode>().unwrap().as_str(), "US");
        assert!("t1".parse::<CountryCode>().unwrap().is_tor());
        assert!("XX".parse::<CountryCode>().unwrap().is_unknown());
        for bad in ["", "U", "USA", "U1", "1U", "é", "  "] {
            assert_eq!(
                bad.parse::<CountryCode>().unwrap_err().code(),
                "invalid_country",
                "{bad}"
            );
        }
    }
}
