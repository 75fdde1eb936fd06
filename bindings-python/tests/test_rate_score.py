import threading

import pytest

import clickfence as cf
from conftest import load

RATE = load("rate.json")
SCORE = load("score.json")
KEYS = load("keys.json")


def test_key_vectors():
    from clickfence._clickfence import shared_rate_key

    assert len(KEYS["client_keys"]) >= 10
    for c in KEYS["client_keys"]:
        assert cf.client_key(c["text"]) == c["expected"], c["text"][:40]
    for c in KEYS["shared_keys"]:
        if "error" in c:
            with pytest.raises(cf.RateLimitError) as e:
                shared_rate_key(c["prefix"], c["key"])
            assert e.value.code == c["error"]
        else:
            assert shared_rate_key(c["prefix"], c["key"]) == c["expected"].encode()
            assert shared_rate_key(c["prefix"], c["key"].encode()) == c["expected"].encode()


@pytest.mark.parametrize("scenario", RATE["scenarios"], ids=lambda s: s["name"])
def test_rate_scenarios(scenario):
    rl = cf.RateLimiter(limit=scenario["limit"], window=scenario["window"])
    for step in scenario["steps"]:
        d = rl.check(step["key"], cost=step["cost"], now=step["now"])
        assert (d.allowed, d.remaining, d.retry_after, d.reset_after) == (
            step["allowed"], step["remaining"], step["retry_after"], step["reset_after"]), step


def test_rate_headers():
    ex = RATE["headers_example"]
    rl = cf.RateLimiter(limit=ex["limit"], window=ex["window"])
    for _ in range(ex["requests_before"]):
        rl.check("tok", now=ex["now"])
    assert rl.check(b"tok", now=ex["now"]).headers() == dict(ex["headers"])


def test_rate_errors_and_threads():
    with pytest.raises(cf.RateLimitError) as e:
        cf.RateLimiter(limit=0)
    assert e.value.code == "invalid_quota"
    rl = cf.RateLimiter(limit=1000, window=60)
    with pytest.raises(cf.RateLimitError) as e:
        rl.check("k", cost=1001)
    assert e.value.code == "cost_exceeds_limit"
    admitted = []

    def work():
        admitted.append(sum(rl.check("shared", now=1_700_000_000).allowed for _ in range(500)))

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(admitted) == 1000


def test_velocity():
    v = cf.VelocityCounter()
    v.record("ip", now=1_700_000_000)
    assert v.record("ip", now=1_700_000_030) == (2, 2)


@pytest.mark.parametrize("case", SCORE["cases"], ids=lambda c: c["name"])
def test_score_vectors(case):
    s = cf.Scorer(block_threshold=case["block_threshold"], flag_threshold=case["flag_threshold"])
    a = s.score(case["signals"])
    assert (a.score, a.status, a.classification, a.category) == (
        case["score"], case["status"], case["classification"], case["category"])
    assert [r["code"] for r in a.reasons] == case["reasons"]
    assert a.to_dict()["rules_version"] == SCORE["rules_version"]


@pytest.mark.parametrize("case", SCORE["signal_ignored"], ids=lambda c: c["path"])
def test_invalid_signal_fields_are_dropped_and_reported(case):
    a = cf.Scorer().score(case["signals"])
    assert a.status == "blocked", "the other evidence still decides"
    assert any(i.startswith(case["path"]) for i in a.to_dict()["ignored_signals"])


def test_fractional_signals_are_floored():
    f = SCORE["signal_floored"]
    a = cf.Scorer().score(f["signals"])
    assert "ignored_signals" not in a.to_dict()


@pytest.mark.parametrize("case", SCORE["signal_errors"], ids=lambda c: c["text"])
def test_signal_errors(case):
    with pytest.raises(cf.SignalsError) as e:
        cf.Scorer().score(case["text"])
    assert e.value.code == "invalid_signals"


def test_rules_and_thresholds():
    s = cf.Scorer(rules={"version": "mine", "rules": {"vpn": 90}})
    assert s.score({"ip_vpn": True}).status == "blocked"
    with pytest.raises(cf.ScoringRulesError) as e:
        cf.Scorer(rules={"version": "x", "rules": {"nope": 1}})
    assert e.value.code == "invalid_rules"
    with pytest.raises(cf.ScoringRulesError) as e:
        cf.Scorer(block_threshold=30, flag_threshold=40)
    assert e.value.code == "invalid_thresholds"
    assert cf.fraud_rate(4128, 312) == SCORE["fraud_rate"]["fraud_rate"]
    assert s.is_bot_user_agent("Googlebot/2.1")
