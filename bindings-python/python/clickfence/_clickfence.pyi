"""Type stubs for the extension module (checked by mypy.stubtest in the tests)."""

import os
from typing import Any, Iterable, Literal, Mapping, Optional, Union, final

from .types import (
    AccessDecisionDict,
    AccessReason,
    AnonymousFlags,
    AsnInfo,
    ClickOutcome,
    ClickStatus,
    ClientIpSource,
    Headers,
    Mode,
    Reason,
    WebhookScheme,
)

_Bytes = Union[bytes, bytearray, str]

__version__: str
__all__ = [
    "RATE_SCRIPT",
    "VELOCITY_SCRIPT",
    "AccessDecision",
    "AccessPolicy",
    "AsnTable",
    "Assessment",
    "ClickInspection",
    "ClickSigner",
    "ClickVerdict",
    "ClickVerifier",
    "CrawlerVerifier",
    "GeoIp",
    "IpSet",
    "RateDecision",
    "RateLimiter",
    "ReplayGuard",
    "Scorer",
    "SecretKey",
    "VelocityCounter",
    "WebhookSigner",
    "WebhookVerifier",
    "__version__",
    "app_proxy_signature",
    "client_ip",
    "client_key",
    "decode_rate_reply",
    "decode_velocity_reply",
    "fraud_rate",
    "generate_secret_key",
    "hosting_asn",
    "rate_script_args",
    "shared_rate_key",
    "shared_replay_outcome",
    "verify_app_proxy",
]

@final
class ClickSigner:
    """Signs click URLs with one secret key (bytes as given, not base64-decoded)."""
    def __new__(cls, secret: _Bytes) -> "ClickSigner":
        """Signs click URLs with one secret key (bytes as given, not base64-decoded)."""
    def sign(self, url: str, *, expires: Optional[int] = None, ttl: int = 300, millis: bool = False) -> str:
        """Appends `expires` (default: now + ttl) and `signature` to `url`."""

@final
class SecretKey:
    """A generated secret key."""
    @property
    def id(self) -> str:
        """UUIDv4 id."""
    @property
    def secret(self) -> str:
        """32 random bytes in standard base64, used as text."""
    @property
    def expires_at(self) -> int:
        """Expiry, unix seconds."""

def generate_secret_key(*, ttl_hours: int = 36, now: Optional[float] = None) -> SecretKey:
    """Generates a key that expires `ttl_hours` from now."""

@final
class ClickInspection:
    """A verification waiting for its ticket's claim in a shared store."""
    @property
    def key(self) -> Optional[str]:
        """The Redis key to `SET ... NX GET`, or None when there is no ticket to claim (the outcome is already known)."""
    @property
    def value(self) -> Optional[str]:
        """The value to store at first use."""
    @property
    def ttl(self) -> Optional[int]:
        """Seconds the key must live."""

@final
class ClickVerdict:
    """The verdict on one click."""
    @property
    def outcome(self) -> ClickOutcome:
        """`valid`, `missing_signature`, `expired`, `invalid_signature`,
        `no_active_secrets`, `excluded`, `not_validated`, `replayed`,
        `duplicate`, `preview` or `ticket_store_full`.
        """
    @property
    def accepted(self) -> bool:
        """Whether to serve the click under the mode (a `duplicate` or `preview` is served, not recorded)."""
    @property
    def key_id(self) -> Optional[str]:
        """The key that matched (every outcome of a genuine signature)."""
    @property
    def tripped(self) -> bool:
        """Whether this click tripped the circuit breaker (mode now report-only)."""

