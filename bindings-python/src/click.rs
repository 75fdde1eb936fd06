//! Click signing and verification.

use clickfence::click::{ExpiresFormat, Fetch, ReportRange};
use clickfence::{
    ClickSigner as CoreSigner, ClickVerifier as CoreVerifier, Mode, SecretKey as CoreKey,
};
use pyo3::prelude::*;

use clickfence::ip::parse_ip;

use crate::convert::{bytes_like, click_err, ip_err, now_or, to_py};

/// Signs click URLs with one secret key (bytes as given, not base64-decoded).
#[pyclass(frozen, module = "clickfence._clickfence")]
pub struct ClickSigner(CoreSigner);

#[pymethods]
impl ClickSigner {
    #[new]
    fn new(py: Python<'_>, secret: &Bound<'_, PyAny>) -> PyResult<Self> {
        let secret = bytes_like(secret, "secret")?;
        CoreSigner::new(secret)
            .map(Self)
            .map_err(|e| click_err(py, e))
    }

    /// Appends `expires` (default: now + ttl) and `signature` to `url`.
    #[pyo3(signature = (url, *, expires=None, ttl=300, millis=false))]
    fn sign(
        &self,
        py: Python<'_>,
        url: &str,
        expires: Option<u64>,
        ttl: u64,
        millis: bool,
    ) -> PyResult<String> {
        let expires = match expires {
            Some(e) => e,
            None => now_or(None)?.saturating_add(ttl),
        };
        let format = if millis {
            ExpiresFormat::Millis
        } else {
            ExpiresFormat::Seconds
        };
        self.0
            .sign_with(url, expires, format)
            .map_err(|e| click_err(py, e))
    }
}

/// A generated secret key.
#[pyclass(frozen, module = "clickfence._clickfence")]
pub struct SecretKey {
    /// UUIDv4 id.
    #[pyo3(get)]
    id: String,
    /// 32 random bytes in standard base64, used as text.
    #[pyo3(get)]
    secret: String,
    /// Expiry, unix seconds.
    #[pyo3(get)]
    expires_at: u64,
}

#[pymethods]
impl SecretKey {
    fn __repr__(&self) -> String {
        format!(
            "SecretKey(id={:?}, secret=<redacted>, expires_at={})",
            self.id, self.expires_at
        )
    }
}

impl From<CoreKey> for SecretKey {
    fn from(k: CoreKey) -> Self {
        Self {
            id: k.id.clone(),
            secret: k.secret.to_string(),
            expires_at: k.expires_at,
        }
    }
}

/// Generates a key that expires `ttl_hours` from now.
#[pyfunction]
#[pyo3(signature = (*, ttl_hours=36, now=None))]
fn generate_secret_key(py: Python<'_>, ttl_hours: u64, now: Option<f64>) -> PyResult<SecretKey> {
    CoreKey::generate(ttl_hours, now_or(now)?)
        .map(SecretKey::from)
        .map_err(|e| click_err(py, e))
}

/// The verdict on one click.
#[pyclass(frozen, module = "clickfence._clickfence")]
pub struct ClickVerdict {
    /// `valid`, `missing_signature`, `expired`, `invalid_signature`,
    /// `no_active_secrets`, `excluded`, `not_validated`, `replayed`,
    /// `duplicate`, `preview` or `ticket_store_full`.
    #[pyo3(get)]
    outcome: &'static str,
    /// Whether to serve the click under the mode (a `duplicate` or `preview` is served, not recorded).
    #[pyo3(get)]
    accepted: bool,
    /// The key that matched (every outcome of a genuine signature).
    #[pyo3(get)]
    key_id: Option<String>,
    /// Whether this click tripped the circuit breaker (mode now report-only).
    #[pyo3(get)]
    tripped: bool,
}

#[pymethods]
impl ClickVerdict {
    fn __repr__(&self) -> String {
        format!(
            "ClickVerdict(outcome={:?}, accepted={}, key_id={:?}, tripped={})",
            self.outcome,
            self.accepted,
            self.key_id,
            if self.tripped { "True" } else { "False" }
        )
    }
}

impl From<clickfence::Verdict> for ClickVerdict {
    fn from(v: clickfence::Verdict) -> Self {
        Self {
            outcome: v.outcome.code(),
            accepted: v.accepted,
            key_id: v.outcome.key_id().map(str::to_owned),
            tripped: v.tripped,
        }
    }
}

/// A verification waiting for its ticket's claim in a shared store.
#[pyclass(frozen, module = "clickfence._clickfence")]
pub struct ClickInspection {
    inner: clickfence::click::Inspection,
    source: clickfence::ip::Source,
    claim: Option<(String, String, u64)>,
}

#[pymethods]
impl ClickInspection {
    /// The Redis key to `SET ... NX GET`, or None when there is no ticket to claim (the outcome is already known).
    #[getter]
    fn key(&self) -> Option<&str> {
        self.claim.as_ref().map(|c| c.0.as_str())
    }

    /// The value to store at first use.
    #[getter]
    fn value(&self) -> Option<&str> {
        self.claim.as_ref().map(|c| c.1.as_str())
    }

