//! The user-agent check per user agent: the scorer's (isbot's list, the
//! `crawler-user-agents` list of ~1,500 patterns as one regex set, library
//! and automation tokens, link-preview tokens) beside the isbot crate's list
//! alone (the check before the crawler list), on a browser and on crawlers;
//! and compiling the crawler list once.
//!
//! Run: `cargo bench -p clickfence --bench crawlers`

use clickfence::score::{CrawlerList, Scorer};
use criterion::{black_box, criterion_group, criterion_main, Criterion};

const CHROME: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
const IPHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1";
const AHREFS: &str = "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)";
const RUXIT: &str = "RuxitSynthetic/1.0";

fn crawlers(c: &mut Criterion) {
    let scorer = Scorer::default();
    let isbot = isbot::Bots::default();
    for (name, ua) in [
        ("chrome", CHROME),
        ("iphone", IPHONE),
        ("ahrefs", AHREFS),
        ("ruxit", RUXIT),
    ] {
        c.bench_function(&format!("user_agent/clickfence/{name}"), |b| {
            b.iter(|| scorer.is_bot_user_agent(black_box(ua)))
        });
        c.bench_function(&format!("user_agent/isbot_crate/{name}"), |b| {
            b.iter(|| isbot.is_bot(black_box(ua)))
        });
    }
    let list = CrawlerList::embedded();
    for (name, ua) in [("chrome", CHROME), ("ahrefs", AHREFS)] {
        c.bench_function(&format!("crawler_list/is_match/{name}"), |b| {
            b.iter(|| list.is_match(black_box(ua)))
        });
    }
    let json = include_str!("../data/crawler-user-agents.json");
    let mut g = c.benchmark_group("crawler_list");
    g.sample_size(10);
    g.bench_function("compile_embedded", |b| {
        b.iter(|| CrawlerList::from_json(black_box(json), "bench").map(|l| l.len()))
    });
    g.finish();
}

criterion_group!(benches, crawlers);
criterion_main!(benches);
