"""Writes tests/vectors/keys.json: key parts built from client text
(`client_key`) and the Redis keys the shared helpers build (`shared_key`),
computed here in plain Python.

client_key(text): text itself when it is at most 64 bytes, every byte
printable ASCII (0x21-0x7e) and none of `#`, `|`, `:`; else "#" and the
first 16 bytes of SHA-256(text) in lower-case hex.
shared_key(prefix, key): prefix + key, refused (`rate_key_too_long`) when
the key is over 1024 bytes.

Run: python3 tests/vectors/gen/keys.py > tests/vectors/keys.json
"""
import hashlib
import json


def client_key(text: str) -> str:
    raw = text.encode()
    plain = len(raw) <= 64 and all(0x21 <= b <= 0x7E and b not in b"#|:" for b in raw)
    return text if plain else "#" + hashlib.sha256(raw).digest()[:16].hex()


texts = [
    "sdkfjasksjskdfj9845weh",
    "a" * 64,
    "a" * 65,
    "x" * 8192,
    "",
    "has space",
    "pipe|inside",
    "colon:inside",
    "#looks-hashed",
    "ünïcode",
    "tab\there",
    "gclid=Cj0KCQiA.-_~!$&'()*+,;=",
]
shared = [
    dict(prefix="clickfence:rate:", key="203.0.113.7"),
    dict(prefix="p:", key="k" * 1024),
    dict(prefix="p:", key="k" * 1025),
    dict(prefix="", key=""),
]
for c in shared:
    if len(c["key"].encode()) > 1024:
        c["error"] = "rate_key_too_long"
    else:
        c["expected"] = c["prefix"] + c["key"]

print(json.dumps(dict(
    description=__doc__.strip().split("\n\nRun:")[0],
    client_keys=[dict(text=t, expected=client_key(t)) for t in texts],
    shared_keys=shared,
), indent=1, ensure_ascii=False))
