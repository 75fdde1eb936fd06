//! Report ranges and the report itself.
#![no_main]
use clickfence::click::ReportRange;
use clickfence::{ClickVerifier, Mode};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (start, end) = text.split_once('\n').unwrap_or((text, text));
    if let Ok(range) = ReportRange::parse(Some(start), Some(end)) {
        let v = ClickVerifier::new(Mode::ReportOnly, false);
        v.verify("https://a.example/x", 1_700_000_000);
        let _ = v.report_csv(range, 1_700_000_000);
    }
    let _ = ReportRange::parse(Some(start), None);
});
