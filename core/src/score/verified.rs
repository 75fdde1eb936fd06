//! Verified crawlers: a client whose user agent claims a major crawler is
//! checked the way its operator documents, never believed on its word.
//!
//! First the operator's published IP ranges, when loaded (Google's and
//! Bing's JSON: `{"creationTime": ..., "prefixes": [{"ipv4Prefix": ...},
//! {"ipv6Prefix": ...}]}`); else forward-confirmed reverse DNS: the
//! address's PTR name must be in one of the operator's domains, and that
//! name's A / AAAA records must hold the address again. An address that
//! fails is an `impersonator` (`sivt`); one whose lookups gave no answer in
//! time is `unverified`: said so, never guessed.
//!
//! The core does no I/O, so this is sans-I/O: [`CrawlerCheck::start`] says
//! which lookup it needs ([`Question`]); the caller resolves it with its own
//! resolver, time budget and cache, and hands the [`Answer`] back to
//! [`CrawlerCheck::answer`], until the check is [`Done`](Step::Done).

use std::collections::BTreeMap;
use std::net::IpAddr;

use serde::Deserialize;

use super::ScoreError;
use crate::ip::IpSet;

/// A crawler operator and how its crawlers are recognised and verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Operator {
    /// Short name: `google`, `bing`, `apple`, ...
    pub name: &'static str,
    /// User-agent tokens of its crawlers (matched ASCII case-insensitively).
    pub tokens: &'static [&'static str],
    /// Domains its crawlers' PTR names end in (empty: published ranges only).
    pub domains: &'static [&'static str],
}

/// The operators checked, from their own verification documentation.
pub const OPERATORS: &[Operator] = &[
    Operator {
        name: "google",
        tokens: &[
            "googlebot",
            "adsbot-google",
            "mediapartners-google",
            "apis-google",
            "googleother",
            "google-inspectiontool",
            "storebot-google",
            "feedfetcher-google",
            "google-read-aloud",
        ],
        domains: &["googlebot.com", "google.com", "googleusercontent.com"],
    },
    Operator {
        name: "bing",
        tokens: &["bingbot", "adidxbot", "msnbot", "bingpreview"],
        domains: &["search.msn.com"],
    },
    Operator {
        name: "apple",
        tokens: &["applebot"],
        domains: &["applebot.apple.com"],
    },
    Operator {
        name: "yandex",
        tokens: &["yandexbot", "yandexmobilebot", "yandeximages"],
        domains: &["yandex.ru", "yandex.net", "yandex.com"],
    },
    Operator {
        name: "baidu",
        tokens: &["baiduspider"],
        domains: &["baidu.com", "baidu.jp"],
    },
    // DuckDuckGo and Meta publish addresses, not PTR names: without their
    // ranges loaded, a claim stays unverified.
    Operator {
        name: "duckduckgo",
        tokens: &["duckduckbot", "duckassistbot"],
        domains: &[],
    },
    Operator {
        name: "facebook",
        tokens: &[
            "facebookexternalhit",
            "facebookcatalog",
            "meta-externalagent",
        ],
        domains: &[],
    },
];

/// The operator whose crawler `user_agent` claims to be, if any (the first
/// 1,024 bytes are read).
pub fn claimed_operator(user_agent: &str) -> Option<&'static Operator> {
    let head = &user_agent.as_bytes()[..user_agent.len().min(1024)];
    let lower = head.to_ascii_lowercase();
    OPERATORS.iter().find(|op| {
        op.tokens
            .iter()
            .any(|t| lower.windows(t.len()).any(|w| w == t.as_bytes()))
    })
}

/// Published crawler ranges per operator, each with its file's date.
#[derive(Debug, Clone, Default)]
pub struct CrawlerRanges {
    sets: BTreeMap<&'static str, (IpSet, String)>,
}

#[derive(Deserialize)]
struct RangesFile {
    #[serde(rename = "creationTime", default)]
    creation_time: String,
    prefixes: Vec<Prefix>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Prefix {
    #[serde(rename = "ipv4Prefix")]
    ipv4: Option<String>,
    #[serde(rename = "ipv6Prefix")]
    ipv6: Option<String>,
}

impl CrawlerRanges {
    /// No ranges: every check goes to DNS.
    pub fn new() -> Self {
        Self::default()
    }

