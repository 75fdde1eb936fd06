import pathlib
import runpy
import subprocess
import sys

import clickfence as cf

EXAMPLES = pathlib.Path(__file__).resolve().parents[2] / "examples" / "python"


def test_sign_clicks_script_runs():
    out = subprocess.run([sys.executable, str(EXAMPLES / "sign_clicks.py")], capture_output=True, text=True, check=True)
    assert "valid (accepted=True" in out.stdout
    assert "refused: unencoded_character" in out.stdout


def test_flask_receiver_verifies_raw_bodies():
    app = runpy.run_path(str(EXAMPLES / "flask_receiver.py"))["app"]
    client = app.test_client()
    body = b'{"event":"ip.blocked","data":{"site_id":17}}'
    headers = cf.WebhookSigner("whsec_example").headers("ip.blocked", body, delivery_id="1")
    ok = client.post("/webhooks/myclickshield", data=body, headers=headers)
    assert ok.status_code == 200 and ok.json == {"received": "ip.blocked"}
    replay = client.post("/webhooks/myclickshield", data=body, headers=headers)
    assert replay.status_code == 400 and replay.json == {"error": "replayed_delivery"}
    tampered = client.post("/webhooks/myclickshield", data=body + b" ", headers=headers)
    assert tampered.status_code == 400 and tampered.json == {"error": "signature_mismatch"}
    unsigned = client.post("/webhooks/myclickshield", data=body)
    assert unsigned.json == {"error": "missing_header"}


def test_fastapi_receiver_verifies_raw_bodies():
    from fastapi.testclient import TestClient

    app = runpy.run_path(str(EXAMPLES / "fastapi_receiver.py"))["app"]
    client = TestClient(app)
    body = b'{"event":"ip.blocked","data":{"site_id":17}}'
    headers = cf.WebhookSigner("whsec_example").headers("ip.blocked", body, delivery_id="1")
    ok = client.post("/webhooks/myclickshield", content=body, headers=headers)
    assert ok.status_code == 200 and ok.json() == {"received": "ip.blocked"}
    replay = client.post("/webhooks/myclickshield", content=body, headers=headers)
    assert replay.status_code == 400 and replay.json() == {"error": "replayed_delivery"}
    tampered = client.post("/webhooks/myclickshield", content=body + b" ", headers=headers)
    assert tampered.json() == {"error": "signature_mismatch"}


def test_providers_receiver_takes_each_providers_deliveries():
    import base64
    import datetime
    import hashlib
    import hmac

    import standardwebhooks.webhooks as sw

    app = runpy.run_path(str(EXAMPLES / "providers_receiver.py"))["app"]
    client = app.test_client()
    body = b'{"id":"evt_1","type":"test"}'
    now = int(datetime.datetime.now(datetime.timezone.utc).timestamp())
    mac = lambda key, msg: hmac.new(key, msg, hashlib.sha256)  # noqa: E731
    standard = sw.Webhook("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
    signed = {
        "standard": {"webhook-id": "msg_1", "webhook-timestamp": str(now),
                     "webhook-signature": standard.sign("msg_1", datetime.datetime.fromtimestamp(now), body.decode())},
        "stripe": {"Stripe-Signature": f"t={now},v1=" + mac(b"whsec_test_secret", f"{now}.".encode() + body).hexdigest()},
        "github": {"X-Hub-Signature-256": "sha256=" + mac(b"It's a Secret to Everybody", body).hexdigest(),
                   "X-GitHub-Delivery": "72d3162e"},
        "shopify": {"X-Shopify-Hmac-Sha256": base64.b64encode(mac(b"shopify-client-secret", body).digest()).decode(),
                    "X-Shopify-Webhook-Id": "b54557e4"},
    }
    for provider, headers in signed.items():
        ok = client.post(f"/webhooks/{provider}", data=body, headers=headers)
        assert (ok.status_code, ok.json) == (200, {"received": provider}), provider
        again = client.post(f"/webhooks/{provider}", data=body, headers=headers)
        assert (again.status_code, again.json) == (200, {"duplicate": provider}), provider
        tampered = client.post(f"/webhooks/{provider}", data=body + b" ", headers=headers)
        assert (tampered.status_code, tampered.json) == (400, {"error": "signature_mismatch"}), provider
    assert client.post("/webhooks/paypal", data=body).status_code == 404
