"""Writes tests/vectors/crawlers.json: verified-crawler checks replayed by
every surface. Each scenario gives a user agent, an address, the operators'
range files loaded (tests/vectors/crawlers/*.json, in Google's and Bing's
published format) and the DNS answers so far; the expected state is the
next question or the verdict, written out by hand from the operators'
documented checks (PTR in the operator's domain, then A / AAAA back to the
same address).

Run: python3 tests/vectors/gen/crawlers.py > tests/vectors/crawlers.json
"""
import json

GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
GOOGLEBOT_PHONE = ("Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 "
                   "(KHTML, like Gecko) Chrome/131.0.6778.204 Mobile Safari/537.36 "
                   "(compatible; Googlebot/2.1; +http://www.google.com/bot.html)")
BINGBOT = "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)"
APPLEBOT = ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_5) AppleWebKit/605.1.15 (KHTML, like Gecko) "
            "Version/13.1.1 Safari/605.1.15 (Applebot/0.1; +http://www.apple.com/go/applebot)")
FACEBOOK = "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)"
CHROME = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
          "Chrome/131.0.0.0 Safari/537.36")
HOST = "crawl-66-249-66-1.googlebot.com"


def s(name, ua, ip, answers, expect, ranges=()):
    return {"name": name, "user_agent": ua, "ip": ip, "ranges": list(ranges), "answers": answers,
            "expect": expect}


def ask_ptr(op, ip):
    return {"operator": op, "question": {"ptr": ip}}


def verdict(op, v):
    return {"operator": op, "verdict": v}


scenarios = [
    s("no claim, no check", CHROME, "203.0.113.9", [], None),
    s("a claimed Googlebot asks for the PTR first", GOOGLEBOT, "66.249.66.1", [], ask_ptr("google", "66.249.66.1")),
    s("a PTR in googlebot.com asks for its addresses", GOOGLEBOT, "66.249.66.1",
      [{"names": [HOST + "."]}], {"operator": "google", "question": {"addresses": HOST}}),
    s("the name resolves back: verified", GOOGLEBOT, "66.249.66.1",
      [{"names": [HOST + "."]}, {"addresses": ["66.249.66.1"]}], verdict("google", "verified_bot")),
    s("the name resolves elsewhere: impersonator", GOOGLEBOT, "66.249.66.1",
      [{"names": [HOST + "."]}, {"addresses": ["66.249.66.2"]}], verdict("google", "impersonator")),
    s("a PTR outside the operator's domains: impersonator", GOOGLEBOT, "203.0.113.9",
      [{"names": ["host-9.isp.example."]}], verdict("google", "impersonator")),
    s("a PTR that only ends with the domain's text: impersonator", GOOGLEBOT, "203.0.113.9",
      [{"names": ["evilgooglebot.com."]}], verdict("google", "impersonator")),
    s("a PTR with the domain as a prefix: impersonator", GOOGLEBOT, "203.0.113.9",
      [{"names": ["googlebot.com.evil.example."]}], verdict("google", "impersonator")),
    s("no PTR record: impersonator", GOOGLEBOT, "203.0.113.9", ["not_found"], verdict("google", "impersonator")),
    s("no answer to the PTR in time: unverified", GOOGLEBOT, "203.0.113.9", ["no_answer"],
      verdict("google", "unverified")),
    s("no answer to the forward lookup: unverified", GOOGLEBOT, "66.249.66.1",
      [{"names": [HOST + "."]}, "no_answer"], verdict("google", "unverified")),
    s("the second PTR name is the operator's", GOOGLEBOT, "66.249.66.1",
      [{"names": ["alias.example.", "CRAWL-66-249-66-1.GOOGLEBOT.COM."]}],
      {"operator": "google", "question": {"addresses": HOST}}),
    s("Googlebot smartphone (a browser-shaped user agent) is checked too", GOOGLEBOT_PHONE, "66.249.66.1", [],
      ask_ptr("google", "66.249.66.1")),
    s("an IPv6 Googlebot verified by AAAA", GOOGLEBOT, "2001:4860:4801:10::1",
      [{"names": ["crawl-2001-4860-4801-10--1.googlebot.com."]}, {"addresses": ["66.249.66.1", "2001:4860:4801:10::1"]}],
      verdict("google", "verified_bot")),
    s("an IPv4-mapped address is its IPv4 address", GOOGLEBOT, "::ffff:66.249.66.1",
      [{"names": [HOST + "."]}, {"addresses": ["66.249.66.1"]}], verdict("google", "verified_bot")),
    s("Bingbot in search.msn.com", BINGBOT, "157.55.39.1",
      [{"names": ["msnbot-157-55-39-1.search.msn.com."]}, {"addresses": ["157.55.39.1"]}], verdict("bing", "verified_bot")),
    s("Applebot in applebot.apple.com", APPLEBOT, "17.241.75.1",
      [{"names": ["17-241-75-1.applebot.apple.com."]}, {"addresses": ["17.241.75.1"]}], verdict("apple", "verified_bot")),
    s("inside Google's published ranges: verified without DNS", GOOGLEBOT, "66.249.64.5", [],
      verdict("google", "verified_bot"), ranges=["googlebot.json"]),
    s("outside Google's ranges, DNS still decides", GOOGLEBOT, "203.0.113.9", [],
      ask_ptr("google", "203.0.113.9"), ranges=["googlebot.json"]),
    s("inside Bing's published ranges", BINGBOT, "40.77.167.20", [], verdict("bing", "verified_bot"),
      ranges=["bingbot.json"]),
    s("Meta publishes no PTR names: unverified without its ranges", FACEBOOK, "69.63.180.1", [],
      verdict("facebook", "unverified")),
]

