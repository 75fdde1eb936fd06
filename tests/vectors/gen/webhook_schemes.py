"""Generates tests/vectors/webhook_schemes.json with Python's standard library only.

Each provider's signature is computed here from its documentation, independently
of the Rust core, and the two providers that publish an example are checked
against it before anything is written:

- Standard Webhooks' reference vector (the spec repository's and Svix's
  libraries' test): secret whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw, id
  msg_p5jXN8AQM9LWM0D4loKWxJek, timestamp 1614265330, body {"test": 2432232314}.
- GitHub's "Validating webhook deliveries" example: secret "It's a Secret to
  Everybody", body "Hello, World!".

Shopify documents the computation (base64 HMAC-SHA256 of the raw body with the
app's client secret) but no value; Stripe publishes neither, so the Node suite
also checks a header made by stripe-node's generateTestHeaderString.

Standard Webhooks' experimental asymmetric `v1a` (Ed25519) cases are signed by
the `cryptography` package (Ed25519 signatures are deterministic, so the
output is stable), with RFC 8032's first test key; the reference libraries do
not implement v1a.

Run: pip install cryptography
     python3 tests/vectors/gen/webhook_schemes.py > tests/vectors/webhook_schemes.json
"""
import base64
import hashlib
import hmac
import json

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

NOW = 1777896000  # 2026-05-04T12:00:00Z
BODY = b'{"event":"ip.blocked","data":{"ip_address":"203.0.113.42"}}'


def mac(key: bytes, msg: bytes) -> bytes:
    return hmac.new(key, msg, hashlib.sha256).digest()


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


# --- Standard Webhooks: key = base64-decoded part after whsec_ ---------------
SW_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SW_ID, SW_TS, SW_BODY = "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, b'{"test": 2432232314}'


def standard_sig(secret: str, msg_id: str, ts: int, body: bytes) -> str:
    key = base64.b64decode(secret.removeprefix("whsec_"))
    return "v1," + b64(mac(key, f"{msg_id}.{ts}.".encode() + body))


assert standard_sig(SW_SECRET, SW_ID, SW_TS, SW_BODY) == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="

# --- Stripe: key = the whole whsec_ string's bytes ---------------------------
STRIPE_SECRET = "whsec_test_secret_f00dcafe"


def stripe_sig(secret: str, ts: int, body: bytes) -> str:
    return mac(secret.encode(), f"{ts}.".encode() + body).hex()


# --- GitHub: sha256=<hex> over the body, raw secret ---------------------------
GH_SECRET, GH_BODY = "It's a Secret to Everybody", b"Hello, World!"


def github_sig(secret: str, body: bytes) -> str:
    return "sha256=" + mac(secret.encode(), body).hex()


assert github_sig(GH_SECRET, GH_BODY) == (
    "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17")

# --- Shopify: base64 over the body, raw client secret -------------------------
SHOP_SECRET = "hush-shopify-client-secret"


def shopify_sig(secret: str, body: bytes) -> str:
    return b64(mac(secret.encode(), body))


def case(name, scheme, secrets, headers, body, now, code=None, secret_index=None, tolerance=300):
    return dict(name=name, scheme=scheme, secrets=list(secrets), tolerance=tolerance,
                headers=headers, body_hex=body.hex(), now=now, code=code,
                secret_index=secret_index)


def sw(sig, ts=SW_TS, msg_id=SW_ID, prefix="webhook"):
    return [[f"{prefix}-id", msg_id], [f"{prefix}-timestamp", str(ts)], [f"{prefix}-signature", sig]]


good_sw = standard_sig(SW_SECRET, SW_ID, SW_TS, SW_BODY)
other_sw = "whsec_" + b64(b"another secret, rotated out")
st_good = stripe_sig(STRIPE_SECRET, NOW, BODY)
gh_good = github_sig(GH_SECRET, GH_BODY)
shop_good = shopify_sig(SHOP_SECRET, BODY)

