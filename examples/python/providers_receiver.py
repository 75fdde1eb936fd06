"""Receivers for Standard Webhooks, Stripe, GitHub and Shopify in Flask, each
verified with clickfence.

    pip install flask ./bindings-python
    STRIPE_WEBHOOK_SECRET=whsec_... GITHUB_WEBHOOK_SECRET=... \\
        flask --app examples/python/providers_receiver run

Every provider signs the raw bytes it sent: hand request.get_data() to the
verifier, never re-serialized JSON. The scheme reads that provider's headers
and turns its secret into a key its way (Standard Webhooks base64-decodes the
part after whsec_; Stripe keys with the whole whsec_ string).
"""
import os

from flask import Flask, request

import clickfence as cf
from clickfence.types import WebhookScheme

app = Flask(__name__)

SECRETS: dict[WebhookScheme, str] = {
    "standard": os.environ.get("STANDARD_WEBHOOK_SECRET", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
    "stripe": os.environ.get("STRIPE_WEBHOOK_SECRET", "whsec_test_secret"),
    "github": os.environ.get("GITHUB_WEBHOOK_SECRET", "It's a Secret to Everybody"),
    "shopify": os.environ.get("SHOPIFY_CLIENT_SECRET", "shopify-client-secret"),
}
# One guard per provider: a replay is refused (GitHub and Shopify, which sign
# no time, are remembered by delivery id for six hours).
guards: dict[str, cf.ReplayGuard] = {name: cf.ReplayGuard(cf.WebhookVerifier(secret, scheme=name)) for name, secret in SECRETS.items()}


@app.post("/webhooks/<provider>")
def receive(provider: str) -> tuple[dict[str, str], int]:
    guard = guards.get(provider)
    if guard is None:
        return {"error": "unknown_provider"}, 404
    try:
        guard.verify(request.headers, request.get_data())
    except cf.WebhookVerificationError as e:
        if e.code == "replayed_delivery":
            # Already received: answer 200 so the provider stops retrying,
            # and do not process it twice.
            return {"duplicate": provider}, 200
        return {"error": e.code}, 400
    # ... handle request.get_json() ...
    return {"received": provider}, 200
