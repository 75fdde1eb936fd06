//! Conversions shared by every class: time, bytes-or-str, errors, JSON.

use std::borrow::Cow;
use std::time::{SystemTime, UNIX_EPOCH};

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyString};

/// `now` in whole unix seconds: the argument (floored) or the clock. A time
/// outside the core's range (negative, NaN, after year 9999) raises
/// `ClickfenceError` with code `time_out_of_range`.
pub fn now_or(now: Option<f64>) -> PyResult<u64> {
    let out_of_range = |message: String| {
        Python::attach(|py| raise(py, "ClickfenceError", "time_out_of_range", message))
    };
    let secs = match now {
        None => SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0),
        Some(t) if (0.0..1.8e19).contains(&t) => t.floor() as u64,
        Some(t) => {
            return Err(out_of_range(format!(
                "now must be a unix time from 0, got {t}"
            )))
        }
    };
    clickfence::check_time(secs).map_err(|e| out_of_range(e.to_string()))
}

/// Bytes from `bytes`, `bytearray` or `str` (UTF-8); anything else is a TypeError.
pub fn bytes_like<'a>(value: &'a Bound<'_, PyAny>, what: &str) -> PyResult<Cow<'a, [u8]>> {
    if let Ok(b) = value.cast::<PyBytes>() {
        return Ok(Cow::Borrowed(b.as_bytes()));
    }
    if let Ok(s) = value.cast::<PyString>() {
        // The str's own UTF-8 (cached by CPython), borrowed: no copy.
        return Ok(Cow::Borrowed(s.to_str()?.as_bytes()));
    }
    if let Ok(b) = value.cast::<PyByteArray>() {
        return Ok(Cow::Owned(b.to_vec()));
    }
    Err(PyTypeError::new_err(format!(
        "{what} must be bytes or str, not {}",
        value.get_type().name()?
    )))
}

/// A webhook body: bytes or str, with a pointed message for parsed JSON.
pub fn raw_body<'a>(value: &'a Bound<'_, PyAny>) -> PyResult<Cow<'a, [u8]>> {
    if value.is_instance_of::<pyo3::types::PyDict>()
        || value.is_instance_of::<pyo3::types::PyList>()
    {
        return Err(PyTypeError::new_err(
            "body must be the raw request body (bytes or str) exactly as received, not parsed JSON: \
             re-serializing changes the bytes and the signature will not match \
             (Flask: request.get_data(); FastAPI: await request.body())",
        ));
    }
    bytes_like(value, "body")
}

/// JSON text from a `str` or from a `dict` (serialized with Python's `json`).
pub fn json_text(py: Python<'_>, value: &Bound<'_, PyAny>, what: &str) -> PyResult<String> {
    if let Ok(s) = value.cast::<PyString>() {
        return s.extract::<String>();
    }
    if value.is_instance_of::<pyo3::types::PyDict>() {
        let dumped = py.import("json")?.getattr("dumps")?.call1((value,))?;
        return dumped.extract();
    }
    Err(PyTypeError::new_err(format!(
        "{what} must be a dict or a JSON str, not {}",
        value.get_type().name()?
    )))
}

/// Raises `clickfence.errors.<class>` with the core's code and message.
pub fn raise(py: Python<'_>, class: &str, code: &str, message: String) -> PyErr {
    let make = || -> PyResult<PyErr> {
        let cls = py.import("clickfence.errors")?.getattr(class)?;
        Ok(PyErr::from_value(cls.call1((message.clone(), code))?))
    };
    make().unwrap_or_else(|e| e)
}

/// Converts a serde value (an assessment, a config) into Python objects via JSON.
pub fn to_py<'py, T: serde::Serialize>(py: Python<'py>, value: &T) -> PyResult<Bound<'py, PyAny>> {
    let text = serde_json::to_string(value).map_err(|e| PyValueError::new_err(e.to_string()))?;
    py.import("json")?.getattr("loads")?.call1((text,))
}

macro_rules! error_class {
    ($fn:ident, $ty:ty, |$e:ident| $class:expr) => {
        /// Turns a core error into the matching Python exception.
        pub fn $fn(py: Python<'_>, $e: $ty) -> PyErr {
            let class: &str = $class;
            raise(py, class, $e.code(), $e.to_string())
        }
    };
}

error_class!(click_err, clickfence::ClickError, |_e| "ClickSigningError");
error_class!(
    webhook_err,
    clickfence::WebhookError,
    |e| if e.is_verification_failure() {
        "WebhookVerificationError"
    } else {
        "WebhookError"
    }
);
error_class!(ip_err, clickfence::IpError, |e| if e.is_geoip() {
    "GeoIpError"
} else if e.is_config() {
    "AccessConfigError"
} else {
    "IpAccessError"
});
error_class!(rate_err, clickfence::RateError, |_e| "RateLimitError");
error_class!(score_err, clickfence::ScoreError, |e| if e.is_signals() {
    "SignalsError"
} else {
    "ScoringRulesError"
});
