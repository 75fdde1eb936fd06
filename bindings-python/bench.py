"""Each clickfence call beside what a Python user would otherwise write or install.

    pip install ./bindings-python standardwebhooks stripe maxminddb limits
    python bindings-python/bench.py

Prints microseconds per call (the best of 7 rounds, ours and theirs
alternated) and the ratio.
"""
import base64
import hashlib
import hmac
import ipaddress
import json
import pathlib
import time
import timeit

import clickfence as cf

VECTORS = pathlib.Path(__file__).resolve().parents[1] / "tests" / "vectors"
URL = ("https://app.appsflyer.com/com.app.id?pid=adnetwork_int&c=my_campaign"
       "&clickid=sdkfjasksjskdfj9845weh&af_site_id=12345")
KEY = "zGW6Rhrmb8+vuhHtL/Kp6rW5Ci9PNsjH1J5MGO9SIeg="
NOW = int(time.time())


def best(fn, number):
    return min(timeit.repeat(fn, number=number, repeat=5)) / number * 1e6


ROUNDS = 7


def best_of_pair(ours, theirs, number):
    """The best of ROUNDS rounds of each, alternated, so a noisy neighbour
    slows both sides alike rather than whichever ran second."""
    a = b = float("inf")
    for _ in range(ROUNDS):
        a = min(a, timeit.timeit(ours, number=number))
        b = min(b, timeit.timeit(theirs, number=number))
    return a / number * 1e6, b / number * 1e6


rows = []


def compare(name, ours, theirs, theirs_name, number=20000):
    a, b = best_of_pair(ours, theirs, number)
    rows.append((name, a, theirs_name, b, b / a))


# Click signing.
signer = cf.ClickSigner(KEY)
key_bytes = KEY.encode()


def py_sign():
    msg = f"{URL}&expires={NOW + 300}"
    sig = base64.urlsafe_b64encode(hmac.new(key_bytes, msg.encode(), hashlib.sha256).digest()).rstrip(b"=")
    return f"{msg}&signature={sig.decode()}"


assert signer.sign(URL, expires=NOW + 300) == py_sign()
compare("click sign", lambda: signer.sign(URL, expires=NOW + 300), py_sign, "hmac + base64")

# Webhook verification, 300-byte body.
body = (b'{"event":"ip.blocked","data":{"site_id":17,"site_domain":"acme-coffee.com","ip_address":"203.0.113.42",'
        b'"reason":"Auto-blocked due to high fraud score","fraud_score":88,"source":"auto"},'
        b'"sent_at":"2026-05-04T12:00:00+00:00"}' + b" " * 80)[:300]
secret = "whsec_3f9c2a7e1b"
sig = cf.WebhookSigner(secret).sign(NOW, body)
headers = {"x-myclickshield-timestamp": str(NOW), "x-myclickshield-signature": sig}
verifier = cf.WebhookVerifier(secret)
secret_bytes = secret.encode()


def py_verify():
    ts = headers["x-myclickshield-timestamp"]
    expected = hmac.new(secret_bytes, ts.encode() + b"." + body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, headers["x-myclickshield-signature"]) or abs(time.time() - int(ts)) > 300:
        raise ValueError("invalid")


compare("webhook verify 300 B", lambda: verifier.verify(headers, body, now=NOW), py_verify, "hmac.compare_digest")
try:
    from standardwebhooks.webhooks import Webhook

    # The same Standard Webhooks delivery, verified by each (scheme="standard").
    sw_secret = "whsec_" + base64.b64encode(b"x" * 32).decode()
    wh = Webhook(sw_secret)
    sw_headers = {"webhook-id": "msg_1", "webhook-timestamp": str(NOW)}
    sw_headers["webhook-signature"] = wh.sign("msg_1", __import__("datetime").datetime.fromtimestamp(NOW), body.decode())
    ours_sw = cf.WebhookVerifier(sw_secret, scheme="standard")
    compare("standard verify 300 B", lambda: ours_sw.verify(sw_headers, body, now=NOW),
            lambda: wh.verify(body, sw_headers), "standardwebhooks", number=5000)
except ImportError:
    print("(standardwebhooks not installed)")
