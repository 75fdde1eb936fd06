"""The spec's webhook receiver in Flask, verified with clickfence.

    pip install flask ./bindings-python
    MCS_WEBHOOK_SECRET=whsec_... flask --app examples/python/flask_receiver run

The signature covers the raw body, so read request.get_data() (never
request.json) before verifying.
"""
import json
import os

from flask import Flask, request

import clickfence as cf

app = Flask(__name__)
# Two secrets during a rotation: the new one and the one being retired.
verifier = cf.WebhookVerifier(
    [s for s in (os.environ.get("MCS_WEBHOOK_SECRET"), os.environ.get("MCS_WEBHOOK_SECRET_OLD")) if s]
    or ["whsec_example"]
)
replays = cf.ReplayGuard(verifier, capacity=100_000)


@app.post("/webhooks/myclickshield")
def myclickshield() -> tuple[dict[str, str], int]:
    try:
        replays.verify(request.headers, request.get_data())
    except cf.WebhookVerificationError as e:
        return {"error": e.code}, 400
    payload = json.loads(request.get_data())
    # ... handle payload["event"], idempotently by X-MyClickShield-Delivery ...
    return {"received": payload["event"]}, 200
