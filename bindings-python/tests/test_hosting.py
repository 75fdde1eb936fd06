"""Hosting networks from the free ip-location-db ASN rows
(tests/vectors/asn/), with Apple's Private Relay egress list as relays."""

import pytest

import clickfence as cf
from conftest import VECTORS, load


def table():
    t = cf.AsnTable()
    for f in ["asn-ipv4.csv", "asn-ipv6.csv"]:
        t.load_csv((VECTORS / "asn" / f).read_text())
    return t


def test_lookup_and_a_bad_file():
    t = table()
    assert t.lookup("5.9.10.10") == (24940, "Hetzner Online GmbH")
    assert t.lookup("1.0.0.1") == (13335, "Cloudflare, Inc.")
    assert t.lookup("198.51.100.1") is None
    rows = len(t)
    with pytest.raises(cf.IpAccessError) as e:
        t.load_csv("5.9.0.0,5.9.255.255,x,H\n")
    assert e.value.code == "invalid_ranges" and "line 1" in str(e.value)
    assert len(t) == rows
    assert cf.hosting_asn(16509)["operator"] == "Amazon Web Services"
    assert cf.hosting_asn(13335) is None


TABLE = table()


@pytest.mark.parametrize("case", load("hosting.json")["cases"], ids=lambda c: c["ip"])
def test_hosting_vectors_through_block_datacenter(case):
    relays = cf.IpSet.from_published("apple-private-relay", (VECTORS / "ranges" / "apple-egress-ip-ranges.csv").read_text())
    p = cf.AccessPolicy({"enabled": True, "blockDatacenter": True}, asn_table=TABLE, privacy_relays=[relays])
    assert p.check(case["ip"]).allowed == (case["operator"] is None), case["why"]


def test_block_datacenter_with_free_data_and_relays():
    relays = cf.IpSet.from_published("apple-private-relay", (VECTORS / "ranges" / "apple-egress-ip-ranges.csv").read_text())
    p = cf.AccessPolicy({"enabled": True, "blockDatacenter": True}, asn_table=table(), privacy_relays=[relays])
    assert p.check("1.44.96.7").reason == "blocked_datacenter"
    assert p.check("2620:dd:a000::1").reason == "blocked_datacenter"
    for person in ["172.224.226.1", "23.24.1.1", "2001:558::1"]:
        assert p.check(person).allowed, person
    # A relay list alone: nothing is hosting, and relays stay people.
    only = cf.AccessPolicy({"enabled": True, "blockDatacenter": True}, privacy_relays=[relays])
    assert only.check("1.44.96.7").allowed