cases = [
    # Standard Webhooks
    case("standard: the reference vector", "standard", [SW_SECRET], sw(good_sw), SW_BODY, SW_TS,
         secret_index=0),
    case("standard: secret without whsec_", "standard", [SW_SECRET[6:]], sw(good_sw), SW_BODY, SW_TS,
         secret_index=0),
    case("standard: svix-* header names", "standard", [SW_SECRET], sw(good_sw, prefix="svix"),
         SW_BODY, SW_TS, secret_index=0),
    case("standard: tampered body", "standard", [SW_SECRET], sw(good_sw), SW_BODY + b" ", SW_TS,
         code="signature_mismatch"),
    case("standard: tampered id (the id is signed)", "standard", [SW_SECRET],
         sw(good_sw, msg_id="msg_other"), SW_BODY, SW_TS, code="signature_mismatch"),
    case("standard: 301 s stale", "standard", [SW_SECRET], sw(good_sw), SW_BODY, SW_TS + 301,
         code="timestamp_too_old"),
    case("standard: 301 s in the future", "standard", [SW_SECRET], sw(good_sw), SW_BODY, SW_TS - 301,
         code="timestamp_in_future"),
    case("standard: rotated, second secret matches", "standard", [other_sw, SW_SECRET], sw(good_sw),
         SW_BODY, SW_TS, secret_index=1),
    case("standard: several signatures, one matches", "standard", [SW_SECRET],
         sw("v1a,c29tZXRoaW5nIGVsc2U= " + standard_sig(other_sw, SW_ID, SW_TS, SW_BODY) + " " + good_sw),
         SW_BODY, SW_TS, secret_index=0),
    case("standard: only an unsupported version", "standard", [SW_SECRET],
         sw("v2," + good_sw[3:]), SW_BODY, SW_TS, code="unsupported_signature_version"),
    case("standard: malformed v1", "standard", [SW_SECRET], sw("v1,notbase64"), SW_BODY, SW_TS,
         code="invalid_signature_format"),
    case("standard: missing webhook-id", "standard", [SW_SECRET], sw(good_sw)[1:], SW_BODY, SW_TS,
         code="missing_header"),
    case("standard: webhook- and svix- names at once", "standard", [SW_SECRET],
         sw(good_sw) + sw(good_sw, prefix="svix"), SW_BODY, SW_TS, code="duplicate_header"),
    # Stripe
    case("stripe: valid", "stripe", [STRIPE_SECRET], [["Stripe-Signature", f"t={NOW},v1={st_good}"]],
         BODY, NOW + 10, secret_index=0),
    case("stripe: with a v0 and a second v1", "stripe", [STRIPE_SECRET],
         [["stripe-signature", f"t={NOW},v1={'0' * 64},v1={st_good},v0=6ffbb59b2300aae63f272406069a9788598b792a944a07aba816edb039989a39"]],
         BODY, NOW, secret_index=0),
    case("stripe: keyed by the whole string, whsec_ included", "stripe", [STRIPE_SECRET],
         [["Stripe-Signature", f"t={NOW},v1={mac(b'test_secret_f00dcafe', f'{NOW}.'.encode() + BODY).hex()}"]],
         BODY, NOW, code="signature_mismatch"),
    case("stripe: tampered body", "stripe", [STRIPE_SECRET], [["Stripe-Signature", f"t={NOW},v1={st_good}"]],
         BODY[:-1], NOW, code="signature_mismatch"),
    case("stripe: stale", "stripe", [STRIPE_SECRET], [["Stripe-Signature", f"t={NOW},v1={st_good}"]],
         BODY, NOW + 301, code="timestamp_too_old"),
    case("stripe: future", "stripe", [STRIPE_SECRET], [["Stripe-Signature", f"t={NOW},v1={st_good}"]],
         BODY, NOW - 301, code="timestamp_in_future"),
    case("stripe: rotated", "stripe", ["whsec_old", STRIPE_SECRET],
         [["Stripe-Signature", f"t={NOW},v1={st_good}"]], BODY, NOW, secret_index=1),
    case("stripe: only v0", "stripe", [STRIPE_SECRET], [["Stripe-Signature", f"t={NOW},v0={st_good}"]],
         BODY, NOW, code="unsupported_signature_version"),
    case("stripe: no t", "stripe", [STRIPE_SECRET], [["Stripe-Signature", f"v1={st_good}"]],
         BODY, NOW, code="missing_parameter"),
    case("stripe: two t", "stripe", [STRIPE_SECRET],
         [["Stripe-Signature", f"t={NOW},t={NOW},v1={st_good}"]], BODY, NOW, code="duplicate_parameter"),
    # GitHub
    case("github: the documented example", "github", [GH_SECRET],
         [["X-Hub-Signature-256", gh_good], ["X-GitHub-Delivery", "72d3162e-cc78-11e3-81ab-4c9367dc0958"]],
         GH_BODY, NOW, secret_index=0),
    case("github: no timestamp, so no tolerance", "github", [GH_SECRET],
         [["x-hub-signature-256", gh_good]], GH_BODY, 253402300799, secret_index=0),
    case("github: rotated", "github", ["old", GH_SECRET], [["X-Hub-Signature-256", gh_good]],
         GH_BODY, NOW, secret_index=1),
    case("github: tampered", "github", [GH_SECRET], [["X-Hub-Signature-256", gh_good]],
         b"Hello, World?", NOW, code="signature_mismatch"),
    case("github: SHA-1 only is refused", "github", [GH_SECRET],
         [["X-Hub-Signature", "sha1=" + hmac.new(GH_SECRET.encode(), GH_BODY, hashlib.sha1).hexdigest()]],
         GH_BODY, NOW, code="unsupported_signature_version"),
    case("github: upper-case hex", "github", [GH_SECRET], [["X-Hub-Signature-256", gh_good.upper()]],
         GH_BODY, NOW, code="invalid_signature_format"),
    case("github: bare hex without sha256=", "github", [GH_SECRET],
         [["X-Hub-Signature-256", gh_good[7:]]], GH_BODY, NOW, code="invalid_signature_format"),
    # Shopify
    case("shopify: valid", "shopify", [SHOP_SECRET],
         [["X-Shopify-Hmac-Sha256", shop_good], ["X-Shopify-Webhook-Id", "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043"]],
         BODY, NOW, secret_index=0),
    case("shopify: rotated", "shopify", ["old", SHOP_SECRET], [["x-shopify-hmac-sha256", shop_good]],
         BODY, NOW, secret_index=1),
    case("shopify: tampered", "shopify", [SHOP_SECRET], [["X-Shopify-Hmac-Sha256", shop_good]],
         BODY + b"\n", NOW, code="signature_mismatch"),
    case("shopify: hex instead of base64", "shopify", [SHOP_SECRET],
         [["X-Shopify-Hmac-Sha256", mac(SHOP_SECRET.encode(), BODY).hex()]], BODY, NOW,
         code="invalid_signature_format"),
    case("shopify: duplicate header", "shopify", [SHOP_SECRET],
         [["X-Shopify-Hmac-Sha256", shop_good], ["x-shopify-hmac-sha256", shop_good]], BODY, NOW,
         code="duplicate_header"),
    # The default scheme, named
    case("myclickshield: named explicitly", "myclickshield", ["whsec_3f9c2a7e1b"],
         [["X-MyClickShield-Timestamp", str(NOW)],
          ["X-MyClickShield-Signature", mac(b"whsec_3f9c2a7e1b", f"{NOW}.".encode() + BODY).hex()]],
         BODY, NOW, secret_index=0),
]

