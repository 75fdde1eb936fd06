//! The receiving side: verifying signed clicks against the key ring, under a
//! mode, with a circuit breaker, exclusions and an hourly report.

use std::collections::BTreeSet;
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;

use super::breaker::{Breaker, BreakerTrip, BREAKER_REENABLE_HOLD};
use super::breaker_shared::SharedBreakerCounts;
use super::fetch::Fetch;
use super::keyring::{KeyRing, SecretKey};
use super::policy::Mode;
use super::report::{rows_to_csv, Report, ReportRange, ReportRow};
use super::ticket::{Claim, Ticket, TicketStore};
use super::url::{app_id, split_signed, SignedUrl};
use super::ClickError;
use crate::ip::Source;
use crate::mac::TAG_LEN;

/// An `expires` at or above this is read as milliseconds, below as seconds.
/// 10^11 seconds is the year 5138; 10^11 milliseconds is March 1973, so no
/// real expiry is ambiguous.
pub const EXPIRES_MILLIS_THRESHOLD: u64 = 100_000_000_000;

/// What verification found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Signed by an active key and not expired.
    Valid {
        /// The id of the key that matched.
        key_id: Arc<str>,
    },
    /// No `signature` parameter.
    MissingSignature,
    /// Signed by an active key, but `expires` has passed.
    Expired {
        /// The id of the key that matched.
        key_id: Arc<str>,
    },
    /// The signature is malformed, matches no active key, or `expires` is
    /// missing or not a number.
    InvalidSignature,
    /// No key was active to check the signature with.
    NoActiveSecrets,
    /// The click's app is excluded from validation.
    Excluded,
    /// The mode is `disabled`: nothing was checked.
    NotValidated,
    /// A genuine, unexpired signature that an earlier click already used: a
    /// replayed ticket. Never valid; refused in `enabled` mode.
    Replayed {
        /// The id of the key that matched.
        key_id: Arc<str>,
    },
    /// A repeat of a click just accepted, from the same client and user
    /// agent within [`DUPLICATE_SECONDS`](super::DUPLICATE_SECONDS) (a
    /// double click): the same answer as the first, counted once.
    Duplicate {
        /// The id of the key that matched.
        key_id: Arc<str>,
    },
    /// A genuine, unexpired signature fetched by a link preview or a
    /// prefetch: not a person's click. Served, never counted, and the
    /// ticket stays unused for the person's own click.
    Preview {
        /// The id of the key that matched.
        key_id: Arc<str>,
    },
    /// A genuine, unexpired signature that could not be shown to be a
    /// first use because the ticket store is full of live tickets. Never
    /// valid (refusing is preferred to forgetting a ticket).
    TicketStoreFull {
        /// The id of the key that matched.
        key_id: Arc<str>,
    },
}

impl Outcome {
    /// The stable `snake_case` name, as the report and bindings spell it.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Valid { .. } => "valid",
            Self::MissingSignature => "missing_signature",
            Self::Expired { .. } => "expired",
            Self::InvalidSignature => "invalid_signature",
            Self::NoActiveSecrets => "no_active_secrets",
            Self::Excluded => "excluded",
            Self::NotValidated => "not_validated",
            Self::Replayed { .. } => "replayed",
            Self::Duplicate { .. } => "duplicate",
            Self::Preview { .. } => "preview",
            Self::TicketStoreFull { .. } => "ticket_store_full",
        }
    }

    /// The key that matched, for every outcome of a genuine signature.
    pub fn key_id(&self) -> Option<&str> {
        match self {
            Self::Valid { key_id }
            | Self::Expired { key_id }
            | Self::Replayed { key_id }
            | Self::Duplicate { key_id }
            | Self::Preview { key_id }
            | Self::TicketStoreFull { key_id } => Some(key_id),
            _ => None,
        }
    }

    /// Whether this is a new click to record (with whatever status the
    /// scorer gives it): false for a `duplicate` (already recorded once) and
    /// a `preview` (not a person's click).
    pub fn is_new_click(&self) -> bool {
        !matches!(self, Self::Duplicate { .. } | Self::Preview { .. })
    }

    /// What the circuit breaker counts: `Some(true)` for a valid click,
    /// `Some(false)` for a failed validation, `None` for everything that is
    /// neither (replays, duplicates, previews, a full store, exclusions,
    /// nothing validated), so none of those can move it either way.
    pub fn breaker_count(&self) -> Option<bool> {
        match self {
            Self::Valid { .. } => Some(true),
            Self::MissingSignature
            | Self::Expired { .. }
            | Self::InvalidSignature
            | Self::NoActiveSecrets => Some(false),
            _ => None,
        }
    }
}

