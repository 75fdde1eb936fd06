"""Every scheme against tests/vectors/webhook_schemes.json, then against the
providers' own Python libraries: deliveries made by `standardwebhooks` verify
here, ours verify there, and Stripe's library agrees with the Stripe vectors."""
import datetime
import json
import time

import pytest
import standardwebhooks.webhooks as sw
import stripe

import clickfence as cf
from conftest import load

V = load("webhook_schemes.json")


class PairMapping:
    """A mapping-like object that can hold a header twice, like raw HTTP."""

    def __init__(self, pairs):
        self.pairs = [tuple(p) for p in pairs]

    def items(self):
        return list(self.pairs)


@pytest.mark.parametrize("case", V["cases"], ids=lambda c: c["name"])
def test_scheme_vectors(case):
    v = cf.WebhookVerifier(case["secrets"], scheme=case["scheme"], tolerance=case["tolerance"])
    assert v.scheme == case["scheme"]
    body = bytes.fromhex(case["body_hex"])
    if case["code"] is None:
        assert v.verify(PairMapping(case["headers"]), body, now=case["now"]) == case["secret_index"]
    else:
        with pytest.raises(cf.WebhookVerificationError) as e:
            v.verify(PairMapping(case["headers"]), body, now=case["now"])
        assert e.value.code == case["code"]


@pytest.mark.parametrize("case", V["construct"], ids=lambda c: c["name"])
def test_bad_settings(case):
    with pytest.raises(cf.WebhookError) as e:
        cf.WebhookVerifier(case["secrets"], scheme=case["scheme"])
    assert e.value.code == case["code"]


@pytest.mark.parametrize("run", V["replay"], ids=lambda r: r["scheme"])
def test_replay_guards(run):
    guard = cf.ReplayGuard(cf.WebhookVerifier(run["secrets"], scheme=run["scheme"]))
    for step in run["steps"]:
        body = bytes.fromhex(step["body_hex"])
        if step["code"] is None:
            guard.verify(PairMapping(step["headers"]), body, now=step["now"])
        else:
            with pytest.raises(cf.WebhookVerificationError) as e:
                guard.verify(PairMapping(step["headers"]), body, now=step["now"])
            assert e.value.code == step["code"]


@pytest.mark.parametrize("case", V["sign"], ids=lambda c: c["name"])
def test_standard_signing(case):
    kwargs = {}
    if "previous_secret" in case:
        kwargs = dict(previous_secret=case["previous_secret"], previous_until=case["previous_until"])
    signer = cf.WebhookSigner(case["secret"], scheme=case["scheme"], **kwargs)
    body = bytes.fromhex(case["body_hex"])
    headers = signer.headers(case["event"], body, delivery_id=case["delivery_id"], timestamp=case["timestamp"])
    assert headers == dict(case["headers"])


def test_providers_formats_are_signed_by_their_libraries():
    with pytest.raises(cf.WebhookError) as e:
        cf.WebhookSigner("k", scheme="stripe")  # type: ignore[arg-type]
    assert e.value.code == "unsupported_scheme"
    with pytest.raises(TypeError):
        cf.WebhookSigner("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", scheme="standard",
                         previous_secret="whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")


def test_standardwebhooks_deliveries_verify_here():
    secret = cf.WebhookSigner.generate_secret("standard")
    theirs = sw.Webhook(secret)
    body = json.dumps({"type": "ip.blocked", "data": {"ip": "203.0.113.42"}})
    for n in range(20):
        at = datetime.datetime.fromtimestamp(1_777_896_000 + n, tz=datetime.timezone.utc)
        msg_id = f"msg_{n}"
        signature = theirs.sign(msg_id, at, body)
        headers = {"webhook-id": msg_id, "webhook-timestamp": str(int(at.timestamp())),
                   "webhook-signature": signature}
        assert cf.WebhookVerifier(secret, scheme="standard").verify(headers, body, now=at.timestamp()) == 0
        tampered = dict(headers, **{"webhook-id": msg_id + "x"})
        with pytest.raises(cf.WebhookVerificationError):
            cf.WebhookVerifier(secret, scheme="standard").verify(tampered, body, now=at.timestamp())


