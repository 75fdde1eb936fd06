"""Writes tests/vectors/app_proxy.json: Shopify app-proxy signatures.

The first case is Shopify's published example (shopify.dev, "Authenticate
app proxies": secret `hush`). Every other signature is made here with
Python's hmac, the way Shopify's own Ruby sample does: parameters except
`signature`, percent-decoded (`+` is a space), a repeated key's values
joined with "," in order, each written `key=value`, those strings sorted
and concatenated, hex HMAC-SHA256 keyed with the shared secret. A
timestamp more than 90 s from `now` either way is refused.

Run: python3 tests/vectors/gen/app_proxy.py > tests/vectors/app_proxy.json
"""
import hashlib
import hmac
import json
from urllib.parse import parse_qsl, urlencode

SECRET = "app-shared-secret-9f3k2"
NOW = 1_733_300_000


def sign(query: str, secret: str) -> str:
    groups = {}
    for k, v in parse_qsl(query, keep_blank_values=True):
        if k != "signature":
            groups.setdefault(k, []).append(v)
    message = "".join(sorted(f"{k}={','.join(v)}" for k, v in groups.items()))
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def proxied(params, secret=SECRET, ts=NOW):
    query = urlencode(params + [("timestamp", str(ts))])
    return f"{query}&signature={sign(query, secret)}"


BASE = [("shop", "mystore.myshopify.com"), ("logged_in_customer_id", ""), ("path_prefix", "/apps/clickfence")]
ok = dict(shop="mystore.myshopify.com", timestamp=NOW, logged_in_customer_id=None, path_prefix="/apps/clickfence")
good = proxied(BASE)

cases = [
    dict(name="Shopify's published example", secret="hush", now=1317327555,
         query="extra=1&extra=2&shop=shop-name.myshopify.com&logged_in_customer_id=1&path_prefix=%2Fapps%2Fawesome_reviews&timestamp=1317327555&signature=4c68c8624d737112c91818c11017d24d334b524cb5c2b8ba08daa056f7395ddb",
         ok=dict(shop="shop-name.myshopify.com", timestamp=1317327555, logged_in_customer_id="1", path_prefix="/apps/awesome_reviews")),
    dict(name="a heartbeat through the proxy", secret=SECRET, now=NOW, query=good, ok=ok),
    dict(name="parameters in another order", secret=SECRET, now=NOW,
         query="&".join(reversed(good.split("&"))), ok=ok),
    dict(name="the shop changed after signing", secret=SECRET, now=NOW,
         query=good.replace("mystore", "otherstore"), error="signature_mismatch"),
    dict(name="another app's secret", secret="another-secret", now=NOW, query=good, error="signature_mismatch"),
    dict(name="repeated keys: values joined in order", secret=SECRET, now=NOW,
         query=proxied(BASE + [("tag", "b"), ("tag", "a")]), ok=ok),
    dict(name="repeated keys swapped after signing", secret=SECRET, now=NOW,
         query=proxied(BASE + [("tag", "b"), ("tag", "a")]).replace("tag=b&tag=a", "tag=a&tag=b"),
         error="signature_mismatch"),
    dict(name="a key that prefixes another: the key=value strings are sorted", secret=SECRET, now=NOW,
         query=proxied(BASE + [("a", "1"), ("a-b", "2")]), ok=ok),
    dict(name="spaces and escapes are signed decoded", secret=SECRET, now=NOW,
         query=proxied(BASE + [("q", "red shoes & más")]), ok=ok),
    dict(name="90 s old", secret=SECRET, now=NOW + 90, query=good, ok=ok),
    dict(name="91 s old: stale", secret=SECRET, now=NOW + 91, query=good, error="timestamp_too_old"),
    dict(name="91 s ahead", secret=SECRET, now=NOW - 91, query=good, error="timestamp_in_future"),
    dict(name="no signature", secret=SECRET, now=NOW, query=good.split("&signature=")[0], error="missing_parameter"),
    dict(name="two signatures", secret=SECRET, now=NOW, query=good + "&signature=" + "0" * 64, error="duplicate_parameter"),
    dict(name="upper-case signature", secret=SECRET, now=NOW,
         query=good.split("&signature=")[0] + "&signature=" + good.split("&signature=")[1].upper(),
         error="invalid_signature_format"),
    dict(name="signed without a timestamp", secret=SECRET, now=NOW,
         query=(lambda q: f"{q}&signature={sign(q, SECRET)}")(urlencode(BASE)), error="missing_parameter"),
    dict(name="signed without a shop", secret=SECRET, now=NOW,
         query=proxied(BASE[1:]), error="missing_parameter"),
    dict(name="signed with a timestamp that is not digits", secret=SECRET, now=NOW,
         query=(lambda q: f"{q}&signature={sign(q, SECRET)}")(urlencode(BASE + [("timestamp", "-5")])),
         error="invalid_timestamp"),
    dict(name="empty secret", secret="", now=NOW, query=good, error="empty_secret"),
]
for c in cases:
    c["signature"] = sign(c["query"], c["secret"]) if c["secret"] else None

print(json.dumps(dict(description=__doc__.strip().split("\n\nRun:")[0], max_age=90, cases=cases),
                 indent=1, ensure_ascii=False))
