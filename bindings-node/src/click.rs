//! Click signing and verification.

use clickfence::click::{ExpiresFormat, Fetch, ReportRange};
use clickfence::{
    ClickSigner as CoreSigner, ClickVerifier as CoreVerifier, Mode, SecretKey as CoreKey,
};
use napi::bindgen_prelude::{Buffer, Either, Object};
use napi_derive::napi;

use crate::convert::{bytes, core, known_options, now_or, option, whole, Result};

/// Options of `ClickSigner.sign`.
#[napi(object)]
pub struct SignOptions {
    /// Absolute expiry, unix seconds (default: now + ttl).
    pub expires: Option<f64>,
    /// Seconds from now when `expires` is not given (default 300).
    pub ttl: Option<f64>,
    /// Write `expires` in milliseconds, as the spec's Java sample does.
    pub millis: Option<bool>,
}

/// Signs click URLs with one secret key (bytes as given, not base64-decoded).
#[napi]
pub struct ClickSigner(std::sync::Arc<CoreSigner>);

#[napi]
impl ClickSigner {
    /// Builds the object; throws an Error with `err.code` on bad input.
    #[napi(constructor, catch_unwind)]
    pub fn new(secret: Either<String, Buffer>) -> Result<Self> {
        CoreSigner::new(bytes(&secret))
            .map(|s| Self(std::sync::Arc::new(s)))
            .map_err(core)
    }

    /// Appends `expires` and `signature` to a percent-encoded URL.
    #[napi(catch_unwind)]
    pub fn sign(&self, url: String, options: Option<SignOptions>) -> Result<String> {
        let o = options.unwrap_or(SignOptions {
            expires: None,
            ttl: None,
            millis: None,
        });
        sign_parts(&self.0, &url, o.expires, o.ttl, o.millis)
    }

    /// Internal (use `sign`): the signer as an external handle, for
    /// `clickSign`.
    #[napi(ts_return_type = "unknown")]
    pub fn handle(&self) -> napi::bindgen_prelude::External<std::sync::Arc<CoreSigner>> {
        napi::bindgen_prelude::External::new(std::sync::Arc::clone(&self.0))
    }
}

/// Internal (use `ClickSigner.sign`): the options as plain values, which
/// main.cjs reads on the JavaScript side, through a free function over an
/// external handle (an options object read through N-API, and a class
/// method's borrow bookkeeping, cost more than the signature).
#[napi(catch_unwind)]
pub fn click_sign(
    #[napi(ts_arg_type = "unknown")] signer: &napi::bindgen_prelude::External<
        std::sync::Arc<CoreSigner>,
    >,
    url: String,
    expires: Option<f64>,
    ttl: Option<f64>,
    millis: Option<bool>,
) -> Result<String> {
    sign_parts(signer, &url, expires, ttl, millis)
}

/// Signs `url`: `expires` given, or now + `ttl` (default 300); written in
/// seconds or, with `millis`, milliseconds.
fn sign_parts(
    signer: &CoreSigner,
    url: &str,
    expires: Option<f64>,
    ttl: Option<f64>,
    millis: Option<bool>,
) -> Result<String> {
    let expires = match expires {
        Some(e) => whole(e, "expires")?,
        None => now_or(None)?.saturating_add(whole(ttl.unwrap_or(300.0), "ttl")?),
    };
    let format = if millis.unwrap_or(false) {
        ExpiresFormat::Millis
    } else {
        ExpiresFormat::Seconds
    };
    signer.sign_with(url, expires, format).map_err(core)
}

/// A generated secret key.
#[napi(object)]
pub struct SecretKey {
    /// UUIDv4.
    pub id: String,
    /// 32 random bytes in standard base64, used as text.
    pub secret: String,
    /// Expiry, unix seconds.
    pub expires_at: f64,
}

impl From<CoreKey> for SecretKey {
    fn from(k: CoreKey) -> Self {
        Self {
            id: k.id.clone(),
            secret: k.secret.to_string(),
            expires_at: k.expires_at as f64,
        }
    }
}

/// Options with a key lifetime.
#[napi(object)]
pub struct KeyOptions {
    /// Hours until the key expires (default 36).
    pub ttl_hours: Option<f64>,
    /// Unix seconds (default: the clock).
    pub now: Option<f64>,
}

/// Generates a secret key.
#[napi(catch_unwind)]
pub fn generate_secret_key(options: Option<KeyOptions>) -> Result<SecretKey> {
    let (ttl, now) = key_options(options)?;
    CoreKey::generate(ttl, now)
        .map(SecretKey::from)
        .map_err(core)
}