    /// Loads `operator`'s ranges from a file in Google's and Bing's JSON
    /// format (`googlebot.json`, `bingbot.json`), replacing earlier ones.
    pub fn load(&mut self, operator: &str, json: &str) -> Result<(), ScoreError> {
        let invalid =
            |path: String, message: String| ScoreError::InvalidCrawlerRanges { path, message };
        let op = OPERATORS
            .iter()
            .find(|o| o.name == operator)
            .ok_or_else(|| invalid("operator".into(), format!("unknown operator '{operator}'")))?;
        let de = &mut serde_json::Deserializer::from_str(json);
        let file: RangesFile = serde_path_to_error::deserialize(de)
            .map_err(|e| invalid(e.path().to_string(), e.inner().to_string()))?;
        let mut nets = Vec::with_capacity(file.prefixes.len());
        for (i, p) in file.prefixes.iter().enumerate() {
            let text = p.ipv4.as_deref().or(p.ipv6.as_deref()).ok_or_else(|| {
                invalid(
                    format!("prefixes[{i}]"),
                    "no ipv4Prefix or ipv6Prefix".into(),
                )
            })?;
            nets.push(text.to_owned());
        }
        let set = IpSet::from_strs(&nets).map_err(|e| invalid("prefixes".into(), e.to_string()))?;
        self.sets.insert(op.name, (set, file.creation_time));
        Ok(())
    }

    /// The date of `operator`'s loaded ranges (the file's `creationTime`).
    pub fn date(&self, operator: &str) -> Option<&str> {
        self.sets.get(operator).map(|(_, d)| d.as_str())
    }

    fn lookup(&self, operator: &str) -> Option<&IpSet> {
        self.sets.get(operator).map(|(s, _)| s)
    }
}

/// What a check concluded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CrawlerVerdict {
    /// The address is the operator's (`givt`: a real crawler).
    VerifiedBot,
    /// The address is not the operator's (`sivt`).
    Impersonator,
    /// No answer in time: neither believed nor refused.
    Unverified,
}

impl CrawlerVerdict {
    /// `verified_bot`, `impersonator` or `unverified`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::VerifiedBot => "verified_bot",
            Self::Impersonator => "impersonator",
            Self::Unverified => "unverified",
        }
    }
}

/// A lookup the check needs. JSON: `{"ptr": "66.249.66.1"}` or
/// `{"addresses": "crawl-66-249-66-1.googlebot.com"}`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Question {
    /// The PTR names of this address.
    Ptr(IpAddr),
    /// The A and AAAA addresses of this name.
    Addresses(String),
}

/// The caller's answer to a [`Question`]. JSON: `{"names": [...]}`,
/// `{"addresses": [...]}`, `"not_found"` or `"no_answer"`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Answer {
    /// PTR names (for [`Question::Ptr`]).
    Names(Vec<String>),
    /// Addresses (for [`Question::Addresses`]).
    Addresses(Vec<IpAddr>),
    /// The name does not exist or has no such records (NXDOMAIN, NODATA).
    NotFound,
    /// No answer in time, a server failure, or the caller's quota refused
    /// the lookup.
    NoAnswer,
}

/// The next step of a check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Resolve this and call [`CrawlerCheck::answer`].
    Lookup(CrawlerCheck, Question),
    /// The check is over.
    Done(&'static Operator, CrawlerVerdict),
}

/// A check in progress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrawlerCheck {
    operator: &'static Operator,
    ip: IpAddr,
    /// The PTR name being confirmed, once known.
    host: Option<String>,
}

impl CrawlerCheck {
    /// Starts checking `ip`'s claim to be the crawler its user agent names;
    /// `None` when the user agent claims no operator this knows.
    pub fn start(user_agent: &str, ip: IpAddr, ranges: &CrawlerRanges) -> Option<Step> {
        let operator = claimed_operator(user_agent)?;
        let ip = crate::ip::canonical(ip);
        if let Some(set) = ranges.lookup(operator.name) {
            if set.contains(ip) {
                return Some(Step::Done(operator, CrawlerVerdict::VerifiedBot));
            }
            if operator.domains.is_empty() {
                return Some(Step::Done(operator, CrawlerVerdict::Impersonator));
            }
        }
        if operator.domains.is_empty() {
            return Some(Step::Done(operator, CrawlerVerdict::Unverified));
        }
        let check = Self {
            operator,
            ip,
            host: None,
        };
        Some(Step::Lookup(check, Question::Ptr(ip)))
    }

