"""Rate decisions shared through Redis: clickfence.redis beside the
in-process limiter and beside the ``limits`` package's Redis moving window,
on one throwaway redis-server, in one run.

    pip install ./bindings-python "redis>=5" "limits[redis]>=5"
    python bindings-python/bench_redis.py

Prints microseconds per decision, one at a time (best of 3), and decisions
per second when 100 checks go in one pipeline (clickfence: the script's
calls batched in a redis-py pipeline; ``limits`` has no pipelined API).
"""
import shutil
import socket
import subprocess
import time
import timeit

import limits
import limits.storage
import limits.strategies
import redis

import clickfence
import clickfence._clickfence as core
import clickfence.redis as cfr

KEYS = 10_000
LIMIT = 1_000_000  # never refuses: every call is a counted decision


def start_redis():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([shutil.which("redis-server"), "--port", str(port), "--bind",
                             "127.0.0.1", "--save", "", "--appendonly", "no"],
                            stdout=subprocess.DEVNULL)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            break
        except OSError:
            time.sleep(0.05)
    return proc, f"redis://127.0.0.1:{port}"


def per_call(fn, number=10_000):
    counter = iter(range(10**9))
    run = lambda: fn(f"k{next(counter) % KEYS}")  # noqa: E731
    return min(timeit.repeat(run, number=number, repeat=3)) / number * 1e6


def pipelined(client, batch=100, batches=300):
    script = client.register_script(core.RATE_SCRIPT)
    args = core.rate_script_args(limit=LIMIT, window=60, cost=1)
    best = 0.0
    for _ in range(3):
        start = time.perf_counter()
        for b in range(batches):
            pipe = client.pipeline(transaction=False)
            for i in range(batch):
                script(keys=[f"cfp:k{(b * batch + i) % KEYS}"], args=args, client=pipe)
            for reply in pipe.execute():
                core.decode_rate_reply([int(v) for v in reply], limit=LIMIT, window=60)
        best = max(best, batch * batches / (time.perf_counter() - start))
    return best


def main():
    proc, url = start_redis()
    try:
        client = redis.Redis.from_url(url)
        local = clickfence.RateLimiter(limit=LIMIT, window=60)
        ours = cfr.RedisRateLimiter(client, limit=LIMIT, window=60, prefix="cf:")
        storage = limits.storage.storage_from_string(url)
        moving = limits.strategies.MovingWindowRateLimiter(storage)
        item = limits.parse(f"{LIMIT}/minute")
        rows = [
            ("in-process RateLimiter.check", per_call(local.check, 100_000), None),
            ("clickfence.redis, one at a time", per_call(ours.check), None),
            ("limits MovingWindowRateLimiter (Redis), one at a time",
             per_call(lambda k: moving.hit(item, k)), None),
            ("clickfence.redis, 100 per pipeline", None, pipelined(client)),
        ]
        print("| decision | µs each (one at a time) | decisions/s (pipelined) |")
        print("|---|---|---|")
        for name, us, rate in rows:
            print(f"| {name} | {'' if us is None else f'{us:.2f}'} | "
                  f"{'' if rate is None else f'{rate:,.0f}'} |")
    finally:
        proc.kill()
        proc.wait()


if __name__ == "__main__":
    main()
