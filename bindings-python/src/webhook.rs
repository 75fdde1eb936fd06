//! Webhook signing and verification.

use clickfence::webhook::{Scheme, DEFAULT_REPLAY_CAPACITY, DEFAULT_TOLERANCE};

// Literal keyword defaults (shown by Python's signature and the stubs),
// checked against the core's values at compile time.
const _: () = assert!(DEFAULT_TOLERANCE == 300 && DEFAULT_REPLAY_CAPACITY == 100_000);
use std::borrow::Cow;
use std::collections::HashMap;

use clickfence::webhook::ReplayGuard as CoreGuard;
use clickfence::{WebhookSigner as CoreSigner, WebhookVerifier as CoreVerifier};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString, PyTuple};

use crate::convert::{bytes_like, now_or, raw_body, webhook_err};

/// Signs deliveries with one endpoint secret.
#[pyclass(frozen, module = "clickfence._clickfence")]
pub struct WebhookSigner(CoreSigner);

/// The scheme called `name`, or the core's `unknown_scheme` error.
fn scheme(py: Python<'_>, name: &str) -> PyResult<Scheme> {
    Scheme::from_name(name).map_err(|e| webhook_err(py, e))
}

#[pymethods]
impl WebhookSigner {
    #[new]
    #[pyo3(signature = (secret, *, scheme="myclickshield", previous_secret=None, previous_until=None))]
    fn new(
        py: Python<'_>,
        secret: &Bound<'_, PyAny>,
        scheme: &str,
        previous_secret: Option<&Bound<'_, PyAny>>,
        previous_until: Option<u64>,
    ) -> PyResult<Self> {
        let err = |e| webhook_err(py, e);
        let mut signer =
            CoreSigner::with_scheme(self::scheme(py, scheme)?, bytes_like(secret, "secret")?)
                .map_err(err)?;
        match (previous_secret, previous_until) {
            (Some(old), Some(until)) => {
                signer = signer
                    .with_previous_secret(bytes_like(old, "previous_secret")?, until)
                    .map_err(err)?;
            }
            (None, None) => {}
            _ => {
                return Err(PyTypeError::new_err(
                    "give previous_secret and previous_until together",
                ))
            }
        }
        Ok(Self(signer))
    }

    /// A new random secret for `scheme` (`whsec_` and base64 for `standard`).
    #[staticmethod]
    #[pyo3(signature = (scheme="myclickshield"))]
    fn generate_secret(py: Python<'_>, scheme: &str) -> PyResult<String> {
        CoreSigner::generate_secret(self::scheme(py, scheme)?).map_err(|e| webhook_err(py, e))
    }

    /// The scheme's name.
    #[getter]
    fn scheme(&self) -> &'static str {
        self.0.scheme().name()
    }

    /// The `whpk_` public key receivers verify an Ed25519 (`v1a`) signer's
    /// deliveries with; None for the HMAC schemes.
    #[getter]
    fn public_key(&self) -> Option<String> {
        self.0.public_key()
    }

    /// Lower-case hex HMAC-SHA256 over `"{timestamp}.{body}"`.
    fn sign(&self, timestamp: u64, body: &Bound<'_, PyAny>) -> PyResult<String> {
        Ok(self.0.sign(timestamp, &raw_body(body)?))
    }

    /// The five delivery headers; call per attempt with that attempt's timestamp.
    #[pyo3(signature = (event, body, *, delivery_id, timestamp=None))]
    fn headers(
        &self,
        py: Python<'_>,
        event: &str,
        body: &Bound<'_, PyAny>,
        delivery_id: &str,
        timestamp: Option<u64>,
    ) -> PyResult<HashMap<&'static str, String>> {
        let ts = match timestamp {
            Some(t) => t,
            None => now_or(None)?,
        };
        let headers = self
            .0
            .headers(event, delivery_id, ts, &raw_body(body)?)
            .map_err(|e| webhook_err(py, e))?;
        Ok(headers.into_iter().collect())
    }
}

/// Verifies deliveries against one or more secrets (rotation). Thread-safe.
#[pyclass(frozen, module = "clickfence._clickfence")]
pub struct WebhookVerifier(CoreVerifier);

#[pymethods]
impl WebhookVerifier {
    #[new]
    #[pyo3(signature = (secrets, *, scheme="myclickshield", tolerance=300))]
    fn new(
        py: Python<'_>,
        secrets: &Bound<'_, PyAny>,
        scheme: &str,
        tolerance: u64,
    ) -> PyResult<Self> {
        let mut list: Vec<Vec<u8>> = Vec::new();
        if secrets.is_instance_of::<PyList>() || secrets.is_instance_of::<PyTuple>() {
            for item in secrets.try_iter()? {
                list.push(bytes_like(&item?, "secret")?.into_owned());
            }
        } else {
            list.push(bytes_like(secrets, "secrets")?.into_owned());
        }
        let v = CoreVerifier::with_scheme(self::scheme(py, scheme)?, list)
            .map_err(|e| webhook_err(py, e))?;
        v.with_tolerance(tolerance)
            .map(Self)
            .map_err(|e| webhook_err(py, e))
    }

