"""Exceptions raised by clickfence. Every one carries ``.code``, the core's
stable snake_case error code (the same in Rust, C, Python and Node)."""


class ClickfenceError(Exception):
    """Base of every clickfence error."""

    code: str

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code

    def __reduce__(self):  # keep code through pickling (multiprocessing)
        return (type(self), (str(self), self.code))


class ClickSigningError(ClickfenceError):
    """A click URL could not be signed, or the verifier refused a setting."""


class WebhookError(ClickfenceError):
    """A webhook signer or verifier could not be built."""


class WebhookVerificationError(WebhookError):
    """A delivery failed verification (``missing_header``, ``timestamp_too_old``,
    ``signature_mismatch``, ...): answer 400 and do not process it."""


class IpAccessError(ClickfenceError):
    """An address, prefix, list or country code was refused."""


class AccessConfigError(IpAccessError):
    """An IP blocking config or block record was refused; the message names the field."""


class GeoIpError(IpAccessError):
    """A MaxMind database could not be opened or read, or is of the wrong type."""


class RateLimitError(ClickfenceError):
    """A quota or rate check was refused (``rate_store_full``, ``cost_exceeds_limit``, ...)."""


class ScoringRulesError(ClickfenceError):
    """Scoring rules or thresholds were refused."""


class SignalsError(ClickfenceError):
    """Click signals did not match the expected shape; the message names the field."""


__all__ = [
    "ClickfenceError",
    "ClickSigningError",
    "WebhookError",
    "WebhookVerificationError",
    "IpAccessError",
    "AccessConfigError",
    "GeoIpError",
    "RateLimitError",
    "ScoringRulesError",
    "SignalsError",
]
