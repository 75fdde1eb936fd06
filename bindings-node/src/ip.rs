//! GeoIP readers, IP sets, access policies.

use std::sync::Arc;

use clickfence::ip::{self as core_ip, AccessConfig, AccessPolicy as CorePolicy};
use napi::bindgen_prelude::{ClassInstance, Object};
use napi_derive::napi;

use crate::convert::{core, invalid, now_or, Result};

/// The country of `ip` in `geo`: the one lookup `GeoIp.country` and
/// `geoipCountry` share.
fn country_code(geo: &clickfence::GeoIp, ip: &str) -> Result<Option<core_ip::CountryCode>> {
    let ip = core_ip::parse_ip(ip).map_err(core)?;
    geo.country(ip).map_err(core)
}

/// Internal (use `GeoIp.country`): the country of `ip` as one number, its
/// two letters' codes `(first << 8) | second`, or 0 for none. A free
/// function over an external handle, answering a number: what N-API
/// crosses fastest (main.cjs turns it back into a cached string).
#[napi(catch_unwind)]
pub fn geoip_country(
    #[napi(ts_arg_type = "unknown")] geo: &napi::bindgen_prelude::External<Arc<clickfence::GeoIp>>,
    ip: String,
) -> Result<u32> {
    Ok(
        country_code(geo, &ip)?.map_or(0, |c| match c.as_str().as_bytes() {
            [a, b] => (u32::from(*a) << 8) | u32::from(*b),
            _ => 0,
        }),
    )
}

/// Internal (use `AccessPolicy.check`): the decision as one number
/// (main.cjs builds the spec's object from it without a napi-rs value),
/// through a free function over an external handle.
#[napi(catch_unwind)]
pub fn access_check_code(
    #[napi(ts_arg_type = "unknown")] policy: &napi::bindgen_prelude::External<Arc<CorePolicy>>,
    ip: String,
    country: Option<String>,
    now: f64,
) -> Result<u32> {
    let d = policy
        .check_str(&ip, country.as_deref(), now_or(Some(now))?)
        .map_err(core)?;
    Ok(decision_code(&d))
}

/// An opened MaxMind DB (Country/City, Anonymous IP or ASN).
#[napi]
pub struct GeoIp(Arc<clickfence::GeoIp>);

#[napi]
impl GeoIp {
    /// Builds the object; throws an Error with `err.code` on bad input.
    #[napi(constructor, catch_unwind)]
    pub fn new(path: String) -> Result<Self> {
        clickfence::GeoIp::open(path)
            .map(|g| Self(Arc::new(g)))
            .map_err(core)
    }

    /// The database's type, e.g. `GeoIP2-Country`.
    #[napi(getter)]
    pub fn database_type(&self) -> String {
        self.0.database_type().to_owned()
    }

    /// The ISO country code of `ip`, or null.
    #[napi(catch_unwind)]
    pub fn country(&self, ip: String) -> Result<Option<String>> {
        Ok(country_code(&self.0, &ip)?.map(|c| c.to_string()))
    }

    /// Internal (use `country`): the reader as an external handle, for
    /// `geoipCountry`.
    #[napi(ts_return_type = "unknown")]
    pub fn handle(&self) -> napi::bindgen_prelude::External<Arc<clickfence::GeoIp>> {
        napi::bindgen_prelude::External::new(Arc::clone(&self.0))
    }

    /// Anonymity flags.
    #[napi(catch_unwind, ts_return_type = "AnonymousFlags")]
    pub fn anonymous(&self, ip: String) -> Result<serde_json::Value> {
        let ip = core_ip::parse_ip(&ip).map_err(core)?;
        Ok(serde_json::to_value(self.0.anonymous(ip).map_err(core)?).unwrap_or_default())
    }

    /// `{ number, organization }` or null.
    #[napi(catch_unwind, ts_return_type = "AsnInfo | null")]
    pub fn asn(&self, ip: String) -> Result<serde_json::Value> {
        let ip = core_ip::parse_ip(&ip).map_err(core)?;
        Ok(serde_json::to_value(self.0.asn(ip).map_err(core)?).unwrap_or_default())
    }
}

/// An immutable set of addresses and CIDRs.
#[napi]
pub struct IpSet(Arc<clickfence::IpSet>, Option<String>);

