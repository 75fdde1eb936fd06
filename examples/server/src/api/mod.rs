//! The platform REST API v1.

pub mod auth;
pub mod blocked;
pub mod error;
pub mod params;
pub mod sites;
