"""GeoIp on MaxMind's own published test databases, checked against MaxMind's
Python reader (the `maxminddb` package) network by network, plus the
deliberately broken databases of its test suite, which must give GeoIpError
and never crash. scripts/test-python.sh downloads the maxminddb source
distribution (it ships the databases) and sets CLICKFENCE_MAXMIND_DATA."""

import ipaddress
import os
import pathlib

import maxminddb
import pytest

import clickfence as cf

DATA = pathlib.Path(os.environ.get("CLICKFENCE_MAXMIND_DATA", ""))
pytestmark = pytest.mark.skipif(not (DATA / "test-data").is_dir(), reason="CLICKFENCE_MAXMIND_DATA not set (scripts/test-python.sh sets it)")


def networks(path):
    with maxminddb.open_database(str(path)) as reader:
        for network, record in reader:
            yield network, record


def probe(network):
    """The first and last address of a network, as text."""
    return [str(network.network_address), str(network.broadcast_address)]


@pytest.mark.parametrize("name", ["GeoIP2-Country-Test.mmdb", "GeoIP2-City-Test.mmdb", "GeoIP2-Enterprise-Test.mmdb", "GeoLite2-Country-Test.mmdb", "GeoLite2-City-Test.mmdb"])
def test_country_agrees_with_maxminds_reader(name):
    db = cf.GeoIp(DATA / "test-data" / name)
    checked = 0
    for network, record in networks(DATA / "test-data" / name):
        if isinstance(network, ipaddress.IPv6Network) and network.subnet_of(ipaddress.ip_network("::ffff:0:0/96")):
            continue  # IPv4-mapped aliases: we canonicalize these to IPv4
        want = (record.get("country") or {}).get("iso_code") or (record.get("registered_country") or {}).get("iso_code")
        for ip in probe(network):
            assert db.country(ip) == want, (name, ip, record)
            checked += 1
    assert checked > 50


def test_anonymous_flags_agree_with_maxminds_reader():
    path = DATA / "test-data" / "GeoIP2-Anonymous-IP-Test.mmdb"
    db = cf.GeoIp(path)
    checked = 0
    for network, record in networks(path):
        for ip in probe(network):
            flags = db.anonymous(ip)
            assert flags["vpn"] == record.get("is_anonymous_vpn", False), (ip, record)
            assert flags["hosting"] == record.get("is_hosting_provider", False), (ip, record)
            assert flags["tor"] == record.get("is_tor_exit_node", False), (ip, record)
            assert flags["public_proxy"] == record.get("is_public_proxy", False), (ip, record)
            checked += 1
    assert checked > 5


def test_asn_agrees_with_maxminds_reader():
    path = DATA / "test-data" / "GeoLite2-ASN-Test.mmdb"
    db = cf.GeoIp(path)
    checked = 0
    for network, record in networks(path):
        if isinstance(network, ipaddress.IPv6Network) and network.subnet_of(ipaddress.ip_network("::ffff:0:0/96")):
            continue
        for ip in probe(network):
            got = db.asn(ip)
            assert got["number"] == record["autonomous_system_number"], (ip, record)
            assert got["organization"] == record.get("autonomous_system_organization"), (ip, record)
            checked += 1
    assert checked > 5


def test_wrong_database_types_are_refused():
    with pytest.raises(cf.GeoIpError) as e:
        cf.GeoIp(DATA / "test-data" / "GeoLite2-ASN-Test.mmdb").country("1.128.0.0")
    assert e.value.code == "wrong_database_type"


def test_broken_databases_give_errors_never_crashes():
    files = sorted((DATA / "bad-data").rglob("*.mmdb")) + sorted((DATA / "test-data").glob("*Broken*.mmdb")) + sorted((DATA / "test-data").glob("*Invalid*.mmdb"))
    assert len(files) >= 10
    for path in files:
        try:
            db = cf.GeoIp(path)
        except cf.GeoIpError as e:
            assert e.code == "geoip_open_failed"
            continue
        for ip in ["1.1.1.1", "81.2.69.160", "2001:218::1", "::1", "255.255.255.255"]:
            for lookup in (db.country, db.anonymous, db.asn):
                try:
                    lookup(ip)
                except cf.GeoIpError as e:
                    assert e.code in ("geoip_lookup_failed", "wrong_database_type"), (path.name, e.code)
