"""Writes tests/vectors/score.json: signals and the assessment every surface
must produce with the default rules (clickfence-default-2).

Expected scores are written out by hand from the documented default points:
blocked_ip 100 (hard), blocked_country 100 (hard), tor_exit 45, vpn 25,
datacenter 35, proxy 20, invalid_signature 45, missing_signature 15,
expired_signature 20, bot_user_agent 60, missing_user_agent 25,
automation_detected 60 x confidence%, spy_tool 15, honeypot 70, trap_link 70,
click_velocity_minute 25 (> 5/min), click_velocity_hour 20 (> 30/h),
repeated_click_id 30, click_id_other_network 40, instant_click 20 (< 500 ms),
no_referrer 5, replayed_signature 60, automation_user_agent 60, link_preview 0,
verified_crawler 0, unverified_crawler 0, crawler_impersonation 70, oversized_header 40 (User-Agent over
512 bytes or Referer over 4,096), click_velocity_network 40 (> 60/h from
the network, IPv4 /24 or IPv6 /48).

Each case's category (clean / givt / sivt) follows the documented rule: with
evidence at or above the flag threshold, any sivt reason makes it sivt; else
a declaration (bot_user_agent, link_preview, missing_user_agent,
unverified_crawler) or givt evidence at the threshold makes it givt; else
clean. A verified crawler is givt whatever else fired; a browser user agent
from a hosting network (datacenter as sivt) is sivt at any score. datacenter is givt
unless the user agent claims a person's browser or is automation.

Run: python3 tests/vectors/gen/score.py > tests/vectors/score.json
"""
import json

CHROME = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
          "(KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36")


GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
HEADLESS = ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
            "HeadlessChrome/120.0.0.0 Safari/537.36")


def case(name, signals, score, status, reasons, thresholds=(70, 40), classification=None,
         category="clean"):
    return {"name": name, "signals": signals, "block_threshold": thresholds[0],
            "flag_threshold": thresholds[1], "score": score, "status": status,
            "reasons": reasons, "classification": classification, "category": category}


