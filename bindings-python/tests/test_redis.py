"""clickfence.redis against a real redis-server (a throwaway one on a free
port), differentially against the in-process RateLimiter and
VelocityCounter: same decisions, headers and counts for random traffic."""

import asyncio
import random
import shutil
import socket
import subprocess
import time

import pytest
import redis

import clickfence
import clickfence.redis as cfr


@pytest.fixture(scope="module")
def redis_url():
    server = shutil.which("redis-server")
    assert server, "redis-server is needed: run scripts/setup.sh"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([server, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                             "--appendonly", "no"], stdout=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}"
    finally:
        proc.kill()
        proc.wait()


def test_rate_limiter_decides_as_the_core(redis_url):
    client = redis.Redis.from_url(redis_url)
    rng = random.Random(7)
    now = 1_700_000_000
    pairs = []
    for k in range(5):
        limit, window = rng.randint(1, 15), rng.randint(1, 90)
        pairs.append((cfr.RedisRateLimiter(client, limit=limit, window=window, prefix=f"py{k}:"),
                      clickfence.RateLimiter(limit=limit, window=window)))
    refused = 0
    for step in range(1500):
        now += rng.choice([0, 0, 0, 1, 1, 2, 45, -3])
        shared, local = pairs[rng.randrange(len(pairs))]
        key, cost = f"k{rng.randrange(3)}", rng.randint(0, 3)
        try:
            expected = local.check(key, cost=cost, now=now)
        except clickfence.ClickfenceError as e:
            with pytest.raises(clickfence.ClickfenceError) as got:
                shared.check(key, cost=cost, now=now)
            assert got.value.code == e.code
            continue
        got = shared.check(key, cost=cost, now=now)
        assert (got.allowed, got.remaining, got.reset_after, got.retry_after, got.headers()) == (
            expected.allowed, expected.remaining, expected.reset_after, expected.retry_after,
            expected.headers()), step
        refused += not got.allowed
    assert refused > 50


def test_velocity_counts_as_the_core(redis_url):
    client = redis.Redis.from_url(redis_url)
    shared, local = cfr.RedisVelocityCounter(client, prefix="pyv:"), clickfence.VelocityCounter()
    rng = random.Random(11)
    now = 1_700_000_000
    for step in range(1500):
        now += rng.choice([0, 0, 1, 2, 30, 700, -10])
        key = f"ip{rng.randrange(4)}"
        assert shared.record(key, now=now) == local.record(key, now=now), step


def test_asyncio_clients_and_redis_time(redis_url):
    async def run():
        client = redis.asyncio.Redis.from_url(redis_url)
        limiter = cfr.AsyncRedisRateLimiter(client, limit=2, window=30, prefix="pya:")
        first = await limiter.check("t")
        assert first.allowed and first.remaining == 1
        assert (await limiter.check("t")).allowed
        third = await limiter.check("t")
        assert not third.allowed and 1 <= third.retry_after <= 30
        counter = cfr.AsyncRedisVelocityCounter(client, prefix="pyav:")
        assert await counter.record("ip") == (1, 1)
        assert await counter.record("ip") == (2, 2)
        await client.aclose()

    asyncio.run(run())


def test_bad_arguments_and_replies_are_clear_errors(redis_url):
    client = redis.Redis.from_url(redis_url)
    with pytest.raises(clickfence.ClickfenceError) as e:
        cfr.RedisRateLimiter(client, limit=0, window=60)
    assert e.value.code == "invalid_quota"
    with pytest.raises(clickfence.ClickfenceError) as e:
        cfr.RedisRateLimiter(client, limit=5, window=60).check("k", cost=6)
    assert e.value.code == "cost_exceeds_limit"
    from clickfence._clickfence import decode_rate_reply
    with pytest.raises(clickfence.ClickfenceError) as e:
        decode_rate_reply([1, 2], limit=5, window=60)
    assert e.value.code == "rate_bad_reply"


def _delivery(signer, i, now):
    body = '{"n": %d}' % i
    headers = signer.headers("click.created", body, delivery_id=f"d{i}", timestamp=now - i)
    return headers, body


