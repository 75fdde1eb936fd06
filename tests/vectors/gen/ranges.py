"""Writes tests/vectors/ranges.json: published range files (tests/vectors/
ranges/, each in its publisher's format, a few real entries each) with
addresses inside and outside them and the date each file gives, plus
malformed files and the error path each must name.

Run: python3 tests/vectors/gen/ranges.py > tests/vectors/ranges.json
"""
import json

files = [
    {"file": "aws-ip-ranges.json", "format": "aws", "date": "2026-12-03-23-20-07",
     "inside": ["3.4.12.4", "52.95.15.255", "2600:1f14::1"], "outside": ["3.4.12.5", "52.95.16.0"]},
    {"file": "gcp-cloud.json", "format": "google-cloud", "date": "2026-12-03T13:00:06.394253",
     "inside": ["34.1.208.1", "2600:1900:8000::1", "35.185.130.2"], "outside": ["34.1.224.0"]},
    {"file": "azure-servicetags.json", "format": "azure", "date": "change 352",
     "inside": ["13.69.0.1", "2603:1020:200::1", "13.66.60.119"], "outside": ["13.69.128.0"]},
    {"file": "oracle-public_ip_ranges.json", "format": "oracle", "date": "2026-12-01T21:03:47.474114",
     "inside": ["129.146.0.1", "134.70.24.9"], "outside": ["129.146.8.0"]},
    {"file": "digitalocean-geofeed.csv", "format": "digitalocean", "date": None,
     "inside": ["5.101.96.1", "5.101.107.255", "2a03:b0c0:0:1010::9"], "outside": ["5.101.108.0"]},
    {"file": "apple-egress-ip-ranges.csv", "format": "apple-private-relay", "date": None,
     "inside": ["172.224.226.1", "172.224.226.63", "2a02:26f7:b3c0:4000::1"], "outside": ["172.224.226.64"]},
    {"file": "tor-bulk-exit-list.txt", "format": "tor-exits", "date": None,
     "inside": ["171.25.193.77", "2001:67c:e60:c0c:192:42:116:16"], "outside": ["171.25.193.78"]},
    {"file": "spamhaus-drop.txt", "format": "spamhaus-drop", "date": "Thu, 04 Dec 2026 08:33:10 GMT",
     "inside": ["1.10.16.1", "1.19.255.255"], "outside": ["1.20.0.0"]},
    {"file": "spamhaus-drop_v4.json", "format": "spamhaus-drop", "date": "1764837190",
     "inside": ["1.10.16.1"], "outside": ["1.20.0.0"]},
]

errors = [
    {"format": "aws", "text": '{"createDate": "x", "prefixes": [{"ip_prefix": "3.4.12.4/33"}]}', "path": "prefixes[0]"},
    {"format": "aws", "text": '{"prefixes": 5}', "path": "prefixes"},
    {"format": "google-cloud", "text": '{"prefixes": [{"scope": "x"}]}', "path": "prefixes[0]"},
    {"format": "azure", "text": '{"values": [{"properties": {"addressPrefixes": ["13.69.0.1/17"]}}]}',
     "path": "values[0].properties.addressPrefixes[0]"},
    {"format": "oracle", "text": '{"regions": [{"cidrs": [{"cidr": "banana"}]}]}', "path": "regions[0].cidrs[0]"},
    {"format": "digitalocean", "text": "5.101.96.0/21,NL\nnot-a-prefix,US\n", "path": "line 2"},
    {"format": "tor-exits", "text": "171.25.193.77\n171.25.193\n", "path": "line 2"},
    {"format": "spamhaus-drop", "text": "; comment\n1.10.16.0/20 ; SBL1\n1.10.16.0/33 ; SBL2\n", "path": "line 3"},
    {"format": "spamhaus-drop", "text": '{"cidr": "1.10.16.0/20"}\n{"sblid": "x"}\n', "path": "line 2"},
    {"format": "aws", "text": "{} {}", "path": "(root)"},
]

print(json.dumps({"description": "Published range files: addresses inside and outside, the file's date "
                  "(null when the format has none), and malformed files with the path the error names.",
                  "files": files, "errors": errors}, indent=1))