/// The verdict on one click: what was found, and whether the click is accepted
/// under the mode in force when it was checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// What verification found.
    pub outcome: Outcome,
    /// Whether to serve the click (redirect the visitor) under the mode.
    /// Whether it is also a new click to record and attribute is
    /// [`Outcome::is_new_click`]: a `duplicate` or a `preview` is served and
    /// not recorded again.
    pub accepted: bool,
    /// The mode the verdict was taken under.
    pub mode: Mode,
    /// Whether this click tripped the circuit breaker (the mode is now
    /// `report-only`; [`ClickVerifier::breaker_trip`] says why). Callers
    /// that persist the mode should persist it now.
    pub tripped: bool,
    /// The ticket this click consumed (first use of a genuine signature),
    /// for callers that keep consumed tickets across restarts
    /// ([`ClickVerifier::restore_ticket`]).
    pub ticket: Option<Ticket>,
}

/// The first half of a verification, waiting for its ticket's claim
/// ([`ClickVerifier::inspect`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inspection {
    outcome: Outcome,
    mode: Mode,
    ticket: Option<Ticket>,
}

impl Inspection {
    /// The ticket to claim before concluding, for a genuine, unexpired
    /// signature that is not a preview.
    pub fn ticket(&self) -> Option<&Ticket> {
        self.ticket.as_ref()
    }

    /// The outcome so far (`valid` while a ticket waits for its claim).
    pub fn outcome(&self) -> &Outcome {
        &self.outcome
    }
}

/// An active key as the configuration shows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct KeyInfo {
    /// The key id.
    #[serde(rename = "secret-key-id")]
    pub id: String,
    /// Expiry, unix seconds.
    #[serde(rename = "expiration")]
    pub expires_at: u64,
}

/// The circuit breaker's state as the configuration shows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BreakerConfig {
    /// `enabled` or `disabled`.
    pub status: &'static str,
    /// The last time it tripped, if it has.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tripped: Option<BreakerTrip>,
    /// The last manual re-enable (unix seconds); the breaker does not trip
    /// for an hour after it.
    #[serde(rename = "re-enabled-at", skip_serializing_if = "Option::is_none")]
    pub reenabled_at: Option<u64>,
}

/// A snapshot of the verifier's configuration, serializing to the spec's
/// get-configuration JSON.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ClickConfig {
    /// `disabled`, `report-only` or `enabled`.
    pub mode: &'static str,
    /// The circuit breaker.
    #[serde(rename = "circuit-breaker-config")]
    pub circuit_breaker: BreakerConfig,
    /// Keys active at the time of the snapshot.
    #[serde(rename = "active-key-ids")]
    pub active_keys: Vec<KeyInfo>,
    /// Excluded app ids, sorted.
    #[serde(rename = "excluded-app-ids")]
    pub excluded_apps: Vec<String>,
}

#[derive(Debug, Default)]
struct Keys {
    ring: KeyRing,
    excluded: BTreeSet<String>,
}

#[derive(Debug, Default)]
struct Counters {
    report: Report,
    breaker: Breaker,
    tripped: Option<BreakerTrip>,
    reenabled_at: Option<u64>,
}

/// Verifies signed clicks. Shareable across threads (`Send + Sync`); every
/// method takes `&self`.
///
/// ```
/// use clickfence::{ClickSigner, ClickVerifier, Mode};
/// let verifier = ClickVerifier::new(Mode::Enabled, true);
/// verifier.add_key("key-1", "s3cret", 2_000_000_000, 1_600_000_000)?;
/// let url = ClickSigner::new("s3cret")?.sign("https://app.example/com.app?pid=n", 1_600_000_300)?;
/// let verdict = verifier.verify(&url, 1_600_000_000);
/// assert_eq!(verdict.outcome.code(), "valid");
/// assert_eq!(verdict.outcome.key_id(), Some("key-1"));
/// assert!(verdict.accepted);
/// # Ok::<(), clickfence::ClickError>(())
/// ```
#[derive(Debug)]
pub struct ClickVerifier {
    mode: AtomicU8,
    breaker: AtomicBool,
    keys: RwLock<Keys>,
    counters: Mutex<Counters>,
    tickets: TicketStore,
}

