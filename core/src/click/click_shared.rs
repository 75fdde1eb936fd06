//! One click's fleet-shared work in one Redis round trip: the one-time
//! ticket's claim, the circuit breaker's count and the click's velocity
//! counters, in one script, so a fleet judges a signed click with the same
//! single round trip as an unsigned one.
//!
//! The order is the point: the claim comes first and decides the rest
//! inside Redis, so a double click counts nothing and a replay never
//! counts as a valid click in the breaker, exactly as the in-process steps
//! ([`ClickVerifier::conclude`](super::ClickVerifier::conclude), then the
//! breaker, then the counters) decide. The script is built from the
//! breaker's and the velocity counters' own scripts (each wrapped as a Lua
//! function, not rewritten), and the one rule the claim needs inside Redis
//! (which earlier use is a double click) arrives as data: the exact values
//! [`Ticket::shared_claim`] would read as [`Claim::Duplicate`], listed by
//! that rule in Rust.
//!
//! Pure, like its parts: the script, its keys and arguments
//! ([`SharedClick`]) and the decoding of its reply. The keys are the
//! ticket's, the breaker's and the counters' own, so the script is for one
//! Redis (or a Cluster whose keys share a slot), as a pipeline of the
//! separate scripts would be.

use std::sync::LazyLock;

use super::breaker_shared::{
    decode_breaker_reply, shared_breaker_source, SharedBreakerCounts, BREAKER_LUA,
};
use super::ticket::{Claim, Ticket, Used};
use super::DUPLICATE_SECONDS;
use crate::ip::Source;
use crate::rate::redis::{decode_velocity, VELOCITY_LUA};
use crate::rate::{RateError, VelocityCounts};

/// The claim, then the breaker, then the counters. `ARGV[1]`: `1` when
/// `KEYS[1]` is a ticket to claim, else `0`; `ARGV[2]`: the breaker's
/// operation (`v`, `f`, or `-` for none), whose two keys follow the
/// ticket's; `ARGV[3]`, `ARGV[4]`: the ticket's value and lifetime;
/// `ARGV[5]`: the breaker's source; `ARGV[6]`: how many duplicate values
/// follow. The remaining keys are velocity counters. Returns
/// `{earlier use or '', breaker reply, minute and hour count per counter}`:
/// the breaker runs only at a first use (or without a ticket), the
/// counters unless the earlier use is a double click.
const CLICK_MAIN_LUA: &str = r#"
local has_ticket, op = ARGV[1] == '1', ARGV[2]
local k, prior = 1, false
if has_ticket then
  prior = redis.call('SET', KEYS[1], ARGV[3], 'NX', 'GET', 'EX', ARGV[4])
  k = 2
end
local duplicate = false
if prior then
  for i = 7, 6 + tonumber(ARGV[6]) do
    if prior == ARGV[i] then duplicate = true end
  end
end
local breaker_reply = {}
if op ~= '-' then
  if not prior then breaker_reply = breaker({ KEYS[k], KEYS[k + 1] }, { op, ARGV[5] }) end
  k = k + 2
end
local counts = {}
if not duplicate then
  for i = k, #KEYS do
    local c = velocity({ KEYS[i] }, { '1' })
    counts[#counts + 1] = c[1]
    counts[#counts + 1] = c[2]
  end
end
return { prior or '', breaker_reply, counts }
"#;

static CLICK_LUA: LazyLock<String> = LazyLock::new(|| {
    [
        "local function breaker(KEYS, ARGV)\n",
        BREAKER_LUA,
        "end\nlocal function velocity(KEYS, ARGV)\n",
        VELOCITY_LUA,
        "end\n",
        CLICK_MAIN_LUA,
    ]
    .concat()
});

/// The script (see [`SharedClick`] for its keys and arguments).
pub fn click_script() -> &'static str {
    &CLICK_LUA
}

/// One click's keys and arguments for [`click_script`], and what is needed
/// to read its answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedClick {
    keys: Vec<String>,
    args: Vec<String>,
    ticket: Option<Ticket>,
    failure: bool,
    counters: usize,
    now: u64,
}

/// What the script found and counted for one click.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedClickAnswer {
    /// The ticket's claim, when there was a ticket.
    pub claim: Option<Claim>,
    /// The fleet's breaker counts, when the click was a counted failure.
    pub breaker: Option<SharedBreakerCounts>,
    /// The counters' answers in the order given, or `None` when nothing
    /// was counted (a double click).
    pub counts: Option<Vec<VelocityCounts>>,
}