def test_replay_guard_refuses_what_another_process_accepted(redis_url):
    verifier = clickfence.WebhookVerifier("whsec_test", tolerance=300)
    signer = clickfence.WebhookSigner("whsec_test")
    first = cfr.RedisReplayGuard(redis.Redis.from_url(redis_url), verifier)
    second = cfr.RedisReplayGuard(redis.Redis.from_url(redis_url), verifier)  # another process
    local = clickfence.ReplayGuard(verifier)
    now = int(time.time())
    client = redis.Redis.from_url(redis_url)
    for i in range(20):
        headers, body = _delivery(signer, i, now)
        assert first.verify(headers, body, now=now) == local.verify(headers, body, now=now)
        for guard in (second, local):
            with pytest.raises(clickfence.WebhookVerificationError) as e:
                guard.verify(headers, body, now=now)
            assert e.value.code == "replayed_delivery"
        _, key, ttl = verifier.shared_replay_key(headers, body, now=now)
        assert 0 < client.ttl(key) <= ttl == 301 - i
    bad = {"X-MyClickShield-Timestamp": str(now), "X-MyClickShield-Signature": "ab" * 32}
    with pytest.raises(clickfence.WebhookVerificationError) as e:
        first.verify(bad, "{}", now=now)
    assert e.value.code == "signature_mismatch"
    with pytest.raises(TypeError):
        cfr.RedisReplayGuard(client, "not a verifier")  # type: ignore[arg-type]


def test_async_replay_guard(redis_url):
    verifier = clickfence.WebhookVerifier("whsec_test")
    signer = clickfence.WebhookSigner("whsec_test")

    async def run():
        client = redis.asyncio.Redis.from_url(redis_url)
        guard = cfr.AsyncRedisReplayGuard(client, verifier, prefix="pyar:")
        headers, body = _delivery(signer, 0, int(time.time()))
        assert await guard.verify(headers, body) == 0
        with pytest.raises(clickfence.WebhookVerificationError) as e:
            await guard.verify(headers, body)
        assert e.value.code == "replayed_delivery"
        await client.aclose()

    asyncio.run(run())


def test_click_tickets_are_shared_by_every_process(redis_url):
    """Two verifiers (two processes of a fleet) share consumed tickets: the
    first use anywhere is valid, a replay anywhere else is replayed, a
    double click reaching the other process is a duplicate; with a
    per-process store (the control) the replay would pass."""
    import json
    import pathlib

    vectors = json.loads((pathlib.Path(__file__).parents[2] / "tests/vectors/tickets.json").read_text())
    key, now = vectors["key"], vectors["added_at"] + 60
    client = redis.Redis.from_url(redis_url)
    a, b = clickfence.ClickVerifier(), clickfence.ClickVerifier()
    for v in (a, b):
        v.add_key(key["id"], key["secret"], key["expires_at"], now=vectors["added_at"])
    ta = cfr.RedisClickTickets(client, a, prefix="pyt:")
    tb = cfr.RedisClickTickets(client, b, prefix="pyt:")
    url = vectors["cases"][0]["url"]
    assert ta.verify(url, now=now, source="198.51.100.7", user_agent="UA").outcome == "valid"
    assert tb.verify(url, now=now + 1, source="198.51.100.7", user_agent="UA").outcome == "duplicate"
    replay = tb.verify(url, now=now + 2, source="203.0.113.9", user_agent="UA")
    assert (replay.outcome, replay.accepted) == ("replayed", False)
    assert tb.verify(url, now=now + 3, user_agent="WhatsApp/2.23").outcome == "preview"
    stored = [k for k in client.scan_iter("pyt:*")]
    assert len(stored) == 1 and len(stored[0]) == len("pyt:") + 64, stored
    assert 0 < client.ttl(stored[0]) <= 301, "until the URL expires"
    # The control: without the shared store, the other process accepts it.
    assert b.verify(url, now=now + 4, source="203.0.113.9").outcome == "valid"
    # Garbage in Redis is a clear error, never a valid click.
    client.set(stored[0], "garbage")
    with pytest.raises(clickfence.ClickSigningError) as e:
        ta.verify(url, now=now + 5, source="203.0.113.9")
    assert e.value.code == "bad_ticket_reply"


def test_async_click_tickets(redis_url):
    import json
    import pathlib

    vectors = json.loads((pathlib.Path(__file__).parents[2] / "tests/vectors/tickets.json").read_text())
    key, now = vectors["key"], vectors["added_at"] + 60

    async def run():
        client = redis.asyncio.Redis.from_url(redis_url)
        v = clickfence.ClickVerifier()
        v.add_key(key["id"], key["secret"], key["expires_at"], now=vectors["added_at"])
        tickets = cfr.AsyncRedisClickTickets(client, v, prefix="pyat:")
        url = vectors["cases"][1]["url"]
        first = await tickets.verify(url, now=now, source="198.51.100.7")
        again = await tickets.verify(url, now=now + 60, source="203.0.113.9")
        await client.aclose()
        return first.outcome, again.outcome

    assert asyncio.run(run()) == ("valid", "replayed")