fn key_options(o: Option<KeyOptions>) -> Result<(u64, u64)> {
    let o = o.unwrap_or(KeyOptions {
        ttl_hours: None,
        now: None,
    });
    Ok((
        whole(o.ttl_hours.unwrap_or(36.0), "ttlHours")?,
        now_or(o.now)?,
    ))
}

/// Options of `new ClickVerifier`. Unknown keys throw `invalid_argument`.
#[napi(object)]
pub struct ClickVerifierOptions {
    /// `disabled`, `report-only` or `enabled` (default).
    pub mode: Option<String>,
    /// Circuit breaker on (default) or off.
    pub circuit_breaker: Option<bool>,
}

/// Options with only `now`.
#[napi(object)]
pub struct NowOptions {
    /// Unix seconds (default: the clock).
    pub now: Option<f64>,
}

/// Options of `report` / `reportCsv`.
#[napi(object)]
pub struct ReportOptions {
    /// `yyyy-mm-ddThh`, with `end`.
    pub start: Option<String>,
    /// `yyyy-mm-ddThh`, with `start`.
    pub end: Option<String>,
    /// Unix seconds (default: the clock).
    pub now: Option<f64>,
}

/// The verdict on one click.
#[napi(object)]
pub struct ClickVerdict {
    /// `valid`, `missing_signature`, `expired`, `invalid_signature`, `no_active_secrets`, `excluded`, `not_validated`, `replayed`, `duplicate`, `preview` or `ticket_store_full`.
    #[napi(ts_type = "ClickOutcome")]
    pub outcome: String,
    /// Whether to serve the click under the mode (a `duplicate` or `preview` is served, not recorded).
    pub accepted: bool,
    /// The key that matched (every outcome of a genuine signature), else null.
    pub key_id: Option<String>,
    /// Whether this click tripped the circuit breaker (mode now report-only).
    pub tripped: bool,
}

/// Options of `ClickVerifier.verify`.
#[napi(object)]
pub struct ClickVerifyOptions {
    /// Unix seconds (default: the clock).
    pub now: Option<f64>,
    /// The client's IP address. The circuit breaker counts failing networks
    /// (IPv4 /24, IPv6 /32); failures without a source all count as one, so
    /// pass it wherever you know it. A repeat from the same client (IPv4
    /// address, IPv6 /64) and user agent within 5 s is a `duplicate`.
    pub source: Option<String>,
    /// The autonomous system of `source`, when an ASN database knows it: the
    /// circuit breaker then counts one source per autonomous system, so one
    /// provider's many networks count once.
    pub asn: Option<u32>,
    /// The `User-Agent` header: link-preview bots do not consume the click.
    pub user_agent: Option<String>,
    /// The `Sec-Purpose` (or `Purpose`) header: prefetches do not consume the click.
    pub purpose: Option<String>,
}

/// Options of `ClickVerifier.inspect`.
#[napi(object)]
pub struct ClickInspectOptions {
    /// Unix seconds (default: the clock).
    pub now: Option<f64>,
    /// The client's IP address.
    pub source: Option<String>,
    /// The autonomous system of `source`, when an ASN database knows it.
    pub asn: Option<u32>,
    /// The `User-Agent` header.
    pub user_agent: Option<String>,
    /// The `Sec-Purpose` (or `Purpose`) header.
    pub purpose: Option<String>,
    /// The Redis key prefix (default `clickfence:ticket:`).
    pub prefix: Option<String>,
}

/// A verification waiting for its ticket's claim in a shared store.
#[napi]
pub struct ClickInspection {
    inner: clickfence::click::Inspection,
    source: clickfence::ip::Source,
    claim: Option<(String, String, u64)>,
}

#[napi]
impl ClickInspection {
    /// The Redis key to `SET ... NX GET`, or null when there is no ticket to claim (the outcome is already known).
    #[napi(getter)]
    pub fn key(&self) -> Option<String> {
        self.claim.as_ref().map(|c| c.0.clone())
    }

    /// The value to store at first use.
    #[napi(getter)]
    pub fn value(&self) -> Option<String> {
        self.claim.as_ref().map(|c| c.1.clone())
    }

    /// Seconds the key must live.
    #[napi(getter)]
    pub fn ttl(&self) -> Option<f64> {
        self.claim.as_ref().map(|c| c.2 as f64)
    }
}

