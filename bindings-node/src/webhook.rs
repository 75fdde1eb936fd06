//! Webhook signing and verification.

use std::collections::HashMap;

use clickfence::webhook::Scheme;
use clickfence::{WebhookSigner as CoreSigner, WebhookVerifier as CoreVerifier};
use napi::bindgen_prelude::{Buffer, Either, Function, JsObjectValue, Object};
use napi_derive::napi;

use crate::click::NowOptions;
use crate::convert::{
    bytes, core, invalid, known_options, now_or, option, raw_body, whole, Body, Result,
};

/// The scheme named in `options.scheme` (default `myclickshield`).
fn scheme_option(o: Option<&Object>) -> Result<Scheme> {
    match option::<String>(o, "scheme")? {
        Some(name) => Scheme::from_name(&name).map_err(core),
        None => Ok(Scheme::MyClickShield),
    }
}

/// Options of `WebhookSigner.headers`.
#[napi(object)]
pub struct HeaderOptions {
    /// The delivery id, kept across retries.
    pub delivery_id: String,
    /// This attempt's unix time (default: the clock).
    pub timestamp: Option<f64>,
}

/// Signs deliveries with one endpoint secret.
#[napi]
pub struct WebhookSigner(CoreSigner);

#[napi]
impl WebhookSigner {
    /// Builds the object; throws an Error with `err.code` on bad input.
    /// `scheme`: `myclickshield` (default) or `standard`; `previousSecret`
    /// with `previousUntil` (unix seconds) also signs with the secret being
    /// rotated out (Standard Webhooks only).
    #[napi(constructor, catch_unwind)]
    pub fn new(
        secret: Either<String, Buffer>,
        #[napi(ts_arg_type = "WebhookSignerOptions")] options: Option<Object>,
    ) -> Result<Self> {
        let o = options.as_ref();
        known_options(
            o,
            &["scheme", "previousSecret", "previousUntil"],
            "WebhookSigner",
        )?;
        let mut signer =
            CoreSigner::with_scheme(scheme_option(o)?, bytes(&secret)).map_err(core)?;
        let previous = option::<Either<String, Buffer>>(o, "previousSecret")?;
        match (previous, option::<f64>(o, "previousUntil")?) {
            (Some(old), Some(until)) => {
                signer = signer
                    .with_previous_secret(bytes(&old), whole(until, "previousUntil")?)
                    .map_err(core)?;
            }
            (None, None) => {}
            _ => return Err(invalid("give previousSecret and previousUntil together")),
        }
        Ok(Self(signer))
    }

    /// A new random secret for `scheme` (`whsec_` and base64 for `standard`).
    #[napi(catch_unwind, ts_args_type = "scheme?: WebhookScheme")]
    pub fn generate_secret(scheme: Option<String>) -> Result<String> {
        let scheme = match scheme {
            Some(name) => Scheme::from_name(&name).map_err(core)?,
            None => Scheme::MyClickShield,
        };
        CoreSigner::generate_secret(scheme).map_err(core)
    }

    /// The scheme's name.
    #[napi(getter, ts_return_type = "WebhookScheme")]
    pub fn scheme(&self) -> &'static str {
        self.0.scheme().name()
    }

    /// The `whpk_` public key receivers verify an Ed25519 (`v1a`) signer's
    /// deliveries with; null for the HMAC schemes.
    #[napi(getter)]
    pub fn public_key(&self) -> Option<String> {
        self.0.public_key()
    }

    /// Lower-case hex HMAC-SHA256 over `${timestamp}.${body}`.
    #[napi(catch_unwind)]
    pub fn sign(
        &self,
        timestamp: f64,
        #[napi(ts_arg_type = "Buffer | string")] body: Body,
    ) -> Result<String> {
        Ok(self
            .0
            .sign(whole(timestamp, "timestamp")?, raw_body(&body)?))
    }

    /// The five headers of a delivery attempt.
    #[napi(catch_unwind)]
    pub fn headers(
        &self,
        event: String,
        #[napi(ts_arg_type = "Buffer | string")] body: Body,
        options: HeaderOptions,
    ) -> Result<HashMap<String, String>> {
        let ts = match options.timestamp {
            Some(t) => whole(t, "timestamp")?,
            None => now_or(None)?,
        };
        let headers = self
            .0
            .headers(&event, &options.delivery_id, ts, raw_body(&body)?)
            .map_err(core)?;
        Ok(headers
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect())
    }
}

