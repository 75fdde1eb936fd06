//! The three API surfaces, one module each, one file per resource.

pub mod edge;
pub mod platform;
pub mod signing;