    /// The operator claimed.
    pub fn operator(&self) -> &'static Operator {
        self.operator
    }

    /// Takes the answer to the last question.
    pub fn answer(self, answer: Answer) -> Step {
        let done = |v| Step::Done(self.operator, v);
        match (&self.host, answer) {
            (_, Answer::NoAnswer) => done(CrawlerVerdict::Unverified),
            (_, Answer::NotFound) => done(CrawlerVerdict::Impersonator),
            (None, Answer::Names(names)) => {
                let Some(host) = names.iter().find_map(|n| self.in_domain(n)) else {
                    return done(CrawlerVerdict::Impersonator);
                };
                let question = Question::Addresses(host.clone());
                Step::Lookup(
                    Self {
                        host: Some(host),
                        ..self
                    },
                    question,
                )
            }
            (Some(_), Answer::Addresses(addrs)) => {
                let back = addrs.iter().any(|a| crate::ip::canonical(*a) == self.ip);
                done(if back {
                    CrawlerVerdict::VerifiedBot
                } else {
                    CrawlerVerdict::Impersonator
                })
            }
            // An answer of the wrong kind proves nothing.
            _ => done(CrawlerVerdict::Unverified),
        }
    }

    /// `name` (lower-cased, without its trailing dot) when it lies inside
    /// one of the operator's domains, at a label boundary.
    fn in_domain(&self, name: &str) -> Option<String> {
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        self.operator
            .domains
            .iter()
            .any(|d| {
                name.len() > d.len()
                    && name.ends_with(d)
                    && name.as_bytes()[name.len() - d.len() - 1] == b'.'
            })
            .then_some(name)
    }
}

/// Where a check stands: the operator claimed, and either its verdict or
/// the next question. JSON: `{"operator": "google", "verdict":
/// "verified_bot"}` or `{"operator": "google", "question": {"ptr": ...}}`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CheckState {
    /// The operator claimed (`google`, `bing`, ...).
    pub operator: &'static str,
    /// The verdict, once the check is over.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verdict: Option<CrawlerVerdict>,
    /// The lookup needed next, while it is not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub question: Option<Question>,
}

/// Replays a check with the answers given so far, in order: where it
/// stands, or `None` when the user agent claims no operator this knows. For
/// callers that keep no state between lookups (the C, Python and Node
/// surfaces): ask, resolve, call again with one more answer. More answers
/// than the check asked for are an error.
pub fn check_crawler(
    user_agent: &str,
    ip: IpAddr,
    ranges: &CrawlerRanges,
    answers: &[Answer],
) -> Result<Option<CheckState>, ScoreError> {
    let Some(mut step) = CrawlerCheck::start(user_agent, ip, ranges) else {
        return Ok(None);
    };
    for (i, answer) in answers.iter().enumerate() {
        step = match step {
            Step::Lookup(check, _) => check.answer(answer.clone()),
            Step::Done(..) => {
                return Err(ScoreError::InvalidCrawlerAnswers {
                    message: format!("answer {i} came after the check was over"),
                })
            }
        };
    }
    Ok(Some(match step {
        Step::Lookup(check, question) => CheckState {
            operator: check.operator.name,
            verdict: None,
            question: Some(question),
        },
        Step::Done(operator, verdict) => CheckState {
            operator: operator.name,
            verdict: Some(verdict),
            question: None,
        },
    }))
}