    /// Seconds the key must live.
    #[getter]
    fn ttl(&self) -> Option<u64> {
        self.claim.as_ref().map(|c| c.2)
    }

    fn __repr__(&self) -> String {
        format!(
            "ClickInspection(outcome={:?}, key={:?})",
            self.inner.outcome().code(),
            self.key()
        )
    }
}

/// A request's source (and its ASN), user agent and purpose for the core.
fn fetch<'a>(
    py: Python<'_>,
    source: Option<&str>,
    asn: Option<u32>,
    user_agent: Option<&'a str>,
    purpose: Option<&'a str>,
) -> PyResult<Fetch<'a>> {
    let source = source
        .map(parse_ip)
        .transpose()
        .map_err(|e| ip_err(py, e))?;
    Ok(Fetch {
        source,
        asn,
        user_agent,
        purpose,
        ..Fetch::default()
    })
}

/// Verifies clicks: key ring, mode, circuit breaker, exclusions, report.
/// Safe to share between threads.
#[pyclass(frozen, module = "clickfence._clickfence")]
pub struct ClickVerifier(CoreVerifier);

#[pymethods]
impl ClickVerifier {
    #[new]
    #[pyo3(signature = (*, mode="enabled", circuit_breaker=true))]
    fn new(py: Python<'_>, mode: &str, circuit_breaker: bool) -> PyResult<Self> {
        let mode: Mode = mode.parse().map_err(|e| click_err(py, e))?;
        Ok(Self(CoreVerifier::new(mode, circuit_breaker)))
    }

    /// Adds a key (`secret` as given) expiring at `expires_at` (unix seconds); at most two may be active. Raises `ClickSigningError` with `.code`.
    #[pyo3(signature = (id, secret, expires_at, *, now=None))]
    fn add_key(
        &self,
        py: Python<'_>,
        id: &str,
        secret: &Bound<'_, PyAny>,
        expires_at: u64,
        now: Option<f64>,
    ) -> PyResult<()> {
        let secret = bytes_like(secret, "secret")?;
        self.0
            .add_key(id, secret, expires_at, now_or(now)?)
            .map_err(|e| click_err(py, e))
    }

    /// Generates and adds a random key valid for `ttl_hours` (1-720, default 36); returns its id, secret and expiry.
    #[pyo3(signature = (*, ttl_hours=36, now=None))]
    fn generate_key(
        &self,
        py: Python<'_>,
        ttl_hours: u64,
        now: Option<f64>,
    ) -> PyResult<SecretKey> {
        self.0
            .generate_key(ttl_hours, now_or(now)?)
            .map(SecretKey::from)
            .map_err(|e| click_err(py, e))
    }

    /// Revokes the key `id` (`unknown_key` if there is none).
    fn revoke_key(&self, py: Python<'_>, id: &str) -> PyResult<()> {
        self.0.revoke_key(id).map_err(|e| click_err(py, e))
    }

    /// Excludes `app_id` from validation: its clicks are `excluded`, accepted and not counted.
    fn exclude_app(&self, py: Python<'_>, app_id: &str) -> PyResult<()> {
        self.0.exclude_app(app_id).map_err(|e| click_err(py, e))
    }

    /// Validates `app_id` again; returns whether it was excluded.
    fn include_app(&self, app_id: &str) -> bool {
        self.0.include_app(app_id)
    }

    /// Sets the mode: `disabled`, `report-only` or `enabled` (a manual re-enable: the breaker forgets its old failures and holds for an hour).
    #[pyo3(signature = (mode, *, now=None))]
    fn set_mode(&self, py: Python<'_>, mode: &str, now: Option<f64>) -> PyResult<()> {
        let mode = mode.parse().map_err(|e| click_err(py, e))?;
        self.0.set_mode(mode, now_or(now)?);
        Ok(())
    }

    /// Bounds the store of consumed tickets: at most `capacity` live tickets, each kept at most `max_lifetime` seconds.
    #[pyo3(signature = (*, capacity, max_lifetime))]
    fn set_ticket_limits(&self, capacity: usize, max_lifetime: u64) {
        self.0.set_ticket_limits(capacity, max_lifetime);
    }

    /// Enables or disables the circuit breaker (enabling forgets failures counted while it was off).
    fn set_circuit_breaker(&self, enabled: bool) {
        self.0.set_circuit_breaker(enabled);
    }

