"""Generates tests/vectors/velocity.json: click-velocity scenarios every
surface replays through a fresh VelocityCounter.

The expected counts come from a model written here from the rule, not from
the core: an event at second t counts in the last minute at `now` while
t + 60 > now (one-second buckets), and in the last hour while
floor(t / 60) * 60 + 3600 > now (one-minute buckets). Times never step back
in these scenarios (a clock that steps back counts into the newest bucket,
which the Redis differential tests cover).

Each step: {"op": "record" | "peek", "key", "now", "last_minute", "last_hour"}.

Run: python3 tests/vectors/gen/velocity.py > tests/vectors/velocity.json
"""
import json
import random

T = 1_700_000_000 - 1_700_000_000 % 60  # a minute boundary


def scenario(name, ops):
    events = {}
    steps = []
    for op, key, now in ops:
        if op == "record":
            events.setdefault(key, []).append(now)
        ts = events.get(key, [])
        steps.append({
            "op": op, "key": key, "now": now,
            "last_minute": sum(1 for t in ts if t + 60 > now),
            "last_hour": sum(1 for t in ts if t - t % 60 + 3600 > now),
        })
    return {"name": name, "steps": steps}


def random_ops(seed, n):
    rng = random.Random(seed)
    now, ops = T, []
    for _ in range(n):
        now += rng.choice([0, 0, 1, 2, 5, 30, 59, 61, 600, 3000])
        ops.append((rng.choice(["record", "record", "record", "peek"]), f"ip{rng.randrange(3)}", now))
    return ops


scenarios = [
    scenario("five in a minute, then the windows slide", [
        *[("record", "ip", T + i * 10) for i in range(5)],
        ("peek", "ip", T + 40), ("peek", "ip", T + 60), ("peek", "ip", T + 61),
        ("peek", "ip", T + 3599), ("peek", "ip", T + 3600),
    ]),
    scenario("the hour counts by minute bucket", [
        ("record", "k", T + 59), ("record", "k", T + 60), ("peek", "k", T + 3599),
        ("peek", "k", T + 3600), ("peek", "k", T + 3659), ("peek", "k", T + 3660),
    ]),
    scenario("keys are independent", [
        ("record", "a", T), ("record", "b", T), ("record", "a", T + 1), ("peek", "b", T + 1),
    ]),
    scenario("random traffic, three keys", random_ops(7, 300)),
]

print(json.dumps({
    "description": __doc__.split("\n\n")[0].replace("\n", " "),
    "scenarios": scenarios,
}, indent=1))
