"""Generates tests/vectors/click.json with Python's standard library only.

The signatures here come from `hmac` + `base64` exactly as the spec's Java
sample computes them, so the Rust core (and every binding) is checked against
an independent implementation rather than against itself.

Run: python3 tests/vectors/gen/click.py > tests/vectors/click.json
"""
import base64
import hashlib
import hmac
import json

SPEC_KEY = "zGW6Rhrmb8+vuhHtL/Kp6rW5Ci9PNsjH1J5MGO9SIeg="
SPEC_KEY_ID = "59ad6547-affc-45eb-a6c9-9805f88ee755"
SPEC_URL = ("https://app.appsflyer.com/com.app.id?pid=adnetwork_int&c=my_campaign"
            "&clickid=sdkfjasksjskdfj9845weh&af_site_id=12345")
OTHER_KEY = "second-key-used-as-text"


def sig(secret: str, message: str) -> str:
    mac = hmac.new(secret.encode(), message.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def signed(secret: str, url: str, expires: int) -> str:
    # A "?" ends an empty query only if it is the first one; a trailing "?"
    # inside a query (?to=https://x.example/?) is data.
    q = url.find("?")
    sep = "?" if q < 0 else ("" if q == len(url) - 1 or url.endswith("&") else "&")
    msg = f"{url}{sep}expires={expires}"
    return f"{msg}&signature={sig(secret, msg)}"


sign = [
    dict(name="spec example url, seconds", secret=SPEC_KEY, url=SPEC_URL,
         expires=1597657118, millis=False, signed=signed(SPEC_KEY, SPEC_URL, 1597657118)),
    dict(name="spec example url, milliseconds as the java sample writes", secret=SPEC_KEY,
         url=SPEC_URL, expires=1597657118, millis=True,
         signed=signed(SPEC_KEY, SPEC_URL, 1597657118000)),
    dict(name="url without a query gets '?'", secret=SPEC_KEY,
         url="https://app.appsflyer.com/com.app.id", expires=1700000000, millis=False,
         signed=signed(SPEC_KEY, "https://app.appsflyer.com/com.app.id", 1700000000)),
    dict(name="url ending in '?'", secret=SPEC_KEY, url="https://app.appsflyer.com/id1?",
         expires=1700000000, millis=False,
         signed=signed(SPEC_KEY, "https://app.appsflyer.com/id1?", 1700000000)),
    dict(name="percent-encoded bytes are signed as written", secret="k",
         url="https://t.example/a%20b?q=caf%C3%A9&r=%2Fx", expires=1700000000, millis=False,
         signed=signed("k", "https://t.example/a%20b?q=caf%C3%A9&r=%2Fx", 1700000000)),
    dict(name="a '?' ending a non-empty query is data: '&' is appended", secret=SPEC_KEY,
         url="https://app.example/com.app?redirect=https://x.example/?", expires=1700000000,
         millis=False, signed=signed(SPEC_KEY, "https://app.example/com.app?redirect=https://x.example/?",
                                     1700000000)),
    dict(name="short secret used as text", secret="secret_key", url=SPEC_URL,
         expires=1610533263, millis=False, signed=signed("secret_key", SPEC_URL, 1610533263)),
]

sign_errors = [
    dict(name="empty url", url="", code="empty_url"),
    dict(name="raw space", url="https://a.example/x?q=a b", code="unencoded_character"),
    dict(name="raw non-ascii", url="https://a.example/caf\u00e9", code="unencoded_character"),
    dict(name="raw control", url="https://a.example/x?q=\t", code="unencoded_character"),
    dict(name="raw quote", url="https://a.example/x?q=\"", code="unencoded_character"),
    dict(name="lone percent", url="https://a.example/x?q=100%", code="bad_percent_escape"),
    dict(name="fragment", url="https://a.example/x?q=1#frag", code="url_has_fragment"),
    dict(name="already has expires", url="https://a.example/x?expires=1", code="reserved_parameter"),
    dict(name="already has signature", url="https://a.example/x?a=1&signature=x",
         code="reserved_parameter"),
    # URLs a browser rewrites (new URL(u).href != u): signing them as given
    # would turn every genuine click into invalid_signature.
    dict(name="upper-case scheme", url="HTTPS://a.example/x?q=1", code="url_not_canonical"),
    dict(name="upper-case host", url="https://A.example/x?q=1", code="url_not_canonical"),
    dict(name="default port", url="https://a.example:443/x?q=1", code="url_not_canonical"),
    dict(name="empty port", url="https://a.example:/x", code="url_not_canonical"),
    dict(name="dot segment", url="https://a.example/a/./b?q=1", code="url_not_canonical"),
    dict(name="encoded dot segment", url="https://a.example/a/%2e%2e/b", code="url_not_canonical"),
    dict(name="quote in the query", url="https://a.example/x?q='1'", code="url_not_canonical"),
    dict(name="no path after the host", url="https://a.example?q=1", code="url_not_canonical"),
]

NOW = 1700000000
ring = [dict(id=SPEC_KEY_ID, secret=SPEC_KEY, expires_at=NOW + 36 * 3600)]
two = ring + [dict(id="key-2", secret=OTHER_KEY, expires_at=NOW + 72 * 3600)]
good = signed(SPEC_KEY, SPEC_URL, NOW + 300)
good_ms = signed(SPEC_KEY, SPEC_URL, (NOW + 300) * 1000)


def case(name, url, outcome, accepted, key_id=None, keys=ring, mode="enabled", now=NOW,
         excluded=()):
    return dict(name=name, keys=keys, mode=mode, excluded_apps=list(excluded), url=url,
                now=now, outcome=outcome, accepted=accepted, key_id=key_id)


def std_alphabet_url() -> str:
    """A genuine signature written in the standard alphabet ('+', '/'): must fail."""
    for expires in range(NOW + 300, NOW + 400):
        msg = f"{SPEC_URL}&expires={expires}"
        mac = hmac.new(SPEC_KEY.encode(), msg.encode(), hashlib.sha256).digest()
        std = base64.b64encode(mac).rstrip(b"=").decode()
        if "+" in std or "/" in std:
            return f"{msg}&signature={std}"
    raise SystemExit("no digest with '+' or '/' found")


verify = [
    case("valid, seconds", good, "valid", True, SPEC_KEY_ID),
    case("valid, milliseconds", good_ms, "valid", True, SPEC_KEY_ID),
    case("valid at exactly expires", good, "valid", True, SPEC_KEY_ID, now=NOW + 300),
    case("expired one second later", good, "expired", False, SPEC_KEY_ID, now=NOW + 301),
    case("expired, milliseconds", good_ms, "expired", False, SPEC_KEY_ID, now=NOW + 301),
    case("second key of the ring matches", signed(OTHER_KEY, SPEC_URL, NOW + 60), "valid", True,
         "key-2", keys=two),
    case("url without query, signed", signed(SPEC_KEY, "https://app.appsflyer.com/com.app.id",
                                               NOW + 60), "valid", True, SPEC_KEY_ID),
    case("missing signature", SPEC_URL, "missing_signature", False),
    case("missing signature, no query", "https://app.appsflyer.com/com.app.id",
         "missing_signature", False),
    case("tampered parameter", good.replace("c=my_campaign", "c=my_campaigN"),
         "invalid_signature", False),
    case("tampered expires", good.replace(f"expires={NOW + 300}", f"expires={NOW + 900}"),
         "invalid_signature", False),
    case("forged and stale is invalid, not expired",
         signed("attacker", SPEC_URL, NOW - 10), "invalid_signature", False),
    case("parameter after signature", good + "&x=1", "invalid_signature", False),
    case("missing expires", f"{SPEC_URL}&signature={sig(SPEC_KEY, SPEC_URL)}",
         "invalid_signature", False),
    case("non-numeric expires", signed(SPEC_KEY, SPEC_URL, 0).replace("expires=0", "expires=1e9"),
         "invalid_signature", False),
    case("padded signature", good + "=", "invalid_signature", False),
    case("standard base64 alphabet is not base64url", std_alphabet_url(), "invalid_signature",
         False),
    case("key expired", good, "no_active_secrets", False,
         keys=[dict(id="old", secret=SPEC_KEY, expires_at=NOW + 1)], now=NOW + 1),
    case("no keys at all", good, "no_active_secrets", False, keys=[]),
    case("report-only accepts failures", SPEC_URL, "missing_signature", True, mode="report-only"),
    case("report-only accepts valid", good, "valid", True, SPEC_KEY_ID, mode="report-only"),
    case("disabled validates nothing", SPEC_URL, "not_validated", True, mode="disabled"),
    case("excluded app is accepted unchecked", SPEC_URL, "excluded", True, excluded=["com.app.id"]),
    case("exclusion matches the first path segment only", SPEC_URL, "missing_signature", False,
         excluded=["com.app"]),
    # A path a URL parser resolves elsewhere is never excluded.
    case("dot segments never excluded",
         "https://app.appsflyer.com/com.excluded/../com.victim?pid=x", "missing_signature", False,
         excluded=["com.excluded"]),
    case("encoded dot segments never excluded",
         "https://app.appsflyer.com/com.excluded/%2e%2E/com.victim?pid=x", "missing_signature",
         False, excluded=["com.excluded"]),
    case("backslash never excluded", "https://app.appsflyer.com\\com.victim/com.excluded?pid=x",
         "missing_signature", False, excluded=["com.excluded"]),
    case("a leading dot segment never excluded",
         "https://app.appsflyer.com/./com.excluded?pid=x", "missing_signature", False,
         excluded=["com.excluded"]),
]
print(json.dumps(dict(
    description="Click signing vectors (click-signing.txt). Signatures computed with Python's "
                "hmac + base64 by tests/vectors/gen/click.py. Times are unix seconds; "
                "'expires' in a sign case is seconds and is written in milliseconds when "
                "'millis' is true.",
    sign=sign, sign_errors=sign_errors, verify=verify), indent=2, ensure_ascii=False))
