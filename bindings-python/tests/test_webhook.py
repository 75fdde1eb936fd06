import hashlib
import hmac
import json

import pytest

import clickfence as cf
from conftest import load

V = load("webhook.json")


@pytest.mark.parametrize("case", V["sign"], ids=lambda c: c["name"])
def test_sign_vectors(case):
    body = bytes.fromhex(case["body_hex"])
    assert cf.WebhookSigner(case["secret"]).sign(case["timestamp"], body) == case["signature"]


@pytest.mark.parametrize("case", V["verify"], ids=lambda c: c["name"])
def test_verify_vectors(case):
    v = cf.WebhookVerifier(case["secrets"], tolerance=case["tolerance"])
    body = bytes.fromhex(case["body_hex"])
    if case["code"] is None:
        # Duplicate names cannot live in a dict, so pass the list of pairs through a Mapping.
        assert v.verify(dict(case["headers"]), body, now=case["now"]) == case["secret_index"]
    else:
        with pytest.raises(cf.WebhookVerificationError) as e:
            v.verify(PairMapping(case["headers"]), body, now=case["now"])
        assert e.value.code == case["code"]


class PairMapping:
    """A mapping-like object that can hold a header twice, like raw HTTP."""

    def __init__(self, pairs):
        self.pairs = [tuple(p) for p in pairs]

    def items(self):
        return list(self.pairs)


def spec_receiver(secret, headers, body, now):
    """The spec's Express sample, transcribed."""
    ts, sig = headers["x-myclickshield-timestamp"], headers["x-myclickshield-signature"]
    expected = hmac.new(secret.encode(), (ts + "." + body).encode(), hashlib.sha256).hexdigest()
    return len(sig) == len(expected) and hmac.compare_digest(expected, sig) and not abs(now - float(ts)) > 300


def test_headers_round_trip_and_agree_with_the_spec_receiver():
    body = json.dumps({"event": "ip.blocked", "data": {"site_id": 17}})
    headers = cf.WebhookSigner("whsec").headers("ip.blocked", body, delivery_id="5821", timestamp=1_777_896_000)
    assert headers["Content-Type"] == "application/json"
    assert headers["X-MyClickShield-Delivery"] == "5821"
    lower = {k.lower(): v for k, v in headers.items()}
    for now in (1_777_896_000, 1_777_896_300, 1_777_896_301, 1_777_895_600):
        try:
            cf.WebhookVerifier("whsec").verify(lower, body, now=now)
            ours = True
        except cf.WebhookVerificationError:
            ours = False
        assert ours == spec_receiver("whsec", lower, body, now)


def test_parsed_json_body_is_refused_with_a_hint():
    with pytest.raises(TypeError, match="raw request body"):
        cf.WebhookVerifier("s").verify({}, {"event": "x"})
    with pytest.raises(TypeError, match="mapping"):
        cf.WebhookVerifier("s").verify(42, b"{}")


def test_replay_guard_refuses_the_second_delivery():
    v = cf.WebhookVerifier(["old", "new"])
    guard = cf.ReplayGuard(v, capacity=10)
    body = b'{"event":"ip.blocked"}'
    sig = cf.WebhookSigner("new").sign(1_777_896_000, body)
    headers = {"X-MyClickShield-Timestamp": "1777896000", "X-MyClickShield-Signature": sig}
    assert guard.verify(headers, body, now=1_777_896_000) == 1
    with pytest.raises(cf.WebhookVerificationError) as e:
        guard.verify(dict(headers, **{"X-MyClickShield-Delivery": "other"}), body, now=1_777_896_010)
    assert e.value.code == "replayed_delivery"


def test_construction_errors():
    with pytest.raises(cf.WebhookError) as e:
        cf.WebhookVerifier([])
    assert e.value.code == "invalid_secret_count"
    with pytest.raises(cf.WebhookError) as e:
        cf.WebhookVerifier("s", tolerance=0)
    assert e.value.code == "invalid_tolerance"


def test_large_bodies_verify_off_the_interpreter():
    body = b"x" * (1 << 20)
    sig = cf.WebhookSigner("s").sign(1_777_896_000, body)
    h = {"X-MyClickShield-Timestamp": "1777896000", "X-MyClickShield-Signature": sig}
    assert cf.WebhookVerifier("s").verify(h, body, now=1_777_896_000) == 0