#[napi]
impl IpSet {
    /// Builds the object; throws an Error with `err.code` on bad input.
    #[napi(constructor, catch_unwind)]
    pub fn new(items: Option<Vec<String>>) -> Result<Self> {
        clickfence::IpSet::from_strs(items.unwrap_or_default())
            .map(|s| Self(Arc::new(s), None))
            .map_err(core)
    }

    /// Parses one IP or CIDR per line, `#` comments and blank lines allowed.
    #[napi(factory, catch_unwind)]
    pub fn from_lines(text: String) -> Result<Self> {
        clickfence::IpSet::from_lines(&text)
            .map(|s| Self(Arc::new(s), None))
            .map_err(core)
    }

    /// Loads a published range file in its publisher's format (`aws`,
    /// `google-cloud`, `azure`, `oracle`, `digitalocean`, `tor-exits`,
    /// `spamhaus-drop`); `date` is the date the file gives itself. Throws
    /// `invalid_ranges` naming a bad entry.
    #[napi(factory, catch_unwind)]
    pub fn from_published(format: String, text: String) -> Result<Self> {
        let r = core_ip::PublishedRanges::parse_named(&format, &text).map_err(core)?;
        Ok(Self(Arc::new(r.set), r.date))
    }

    /// The date a published file gave itself (`fromPublished`), else null.
    #[napi(getter)]
    pub fn date(&self) -> Option<String> {
        self.1.clone()
    }

    /// Whether `ip` is in the set.
    #[napi(catch_unwind)]
    pub fn has(&self, ip: String) -> Result<bool> {
        Ok(self.0.contains(core_ip::parse_ip(&ip).map_err(core)?))
    }

    /// Prefixes given.
    #[napi(getter)]
    pub fn size(&self) -> u32 {
        self.0.prefix_count() as u32
    }
}

/// Address → autonomous system from the free ip-location-db ASN CSV
/// (`asn-ipv4.csv`, `asn-ipv6.csv`).
#[napi]
pub struct AsnTable(Arc<core_ip::AsnTable>);

/// A row's autonomous system.
#[napi(object)]
pub struct AsnRow {
    /// The AS number.
    pub asn: u32,
    /// Its registered organization.
    pub organization: Option<String>,
}

#[napi]
impl AsnTable {
    /// An empty table.
    #[napi(constructor)]
    pub fn new() -> Self {
        Self(Arc::new(core_ip::AsnTable::new()))
    }

    /// Adds the rows of one CSV file; a bad row refuses the whole file
    /// (`invalid_ranges`, naming the line).
    #[napi(catch_unwind)]
    pub fn load_csv(&mut self, text: String) -> Result<()> {
        Arc::make_mut(&mut self.0).load_csv(&text).map_err(core)
    }

    /// The row holding `ip`, or null.
    #[napi(catch_unwind)]
    pub fn lookup(&self, ip: String) -> Result<Option<AsnRow>> {
        let ip = core_ip::parse_ip(&ip).map_err(core)?;
        Ok(self.0.lookup(ip).map(|a| AsnRow {
            asn: a.number,
            organization: a.organization,
        }))
    }

    /// How many rows it holds.
    #[napi(getter)]
    pub fn length(&self) -> u32 {
        u32::try_from(self.0.len()).unwrap_or(u32::MAX)
    }
}

impl Default for AsnTable {
    fn default() -> Self {
        Self::new()
    }
}

/// A listed hosting provider.
#[napi(object)]
pub struct HostingAsn {
    /// The AS number.
    pub asn: u32,
    /// Who runs it.
    pub operator: String,
    /// Where the classification comes from.
    pub source: String,
}

/// The listed hosting provider of an AS number, or null.
#[napi(catch_unwind)]
pub fn hosting_asn(asn: u32) -> Option<HostingAsn> {
    core_ip::hosting_asn(asn).map(|h| HostingAsn {
        asn: h.asn,
        operator: h.operator.to_owned(),
        source: h.source.to_owned(),
    })
}

/// Options of `AccessPolicy.check`.
#[napi(object)]
pub struct CheckOptions {
    /// A CF-IPCountry value.
    pub country: Option<String>,
    /// Unix seconds (default: the clock).
    pub now: Option<f64>,
}

/// A compiled IP access policy.
#[napi]
pub struct AccessPolicy(Arc<CorePolicy>);

