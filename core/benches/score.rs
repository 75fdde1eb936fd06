//! Scoring a click with and without a user agent (the bot list is a regex
//! over ~350 patterns).
//!
//! Run: `cargo bench -p clickfence --bench score`

use clickfence::score::{BotSignal, ClickSignals, Scorer, SignatureSignal};
use criterion::{black_box, criterion_group, criterion_main, Criterion};

const CHROME: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

fn score(c: &mut Criterion) {
    let scorer = Scorer::default();
    let base = ClickSignals {
        ip_vpn: true,
        signature: Some(SignatureSignal::Valid),
        bot_signals: vec![BotSignal {
            signal_type: "webdriver".into(),
            confidence: 40,
        }],
        clicks_last_minute: Some(3),
        clicks_last_hour: Some(12),
        time_to_click_ms: Some(2400),
        referrer: Some(Some("https://www.google.com/".into())),
        ..Default::default()
    };
    c.bench_function("score/without_user_agent", |b| {
        b.iter(|| scorer.score(black_box(&base)))
    });
    let browser = ClickSignals {
        user_agent: Some(Some(CHROME.into())),
        ..base.clone()
    };
    c.bench_function("score/with_browser_user_agent", |b| {
        b.iter(|| scorer.score(black_box(&browser)))
    });
    let bot = ClickSignals {
        user_agent: Some(Some(
            "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)".into(),
        )),
        ..base
    };
    c.bench_function("score/with_bot_user_agent", |b| {
        b.iter(|| scorer.score(black_box(&bot)))
    });
    c.bench_function("score/signals_from_json", |b| {
        b.iter(|| ClickSignals::from_json(black_box(r#"{"ip_vpn": true, "user_agent": "curl/8", "bot_signals": [{"signal_type": "selenium", "confidence": 95}]}"#)).unwrap())
    });
}

criterion_group!(benches, score);
criterion_main!(benches);
