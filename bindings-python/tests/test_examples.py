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
