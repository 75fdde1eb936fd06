//! The core's sliding window run inside a real Redis
//! (`clickfence::rate::redis::SLIDING_WINDOW_LUA`) against the core's own
//! `decide`: random traffic over many keys, quotas, costs and clock steps
//! (forward, repeated, backward) must give identical decisions and headers.
//!
//! Redis: `CLICKFENCE_TEST_REDIS` (`redis://host:port`) when set, otherwise
//! a throwaway `redis-server` on a free loopback port (scripts/setup.sh
//! installs it from Debian).

use std::collections::HashMap;

use clickfence::rate::redis::{decode_reply, script_args, SLIDING_WINDOW_LUA};
use clickfence::rate::{decide, Quota, WindowLog};

mod common;

fn redis() -> (redis::Connection, Option<common::RedisChild>) {
    if let Ok(url) = std::env::var("CLICKFENCE_TEST_REDIS") {
        let client = redis::Client::open(url).unwrap();
        return (client.get_connection().unwrap(), None);
    }
    let (child, port) = common::redis_server(None);
    let client = redis::Client::open(format!("redis://127.0.0.1:{port}")).unwrap();
    (client.get_connection().unwrap(), Some(child))
}

/// A small deterministic generator (xorshift), so a failure replays.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

#[test]
fn the_script_decides_exactly_as_the_core() {
    let (mut con, _server) = redis();
    let script = redis::Script::new(SLIDING_WINDOW_LUA);
    let prefix = format!("cf-test:{}:", std::process::id());
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut clock: u64 = 1_700_000_000;
    let mut logs: HashMap<u64, WindowLog> = HashMap::new();
    let quotas: Vec<Quota> = (0..8)
        .map(|_| Quota::new(1 + rng.below(20) as u32, 1 + rng.below(120)).unwrap())
        .collect();
    let mut refused = 0;
    for step in 0..5000 {
        // Mostly small steps forward; sometimes none, a jump, or a step back.
        clock = match rng.below(20) {
            0 => clock.saturating_sub(rng.below(5)),
            1 => clock + 30 + rng.below(150),
            2..=7 => clock,
            _ => clock + rng.below(3),
        };
        let key = rng.below(quotas.len() as u64);
        let quota = quotas[key as usize];
        let cost = rng.below(u64::from(quota.limit()) / 2 + 2) as u32;
        let log = logs.entry(key).or_default();
        let expected = decide(log, clock, quota, cost);
        let args = script_args(quota, cost);
        let (expected, args) = match (expected, args) {
            (Err(a), Err(b)) => {
                assert_eq!(a, b, "step {step}");
                continue;
            }
            (Ok(d), Ok(args)) => (d, args),
            (a, b) => panic!("step {step}: core {a:?}, script arguments {b:?}"),
        };
        let reply: Vec<i64> = script
            .key(format!("{prefix}{key}"))
            .arg(&args[0])
            .arg(&args[1])
            .arg(&args[2])
            .arg(clock)
            .invoke(&mut con)
            .unwrap();
        let got = decode_reply(quota, &reply).unwrap();
        assert_eq!(
            got, expected,
            "step {step}: key {key}, cost {cost}, now {clock}"
        );
        refused += usize::from(!got.allowed);
    }
    assert!(
        refused > 100,
        "the traffic reaches the limits ({refused} refusals)"
    );
}

#[test]
fn redis_keeps_the_time_and_the_key_expires_with_the_window() {
    let (mut con, _server) = redis();
    let script = redis::Script::new(SLIDING_WINDOW_LUA);
    let key = format!("cf-test:{}:clock", std::process::id());
    let quota = Quota::new(2, 30).unwrap();
    let args = script_args(quota, 1).unwrap();
    let run = |con: &mut redis::Connection| {
        let reply: Vec<i64> = script
            .key(&key)
            .arg(&args[0])
            .arg(&args[1])
            .arg(&args[2])
            .invoke(con)
            .unwrap();
        decode_reply(quota, &reply).unwrap()
    };
    let first = run(&mut con);
    let system = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!(first.now.abs_diff(system) <= 2, "Redis's clock decides");
    assert!(first.allowed && first.remaining == 1);
    assert!(run(&mut con).allowed);
    let third = run(&mut con);
    assert!(!third.allowed);
    assert!(matches!(third.retry_after, Some(1..=30)));
    let ttl: i64 = redis::cmd("TTL").arg(&key).query(&mut con).unwrap();
    assert!(
        (1..=30).contains(&ttl),
        "the key expires with its newest bucket ({ttl} s)"
    );
}

#[test]
fn the_velocity_script_counts_exactly_as_the_core() {
    use clickfence::rate::redis::{decode_velocity, VELOCITY_LUA};
    use clickfence::rate::VelocityCounter;
    let (mut con, _server) = redis();
    let script = redis::Script::new(VELOCITY_LUA);
    let prefix = format!("cf-test:{}:velocity:", std::process::id());
    let counter = VelocityCounter::new(1000);
    let mut rng = Rng(0xD1B5_4A32_D192_ED03);
    let mut clock: u64 = 1_700_000_000;
    for step in 0..4000 {
        clock = match rng.below(25) {
            0 => clock.saturating_sub(rng.below(90)),
            1 => clock + 600 + rng.below(3600),
            2..=9 => clock,
            10..=17 => clock + rng.below(3),
            _ => clock + rng.below(40),
        };
        let key = format!("k{}", rng.below(6));
        let record = rng.below(5) != 0;
        let expected = if record {
            counter.record(&key, clock)
        } else {
            counter.peek(&key, clock)
        }
        .unwrap();
        let reply: Vec<i64> = script
            .key(format!("{prefix}{key}"))
            .arg(u32::from(record))
            .arg(clock)
            .invoke(&mut con)
            .unwrap();
        assert_eq!(
            decode_velocity(&reply).unwrap(),
            expected,
            "step {step}: key {key}, now {clock}, record {record}"
        );
    }
}

