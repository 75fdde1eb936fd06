//! A seeded, labelled day of click traffic on one site, for measuring
//! detection: people and each attack class, with labels from the
//! generator's ground truth and never from the scorer's rules.
//!
//! The same day is judged by the library directly ([`library::judge`]) and
//! by the reference server over HTTP (its `benchmark` test), and the floors
//! both must meet are in [`floors`].

mod corpus;
mod day;
pub mod floors;
pub mod library;
mod report;
mod rng;
mod visit;

pub use corpus::{Corpus, GOOGLEBOT_RANGES};
pub use day::{day, DAY, TICKET_SECS};
pub use report::Report;
pub use rng::Rng;
pub use visit::{forge, Class, Ticket, Visit};