impl From<clickfence::Verdict> for ClickVerdict {
    fn from(v: clickfence::Verdict) -> Self {
        Self {
            outcome: v.outcome.code().to_owned(),
            accepted: v.accepted,
            key_id: v.outcome.key_id().map(str::to_owned),
            tripped: v.tripped,
        }
    }
}

/// The request a `verify` or `check` call describes, and its time.
fn request(o: Option<&ClickVerifyOptions>) -> Result<(Fetch<'_>, u64)> {
    let Some(o) = o else {
        return Ok((Fetch::default(), now_or(None)?));
    };
    let fetch = fetch(
        o.source.as_deref(),
        o.asn,
        o.user_agent.as_deref(),
        o.purpose.as_deref(),
    )?;
    Ok((fetch, now_or(o.now)?))
}

/// The request's source (and its ASN), user agent and purpose for the core.
fn fetch<'a>(
    source: Option<&str>,
    asn: Option<u32>,
    user_agent: Option<&'a str>,
    purpose: Option<&'a str>,
) -> Result<Fetch<'a>> {
    let source = source
        .map(clickfence::ip::parse_ip)
        .transpose()
        .map_err(core)?;
    Ok(Fetch {
        source,
        asn,
        user_agent,
        purpose,
        ..Fetch::default()
    })
}

fn now_of(o: Option<NowOptions>) -> Result<u64> {
    now_or(o.and_then(|o| o.now))
}

/// Verifies clicks: key ring, mode, circuit breaker, exclusions, report.
#[napi]
pub struct ClickVerifier(CoreVerifier);

#[napi]
impl ClickVerifier {
    /// Builds the object; throws an Error with `err.code` on bad input.
    #[napi(constructor, catch_unwind)]
    pub fn new(
        #[napi(ts_arg_type = "ClickVerifierOptions")] options: Option<Object>,
    ) -> Result<Self> {
        let o = options.as_ref();
        known_options(o, &["mode", "circuitBreaker"], "ClickVerifier")?;
        let mode: Mode = option::<String>(o, "mode")?
            .as_deref()
            .unwrap_or("enabled")
            .parse()
            .map_err(core)?;
        let breaker = option::<bool>(o, "circuitBreaker")?.unwrap_or(true);
        Ok(Self(CoreVerifier::new(mode, breaker)))
    }

    /// Adds a key; at most two may be active.
    #[napi(catch_unwind)]
    pub fn add_key(
        &self,
        id: String,
        secret: Either<String, Buffer>,
        expires_at: f64,
        options: Option<NowOptions>,
    ) -> Result<()> {
        self.0
            .add_key(
                &id,
                bytes(&secret),
                whole(expires_at, "expiresAt")?,
                now_of(options)?,
            )
            .map_err(core)
    }

    /// Generates and adds a key.
    #[napi(catch_unwind)]
    pub fn generate_key(&self, options: Option<KeyOptions>) -> Result<SecretKey> {
        let (ttl, now) = key_options(options)?;
        self.0
            .generate_key(ttl, now)
            .map(SecretKey::from)
            .map_err(core)
    }

    /// Revokes a key.
    #[napi(catch_unwind)]
    pub fn revoke_key(&self, id: String) -> Result<()> {
        self.0.revoke_key(&id).map_err(core)
    }

    /// Excludes an app id from validation.
    #[napi(catch_unwind)]
    pub fn exclude_app(&self, app_id: String) -> Result<()> {
        self.0.exclude_app(&app_id).map_err(core)
    }

    /// Includes an app again; returns whether it was excluded.
    #[napi(catch_unwind)]
    pub fn include_app(&self, app_id: String) -> bool {
        self.0.include_app(&app_id)
    }

    /// Sets the mode; `enabled` is a manual re-enable (the breaker forgets its failures and holds for an hour).
    #[napi(catch_unwind)]
    pub fn set_mode(
        &self,
        #[napi(ts_arg_type = "'disabled' | 'report-only' | 'enabled'")] mode: String,
        options: Option<NowOptions>,
    ) -> Result<()> {
        let mode = mode.parse().map_err(core)?;
        self.0.set_mode(mode, now_of(options)?);
        Ok(())
    }

    /// Bounds the store of consumed tickets: at most `capacity` live tickets, each kept at most `maxLifetime` seconds.
    #[napi(catch_unwind)]
    pub fn set_ticket_limits(&self, capacity: f64, max_lifetime: f64) -> Result<()> {
        let capacity = usize::try_from(whole(capacity, "capacity")?).unwrap_or(usize::MAX);
        self.0
            .set_ticket_limits(capacity, whole(max_lifetime, "maxLifetime")?);
        Ok(())
    }

