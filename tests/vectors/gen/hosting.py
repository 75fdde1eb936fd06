"""Writes tests/vectors/hosting.json: real addresses from the ip-location-db
ASN rows in tests/vectors/asn/ (copied from the npm package
@ip-location-db/asn, CC BY 4.0), each with the hosting provider the core's
HOSTING_ASNS names for its autonomous system, or null for residential,
mobile-carrier and CDN networks and for Apple's Private Relay egress
(tests/vectors/ranges/apple-egress-ip-ranges.csv, loaded as relays).

Run: python3 tests/vectors/gen/hosting.py > tests/vectors/hosting.json
"""
import json

hosting = [
    ("1.44.96.7", "Amazon Web Services", "AS16509"),
    ("52.95.100.1", "Amazon Web Services", "AS8987"),
    ("2001:4f8:2::9", "Amazon Web Services", "AS16509, IPv6"),
    ("1.179.112.9", "Google Cloud", "AS396982"),
    ("1.186.0.1", "Microsoft Azure", "AS8075"),
    ("5.101.96.1", "DigitalOcean", "AS14061"),
    ("5.9.10.10", "Hetzner", "AS24940"),
    ("2620:dd:a000::1", "Hetzner", "AS24940, IPv6"),
    ("2.26.132.9", "OVHcloud", "AS16276"),
    ("2001:41d0::1", "OVHcloud", "AS16276, IPv6"),
    ("23.92.16.9", "Akamai Connected Cloud (Linode)", "AS63949"),
    ("5.226.187.9", "Oracle Cloud", "AS31898"),
    ("5.181.224.9", "Alibaba Cloud", "AS45102"),
    ("1.12.34.9", "Tencent Cloud", "AS132203"),
    ("2.57.255.9", "Vultr", "AS20473"),
    ("2.58.80.9", "Contabo", "AS51167"),
    ("51.15.0.9", "Scaleway", "AS12876"),
    ("5.250.176.9", "IONOS", "AS8560"),
]
people = [
    ("23.24.1.1", "Comcast (residential)"),
    ("2001:558::1", "Comcast (residential), IPv6"),
    ("2.58.100.1", "Deutsche Telekom"),
    ("5.35.192.9", "British Telecommunications"),
    ("23.18.0.9", "T-Mobile USA (mobile carrier)"),
    ("2001:4870:150::9", "T-Mobile USA (mobile carrier), IPv6"),
    ("2.200.0.9", "Vodafone Germany (mobile and cable)"),
    ("1.0.0.1", "Cloudflare (a CDN, not hosting)"),
    ("172.224.226.1", "Apple iCloud Private Relay egress (Akamai)"),
    ("2a02:26f7:b3c0:4000::1", "Apple iCloud Private Relay egress, IPv6"),
    ("198.51.100.1", "in no row"),
]
cases = [{"ip": ip, "operator": op, "why": why} for ip, op, why in hosting]
cases += [{"ip": ip, "operator": None, "why": why} for ip, why in people]
print(json.dumps({"description": "Hosting detection from the free ASN rows (tests/vectors/asn/*.csv) with "
                  "Apple's relay egress (tests/vectors/ranges/apple-egress-ip-ranges.csv) as relays: the "
                  "operator each address's network is listed for, or null.",
                  "cases": cases}, indent=1))
