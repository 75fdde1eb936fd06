"""The shapes clickfence takes and returns, for type checkers (mypy --strict,
pyright) and editors: the literal strings of modes, outcomes, statuses and
reasons, the spec-shaped dictionaries, and the headers protocol that lets
Flask/werkzeug, Starlette/FastAPI and Django request headers be passed to
``WebhookVerifier.verify`` as they are.

>>> from clickfence.types import Mode
>>> mode: Mode = "report-only"
"""

from __future__ import annotations

from typing import Iterable, Literal, Optional, Protocol, Tuple, TypedDict, Union

__all__ = [
    "AccessDecisionDict",
    "AccessReason",
    "AnonymousFlags",
    "AsnInfo",
    "ClickOutcome",
    "ClickStatus",
    "ClientIpSource",
    "Headers",
    "Mode",
    "Reason",
]

#: A click-signing mode (``click-signing.txt``).
Mode = Literal["disabled", "report-only", "enabled"]

#: How a ``WebhookVerifier`` reads headers, secrets and signatures: this
#: platform's, Standard Webhooks (and Svix), Standard Webhooks' asymmetric
#: ``v1a`` (experimental), Stripe, GitHub or Shopify.
WebhookScheme = Literal["myclickshield", "standard", "standard-v1a-experimental", "stripe", "github", "shopify"]

#: What ``ClickVerifier.verify`` found.
ClickOutcome = Literal[
    "valid",
    "missing_signature",
    "expired",
    "invalid_signature",
    "no_active_secrets",
    "excluded",
    "not_validated",
    "replayed",
    "duplicate",
    "preview",
    "ticket_store_full",
]

#: Why ``AccessPolicy.check`` refused an address (``edge-api.txt``).
AccessReason = Literal[
    "blocked_ip",
    "blocked_cidr",
    "blocked_country",
    "blocked_tor",
    "blocked_vpn",
    "blocked_datacenter",
]

#: A scored click's status against the site's thresholds.
ClickStatus = Literal["valid", "flagged", "blocked"]

#: Where ``client_ip`` found the client's address; only
#: ``cf_connecting_ip`` lets ``CF-IPCountry`` be believed.
ClientIpSource = Literal["peer", "forwarded_for", "cf_connecting_ip"]


class Headers(Protocol):
    """Anything with ``.items()`` giving ``(name, value)`` pairs: a ``dict``,
    werkzeug's ``Headers`` / ``EnvironHeaders`` (Flask), Starlette's
    ``Headers`` (FastAPI), Django's ``HttpHeaders``. Names are matched
    case-insensitively; only the two signed headers are read."""

    def items(self) -> Iterable[Tuple[Union[str, bytes], Union[str, bytes]]]: ...


class AnonymousFlags(TypedDict):
    """A GeoIP2 Anonymous IP record's flags (all false without a record)."""

    anonymous: bool
    vpn: bool
    hosting: bool
    public_proxy: bool
    residential_proxy: bool
    tor: bool


class AsnInfo(TypedDict):
    """An ASN database record."""

    number: int
    organization: Optional[str]


class Reason(TypedDict):
    """One rule that added points to a click's score."""

    code: str
    points: int
    detail: str
    category: Literal["givt", "sivt"]


class _AccessAllowed(TypedDict):
    allowed: bool


class AccessDecisionDict(_AccessAllowed, total=False):
    """Exactly the spec's ``check-ip-access`` answer: ``{"allowed": True}``,
    or ``allowed`` false with ``reason`` and ``country``."""

    reason: AccessReason
    country: str
