"""Writes tests/vectors/ip.json: IP access cases every surface must answer alike.

Expected answers follow the documented precedence (allow beats block; then
blocked IP, CIDR, country, Tor, VPN, datacenter). Database paths are relative
to tests/vectors/; the .mmdb fixtures are built by core/tests/ip_geoip.rs.

Run: python3 tests/vectors/gen/ip.py > tests/vectors/ip.json
"""
import json

NOW = 1700000000
ALLOWED = {"allowed": True}


def blocked(reason, country="XX"):
    return {"allowed": False, "reason": reason, "country": country}


def check(ip, expect, country=None, now=NOW):
    return {"ip": ip, "country": country, "now": now, "expect": expect}


spec_config = {
    "enabled": True, "blockedIPs": ["1.2.3.4", "5.6.7.8"], "blockedCIDRs": ["192.168.0.0/24"],
    "blockedCountries": ["XX", "YY"], "allowedIPs": ["10.0.0.1"],
    "blockVPN": True, "blockDatacenter": True, "blockTor": False,
}

everything = {
    "enabled": True,
    "blockedIPs": ["198.51.100.7", "2001:db8::dead", "::ffff:203.0.113.200"],
    "blockedCIDRs": ["198.51.100.0/24", "2001:db8:bad::/48", "::ffff:100.100.0.0/112"],
    "blockedCountries": ["ru", "CN"],
    "allowedIPs": ["198.51.100.8", "203.0.113.0/28", "2001:db8:bad:1::/64"],
    "blockVPN": True, "blockDatacenter": True, "blockTor": True,
}
lists = {"tor": ["185.220.100.0/24"], "vpn": ["45.90.0.0/16"], "datacenter": ["35.0.0.0/8"]}

policies = [
    {"name": "the spec's example config, no databases", "config": spec_config, "sources": {},
     "blocks": [], "checks": [
        check("10.0.0.1", ALLOWED, "XX"),
        check("1.2.3.4", blocked("blocked_ip", "US"), "US"),
        check("::ffff:1.2.3.4", blocked("blocked_ip", "US"), "us"),
        check("2002:102:304::9", blocked("blocked_ip", "US"), "US"),
        check("64:ff9b::102:304", blocked("blocked_ip", "US"), "US"),
        check("192.168.0.77", blocked("blocked_cidr", "US"), "US"),
        check("203.0.113.5", blocked("blocked_country", "XX"), None),
        check("203.0.113.5", blocked("blocked_country", "XX"), "XX"),
        check("203.0.113.5", blocked("blocked_country", "YY"), "yy"),
        check("203.0.113.5", ALLOWED, "DE"),
        check("203.0.113.5", ALLOWED, "T1"),
     ]},
    {"name": "disabled allows everything", "config": dict(spec_config, enabled=False), "sources": {},
     "blocks": [], "checks": [check("1.2.3.4", ALLOWED), check("192.168.0.1", ALLOWED, "XX")]},
    {"name": "every reason, lists, precedence", "config": everything, "sources": lists,
     "blocks": [], "checks": [
        check("198.51.100.8", ALLOWED, "RU"),                      # allow beats IP, CIDR and country
        check("203.0.113.7", ALLOWED, "CN"),                       # allowed CIDR
        check("2001:db8:bad:1::9", ALLOWED),                       # allowed v6 CIDR beats blocked /48
        check("198.51.100.7", blocked("blocked_ip", "RU"), "RU"),  # IP before CIDR and country
        check("203.0.113.200", blocked("blocked_ip", "DE"), "DE"), # mapped config entry is IPv4
        check("2001:db8::dead", blocked("blocked_ip")),
        check("198.51.100.9", blocked("blocked_cidr", "CN"), "CN"),# CIDR before country
        check("2001:db8:bad::1", blocked("blocked_cidr")),
        check("100.100.3.4", blocked("blocked_cidr", "DE"), "DE"), # mapped /112 is 100.100.0.0/16
        check("100.101.3.4", ALLOWED, "DE"),
        check("8.8.8.8", blocked("blocked_country", "RU"), "RU"),
        check("8.8.8.8", blocked("blocked_country", "CN"), "cn"),
        check("185.220.100.1", blocked("blocked_country", "RU"), "RU"),  # country before Tor
        check("185.220.100.1", blocked("blocked_tor", "DE"), "DE"),
        check("8.8.8.8", blocked("blocked_tor", "T1"), "T1"),      # T1 counts as Tor
        check("45.90.1.1", blocked("blocked_vpn", "NL"), "NL"),
        check("35.1.1.1", blocked("blocked_datacenter", "US"), "US"),
        check("8.8.8.8", ALLOWED, "US"),
        check("::1", ALLOWED),
     ]},
    {"name": "country and anonymity from MaxMind databases", "config": {
        "enabled": True, "blockedCountries": ["DE", "JP"], "blockTor": True, "blockVPN": True,
        "blockDatacenter": True},
     "sources": {"geoip": "geoip/country.mmdb", "anonymous_ip": "geoip/anonymous-ip.mmdb"},
     "blocks": [], "checks": [
        check("81.2.69.142", blocked("blocked_country", "DE")),
        check("::ffff:81.2.69.142", blocked("blocked_country", "DE")),
        check("2001:db8:1::5", blocked("blocked_country", "JP")),
        check("81.2.69.142", ALLOWED, "US"),                       # a hint wins over the database
        check("81.2.69.142", blocked("blocked_country", "DE"), "XX"),  # XX hint falls back to the db
        check("185.220.101.4", blocked("blocked_tor")),
        check("45.83.7.7", blocked("blocked_vpn")),
        check("2001:db8:2::1", blocked("blocked_vpn")),
        check("34.1.2.3", blocked("blocked_datacenter")),
        check("100.64.0.9", ALLOWED),                              # record with false flags
        check("198.51.100.3", ALLOWED),                            # registered US only
        check("8.8.8.8", ALLOWED),
     ]},
    {"name": "temporary and permanent block records", "config": {"enabled": True},
     "sources": {},
     "blocks": [
        {"ip": "203.0.113.42", "type": "temporary", "expires_at": NOW + 3600, "created": NOW},
        {"ip": "203.0.113.43", "type": "permanent", "expires_at": None, "created": NOW},
        {"ip": "::ffff:203.0.113.44", "type": "temporary", "expires_at": NOW + 60, "created": NOW},
     ],
     "checks": [
        check("203.0.113.42", blocked("blocked_ip", "US"), "US"),
        check("203.0.113.42", blocked("blocked_ip"), None, NOW + 3599),
        check("203.0.113.42", ALLOWED, None, NOW + 3600),
        check("203.0.113.43", blocked("blocked_ip"), None, NOW + 10**8),
        check("203.0.113.44", blocked("blocked_ip"), None, NOW + 59),
        check("203.0.113.44", ALLOWED, None, NOW + 60),
     ]},
]