# --- Standard Webhooks v1a (experimental): Ed25519 over id.ts.body --------------
V1A_SEED = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")  # RFC 8032 test 1
v1a_key = Ed25519PrivateKey.from_private_bytes(V1A_SEED)
V1A_PUBLIC = "whpk_" + b64(v1a_key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))
V1A_SECRET = "whsk_" + b64(V1A_SEED)
assert V1A_PUBLIC == "whpk_11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="
other_v1a = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
OTHER_PUBLIC = "whpk_" + b64(other_v1a.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))


def v1a_sig(key, msg_id, ts, body):
    return "v1a," + b64(key.sign(f"{msg_id}.{ts}.".encode() + body))


good_v1a = v1a_sig(v1a_key, SW_ID, SW_TS, SW_BODY)
X = "standard-v1a-experimental"
cases += [
    case("v1a: valid", X, [V1A_PUBLIC], sw(good_v1a), SW_BODY, SW_TS, secret_index=0),
    case("v1a: beside a v1 signature", X, [V1A_PUBLIC], sw(good_sw + " " + good_v1a), SW_BODY, SW_TS,
         secret_index=0),
    case("v1a: rotated, second key matches", X, [OTHER_PUBLIC, V1A_PUBLIC], sw(good_v1a), SW_BODY, SW_TS,
         secret_index=1),
    case("v1a: tampered body", X, [V1A_PUBLIC], sw(good_v1a), SW_BODY + b" ", SW_TS, code="signature_mismatch"),
    case("v1a: another key's signature", X, [V1A_PUBLIC], sw(v1a_sig(other_v1a, SW_ID, SW_TS, SW_BODY)),
         SW_BODY, SW_TS, code="signature_mismatch"),
    case("v1a: stale", X, [V1A_PUBLIC], sw(good_v1a), SW_BODY, SW_TS + 301, code="timestamp_too_old"),
    case("v1a: only v1 signatures", X, [V1A_PUBLIC], sw(good_sw), SW_BODY, SW_TS,
         code="unsupported_signature_version"),
    case("v1a: a 32-byte value", X, [V1A_PUBLIC], sw("v1a," + good_sw[3:]), SW_BODY, SW_TS,
         code="invalid_signature_format"),
    case("standard: v1a entries are skipped", "standard", [SW_SECRET], sw(good_v1a), SW_BODY, SW_TS,
         code="unsupported_signature_version"),
]

