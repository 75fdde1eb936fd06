//! Scoring rules and click signals from arbitrary JSON.
#![no_main]
use clickfence::score::{ClickSignals, ScoringRules, Thresholds};
use clickfence::Scorer;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Compiled once: the bot-pattern regex dominates a scorer's build.
    static SCORER: std::sync::OnceLock<Scorer> = std::sync::OnceLock::new();
    let scorer = SCORER.get_or_init(Scorer::default);
    let Ok(text) = std::str::from_utf8(data) else { return };
    let _ = ScoringRules::from_json(text);
    let _ = Thresholds::default();
    if let Ok(signals) = ClickSignals::from_json(text) {
        let a = scorer.score(&signals);
        assert!(a.score <= 100);
        let _ = serde_json::to_string(&a);
    }
});
