//! A labelled, seeded day of traffic (tests/common/traffic.rs) scored by
//! the library, with documented floors per class (BENCHMARKS.md,
//! "Labelled benchmark"). The full day: `cargo test --release -p clickfence
//! --test detection_benchmark -- --ignored --nocapture`.
#![cfg(feature = "bot-detection")]

#[path = "common/traffic.rs"]
mod traffic;

use clickfence::score::{Category, Rule, Scorer, ScoringRules, Thresholds};
use traffic::{day, judge, Class, Corpus};

/// The floors: recall per class, and the most people wrongly judged.
const FLOORS: &[(Class, f64)] = &[
    (Class::DeclaredCrawler, 0.99),
    (Class::LinkPreview, 0.99),
    (Class::DataCenterFarm, 0.95),
    (Class::ImpersonatedGooglebot, 1.0),
    (Class::Headless, 0.95),
    (Class::Rotation, 0.5),
    (Class::Replay, 1.0),
    (Class::AppFlood, 0.7),
];
const MAX_PEOPLE_FLAGGED: f64 = 0.01;

fn failures(report: &traffic::Report) -> Vec<String> {
    let mut out = Vec::new();
    for (class, floor) in FLOORS {
        if report.recall(*class) < *floor {
            out.push(format!(
                "{}: {:.3} < {floor}",
                class.name(),
                report.recall(*class)
            ));
        }
    }
    if report.false_positive_rate() > MAX_PEOPLE_FLAGGED {
        out.push(format!(
            "people flagged: {:.4}",
            report.false_positive_rate()
        ));
    }
    out
}

#[test]
fn a_small_seeded_day_meets_the_floors() {
    let corpus = Corpus::load();
    let clicks = day(7, 800, &corpus);
    let report = judge(&clicks, &Scorer::default());
    println!("{}", report.table());
    assert_eq!(
        failures(&report),
        Vec::<String>::new(),
        "{}",
        report.table()
    );
    assert!(
        report.precision(Category::Sivt) >= 0.99,
        "{}",
        report.table()
    );
    assert!(
        report.precision(Category::Givt) >= 0.99,
        "{}",
        report.table()
    );
    // What the design cannot catch is measured, and stays near zero.
    assert!(
        report.recall(Class::ResidentialProxy) < 0.05,
        "{}",
        report.table()
    );
}

#[test]
fn a_floor_fails_when_its_rule_is_removed() {
    let corpus = Corpus::load();
    let clicks = day(7, 800, &corpus);
    for (removed, class) in [
        ("automation_detected", Class::Headless),
        ("replayed_signature", Class::Replay),
        ("crawler_impersonation", Class::ImpersonatedGooglebot),
        ("click_velocity_network", Class::Rotation),
    ] {
        let rules = ScoringRules::from_parts(
            format!("without-{removed}"),
            Rule::ALL
                .iter()
                .filter(|r| r.code() != removed)
                .map(|r| (r.code().to_owned(), i64::from(r.default_points()))),
        )
        .unwrap();
        let scorer = Scorer::new(rules, Thresholds::default());
        let report = judge(&clicks, &scorer);
        assert!(
            failures(&report)
                .iter()
                .any(|f| f.starts_with(class.name())),
            "without {removed}, {} still met its floor:\n{}",
            class.name(),
            report.table()
        );
    }
}

#[test]
#[ignore = "the full day: run with --release -- --ignored --nocapture"]
fn a_full_day() {
    let corpus = Corpus::load();
    let clicks = day(1, 20_000, &corpus);
    let report = judge(&clicks, &Scorer::default());
    println!("{} clicks\n{}", clicks.len(), report.table());
    assert_eq!(failures(&report), Vec::<String>::new());
}
