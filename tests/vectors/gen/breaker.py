"""Generates tests/vectors/breaker.json: circuit-breaker scenarios that every
surface replays through its ClickVerifier.

Each scenario is a list of steps. A click step sends `n` clicks of one kind
(`valid`: signed with the verifier's key; `forged`: signed with another key;
`unsigned`) at unix time `now`, from sources `source(net + j % nets)` for
j in 0..n, or with no source when `net` is null. A `set_mode` step sets the
mode. Expected: the mode at the end and how many verdicts had `tripped`.

source(i) = "100.{64 + i // 256}.{i % 256}.9" (a distinct /24 per i).

Run: python3 tests/vectors/gen/breaker.py > tests/vectors/breaker.json
"""
import base64
import hashlib
import hmac
import json

T = 1_700_000_000 - 1_700_000_000 % 3600
KEY_ID, KEY = "breaker-key", "breaker-secret"
URL = "https://app.appsflyer.com/com.app.id?pid=net&c=camp"


def signed(secret: str, url: str, expires: int) -> str:
    msg = f"{url}&expires={expires}"
    mac = hmac.new(secret.encode(), msg.encode(), hashlib.sha256).digest()
    return f"{msg}&signature={base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"


def click(kind, n, now, net, nets=None):
    return dict(kind=kind, n=n, now=now, net=net, nets=nets if nets is not None else (n if net is not None else 1))


def genuine_then(flood_per_minute, broken):
    steps = [click("valid", 17, T + m * 60, m, 1) for m in range(60)]
    for m in range(60, 120):
        if broken:
            steps.append(click("forged", 17, T + m * 60, m * 17, 17))
        else:
            steps.append(click("valid", 17, T + m * 60, m, 1))
            steps.append(click("forged", flood_per_minute, T + m * 60, (m - 60) * flood_per_minute))
    return steps


scenarios = [
    dict(name="fresh system: 91 of 100 clicks fail from 91 networks",
         steps=[click("valid", 9, T, 0, 1), click("unsigned", 91, T + 60, 0)],
         mode="report-only", trips=1),
    dict(name="fresh system: 1,000 failures from 5 addresses never trip",
         steps=[click("unsigned", 1000, T + 60, 0, 5)], mode="enabled", trips=0),
    dict(name="failures without a source count as one network",
         steps=[click("unsigned", 1000, T + 60, None)], mode="enabled", trips=0),
    dict(name="steady signed traffic and 9,000 forged clicks from 9,000 networks",
         steps=genuine_then(150, broken=False), mode="enabled", trips=0),
    dict(name="the same traffic with the signer broken trips within the hour",
         steps=genuine_then(0, broken=True), mode="report-only", trips=1),
    dict(name="a manual re-enable is not re-tripped by earlier failures",
         steps=[click("unsigned", 200, T, 0), dict(set_mode="enabled"),
                click("unsigned", 50, T + 300, 1000)],
         mode="enabled", trips=1),
]

print(json.dumps(dict(
    description=__doc__.strip().splitlines()[0] + " See tests/vectors/gen/breaker.py for the step format.",
    key=dict(id=KEY_ID, secret=KEY, expires_at=T + 86_400),
    start_mode="enabled",
    urls=dict(valid=signed(KEY, URL, T + 86_000), forged=signed("not-the-key", URL, T + 86_000), unsigned=URL),
    scenarios=scenarios,
), indent=1))