impl Default for ClickVerifier {
    fn default() -> Self {
        Self::new(Mode::Enabled, true)
    }
}

impl ClickVerifier {
    /// A verifier with no keys, in `mode`, with the circuit breaker on or off.
    pub fn new(mode: Mode, circuit_breaker: bool) -> Self {
        Self {
            mode: AtomicU8::new(mode.to_u8()),
            breaker: AtomicBool::new(circuit_breaker),
            keys: RwLock::default(),
            counters: Mutex::default(),
            tickets: TicketStore::default(),
        }
    }

    /// Verifies a received click URL at `now` (unix seconds), consumes its
    /// one-time ticket, counts it in the report, and lets the circuit
    /// breaker react. The click's source is not known, so its failure cannot
    /// help trip the breaker and a repeat is never a double click (see
    /// [`verify_fetch`](Self::verify_fetch)).
    ///
    /// Order: mode `disabled` → `not_validated`; excluded app → `excluded`;
    /// no `signature` → `missing_signature`; no active key →
    /// `no_active_secrets`; malformed or unmatched → `invalid_signature`; then,
    /// only for a genuine signature, expiry → `expired`; a preview or
    /// prefetch → `preview`; then its ticket: first use → `valid`, a double
    /// click → `duplicate`, any other repeat → `replayed`, no room →
    /// `ticket_store_full`.
    pub fn verify(&self, url: &str, now: u64) -> Verdict {
        self.verify_fetch(url, &Fetch::default(), now)
    }

    /// [`verify`](Self::verify) for a click from `source` (the client's
    /// address). The circuit breaker counts failing *networks* (IPv4 /24,
    /// IPv6 /32), so it trips only when failures come from many of them;
    /// failures with no source all count as one network.
    pub fn verify_from(&self, url: &str, source: Option<IpAddr>, now: u64) -> Verdict {
        let fetch = Fetch {
            source,
            ..Fetch::default()
        };
        self.verify_fetch(url, &fetch, now)
    }

    /// [`verify`](Self::verify) with what is known of the request: its
    /// source, user agent and purpose header (previews, prefetches and
    /// double clicks are told apart from replays with them).
    pub fn verify_fetch(&self, url: &str, fetch: &Fetch<'_>, now: u64) -> Verdict {
        let (mut verdict, counted) = self.verify_deferring_breaker(url, fetch, now);
        if let Some(valid) = counted {
            verdict.tripped = self.count_breaker(valid, fetch.breaker_source(), now);
        }
        verdict
    }

    /// [`verify_fetch`](Self::verify_fetch) for a fleet whose breaker counts
    /// are shared (in Redis, [`breaker_shared`](crate::click::breaker_shared)):
    /// verifies, consumes the ticket in this verifier's store and counts
    /// the report, but leaves the breaker to the caller. When the second
    /// value is `Some(valid)`, the caller runs the shared script for this
    /// click and gives its answer to
    /// [`apply_shared_breaker`](Self::apply_shared_breaker), or, when the
    /// shared store cannot answer, counts it in-process with
    /// [`count_breaker`](Self::count_breaker). The verdict's `tripped` is
    /// false; theirs says whether the click tripped the breaker.
    pub fn verify_deferring_breaker(
        &self,
        url: &str,
        fetch: &Fetch<'_>,
        now: u64,
    ) -> (Verdict, Option<bool>) {
        let inspection = self.inspect(url, fetch, now);
        let claim = inspection.ticket.map(|t| self.claim_ticket(&t, now));
        self.conclude(inspection, claim, now)
    }

