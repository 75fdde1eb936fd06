//! Conversions shared by every class: time, bytes-or-string, errors.

use std::time::{SystemTime, UNIX_EPOCH};

use napi::bindgen_prelude::{Buffer, Either, Either3, Object, Unknown};
use napi::Error;

/// Errors thrown to JavaScript carry `err.code` = the core's stable code.
pub type Result<T> = napi::Result<T, Code>;

/// An error code string (`signature_mismatch`, `invalid_argument`, ...).
pub struct Code(pub String);

impl AsRef<str> for Code {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// A core error as a JavaScript error with its code.
pub fn core<E: std::fmt::Display + HasCode>(e: E) -> Error<Code> {
    Error::new(Code(e.code().to_owned()), e.to_string())
}

/// A bad argument.
pub fn invalid(message: impl Into<String>) -> Error<Code> {
    Error::new(Code("invalid_argument".to_owned()), message.into())
}

/// What every core error type offers.
pub trait HasCode {
    /// The stable snake_case code.
    fn code(&self) -> &'static str;
}

macro_rules! has_code {
    ($($t:ty),*) => { $( impl HasCode for $t { fn code(&self) -> &'static str { <$t>::code(self) } } )* };
}
has_code!(
    clickfence::ClickError,
    clickfence::WebhookError,
    clickfence::IpError,
    clickfence::RateError,
    clickfence::ScoreError
);

/// `now` in whole unix seconds: the option (floored) or the clock.
pub fn now_or(now: Option<f64>) -> Result<u64> {
    match now {
        None => Ok(SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0)),
        Some(t) if (0.0..1.8e19).contains(&t) => clickfence::check_time(t.floor() as u64)
            .map_err(|e| Error::new(Code(e.code().to_owned()), e.to_string())),
        Some(t) => Err(Error::new(
            Code("time_out_of_range".to_owned()),
            format!("now must be a unix time from 0, got {t}"),
        )),
    }
}

/// A non-negative number as whole seconds (floored).
pub fn whole(t: f64, what: &str) -> Result<u64> {
    if (0.0..1.8e19).contains(&t) {
        Ok(t.floor() as u64)
    } else {
        Err(invalid(format!(
            "{what} must be a non-negative number, got {t}"
        )))
    }
}

/// Bytes of a `Buffer` or a string (UTF-8).
pub fn bytes(value: &Either<String, Buffer>) -> &[u8] {
    match value {
        Either::A(s) => s.as_bytes(),
        Either::B(b) => b,
    }
}

/// A webhook body: a Buffer or a string, never parsed JSON.
pub type Body<'a> = Either3<String, Buffer, Unknown<'a>>;

/// The bytes of a webhook body, refusing anything that is not raw.
pub fn raw_body<'b>(value: &'b Body<'_>) -> Result<&'b [u8]> {
    match value {
        Either3::A(s) => Ok(s.as_bytes()),
        Either3::B(b) => Ok(b),
        Either3::C(_) => Err(Error::new(
            Code("invalid_body".to_owned()),
            "body must be the raw request body (Buffer or string) exactly as received, not parsed JSON: \
             use express.raw({ type: 'application/json' }) and pass req.body"
                .to_owned(),
        )),
    }
}

/// Refuses option keys other than `allowed`: a misspelt or misplaced
/// option (`{ tolerance }` given to a click verifier) would otherwise be
/// ignored without a word.
pub fn known_options(options: Option<&Object>, allowed: &[&str], what: &str) -> Result<()> {
    let Some(o) = options else {
        return Ok(());
    };
    for key in Object::keys(o).map_err(|e| invalid(e.to_string()))? {
        if !allowed.contains(&key.as_str()) {
            return Err(invalid(format!(
                "{what}: unknown option {key} (known: {})",
                allowed.join(", ")
            )));
        }
    }
    Ok(())
}

/// Option `key` of `options` (absent or undefined: `None`); a value of
/// another type is `invalid_argument`.
pub fn option<
    T: napi::bindgen_prelude::FromNapiValue + napi::bindgen_prelude::ValidateNapiValue,
>(
    options: Option<&Object>,
    key: &str,
) -> Result<Option<T>> {
    match options {
        None => Ok(None),
        Some(o) => o
            .get::<T>(key)
            .map_err(|e| invalid(format!("option {key}: {e}"))),
    }
}

/// The codes only this binding throws: a wrong argument type, and a parsed
/// body given where the raw one is needed.
const BINDING_CODES: [&str; 2] = ["invalid_argument", "invalid_body"];

/// Every code a thrown error's `err.code` can hold: the core's
/// (`clickfence::ERROR_CODES`) and the binding's own.
#[napi_derive::napi]
pub fn error_codes() -> Vec<&'static str> {
    let core = clickfence::ERROR_CODES;
    let own = BINDING_CODES.iter().filter(|c| !core.contains(c));
    core.iter().chain(own).copied().collect()
}