/// Parses answers from JSON (an array of [`Answer`]s).
pub fn answers_from_json(json: &str) -> Result<Vec<Answer>, ScoreError> {
    crate::json::strict(json).map_err(|e| ScoreError::InvalidCrawlerAnswers {
        message: format!("{}: {}", e.path, e.message),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOGLEBOT: &str =
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";

    fn lookup(step: Option<Step>) -> (CrawlerCheck, Question) {
        match step {
            Some(Step::Lookup(c, q)) => (c, q),
            other => panic!("{other:?}"),
        }
    }

    fn verdict(step: Step) -> CrawlerVerdict {
        match step {
            Step::Done(_, v) => v,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn forward_confirmed_reverse_dns() {
        let ip: IpAddr = "66.249.66.1".parse().unwrap();
        let (c, q) = lookup(CrawlerCheck::start(GOOGLEBOT, ip, &CrawlerRanges::new()));
        assert_eq!(q, Question::Ptr(ip));
        let (c2, q) = match c.clone().answer(Answer::Names(vec![
            "crawl-66-249-66-1.googlebot.com.".into(),
        ])) {
            Step::Lookup(c, q) => (c, q),
            other => panic!("{other:?}"),
        };
        assert_eq!(
            q,
            Question::Addresses("crawl-66-249-66-1.googlebot.com".into())
        );
        assert_eq!(
            verdict(c2.clone().answer(Answer::Addresses(vec![ip]))),
            CrawlerVerdict::VerifiedBot
        );
        let other: IpAddr = "66.249.66.2".parse().unwrap();
        assert_eq!(
            verdict(c2.clone().answer(Answer::Addresses(vec![other]))),
            CrawlerVerdict::Impersonator
        );
        assert_eq!(
            verdict(c2.answer(Answer::NoAnswer)),
            CrawlerVerdict::Unverified
        );
        for name in [
            "evilgooglebot.com",
            "googlebot.com.evil.example",
            "googlebot.com",
        ] {
            assert_eq!(
                verdict(c.clone().answer(Answer::Names(vec![name.into()]))),
                CrawlerVerdict::Impersonator,
                "{name}"
            );
        }
        assert_eq!(
            verdict(c.clone().answer(Answer::NotFound)),
            CrawlerVerdict::Impersonator
        );
        assert_eq!(
            verdict(c.answer(Answer::NoAnswer)),
            CrawlerVerdict::Unverified
        );
    }

    #[test]
    fn published_ranges_decide_first() {
        let mut r = CrawlerRanges::new();
        r.load("google", r#"{"creationTime": "2026-11-30T23:00:00.000000", "prefixes": [{"ipv6Prefix": "2001:4860:4801:10::/64"}, {"ipv4Prefix": "66.249.64.0/27"}]}"#).unwrap();
        assert_eq!(r.date("google"), Some("2026-11-30T23:00:00.000000"));
        let inside = CrawlerCheck::start(GOOGLEBOT, "66.249.64.5".parse().unwrap(), &r).unwrap();
        assert_eq!(verdict(inside), CrawlerVerdict::VerifiedBot);
        // Outside the file, Google's operator still has DNS to ask.
        lookup(CrawlerCheck::start(
            GOOGLEBOT,
            "203.0.113.9".parse().unwrap(),
            &r,
        ));
        let mut meta = CrawlerRanges::new();
        meta.load(
            "facebook",
            r#"{"prefixes": [{"ipv4Prefix": "69.63.176.0/20"}]}"#,
        )
        .unwrap();
        let fb = "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)";
        assert_eq!(
            verdict(CrawlerCheck::start(fb, "69.63.180.1".parse().unwrap(), &meta).unwrap()),
            CrawlerVerdict::VerifiedBot
        );
        assert_eq!(
            verdict(CrawlerCheck::start(fb, "203.0.113.9".parse().unwrap(), &meta).unwrap()),
            CrawlerVerdict::Impersonator
        );
        assert_eq!(
            verdict(
                CrawlerCheck::start(fb, "203.0.113.9".parse().unwrap(), &CrawlerRanges::new())
                    .unwrap()
            ),
            CrawlerVerdict::Unverified
        );
        assert!(
            CrawlerCheck::start("Mozilla/5.0 Chrome/131", "203.0.113.9".parse().unwrap(), &r)
                .is_none()
        );
    }

    #[test]
    fn bad_range_files_are_refused_with_the_place() {
        let mut r = CrawlerRanges::new();
        for (json, path) in [
            (
                r#"{"prefixes": [{"ipv4Prefix": "66.249.64.0/33"}]}"#,
                "prefixes",
            ),
            (r#"{"prefixes": [{}]}"#, "prefixes[0]"),
            (r#"{"prefixes": 5}"#, "prefixes"),
            (r#"[]"#, "."),
        ] {
            let e = r.load("google", json).unwrap_err();
            assert_eq!(e.code(), "invalid_crawler_ranges");
            assert!(e.to_string().contains(path), "{json}: {e}");
        }
        assert!(r.load("altavista", "{}").is_err());
    }
}
