"""Generates tests/vectors/webhook.json with Python's standard library only.

Signatures are hex HMAC-SHA256 over b"{timestamp}." + raw body, computed by
`hmac`, independently of the Rust core. Bodies are given as hex so that
non-UTF-8 and NUL bytes survive JSON.

Run: python3 tests/vectors/gen/webhook.py > tests/vectors/webhook.json
"""
import hashlib
import hmac
import json

SECRET = "whsec_3f9c2a7e1b"
NOW = 1777896000  # 2026-05-04T12:00:00Z
SPEC_BODY = (b'{"event":"ip.blocked","data":{"site_id":17,"site_domain":"acme-coffee.com",'
             b'"ip_address":"203.0.113.42","reason":"Auto-blocked due to high fraud score",'
             b'"fraud_score":88,"source":"auto"},"sent_at":"2026-05-04T12:00:00+00:00"}')


def sig(secret: str, ts: str, body: bytes) -> str:
    return hmac.new(secret.encode(), ts.encode() + b"." + body, hashlib.sha256).hexdigest()


sign = [
    dict(name="spec ip.blocked payload", secret=SECRET, timestamp=NOW, body=SPEC_BODY),
    dict(name="empty body", secret=SECRET, timestamp=NOW, body=b""),
    dict(name="non-ascii utf-8", secret=SECRET, timestamp=NOW, body='{"r":"café ☕"}'.encode()),
    dict(name="non-utf-8 bytes", secret=SECRET, timestamp=NOW, body=b"\xff\xfe\x80{}"),
    dict(name="nul bytes", secret=SECRET, timestamp=NOW, body=b"{\x00}\x00"),
    dict(name="trailing newline", secret=SECRET, timestamp=NOW, body=b"{}\n"),
    dict(name="timestamp 0", secret=SECRET, timestamp=0, body=b"{}"),
    dict(name="long secret (hashed per RFC 2104)", secret="s" * 100, timestamp=NOW, body=b"{}"),
    dict(name="64 KiB body", secret=SECRET, timestamp=NOW, body=bytes(range(256)) * 256),
]
for case in sign:
    case["signature"] = sig(case["secret"], str(case["timestamp"]), case["body"])
    case["body_hex"] = case.pop("body").hex()

good = sig(SECRET, str(NOW), SPEC_BODY)


def verify(name, headers, body=SPEC_BODY, now=NOW, secrets=(SECRET,), tolerance=300, code=None,
           secret_index=None):
    return dict(name=name, secrets=list(secrets), tolerance=tolerance, headers=headers,
                body_hex=body.hex(), now=now, code=code, secret_index=secret_index)


def hdr(ts=str(NOW), signature=good):
    out = []
    if ts is not None:
        out.append(["X-MyClickShield-Timestamp", ts])
    if signature is not None:
        out.append(["X-MyClickShield-Signature", signature])
    return out + [["X-MyClickShield-Event", "ip.blocked"], ["X-MyClickShield-Delivery", "5821"]]


old, new = NOW - 300, NOW + 300
verify_cases = [
    verify("valid", hdr(), secret_index=0),
    verify("lower-case header names (Express)", [[k.lower(), v] for k, v in hdr()], secret_index=0),
    verify("second secret matches (rotation)", hdr(), secrets=("old-secret", SECRET), secret_index=1),
    verify("exactly 300 s old passes", hdr(str(old), sig(SECRET, str(old), SPEC_BODY)), secret_index=0),
    verify("exactly 300 s ahead passes", hdr(str(new), sig(SECRET, str(new), SPEC_BODY)), secret_index=0),
    verify("missing timestamp", hdr(ts=None), code="missing_header"),
    verify("missing signature", hdr(signature=None), code="missing_header"),
    verify("duplicate signature header", hdr() + [["x-myclickshield-signature", good]],
           code="duplicate_header"),
    verify("timestamp 'abc'", hdr("abc"), code="invalid_timestamp"),
    verify("timestamp ' 123'", hdr(" " + str(NOW)), code="invalid_timestamp"),
    verify("timestamp '1.5'", hdr(str(NOW) + ".5"), code="invalid_timestamp"),
    verify("timestamp '1e9'", hdr("1e9"), code="invalid_timestamp"),
    verify("timestamp negative", hdr("-" + str(NOW)), code="invalid_timestamp"),
    verify("timestamp empty", hdr(""), code="invalid_timestamp"),
    verify("301 s old", hdr(str(NOW - 301), sig(SECRET, str(NOW - 301), SPEC_BODY)),
           code="timestamp_too_old"),
    verify("301 s ahead", hdr(str(NOW + 301), sig(SECRET, str(NOW + 301), SPEC_BODY)),
           code="timestamp_in_future"),
    verify("stale is reported before a bad signature", hdr(str(NOW - 9999), "zz"),
           code="timestamp_too_old"),
    verify("signature too short", hdr(signature=good[:63]), code="invalid_signature_format"),
    verify("signature upper-case hex", hdr(signature=good.upper()), code="invalid_signature_format"),
    verify("signature with prefix", hdr(signature="sha256=" + good), code="invalid_signature_format"),
    verify("wrong secret", hdr(signature=sig("other", str(NOW), SPEC_BODY)), code="signature_mismatch"),
    verify("body re-serialized with spaces",
           hdr(), body=json.dumps(json.loads(SPEC_BODY)).encode(), code="signature_mismatch"),
    verify("body with trailing newline added", hdr(), body=SPEC_BODY + b"\n", code="signature_mismatch"),
    verify("timestamp changed, signature kept", hdr(str(NOW + 1)), code="signature_mismatch"),
    verify("shorter tolerance", hdr(str(NOW - 61), sig(SECRET, str(NOW - 61), SPEC_BODY)),
           tolerance=60, code="timestamp_too_old"),
]

print(json.dumps(dict(
    description="Webhook vectors (platform-api.txt, Webhooks). Signatures computed with Python's "
                "hmac by tests/vectors/gen/webhook.py. Bodies are hex. A verify case with "
                "code null must pass with the given secret_index.",
    sign=sign, verify=verify_cases), indent=2))