try:
    import stripe

    st_secret = "whsec_stripe_bench"
    st_header = f"t={NOW},v1=" + hmac.new(st_secret.encode(), f"{NOW}.".encode() + body, hashlib.sha256).hexdigest()
    ours_st = cf.WebhookVerifier(st_secret, scheme="stripe")
    st_headers = {"stripe-signature": st_header}
    compare("stripe verify 300 B", lambda: ours_st.verify(st_headers, body, now=NOW),
            lambda: stripe.WebhookSignature.verify_header(body.decode(), st_header, st_secret, tolerance=300),
            "stripe", number=5000)
except ImportError:
    print("(stripe not installed)")

# IP access over the same rules.
config = {"enabled": True, "blockedIPs": [f"198.51.100.{i}" for i in range(50)],
          "blockedCIDRs": [f"10.{i}.0.0/16" for i in range(50)] + ["2001:db8::/32"],
          "blockedCountries": ["RU", "CN"], "allowedIPs": ["10.0.0.1"]}
policy = cf.AccessPolicy(config)
blocked_ips = {ipaddress.ip_address(i) for i in config["blockedIPs"]}
nets = [ipaddress.ip_network(n) for n in config["blockedCIDRs"]]
allowed = {ipaddress.ip_address(i) for i in config["allowedIPs"]}
countries = set(config["blockedCountries"])


def py_check(ip_text, country):
    ip = ipaddress.ip_address(ip_text)
    if ip in allowed:
        return {"allowed": True}
    if ip in blocked_ips:
        return {"allowed": False, "reason": "blocked_ip", "country": country}
    if any(ip in n for n in nets):
        return {"allowed": False, "reason": "blocked_cidr", "country": country}
    if country in countries:
        return {"allowed": False, "reason": "blocked_country", "country": country}
    return {"allowed": True}


assert policy.check("10.49.3.4", country="DE").to_dict() == py_check("10.49.3.4", "DE")
compare("access check (allowed)", lambda: policy.check("203.0.113.9", country="DE", now=NOW),
        lambda: py_check("203.0.113.9", "DE"), "ipaddress")

# GeoIP country lookup.
geo = cf.GeoIp(VECTORS / "geoip" / "country.mmdb")
try:
    import maxminddb

    reader = maxminddb.open_database(str(VECTORS / "geoip" / "country.mmdb"))
    compare("GeoIP country", lambda: geo.country("81.2.69.142"),
            lambda: reader.get("81.2.69.142")["country"]["iso_code"], "maxminddb")
except ImportError:
    print("(maxminddb not installed)")

# Rate checks.
limiter = cf.RateLimiter(limit=1_000_000, window=60)
try:
    from limits import parse
    from limits.storage import MemoryStorage
    from limits.strategies import MovingWindowRateLimiter

    lim = MovingWindowRateLimiter(MemoryStorage())
    item = parse("1000000/minute")
    compare("rate check (hot key)", lambda: limiter.check("mcs_live_token", now=NOW),
            lambda: lim.hit(item, "mcs_live_token"), "limits (moving window)", number=5000)
except ImportError:
    print("(limits not installed)")

scorer = cf.Scorer()
signals = {"ip_vpn": True, "user_agent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
           "(KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36", "clicks_last_minute": 2}
rows.append(("score (dict in)", best(lambda: scorer.score(signals), 20000), "-", float("nan"), float("nan")))

# The core alone, from criterion's last `cargo bench -p clickfence` on this
# machine (target/criterion), so the boundary's share is visible.
CRITERION = {
    "click sign": "click_sign",
    "webhook verify 300 B": "webhook_verify/300",
    "access check (allowed)": "ip_check_str_with_hint",
    "rate check (hot key)": "rate_hot_key_clickfence",
    "score (dict in)": "score_signals_from_json",
}


def core_us(name):
    path = VECTORS.parent.parent / "target" / "criterion" / CRITERION.get(name, "-") / "new" / "estimates.json"
    try:
        return f"{json.loads(path.read_text())['mean']['point_estimate'] / 1000:.2f}"
    except (OSError, KeyError, ValueError):
        return "-"


print(f"{'call':26} {'clickfence µs':>14} {'core µs':>8} {'other':>24} {'other µs':>10} {'ratio':>7}")
for name, a, other, b, ratio in rows:
    print(f"{name:26} {a:14.2f} {core_us(name):>8} {other:>24} {b:10.2f} {ratio:6.1f}x")
print("core: the same work in Rust alone, criterion's last `cargo bench -p clickfence` here (- when not run)")
