"""Generates tests/vectors/replay.json: replay-guard scenarios every surface
replays through a fresh ReplayGuard over a WebhookVerifier.

Signatures come from `hmac` (hex HMAC-SHA256 over b"{timestamp}." + body),
independently of the core. The expected outcome of each delivery comes from
a model of the rule written here: the verifier refuses a timestamp more than
`tolerance` seconds from `now` (timestamp_too_old / timestamp_in_future);
the guard forgets entries whose timestamp is older than now - tolerance,
refuses a (timestamp, signature) it holds (replayed_delivery), and when it
holds `capacity` live entries refuses new ones (replay_guard_full: it fails
closed, never forgets a live entry).

Each step: {"timestamp", "body", "signature", "now", "expect": "ok" | code}.

Run: python3 tests/vectors/gen/replay.py > tests/vectors/replay.json
"""
import hashlib
import hmac
import json

SECRET = "whsec_replay_7d1e"
T = 1777896000


def sig(ts, body):
    return hmac.new(SECRET.encode(), str(ts).encode() + b"." + body.encode(), hashlib.sha256).hexdigest()


def scenario(name, tolerance, capacity, deliveries):
    held = set()
    steps = []
    for ts, body, now in deliveries:
        if ts + tolerance < now:
            expect = "timestamp_too_old"
        elif ts > now + tolerance:
            expect = "timestamp_in_future"
        else:
            held = {e for e in held if e[0] >= now - tolerance}
            entry = (ts, sig(ts, body))
            if entry in held:
                expect = "replayed_delivery"
            elif len(held) >= capacity:
                expect = "replay_guard_full"
            else:
                held.add(entry)
                expect = "ok"
        steps.append({"timestamp": ts, "body": body, "signature": sig(ts, body), "now": now, "expect": expect})
    return {"name": name, "tolerance": tolerance, "capacity": capacity, "steps": steps}


scenarios = [
    scenario("a second delivery of the same signed request is refused", 300, 100, [
        (T, '{"n":1}', T), (T, '{"n":1}', T + 1), (T, '{"n":2}', T + 2), (T, '{"n":1}', T + 300),
    ]),
    scenario("past the tolerance the verifier refuses it first", 300, 100, [
        (T, '{"n":1}', T), (T, '{"n":1}', T + 301), (T + 400, '{"n":1}', T),
    ]),
    scenario("a full guard fails closed until entries age out", 60, 2, [
        (T, "a", T), (T + 1, "b", T + 1), (T + 2, "c", T + 2), (T, "a", T + 3),
        (T + 61, "d", T + 61), (T + 62, "e", T + 62), (T + 62, "e", T + 63),
    ]),
]

print(json.dumps({
    "description": __doc__.split("\n\n")[0].replace("\n", " "),
    "secret": SECRET,
    "scenarios": scenarios,
}, indent=1))
