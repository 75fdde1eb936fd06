"""clickfence: click signing, webhook verification, IP access, rate windows
and fraud scoring, in-process.

>>> import clickfence as cf
>>> signer = cf.ClickSigner("zGW6Rhrmb8+vuhHtL/Kp6rW5Ci9PNsjH1J5MGO9SIeg=")
>>> url = signer.sign("https://app.appsflyer.com/com.app.id?pid=net", expires=1597657118)
>>> url.startswith("https://app.appsflyer.com/com.app.id?pid=net&expires=1597657118&signature=")
True
"""

from ._clickfence import (
    AccessDecision,
    AccessPolicy,
    Assessment,
    ClickSigner,
    ClickInspection,
    ClickVerdict,
    ClickVerifier,
    CrawlerVerifier,
    GeoIp,
    IpSet,
    RateDecision,
    RateLimiter,
    ReplayGuard,
    Scorer,
    SecretKey,
    VelocityCounter,
    WebhookSigner,
    WebhookVerifier,
    __version__,
    app_proxy_signature,
    client_ip,
    client_key,
    fraud_rate,
    generate_secret_key,
    verify_app_proxy,
)
from .errors import (
    AccessConfigError,
    ClickfenceError,
    ClickSigningError,
    GeoIpError,
    IpAccessError,
    RateLimitError,
    ScoringRulesError,
    SignalsError,
    WebhookError,
    WebhookVerificationError,
)

__all__ = [
    "AccessConfigError",
    "AccessDecision",
    "AccessPolicy",
    "Assessment",
    "ClickSigner",
    "ClickSigningError",
    "ClickInspection",
    "ClickVerdict",
    "ClickVerifier",
    "ClickfenceError",
    "CrawlerVerifier",
    "GeoIp",
    "GeoIpError",
    "IpAccessError",
    "IpSet",
    "RateDecision",
    "RateLimitError",
    "RateLimiter",
    "ReplayGuard",
    "Scorer",
    "ScoringRulesError",
    "SecretKey",
    "SignalsError",
    "VelocityCounter",
    "WebhookError",
    "WebhookSigner",
    "WebhookVerificationError",
    "WebhookVerifier",
    "__version__",
    "app_proxy_signature",
    "client_ip",
    "client_key",
    "fraud_rate",
    "generate_secret_key",
    "verify_app_proxy",
]