@final
class ClickVerifier:
    """Verifies clicks: key ring, mode, circuit breaker, exclusions, report.
    Safe to share between threads.
    """
    def __new__(cls, *, mode: Mode = "enabled", circuit_breaker: bool = True) -> "ClickVerifier":
        """Verifies clicks: key ring, mode, circuit breaker, exclusions, report.
        Safe to share between threads.
        """
    def add_key(self, id: str, secret: _Bytes, expires_at: int, *, now: Optional[float] = None) -> None:
        """Adds a key (`secret` as given) expiring at `expires_at` (unix seconds); at most two may be active. Raises `ClickSigningError` with `.code`."""
    def generate_key(self, *, ttl_hours: int = 36, now: Optional[float] = None) -> SecretKey:
        """Generates and adds a random key valid for `ttl_hours` (1-720, default 36); returns its id, secret and expiry."""
    def revoke_key(self, id: str) -> None:
        """Revokes the key `id` (`unknown_key` if there is none)."""
    def exclude_app(self, app_id: str) -> None:
        """Excludes `app_id` from validation: its clicks are `excluded`, accepted and not counted."""
    def include_app(self, app_id: str) -> bool:
        """Validates `app_id` again; returns whether it was excluded."""
    def set_mode(self, mode: Mode, *, now: Optional[float] = None) -> None:
        """Sets the mode: `disabled`, `report-only` or `enabled` (a manual re-enable: the breaker forgets its old failures and holds for an hour)."""
    def set_ticket_limits(self, *, capacity: int, max_lifetime: int) -> None:
        """Bounds the store of consumed tickets: at most `capacity` live tickets, each kept at most `max_lifetime` seconds."""
    def set_circuit_breaker(self, enabled: bool) -> None:
        """Enables or disables the circuit breaker (enabling forgets failures counted while it was off)."""
    @property
    def mode(self) -> Mode:
        """The mode in force: `disabled`, `report-only` or `enabled`."""
    def config(self, *, now: Optional[float] = None) -> dict[str, Any]:
        """The configuration as the spec's `GET config` shows it (mode, breaker, active keys, excluded apps)."""
    def verify(
        self,
        url: str,
        *,
        now: Optional[float] = None,
        source: Optional[str] = None,
        user_agent: Optional[str] = None,
        purpose: Optional[str] = None,
        asn: Optional[int] = None,
    ) -> ClickVerdict:
        """Verifies a received click URL (byte for byte as signed) and consumes its one-time ticket, counts it in the report and lets the circuit breaker react; `source` is the client's address (the breaker counts networks, not requests) and `asn` its autonomous system when an ASN database knows it (one provider's many networks then count once), `user_agent` and `purpose` (the `Sec-Purpose` / `Purpose` header) tell link previews, prefetches and double clicks from replays."""
    def check(
        self,
        url: str,
        *,
        now: Optional[float] = None,
        source: Optional[str] = None,
        user_agent: Optional[str] = None,
        purpose: Optional[str] = None,
    ) -> ClickOutcome:
        """Looks without consuming or counting: the outcome `verify` would give now (a used ticket reads `replayed` or `duplicate`)."""
    def inspect(
        self,
        url: str,
        *,
        prefix: str = "clickfence:ticket:",
        now: Optional[float] = None,
        source: Optional[str] = None,
        user_agent: Optional[str] = None,
        purpose: Optional[str] = None,
        asn: Optional[int] = None,
    ) -> ClickInspection:
        """For a fleet sharing consumed tickets in Redis: checks the signature and names the ticket to claim; pass `SET key value NX GET EX ttl`'s answer to `conclude` (what `clickfence.redis.RedisClickTickets` does)."""
    def conclude(
        self, inspection: ClickInspection, previous: Optional[_Bytes], *, now: Optional[float] = None
    ) -> ClickVerdict:
        """Finishes an `inspect`: `previous` is Redis's answer to the `SET ... NX GET` (None when the ticket was new); counts the report and the in-process breaker."""
    def report(
        self, *, start: Optional[str] = None, end: Optional[str] = None, now: Optional[float] = None
    ) -> list[dict[str, Any]]:
        """The hourly report rows between `start` and `end` (`yyyy-mm-ddThh`, UTC), or the last 24 hours."""
    def report_csv(self, *, start: Optional[str] = None, end: Optional[str] = None, now: Optional[float] = None) -> str:
        """The hourly report as the spec's CSV (header line first)."""

@final
class WebhookSigner:
    """Signs deliveries with one endpoint secret."""
    def __new__(cls, secret: _Bytes, *, scheme: Literal["myclickshield", "standard", "standard-v1a-experimental"] = "myclickshield", previous_secret: Optional[_Bytes] = None, previous_until: Optional[int] = None) -> "WebhookSigner":
        """Signs deliveries with one endpoint secret."""
    @staticmethod
    def generate_secret(scheme: WebhookScheme = "myclickshield") -> str:
        """A new random secret for `scheme` (`whsec_` and base64 for `standard`)."""
    @property
    def scheme(self) -> WebhookScheme:
        """The scheme's name."""
    @property
    def public_key(self) -> Optional[str]:
        """The `whpk_` public key receivers verify an Ed25519 (`v1a`) signer's
        deliveries with; None for the HMAC schemes.
        """
    def sign(self, timestamp: int, body: _Bytes) -> str:
        """Lower-case hex HMAC-SHA256 over `"{timestamp}.{body}"`."""
    def headers(self, event: str, body: _Bytes, *, delivery_id: str, timestamp: Optional[int] = None) -> dict[str, str]:
        """The five delivery headers; call per attempt with that attempt's timestamp."""

