//! Fraud scoring against the shared vectors, a real user-agent corpus, and
//! the monotonicity the docs promise.

use clickfence::score::{
    fraud_rate, BotSignal, ClickSignals, Scorer, ScoringRules, SignatureSignal, Thresholds,
};
use proptest::prelude::*;
use serde_json::Value;

fn load(name: &str) -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/vectors")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The default scorer, built once (each build compiles the crawler list).
fn default_scorer() -> &'static Scorer {
    static SCORER: std::sync::OnceLock<Scorer> = std::sync::OnceLock::new();
    SCORER.get_or_init(Scorer::default)
}

#[test]
fn score_vectors() {
    let all = load("score.json");
    // One scorer per threshold pair: each compiles the crawler list.
    let mut scorers = std::collections::HashMap::new();
    for case in all["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let thresholds = Thresholds::new(
            case["block_threshold"].as_i64().unwrap(),
            case["flag_threshold"].as_i64().unwrap(),
        )
        .unwrap();
        let scorer = scorers
            .entry((thresholds.block_threshold, thresholds.flag_threshold))
            .or_insert_with(|| Scorer::new(ScoringRules::default(), thresholds));
        let signals = ClickSignals::from_value(case["signals"].clone()).unwrap();
        let a = scorer.score(&signals);
        let codes: Vec<&str> = a.reasons.iter().map(|r| r.code).collect();
        let want: Vec<&str> = case["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r.as_str().unwrap())
            .collect();
        assert_eq!(
            u64::from(a.score),
            case["score"].as_u64().unwrap(),
            "{name}"
        );
        assert_eq!(
            a.status.as_str(),
            case["status"].as_str().unwrap(),
            "{name}"
        );
        assert_eq!(codes, want, "{name}");
        assert_eq!(
            a.classification(),
            case["classification"].as_str().unwrap(),
            "{name}"
        );
        assert_eq!(
            a.category.as_str(),
            case["category"].as_str().unwrap(),
            "{name}"
        );
        assert_eq!(&*a.rules_version, all["rules_version"].as_str().unwrap());
    }
}

#[test]
fn invalid_signal_fields_are_dropped_and_reported_and_the_rest_decides() {
    let all = load("score.json");
    for case in all["signal_ignored"].as_array().unwrap() {
        let path = case["path"].as_str().unwrap();
        let signals = ClickSignals::from_value(case["signals"].clone()).unwrap();
        let a = default_scorer().score(&signals);
        assert_eq!(a.status.as_str(), "blocked", "{path}");
        assert!(
            a.ignored_signals.iter().any(|i| i.starts_with(path)),
            "{path}: {:?}",
            a.ignored_signals
        );
    }
    let f = &all["signal_floored"];
    let s = ClickSignals::from_value(f["signals"].clone()).unwrap();
    assert_eq!(s.time_to_click_ms, f["time_to_click_ms"].as_u64());
    assert_eq!(
        u64::from(s.bot_signals[0].confidence),
        f["confidence"].as_u64().unwrap()
    );
    for case in all["signal_errors"].as_array().unwrap() {
        let text = case["text"].as_str().unwrap();
        assert_eq!(
            ClickSignals::from_json(text).unwrap_err().code(),
            "invalid_signals",
            "{text}"
        );
    }
}

#[test]
fn fraud_rate_of_the_spec_example() {
    let v = &load("score.json")["fraud_rate"];
    let rate = fraud_rate(
        v["total_clicks"].as_u64().unwrap(),
        v["blocked_clicks"].as_u64().unwrap(),
    );
    assert_eq!(rate, v["fraud_rate"].as_f64().unwrap());
}

#[test]
fn thresholds_are_validated() {
    for (block, flag) in [(70, 71), (101, 40), (70, -1), (-1, -2)] {
        assert_eq!(
            Thresholds::new(block, flag).unwrap_err().code(),
            "invalid_thresholds"
        );
    }
    assert!(Thresholds::new(0, 0).is_ok());
    assert!(Thresholds::new(100, 100).is_ok());
}