    /// The first half of verification, for callers whose consumed tickets
    /// live elsewhere (a fleet's Redis, [`Ticket::shared_key`]): checks the
    /// mode, exclusions and signature, and recognises previews. When the
    /// inspection holds a [`ticket`](Inspection::ticket), claim it (in
    /// Redis, or with [`claim_ticket`](Self::claim_ticket)) and pass the
    /// [`Claim`] to [`conclude`](Self::conclude). Nothing is counted yet.
    pub fn inspect(&self, url: &str, fetch: &Fetch<'_>, now: u64) -> Inspection {
        let now = crate::time::clamp_time(now);
        let mode = self.mode();
        if mode == Mode::Disabled {
            return Inspection {
                outcome: Outcome::NotValidated,
                mode,
                ticket: None,
            };
        }
        let (outcome, ticket) = self.check_signature(url, fetch, now);
        Inspection {
            outcome,
            mode,
            ticket,
        }
    }

    /// Claims `ticket` in this verifier's own store at `now`.
    pub fn claim_ticket(&self, ticket: &Ticket, now: u64) -> Claim {
        self.tickets.claim(ticket, crate::time::clamp_time(now))
    }

    /// The second half of verification: the verdict for `inspection` given
    /// what claiming its ticket found (`None` when it had none; a ticket
    /// left unclaimed reads as [`Claim::Full`], never as a first use).
    /// Counts the report; the second value is what the breaker must count,
    /// as for [`verify_deferring_breaker`](Self::verify_deferring_breaker).
    pub fn conclude(
        &self,
        inspection: Inspection,
        claim: Option<Claim>,
        now: u64,
    ) -> (Verdict, Option<bool>) {
        let now = crate::time::clamp_time(now);
        let Inspection {
            outcome,
            mode,
            ticket,
        } = inspection;
        let (outcome, consumed) = match (outcome, ticket) {
            (Outcome::Valid { key_id }, Some(t)) => match claim.unwrap_or(Claim::Full) {
                Claim::First => (Outcome::Valid { key_id }, Some(t)),
                Claim::Duplicate => (Outcome::Duplicate { key_id }, None),
                Claim::Replayed => (Outcome::Replayed { key_id }, None),
                Claim::Full => (Outcome::TicketStoreFull { key_id }, None),
            },
            (outcome, _) => (outcome, None),
        };
        if mode != Mode::Disabled && outcome.is_new_click() && outcome != Outcome::Excluded {
            self.lock_counters().report.count(&outcome, now);
        }
        let accepted = match mode {
            Mode::Enabled => matches!(
                outcome,
                Outcome::Valid { .. }
                    | Outcome::Excluded
                    | Outcome::Duplicate { .. }
                    | Outcome::Preview { .. }
            ),
            Mode::ReportOnly | Mode::Disabled => true,
        };
        let counted = outcome.breaker_count();
        let verdict = Verdict {
            outcome,
            accepted,
            mode,
            tripped: false,
            ticket: consumed,
        };
        (verdict, counted)
    }

    /// Looks without consuming or counting: what [`verify_fetch`](Self::verify_fetch)
    /// would find for this URL now (a consumed ticket reads `replayed` or
    /// `duplicate`), whatever the mode. For callers that must look before
    /// the click is really taken (a landing page that checks, then
    /// redirects to the verifying endpoint).
    pub fn check(&self, url: &str, fetch: &Fetch<'_>, now: u64) -> Outcome {
        let now = crate::time::clamp_time(now);
        match self.check_signature(url, fetch, now) {
            (Outcome::Valid { key_id }, Some(t)) => match self.tickets.peek(&t.tag, now) {
                None => Outcome::Valid { key_id },
                Some(used) => match used.judge(t.fingerprint, now) {
                    Claim::Duplicate => Outcome::Duplicate { key_id },
                    _ => Outcome::Replayed { key_id },
                },
            },
            (outcome, _) => outcome,
        }
    }

    /// Counts a validated click from `source` (an address, an
    /// [`Option<IpAddr>`], or a [`Source`](crate::ip::Source) with its
    /// autonomous system) in this verifier's own breaker; returns whether it
    /// tripped (the mode is now `report-only`).
    pub fn count_breaker(&self, valid: bool, source: impl Into<Source>, now: u64) -> bool {
        let now = crate::time::clamp_time(now);
        let mut counters = self.lock_counters();
        match counters.breaker.count(valid, source.into(), now) {
            Some(trip) => self.switch_on_trip(&mut counters, trip),
            None => false,
        }
    }