    /// Enables or disables the circuit breaker.
    #[napi(catch_unwind)]
    pub fn set_circuit_breaker(&self, enabled: bool) {
        self.0.set_circuit_breaker(enabled);
    }

    /// The mode in force.
    #[napi(getter)]
    pub fn mode(&self) -> String {
        self.0.mode().as_str().to_owned()
    }

    /// The spec's get-configuration object.
    #[napi(catch_unwind, ts_return_type = "ClickConfig")]
    pub fn config(&self, options: Option<NowOptions>) -> Result<serde_json::Value> {
        Ok(serde_json::to_value(self.0.config(now_of(options)?)).unwrap_or_default())
    }

    /// Verifies a received click URL, consumes its one-time ticket and counts it in the report.
    #[napi(catch_unwind)]
    pub fn verify(&self, url: String, options: Option<ClickVerifyOptions>) -> Result<ClickVerdict> {
        let (fetch, now) = request(options.as_ref())?;
        Ok(self.0.verify_fetch(&url, &fetch, now).into())
    }

    /// Looks without consuming or counting: the outcome `verify` would give now (a used ticket reads `replayed` or `duplicate`).
    #[napi(catch_unwind, ts_return_type = "ClickOutcome")]
    pub fn check(&self, url: String, options: Option<ClickVerifyOptions>) -> Result<String> {
        let (fetch, now) = request(options.as_ref())?;
        Ok(self.0.check(&url, &fetch, now).code().to_owned())
    }

    /// For a fleet sharing consumed tickets in Redis: checks the signature and names the ticket to claim; pass `SET key value NX GET EX ttl`'s answer to `conclude` (what `RedisClickTickets` does).
    #[napi(catch_unwind)]
    pub fn inspect(
        &self,
        url: String,
        options: Option<ClickInspectOptions>,
    ) -> Result<ClickInspection> {
        let o = options.unwrap_or(ClickInspectOptions {
            now: None,
            source: None,
            asn: None,
            user_agent: None,
            purpose: None,
            prefix: None,
        });
        let fetch = fetch(
            o.source.as_deref(),
            o.asn,
            o.user_agent.as_deref(),
            o.purpose.as_deref(),
        )?;
        let now = now_or(o.now)?;
        let prefix = o.prefix.as_deref().unwrap_or("clickfence:ticket:");
        let inner = self.0.inspect(&url, &fetch, now);
        let claim = inner
            .ticket()
            .map(|t| (t.shared_key(prefix), t.shared_value(now), t.shared_ttl(now)));
        Ok(ClickInspection {
            inner,
            source: fetch.breaker_source(),
            claim,
        })
    }

    /// Finishes an `inspect`: `previous` is Redis's answer to the `SET ... NX GET` (null when the ticket was new); counts the report and the in-process breaker.
    #[napi(catch_unwind)]
    pub fn conclude(
        &self,
        inspection: &ClickInspection,
        previous: Option<Either<String, Buffer>>,
        options: Option<NowOptions>,
    ) -> Result<ClickVerdict> {
        let now = now_of(options)?;
        let claim = match inspection.inner.ticket() {
            Some(t) => {
                let text = previous.map(|p| String::from_utf8_lossy(bytes(&p)).into_owned());
                Some(t.shared_claim(text.as_deref(), now).map_err(core)?)
            }
            None => None,
        };
        let (mut v, counted) = self.0.conclude(inspection.inner.clone(), claim, now);
        if let Some(valid) = counted {
            v.tripped = self.0.count_breaker(valid, inspection.source, now);
        }
        Ok(v.into())
    }

    /// Hourly report rows.
    #[napi(catch_unwind, ts_return_type = "Array<ReportRow>")]
    pub fn report(&self, options: Option<ReportOptions>) -> Result<serde_json::Value> {
        let (range, now) = report_range(options)?;
        Ok(serde_json::to_value(self.0.report(range, now)).unwrap_or_default())
    }

    /// The report as CSV with the spec's columns.
    #[napi(catch_unwind)]
    pub fn report_csv(&self, options: Option<ReportOptions>) -> Result<String> {
        let (range, now) = report_range(options)?;
        Ok(self.0.report_csv(range, now))
    }
}

fn report_range(o: Option<ReportOptions>) -> Result<(ReportRange, u64)> {
    let o = o.unwrap_or(ReportOptions {
        start: None,
        end: None,
        now: None,
    });
    let range = ReportRange::parse(o.start.as_deref(), o.end.as_deref()).map_err(core)?;
    Ok((range, now_or(o.now)?))
}
