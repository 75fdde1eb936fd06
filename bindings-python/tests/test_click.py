import threading

import pytest

import clickfence as cf
from conftest import load

V = load("click.json")


@pytest.mark.parametrize("case", V["sign"], ids=lambda c: c["name"])
def test_sign_vectors(case):
    signer = cf.ClickSigner(case["secret"])
    assert signer.sign(case["url"], expires=case["expires"], millis=case["millis"]) == case["signed"]


def test_bytes_and_str_secrets_are_the_same_key():
    url = "https://a.example/x?y=1"
    assert cf.ClickSigner("k").sign(url, expires=9) == cf.ClickSigner(b"k").sign(url, expires=9)


@pytest.mark.parametrize("case", V["sign_errors"], ids=lambda c: c["name"])
def test_sign_errors_have_codes(case):
    with pytest.raises(cf.ClickSigningError) as e:
        cf.ClickSigner("k").sign(case["url"], expires=1)
    assert e.value.code == case["code"]
    assert isinstance(e.value, cf.ClickfenceError)
    assert str(e.value)


@pytest.mark.parametrize("case", V["verify"], ids=lambda c: c["name"])
def test_verify_vectors(case):
    v = cf.ClickVerifier(mode=case["mode"])
    for key in case["keys"]:
        v.add_key(key["id"], key["secret"], key["expires_at"], now=0)
    for app in case["excluded_apps"]:
        v.exclude_app(app)
    verdict = v.verify(case["url"], now=case["now"])
    assert (verdict.outcome, verdict.accepted, verdict.key_id) == (case["outcome"], case["accepted"], case["key_id"])


def test_default_expiry_is_now_plus_ttl():
    import time

    url = cf.ClickSigner("k").sign("https://a.example/x", ttl=600)
    expires = int(url.split("expires=")[1].split("&")[0])
    assert abs(expires - (time.time() + 600)) < 5


def test_key_ring_config_and_report():
    v = cf.ClickVerifier(mode="report-only", circuit_breaker=False)
    key = v.generate_key(ttl_hours=36, now=1_700_000_000)
    assert len(key.id) == 36 and len(key.secret) == 44 and key.expires_at == 1_700_000_000 + 36 * 3600
    assert "redacted" in repr(key)
    v.add_key("second", b"s2", 1_800_000_000, now=1_700_000_000)
    with pytest.raises(cf.ClickSigningError) as e:
        v.add_key("third", "s3", 1_800_000_000, now=1_700_000_000)
    assert e.value.code == "too_many_active_keys"
    v.exclude_app("app-id-1")
    cfg = v.config(now=1_700_000_000)
    assert cfg["mode"] == "report-only"
    assert cfg["circuit-breaker-config"] == {"status": "disabled"}
    assert [k["secret-key-id"] for k in cfg["active-key-ids"]] == [key.id, "second"]
    assert cfg["excluded-app-ids"] == ["app-id-1"]
    signed = cf.ClickSigner(key.secret).sign("https://app.example/com.app?pid=x", expires=1_700_000_100)
    assert v.verify(signed, now=1_700_000_000).outcome == "valid"
    assert v.verify("https://app.example/com.app?pid=x", now=1_700_000_000).accepted  # report-only
    rows = v.report(now=1_700_000_000)
    assert rows == [{"time": "2023-11-14T22", "total_clicks": 2, "valid_clicks": 1, "missing_signature": 1,
                     "expired_clicks": 0, "invalid_signature": 0, "no_active_secrets": 0,
                     "replayed_clicks": 0}]
    csv = v.report_csv(start="2023-11-14T22", end="2023-11-14T22")
    assert csv.splitlines()[1] == "2023-11-14T22,2,1,1,0,0,0,0"
    with pytest.raises(cf.ClickSigningError) as e:
        v.report(start="2023-11-14T22")
    assert e.value.code == "invalid_report_range"
    with pytest.raises(cf.ClickSigningError) as e:
        v.set_mode("on")
    assert e.value.code == "invalid_mode"
    v.set_mode("disabled")
    assert v.mode == "disabled"


def test_bad_argument_types_raise_type_error():
    with pytest.raises(TypeError):
        cf.ClickSigner(42)
    with pytest.raises(TypeError):
        cf.ClickSigner("k").sign(b"https://a.example/")
    with pytest.raises(cf.ClickfenceError) as e:
        cf.ClickVerifier().verify("https://a/", now=-1)
    assert e.value.code == "time_out_of_range"