impl SharedClick {
    /// A click's shared work at `now`: the `ticket` to claim under
    /// `ticket_prefix`, what the breaker counts if the claim is a first
    /// use (`Some(valid)` and the click's source, with the breaker's two
    /// keys), and the velocity counters' full keys to count unless the
    /// claim is a double click.
    pub fn new(
        ticket: Option<(&Ticket, &str)>,
        breaker: Option<(bool, Source, &[String; 2])>,
        counters: Vec<String>,
        now: u64,
    ) -> Self {
        let mut keys = Vec::with_capacity(3 + counters.len());
        let mut args = vec![
            if ticket.is_some() { "1" } else { "0" }.to_owned(),
            match breaker {
                Some((true, ..)) => "v",
                Some((false, ..)) => "f",
                None => "-",
            }
            .to_owned(),
        ];
        match ticket {
            Some((t, prefix)) => {
                keys.push(t.shared_key(prefix));
                args.push(t.shared_value(now));
                args.push(t.shared_ttl(now).to_string());
            }
            None => args.extend(["-".to_owned(), "1".to_owned()]),
        }
        match breaker {
            Some((_, source, breaker_keys)) => {
                keys.extend(breaker_keys.iter().cloned());
                args.push(shared_breaker_source(source));
            }
            None => args.push("-".to_owned()),
        }
        let duplicates = ticket.map_or_else(Vec::new, |(t, _)| t.duplicate_values(now));
        args.push(duplicates.len().to_string());
        args.extend(duplicates);
        let count = counters.len();
        keys.extend(counters);
        Self {
            keys,
            args,
            ticket: ticket.map(|(t, _)| *t),
            failure: matches!(breaker, Some((false, ..))),
            counters: count,
            now,
        }
    }

    /// Whether the script has nothing to do (no ticket, no breaker count,
    /// no counter): the caller skips the round trip.
    pub fn is_empty(&self) -> bool {
        self.ticket.is_none() && self.args[1] == "-" && self.counters == 0
    }

    /// The script's keys.
    pub fn keys(&self) -> &[String] {
        &self.keys
    }

    /// The script's arguments.
    pub fn args(&self) -> &[String] {
        &self.args
    }

    /// Reads the script's reply: the earlier use (`""` for none), the
    /// breaker's integers and the counters' integers. A reply that does not
    /// match what the script must have done is [`RateError::BadReply`].
    pub fn decode(
        &self,
        prior: &str,
        breaker: &[i64],
        counts: &[i64],
    ) -> Result<SharedClickAnswer, RateError> {
        let bad = |what: String| RateError::BadReply(what);
        let claim = match &self.ticket {
            Some(t) => Some(
                t.shared_claim((!prior.is_empty()).then_some(prior), self.now)
                    .map_err(|e| bad(e.to_string()))?,
            ),
            None if prior.is_empty() => None,
            None => return Err(bad("a claim without a ticket".into())),
        };
        let first = matches!(claim, None | Some(Claim::First));
        let breaker = if self.failure && first {
            Some(decode_breaker_reply(breaker)?)
        } else if breaker.is_empty() {
            None
        } else {
            return Err(bad(format!("{} breaker values", breaker.len())));
        };
        let counts = if claim == Some(Claim::Duplicate) {
            if !counts.is_empty() {
                return Err(bad("a double click counted".into()));
            }
            None
        } else {
            if counts.len() != 2 * self.counters {
                return Err(bad(format!("{} counter values", counts.len())));
            }
            Some(
                counts
                    .chunks_exact(2)
                    .map(decode_velocity)
                    .collect::<Result<Vec<_>, _>>()?,
            )
        };
        Ok(SharedClickAnswer {
            claim,
            breaker,
            counts,
        })
    }
}