cases = [
    case("nothing known", {}, 0, "valid", [], classification="clean"),
    case("a clean browser click", {"user_agent": CHROME, "referrer": "https://google.com/",
                                   "signature": "valid", "clicks_last_minute": 1,
                                   "time_to_click_ms": 4200}, 0, "valid", [], classification="clean"),
    case("vpn alone is valid", {"ip_vpn": True}, 25, "valid", ["vpn"]),
    case("vpn + proxy reaches the flag threshold", {"ip_vpn": True, "ip_proxy": True},
         45, "flagged", ["vpn", "proxy"], classification="vpn", category="sivt"),
    case("datacenter + invalid signature blocks at 80",
         {"ip_datacenter": True, "signature": "invalid_signature"}, 80, "blocked",
         ["datacenter", "invalid_signature"], classification="invalid_signature", category="sivt"),
    case("exactly the block threshold blocks", {"ip_tor": True, "ip_vpn": True},
         70, "blocked", ["tor_exit", "vpn"], classification="tor_exit", category="sivt"),
    case("exactly the flag threshold flags", {"ip_vpn": True, "signature": "missing_signature"},
         40, "flagged", ["vpn", "missing_signature"], classification="vpn", category="sivt"),
    case("selenium at 95% confidence", {"bot_signals": [{"signal_type": "selenium", "confidence": 95}]},
         57, "flagged", ["automation_detected"], category="sivt"),
    case("the strongest bot signal counts once",
         {"bot_signals": [{"signal_type": "webdriver", "confidence": 40},
                          {"signal_type": "headless", "confidence": 100}]},
         60, "flagged", ["automation_detected"], category="sivt"),
    case("crawler user agent", {"user_agent": "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"},
         60, "flagged", ["bot_user_agent"], category="givt"),
    case("null user agent and referrer are missing",
         {"user_agent": None, "referrer": None}, 30, "valid", ["missing_user_agent", "no_referrer"],
         classification="missing_user_agent", category="givt"),
    case("empty user agent is missing", {"user_agent": "  "}, 25, "valid", ["missing_user_agent"], category="givt"),
    case("honeypot + trap link clamps at 100", {"honeypot": True, "trap_link": True},
         100, "blocked", ["honeypot", "trap_link"], classification="honeypot", category="sivt"),
    case("hard rule blocks even at a low score with lenient thresholds",
         {"blocked_country": True}, 100, "blocked", ["blocked_country"], thresholds=(100, 100), category="givt"),
    case("blocked ip is hard", {"blocked_ip": True, "user_agent": CHROME}, 100, "blocked", ["blocked_ip"], category="sivt"),
    case("velocity just above the limits", {"clicks_last_minute": 6, "clicks_last_hour": 31},
         45, "flagged", ["click_velocity_minute", "click_velocity_hour"],
         classification="click_velocity_minute", category="sivt"),
    case("velocity at the limits fires nothing", {"clicks_last_minute": 5, "clicks_last_hour": 30},
         0, "valid", []),
    case("repeated click id + instant click", {"click_id_repeats": 2, "time_to_click_ms": 120},
         50, "flagged", ["repeated_click_id", "instant_click"], classification="repeated_click_id", category="sivt"),
    case("spy tool + expired signature", {"spy_tools": [{"tool_name": "ppspy", "detection_method": "global_object"}],
                                          "signature": "expired"},
         35, "valid", ["expired_signature", "spy_tool"], classification="expired_signature"),
    case("custom thresholds 50/20", {"ip_vpn": True}, 25, "flagged", ["vpn"], thresholds=(50, 20), category="sivt"),
    case("a click id used from another network is at least flagged",
         {"click_id_other_networks": 1}, 40, "flagged", ["click_id_other_network"], category="sivt"),
    case("an unsigned click id repeated from another network blocks",
         {"click_id_repeats": 1, "click_id_other_networks": 1}, 70, "blocked",
         ["repeated_click_id", "click_id_other_network"], classification="click_id_other_network", category="sivt"),
    case("a click id repeated from the same network (a double click) stays valid",
         {"click_id_repeats": 1, "click_id_other_networks": 0}, 30, "valid", ["repeated_click_id"]),
    case("a replayed signature is flagged even in report-only",
         {"signature": "replayed", "user_agent": CHROME, "referrer": "https://g.example/"}, 60, "flagged",
         ["replayed_signature"], category="sivt"),
    case("a referrer longer than any browser sends",
         {"user_agent": CHROME, "referrer": "https://g.example/" + "r" * 4100}, 40, "flagged",
         ["oversized_header"], category="sivt"),
    case("a user agent of 513 bytes is oversized, one of 512 is not",
         {"user_agent": CHROME + " " + "x" * (512 - len(CHROME)), "referrer": "https://g.example/"}, 40, "flagged",
         ["oversized_header"], category="sivt"),
    case("61 clicks an hour from one network flags", {"network_clicks_last_hour": 61}, 40, "flagged",
         ["click_velocity_network"], category="sivt"),
    case("60 clicks an hour from one network is within the limit", {"network_clicks_last_hour": 60}, 0,
         "valid", []),
    case("excluded and not-validated signatures fire nothing",
         {"signature": "excluded"}, 0, "valid", []),
    case("a link preview is givt and scores nothing", {"user_agent": "WhatsApp/2.23.20.0 A", "signature": "valid"},
         0, "valid", ["link_preview"], category="givt"),
    case("a prefetch (the link_preview signal) is givt",
         {"link_preview": True, "user_agent": CHROME, "referrer": "https://g.example/"}, 0, "valid",
         ["link_preview"], category="givt"),
    case("a preview fetched from a hosting network stays givt",
         {"ip_datacenter": True, "user_agent": "facebookexternalhit/1.1 Facebot Twitterbot/1.0",
          "referrer": None}, 40, "flagged", ["datacenter", "link_preview", "no_referrer"],
         classification="datacenter", category="givt"),
    case("a headless browser is automation posing as a person (sivt)",
         {"user_agent": HEADLESS, "referrer": "https://g.example/"}, 60, "flagged",
         ["automation_user_agent"], category="sivt"),
    case("a bot farm: a browser user agent from a hosting network is sivt",
         {"ip_datacenter": True, "user_agent": CHROME, "signature": "missing_signature",
          "referrer": "https://g.example/"}, 50, "flagged", ["datacenter", "missing_signature"],
         category="sivt"),
    case("a browser user agent from a hosting network is sivt below the flag threshold",
         {"ip_datacenter": True, "user_agent": CHROME, "signature": "valid", "referrer": "https://g.example/"},
         35, "valid", ["datacenter"], category="sivt"),
    case("a declared crawler from a hosting network is givt even when blocked",
         {"ip_datacenter": True, "user_agent": GOOGLEBOT, "signature": "missing_signature", "referrer": None},
         100, "blocked", ["datacenter", "missing_signature", "bot_user_agent", "no_referrer"],
         classification="bot_user_agent", category="givt"),
    case("GoogleOther is in the crawler-user-agents list", {"user_agent": "Mozilla/5.0 (compatible; GoogleOther)"},
         60, "flagged", ["bot_user_agent"], category="givt"),
    case("a crawler over the velocity limit is sivt", {"user_agent": GOOGLEBOT, "clicks_last_minute": 6},
         85, "blocked", ["bot_user_agent", "click_velocity_minute"], classification="bot_user_agent",
         category="sivt"),
    case("a verified crawler is givt however fast", {"user_agent": GOOGLEBOT, "crawler": "verified_bot",
                                                     "clicks_last_minute": 6},
         85, "blocked", ["verified_crawler", "bot_user_agent", "click_velocity_minute"],
         classification="bot_user_agent", category="givt"),
    case("an impersonated Googlebot is sivt", {"user_agent": GOOGLEBOT, "crawler": "impersonator",
                                               "referrer": "https://g.example/"},
         100, "blocked", ["crawler_impersonation", "bot_user_agent"], classification="crawler_impersonation",
         category="sivt"),
    case("an unverified crawler is neither believed nor refused", {"user_agent": GOOGLEBOT, "crawler": "unverified"},
         60, "flagged", ["unverified_crawler", "bot_user_agent"], classification="bot_user_agent", category="givt"),
    case("a VPN below the flag threshold is clean", {"ip_vpn": True, "user_agent": CHROME, "referrer": None},
         30, "valid", ["vpn", "no_referrer"], classification="vpn"),
]
for c in cases:
    if c["classification"] is None:
        c["classification"] = c["reasons"][0] if c["reasons"] else "clean"

