//! IP sets, GeoIP readers, access policies, client-IP extraction.

use std::sync::Arc;

use clickfence::ip::{
    self as core_ip, AccessConfig, AccessPolicy as CorePolicy, BlockKind, BlockRecord,
};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};

use crate::convert::{ip_err, json_text, now_or, to_py};

/// An opened MaxMind DB (Country/City, Anonymous IP or ASN). Thread-safe.
#[pyclass(frozen, module = "clickfence._clickfence")]
pub struct GeoIp(Arc<clickfence::GeoIp>);

#[pymethods]
impl GeoIp {
    #[new]
    fn new(py: Python<'_>, path: std::path::PathBuf) -> PyResult<Self> {
        clickfence::GeoIp::open(path)
            .map(|g| Self(Arc::new(g)))
            .map_err(|e| ip_err(py, e))
    }

    /// The database's type, e.g. `GeoIP2-Country`.
    #[getter]
    fn database_type(&self) -> &str {
        self.0.database_type()
    }

    /// The ISO country code of `ip`, or None.
    fn country(&self, py: Python<'_>, ip: &str) -> PyResult<Option<String>> {
        let ip = core_ip::parse_ip(ip).map_err(|e| ip_err(py, e))?;
        Ok(self
            .0
            .country(ip)
            .map_err(|e| ip_err(py, e))?
            .map(|c| c.to_string()))
    }

    /// Anonymity flags: anonymous, vpn, hosting, public_proxy, residential_proxy, tor.
    fn anonymous<'py>(&self, py: Python<'py>, ip: &str) -> PyResult<Bound<'py, PyAny>> {
        let ip = core_ip::parse_ip(ip).map_err(|e| ip_err(py, e))?;
        to_py(py, &self.0.anonymous(ip).map_err(|e| ip_err(py, e))?)
    }

    /// `{"number": ..., "organization": ...}` or None.
    fn asn<'py>(&self, py: Python<'py>, ip: &str) -> PyResult<Bound<'py, PyAny>> {
        let ip = core_ip::parse_ip(ip).map_err(|e| ip_err(py, e))?;
        to_py(py, &self.0.asn(ip).map_err(|e| ip_err(py, e))?)
    }
}

/// An immutable set of addresses and CIDRs. `ip in ipset`.
#[pyclass(frozen, module = "clickfence._clickfence")]
pub struct IpSet(Arc<clickfence::IpSet>, Option<String>);

#[pymethods]
impl IpSet {
    #[new]
    #[pyo3(signature = (items=None))]
    fn new(py: Python<'_>, items: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        let mut list = Vec::new();
        if let Some(items) = items {
            if items.is_instance_of::<PyString>() {
                return Err(PyTypeError::new_err(
                    "IpSet() takes an iterable of addresses; use IpSet.from_lines(text) for text",
                ));
            }
            for item in items.try_iter()? {
                list.push(item?.extract::<String>()?);
            }
        }
        clickfence::IpSet::from_strs(list)
            .map(|s| Self(Arc::new(s), None))
            .map_err(|e| ip_err(py, e))
    }

    /// Parses one IP or CIDR per line, with `#` comments and blank lines.
    #[staticmethod]
    fn from_lines(py: Python<'_>, text: &str) -> PyResult<Self> {
        clickfence::IpSet::from_lines(text)
            .map(|s| Self(Arc::new(s), None))
            .map_err(|e| ip_err(py, e))
    }

    /// Loads a published range file in its publisher's format (`aws`,
    /// `google-cloud`, `azure`, `oracle`, `digitalocean`, `tor-exits`,
    /// `spamhaus-drop`); `date` is the date the file gives itself. Raises
    /// `IpAccessError` (`invalid_ranges`) naming a bad entry.
    #[staticmethod]
    fn from_published(py: Python<'_>, format: &str, text: &str) -> PyResult<Self> {
        let r = core_ip::PublishedRanges::parse_named(format, text).map_err(|e| ip_err(py, e))?;
        Ok(Self(Arc::new(r.set), r.date))
    }

    /// The date a published file gave itself (`from_published`), else `None`.
    #[getter]
    fn date(&self) -> Option<String> {
        self.1.clone()
    }

