//! Verified-crawler checks replayed from `tests/vectors/crawlers.json`.

use std::path::PathBuf;

use clickfence::score::{answers_from_json, check_crawler, Answer, CrawlerRanges, OPERATORS};
use serde_json::Value;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors")
}

fn load() -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir().join("crawlers.json")).unwrap()).unwrap()
}

/// The range files of a scenario, each for the operator its name starts with.
fn ranges(case: &Value) -> CrawlerRanges {
    let mut r = CrawlerRanges::new();
    for file in case["ranges"].as_array().unwrap() {
        let file = file.as_str().unwrap();
        let op = OPERATORS.iter().find(|o| file.starts_with(o.name)).unwrap();
        let text = std::fs::read_to_string(dir().join("crawlers").join(file)).unwrap();
        r.load(op.name, &text).unwrap();
    }
    r
}

#[test]
fn crawler_check_vectors() {
    let v = load();
    for case in v["scenarios"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let answers: Vec<Answer> = answers_from_json(&case["answers"].to_string()).unwrap();
        let ip = case["ip"].as_str().unwrap().parse().unwrap();
        let got = check_crawler(
            case["user_agent"].as_str().unwrap(),
            ip,
            &ranges(case),
            &answers,
        )
        .unwrap();
        assert_eq!(serde_json::to_value(got).unwrap(), case["expect"], "{name}");
    }
}

#[test]
fn crawler_check_errors_have_codes() {
    let v = load();
    for case in v["errors"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let ip = case["ip"].as_str().unwrap().parse().unwrap();
        let err = answers_from_json(case["answers"].as_str().unwrap())
            .and_then(|a| {
                check_crawler(case["user_agent"].as_str().unwrap(), ip, &ranges(case), &a)
            })
            .unwrap_err();
        assert_eq!(err.code(), case["code"].as_str().unwrap(), "{name}");
    }
    for case in v["range_errors"].as_array().unwrap() {
        let err = CrawlerRanges::new()
            .load(
                case["operator"].as_str().unwrap(),
                case["json"].as_str().unwrap(),
            )
            .unwrap_err();
        assert_eq!(err.code(), "invalid_crawler_ranges");
        assert!(
            err.to_string().contains(case["path"].as_str().unwrap()),
            "{err}"
        );
    }
}
