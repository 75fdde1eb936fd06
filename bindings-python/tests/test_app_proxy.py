import hashlib
import hmac
from urllib.parse import parse_qsl

import pytest

import clickfence as cf
from conftest import load

PROXY = load("app_proxy.json")


@pytest.mark.parametrize("case", PROXY["cases"], ids=lambda c: c["name"])
def test_app_proxy_vectors(case):
    if "error" in case:
        with pytest.raises(cf.ClickfenceError) as e:
            cf.verify_app_proxy(case["query"], case["secret"], now=case["now"])
        assert e.value.code == case["error"]
    else:
        got = cf.verify_app_proxy(case["query"], case["secret"], now=case["now"])
        assert got == case["ok"]
    if case["signature"]:
        assert cf.app_proxy_signature(case["query"], case["secret"].encode()) == case["signature"]


def test_a_signature_made_here_with_hmac_verifies():
    query = "shop=a.myshopify.com&path_prefix=%2Fapps%2Fx&timestamp=1733300000&logged_in_customer_id="
    pairs = sorted(f"{k}={v}" for k, v in parse_qsl(query, keep_blank_values=True))
    sig = hmac.new(b"k3y", "".join(pairs).encode(), hashlib.sha256).hexdigest()
    got = cf.verify_app_proxy(f"{query}&signature={sig}", b"k3y", now=1733300000)
    assert got["shop"] == "a.myshopify.com" and got["logged_in_customer_id"] is None
    with pytest.raises(cf.WebhookVerificationError):
        cf.verify_app_proxy(f"{query}&signature={sig}", b"k3y", now=1733300000 + 91)