    fn __contains__(&self, py: Python<'_>, ip: &str) -> PyResult<bool> {
        Ok(self
            .0
            .contains(core_ip::parse_ip(ip).map_err(|e| ip_err(py, e))?))
    }

    fn __len__(&self) -> usize {
        self.0.prefix_count()
    }
}

/// The answer to check-ip-access.
#[pyclass(frozen, module = "clickfence._clickfence")]
pub struct AccessDecision {
    /// Whether the visitor may proceed.
    #[pyo3(get)]
    allowed: bool,
    /// Why not, e.g. `blocked_country`.
    #[pyo3(get)]
    reason: Option<&'static str>,
    /// The visitor's country when blocked (`XX` when unknown).
    #[pyo3(get)]
    country: Option<String>,
    /// The country hint was malformed and read as unknown.
    #[pyo3(get)]
    country_hint_ignored: bool,
    decision: core_ip::AccessDecision,
}

#[pymethods]
impl AccessDecision {
    /// Exactly the spec's JSON object.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.decision)
    }

    fn __repr__(&self) -> String {
        serde_json::to_string(&self.decision).unwrap_or_default()
    }
}

/// Address → autonomous system from the free ip-location-db ASN CSV
/// (`asn-ipv4.csv`, `asn-ipv6.csv`).
#[pyclass(module = "clickfence._clickfence")]
pub struct AsnTable(Arc<core_ip::AsnTable>);

#[pymethods]
impl AsnTable {
    #[new]
    fn new() -> Self {
        Self(Arc::new(core_ip::AsnTable::new()))
    }

    /// Adds the rows of one CSV file; a bad row refuses the whole file
    /// (`IpAccessError`, `invalid_ranges`, naming the line).
    fn load_csv(&mut self, py: Python<'_>, text: &str) -> PyResult<()> {
        Arc::make_mut(&mut self.0)
            .load_csv(text)
            .map_err(|e| ip_err(py, e))
    }

    /// `(asn, organization)` of the row holding `ip`, or `None`.
    fn lookup(&self, py: Python<'_>, ip: &str) -> PyResult<Option<(u32, Option<String>)>> {
        let ip = core_ip::parse_ip(ip).map_err(|e| ip_err(py, e))?;
        Ok(self.0.lookup(ip).map(|a| (a.number, a.organization)))
    }

    fn __len__(&self) -> usize {
        self.0.len()
    }
}

/// The listed hosting provider of an AS number: `{"asn", "operator",
/// "source"}`, or `None`.
#[pyfunction]
fn hosting_asn<'py>(py: Python<'py>, asn: u32) -> PyResult<Option<Bound<'py, PyDict>>> {
    let Some(h) = core_ip::hosting_asn(asn) else {
        return Ok(None);
    };
    let d = PyDict::new(py);
    d.set_item("asn", h.asn)?;
    d.set_item("operator", h.operator)?;
    d.set_item("source", h.source)?;
    Ok(Some(d))
}

/// A compiled IP access policy. Thread-safe.
#[pyclass(frozen, module = "clickfence._clickfence")]
pub struct AccessPolicy(CorePolicy);

