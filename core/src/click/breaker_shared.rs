//! The circuit breaker's counts shared by a fleet through Redis, so every
//! instance's breaker sees all the fleet's clicks, not its own share.
//!
//! Pure: the script's text, its keys and arguments, and the decoding of its
//! reply. The script keeps the in-process breaker's minute counts (valid and
//! failed per minute over the last hour) and failing networks (the last 60
//! minutes, at most 1,024) and returns the sums [`BreakerSums::trip`]
//! judges; the rule itself stays in Rust, written once. Time is Redis's
//! clock, so every instance counts into the same minute.
//!
//! The two keys share one hash tag (`{prefix}`), so the script is Redis
//! Cluster safe; both expire by themselves when idle.

use super::breaker::BreakerSums;
use super::BreakerTrip;
use crate::ip::Source;
use crate::rate::RateError;

/// The script. `KEYS`: the counts hash and the sources sorted set
/// ([`shared_breaker_keys`]). `ARGV[1]`: `v` (a valid click), `f` (a failed
/// one) or `forget` (an operator's re-enable: drop every failure);
/// `ARGV[2]`: the failing network ([`shared_breaker_source`]); `ARGV[3]`
/// (tests only): a fixed time instead of Redis's clock. Returns `{}` for
/// `v` and `forget`, and for `f`
/// `{window_valid, window_failed, recent_valid, sources, now}` (recent:
/// the last 50 minutes).
pub const BREAKER_LUA: &str = r#"
local counts, sources, op = KEYS[1], KEYS[2], ARGV[1]
if op == 'forget' then
  for _, f in ipairs(redis.call('HKEYS', counts)) do
    local kind = string.sub(f, 1, 1)
    if kind == 'f' or kind == 'c' then redis.call('HDEL', counts, f) end
  end
  redis.call('DEL', sources)
  return {}
end
local now = tonumber(ARGV[3] or redis.call('TIME')[1])
local minute = math.floor(now / 60)
-- 'p': the newest minute seen; a clock that stepped back counts there.
local last = tonumber(redis.call('HGET', counts, 'p'))
if last ~= nil and minute < last then minute = last end
if last ~= minute then
  -- Once a minute: drop the minutes that left the two-hour ring.
  for _, f in ipairs(redis.call('HKEYS', counts)) do
    local kind = string.sub(f, 1, 1)
    if (kind == 'v' or kind == 'f') and tonumber(string.sub(f, 2)) <= minute - 60 then
      redis.call('HDEL', counts, f)
    end
  end
  redis.call('HSET', counts, 'p', minute)
end
redis.call('EXPIRE', counts, 3660)
if op == 'v' then
  redis.call('HINCRBY', counts, 'v' .. minute, 1)
  return {}
end
local cur_failed = redis.call('HINCRBY', counts, 'f' .. minute, 1)
local cur_valid = tonumber(redis.call('HGET', counts, 'v' .. minute) or '0')
-- The past minutes' sums change only when the minute does: cached ('c*').
local cache = redis.call('HMGET', counts, 'cm', 'cwv', 'cwf', 'crv')
local wv, wf, rv = 0, 0, 0
if tonumber(cache[1]) == minute then
  wv, wf, rv = tonumber(cache[2]), tonumber(cache[3]), tonumber(cache[4])
else
  local flat = redis.call('HGETALL', counts)
  for i = 1, #flat, 2 do
    local kind = string.sub(flat[i], 1, 1)
    if kind == 'v' or kind == 'f' then
      local m, n = tonumber(string.sub(flat[i], 2)), tonumber(flat[i + 1])
      if m < minute then
        if m >= minute - 59 then
          if kind == 'v' then wv = wv + n else wf = wf + n end
        end
        if kind == 'v' and m >= minute - 49 then rv = rv + n end
      end
    end
  end
  redis.call('HSET', counts, 'cm', minute, 'cwv', wv, 'cwf', wf, 'crv', rv)
end
redis.call('ZADD', sources, minute, ARGV[2])
redis.call('ZREMRANGEBYSCORE', sources, '-inf', '(' .. (minute - 59))
local n = redis.call('ZCARD', sources)
if n > 1024 then
  redis.call('ZPOPMIN', sources, n - 1024)
  n = 1024
end
redis.call('EXPIRE', sources, 3660)
return { wv + cur_valid, wf + cur_failed, rv + cur_valid, n, now }
"#;

/// The script's two keys under `prefix` (one hash tag, one slot).
pub fn shared_breaker_keys(prefix: &str) -> [String; 2] {
    [
        format!("{{{prefix}}}:counts"),
        format!("{{{prefix}}}:sources"),
    ]
}

/// The script's `ARGV[2]` for a failure from `source` (an address, an
/// `Option<IpAddr>`, or a [`Source`] with its autonomous system): its
/// [`Source::key`] in hex, or `-` when the source is not known (all such
/// failures are one network, as in-process).
pub fn shared_breaker_source(source: impl Into<Source>) -> String {
    source
        .into()
        .key()
        .map_or_else(|| "-".to_owned(), |key| format!("{key:032x}"))
}

/// What the script counted at one failed click.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SharedBreakerCounts {
    /// The fleet's counts over the breaker's windows, this click included.
    pub sums: BreakerSums,
    /// Distinct failing networks in the last 60 minutes (at most 1,024).
    pub sources: u64,
    /// The script's time (Redis's clock), unix seconds.
    pub now: u64,
}

impl SharedBreakerCounts {
    /// The trip these counts call for, judged by the in-process rule.
    pub fn trip(&self) -> Option<BreakerTrip> {
        self.sums.trip(self.now, |_| self.sources)
    }
}

/// Reads the script's reply to a failed click (five integers);
/// [`RateError::BadReply`] for any other shape.
pub fn decode_breaker_reply(reply: &[i64]) -> Result<SharedBreakerCounts, RateError> {
    let &[window_valid, window_failed, recent_valid, sources, now] = reply else {
        return Err(RateError::BadReply(format!("{} values", reply.len())));
    };
    let count = |v: i64| u64::try_from(v).map_err(|_| RateError::BadReply(format!("count {v}")));
    Ok(SharedBreakerCounts {
        sums: BreakerSums {
            window_valid: count(window_valid)?,
            window_failed: count(window_failed)?,
            recent_valid: count(recent_valid)?,
        },
        sources: count(sources)?,
        now: crate::check_time(count(now)?)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_sources_and_replies() {
        assert_eq!(
            shared_breaker_keys("cf:breaker"),
            ["{cf:breaker}:counts", "{cf:breaker}:sources"]
        );
        let a = shared_breaker_source(Some([198, 51, 100, 7].into()));
        assert_eq!(a, shared_breaker_source(Some([198, 51, 100, 200].into())));
        assert_ne!(a, shared_breaker_source(Some([198, 51, 101, 7].into())));
        assert_eq!(shared_breaker_source(None), "-");
        let c = decode_breaker_reply(&[0, 100, 0, 25, 1_700_000_000]).unwrap();
        assert_eq!(c.trip().map(|t| (t.failed, t.sources)), Some((100, 25)));
        let c = decode_breaker_reply(&[0, 100, 0, 19, 1_700_000_000]).unwrap();
        assert!(c.trip().is_none(), "19 networks");
        let c = decode_breaker_reply(&[0, 100, 1, 25, 1_700_000_000]).unwrap();
        assert!(c.trip().is_none(), "a valid click in the last 50 minutes");
        for bad in [&[1, 2][..], &[0, -1, 0, 0, 5]] {
            assert_eq!(
                decode_breaker_reply(bad).unwrap_err().code(),
                "rate_bad_reply"
            );
        }
    }
}
