//! The Node addon of clickfence (napi-rs). This layer converts arguments,
//! results and errors; every rule is the core's. Errors thrown carry
//! `err.code`, the core's stable snake_case code; every export catches panics.
#![deny(missing_docs)]

pub mod click;
pub mod convert;
pub mod ip;
pub mod rate;
pub mod score;
pub mod webhook;