ip_parse = [
    {"input": "203.0.113.7", "canonical": "203.0.113.7"},
    {"input": "::ffff:1.2.3.4", "canonical": "1.2.3.4"},
    {"input": "::FFFF:102:304", "canonical": "1.2.3.4"},
    {"input": "::1", "canonical": "::1"},
    # IPv6 forms embedding an IPv4 address are that address.
    {"input": "::1.2.3.4", "canonical": "1.2.3.4"},
    {"input": "64:ff9b::102:304", "canonical": "1.2.3.4"},
    {"input": "2002:102:304::1", "canonical": "1.2.3.4"},
    {"input": "2001:DB8::1", "canonical": "2001:db8::1"},
    {"input": "010.0.0.1", "code": "invalid_ip"},
    {"input": "0x7f.1", "code": "invalid_ip"},
    {"input": "2130706433", "code": "invalid_ip"},
    {"input": "127.1", "code": "invalid_ip"},
    {"input": "1.2.3.4 ", "code": "invalid_ip"},
    {"input": "fe80::1%eth0", "code": "invalid_ip"},
    {"input": "", "code": "invalid_ip"},
]

config_errors = [
    {"config": {"enabled": True, "blockedIps": []}, "field": "blockedIps"},
    {"config": {"enabled": "true"}, "field": "enabled"},
    {"config": {"blockedIPs": []}, "field": "enabled"},
    {"config": {"enabled": True, "blockedIPs": ["1.2.3.4", 5]}, "field": "blockedIPs[1]"},
    {"config": {"enabled": True, "blockedIPs": ["1.2.3.0/24"]}, "field": "blockedIPs[0]"},
    {"config": {"enabled": True, "blockedIPs": ["010.0.0.1"]}, "field": "blockedIPs[0]"},
    {"config": {"enabled": True, "blockedCIDRs": ["10.0.0.1/8"]}, "field": "blockedCIDRs[0]"},
    {"config": {"enabled": True, "blockedCIDRs": ["10.0.0.0/33"]}, "field": "blockedCIDRs[0]"},
    {"config": {"enabled": True, "allowedIPs": ["nope"]}, "field": "allowedIPs[0]"},
    {"config": {"enabled": True, "blockedCountries": ["USA"]}, "field": "blockedCountries[0]"},
    {"config": {"enabled": True, "blockedCountries": ["T1"]}, "field": "blockedCountries[0]"},
    {"config": {"enabled": True, "blockTor": 1}, "field": "blockTor"},
]

print(json.dumps({
    "description": "IP access vectors (edge-api.txt check-ip-access / sync-ip-blocking-config). "
                   "Each policy is built from config + sources + blocks, then every check must "
                   "serialize to 'expect' exactly. Paths are relative to tests/vectors/.",
    "policies": policies, "ip_parse": ip_parse, "config_errors": config_errors,
}, indent=2))