    /// Verifies `headers` (any mapping with `.items()`, names case-insensitive)
    /// and the raw `body`; returns the index of the secret that matched.
    /// Raises `WebhookVerificationError` with `.code` on failure.
    #[pyo3(signature = (headers, body, *, now=None))]
    fn verify(
        &self,
        py: Python<'_>,
        headers: &Bound<'_, PyAny>,
        body: &Bound<'_, PyAny>,
        now: Option<f64>,
    ) -> PyResult<usize> {
        let found = header_pairs(headers, self.0.scheme())?;
        let pairs = borrowed(&found)?;
        let body = raw_body(body)?;
        let now = now_or(now)?;
        let verifier = &self.0;
        // Large bodies are hashed without holding the interpreter.
        let result = if body.len() > 16 * 1024 {
            py.detach(|| verifier.verify(pairs.iter().map(|(n, v)| (n, v)), &body, now))
        } else {
            verifier.verify(pairs.iter().map(|(n, v)| (n, v)), &body, now)
        };
        result
            .map(|v| v.secret_index)
            .map_err(|e| webhook_err(py, e))
    }

    /// The scheme's name.
    #[getter]
    fn scheme(&self) -> &'static str {
        self.0.scheme().name()
    }

    /// Verifies like `verify`, then names the Redis key that remembers this
    /// delivery and how long it must live: `(secret_index, key, ttl)` for
    /// `SET key 1 NX EX ttl` on a shared Redis, whose answer
    /// `shared_replay_outcome` reads (what `clickfence.redis.RedisReplayGuard`
    /// does).
    #[pyo3(signature = (headers, body, *, prefix="clickfence:replay:", now=None))]
    fn shared_replay_key(
        &self,
        py: Python<'_>,
        headers: &Bound<'_, PyAny>,
        body: &Bound<'_, PyAny>,
        prefix: &str,
        now: Option<f64>,
    ) -> PyResult<(usize, String, u64)> {
        let found = header_pairs(headers, self.0.scheme())?;
        let pairs = borrowed(&found)?;
        let body = raw_body(body)?;
        let now = now_or(now)?;
        let verified = self
            .0
            .verify(pairs.iter().map(|(n, v)| (n, v)), &body, now)
            .map_err(|e| webhook_err(py, e))?;
        let ttl = clickfence::webhook::shared_replay_ttl(&verified, self.0.tolerance(), now)
            .map_err(|e| webhook_err(py, e))?;
        let key = clickfence::webhook::shared_replay_key(prefix, &verified)
            .map_err(|e| webhook_err(py, e))?;
        Ok((verified.secret_index, key, ttl))
    }
}

/// What `SET key 1 NX` answered: set (a first delivery) returns; already
/// there raises `WebhookVerificationError` with code `replayed_delivery`.
#[pyfunction]
fn shared_replay_outcome(py: Python<'_>, was_set: bool) -> PyResult<()> {
    clickfence::webhook::shared_replay_outcome(was_set).map_err(|e| webhook_err(py, e))
}

/// Verifies a Shopify app-proxy request's raw query string (without `?`) with the app's shared secret: one matching `signature`, a `timestamp` within 90 s of now, a `shop`. Returns `{"shop", "timestamp", "logged_in_customer_id", "path_prefix"}`; raises `WebhookVerificationError` otherwise. It proves which shop the request went through, never who sent it.
#[pyfunction]
#[pyo3(signature = (query, secret, *, now=None))]
fn verify_app_proxy<'py>(
    py: Python<'py>,
    query: &str,
    secret: &Bound<'py, PyAny>,
    now: Option<f64>,
) -> PyResult<Bound<'py, pyo3::types::PyDict>> {
    let secret = bytes_like(secret, "secret")?;
    let r = clickfence::webhook::verify_app_proxy(query, &secret, now_or(now)?)
        .map_err(|e| webhook_err(py, e))?;
    let d = pyo3::types::PyDict::new(py);
    d.set_item("shop", r.shop)?;
    d.set_item("timestamp", r.timestamp)?;
    d.set_item("logged_in_customer_id", r.logged_in_customer_id)?;
    d.set_item("path_prefix", r.path_prefix)?;
    Ok(d)
}

/// The signature Shopify would send for the query's other parameters (64 lower-case hex characters).
#[pyfunction]
fn app_proxy_signature(py: Python<'_>, query: &str, secret: &Bound<'_, PyAny>) -> PyResult<String> {
    let secret = bytes_like(secret, "secret")?;
    clickfence::webhook::app_proxy_signature(query, &secret).map_err(|e| webhook_err(py, e))
}