def test_one_verifier_shared_by_8_threads_counts_every_click():
    v = cf.ClickVerifier()
    v.add_key("k", "shared", 1_800_000_000, now=1_700_000_000)
    signer = cf.ClickSigner("shared")
    valid = []

    def work(t):
        urls = [signer.sign(f"https://app.example/com.app?pid=x&n={t}-{i}", expires=1_700_000_300)
                for i in range(500)]
        valid.append(sum(v.verify(url, now=1_700_000_000).outcome == "valid" for url in urls))

    threads = [threading.Thread(target=work, args=(t,)) for t in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(valid) == 4000
    assert v.report(now=1_700_000_000)[0]["valid_clicks"] == 4000


def test_one_ticket_raced_by_8_threads_is_valid_exactly_once():
    v = cf.ClickVerifier()
    v.add_key("k", "shared", 1_800_000_000, now=1_700_000_000)
    url = cf.ClickSigner("shared").sign("https://app.example/com.app?pid=x", expires=1_700_000_300)
    outcomes = []

    def work():
        outcomes.extend(v.verify(url, now=1_700_000_000).outcome for _ in range(500))

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("valid") == 1 and outcomes.count("replayed") == 3999
    row = v.report(now=1_700_000_000)[0]
    assert (row["valid_clicks"], row["replayed_clicks"]) == (1, 3999)


BREAKER = load("breaker.json")


def _source(i):
    return f"100.{64 + i // 256}.{i % 256}.9"


@pytest.mark.parametrize("scenario", BREAKER["scenarios"], ids=lambda s: s["name"])
def test_breaker_scenarios(scenario):
    key = BREAKER["key"]
    v = cf.ClickVerifier(mode=BREAKER["start_mode"], circuit_breaker=True)
    v.add_key(key["id"], key["secret"], key["expires_at"], now=0)
    signer, urls = cf.ClickSigner(key["secret"]), BREAKER["urls"]
    trips = counter = 0
    for step in scenario["steps"]:
        if "set_mode" in step:
            v.set_mode(step["set_mode"], now=step["now"])
            continue
        for j in range(step["n"]):
            if step["kind"] == "valid":
                url = signer.sign(f"{urls['valid_base']}&n={counter}", expires=urls["valid_expires"])
                counter += 1
            else:
                url = urls[step["kind"]]
            source = None if step["net"] is None else _source(step["net"] + j % step["nets"])
            trips += v.verify(url, now=step["now"], source=source, asn=step.get("asn")).tripped
    assert v.mode == scenario["mode"]
    assert trips == scenario["trips"]


def test_breaker_trip_shows_in_config_and_bad_sources_are_refused():
    key = BREAKER["key"]
    v = cf.ClickVerifier()
    v.add_key(key["id"], key["secret"], key["expires_at"], now=0)
    with pytest.raises(cf.IpAccessError) as e:
        v.verify(BREAKER["urls"]["unsigned"], now=1_700_000_000, source="300.1.1.1")
    assert e.value.code == "invalid_ip"
    assert v.report(now=1_700_000_000) == [], "nothing counted"
    verdicts = [v.verify(BREAKER["urls"]["unsigned"], now=1_700_000_000, source=_source(i)) for i in range(100)]
    assert [x.tripped for x in verdicts].count(True) == 1 and verdicts[-1].tripped
    trip = v.config(now=1_700_000_000)["circuit-breaker-config"]["tripped"]
    assert (trip["total"], trip["failed"], trip["sources"]) == (100, 100, 100)


@pytest.mark.parametrize("now", [253_402_300_800, 1e19, -1, float("nan")])
def test_times_past_year_9999_are_refused_everywhere(now):
    calls = [
        lambda: cf.ClickVerifier().verify("https://a.example/x", now=now),
        lambda: cf.ClickVerifier().config(now=now),
        lambda: cf.RateLimiter(limit=60, window=60).check("k", now=now),
        lambda: cf.WebhookVerifier("whsec").verify({}, b"{}", now=now),
    ]
    for call in calls:
        with pytest.raises(cf.ClickfenceError) as e:
            call()
        assert e.value.code == "time_out_of_range"
    # The last accepted second works.
    assert cf.RateLimiter(limit=1, window=60).check("k", now=253_402_300_799).allowed


TICKETS = load("tickets.json")


def _ticket_verifier(case):
    key = TICKETS["key"]
    v = cf.ClickVerifier(mode=case["mode"])
    v.add_key(key["id"], key["secret"], key["expires_at"], now=TICKETS["added_at"])
    return v


@pytest.mark.parametrize("case", TICKETS["cases"], ids=lambda c: c["name"])
def test_ticket_vectors(case):
    v = _ticket_verifier(case)
    for i, step in enumerate(case["steps"]):
        url = TICKETS[step["url"]] if "url" in step else case["url"]
        request = dict(now=step["now"], source=step["source"], user_agent=step["user_agent"],
                       purpose=step["purpose"])
        if step["op"] == "check":
            assert v.check(url, **request) == step["outcome"], f"step {i}"
            continue
        verdict = v.verify(url, **request)
        assert (verdict.outcome, verdict.accepted) == (step["outcome"], step["accepted"]), f"step {i}"


def test_ticket_limits_and_bad_requests():
    case = TICKETS["cases"][0]
    v = _ticket_verifier(case)
    with pytest.raises(cf.IpAccessError) as e:
        v.verify(case["url"], now=TICKETS["added_at"] + 60, source="not an ip")
    assert e.value.code == "invalid_ip"
    assert v.check(case["url"], now=TICKETS["added_at"] + 60) == "valid", "nothing consumed"
    v.set_ticket_limits(capacity=0, max_lifetime=60)
    assert v.verify(case["url"], now=TICKETS["added_at"] + 60).outcome == "ticket_store_full"
    with pytest.raises(TypeError):
        v.verify(case["url"], user_agent=42)  # type: ignore[arg-type]