@final
class WebhookVerifier:
    """Verifies deliveries against one or more secrets (rotation). Thread-safe."""
    def __new__(cls, secrets: Union[_Bytes, list[_Bytes], tuple[_Bytes, ...]], *, scheme: WebhookScheme = "myclickshield", tolerance: int = 300) -> "WebhookVerifier":
        """Verifies deliveries against one or more secrets (rotation). Thread-safe."""
    @property
    def scheme(self) -> WebhookScheme:
        """The scheme's name."""
    def verify(self, headers: Headers, body: _Bytes, *, now: Optional[float] = None) -> int:
        """Verifies `headers` (any mapping with `.items()`, names case-insensitive)
        and the raw `body`; returns the index of the secret that matched.
        Raises `WebhookVerificationError` with `.code` on failure.
        """
    def shared_replay_key(self, headers: Headers, body: _Bytes, *, prefix: str = "clickfence:replay:", now: Optional[float] = None) -> tuple[int, str, int]:
        """Verifies like `verify`, then names the Redis key that remembers this
        delivery and how long it must live: `(secret_index, key, ttl)` for
        `SET key 1 NX EX ttl` on a shared Redis, whose answer
        `shared_replay_outcome` reads (what `clickfence.redis.RedisReplayGuard`
        does).
        """

@final
class ReplayGuard:
    """Remembers accepted deliveries within the tolerance to refuse replays."""
    def __new__(cls, verifier: WebhookVerifier, *, capacity: int = 100000) -> "ReplayGuard":
        """Remembers accepted deliveries within the tolerance to refuse replays."""
    def verify(self, headers: Headers, body: _Bytes, *, now: Optional[float] = None) -> int:
        """Verifies like `WebhookVerifier.verify`, then refuses a second delivery
        with the same timestamp and signature, or for GitHub and Shopify the
        same delivery id (`replayed_delivery`).
        """

@final
class GeoIp:
    """An opened MaxMind DB (Country/City, Anonymous IP or ASN). Thread-safe."""
    def __new__(cls, path: Union[str, "os.PathLike[str]"]) -> "GeoIp":
        """An opened MaxMind DB (Country/City, Anonymous IP or ASN). Thread-safe."""
    @property
    def database_type(self) -> str:
        """The database's type, e.g. `GeoIP2-Country`."""
    def country(self, ip: str) -> Optional[str]:
        """The ISO country code of `ip`, or None."""
    def anonymous(self, ip: str) -> AnonymousFlags:
        """Anonymity flags: anonymous, vpn, hosting, public_proxy, residential_proxy, tor."""
    def asn(self, ip: str) -> Optional[AsnInfo]:
        """`{"number": ..., "organization": ...}` or None."""

@final
class IpSet:
    """An immutable set of addresses and CIDRs. `ip in ipset`."""
    def __new__(cls, items: Optional[Iterable[str]] = None) -> "IpSet":
        """An immutable set of addresses and CIDRs. `ip in ipset`."""
    @staticmethod
    def from_lines(text: str) -> "IpSet":
        """Parses one IP or CIDR per line, with `#` comments and blank lines."""
    @staticmethod
    def from_published(format: str, text: str) -> "IpSet":
        """Loads a published range file in its publisher's format (`aws`,
        `google-cloud`, `azure`, `oracle`, `digitalocean`, `tor-exits`,
        `spamhaus-drop`); `date` is the date the file gives itself. Raises
        `IpAccessError` (`invalid_ranges`) naming a bad entry."""
    @property
    def date(self) -> Optional[str]:
        """The date a published file gave itself (`from_published`), else `None`."""
    def __contains__(self, key: str, /) -> bool:
        """Return key in self."""
    def __len__(self) -> int:
        """Return len(self)."""

@final
class AccessDecision:
    """The answer to check-ip-access."""
    @property
    def allowed(self) -> bool:
        """Whether the visitor may proceed."""
    @property
    def reason(self) -> Optional[AccessReason]:
        """Why not, e.g. `blocked_country`."""
    @property
    def country(self) -> Optional[str]:
        """The visitor's country when blocked (`XX` when unknown)."""
    @property
    def country_hint_ignored(self) -> bool:
        """The country hint was malformed and read as unknown."""
    def to_dict(self) -> AccessDecisionDict:
        """Exactly the spec's JSON object."""