errors = [
    {"name": "an answer after the check is over", "user_agent": GOOGLEBOT, "ip": "66.249.64.5",
     "ranges": ["googlebot.json"], "answers": "[\"no_answer\"]", "code": "invalid_crawler_answers"},
    {"name": "answers that are not a list", "user_agent": GOOGLEBOT, "ip": "66.249.66.1", "ranges": [],
     "answers": "{\"names\": []}", "code": "invalid_crawler_answers"},
    {"name": "an unknown answer", "user_agent": GOOGLEBOT, "ip": "66.249.66.1", "ranges": [],
     "answers": "[\"maybe\"]", "code": "invalid_crawler_answers"},
    {"name": "names that are not strings", "user_agent": GOOGLEBOT, "ip": "66.249.66.1", "ranges": [],
     "answers": "[{\"names\": [5]}]", "code": "invalid_crawler_answers"},
    {"name": "an address that is not one", "user_agent": GOOGLEBOT, "ip": "66.249.66.1", "ranges": [],
     "answers": "[{\"names\": [\"a.googlebot.com\"]}, {\"addresses\": [\"66.249.66\"]}]",
     "code": "invalid_crawler_answers"},
    {"name": "trailing data", "user_agent": GOOGLEBOT, "ip": "66.249.66.1", "ranges": [],
     "answers": "[] []", "code": "invalid_crawler_answers"},
]

range_errors = [
    {"operator": "google", "json": "{\"prefixes\": [{\"ipv4Prefix\": \"66.249.64.0/33\"}]}", "path": "prefixes"},
    {"operator": "google", "json": "{\"prefixes\": [{}]}", "path": "prefixes[0]"},
    {"operator": "google", "json": "[]", "path": "."},
    {"operator": "altavista", "json": "{\"prefixes\": []}", "path": "operator"},
]

print(json.dumps({"description": "Verified-crawler checks: the state after the answers given (null: no claim). "
                  "Range files are in tests/vectors/crawlers/, each loaded for the operator its name starts with.",
                  "scenarios": scenarios, "errors": errors, "range_errors": range_errors}, indent=1))