def test_ours_verify_with_standardwebhooks_including_rotation():
    old, new = cf.WebhookSigner.generate_secret("standard"), cf.WebhookSigner.generate_secret("standard")
    now = int(time.time())
    signer = cf.WebhookSigner(new, scheme="standard", previous_secret=old, previous_until=now + 60)
    body = b'{"event":"ip.blocked"}'
    headers = signer.headers("ip.blocked", body, delivery_id="msg_1", timestamp=now)
    # Receivers still on the old secret, and those already on the new one.
    for secret in (old, new):
        assert sw.Webhook(secret).verify(body, headers) == {"event": "ip.blocked"}
    after = signer.headers("ip.blocked", body, delivery_id="msg_2", timestamp=now + 61)
    with pytest.raises(sw.WebhookVerificationError):
        sw.Webhook(old).verify(body, after)


@pytest.mark.parametrize("case", [c for c in V["cases"] if c["scheme"] == "stripe"], ids=lambda c: c["name"])
def test_stripes_library_agrees_with_the_stripe_vectors(case, monkeypatch):
    header = dict((k.lower(), v) for k, v in case["headers"])["stripe-signature"]
    body = bytes.fromhex(case["body_hex"]).decode()
    monkeypatch.setattr("time.time", lambda: case["now"])
    verdicts = []
    for secret in case["secrets"]:
        try:
            stripe.WebhookSignature.verify_header(body, header, secret, tolerance=300)
            verdicts.append(True)
        except stripe.SignatureVerificationError:
            verdicts.append(False)
    if case["code"] is None:
        assert verdicts.index(True) == case["secret_index"]
    elif case["code"] == "duplicate_parameter":
        pass  # Stripe's parser keeps the last t; ours refuses an ambiguous header.
    elif case["code"] == "timestamp_in_future":
        # Stripe's library bounds the age only; ours refuses a delivery from
        # further ahead than the tolerance too (a signer's clock far ahead
        # would otherwise stretch the replay window).
        assert all(verdicts)
    else:
        assert not any(verdicts)


def test_v1a_against_an_independent_ed25519():
    """Standard Webhooks' experimental v1a, both ways, against `cryptography`
    (OpenSSL's Ed25519): the reference libraries do not implement v1a."""
    import base64

    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

    scheme = "standard-v1a-experimental"
    b64 = lambda raw: base64.b64encode(raw).decode()  # noqa: E731
    body = b'{"type":"ip.blocked"}'
    for n in range(20):
        theirs = Ed25519PrivateKey.generate()
        public = "whpk_" + b64(theirs.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))
        ts = 1_777_896_000 + n
        signed = f"msg_{n}.{ts}.".encode() + body
        headers = {"webhook-id": f"msg_{n}", "webhook-timestamp": str(ts),
                   "webhook-signature": "v1a," + b64(theirs.sign(signed))}
        assert cf.WebhookVerifier(public, scheme=scheme).verify(headers, body, now=ts) == 0
        with pytest.raises(cf.WebhookVerificationError) as e:
            cf.WebhookVerifier(public, scheme=scheme).verify(headers, body + b" ", now=ts)
        assert e.value.code == "signature_mismatch"
        # Ours signs with their secret key; their public key verifies it.
        seed = theirs.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
        ours = cf.WebhookSigner("whsk_" + b64(seed), scheme=scheme)
        assert ours.public_key == public
        out = ours.headers("ip.blocked", body, delivery_id=f"msg_{n}", timestamp=ts)
        version, sig = out["webhook-signature"].split(",")
        assert version == "v1a"
        theirs.public_key().verify(base64.b64decode(sig), signed)
        with pytest.raises(InvalidSignature):
            theirs.public_key().verify(base64.b64decode(sig), signed + b" ")