#[napi]
impl AccessPolicy {
    /// `config` is the spec's object (or its JSON); `sources` may hold
    /// `geoip`, `anonymousIp` (GeoIp), `tor`, `vpn`, `datacenter` (IpSet) and
    /// `blocks` (`[{ ip, expiresAt? }]`).
    /// Builds the object; throws an Error with `err.code` on bad input.
    #[napi(constructor, catch_unwind)]
    pub fn new(
        #[napi(ts_arg_type = "AccessConfig | string")] config: serde_json::Value,
        #[napi(ts_arg_type = "AccessSources")] sources: Option<Object>,
    ) -> Result<Self> {
        let config = match config {
            serde_json::Value::String(text) => AccessConfig::from_json(&text),
            value => AccessConfig::from_value(value),
        }
        .map_err(core)?;
        let mut b = CorePolicy::builder(config);
        if let Some(s) = sources {
            let js = |e: napi::Error| invalid(e.to_string());
            if let Some(g) = s.get::<ClassInstance<GeoIp>>("geoip").map_err(js)? {
                b = b.geoip(Arc::clone(&g.0));
            }
            if let Some(g) = s.get::<ClassInstance<GeoIp>>("anonymousIp").map_err(js)? {
                b = b.anonymous_ip(Arc::clone(&g.0));
            }
            if let Some(l) = s.get::<ClassInstance<IpSet>>("tor").map_err(js)? {
                b = b.tor(Arc::clone(&l.0));
            }
            if let Some(l) = s.get::<ClassInstance<IpSet>>("vpn").map_err(js)? {
                b = b.vpn(Arc::clone(&l.0));
            }
            if let Some(l) = s.get::<ClassInstance<IpSet>>("datacenter").map_err(js)? {
                b = b.datacenter(Arc::clone(&l.0));
            }
            let table = s.get::<ClassInstance<AsnTable>>("asnTable").map_err(js)?;
            let relays = s
                .get::<Vec<ClassInstance<IpSet>>>("privacyRelays")
                .map_err(js)?;
            if table.is_some() || relays.is_some() {
                let mut h = match &table {
                    Some(t) => core_ip::HostingNetworks::new(Arc::clone(&t.0)),
                    None => core_ip::HostingNetworks::default(),
                };
                for r in relays.iter().flatten() {
                    h = h.relay(Arc::clone(&r.0));
                }
                b = b.hosting(Arc::new(h));
            }
            if let Some(blocks) = s.get::<Vec<BlockInput>>("blocks").map_err(js)? {
                let mut records = Vec::with_capacity(blocks.len());
                for block in blocks {
                    let ip = core_ip::parse_ip(&block.ip).map_err(core)?;
                    let kind = match block.expires_at {
                        Some(at) => core_ip::BlockKind::Temporary {
                            expires_at: crate::convert::whole(at, "expiresAt")?,
                        },
                        None => core_ip::BlockKind::Permanent,
                    };
                    records.push(core_ip::BlockRecord::new(ip, kind));
                }
                b = b.blocks(records);
            }
        }
        b.build().map(|p| Self(Arc::new(p))).map_err(core)
    }

    /// Internal (use `check`): the policy as an external handle, for
    /// `accessCheckCode`.
    #[napi(ts_return_type = "unknown")]
    pub fn handle(&self) -> napi::bindgen_prelude::External<Arc<CorePolicy>> {
        napi::bindgen_prelude::External::new(Arc::clone(&self.0))
    }

    /// Checks a visitor; the result is exactly the spec's JSON shape.
    #[napi(catch_unwind, ts_return_type = "AccessDecision")]
    pub fn check(&self, ip: String, options: Option<CheckOptions>) -> Result<Decision> {
        let (country, now) = match options {
            Some(o) => (o.country, o.now),
            None => (None, None),
        };
        let d = self
            .0
            .check_str(&ip, country.as_deref(), now_or(now)?)
            .map_err(core)?;
        Ok(Decision {
            allowed: d.allowed,
            reason: d.reason.map(|r| r.as_str().to_owned()),
            country: d.country.map(|c| c.to_string()),
            country_hint_ignored: d.country_hint_ignored.then_some(true),
        })
    }
}

/// The refusal reasons in the order `AccessPolicy.checkCode` numbers them.
const REASONS: [core_ip::BlockReason; 6] = [
    core_ip::BlockReason::BlockedIp,
    core_ip::BlockReason::BlockedCidr,
    core_ip::BlockReason::BlockedCountry,
    core_ip::BlockReason::BlockedTor,
    core_ip::BlockReason::BlockedVpn,
    core_ip::BlockReason::BlockedDatacenter,
];