@final
class AsnTable:
    """Address → autonomous system from the free ip-location-db ASN CSV
    (`asn-ipv4.csv`, `asn-ipv6.csv`)."""
    def __new__(cls) -> "AsnTable":
        """Address → autonomous system from the free ip-location-db ASN CSV
        (`asn-ipv4.csv`, `asn-ipv6.csv`)."""
    def load_csv(self, text: str) -> None:
        """Adds the rows of one CSV file; a bad row refuses the whole file
        (`IpAccessError`, `invalid_ranges`, naming the line)."""
    def lookup(self, ip: str) -> Optional[tuple[int, Optional[str]]]:
        """`(asn, organization)` of the row holding `ip`, or `None`."""
    def __len__(self) -> int:
        """Return len(self)."""

def hosting_asn(asn: int) -> Optional[dict[str, Any]]:
    """The listed hosting provider of an AS number: `{"asn", "operator",
    "source"}`, or `None`."""

@final
class AccessPolicy:
    """A compiled IP access policy. Thread-safe."""
    def __new__(
        cls,
        config: Union[Mapping[str, Any], str],
        *,
        geoip: Optional[GeoIp] = None,
        anonymous_ip: Optional[GeoIp] = None,
        tor: Optional[IpSet] = None,
        vpn: Optional[IpSet] = None,
        datacenter: Optional[IpSet] = None,
        blocks: Optional[Iterable[Mapping[str, Any]]] = None,
        asn_table: Optional[AsnTable] = None,
        privacy_relays: Optional[list[IpSet]] = None,
    ) -> "AccessPolicy":
        """A compiled IP access policy. Thread-safe."""
    def check(self, ip: str, *, country: Optional[str] = None, now: Optional[float] = None) -> AccessDecision:
        """Checks a visitor (`country` is a CF-IPCountry value)."""

def client_ip(
    peer: str,
    *,
    trusted: IpSet,
    cloudflare: Optional[IpSet] = None,
    forwarded_for: Optional[list[str]] = None,
    cf_connecting_ip: Optional[str] = None,
) -> tuple[str, ClientIpSource]:
    """Picks the client address from the peer and proxy headers: X-Forwarded-For
    through the `trusted` proxies, CF-Connecting-IP only when a `cloudflare`
    address vouches for it. Returns `(address, source)`, source being `peer`,
    `forwarded_for` or `cf_connecting_ip` (only then may CF-IPCountry be
    believed).
    """

@final
class RateDecision:
    """One rate decision."""
    @property
    def allowed(self) -> bool:
        """Whether the request may proceed (and was counted)."""
    @property
    def limit(self) -> int:
        """The quota's limit."""
    @property
    def remaining(self) -> int:
        """Units left in the window."""
    @property
    def retry_after(self) -> Optional[int]:
        """When refused: seconds until this request would pass; else `None`."""
    @property
    def reset_after(self) -> int:
        """Seconds until the whole quota is back."""
    def headers(self) -> dict[str, str]:
        """The response headers (X-RateLimit-*, RateLimit-Policy, RateLimit, Retry-After)."""

@final
class RateLimiter:
    """At most `limit` units per key in any `window` seconds. Thread-safe."""
    def __new__(cls, *, limit: int = 60, window: int = 60, max_keys: int = 1000000) -> "RateLimiter":
        """At most `limit` units per key in any `window` seconds. Thread-safe."""
    def check(self, key: _Bytes, *, cost: int = 1, now: Optional[float] = None) -> RateDecision:
        """Checks and counts `cost` units (0 only reads) of `key`; a refusal is a decision, not an exception."""

RATE_SCRIPT: str
VELOCITY_SCRIPT: str

def rate_script_args(*, limit: int, window: int, cost: int) -> list[str]:
    """The arguments of the core's window script for one check (as strings);
    refuses what the in-process limiter refuses.
    """
def shared_rate_key(prefix: str, key: Union[str, bytes]) -> bytes:
    """The Redis key for `key` under `prefix`; refuses a key the in-process limiter refuses (over 1024 bytes, `rate_key_too_long`)."""
def client_key(text: str) -> str:
    """`text` as a key part: as it is when it is at most 64 bytes of printable ASCII other than `#`, `|` and `:`, else `#` and 32 hex digits of its SHA-256; bounds keys built from client text (click ids, shop names)."""
def decode_rate_reply(reply: list[int], *, limit: int, window: int) -> RateDecision:
    """The window script's reply as the decision the core makes."""
def decode_velocity_reply(reply: list[int]) -> tuple[int, int]:
    """The velocity script's reply as (last_minute, last_hour)."""
