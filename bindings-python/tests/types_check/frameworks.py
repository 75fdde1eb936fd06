"""Type-checked by mypy --strict and pyright in the test command, never run:
the stubs against real frameworks' request types, and mistakes the types
must catch. Each ``# type: ignore[...]`` marks a line that must stay an
error: mypy's --warn-unused-ignores and pyright's
reportUnnecessaryTypeIgnoreComment fail the check if it stops being one."""

import django.http
import flask
import starlette.requests
from typing_extensions import assert_type

import clickfence as cf
import clickfence.redis
from clickfence.types import (
    AccessDecisionDict,
    AccessReason,
    AnonymousFlags,
    AsnInfo,
    ClickOutcome,
    ClickStatus,
    ClientIpSource,
    Mode,
    Reason,
)

verifier = cf.WebhookVerifier(["whsec_new", "whsec_old"], tolerance=300)
guard = cf.ReplayGuard(verifier)


def flask_view(request: flask.Request) -> int:
    return verifier.verify(request.headers, request.get_data())


async def starlette_view(request: starlette.requests.Request) -> int:
    return guard.verify(request.headers, await request.body())


def django_view(request: django.http.HttpRequest) -> int:
    return verifier.verify(request.headers, request.body)


def plain_dict(body: bytes) -> int:
    return verifier.verify({"X-MyClickShield-Timestamp": "1", "X-MyClickShield-Signature": "ab"}, body)


def shared(client: object, request: flask.Request) -> int:
    return clickfence.redis.RedisReplayGuard(client, verifier).verify(request.headers, request.get_data())


def literals(v: cf.ClickVerifier, p: cf.AccessPolicy, s: cf.Scorer, g: cf.GeoIp, t: cf.IpSet) -> None:
    assert_type(v.verify("https://a.example/x").outcome, ClickOutcome)
    assert_type(v.mode, Mode)
    assert_type(p.check("203.0.113.9").reason, "AccessReason | None")
    assert_type(p.check("203.0.113.9").to_dict(), AccessDecisionDict)
    assessment = s.score({"ip_vpn": True})
    assert_type(assessment.status, ClickStatus)
    assert_type(assessment.reasons, list[Reason])
    assert_type(g.anonymous("203.0.113.9"), AnonymousFlags)
    assert_type(g.asn("203.0.113.9"), "AsnInfo | None")
    assert_type(cf.client_ip("10.0.0.1", trusted=t), tuple[str, ClientIpSource])


def mistakes(v: cf.ClickVerifier, g: cf.GeoIp) -> None:
    cf.ClickVerifier(mode="on")  # type: ignore[arg-type]
    v.set_mode("paused")  # type: ignore[arg-type]
    verifier.verify(["X-MyClickShield-Timestamp"], b"{}")  # type: ignore[arg-type]
    verifier.verify({}, {"parsed": "json"})  # type: ignore[arg-type]
    g.anonymous("203.0.113.9")["is_tor"]  # type: ignore[typeddict-item]
    cf.WebhookVerifier("s", mode="enabled")  # type: ignore[call-arg]
    cf.WebhookVerifier("s", scheme="Stripe")  # type: ignore[arg-type]
    cf.WebhookSigner("s", scheme="stripe")  # type: ignore[arg-type]
