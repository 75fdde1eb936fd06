"""The spec's webhook receiver in FastAPI, verified with clickfence.

    pip install fastapi uvicorn ./bindings-python
    MCS_WEBHOOK_SECRET=whsec_... uvicorn examples.python.fastapi_receiver:app

The signature covers the raw body, so read ``await request.body()`` (never a
parsed model) before verifying. Starlette's ``request.headers`` is passed
as it is (``clickfence.types.Headers``).
"""
import json
import os

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

import clickfence as cf

app = FastAPI()
# Two secrets during a rotation: the new one and the one being retired.
verifier = cf.WebhookVerifier(
    [s for s in (os.environ.get("MCS_WEBHOOK_SECRET"), os.environ.get("MCS_WEBHOOK_SECRET_OLD")) if s]
    or ["whsec_example"]
)
replays = cf.ReplayGuard(verifier, capacity=100_000)


@app.post("/webhooks/myclickshield")
async def myclickshield(request: Request) -> JSONResponse:
    body = await request.body()
    try:
        replays.verify(request.headers, body)
    except cf.WebhookVerificationError as e:
        return JSONResponse({"error": e.code}, status_code=400)
    payload = json.loads(body)
    # ... handle payload["event"], idempotently by X-MyClickShield-Delivery ...
    return JSONResponse({"received": payload["event"]})
