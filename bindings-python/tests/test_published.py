"""Published range files (cloud providers, Tor, Spamhaus) in their
publishers' formats, from tests/vectors/ranges.json."""

import pytest

import clickfence as cf
from conftest import VECTORS, load

V = load("ranges.json")


@pytest.mark.parametrize("f", V["files"], ids=lambda f: f["file"])
def test_each_format_loads_its_publishers_file(f):
    s = cf.IpSet.from_published(f["format"], (VECTORS / "ranges" / f["file"]).read_text())
    assert s.date == f["date"]
    assert all(ip in s for ip in f["inside"])
    assert not any(ip in s for ip in f["outside"])


@pytest.mark.parametrize("e", V["errors"], ids=lambda e: e["path"])
def test_a_malformed_file_is_refused_naming_the_entry(e):
    with pytest.raises(cf.IpAccessError) as err:
        cf.IpSet.from_published(e["format"], e["text"])
    assert err.value.code == "invalid_ranges" and e["path"] in str(err.value)


def test_unknown_format_and_plain_sets_have_no_date():
    with pytest.raises(cf.IpAccessError):
        cf.IpSet.from_published("gcp", "{}")
    assert cf.IpSet(["192.0.2.1"]).date is None
