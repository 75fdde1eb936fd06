//! The day judged by the library directly: what a receiving server knows
//! about each visit (hosting networks, the velocity of each client and
//! network counted in time order, whether the ticket was spent, whether
//! the user agent is a link preview), scored by a [`Scorer`].

use clickfence::click::Fetch;
use clickfence::ip::Granularity;
use clickfence::rate::VelocityCounter;
use clickfence::score::{BotSignal, Category, ClickSignals, Scorer, SignatureSignal};

use crate::{Corpus, Report, Ticket, Visit};

/// Each visit's signals, counters included, in the visits' order.
pub fn signals(visits: &[Visit], corpus: &Corpus) -> Vec<ClickSignals> {
    let velocity = VelocityCounter::new(1_000_000);
    visits
        .iter()
        .map(|v| {
            let mut s = base_signals(v);
            s.ip_datacenter = corpus.hosting.hosting(v.ip).is_some();
            if !s.link_preview {
                let client = Granularity::CLIENT.key(v.ip).to_be_bytes();
                let mut net = b"net".to_vec();
                net.extend(Granularity::NETWORK.key(v.ip).to_be_bytes());
                let client = velocity.record(client, v.at).ok();
                let network = velocity.record(net, v.at).ok();
                s.clicks_last_minute = client.map(|c| c.last_minute);
                s.clicks_last_hour = client.map(|c| c.last_hour);
                s.network_clicks_last_hour = network.map(|n| n.last_hour);
            }
            s
        })
        .collect()
}

fn base_signals(v: &Visit) -> ClickSignals {
    let fetch = Fetch {
        user_agent: Some(&v.user_agent),
        ..Fetch::default()
    };
    ClickSignals {
        user_agent: Some(Some(v.user_agent.clone())),
        referrer: Some(v.referrer.clone()),
        signature: Some(match v.ticket {
            Ticket::Genuine => SignatureSignal::Valid,
            Ticket::Unsigned => SignatureSignal::MissingSignature,
            Ticket::ReplayOf(_) => SignatureSignal::Replayed,
            Ticket::Forged => SignatureSignal::InvalidSignature,
        }),
        time_to_click_ms: v.time_to_click_ms,
        link_preview: fetch.is_preview(),
        crawler: v.crawler,
        bot_signals: if v.webdriver {
            vec![BotSignal {
                signal_type: "webdriver".into(),
                confidence: 90,
            }]
        } else {
            vec![]
        },
        ..ClickSignals::default()
    }
}

/// Scores every visit and compares with the truth.
pub fn judge(visits: &[Visit], corpus: &Corpus, scorer: &Scorer) -> Report {
    let judged: Vec<Category> = signals(visits, corpus)
        .iter()
        .map(|s| scorer.score(s).category)
        .collect();
    Report::new(visits.iter().map(|v| v.class).zip(judged))
}