#[test]
fn no_browser_is_called_a_bot_and_every_bot_is() {
    let corpus = load("user-agents.json");
    let scorer = default_scorer();
    // isbot's browser fixtures the crawler-user-agents list rightly calls
    // bots, each with why.
    let disagree: Vec<(&str, &str)> = corpus["isbot_browsers_we_call_bots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["contains"].as_str().unwrap(), d["why"].as_str().unwrap()))
        .collect();
    let mut false_positives = vec![];
    for key in ["browsers", "current_browsers"] {
        for ua in corpus[key].as_array().unwrap() {
            let ua = ua.as_str().unwrap();
            let disagreement = disagree.iter().find(|(t, _)| ua.contains(t));
            if let Some((_, why)) = disagreement {
                assert!(scorer.is_bot_user_agent(ua), "{ua} ({why})");
                continue;
            }
            if scorer.is_bot_user_agent(ua) {
                false_positives.push(ua.to_owned());
            }
        }
    }
    assert!(
        false_positives.is_empty(),
        "browsers flagged as bots: {false_positives:#?}"
    );
    let mut missed = vec![];
    for key in ["bots", "crawlers"] {
        for ua in corpus[key].as_array().unwrap() {
            let ua = ua.as_str().unwrap();
            if !scorer.is_bot_user_agent(ua) {
                missed.push(ua.to_owned());
            }
        }
    }
    assert!(missed.is_empty(), "bots not detected: {missed:#?}");
}

#[test]
fn same_input_same_output() {
    let scorer = default_scorer();
    let s = ClickSignals {
        ip_vpn: true,
        user_agent: Some(Some("curl/8".into())),
        ..Default::default()
    };
    assert_eq!(scorer.score(&s), scorer.score(&s));
}

fn signals() -> impl Strategy<Value = ClickSignals> {
    (
        prop::array::uniform8(any::<bool>()),
        prop::option::of(prop_oneof![
            Just(SignatureSignal::Valid),
            Just(SignatureSignal::MissingSignature),
            Just(SignatureSignal::Expired),
            Just(SignatureSignal::InvalidSignature),
        ]),
        prop::collection::vec(
            (0u8..=100).prop_map(|c| BotSignal {
                signal_type: "x".into(),
                confidence: c,
            }),
            0..3,
        ),
        prop::option::of(0u64..50),
        prop::option::of(0u64..100),
        prop::option::of(0u64..3),
        prop::option::of(0u64..2000),
    )
        .prop_map(
            |(b, signature, bot_signals, minute, hour, repeats, ttc)| ClickSignals {
                ip_vpn: b[0],
                ip_datacenter: b[1],
                ip_tor: b[2],
                ip_proxy: b[3],
                blocked_ip: b[4] && b[5] && b[6],
                honeypot: b[7],
                signature,
                bot_signals,
                clicks_last_minute: minute,
                clicks_last_hour: hour,
                click_id_repeats: repeats,
                time_to_click_ms: ttc,
                ..Default::default()
            },
        )
}

proptest! {
    #[test]
    fn scores_are_monotone_in_added_evidence(s in signals(), which in 0usize..8, confidence in 0u8..=100) {
        let scorer = default_scorer();
        let before = scorer.score(&s);
        let mut more = s.clone();
        match which {
            0 => more.ip_vpn = true,
            1 => more.ip_tor = true,
            2 => more.honeypot = true,
            3 => more.bot_signals.push(BotSignal { signal_type: "y".into(), confidence }),
            4 => more.clicks_last_minute = Some(more.clicks_last_minute.unwrap_or(0) + 10),
            5 => more.click_id_repeats = Some(more.click_id_repeats.unwrap_or(0) + 1),
            6 => more.blocked_country = true,
            _ => more.user_agent = Some(Some("python-requests/2.32".into())),
        }
        let after = scorer.score(&more);
        prop_assert!(after.score >= before.score);
        prop_assert!(after.status >= before.status);
        prop_assert!(after.reasons.len() >= before.reasons.len());
    }
}

#[test]
fn honest_fractions_are_floored_and_one_bad_field_drops_only_itself() {
    use clickfence::score::ClickSignals;
    let s = ClickSignals::from_json(
        r#"{"blocked_ip": true, "time_to_click_ms": 123.4, "clicks_last_minute": -1,
            "bot_signals": [{"signal_type": "selenium", "confidence": 99.5},
                            {"signal_type": "x", "confidence": 150}]}"#,
    )
    .unwrap();
    assert!(s.blocked_ip, "the other evidence is kept");
    assert_eq!(s.time_to_click_ms, Some(123));
    assert_eq!(s.clicks_last_minute, None);
    assert_eq!(s.bot_signals.len(), 1);
    assert_eq!(s.bot_signals[0].confidence, 99);
    assert_eq!(s.ignored.len(), 2, "{:?}", s.ignored);
    assert!(
        s.ignored[0].starts_with("clicks_last_minute")
            || s.ignored[1].starts_with("clicks_last_minute")
    );
    let a = default_scorer().score(&s);
    assert_eq!(a.status.as_str(), "blocked");
    assert_eq!(a.ignored_signals, s.ignored);
    let json = serde_json::to_value(&a).unwrap();
    assert_eq!(json["ignored_signals"].as_array().unwrap().len(), 2);
    // Lax JSON is refused: trailing data and repeated keys.
    for text in [
        r#"{"blocked_ip": false} {"blocked_ip": true}"#,
        r#"{"blocked_ip": true, "blocked_ip": false}"#,
        "[]",
        "not json",
    ] {
        assert_eq!(
            ClickSignals::from_json(text).unwrap_err().code(),
            "invalid_signals",
            "{text}"
        );
    }
}

