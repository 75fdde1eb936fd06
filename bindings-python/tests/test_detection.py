"""The crawler list against a later release than the embedded snapshot:
PyPI's crawler-user-agents (1.67.0) adds patterns the embedded npm 1.60.0
lacks. Their instances measure what a rebuild-free list update buys."""

import json
import os

import pytest

import clickfence as cf

crawleruseragents = pytest.importorskip("crawleruseragents")

LATER = json.load(open(os.path.join(os.path.dirname(crawleruseragents.__file__), "crawler-user-agents.json")))
EMBEDDED_PATTERNS = cf.Scorer().crawler_list[1]


def later_instances():
    """Instances of the patterns after the embedded snapshot's (the last
    entries: upstream appends new patterns)."""
    added = LATER[EMBEDDED_PATTERNS:]
    return [ua for entry in added for ua in entry.get("instances", [])]


def test_the_later_release_adds_patterns():
    assert len(LATER) > EMBEDDED_PATTERNS
    assert len(later_instances()) >= 1


def test_loading_the_later_list_catches_every_new_instance():
    text = json.dumps(LATER)
    scorer = cf.Scorer(crawler_list=text, crawler_list_source="crawler-user-agents 1.67.0 (PyPI)")
    assert scorer.crawler_list == ("crawler-user-agents 1.67.0 (PyPI)", len(LATER))
    new = later_instances()
    embedded = sum(cf.Scorer().is_bot_user_agent(ua) for ua in new)
    loaded = sum(scorer.is_bot_user_agent(ua) for ua in new)
    print(f"later-release instances: {len(new)}; embedded snapshot catches {embedded}, the loaded list {loaded}")
    assert loaded == len(new)


def test_a_bad_list_is_refused_with_its_code():
    for bad in ["{", '[{"pattern": "a(?=b)"}]', '{"pattern": "x"}']:
        with pytest.raises(cf.ScoringRulesError) as e:
            cf.Scorer(crawler_list=bad)
        assert e.value.code == "invalid_crawler_list"


def test_categories_of_user_agents():
    s = cf.Scorer()
    assert s.user_agent_category("WhatsApp/2.23.20.0 A") == "givt"
    assert s.user_agent_category("Mozilla/5.0 (compatible; GoogleOther)") == "givt"
    assert s.user_agent_category("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 HeadlessChrome/120.0 Safari/537.36") == "sivt"
    a = s.score({"user_agent": "WhatsApp/2.23.20.0 A"})
    assert (a.category, a.reasons[0]["category"]) == ("givt", "givt")