    /// The mode in force: `disabled`, `report-only` or `enabled`.
    #[getter]
    fn mode(&self) -> &'static str {
        self.0.mode().as_str()
    }

    /// The configuration as the spec's `GET config` shows it (mode, breaker, active keys, excluded apps).
    #[pyo3(signature = (*, now=None))]
    fn config<'py>(&self, py: Python<'py>, now: Option<f64>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.0.config(now_or(now)?))
    }

    /// Verifies a received click URL (byte for byte as signed) and consumes its one-time ticket, counts it in the report and lets the circuit breaker react; `source` is the client's address (the breaker counts networks, not requests) and `asn` its autonomous system when an ASN database knows it (one provider's many networks then count once), `user_agent` and `purpose` (the `Sec-Purpose` / `Purpose` header) tell link previews, prefetches and double clicks from replays.
    #[pyo3(signature = (url, *, now=None, source=None, user_agent=None, purpose=None, asn=None))]
    #[allow(clippy::too_many_arguments)]
    fn verify(
        &self,
        py: Python<'_>,
        url: &str,
        now: Option<f64>,
        source: Option<&str>,
        user_agent: Option<&str>,
        purpose: Option<&str>,
        asn: Option<u32>,
    ) -> PyResult<ClickVerdict> {
        let fetch = fetch(py, source, asn, user_agent, purpose)?;
        let v = self.0.verify_fetch(url, &fetch, now_or(now)?);
        Ok(ClickVerdict::from(v))
    }

    /// Looks without consuming or counting: the outcome `verify` would give now (a used ticket reads `replayed` or `duplicate`).
    #[pyo3(signature = (url, *, now=None, source=None, user_agent=None, purpose=None))]
    fn check(
        &self,
        py: Python<'_>,
        url: &str,
        now: Option<f64>,
        source: Option<&str>,
        user_agent: Option<&str>,
        purpose: Option<&str>,
    ) -> PyResult<&'static str> {
        let fetch = fetch(py, source, None, user_agent, purpose)?;
        Ok(self.0.check(url, &fetch, now_or(now)?).code())
    }

    /// For a fleet sharing consumed tickets in Redis: checks the signature and names the ticket to claim; pass `SET key value NX GET EX ttl`'s answer to `conclude` (what `clickfence.redis.RedisClickTickets` does).
    #[pyo3(signature = (url, *, prefix="clickfence:ticket:", now=None, source=None, user_agent=None, purpose=None, asn=None))]
    #[allow(clippy::too_many_arguments)]
    fn inspect(
        &self,
        py: Python<'_>,
        url: &str,
        prefix: &str,
        now: Option<f64>,
        source: Option<&str>,
        user_agent: Option<&str>,
        purpose: Option<&str>,
        asn: Option<u32>,
    ) -> PyResult<ClickInspection> {
        let fetch = fetch(py, source, asn, user_agent, purpose)?;
        let now = now_or(now)?;
        let inspection = self.0.inspect(url, &fetch, now);
        let claim = inspection
            .ticket()
            .map(|t| (t.shared_key(prefix), t.shared_value(now), t.shared_ttl(now)));
        Ok(ClickInspection {
            inner: inspection,
            source: fetch.breaker_source(),
            claim,
        })
    }

    /// Finishes an `inspect`: `previous` is Redis's answer to the `SET ... NX GET` (None when the ticket was new); counts the report and the in-process breaker.
    #[pyo3(signature = (inspection, previous, *, now=None))]
    fn conclude(
        &self,
        py: Python<'_>,
        inspection: &ClickInspection,
        previous: Option<&Bound<'_, PyAny>>,
        now: Option<f64>,
    ) -> PyResult<ClickVerdict> {
        let now = now_or(now)?;
        let previous = previous.map(|p| bytes_like(p, "previous")).transpose()?;
        let claim = match inspection.inner.ticket() {
            Some(t) => {
                let text = previous.map(|b| String::from_utf8_lossy(&b).into_owned());
                Some(
                    t.shared_claim(text.as_deref(), now)
                        .map_err(|e| click_err(py, e))?,
                )
            }
            None => None,
        };
        let (mut v, counted) = self.0.conclude(inspection.inner.clone(), claim, now);
        if let Some(valid) = counted {
            v.tripped = self.0.count_breaker(valid, inspection.source, now);
        }
        Ok(ClickVerdict::from(v))
    }

    /// The hourly report rows between `start` and `end` (`yyyy-mm-ddThh`, UTC), or the last 24 hours.
    #[pyo3(signature = (*, start=None, end=None, now=None))]
    fn report<'py>(
        &self,
        py: Python<'py>,
        start: Option<&str>,
        end: Option<&str>,
        now: Option<f64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let range = ReportRange::parse(start, end).map_err(|e| click_err(py, e))?;
        to_py(py, &self.0.report(range, now_or(now)?))
    }

    /// The hourly report as the spec's CSV (header line first).
    #[pyo3(signature = (*, start=None, end=None, now=None))]
    fn report_csv(
        &self,
        py: Python<'_>,
        start: Option<&str>,
        end: Option<&str>,
        now: Option<f64>,
    ) -> PyResult<String> {
        let range = ReportRange::parse(start, end).map_err(|e| click_err(py, e))?;
        Ok(self.0.report_csv(range, now_or(now)?))
    }
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<ClickSigner>()?;
    m.add_class::<ClickVerifier>()?;
    m.add_class::<ClickVerdict>()?;
    m.add_class::<ClickInspection>()?;
    m.add_class::<SecretKey>()?;
    m.add_function(wrap_pyfunction!(generate_secret_key, m)?)?;
    Ok(())
}