/// The (name, value) objects of the two headers the verifier reads, kept
/// alive so their bytes can be borrowed ([`borrowed`]) rather than copied.
type Signed<'py> = Vec<(Bound<'py, PyAny>, Bound<'py, PyAny>)>;

/// Only the headers the scheme reads are taken out of the mapping.
fn header_pairs<'py>(headers: &Bound<'py, PyAny>, scheme: Scheme) -> PyResult<Signed<'py>> {
    let names = scheme.headers();
    // A plain dict is read directly (no `.items()` view, no tuple per
    // header); its keys are unique, so this sees what `.items()` would.
    // Subclasses may override `items`, so they go the general way.
    let mut out = Vec::with_capacity(names.len());
    if let Ok(dict) = headers.cast_exact::<PyDict>() {
        for (name, value) in dict.iter() {
            push_signed(&mut out, names, name, value)?;
        }
        return Ok(out);
    }
    let items = headers.call_method0("items").map_err(|_| {
        PyTypeError::new_err("headers must be a mapping (dict, Headers, ...) with .items()")
    })?;
    for item in items.try_iter()? {
        let (name, value): (Bound<'py, PyAny>, Bound<'py, PyAny>) = item?.extract()?;
        push_signed(&mut out, names, name, value)?;
    }
    Ok(out)
}

/// A header's (name, value) bytes.
type Pair<'a> = (Cow<'a, [u8]>, Cow<'a, [u8]>);

/// The bytes of the signed headers, borrowed from their objects.
fn borrowed<'a>(found: &'a Signed<'_>) -> PyResult<Vec<Pair<'a>>> {
    found
        .iter()
        .map(|(n, v)| {
            Ok((
                bytes_like(n, "header name")?,
                bytes_like(v, "header value")?,
            ))
        })
        .collect()
}

/// Keeps `(name, value)` when `name` is one of `names` (case-insensitively).
fn push_signed<'py>(
    out: &mut Signed<'py>,
    names: &[&str],
    name: Bound<'py, PyAny>,
    value: Bound<'py, PyAny>,
) -> PyResult<()> {
    // A str whose length no wanted name has cannot match: skipped before
    // anything is read.
    if let Ok(s) = name.cast::<PyString>() {
        let len = s.len()?;
        if !names.iter().any(|n| n.len() == len) {
            return Ok(());
        }
    }
    let wanted = {
        let text = bytes_like(&name, "header name")?;
        names
            .iter()
            .any(|n| text.eq_ignore_ascii_case(n.as_bytes()))
    };
    if wanted {
        // A value of the wrong type is refused here, as before.
        bytes_like(&value, "header value")?;
        out.push((name, value));
    }
    Ok(())
}

/// Remembers accepted deliveries within the tolerance to refuse replays.
#[pyclass(frozen, module = "clickfence._clickfence")]
pub struct ReplayGuard {
    guard: CoreGuard,
    verifier: Py<WebhookVerifier>,
}

#[pymethods]
impl ReplayGuard {
    #[new]
    #[pyo3(signature = (verifier, *, capacity=100_000))]
    fn new(verifier: Py<WebhookVerifier>, capacity: usize, py: Python<'_>) -> Self {
        let tolerance = verifier.bind(py).get().0.tolerance();
        Self {
            guard: CoreGuard::new(tolerance, capacity),
            verifier,
        }
    }

    /// Verifies like `WebhookVerifier.verify`, then refuses a second delivery
    /// with the same timestamp and signature, or for GitHub and Shopify the
    /// same delivery id (`replayed_delivery`).
    #[pyo3(signature = (headers, body, *, now=None))]
    fn verify(
        &self,
        py: Python<'_>,
        headers: &Bound<'_, PyAny>,
        body: &Bound<'_, PyAny>,
        now: Option<f64>,
    ) -> PyResult<usize> {
        let verifier = &self.verifier.bind(py).get().0;
        let found = header_pairs(headers, verifier.scheme())?;
        let pairs = borrowed(&found)?;
        let body = raw_body(body)?;
        let now = now_or(now)?;
        let verified = verifier
            .verify(pairs.iter().map(|(n, v)| (n, v)), &body, now)
            .map_err(|e| webhook_err(py, e))?;
        self.guard
            .check(&verified, now)
            .map_err(|e| webhook_err(py, e))?;
        Ok(verified.secret_index)
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<WebhookSigner>()?;
    m.add_class::<WebhookVerifier>()?;
    m.add_class::<ReplayGuard>()?;
    m.add_function(wrap_pyfunction!(shared_replay_outcome, m)?)?;
    m.add_function(wrap_pyfunction!(verify_app_proxy, m)?)?;
    m.add_function(wrap_pyfunction!(app_proxy_signature, m)?)?;
    Ok(())
}