impl Ticket {
    /// Every value [`shared_claim`](Self::shared_claim) at `now` reads as
    /// [`Claim::Duplicate`] (an earlier use by this client within
    /// [`DUPLICATE_SECONDS`]), listed by the in-process rule itself.
    pub fn duplicate_values(&self, now: u64) -> Vec<String> {
        (now.saturating_sub(DUPLICATE_SECONDS)..=now)
            .filter(|&at| {
                let used = Used {
                    consumed_at: at,
                    fingerprint: self.fingerprint,
                };
                used.judge(self.fingerprint, now) == Claim::Duplicate
            })
            .map(|at| self.shared_value(at))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::click::UNKNOWN_CLIENT;

    fn ticket(fingerprint: u64) -> Ticket {
        Ticket {
            tag: [7; 32],
            expires_at: 2_000,
            fingerprint,
        }
    }

    #[test]
    fn the_duplicate_values_are_exactly_what_the_claim_reads_as_a_double_click() {
        let t = ticket(0xabc);
        let listed = t.duplicate_values(1_000);
        assert_eq!(listed.len() as u64, DUPLICATE_SECONDS + 1);
        for at in 980..=1_010 {
            let value = t.shared_value(at);
            let claim = t.shared_claim(Some(&value), 1_000).unwrap();
            assert_eq!(listed.contains(&value), claim == Claim::Duplicate, "{at}");
        }
        // Another client's use, or an unknown client's, is never a double click.
        let other = ticket(0xabd).shared_value(1_000);
        assert!(!listed.contains(&other));
        assert!(ticket(UNKNOWN_CLIENT).duplicate_values(1_000).is_empty());
    }

    #[test]
    fn keys_and_arguments_follow_the_script() {
        let t = ticket(1);
        let breaker_keys = ["{b}:counts".to_owned(), "{b}:sources".to_owned()];
        let source = Source::from(Some("192.0.2.1".parse::<std::net::IpAddr>().unwrap()));
        let click = SharedClick::new(
            Some((&t, "t:")),
            Some((true, source, &breaker_keys)),
            vec!["v:1".into(), "v:2".into()],
            1_000,
        );
        assert_eq!(
            click.keys()[1..],
            ["{b}:counts", "{b}:sources", "v:1", "v:2"]
        );
        assert!(click.keys()[0].starts_with("t:"));
        assert_eq!(
            click.args()[..3],
            ["1", "v", t.shared_value(1_000).as_str()]
        );
        assert_eq!(click.args()[5], (DUPLICATE_SECONDS + 1).to_string());
        assert_eq!(click.args().len(), 6 + DUPLICATE_SECONDS as usize + 1);
        let plain = SharedClick::new(None, None, vec![], 1_000);
        assert!(plain.is_empty() && plain.keys().is_empty());
        assert_eq!(plain.args(), ["0", "-", "-", "1", "-", "0"]);
    }

    #[test]
    fn replies_decode_by_what_the_claim_found() {
        let t = ticket(1);
        let keys = ["a".to_owned(), "b".to_owned()];
        let source = Source::from(None::<std::net::IpAddr>);
        let click = SharedClick::new(
            Some((&t, "t:")),
            Some((true, source, &keys)),
            vec!["v".into()],
            1_000,
        );
        let first = click.decode("", &[], &[1, 2]).unwrap();
        assert_eq!(first.claim, Some(Claim::First));
        assert_eq!(first.counts.unwrap()[0].last_hour, 2);
        let double = click.decode(&t.shared_value(999), &[], &[]).unwrap();
        assert_eq!(
            (double.claim, double.counts),
            (Some(Claim::Duplicate), None)
        );
        let replay = click.decode(&t.shared_value(900), &[], &[3, 4]).unwrap();
        assert_eq!(replay.claim, Some(Claim::Replayed));
        for (prior, breaker, counts) in [
            (t.shared_value(999), &[][..], &[1, 2][..]), // a double click counted
            (String::new(), &[], &[]),                   // a first use not counted
            (String::new(), &[1, 2, 3, 4, 5], &[1, 2]),  // a valid click given sums
            ("garbage".into(), &[], &[1, 2]),
        ] {
            let err = click.decode(&prior, breaker, counts).unwrap_err();
            assert_eq!(err.code(), "rate_bad_reply", "{prior:?}");
        }
        let failed = SharedClick::new(None, Some((false, source, &keys)), vec![], 1_000);
        let answer = failed.decode("", &[10, 20, 5, 3, 1_000], &[]).unwrap();
        assert_eq!(answer.breaker.unwrap().sources, 3);
        assert!(failed.decode("x:1", &[10, 20, 5, 3, 1_000], &[]).is_err());
    }
}