construct = [
    dict(name="unknown scheme", scheme="svix", secrets=["k"], code="unknown_scheme"),
    dict(name="scheme names are lower-case", scheme="Stripe", secrets=["k"], code="unknown_scheme"),
    dict(name="standard secret not base64", scheme="standard", secrets=["whsec_not base64!"],
         code="invalid_secret"),
    dict(name="standard secret empty after whsec_", scheme="standard", secrets=["whsec_"],
         code="empty_secret"),
    dict(name="standard secret decoding to 3 bytes (guessable)", scheme="standard", secrets=["whsec_AQID"],
         code="invalid_secret"),
    dict(name="empty github secret", scheme="github", secrets=[""], code="empty_secret"),
    dict(name="v1a verifier given a whsec_ secret", scheme=X, secrets=[SW_SECRET], code="invalid_secret"),
    dict(name="v1a public key of 31 bytes", scheme=X, secrets=["whpk_" + b64(bytes(31))], code="invalid_secret"),
]

# A replay guard fed these deliveries in order: GitHub and Shopify are
# remembered by their (unsigned) delivery id, the others by timestamp and
# signature.
gh_a = [["X-Hub-Signature-256", gh_good], ["X-GitHub-Delivery", "delivery-a"]]
gh_b = [["X-Hub-Signature-256", gh_good], ["X-GitHub-Delivery", "delivery-b"]]
replay = [
    dict(scheme="github", secrets=[GH_SECRET], steps=[
        dict(headers=gh_a, body_hex=GH_BODY.hex(), now=NOW, code=None),
        dict(headers=gh_a, body_hex=GH_BODY.hex(), now=NOW + 3600, code="replayed_delivery"),
        dict(headers=gh_b, body_hex=GH_BODY.hex(), now=NOW + 3600, code=None),
        dict(headers=gh_a[:1], body_hex=GH_BODY.hex(), now=NOW + 3600, code="missing_header"),
    ]),
    dict(scheme="standard", secrets=[SW_SECRET], steps=[
        dict(headers=sw(good_sw), body_hex=SW_BODY.hex(), now=SW_TS, code=None),
        dict(headers=sw(good_sw), body_hex=SW_BODY.hex(), now=SW_TS + 60, code="replayed_delivery"),
    ]),
]

# Standard Webhooks signing, checked by the same computation.
NEW = "whsec_" + b64(b"the new secret, 24 bytes")
OLD = "whsec_" + b64(b"the old secret, 24 bytes")
sign = [
    dict(name="standard", scheme="standard", secret=NEW, event="ip.blocked", delivery_id="msg_5821",
         timestamp=NOW, body_hex=BODY.hex(),
         headers=[["Content-Type", "application/json"], ["webhook-id", "msg_5821"],
                  ["webhook-timestamp", str(NOW)],
                  ["webhook-signature", standard_sig(NEW, "msg_5821", NOW, BODY)]]),
    dict(name="standard, rotating: both signatures until the grace ends", scheme="standard", secret=NEW,
         previous_secret=OLD, previous_until=NOW, event="ip.blocked", delivery_id="msg_5822",
         timestamp=NOW, body_hex=BODY.hex(),
         headers=[["Content-Type", "application/json"], ["webhook-id", "msg_5822"],
                  ["webhook-timestamp", str(NOW)],
                  ["webhook-signature", standard_sig(NEW, "msg_5822", NOW, BODY) + " "
                   + standard_sig(OLD, "msg_5822", NOW, BODY)]]),
    dict(name="standard, rotating: the new one alone after it", scheme="standard", secret=NEW,
         previous_secret=OLD, previous_until=NOW - 1, event="ip.blocked", delivery_id="msg_5823",
         timestamp=NOW, body_hex=BODY.hex(),
         headers=[["Content-Type", "application/json"], ["webhook-id", "msg_5823"],
                  ["webhook-timestamp", str(NOW)],
                  ["webhook-signature", standard_sig(NEW, "msg_5823", NOW, BODY)]]),
]

sign += [
    dict(name="v1a (experimental)", scheme=X, secret=V1A_SECRET, event="ip.blocked", delivery_id="msg_5824",
         timestamp=NOW, body_hex=BODY.hex(), public_key=V1A_PUBLIC,
         headers=[["Content-Type", "application/json"], ["webhook-id", "msg_5824"],
                  ["webhook-timestamp", str(NOW)],
                  ["webhook-signature", v1a_sig(v1a_key, "msg_5824", NOW, BODY)]]),
]

print(json.dumps(dict(
    description="Webhook schemes (Standard Webhooks, Stripe, GitHub, Shopify, myclickshield). "
                "Signatures computed with Python's hmac by tests/vectors/gen/webhook_schemes.py from "
                "each provider's documentation; Standard Webhooks' reference vector and GitHub's "
                "documented example are asserted there. Bodies are hex. A case with code null must "
                "pass with the given secret_index.",
    cases=cases, construct=construct, replay=replay, sign=sign), indent=2))