def verify_app_proxy(query: str, secret: _Bytes, *, now: Optional[float] = None) -> dict[str, Any]:
    """Verifies a Shopify app-proxy request's raw query string (without `?`) with the app's shared secret: one matching `signature`, a `timestamp` within 90 s of now, a `shop`. Returns `{"shop", "timestamp", "logged_in_customer_id", "path_prefix"}`; raises `WebhookVerificationError` otherwise. It proves which shop the request went through, never who sent it."""
def app_proxy_signature(query: str, secret: _Bytes) -> str:
    """The signature Shopify would send for the query's other parameters (64 lower-case hex characters)."""
def shared_replay_outcome(was_set: bool) -> None:
    """What `SET key 1 NX` answered: set (a first delivery) returns; already
    there raises `WebhookVerificationError` with code `replayed_delivery`.
    """

@final
class VelocityCounter:
    """Sliding minute / hour event counts per key. Thread-safe."""
    def __new__(cls, *, max_keys: int = 1000000) -> "VelocityCounter":
        """Sliding minute / hour event counts per key. Thread-safe."""
    def record(self, key: _Bytes, *, now: Optional[float] = None) -> tuple[int, int]:
        """Records one event; returns (last_minute, last_hour) including it."""
    def peek(self, key: _Bytes, *, now: Optional[float] = None) -> tuple[int, int]:
        """The counts of `key` (last_minute, last_hour) without recording an event."""

@final
class Assessment:
    """The scorer's verdict on one click."""
    @property
    def score(self) -> int:
        """The score, 0-100."""
    @property
    def status(self) -> ClickStatus:
        """`valid`, `flagged` or `blocked` against the thresholds."""
    @property
    def classification(self) -> str:
        """The heaviest reason's code, or `clean`."""
    @property
    def category(self) -> Literal["clean", "givt", "sivt"]:
        """`clean`, `givt` (declared, not fraud) or `sivt` (fraud)."""
    @property
    def reasons(self) -> list[Reason]:
        """`[{"code", "points", "detail", "category"}, ...]`"""
    def to_dict(self) -> dict[str, Any]:
        """The whole assessment as a dict."""

@final
class Scorer:
    """Scores clicks with a rule set and a site's thresholds. Thread-safe."""
    def __new__(
        cls,
        *,
        rules: Union[Mapping[str, Any], str, None] = None,
        block_threshold: int = 70,
        flag_threshold: int = 40,
        crawler_list: Optional[str] = None,
        crawler_list_source: str = "crawler list",
    ) -> "Scorer":
        """Scores clicks with a rule set and a site's thresholds. Thread-safe."""
    def score(self, signals: Union[Mapping[str, Any], str]) -> Assessment:
        """Scores a click from its signals (a dict with the core's snake_case names, or JSON)."""
    @property
    def crawler_list(self) -> tuple[str, int]:
        """Where the crawler list in use came from, and its pattern count."""
    def is_bot_user_agent(self, user_agent: str) -> bool:
        """Whether a user agent is not a person's browser (a declared crawler,
        library, link preview or automation)."""
    def user_agent_category(self, user_agent: str) -> Literal["clean", "givt", "sivt"]:
        """`givt`, `sivt` or `clean`: what the user agent alone says."""

@final
class CrawlerVerifier:
    """Checks clients that claim a major crawler (Googlebot, Bingbot, ...) the
    way the operators document: published ranges, else forward-confirmed
    reverse DNS. Sans-I/O: `check` returns the lookup it needs; resolve it
    and call again with one more answer. Thread-safe."""
    def __new__(cls) -> "CrawlerVerifier":
        """Checks clients that claim a major crawler (Googlebot, Bingbot, ...) the
        way the operators document: published ranges, else forward-confirmed
        reverse DNS. Sans-I/O: `check` returns the lookup it needs; resolve it
        and call again with one more answer. Thread-safe."""
    def load_ranges(self, operator: str, json: str) -> None:
        """Loads an operator's published ranges (Google's / Bing's JSON format)."""
    def ranges_date(self, operator: str) -> Optional[str]:
        """The `creationTime` of an operator's loaded ranges."""
    def check(
        self, user_agent: str, ip: str, answers: Union[list[Any], str, None] = None
    ) -> Optional[dict[str, Any]]:
        """Where the check of `ip`'s claim stands after `answers`: `None` when
        the user agent claims no known crawler, else `{"operator", "verdict"}`
        or `{"operator", "question": {"ptr": ip} | {"addresses": name}}`."""

def fraud_rate(total_clicks: int, blocked_clicks: int) -> float:
    """Blocked clicks as a percentage of all, two decimals (the stats endpoint's `fraud_rate`)."""