# An invalid field is dropped and reported (its path starts the entry in the
# assessment's ignored_signals); the other evidence (blocked_ip) still
# decides: every case is blocked.
ignored = [
    {"signals": {"blocked_ip": True, "ip_vpn": "yes"}, "path": "ip_vpn"},
    {"signals": {"blocked_ip": True, "bot_signals": [{"signal_type": "x", "confidence": 101}]},
     "path": "bot_signals[0].confidence"},
    {"signals": {"blocked_ip": True, "bot_signals": [{"signal_type": "x"}]}, "path": "bot_signals[0]"},
    {"signals": {"blocked_ip": True, "signature": "maybe"}, "path": "signature"},
    {"signals": {"blocked_ip": True, "clicks_last_minute": -1}, "path": "clicks_last_minute"},
    {"signals": {"blocked_ip": True, "user_agnet": "x"}, "path": "user_agnet"},
]
# Fractions an honest browser sends are floored, not refused.
floored = {"signals": {"time_to_click_ms": 123.9, "bot_signals": [{"signal_type": "selenium", "confidence": 99.5}]},
           "time_to_click_ms": 123, "confidence": 99}
# Not one JSON object: an error (texts, as trailing data has no JSON value).
errors = [
    {"text": "[]"},
    {"text": "1"},
    {"text": '{"blocked_ip": false} {"blocked_ip": true}'},
    {"text": '{"blocked_ip": true, "blocked_ip": false}'},
    {"text": "{not json"},
]

print(json.dumps({"description": "Fraud scoring vectors with the default rules. 'reasons' lists "
                  "reason codes in the order the assessment gives them.",
                  "rules_version": "clickfence-default-2",
                  "fraud_rate": {"total_clicks": 4128, "blocked_clicks": 312, "flagged_clicks": 87,
                                 "fraud_rate": 7.56},
                  "cases": cases, "signal_ignored": ignored, "signal_floored": floored,
                  "signal_errors": errors}, indent=1))