    /// Applies the fleet's shared breaker counts at one failed click;
    /// returns whether they tripped the breaker (the mode is now
    /// `report-only`). The rule is the in-process breaker's.
    pub fn apply_shared_breaker(&self, counts: &SharedBreakerCounts) -> bool {
        match counts.trip() {
            Some(trip) => self.switch_on_trip(&mut self.lock_counters(), trip),
            None => false,
        }
    }

    /// Moves `enabled` to `report-only` for `trip`, if the breaker is on and
    /// the last manual re-enable is at least
    /// [`BREAKER_REENABLE_HOLD`](super::BREAKER_REENABLE_HOLD) old. Only the
    /// click that moves the mode records the trip.
    fn switch_on_trip(&self, counters: &mut Counters, trip: BreakerTrip) -> bool {
        if !self.circuit_breaker() {
            return false;
        }
        if counters
            .reenabled_at
            .is_some_and(|at| trip.at < at.saturating_add(BREAKER_REENABLE_HOLD))
        {
            return false;
        }
        let switched = self
            .mode
            .compare_exchange(
                Mode::Enabled.to_u8(),
                Mode::ReportOnly.to_u8(),
                Ordering::AcqRel,
                Ordering::Acquire,
            )
            .is_ok();
        if switched {
            counters.tripped = Some(trip);
        }
        switched
    }

    /// Validates `url` as [`verify`](Self::verify) would in a validating mode,
    /// without counting it, whatever the mode and whether or not its ticket
    /// was used: the test API's signature check.
    pub fn test(&self, url: &str, now: u64) -> Outcome {
        let now = crate::time::clamp_time(now);
        self.check_signature(url, &Fetch::default(), now).0
    }

    /// The signature's outcome, and for a genuine, unexpired signature that
    /// is not a preview, the ticket to claim (its outcome is then `valid`).
    fn check_signature(&self, url: &str, fetch: &Fetch<'_>, now: u64) -> (Outcome, Option<Ticket>) {
        let keys = self.read_keys();
        if !fetch.ignore_exclusions && app_id(url).is_some_and(|app| keys.excluded.contains(app)) {
            return (Outcome::Excluded, None);
        }
        let (message, signature, expires) = match split_signed(url) {
            SignedUrl::Unsigned => return (Outcome::MissingSignature, None),
            _ if keys.ring.active(now).next().is_none() => return (Outcome::NoActiveSecrets, None),
            SignedUrl::Malformed => return (Outcome::InvalidSignature, None),
            SignedUrl::Signed {
                message,
                signature,
                expires,
            } => (message, signature, expires),
        };
        let Some(tag) = decode_signature(signature) else {
            return (Outcome::InvalidSignature, None);
        };
        // Every active key is tried, so timing does not tell which matched.
        let mut matched = None;
        for key in keys.ring.active(now) {
            if key.mac.verify(&[message.as_bytes()], &tag) && matched.is_none() {
                matched = Some((Arc::clone(&key.id), key.expires_at));
            }
        }
        let Some((key_id, key_expires)) = matched else {
            return (Outcome::InvalidSignature, None);
        };
        if is_expired(expires, now) {
            return (Outcome::Expired { key_id }, None);
        }
        if fetch.is_preview() {
            return (Outcome::Preview { key_id }, None);
        }
        let (_, max_lifetime) = self.tickets.limits();
        let ticket = Ticket {
            tag,
            expires_at: valid_until(expires)
                .min(key_expires)
                .min(now.saturating_add(max_lifetime)),
            fingerprint: fetch.fingerprint(),
        };
        (Outcome::Valid { key_id }, Some(ticket))
    }

    /// Bounds the ticket store: at most `capacity` live tickets, each kept
    /// at most `max_lifetime` seconds (see [`ticket`](super::ticket)'s docs).
    pub fn set_ticket_limits(&self, capacity: usize, max_lifetime: u64) {
        self.tickets.set_limits(capacity, max_lifetime);
    }

    /// Puts back a ticket consumed at `consumed_at` before a restart (from
    /// [`Verdict::ticket`] saved by the caller). Returns whether it was kept
    /// (an expired one is not).
    pub fn restore_ticket(&self, ticket: &Ticket, consumed_at: u64, now: u64) -> bool {
        self.tickets
            .restore(ticket, consumed_at, crate::time::clamp_time(now))
    }

    /// Tickets held (expired ones not yet dropped included).
    pub fn ticket_count(&self) -> usize {
        self.tickets.len()
    }

