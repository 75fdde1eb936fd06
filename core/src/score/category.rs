//! Categories of invalid traffic, after the MRC's Invalid Traffic Detection
//! and Filtration Guidelines: *general* invalid traffic (`givt`) is what
//! routine filtration by lists and declarations finds (declared crawlers,
//! link previews, prefetches, monitors, HTTP libraries, known hosting
//! traffic that does not pose as a person); *sophisticated* invalid traffic
//! (`sivt`) takes analysis to find (impersonation, automation posing as a
//! browser, forged or replayed signatures, rotation, floods, traps).
//!
//! `givt` is invalid but not fraud: it is never billed and never counted as
//! a valid click, and it does not auto-block, pause or raise the fraud rate.
//! `sivt` is fraud. The rules of one click decide its category:
//!
//! - evidence that reached the flag threshold with any `sivt` reason makes
//!   the click `sivt`, and so does a browser user agent from a hosting
//!   network at any score (so a data-center bot farm sending browser user
//!   agents is `sivt`, never excused as data-center `givt`; the click is
//!   labelled, not refused, for it);
//! - else a declaration (a crawler's, preview's or library's own user
//!   agent, or none at all) makes it `givt` whatever its score, and so does
//!   `givt` evidence that reached the flag threshold;
//! - else it is `clean`: weak evidence (a VPN, no referrer) below the flag
//!   threshold does not make a person invalid traffic.

use serde::{Deserialize, Serialize};

/// The category of one reason or one click.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// Not invalid traffic (assessments only; every reason is `givt` or
    /// `sivt`).
    #[default]
    Clean,
    /// General invalid traffic: declared, not fraud.
    Givt,
    /// Sophisticated invalid traffic: fraud.
    Sivt,
}

impl Category {
    /// `clean`, `givt` or `sivt`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Clean => "clean",
            Self::Givt => "givt",
            Self::Sivt => "sivt",
        }
    }

    /// The category with this code.
    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "clean" => Some(Self::Clean),
            "givt" => Some(Self::Givt),
            "sivt" => Some(Self::Sivt),
            _ => None,
        }
    }

    /// Whether a click of this category is fraud: blocked `sivt` clicks are
    /// what `fraud_rate`, auto-blocks, pauses and `fraud.detected` count.
    pub fn is_fraud(self) -> bool {
        self == Self::Sivt
    }

    /// Whether a click of this category may be billed (only `clean`).
    pub fn is_billable(self) -> bool {
        self == Self::Clean
    }
}