#[test]
fn rules_and_access_configs_are_one_value_without_repeated_keys() {
    use clickfence::ip::AccessConfig;
    use clickfence::score::ScoringRules;
    let e = AccessConfig::from_json(
        r#"{"enabled": false} {"enabled": true, "blockedIPs": ["1.2.3.4"]}"#,
    )
    .unwrap_err();
    assert_eq!(e.code(), "invalid_config");
    assert_eq!(
        AccessConfig::from_json(r#"{"enabled": true, "enabled": false}"#)
            .unwrap_err()
            .code(),
        "invalid_config"
    );
    let e =
        ScoringRules::from_json(r#"{"version": "v", "rules": {"tor_exit": 10, "tor_exit": 90}}"#)
            .unwrap_err();
    assert_eq!(e.code(), "invalid_rules");
    assert!(e.to_string().contains("twice"), "{e}");
}

#[test]
fn disguised_and_implausible_user_agents_are_not_browsers() {
    let scorer = default_scorer();
    let score = |ua: &str| {
        scorer
            .score(&ClickSignals {
                user_agent: Some(Some(ua.into())),
                ..Default::default()
            })
            .score
    };
    for ua in [
        "Mozilla/5.0 curl/8.5",
        "\u{200b}curl/8.5",
        "Playwright/1.40",
        "undici",
    ] {
        assert!(scorer.is_bot_user_agent(ua), "{ua:?}");
    }
    assert_eq!(
        score("x"),
        score(""),
        "a one-character agent scores like a missing one"
    );
    assert!(score("x") > 0);
    assert_eq!(
        score("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"),
        0
    );
}

#[test]
fn other_thresholds_share_the_compiled_lists() {
    let base = default_scorer();
    let strict = base.with_thresholds(Thresholds::new(50, 20).unwrap());
    let s = ClickSignals {
        ip_vpn: true,
        ..Default::default()
    };
    assert_eq!(base.score(&s).status.as_str(), "valid");
    assert_eq!(strict.score(&s).status.as_str(), "flagged");
    assert_eq!(strict.crawler_list(), base.crawler_list());
    assert!(strict.is_bot_user_agent("Mozilla/5.0 (compatible; GoogleOther)"));
}