/// Options of `new WebhookSigner`. Unknown keys throw `invalid_argument`.
#[napi(object)]
pub struct WebhookSignerOptions {
    /// `myclickshield` (default), `standard` or `standard-v1a-experimental`.
    #[napi(ts_type = "'myclickshield' | 'standard' | 'standard-v1a-experimental'")]
    pub scheme: Option<String>,
    /// The secret being rotated out (Standard Webhooks).
    pub previous_secret: Option<Either<String, Buffer>>,
    /// The last unix second it still signs.
    pub previous_until: Option<f64>,
}

/// Options of `new WebhookVerifier`. Unknown keys throw `invalid_argument`.
#[napi(object)]
pub struct WebhookVerifierOptions {
    /// How headers, secrets and signatures are read (default
    /// `myclickshield`).
    #[napi(ts_type = "WebhookScheme")]
    pub scheme: Option<String>,
    /// Allowed clock skew in seconds, both directions (default 300).
    /// Ignored by `github` and `shopify`, whose deliveries carry no time.
    pub tolerance: Option<f64>,
}

/// Verifies deliveries against one or more secrets (rotation).
#[napi]
pub struct WebhookVerifier(std::sync::Arc<CoreVerifier>);

#[napi]
impl WebhookVerifier {
    /// Builds the object; throws an Error with `err.code` on bad input.
    #[napi(constructor, catch_unwind)]
    pub fn new(
        secrets: Either<Either<String, Buffer>, Vec<Either<String, Buffer>>>,
        #[napi(ts_arg_type = "WebhookVerifierOptions")] options: Option<Object>,
    ) -> Result<Self> {
        let o = options.as_ref();
        known_options(o, &["scheme", "tolerance"], "WebhookVerifier")?;
        let list: Vec<Either<String, Buffer>> = match secrets {
            Either::A(one) => vec![one],
            Either::B(many) => many,
        };
        let v =
            CoreVerifier::with_scheme(scheme_option(o)?, list.iter().map(bytes)).map_err(core)?;
        let tolerance = whole(
            option::<f64>(o, "tolerance")?.unwrap_or(clickfence::webhook::DEFAULT_TOLERANCE as f64),
            "tolerance",
        )?;
        v.with_tolerance(tolerance)
            .map(|v| Self(std::sync::Arc::new(v)))
            .map_err(core)
    }

    /// Verifies a delivery: `headers` is a plain object (Express `req.headers`)
    /// or a WHATWG `Headers`; `body` the raw Buffer or string. Returns the
    /// index of the secret that matched; throws with `err.code` otherwise.
    #[napi(catch_unwind)]
    pub fn verify(
        &self,
        #[napi(ts_arg_type = "Record<string, string | string[] | undefined> | Headers")]
        headers: Option<Object>,
        #[napi(ts_arg_type = "Buffer | string")] body: Body,
        options: Option<NowOptions>,
    ) -> Result<u32> {
        let now = now_or(options.and_then(|o| o.now))?;
        let verified = verify_headers(&self.0, headers, &body, now)?;
        Ok(verified.secret_index as u32)
    }

    /// The scheme's name.
    #[napi(getter, ts_return_type = "WebhookScheme")]
    pub fn scheme(&self) -> &'static str {
        self.0.scheme().name()
    }

    /// Internal (use `verify`): the verifier as an external handle, for
    /// `webhookVerifyParts`.
    #[napi(ts_return_type = "unknown")]
    pub fn handle(&self) -> napi::bindgen_prelude::External<std::sync::Arc<CoreVerifier>> {
        napi::bindgen_prelude::External::new(std::sync::Arc::clone(&self.0))
    }

    /// Verifies like `verify`, then names the Redis key that remembers this
    /// delivery and how long it must live: `SET key 1 NX EX ttl` on a
    /// shared Redis, then `sharedReplayOutcome(wasSet)` (what
    /// `clickfence/redis`'s `RedisReplayGuard` does).
    #[napi(catch_unwind)]
    pub fn shared_replay_key(
        &self,
        #[napi(ts_arg_type = "Record<string, string | string[] | undefined> | Headers")]
        headers: Option<Object>,
        #[napi(ts_arg_type = "Buffer | string")] body: Body,
        options: Option<SharedReplayOptions>,
    ) -> Result<SharedReplayKey> {
        let (prefix, now) = match options {
            Some(o) => (o.prefix, o.now),
            None => (None, None),
        };
        let now = now_or(now)?;
        let verified = verify_headers(&self.0, headers, &body, now)?;
        let prefix = prefix.as_deref().unwrap_or(DEFAULT_REPLAY_PREFIX);
        Ok(SharedReplayKey {
            secret_index: verified.secret_index as u32,
            key: clickfence::webhook::shared_replay_key(prefix, &verified).map_err(core)?,
            ttl: clickfence::webhook::shared_replay_ttl(&verified, self.0.tolerance(), now)
                .map_err(core)? as f64,
        })
    }
}

