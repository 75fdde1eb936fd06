"""Generates tests/vectors/tickets.json: a genuine signature is a one-time
ticket. Every surface replays each case through a fresh ClickVerifier (the
case's mode, the file's key) and checks every step.

A step is `verify` (consumes; the verdict's outcome and `accepted`) or
`check` (the check-only call: outcome only, nothing consumed), of `url`
(a genuine URL signed for the case, or the file's `forged` / `unsigned`
one when the step says so) from `source` with `user_agent` and `purpose`
(the Sec-Purpose / Purpose header), each null when not known, at `now`.

Run: python3 tests/vectors/gen/tickets.py > tests/vectors/tickets.json
"""
import base64
import hashlib
import hmac
import json

T = 1_700_000_000
KEY_ID, KEY = "ticket-key", "ticket-secret"
BASE = "https://app.appsflyer.com/com.app.id?pid=net&c=camp"
CHROME = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.144 Mobile Safari/537.36"
SAFARI = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1"


def signed(secret, url, expires):
    msg = f"{url}&expires={expires}"
    mac = hmac.new(secret.encode(), msg.encode(), hashlib.sha256).digest()
    return f"{msg}&signature={base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"


def step(outcome, now=T, source="198.51.100.7", ua=CHROME, purpose=None, accepted=True, op="verify", url=None):
    s = dict(op=op, source=source, user_agent=ua, purpose=purpose, now=now, outcome=outcome)
    if op == "verify":
        s["accepted"] = accepted
    if url:
        s["url"] = url
    return s


cases = []


def case(name, steps, mode="enabled", expires=T + 300):
    n = len(cases)
    cases.append(dict(name=name, mode=mode, url=signed(KEY, f"{BASE}&clickid=c{n}", expires), steps=steps))


case("a genuine click is valid once; the same URL from another network is replayed",
     [step("valid"), step("replayed", now=T + 60, source="203.0.113.9", accepted=False)])
case("in report-only a replay is reported, not refused",
     [step("valid"), step("replayed", now=T + 60, source="203.0.113.9")], mode="report-only")
case("fifty replays from fifty IPv6 /64s are all replayed",
     [step("valid", source="2001:db8:1:ffff::1")]
     + [step("replayed", now=T + i, source=f"2001:db8:1:{i:x}::1", accepted=False) for i in range(1, 51)])
case("a double click from the same client and agent within 5 s is a duplicate, then a replay",
     [step("valid"), step("duplicate", now=T + 1), step("duplicate", now=T + 5),
      step("replayed", now=T + 6, accepted=False)])
case("the same IPv6 /64 counts as the same client",
     [step("valid", source="2001:db8:7:7::1"), step("duplicate", now=T + 2, source="2001:db8:7:7::abcd")])
case("the same address with another user agent is a replay",
     [step("valid"), step("replayed", now=T + 1, ua=SAFARI, accepted=False)])
case("a repeat with no source known is never a double click",
     [step("valid", source=None), step("replayed", now=T + 1, source=None, accepted=False)])
for name, ua in [
    ("WhatsApp", "WhatsApp/2.23.20.0 A"),
    ("Slack", "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)"),
    ("Telegram", "TelegramBot (like TwitterBot)"),
    ("Discord", "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)"),
    ("iMessage", "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_11_1) AppleWebKit/601.2.4 (KHTML, like Gecko) Version/9.0.1 Safari/601.2.4 facebookexternalhit/1.1 Facebot Twitterbot/1.0"),
    ("LinkedIn", "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)"),
]:
    case(f"a {name} link preview does not consume the person's click",
         [step("preview", source="31.13.64.1", ua=ua), step("preview", now=T + 1, source="31.13.64.1", ua=ua),
          step("valid", now=T + 30), step("preview", now=T + 40, source="31.13.64.1", ua=ua),
          step("replayed", now=T + 50, source="203.0.113.9", accepted=False)])
for header in ["prefetch", "prefetch;prerender", "prefetch;anonymous-client-ip"]:
    case(f"a browser prefetch (Sec-Purpose: {header}) does not consume the click",
         [step("preview", purpose=header), step("valid", now=T + 3)])
case("a preview of a forged URL is still an invalid signature",
     [step("invalid_signature", ua="WhatsApp/2.23.20.0 A", accepted=False, url="forged")])
case("an expired genuine signature stays expired and consumes nothing",
     [step("expired", now=T + 400, accepted=False), step("expired", now=T + 401, accepted=False)])
case("the check-only call looks without consuming",
     [step("valid", op="check"), step("valid", op="check", now=T + 1), step("valid", now=T + 2),
      step("replayed", op="check", now=T + 20, source="203.0.113.9"), step("duplicate", op="check", now=T + 3)])
case("mode disabled validates and consumes nothing",
     [step("not_validated"), step("not_validated", now=T + 60, source="203.0.113.9")], mode="disabled")
case("a ticket is remembered until its URL expires",
     [step("valid"), step("replayed", now=T + 300, source="203.0.113.9", accepted=False),
      step("expired", now=T + 301, source="203.0.113.9", accepted=False)])

print(json.dumps(dict(
    description=__doc__.strip().splitlines()[0] + " See tests/vectors/gen/tickets.py for the step format.",
    key=dict(id=KEY_ID, secret=KEY, expires_at=T + 86_400),
    added_at=T - 60,
    forged=signed("not-the-key", BASE, T + 300),
    unsigned=BASE,
    cases=cases,
), indent=1))