/// Internal (main.cjs): the reasons' names in `accessCheckCode`'s order.
#[napi]
pub fn access_reasons() -> Vec<&'static str> {
    REASONS.iter().map(|r| r.as_str()).collect()
}

/// A decision as one number: bits 0-3 are 0 when allowed, else 1 + the
/// reason's index in [`REASONS`]; bit 4 says the country hint was ignored;
/// bits 8-15 and 16-23 hold the country's two ASCII characters.
fn decision_code(d: &core_ip::AccessDecision) -> u32 {
    let reason = d
        .reason
        .and_then(|r| REASONS.iter().position(|x| *x == r))
        .map_or(0, |i| i as u32 + 1);
    let country = d.country.map_or(0, |c| {
        let b = c.as_str().as_bytes();
        (u32::from(b.first().copied().unwrap_or(0)) << 8)
            | (u32::from(b.get(1).copied().unwrap_or(0)) << 16)
    });
    reason | (u32::from(d.country_hint_ignored) << 4) | country
}

/// A per-site block record.
#[napi(object)]
pub struct BlockInput {
    /// The address.
    pub ip: String,
    /// Unix seconds when a temporary block ends; absent for permanent.
    pub expires_at: Option<f64>,
}

/// The spec's check-ip-access answer; `reason` and `country` only when blocked.
#[napi(object)]
pub struct Decision {
    /// Whether the visitor may proceed.
    pub allowed: bool,
    /// Why not.
    pub reason: Option<String>,
    /// The visitor's country (`XX` when unknown).
    pub country: Option<String>,
    /// Present (true) only when the country hint was malformed and was read
    /// as unknown; the address rules decided.
    pub country_hint_ignored: Option<bool>,
}

/// The client's address and where it came from.
#[napi(object)]
pub struct ClientIp {
    /// The address, canonical (`::ffff:a.b.c.d` is `a.b.c.d`).
    pub ip: String,
    /// `peer`, `forwarded_for` or `cf_connecting_ip` (only then may
    /// CF-IPCountry be believed).
    #[napi(ts_type = "'peer' | 'forwarded_for' | 'cf_connecting_ip'")]
    pub source: String,
}

/// Which address is the client, given the TCP `peer` and, in `options`,
/// `trusted` (your proxies, an `IpSet`, required), `cloudflare` (an
/// `IpSet`), `forwardedFor` (the X-Forwarded-For value or values) and
/// `cfConnectingIp`. Unknown option keys throw `invalid_argument`.
#[napi(catch_unwind)]
pub fn client_ip(
    peer: String,
    #[napi(
        ts_arg_type = "{ trusted: IpSet; cloudflare?: IpSet; forwardedFor?: string | string[]; cfConnectingIp?: string }"
    )]
    options: Object,
) -> Result<ClientIp> {
    let o = Some(&options);
    crate::convert::known_options(
        o,
        &["trusted", "cloudflare", "forwardedFor", "cfConnectingIp"],
        "clientIp",
    )?;
    let js = |e: napi::Error| invalid(e.to_string());
    let peer = core_ip::parse_ip(&peer).map_err(core)?;
    let trusted = options
        .get::<ClassInstance<IpSet>>("trusted")
        .map_err(js)?
        .ok_or_else(|| invalid("clientIp: options.trusted (an IpSet) is required"))?;
    let cloudflare = options
        .get::<ClassInstance<IpSet>>("cloudflare")
        .map_err(js)?;
    let xff: Vec<String> = match options
        .get::<napi::bindgen_prelude::Either<String, Vec<String>>>("forwardedFor")
        .map_err(js)?
    {
        None => Vec::new(),
        Some(napi::bindgen_prelude::Either::A(one)) => vec![one],
        Some(napi::bindgen_prelude::Either::B(many)) => many,
    };
    let xff: Vec<&str> = xff.iter().map(String::as_str).collect();
    let cf = options.get::<String>("cfConnectingIp").map_err(js)?;
    let none = clickfence::IpSet::default();
    let cloudflare = cloudflare.as_ref().map_or(&none, |c| &*c.0);
    let (ip, source) = core_ip::client_ip_in(peer, &xff, cf.as_deref(), &trusted.0, cloudflare);
    Ok(ClientIp {
        ip: ip.to_string(),
        source: source.as_str().to_owned(),
    })
}