/// The prefix of shared replay keys unless another is given.
const DEFAULT_REPLAY_PREFIX: &str = "clickfence:replay:";

/// Options of `WebhookVerifier.sharedReplayKey`.
#[napi(object)]
pub struct SharedReplayOptions {
    /// Key prefix (default `clickfence:replay:`).
    pub prefix: Option<String>,
    /// Unix seconds (default: the clock).
    pub now: Option<f64>,
}

/// A verified delivery's shared replay key.
#[napi(object)]
pub struct SharedReplayKey {
    /// Index of the secret that matched.
    pub secret_index: u32,
    /// The Redis key remembering this delivery.
    pub key: String,
    /// Seconds the key must live (`EX`).
    pub ttl: f64,
}

/// What `SET key 1 NX` answered: set (a first delivery) returns; already
/// there throws `replayed_delivery`.
#[napi(catch_unwind)]
pub fn shared_replay_outcome(was_set: bool) -> Result<()> {
    clickfence::webhook::shared_replay_outcome(was_set).map_err(core)
}

/// A verified app-proxy request's parameters.
#[napi(object)]
pub struct AppProxyRequest {
    /// The `{shop}.myshopify.com` domain the request went through.
    pub shop: String,
    /// When Shopify forwarded it, unix seconds.
    pub timestamp: f64,
    /// The logged-in customer's id, or null.
    pub logged_in_customer_id: Option<String>,
    /// The proxied storefront path prefix.
    pub path_prefix: Option<String>,
}

/// Verifies a Shopify app-proxy request's raw query string (without `?`)
/// with the app's shared secret: one matching `signature`, a `timestamp`
/// within 90 s of now, a `shop`. It proves which shop the request went
/// through, never who sent it. Throws `signature_mismatch`,
/// `timestamp_too_old`, `missing_parameter`, ...
#[napi(catch_unwind)]
pub fn verify_app_proxy(
    query: String,
    secret: Either<String, Buffer>,
    options: Option<NowOptions>,
) -> Result<AppProxyRequest> {
    let now = now_or(options.and_then(|o| o.now))?;
    let r = clickfence::webhook::verify_app_proxy(&query, bytes(&secret), now).map_err(core)?;
    Ok(AppProxyRequest {
        shop: r.shop,
        timestamp: r.timestamp as f64,
        logged_in_customer_id: r.logged_in_customer_id,
        path_prefix: r.path_prefix,
    })
}

/// The signature Shopify would send for the query's other parameters (64
/// lower-case hex characters).
#[napi(catch_unwind)]
pub fn app_proxy_signature(query: String, secret: Either<String, Buffer>) -> Result<String> {
    clickfence::webhook::app_proxy_signature(&query, bytes(&secret)).map_err(core)
}

/// Options of `new ReplayGuard`.
#[napi(object)]
pub struct ReplayGuardOptions {
    /// Deliveries remembered at most (default 100,000; the oldest go first).
    pub capacity: Option<u32>,
}

/// Verifies deliveries and refuses a second one with the same timestamp and
/// signature within the verifier's tolerance (`replayed_delivery`).
#[napi]
pub struct ReplayGuard {
    verifier: CoreVerifier,
    guard: clickfence::webhook::ReplayGuard,
}

#[napi]
impl ReplayGuard {
    /// Guards deliveries verified by `verifier` (its secrets and tolerance).
    #[napi(constructor, catch_unwind)]
    pub fn new(verifier: &WebhookVerifier, options: Option<ReplayGuardOptions>) -> Self {
        let capacity = options
            .and_then(|o| o.capacity)
            .map_or(clickfence::webhook::DEFAULT_REPLAY_CAPACITY, |c| c as usize);
        Self {
            guard: clickfence::webhook::ReplayGuard::new(verifier.0.tolerance(), capacity),
            verifier: (*verifier.0).clone(),
        }
    }

    /// Verifies like `WebhookVerifier.verify`, then refuses a replay.
    /// Returns the index of the secret that matched.
    #[napi(catch_unwind)]
    pub fn verify(
        &self,
        #[napi(ts_arg_type = "Record<string, string | string[] | undefined> | Headers")]
        headers: Option<Object>,
        #[napi(ts_arg_type = "Buffer | string")] body: Body,
        options: Option<NowOptions>,
    ) -> Result<u32> {
        let now = now_or(options.and_then(|o| o.now))?;
        let verified = verify_headers(&self.verifier, headers, &body, now)?;
        self.guard.check(&verified, now).map_err(core)?;
        Ok(verified.secret_index as u32)
    }
}

