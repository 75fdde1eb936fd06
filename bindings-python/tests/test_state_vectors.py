"""The shared velocity, replay-guard and client-address vectors, whose answers come from
plain-Python models of the rules (tests/vectors/gen/)."""

import json
import pathlib

import clickfence

VECTORS = pathlib.Path(__file__).resolve().parents[2] / "tests" / "vectors"


def load(name):
    return json.loads((VECTORS / name).read_text())


def test_velocity_vectors():
    for s in load("velocity.json")["scenarios"]:
        counter = clickfence.VelocityCounter()
        for i, step in enumerate(s["steps"]):
            assert step["op"] in ("record", "peek")
            if step["op"] == "record":
                got = counter.record(step["key"], now=step["now"])
            else:
                got = counter.peek(step["key"], now=step["now"])
            assert got == (step["last_minute"], step["last_hour"]), (s["name"], i)


def test_replay_vectors():
    vectors = load("replay.json")
    for s in vectors["scenarios"]:
        verifier = clickfence.WebhookVerifier(vectors["secret"], tolerance=s["tolerance"])
        guard = clickfence.ReplayGuard(verifier, capacity=s["capacity"])
        for i, step in enumerate(s["steps"]):
            headers = {"X-MyClickShield-Timestamp": str(step["timestamp"]),
                       "X-MyClickShield-Signature": step["signature"]}
            try:
                guard.verify(headers, step["body"], now=step["now"])
                code = "ok"
            except clickfence.ClickfenceError as e:
                code = e.code
            assert code == step["expect"], (s["name"], i)


def test_client_ip_vectors():
    vectors = load("client_ip.json")
    proxies, cloudflare = clickfence.IpSet(vectors["proxies"]), clickfence.IpSet(vectors["cloudflare"])
    for c in vectors["cases"]:
        got = clickfence.client_ip(c["peer"], trusted=proxies, cloudflare=cloudflare,
                                   forwarded_for=c["forwarded_for"], cf_connecting_ip=c["cf_connecting_ip"])
        assert got == (c["ip"], c["source"]), c["name"]


def test_geoip_lookup_vectors():
    vectors = load("geoip_lookups.json")
    anon = clickfence.GeoIp(str(VECTORS / vectors["anonymous_db"]))
    asn = clickfence.GeoIp(str(VECTORS / vectors["asn_db"]))
    for c in vectors["anonymous"]:
        assert anon.anonymous(c["ip"]) == c["flags"], c["ip"]
    for c in vectors["asn"]:
        assert asn.asn(c["ip"]) == c["asn"], c["ip"]
