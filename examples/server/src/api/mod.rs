//! The three API surfaces, one module each, one file per resource.

pub mod platform;
