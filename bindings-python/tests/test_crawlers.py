"""Verified-crawler checks replayed from tests/vectors/crawlers.json, and a
whole check driven by Python's own resolver calls' shape."""

import json
import os

import pytest

import clickfence as cf
from conftest import load

V = load("crawlers.json")
HERE = os.path.dirname(__file__)
OPERATORS = ["google", "bing", "apple", "yandex", "baidu", "duckduckgo", "facebook"]


def verifier(files):
    v = cf.CrawlerVerifier()
    for f in files:
        op = next(o for o in OPERATORS if f.startswith(o))
        with open(os.path.join(HERE, "..", "..", "tests", "vectors", "crawlers", f)) as fh:
            v.load_ranges(op, fh.read())
    return v


@pytest.mark.parametrize("case", V["scenarios"], ids=lambda c: c["name"])
def test_crawler_vectors(case):
    v = verifier(case["ranges"])
    assert v.check(case["user_agent"], case["ip"], case["answers"]) == case["expect"]
    # The same answers as JSON text.
    assert v.check(case["user_agent"], case["ip"], json.dumps(case["answers"])) == case["expect"]


@pytest.mark.parametrize("case", V["errors"], ids=lambda c: c["name"])
def test_crawler_errors(case):
    v = verifier(case["ranges"])
    with pytest.raises(cf.ScoringRulesError) as e:
        v.check(case["user_agent"], case["ip"], case["answers"])
    assert e.value.code == case["code"]


def test_range_errors_and_dates():
    v = cf.CrawlerVerifier()
    for case in V["range_errors"]:
        with pytest.raises(cf.ScoringRulesError) as e:
            v.load_ranges(case["operator"], case["json"])
        assert e.value.code == "invalid_crawler_ranges" and case["path"] in str(e.value)
    assert verifier(["googlebot.json"]).ranges_date("google") == "2026-11-30T23:00:17.000000"
    assert v.ranges_date("google") is None
    with pytest.raises(cf.IpAccessError):
        v.check("Googlebot/2.1", "not-an-ip")