    /// Bytes the ticket store's tables have allocated.
    pub fn ticket_memory(&self) -> usize {
        self.tickets.allocated_bytes()
    }

    /// The mode in force.
    pub fn mode(&self) -> Mode {
        Mode::from_u8(self.mode.load(Ordering::Acquire))
    }

    /// Sets the mode at `now` (the configure-mode API). Setting `enabled` is
    /// a manual re-enable: it forgets the failures the breaker counted
    /// before, and the breaker does not trip again for
    /// [`BREAKER_REENABLE_HOLD`](super::BREAKER_REENABLE_HOLD) seconds.
    pub fn set_mode(&self, mode: Mode, now: u64) {
        let mut counters = self.lock_counters();
        if mode == Mode::Enabled {
            counters.breaker.forget_failures();
            counters.reenabled_at = Some(crate::time::clamp_time(now));
        }
        self.mode.store(mode.to_u8(), Ordering::Release);
    }

    /// The last manual re-enable (setting the mode to `enabled`), if any.
    pub fn reenabled_at(&self) -> Option<u64> {
        self.lock_counters().reenabled_at
    }

    /// Restores the mode and last re-enable time stored by the caller
    /// (after a restart, or another fleet instance's change) without
    /// counting as a new re-enable.
    pub fn restore_mode(&self, mode: Mode, reenabled_at: Option<u64>) {
        let mut counters = self.lock_counters();
        if reenabled_at != counters.reenabled_at {
            counters.breaker.forget_failures();
            counters.reenabled_at = reenabled_at;
        }
        self.mode.store(mode.to_u8(), Ordering::Release);
    }

    /// Whether the circuit breaker is enabled.
    pub fn circuit_breaker(&self) -> bool {
        self.breaker.load(Ordering::Acquire)
    }

    /// Enables or disables the circuit breaker (the configure-circuit-breaker API).
    /// Turning it on forgets the failures counted while it was off.
    pub fn set_circuit_breaker(&self, enabled: bool) {
        let mut counters = self.lock_counters();
        if enabled && !self.circuit_breaker() {
            counters.breaker.forget_failures();
        }
        self.breaker.store(enabled, Ordering::Release);
    }

    /// The last time the breaker tripped, if it has.
    pub fn breaker_trip(&self) -> Option<BreakerTrip> {
        self.lock_counters().tripped
    }

    /// Restores a trip recorded before a restart, so the configuration still
    /// shows it. The mode is restored separately with [`set_mode`](Self::set_mode).
    pub fn restore_breaker_trip(&self, trip: Option<BreakerTrip>) {
        self.lock_counters().tripped = trip;
    }

    /// Adds a key with `secret`'s bytes as given, expiring at `expires_at`
    /// (unix seconds). At most two keys may be active at `now`.
    pub fn add_key(
        &self,
        id: &str,
        secret: impl AsRef<[u8]>,
        expires_at: u64,
        now: u64,
    ) -> Result<(), ClickError> {
        let now = crate::check_time(now)?;
        self.write_keys()
            .ring
            .add(id, secret.as_ref(), expires_at, now)
    }

    /// Generates a key (the generate-secret-key API) and adds it. Refused
    /// before any randomness is drawn when two keys are already active.
    pub fn generate_key(&self, ttl_hours: u64, now: u64) -> Result<SecretKey, ClickError> {
        let now = crate::check_time(now)?;
        let mut keys = self.write_keys();
        if !keys.ring.has_room(now) {
            return Err(ClickError::TooManyActiveKeys);
        }
        let key = SecretKey::generate(ttl_hours, now)?;
        keys.ring
            .add(&key.id, key.secret.as_bytes(), key.expires_at, now)?;
        Ok(key)
    }

    /// Revokes the key `id`.
    pub fn revoke_key(&self, id: &str) -> Result<(), ClickError> {
        self.write_keys().ring.revoke(id)
    }

    /// Excludes an app id (first path segment of its click URLs) from validation.
    pub fn exclude_app(&self, app_id: &str) -> Result<(), ClickError> {
        if app_id.is_empty() {
            return Err(ClickError::EmptyAppId);
        }
        self.write_keys().excluded.insert(app_id.to_owned());
        Ok(())
    }