/// The core's verification of a delivery given as JavaScript values.
fn verify_headers(
    verifier: &CoreVerifier,
    headers: Option<Object>,
    body: &Body,
    now: u64,
) -> Result<clickfence::webhook::Verified> {
    let headers = headers
        .ok_or_else(|| invalid("headers must be an object (req.headers) or a Headers instance"))?;
    let pairs = header_pairs(&headers, verifier.scheme().headers())?;
    verifier
        .verify(
            pairs.iter().map(|(n, v)| (n.as_str(), v.as_str())),
            raw_body(body)?,
            now,
        )
        .map_err(core)
}

/// The scheme's headers out of a plain object or a `Headers` instance.
///
fn header_pairs(headers: &Object, names: &[&str]) -> Result<Vec<(String, String)>> {
    let js = |e: napi::Error| invalid(e.to_string());
    // WHATWG Headers: names are case-insensitive through its own get().
    if headers.has_named_property("get").map_err(js)? {
        let get = headers
            .get::<Function<String, Option<String>>>("get")
            .map_err(js)?
            .ok_or_else(|| invalid("headers.get is not a function"))?;
        let mut out = Vec::new();
        for name in names {
            if let Some(value) = get.apply(headers, (*name).to_owned()).map_err(js)? {
                out.push(((*name).to_owned(), value));
            }
        }
        return Ok(out);
    }
    // Every key is looked at: a name spelt in two cases is two headers, and
    // the core reports the repeat. (main.cjs reads the default scheme's two
    // lower-case names itself before coming here.)
    let mut out = Vec::new();
    for name in Object::keys(headers).map_err(js)? {
        if !names.iter().any(|n| name.eq_ignore_ascii_case(n)) {
            continue;
        }
        if let Some(value) = headers
            .get::<Either<String, Vec<String>>>(&name)
            .map_err(js)?
        {
            push_values(&mut out, &name, value);
        }
    }
    Ok(out)
}

/// Node gives repeated headers as arrays: each value counts, so a repeat is
/// reported as `duplicate_header` by the core.
fn push_values(out: &mut Vec<(String, String)>, name: &str, value: Either<String, Vec<String>>) {
    match value {
        Either::A(v) => out.push((name.to_owned(), v)),
        Either::B(vs) => out.extend(vs.into_iter().map(|v| (name.to_owned(), v))),
    }
}

/// Internal (use `WebhookVerifier.verify`): the header names the scheme
/// reads, lower-case, in the order `webhookVerifyValues` takes their values.
#[napi(catch_unwind)]
pub fn webhook_scheme_headers(
    #[napi(ts_arg_type = "unknown")] verifier: &napi::bindgen_prelude::External<
        std::sync::Arc<CoreVerifier>,
    >,
) -> Vec<&'static str> {
    verifier.scheme().headers().to_vec()
}

/// Internal (use `WebhookVerifier.verify`): verifies a delivery from the
/// values of the scheme's headers (`webhookSchemeHeaders` order; null when
/// absent), which main.cjs reads from a plain `req.headers`.
#[napi(catch_unwind)]
pub fn webhook_verify_values(
    #[napi(ts_arg_type = "unknown")] verifier: &napi::bindgen_prelude::External<
        std::sync::Arc<CoreVerifier>,
    >,
    values: Vec<Option<String>>,
    #[napi(ts_arg_type = "Buffer | string")] body: Body,
    now: Option<f64>,
) -> Result<u32> {
    let names = verifier.scheme().headers();
    let pairs = names
        .iter()
        .zip(&values)
        .filter_map(|(n, v)| v.as_deref().map(|v| (*n, v)));
    let verified = verifier
        .verify(pairs, raw_body(&body)?, now_or(now)?)
        .map_err(core)?;
    Ok(verified.secret_index as u32)
}

/// Internal (use `WebhookVerifier.verify`): verifies a delivery from the
/// two signed headers' values, which main.cjs reads from a plain
/// `req.headers`, through a free function over an external handle.
#[napi(catch_unwind)]
pub fn webhook_verify_parts(
    #[napi(ts_arg_type = "unknown")] verifier: &napi::bindgen_prelude::External<
        std::sync::Arc<CoreVerifier>,
    >,
    timestamp: String,
    signature: String,
    #[napi(ts_arg_type = "Buffer | string")] body: Body,
    now: Option<f64>,
) -> Result<u32> {
    let verified = verifier
        .verify_parts(
            timestamp.as_bytes(),
            signature.as_bytes(),
            raw_body(&body)?,
            now_or(now)?,
        )
        .map_err(core)?;
    Ok(verified.secret_index as u32)
}
