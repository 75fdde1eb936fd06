"""Writes seed corpora for every fuzz target from tests/vectors (and
MaxMind's published test databases when scripts/test-python.sh fetched
them) into target/fuzz-corpus/<target>/. Standard library only."""
import hashlib
import json
import pathlib
import sys

root = pathlib.Path(__file__).resolve().parents[1]
vectors = root / "tests" / "vectors"
out = root / "target" / "fuzz-corpus"


def put(target, data):
    if isinstance(data, str):
        data = data.encode()
    d = out / target
    d.mkdir(parents=True, exist_ok=True)
    (d / hashlib.sha1(data).hexdigest()).write_bytes(data)


click = json.loads((vectors / "click.json").read_text())
for c in click["sign"]:
    put("click_sign_verify", f"{c['secret']}\n{c['url']}")
    put("click_verify", c["signed"])
for c in click["sign_errors"]:
    put("click_sign_verify", f"k\n{c['url']}")
for c in click["verify"]:
    put("click_verify", c["url"])
put("click_sign_verify", "k\nhttps://app.example/com.app?redirect=https://x.example/?")

webhook = json.loads((vectors / "webhook.json").read_text())
for c in webhook.get("verify", []):
    h = {k.lower(): v for k, v in c.get("headers", [])} if isinstance(c.get("headers"), list) else \
        {k.lower(): v for k, v in c.get("headers", {}).items()}
    body = bytes.fromhex(c["body_hex"]) if "body_hex" in c else c.get("body", "").encode()
    put("webhook_verify", "\n".join([h.get("x-myclickshield-timestamp", ""), h.get("x-myclickshield-signature", ""),
                                      h.get("x-myclickshield-delivery", "1")]).encode() + b"\n" + body)

schemes = json.loads((vectors / "webhook_schemes.json").read_text())
names = {"myclickshield": ["x-myclickshield-timestamp", "x-myclickshield-signature"],
         "standard": ["webhook-id", "webhook-timestamp", "webhook-signature", "svix-id", "svix-timestamp",
                      "svix-signature"],
         "standard-v1a-experimental": ["webhook-id", "webhook-timestamp", "webhook-signature", "svix-id",
                                       "svix-timestamp", "svix-signature"],
         "stripe": ["stripe-signature"],
         "github": ["x-hub-signature-256", "x-hub-signature", "x-github-delivery"],
         "shopify": ["x-shopify-hmac-sha256", "x-shopify-webhook-id"]}
order = list(names)  # Scheme's SCHEMES order: the fuzz target's first byte
for c in schemes["cases"]:
    h = {k.lower(): v for k, v in c["headers"]}
    lines = "\n".join(h.get(n, "") for n in names[c["scheme"]])
    put("webhook_schemes", bytes([order.index(c["scheme"])]) + lines.encode() + b"\n" + bytes.fromhex(c["body_hex"]))

ip = json.loads((vectors / "ip.json").read_text())
def strings(v):
    if isinstance(v, str):
        yield v
    elif isinstance(v, list):
        for x in v:
            yield from strings(x)
    elif isinstance(v, dict):
        for x in v.values():
            yield from strings(x)
for s in set(strings(ip)):
    if len(s) < 200:
        put("ip_parse", s)
        put("client_ip", f"{s}, 10.0.0.1\n{s}")
for key in ("configs", "config_errors", "policies", "checks"):
    for c in ip.get(key, []):
        if isinstance(c, dict) and "config" in c:
            put("access_config", json.dumps(c["config"]) + "\n203.0.113.9")

score = json.loads((vectors / "score.json").read_text())
for c in score["cases"]:
    put("score_json", json.dumps(c["signals"]))
for c in score["signal_ignored"]:
    put("score_json", json.dumps(c["signals"]))
for c in score["signal_errors"]:
    put("score_json", c["text"])
put("score_json", json.dumps({"version": "v1", "rules": {"tor_exit": 45, "vpn": 25}}))

for r in ["2021-01-17T07\n2021-01-17T09", "2021-01-17T07\n", "9999-12-31T23\n9999-12-31T23"]:
    put("report_range", r)

tickets = json.loads((vectors / "tickets.json").read_text())
for c in tickets["cases"]:
    for step in c["steps"]:
        put("click_ticket", f"{step['user_agent'] or ''}\n{step['purpose'] or ''}")
for reply in ["1700000000:000000000000002a", "1700000000:0000000000000001", "garbage", ""]:
    put("click_ticket", reply)

put("rate_window", bytes(range(0, 60)))
proxy = json.loads((vectors / "app_proxy.json").read_text())
for c in proxy["cases"]:
    put("app_proxy_verify", c["query"])
crawlers = json.loads((vectors / "crawlers.json").read_text())
for c in crawlers["scenarios"]:
    put("crawlers", json.dumps(c["answers"]))
    put("crawlers", c["user_agent"])
for c in crawlers["errors"]:
    put("crawlers", c["answers"])
for f in (vectors / "crawlers").glob("*.json"):
    put("crawlers", f.read_text())
put("crawlers", '[{"pattern": "Googlebot\\/", "tags": ["search-engine"]}]')
ua = json.loads((vectors / "user-agents.json").read_text())
for key in ["bots", "crawlers"]:
    for u in ua[key][:40]:
        put("crawlers", u)
for db in list((vectors / "geoip").glob("*.mmdb")) + list((root / "target" / "maxmind-test-data").rglob("*.mmdb")):
    if db.stat().st_size < 200_000:
        put("geoip", db.read_bytes())
print(f"seed corpora in {out}: " + ", ".join(f"{d.name} {len(list(d.iterdir()))}" for d in sorted(out.iterdir())),
      file=sys.stderr)
