"""Generates tests/vectors/breaker.json: circuit-breaker scenarios that every
surface replays through its ClickVerifier.

Each scenario is a list of steps. A click step sends `n` clicks of one kind
at unix time `now`, from sources `source(net + j % nets)` for j in 0..n, or
with no source when `net` is null. Kinds:
- `valid`: a fresh genuine click each time: the harness signs
  `urls.valid_base + "&n=" + str(counter)` (a counter over the whole
  scenario, from 0) with the key's secret and `urls.valid_expires`;
- `ticket`: the one genuine URL `urls.ticket`, again and again: its first
  use is valid, every later one a replay;
- `forged`: signed with another key; `unsigned`: no signature.
A click step may carry `asn`: the autonomous system every one of its
clicks comes from (as an ASN database would report it); the breaker then
counts them as one source.
A `set_mode` step sets the mode at its `now` (enabled = a manual re-enable).
Expected: the mode at the end and how many verdicts had `tripped`.

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
EXPIRES = T + 86_000


def signed(secret: str, url: str, expires: int) -> str:
    msg = f"{url}&expires={expires}"
    mac = hmac.new(secret.encode(), msg.encode(), hashlib.sha256).digest()
    return f"{msg}&signature={base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"


def click(kind, n, now, net, nets=None, asn=None):
    step = dict(kind=kind, n=n, now=now, net=net, nets=nets if nets is not None else (n if net is not None else 1))
    if asn is not None:
        step["asn"] = asn
    return step


def genuine_then(flood_per_minute, broken, start=0, minutes=120):
    """Genuine clicks (17 a minute) for the first hour; then either the signer
    breaks (its clicks fail, from 17 networks a minute) or it goes on and a
    flood of forged clicks from fresh networks joins it."""
    steps = []
    for m in range(start, minutes):
        if m < 60:
            steps.append(click("valid", 17, T + m * 60, m, 1))
        elif broken:
            steps.append(click("forged", 17, T + m * 60, m * 17, 17))
        else:
            steps.append(click("valid", 17, T + m * 60, m, 1))
            steps.append(click("forged", flood_per_minute, T + m * 60, (m - 60) * flood_per_minute))
    return steps


def fresh_one_in_40():
    """A fresh system: forged clicks from 300 networks, 39 a minute, with one
    genuine click in 40 arriving all along, for two hours."""
    steps = []
    for m in range(120):
        steps.append(click("valid", 1, T + m * 60, 5000 + m, 1))
        steps.append(click("forged", 39, T + m * 60, (m * 39) % 300, 39))
    return steps


def replays_then_flood():
    """A harvested ticket replayed from one address every 10 s for an hour,
    an hour of quiet, then forged clicks from 300 networks (50 a minute)
    while genuine traffic goes on at 5 a minute."""
    steps = [click("ticket", 1, T + s, 7, 1) for s in range(0, 3600, 10)]
    for m in range(120, 240):
        steps.append(click("valid", 5, T + m * 60, 9000, 1))
        steps.append(click("forged", 50, T + m * 60, (m * 50) % 300, 50))
    return steps


def broken_while_replayed():
    """The signer breaks; an attacker replays a harvested ticket every
    second from 5 addresses. Replays are not valid clicks, so they cannot
    hold the breaker off."""
    steps = genuine_then(0, broken=True, minutes=60)
    steps.append(click("ticket", 1, T, 7, 1))
    for m in range(60, 120):
        steps.append(click("forged", 17, T + m * 60, m * 17, 17))
        steps.append(click("ticket", 60, T + m * 60, 40, 5))
    return steps


def reenable_hold():
    """Tripped by a broken signer, re-enabled at once: a further hour of
    failures from many networks does not trip it again before an hour has
    passed since the re-enable; it does after."""
    steps = [click("forged", 150, T + m * 60, m * 150) for m in range(0, 60)]
    steps.append(dict(set_mode="enabled", now=T + 3600))
    steps += [click("forged", 150, T + m * 60, 9000 + m * 150) for m in range(60, 119)]
    return steps


scenarios = [
    dict(name="fresh system, no valid click: 100 failures from 100 networks trip it",
         steps=[click("unsigned", 100, T + 60, 0)],
         mode="report-only", trips=1),
    dict(name="fresh system: 1,000 failures from 5 addresses never trip",
         steps=[click("unsigned", 1000, T + 60, 0, 5)], mode="enabled", trips=0),
    dict(name="1,000 failures from 500 networks of one autonomous system never trip",
         steps=[click("unsigned", 1000, T + 60, 0, 500, asn=16509)], mode="enabled", trips=0),
    dict(name="failures from 100 networks in 100 autonomous systems trip it",
         steps=[click("unsigned", 1, T + 60, i, 1, asn=16509 + i) for i in range(100)],
         mode="report-only", trips=1),
    dict(name="a reserved ASN says nothing: 100 networks still count",
         steps=[click("unsigned", 100, T + 60, 0, asn=64512)], mode="report-only", trips=1),
    dict(name="failures without a source count as one network",
         steps=[click("unsigned", 1000, T + 60, None)], mode="enabled", trips=0),
    dict(name="steady signed traffic and 9,000 forged clicks from 9,000 networks",
         steps=genuine_then(150, broken=False), mode="enabled", trips=0),
    dict(name="fresh system: one genuine click in 40 and a forged flood from 300 networks",
         steps=fresh_one_in_40(), mode="enabled", trips=0),
    dict(name="the same traffic with the signer broken trips within the hour",
         steps=genuine_then(0, broken=True), mode="report-only", trips=1),
    dict(name="an hour of replays does not let a later flood trip it",
         steps=replays_then_flood(), mode="enabled", trips=0),
    dict(name="replays of a harvested ticket do not hold off a broken signer's trip",
         steps=broken_while_replayed(), mode="report-only", trips=1),
    dict(name="a manual re-enable holds for an hour, fleet-wide, then the rule applies again",
         steps=reenable_hold() + [click("forged", 150, T + 119 * 60 + 30, 20000),
                                  click("forged", 150, T + 7200 + 60, 30000)],
         mode="report-only", trips=2),
]

print(json.dumps(dict(
    description=__doc__.strip().splitlines()[0] + " See tests/vectors/gen/breaker.py for the step format.",
    key=dict(id=KEY_ID, secret=KEY, expires_at=T + 86_400),
    start_mode="enabled",
    urls=dict(valid_base=URL, valid_expires=EXPIRES, ticket=signed(KEY, URL + "&clickid=harvested", EXPIRES),
              forged=signed("not-the-key", URL, EXPIRES), unsigned=URL),
    scenarios=scenarios,
), indent=1))