#[test]
fn the_shared_replay_guard_accepts_each_delivery_once_within_the_tolerance() {
    use clickfence::webhook::{
        shared_replay_key, shared_replay_outcome, shared_replay_ttl, ReplayGuard, Verified,
    };
    let (mut con, _server) = redis();
    let prefix = format!("cf-test:{}:replay:", std::process::id());
    let tolerance = 1;
    let guard = ReplayGuard::new(tolerance, 1000);
    let now = || {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs()
    };
    let mut shared = |v: &Verified, at: u64| {
        let was_set: Option<String> = redis::cmd("SET")
            .arg(shared_replay_key(&prefix, v).unwrap())
            .arg(1)
            .arg("NX")
            .arg("EX")
            .arg(shared_replay_ttl(v, tolerance, at).unwrap())
            .query(&mut con)
            .unwrap();
        shared_replay_outcome(was_set.is_some()).map_err(|e| e.code())
    };
    let start = now();
    let deliveries: Vec<Verified> = (0..20u8)
        .map(|n| Verified::new(0, start, [n; 32]))
        .collect();
    for round in 0..3 {
        for v in &deliveries {
            let at = now();
            let core = guard.check(v, at).map_err(|e| e.code());
            assert_eq!(shared(v, at), core, "round {round}");
            assert_eq!(core.is_ok(), round == 0, "round {round}");
        }
    }
    // Past the tolerance both forget the pair (the verifier itself would
    // refuse its timestamp by then).
    while now() <= start + tolerance + 1 {
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let at = now();
    assert_eq!(
        shared(&deliveries[0], at),
        guard.check(&deliveries[0], at).map_err(|e| e.code())
    );
    assert!(shared(&deliveries[1], at).is_ok());
}

/// The breaker's shared counts (`clickfence::click::breaker_shared`) against
/// the in-process breaker: hours of random traffic in phases (genuine
/// clicks, floods from few and from many networks, a signer that broke,
/// more networks than either remembers), re-enabled after each trip; every
/// click must trip, or not, alike, with the same trip record.
#[test]
fn the_shared_breaker_trips_exactly_as_the_in_process_one() {
    use clickfence::click::breaker_shared::{
        decode_breaker_reply, shared_breaker_keys, shared_breaker_source, BREAKER_LUA,
    };
    use clickfence::{ClickVerifier, Mode};
    use std::net::IpAddr;

    let (mut con, _server) = redis();
    let script = redis::Script::new(BREAKER_LUA);
    let keys = shared_breaker_keys(&format!("cf-test:{}:breaker", std::process::id()));
    let local = ClickVerifier::new(Mode::Enabled, true);
    let shared = ClickVerifier::new(Mode::Enabled, true);
    let mut rng = Rng(0xD1B5_4A32_D192_ED03);
    let mut now: u64 = 1_700_000_000;
    let (mut trips, mut floods_survived) = (0, 0);
    for phase in 0..40 {
        // (networks failing, share of genuine clicks in %), per phase.
        let (networks, genuine) = match rng.below(5) {
            0 => (3, 95),
            1 => (1 + rng.below(19), 10),
            2 => (500, 30),
            3 => (200, 0),
            _ => (3000, 5),
        };
        let mut tripped_here = false;
        for _ in 0..(200 + rng.below(600)) {
            now += rng.below(12);
            let valid = rng.below(100) < genuine;
            let net = rng.below(networks) as u32;
            let source = IpAddr::from([10 + (net >> 16) as u8, (net >> 8) as u8, net as u8, 9]);
            let source = (rng.below(50) != 0).then_some(source);
            let expected = local.count_breaker(valid, source, now);
            let op = if valid { "v" } else { "f" };
            let mut call = script.key(&keys[0]);
            call.key(&keys[1])
                .arg(op)
                .arg(shared_breaker_source(source))
                .arg(now);
            let reply: Vec<i64> = call.invoke(&mut con).unwrap();
            let got = if valid {
                assert!(reply.is_empty(), "{reply:?}");
                false
            } else {
                shared.apply_shared_breaker(&decode_breaker_reply(&reply).unwrap())
            };
            assert_eq!(got, expected, "phase {phase} at {now}: {reply:?}");
            assert_eq!(shared.breaker_trip(), local.breaker_trip(), "phase {phase}");
            if got {
                trips += 1;
                tripped_here = true;
                // The operator re-enables: both forget the failures.
                local.set_mode(Mode::Enabled, now);
                shared.set_mode(Mode::Enabled, now);
                let mut forget = script.key(&keys[0]);
                forget.key(&keys[1]).arg("forget").arg("-");
                let _: Vec<i64> = forget.invoke(&mut con).unwrap();
            }
        }
        if networks >= 20 && genuine >= 30 && !tripped_here {
            floods_survived += 1;
        }
    }
    assert!(trips >= 3, "{trips} trips");
    assert!(
        floods_survived >= 2,
        "{floods_survived} floods beside genuine traffic"
    );
}