#[pymethods]
impl AccessPolicy {
    #[new]
    #[pyo3(signature = (config, *, geoip=None, anonymous_ip=None, tor=None, vpn=None, datacenter=None, blocks=None, asn_table=None, privacy_relays=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        config: &Bound<'_, PyAny>,
        geoip: Option<PyRef<'_, GeoIp>>,
        anonymous_ip: Option<PyRef<'_, GeoIp>>,
        tor: Option<PyRef<'_, IpSet>>,
        vpn: Option<PyRef<'_, IpSet>>,
        datacenter: Option<PyRef<'_, IpSet>>,
        blocks: Option<&Bound<'_, PyAny>>,
        asn_table: Option<PyRef<'_, AsnTable>>,
        privacy_relays: Option<Vec<PyRef<'_, IpSet>>>,
    ) -> PyResult<Self> {
        let config = AccessConfig::from_json(&json_text(py, config, "config")?)
            .map_err(|e| ip_err(py, e))?;
        let mut b = CorePolicy::builder(config);
        if asn_table.is_some() || privacy_relays.is_some() {
            let mut h = match &asn_table {
                Some(t) => core_ip::HostingNetworks::new(Arc::clone(&t.0)),
                None => core_ip::HostingNetworks::default(),
            };
            for r in privacy_relays.iter().flatten() {
                h = h.relay(Arc::clone(&r.0));
            }
            b = b.hosting(Arc::new(h));
        }
        if let Some(g) = geoip {
            b = b.geoip(Arc::clone(&g.0));
        }
        if let Some(g) = anonymous_ip {
            b = b.anonymous_ip(Arc::clone(&g.0));
        }
        if let Some(l) = tor {
            b = b.tor(Arc::clone(&l.0));
        }
        if let Some(l) = vpn {
            b = b.vpn(Arc::clone(&l.0));
        }
        if let Some(l) = datacenter {
            b = b.datacenter(Arc::clone(&l.0));
        }
        if let Some(blocks) = blocks {
            let mut records = Vec::new();
            for item in blocks.try_iter()? {
                let item = item?;
                let d = item.cast::<PyDict>().map_err(|_| {
                    PyTypeError::new_err("each block is a dict with ip and expires_at")
                })?;
                let ip: String = d
                    .get_item("ip")?
                    .ok_or_else(|| PyTypeError::new_err("block needs 'ip'"))?
                    .extract()?;
                let expires: Option<u64> = match d.get_item("expires_at")? {
                    Some(v) if !v.is_none() => Some(v.extract()?),
                    _ => None,
                };
                let ip = core_ip::parse_ip(&ip).map_err(|e| ip_err(py, e))?;
                let kind = expires.map_or(BlockKind::Permanent, |at| BlockKind::Temporary {
                    expires_at: at,
                });
                records.push(BlockRecord::new(ip, kind));
            }
            b = b.blocks(records);
        }
        b.build().map(Self).map_err(|e| ip_err(py, e))
    }

    /// Checks a visitor (`country` is a CF-IPCountry value).
    #[pyo3(signature = (ip, *, country=None, now=None))]
    fn check(
        &self,
        py: Python<'_>,
        ip: &str,
        country: Option<&str>,
        now: Option<f64>,
    ) -> PyResult<AccessDecision> {
        let d = self
            .0
            .check_str(ip, country, now_or(now)?)
            .map_err(|e| ip_err(py, e))?;
        Ok(AccessDecision {
            allowed: d.allowed,
            reason: d.reason.map(|r| r.as_str()),
            country: d.country.map(|c| c.to_string()),
            country_hint_ignored: d.country_hint_ignored,
            decision: d,
        })
    }
}

/// Picks the client address from the peer and proxy headers: X-Forwarded-For
/// through the `trusted` proxies, CF-Connecting-IP only when a `cloudflare`
/// address vouches for it. Returns `(address, source)`, source being `peer`,
/// `forwarded_for` or `cf_connecting_ip` (only then may CF-IPCountry be
/// believed).
#[pyfunction]
#[pyo3(signature = (peer, *, trusted, cloudflare=None, forwarded_for=None, cf_connecting_ip=None))]
fn client_ip(
    py: Python<'_>,
    peer: &str,
    trusted: PyRef<'_, IpSet>,
    cloudflare: Option<PyRef<'_, IpSet>>,
    forwarded_for: Option<Vec<String>>,
    cf_connecting_ip: Option<&str>,
) -> PyResult<(String, &'static str)> {
    let peer = core_ip::parse_ip(peer).map_err(|e| ip_err(py, e))?;
    let xff = forwarded_for.unwrap_or_default();
    let xff: Vec<&str> = xff.iter().map(String::as_str).collect();
    let none = clickfence::IpSet::default();
    let cloudflare = cloudflare.as_ref().map_or(&none, |c| &*c.0);
    let (ip, source) = core_ip::client_ip_in(peer, &xff, cf_connecting_ip, &trusted.0, cloudflare);
    Ok((ip.to_string(), source.as_str()))
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<GeoIp>()?;
    m.add_class::<IpSet>()?;
    m.add_class::<AsnTable>()?;
    m.add_function(wrap_pyfunction!(hosting_asn, m)?)?;
    m.add_class::<AccessPolicy>()?;
    m.add_class::<AccessDecision>()?;
    m.add_function(wrap_pyfunction!(client_ip, m)?)?;
    Ok(())
}
