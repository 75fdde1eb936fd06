//! The labelled day scored by the library, against the documented floors
//! (BENCHMARKS.md, "Labelled benchmark"). The full day: `cargo test
//! --release -p clickfence-traffic --test library a_full_day -- --ignored
//! --nocapture`.

use clickfence::score::{Category, Rule, Scorer, ScoringRules, Thresholds};
use clickfence_traffic::floors::{LIBRARY, MAX_PEOPLE_FLAGGED};
use clickfence_traffic::{day, library, Class, Corpus};

#[test]
fn a_small_seeded_day_meets_the_floors() {
    let corpus = Corpus::embedded().unwrap();
    let visits = day(7, 800, &corpus);
    let report = library::judge(&visits, &corpus, &Scorer::default());
    println!("{}", report.table());
    let table = report.table();
    assert_eq!(
        report.failures(LIBRARY, MAX_PEOPLE_FLAGGED),
        Vec::<String>::new(),
        "{table}"
    );
    assert!(report.precision(Category::Sivt) >= 0.99, "{table}");
    assert!(report.precision(Category::Givt) >= 0.99, "{table}");
    // What the design cannot catch is measured, and stays near zero.
    assert!(report.recall(Class::ResidentialProxy) < 0.05, "{table}");
}

#[test]
fn a_floor_fails_when_its_rule_is_removed() {
    let corpus = Corpus::embedded().unwrap();
    let visits = day(7, 800, &corpus);
    for (removed, class) in [
        ("automation_detected", Class::Webdriver),
        ("automation_user_agent", Class::Headless),
        ("replayed_signature", Class::Replay),
        ("invalid_signature", Class::Forged),
        ("crawler_impersonation", Class::ImpersonatedGooglebot),
        ("click_velocity_network", Class::Rotation),
        ("datacenter", Class::DataCenterFarm),
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
        let report = library::judge(&visits, &corpus, &scorer);
        assert!(
            report
                .failures(LIBRARY, MAX_PEOPLE_FLAGGED)
                .iter()
                .any(|f| f.starts_with(class.name())),
            "without {removed}, {} still met its floor:\n{}",
            class.name(),
            report.table()
        );
    }
}

#[test]
fn the_day_is_the_same_for_a_seed_and_replays_follow_their_originals() {
    let corpus = Corpus::embedded().unwrap();
    let (a, b) = (day(3, 300, &corpus), day(3, 300, &corpus));
    assert_eq!(a.len(), b.len());
    assert!(a.iter().zip(&b).all(|(x, y)| x.at == y.at && x.ip == y.ip));
    assert!(a.windows(2).all(|w| w[0].at <= w[1].at));
    for v in &a {
        if let clickfence_traffic::Ticket::ReplayOf(i) = v.ticket {
            assert!(a[i].at < v.at && a[i].class == Class::Person);
            assert_eq!(a[i].click_id, v.click_id);
        }
    }
}

#[test]
#[ignore = "the full day: run with --release -- --ignored --nocapture"]
fn a_full_day() {
    let corpus = Corpus::embedded().unwrap();
    let visits = day(1, 20_000, &corpus);
    let report = library::judge(&visits, &corpus, &Scorer::default());
    println!("{} clicks\n{}", visits.len(), report.table());
    assert_eq!(
        report.failures(LIBRARY, MAX_PEOPLE_FLAGGED),
        Vec::<String>::new()
    );
}
