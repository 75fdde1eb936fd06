//! User agents, crawler range files, crawler check answers and crawler
//! lists from arbitrary text: every one an error or an answer, never a
//! panic.
#![no_main]
use clickfence::score::{answers_from_json, check_crawler, CrawlerList, CrawlerRanges};
use clickfence::Scorer;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Compiled once: the crawler list dominates a scorer's build.
    static SCORER: std::sync::OnceLock<Scorer> = std::sync::OnceLock::new();
    let scorer = SCORER.get_or_init(Scorer::default);
    let Ok(text) = std::str::from_utf8(data) else { return };
    let bot = scorer.is_bot_user_agent(text);
    let category = scorer.user_agent_category(text);
    assert_eq!(bot, category != clickfence::score::Category::Clean, "{text:?}");
    let mut ranges = CrawlerRanges::new();
    let _ = ranges.load("google", text);
    let ip = std::net::IpAddr::from([66, 249, 66, 1]);
    if let Ok(answers) = answers_from_json(text) {
        for ua in ["Googlebot/2.1", text] {
            let _ = check_crawler(ua, ip, &ranges, &answers);
        }
    }
    let _ = check_crawler(text, ip, &ranges, &[]);
    // Compiling a list is the slow path; short inputs exercise its errors.
    if text.len() < 2048 {
        let _ = CrawlerList::from_json(text, "fuzz");
    }
});
