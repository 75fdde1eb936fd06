import pytest

import clickfence as cf
from conftest import VECTORS, load

V = load("ip.json")


def build(policy):
    src = policy["sources"]
    kwargs = {}
    for key in ("geoip", "anonymous_ip"):
        if key in src:
            kwargs[key] = cf.GeoIp(VECTORS / src[key])
    for key in ("tor", "vpn", "datacenter"):
        if key in src:
            kwargs[key] = cf.IpSet(src[key])
    blocks = [{"ip": b["ip"], "expires_at": b["expires_at"]} for b in policy["blocks"]]
    return cf.AccessPolicy(policy["config"], blocks=blocks, **kwargs)


@pytest.mark.parametrize("policy", V["policies"], ids=lambda p: p["name"])
def test_policy_vectors(policy):
    p = build(policy)
    for case in policy["checks"]:
        d = p.check(case["ip"], country=case["country"], now=case["now"])
        assert d.to_dict() == case["expect"], case
        assert d.allowed == case["expect"]["allowed"]
        assert d.reason == case["expect"].get("reason")


@pytest.mark.parametrize("case", V["config_errors"], ids=lambda c: c["field"])
def test_config_errors_name_the_field(case):
    with pytest.raises(cf.AccessConfigError) as e:
        cf.AccessPolicy(case["config"])
    assert e.value.code == "invalid_config"
    assert case["field"] in str(e.value)


@pytest.mark.parametrize("case", V["ip_parse"], ids=lambda c: c["input"])
def test_ip_parsing(case):
    s = cf.IpSet(["0.0.0.0/0", "::/0"])
    if "canonical" in case:
        assert case["input"] in s
    else:
        with pytest.raises(cf.IpAccessError) as e:
            case["input"] in s
        assert e.value.code == case["code"]


def test_geoip_lookups(vectors_dir):
    country = cf.GeoIp(vectors_dir / "geoip" / "country.mmdb")
    assert country.database_type == "GeoIP2-Country"
    assert country.country("81.2.69.142") == "DE"
    assert country.country("8.8.8.8") is None
    anon = cf.GeoIp(str(vectors_dir / "geoip" / "anonymous-ip.mmdb"))
    assert anon.anonymous("185.220.101.4")["tor"] is True
    assert cf.GeoIp(vectors_dir / "geoip" / "asn.mmdb").asn("1.1.1.1") == {"number": 13335, "organization": "CLOUDFLARENET"}
    with pytest.raises(cf.GeoIpError) as e:
        country.asn("1.1.1.1")
    assert e.value.code == "wrong_database_type"
    with pytest.raises(cf.GeoIpError) as e:
        cf.GeoIp(vectors_dir / "ip.json")
    assert e.value.code == "geoip_open_failed"


def test_ipset_from_lines_reports_the_line():
    s = cf.IpSet.from_lines("# tor\n185.220.100.0/24\n")
    assert "185.220.100.7" in s and len(s) == 1
    with pytest.raises(cf.IpAccessError) as e:
        cf.IpSet.from_lines("1.2.3.4\n\nbogus\n")
    assert e.value.code == "invalid_list_line" and "line 3" in str(e.value)
    with pytest.raises(TypeError):
        cf.IpSet("1.2.3.4")


def test_client_ip():
    proxies = cf.IpSet(["10.0.0.0/8"])
    assert cf.client_ip("10.0.0.5", trusted=proxies, forwarded_for=["198.51.100.7, 203.0.113.9, 10.0.0.2"]) == (
        "203.0.113.9", "forwarded_for")
    assert cf.client_ip("192.0.2.1", trusted=proxies, cf_connecting_ip="203.0.113.9") == ("192.0.2.1", "peer")
    # CF-Connecting-IP only when Cloudflare vouches; never a proxy's own address.
    cloudflare = cf.IpSet(["173.245.48.0/20"])
    assert cf.client_ip("10.0.0.5", trusted=proxies, cloudflare=cloudflare, forwarded_for=["198.51.100.7"],
                        cf_connecting_ip="203.0.113.9") == ("198.51.100.7", "forwarded_for")
    assert cf.client_ip("173.245.48.1", trusted=proxies, cloudflare=cloudflare,
                        cf_connecting_ip="203.0.113.9") == ("203.0.113.9", "cf_connecting_ip")
    assert cf.client_ip("173.245.48.1", trusted=proxies, cloudflare=cloudflare, forwarded_for=["198.51.100.7"],
                        cf_connecting_ip="10.0.0.9") == ("198.51.100.7", "forwarded_for")


def test_config_as_json_text():
    p = cf.AccessPolicy('{"enabled": true, "blockedIPs": ["1.2.3.4"]}')
    assert p.check("1.2.3.4", country="us").to_dict() == {"allowed": False, "reason": "blocked_ip", "country": "US"}
    with pytest.raises(TypeError):
        cf.AccessPolicy(["enabled"])


def test_a_malformed_country_hint_never_aborts_the_decision():
    policy = cf.AccessPolicy({"enabled": True, "blockedIPs": ["1.2.3.4"], "allowedIPs": ["5.6.7.8"]})
    d = policy.check("1.2.3.4", country="USA")
    assert (d.allowed, d.reason, d.country_hint_ignored) == (False, "blocked_ip", True)
    assert policy.check("5.6.7.8", country="USA").allowed
    assert not policy.check("1.2.3.4", country="DE").country_hint_ignored