    /// Includes a previously excluded app again. Returns whether it was excluded.
    pub fn include_app(&self, app_id: &str) -> bool {
        self.write_keys().excluded.remove(app_id)
    }

    /// The configuration at `now`, as the get-configuration API shows it.
    pub fn config(&self, now: u64) -> ClickConfig {
        let now = crate::time::clamp_time(now);
        let keys = self.read_keys();
        ClickConfig {
            mode: self.mode().as_str(),
            circuit_breaker: BreakerConfig {
                status: if self.circuit_breaker() {
                    "enabled"
                } else {
                    "disabled"
                },
                tripped: self.breaker_trip(),
                reenabled_at: self.reenabled_at(),
            },
            active_keys: keys
                .ring
                .active(now)
                .map(|k| KeyInfo {
                    id: k.id.to_string(),
                    expires_at: k.expires_at,
                })
                .collect(),
            excluded_apps: keys.excluded.iter().cloned().collect(),
        }
    }

    /// Report rows for `range`: hours with at least one validated click.
    pub fn report(&self, range: ReportRange, now: u64) -> Vec<ReportRow> {
        let now = crate::time::clamp_time(now);
        self.lock_counters().report.rows(range, now)
    }

    /// The report as CSV with the spec's columns.
    pub fn report_csv(&self, range: ReportRange, now: u64) -> String {
        rows_to_csv(&self.report(range, now))
    }

    // A panic while a lock is held cannot leave these structures half-updated
    // (every update is a single insert or counter bump), so a poisoned lock is
    // still safe to use.
    fn read_keys(&self) -> RwLockReadGuard<'_, Keys> {
        self.keys.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write_keys(&self) -> RwLockWriteGuard<'_, Keys> {
        self.keys.write().unwrap_or_else(PoisonError::into_inner)
    }

    fn lock_counters(&self) -> MutexGuard<'_, Counters> {
        self.counters.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Decodes a base64url (no padding) signature of exactly 32 bytes.
fn decode_signature(text: &str) -> Option<[u8; TAG_LEN]> {
    // 32 bytes are 43 base64 characters without padding.
    if text.len() != 43 {
        return None;
    }
    let mut buf = [0u8; 33];
    match URL_SAFE_NO_PAD.decode_slice(text, &mut buf) {
        Ok(TAG_LEN) => {
            let mut tag = [0u8; TAG_LEN];
            tag.copy_from_slice(&buf[..TAG_LEN]);
            Some(tag)
        }
        _ => None,
    }
}

/// The first second at which a URL with `expires` no longer verifies.
fn valid_until(expires: u64) -> u64 {
    if expires >= EXPIRES_MILLIS_THRESHOLD {
        (expires / 1000).saturating_add(1)
    } else {
        expires.saturating_add(1)
    }
}

/// Whether `expires` (seconds or milliseconds, by magnitude) has passed at
/// `now`. A click is valid up to and including its `expires` second.
fn is_expired(expires: u64, now: u64) -> bool {
    if expires >= EXPIRES_MILLIS_THRESHOLD {
        now.saturating_mul(1000) > expires
    } else {
        now > expires
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiry_reads_seconds_and_millis_by_magnitude() {
        assert!(!is_expired(1_597_657_118, 1_597_657_118));
        assert!(is_expired(1_597_657_118, 1_597_657_119));
        assert!(!is_expired(1_597_657_118_000, 1_597_657_118));
        assert!(is_expired(1_597_657_118_999, 1_597_657_119));
        assert!(!is_expired(EXPIRES_MILLIS_THRESHOLD - 1, 1_597_657_118));
    }

    #[test]
    fn signature_must_be_43_canonical_base64url_chars() {
        let good = "8fnDVzZP_WRZnv3KNJaREOEfvB5p9oRc_XlKEvUo8gk";
        assert!(decode_signature(good).is_some());
        assert!(decode_signature(&format!("{good}=")).is_none());
        assert!(decode_signature(&good.replace('_', "/")).is_none());
        assert!(decode_signature(&good[..42]).is_none());
        // Non-zero trailing bits are not canonical.
        assert!(decode_signature("8fnDVzZP_WRZnv3KNJaREOEfvB5p9oRc_XlKEvUo8gl").is_none());
        assert!(decode_signature("").is_none());
    }

    #[test]
    fn verifier_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<ClickVerifier>();
    }
}
