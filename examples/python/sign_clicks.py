"""Signs click URLs the way an ad network does, and checks them the way the
receiving side does.

    python examples/python/sign_clicks.py "https://app.appsflyer.com/com.app.id?pid=net&c=camp"
"""
import sys

import clickfence as cf

url = sys.argv[1] if len(sys.argv) > 1 else "https://app.appsflyer.com/com.app.id?pid=adnetwork_int&c=my_campaign"

verifier = cf.ClickVerifier(mode="enabled")
key = verifier.generate_key(ttl_hours=36)  # the generate-secret-key API's answer
signer = cf.ClickSigner(key.secret)

signed = signer.sign(url, ttl=300)  # expires in five minutes
print(signed)
verdict = verifier.verify(signed)
print(f"{verdict.outcome} (accepted={verdict.accepted}, key={verdict.key_id})")
assert verdict.accepted

try:
    signer.sign("https://app.appsflyer.com/com.app.id?c=my campaign")
except cf.ClickSigningError as e:
    print(f"refused: {e.code}: {e}")
