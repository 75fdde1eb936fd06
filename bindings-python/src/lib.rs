//! `clickfence._clickfence`: the Python face of the clickfence core. This
//! layer converts arguments, results and errors; every rule is the core's.
#![deny(missing_docs)]

use pyo3::prelude::*;

mod click;
mod convert;
mod ip;
mod rate;
mod score;
mod webhook;

/// The extension module.
#[pymodule]
fn _clickfence(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    click::register(m)?;
    webhook::register(m)?;
    ip::register(m)?;
    rate::register(m)?;
    score::register(m)?;
    Ok(())
}
