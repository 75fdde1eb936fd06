"""Writes tests/vectors/rate.json from a plain-Python sliding log.

The reference keeps every admitted unit's timestamp and admits a request of
`cost` at `now` iff the units with timestamp > now - window, plus cost, fit in
the limit: the definition of "at most limit in any window", written without
any of the core's bucketing.

Run: python3 tests/vectors/gen/rate.py > tests/vectors/rate.json
"""
import json
import random


def reference(limit, window, requests):
    log = {}  # key -> list of admitted unit timestamps
    newest = {}
    out = []
    for key, now, cost in requests:
        now = max(now, newest.get(key, now))  # clock steps back are clamped
        units = [t for t in log.get(key, []) if t + window > now]
        allowed = len(units) + cost <= limit
        retry = None
        if allowed:
            units += [now] * cost
            if cost:
                newest[key] = now
        else:
            need = len(units) + cost - limit
            retry = sorted(units)[need - 1] + window - now
        log[key] = units
        reset = (max(units) + window - now) if units else 0
        out.append({"key": key, "now": now, "cost": cost, "allowed": allowed,
                    "remaining": max(0, limit - len(units)), "retry_after": retry,
                    "reset_after": reset})
    return out


def scenario(name, limit, window, requests):
    return {"name": name, "limit": limit, "window": window,
            "steps": reference(limit, window, requests)}


T = 1700000000
rng = random.Random(7)
burst = [("tok", T, 1)] * 61 + [("tok", T + 59, 1), ("tok", T + 60, 1)]
spread = [("tok", T + i, 1) for i in range(0, 120, 1)]
costly = [("k", T, 3), ("k", T + 1, 2), ("k", T + 2, 1), ("k", T + 3, 0), ("k", T + 9, 2),
          ("k", T + 10, 2), ("k", T + 11, 2)]
keys = [(rng.choice(["a", "b", "c"]), T + rng.randrange(0, 200), rng.choice([1, 1, 1, 2]))
        for _ in range(300)]
keys.sort(key=lambda r: r[1])
backwards = [("k", T + 100, 2), ("k", T + 50, 1), ("k", T + 160, 1)]

print(json.dumps({
    "description": "Rate window vectors (platform-api.txt: 60 requests/min per token). "
                   "Each scenario runs its steps in order on a fresh limiter; 'now' is "
                   "after clamping a clock that stepped back. retry_after is null when allowed.",
    "headers_example": {
        "limit": 60, "window": 60, "now": T, "requests_before": 60,
        "headers": [["X-RateLimit-Limit", "60"], ["X-RateLimit-Remaining", "0"],
                    ["X-RateLimit-Reset", str(T + 60)],
                    ["RateLimit-Policy", '"default";q=60;w=60'],
                    ["RateLimit", '"default";r=0;t=60'], ["Retry-After", "60"]]},
    "scenarios": [
        scenario("61 at once: the 61st waits the full minute", 60, 60, burst),
        scenario("one per second for two minutes never refuses", 60, 60, spread),
        scenario("costs, and a cost-0 read", 5, 10, costly),
        scenario("three keys, random times", 10, 30, keys),
        scenario("clock steps back", 2, 60, backwards),
    ],
}, indent=1))
