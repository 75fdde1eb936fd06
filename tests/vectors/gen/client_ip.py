"""Generates tests/vectors/client_ip.json: which address is the client,
given the TCP peer, trusted proxies, Cloudflare's ranges and the
X-Forwarded-For / CF-Connecting-IP headers. Every surface replays it.

The answers come from a model of the documented rule written here with
`ipaddress`, not from the core:
- a peer outside both sets is the client; its headers are ignored;
- otherwise X-Forwarded-For (all values in order, comma-separated) is
  walked from the right past hops in either set; when the nearest hop
  outside the proxies (the peer, or a forwarded hop) is a Cloudflare
  address, a valid CF-Connecting-IP that is in neither set is the client;
- otherwise the first hop outside both sets; if all are trusted, the
  leftmost; a malformed hop ends the walk (the last good hop stands).
Hops may carry a port (1.2.3.4:80, [2001:db8::1]:443); ::ffff:a.b.c.d is
a.b.c.d.

Run: python3 tests/vectors/gen/client_ip.py > tests/vectors/client_ip.json
"""
import ipaddress
import json

PROXIES = ["10.0.0.0/8", "2001:db8::/32"]
CLOUDFLARE = ["173.245.48.0/20", "2400:cb00::/32"]


def canonical(ip):
    if ip.version == 6 and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def hop(text):
    text = text.strip()
    for candidate in (text, text.rsplit(":", 1)[0] if text.count(":") == 1 else None,
                      text[1:text.index("]")] if text.startswith("[") and "]:" in text else None):
        if candidate is None:
            continue
        try:
            return canonical(ipaddress.ip_address(candidate))
        except ValueError:
            continue
    return None


def inside(ip, nets):
    return any(ip.version == n.version and ip in n for n in nets)


def model(peer, proxies, cloudflare, xff, cf):
    proxies = [ipaddress.ip_network(n) for n in proxies]
    cloudflare = [ipaddress.ip_network(n) for n in cloudflare]
    trusted = lambda ip: inside(ip, proxies) or inside(ip, cloudflare)  # noqa: E731
    peer = canonical(ipaddress.ip_address(peer))
    if not trusted(peer):
        return str(peer), "peer"

    def from_cf():
        ip = hop(cf) if cf is not None else None
        return (str(ip), "cf_connecting_ip") if ip is not None and not trusted(ip) else None

    chosen = (str(peer), "peer")
    at_cloudflare = inside(peer, cloudflare)
    if at_cloudflare and from_cf():
        return from_cf()
    hops = [h for value in xff for h in value.split(",")][::-1]
    for h in hops:
        ip = hop(h)
        if ip is None:
            break
        chosen = (str(ip), "forwarded_for")
        if not trusted(ip):
            break
        if not at_cloudflare and not inside(ip, proxies):
            at_cloudflare = True
            if from_cf():
                return from_cf()
    return chosen


CASES = [
    ("untrusted peer is the client, headers ignored", "192.0.2.1", ["203.0.113.9"], "203.0.113.8"),
    ("one proxy, one client", "10.0.0.5", ["203.0.113.9"], None),
    ("walk past our proxies from the right", "10.0.0.5", ["198.51.100.7, 203.0.113.9, 10.0.0.2"], None),
    ("several header values, in order", "10.0.0.5", ["198.51.100.7", "203.0.113.9, 10.1.1.1"], None),
    ("all hops trusted: the leftmost", "10.0.0.5", ["10.9.9.9, 10.0.0.2"], None),
    ("no header behind a proxy: the proxy", "10.0.0.5", [], None),
    ("garbage ends the walk", "10.0.0.5", ["198.51.100.7, junk, 10.0.0.2"], None),
    ("ports are dropped", "10.0.0.5", ["203.0.113.9:4711"], None),
    ("IPv6 with a port", "10.0.0.5", ["[2001:db9::7]:443"], None),
    ("mapped IPv4 is IPv4", "::ffff:10.0.0.5", ["::ffff:203.0.113.9"], None),
    ("Cloudflare peer: CF-Connecting-IP", "173.245.48.10", ["203.0.113.9"], "198.51.100.20"),
    ("Cloudflare behind our proxy", "10.0.0.5", ["173.245.48.10"], "198.51.100.20"),
    ("a proxy's CF-Connecting-IP is not believed", "10.0.0.5", ["203.0.113.9"], "198.51.100.20"),
    ("CF-Connecting-IP naming a proxy is not believed", "173.245.48.10", ["203.0.113.9"], "10.0.0.1"),
    ("malformed CF-Connecting-IP falls back to the walk", "173.245.48.10", ["203.0.113.9"], "not-an-ip"),
    ("Cloudflare IPv6 peer", "2400:cb00::1", [], "2001:db9::8"),
    ("client forges a hop left of the real one", "10.0.0.5", ["1.1.1.1, 203.0.113.9"], None),
    ("spaces and empty hops", "10.0.0.5", ["  203.0.113.9 ,"], None),
]

cases = []
for name, peer, xff, cf in CASES:
    ip, source = model(peer, PROXIES, CLOUDFLARE, xff, cf)
    cases.append({"name": name, "peer": peer, "forwarded_for": xff, "cf_connecting_ip": cf,
                  "ip": ip, "source": source})

print(json.dumps({
    "description": __doc__.split("\n\n")[0].replace("\n", " "),
    "proxies": PROXIES, "cloudflare": CLOUDFLARE, "cases": cases,
}, indent=1))
