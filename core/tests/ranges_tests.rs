//! Published range files (cloud providers, Tor, Spamhaus) in their
//! publishers' formats, from `tests/vectors/ranges.json`.

use std::path::PathBuf;

use clickfence::ip::{PublishedRanges, RangeFormat};
use serde_json::Value;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors")
}

fn load() -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir().join("ranges.json")).unwrap()).unwrap()
}

#[test]
fn each_format_loads_its_publishers_file() {
    let v = load();
    for f in v["files"].as_array().unwrap() {
        let name = f["file"].as_str().unwrap();
        let format = RangeFormat::from_name(f["format"].as_str().unwrap()).unwrap();
        let text = std::fs::read_to_string(dir().join("ranges").join(name)).unwrap();
        let r = PublishedRanges::parse(format, &text).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(r.date.as_deref(), f["date"].as_str(), "{name}");
        for ip in f["inside"].as_array().unwrap() {
            assert!(
                r.set.contains(ip.as_str().unwrap().parse().unwrap()),
                "{name}: {ip}"
            );
        }
        for ip in f["outside"].as_array().unwrap() {
            assert!(
                !r.set.contains(ip.as_str().unwrap().parse().unwrap()),
                "{name}: {ip}"
            );
        }
    }
}

#[test]
fn a_malformed_file_is_refused_naming_the_entry() {
    let v = load();
    for e in v["errors"].as_array().unwrap() {
        let format = RangeFormat::from_name(e["format"].as_str().unwrap()).unwrap();
        let err = PublishedRanges::parse(format, e["text"].as_str().unwrap()).unwrap_err();
        assert_eq!(err.code(), "invalid_ranges", "{e}");
        assert!(
            err.to_string().contains(e["path"].as_str().unwrap()),
            "{e}: {err}"
        );
    }
    for (name, format) in RangeFormat::ALL {
        assert_eq!(RangeFormat::from_name(name), Some(*format));
        assert_eq!(format.name(), *name);
    }
    assert_eq!(RangeFormat::from_name("gcp"), None);
}

#[test]
fn the_files_own_dates_read_as_unix_days() {
    let v = load();
    let want = [
        ("aws-ip-ranges.json", Some(1_796_256_000)),
        ("gcp-cloud.json", Some(1_796_256_000)),
        ("oracle-public_ip_ranges.json", Some(1_796_083_200)),
        ("spamhaus-drop.txt", Some(1_796_342_400)),
        ("spamhaus-drop_v4.json", Some(1_764_837_190)),
        ("azure-servicetags.json", None),
        ("tor-bulk-exit-list.txt", None),
    ];
    for (file, unix) in want {
        let f = v["files"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["file"] == file)
            .unwrap();
        let format = RangeFormat::from_name(f["format"].as_str().unwrap()).unwrap();
        let text = std::fs::read_to_string(dir().join("ranges").join(file)).unwrap();
        assert_eq!(
            PublishedRanges::parse(format, &text).unwrap().unix_date(),
            unix,
            "{file}"
        );
    }
}
