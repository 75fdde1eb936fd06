//! The sliding window of [`decide`](super::decide), run atomically inside
//! Redis for a fleet sharing its quotas.
//!
//! Pure: the script's text, the arguments it takes and the decoding of its
//! reply. The caller owns the connection (loads the script once, calls it by
//! SHA with `EVALSHA`, falls back to `EVAL` on `NOSCRIPT`), so every surface
//! (the server, Python's and Node's Redis helpers) runs this one script.
//!
//! The state of one key is one Redis hash, `bucket start second -> units`,
//! the same list [`WindowLog`](super::WindowLog) keeps in memory; the key
//! expires by itself when its newest bucket leaves the window, and the
//! script touches that key only (Redis Cluster safe). Time is Redis's clock
//! (`TIME`), so instances with skewed clocks still share one window.

use super::{Quota, RateDecision, RateError};

/// The script. `KEYS[1]`: the limited key. `ARGV`: limit, window seconds,
/// cost, and (tests only) a fixed time instead of Redis's clock. Returns
/// `{allowed (0|1), remaining, reset_after, retry_after (-1: none), now}`.
///
/// Beside the buckets the hash keeps `t` (their total), `o` (the oldest
/// bucket) and `n` (the newest), so a check while no bucket has left the
/// window is O(1); the buckets are read in full only when one has left it
/// (once a second at most) or to say when a refused request would pass.
pub const SLIDING_WINDOW_LUA: &str = r#"
local key = KEYS[1]
local limit, window, cost = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local now = tonumber(ARGV[4] or redis.call('TIME')[1])
local meta = redis.call('HMGET', key, 't', 'o', 'n')
local used, oldest, newest = tonumber(meta[1]), tonumber(meta[2]), tonumber(meta[3])
-- Work at the newest second seen if the clock stepped back.
if newest ~= nil and newest > now then now = newest end
-- The buckets in order (bucket fields are numbers; t, o, n are not).
local function buckets()
  local flat, list = redis.call('HGETALL', key), {}
  for i = 1, #flat, 2 do
    local start = tonumber(flat[i])
    if start ~= nil then list[#list + 1] = { start, tonumber(flat[i + 1]) } end
  end
  table.sort(list, function(a, b) return a[1] < b[1] end)
  return list
end
local kept = nil
if used == nil or oldest == nil or oldest + window <= now then
  -- A bucket left the window (or no totals yet): sweep and recount.
  local all = buckets()
  if #all > 0 and all[#all][1] > now then now = all[#all][1] end
  kept, used, oldest, newest = {}, 0, nil, nil
  for _, e in ipairs(all) do
    if e[1] + window <= now then
      redis.call('HDEL', key, e[1])
    else
      kept[#kept + 1] = e
      used = used + e[2]
      if oldest == nil then oldest = e[1] end
      newest = e[1]
    end
  end
end
local allowed = used + cost <= limit
local retry = -1
if allowed then
  if cost > 0 then
    if newest ~= nil and newest >= now then
      redis.call('HINCRBY', key, newest, cost)
    else
      redis.call('HINCRBY', key, now, cost)
      newest = now
      if oldest == nil then oldest = now end
    end
    used = used + cost
  end
else
  local need, freed = used + cost - limit, 0
  for _, e in ipairs(kept or buckets()) do
    freed = freed + e[2]
    if freed >= need then
      retry = e[1] + window - now
      break
    end
  end
end
local reset = 0
if newest ~= nil then
  reset = newest + window - now
  if newest == tonumber(meta[3]) and oldest == tonumber(meta[2]) then
    -- Same buckets at either end: the expiry (newest + window) stands.
    if used ~= tonumber(meta[1]) then redis.call('HSET', key, 't', used) end
  else
    redis.call('HSET', key, 't', used, 'o', oldest, 'n', newest)
    redis.call('EXPIRE', key, reset)
  end
else
  redis.call('DEL', key)
end
local remaining = limit - used
if remaining < 0 then remaining = 0 end
return { allowed and 1 or 0, remaining, reset, retry, now }
"#;

/// The Redis key for `key` under `prefix`. A key the in-process store
/// refuses (over [`MAX_KEY_LEN`](super::MAX_KEY_LEN) bytes) is refused here
/// too, so a client's text never becomes an unbounded Redis key; build key
/// parts from client text with [`client_key`](super::client_key), which
/// hashes what is long or odd.
pub fn shared_key(prefix: &str, key: &[u8]) -> Result<Vec<u8>, RateError> {
    if key.len() > super::MAX_KEY_LEN {
        return Err(RateError::KeyTooLong(key.len()));
    }
    let mut out = Vec::with_capacity(prefix.len() + key.len());
    out.extend_from_slice(prefix.as_bytes());
    out.extend_from_slice(key);
    Ok(out)
}

/// The script's arguments for one check: `[limit, window, cost]`, as the
/// strings Redis takes. Refuses what [`decide`](super::decide) refuses.
pub fn script_args(quota: Quota, cost: u32) -> Result<[String; 3], RateError> {
    if cost > quota.limit() {
        return Err(RateError::CostExceedsLimit {
            cost,
            limit: quota.limit(),
        });
    }
    Ok([
        quota.limit().to_string(),
        quota.window().to_string(),
        cost.to_string(),
    ])
}

/// Reads the script's reply (five integers) as the decision
/// [`decide`](super::decide) would have made. A reply of another shape is
/// [`RateError::BadReply`].
pub fn decode_reply(quota: Quota, reply: &[i64]) -> Result<RateDecision, RateError> {
    let &[allowed, remaining, reset, retry, now] = reply else {
        return Err(RateError::BadReply(format!("{} values", reply.len())));
    };
    let unsigned = |v: i64, what: &'static str| {
        u64::try_from(v).map_err(|_| RateError::BadReply(format!("{what} {v}")))
    };
    if !(0..=1).contains(&allowed) {
        return Err(RateError::BadReply(format!("allowed {allowed}")));
    }
    let now = crate::check_time(unsigned(now, "now")?)?;
    Ok(RateDecision {
        allowed: allowed == 1,
        limit: quota.limit(),
        remaining: u32::try_from(unsigned(remaining, "remaining")?)
            .map_err(|_| RateError::BadReply(format!("remaining {remaining}")))?,
        reset_after: unsigned(reset, "reset_after")?,
        retry_after: if retry < 0 {
            None
        } else {
            Some(unsigned(retry, "retry_after")?)
        },
        window: quota.window(),
        now,
    })
}

/// The velocity script: one hash per key holding both windows (`m<start>`
/// one-second buckets for the minute, `h<start>` one-minute buckets for the
/// hour), as [`VelocityCounter`](super::VelocityCounter) keeps them, with
/// each window's total, oldest and newest bucket (`mt mo mn`, `ht ho hn`)
/// so a click costs O(1) until a bucket leaves its window.
/// `KEYS[1]`: the key. `ARGV`: events to record (0: only read), and (tests
/// only) a fixed time. Returns `{last_minute, last_hour}`.
pub const VELOCITY_LUA: &str = r#"
local key = KEYS[1]
local count = tonumber(ARGV[1])
local now = tonumber(ARGV[2] or redis.call('TIME')[1])
local meta = redis.call('HMGET', key, 'mt', 'mo', 'mn', 'ht', 'ho', 'hn')
local flat = nil
local function window(tag, bucket, span, total, oldest, newest)
  if total == nil or oldest == nil or oldest + span <= now then
    -- A bucket left the window (or no totals yet): sweep and recount.
    flat = flat or redis.call('HGETALL', key)
    total, oldest, newest = 0, nil, nil
    for i = 1, #flat, 2 do
      local field = flat[i]
      local start = tonumber(string.sub(field, 2))
      if string.sub(field, 1, 1) == tag and start ~= nil then
        if start + span <= now then
          redis.call('HDEL', key, field)
        else
          total = total + tonumber(flat[i + 1])
          if oldest == nil or start < oldest then oldest = start end
          if newest == nil or start > newest then newest = start end
        end
      end
    end
  end
  if count > 0 then
    local start = now - now % bucket
    if newest ~= nil and newest >= start then start = newest end
    redis.call('HINCRBY', key, tag .. start, count)
    total, newest = total + count, start
    if oldest == nil then oldest = start end
  end
  return total, oldest, newest
end
local mt, mo, mn = window('m', 1, 60, tonumber(meta[1]), tonumber(meta[2]), tonumber(meta[3]))
local ht, ho, hn = window('h', 60, 3600, tonumber(meta[4]), tonumber(meta[5]), tonumber(meta[6]))
if hn ~= nil then
  redis.call('HSET', key, 'ht', ht, 'ho', ho, 'hn', hn)
  if mn ~= nil then
    redis.call('HSET', key, 'mt', mt, 'mo', mo, 'mn', mn)
  else
    redis.call('HDEL', key, 'mt', 'mo', 'mn')
  end
  redis.call('EXPIRE', key, hn + 3600 - now)
else
  redis.call('DEL', key)
end
return { mt, ht }
"#;

/// Reads the velocity script's reply (two integers).
pub fn decode_velocity(reply: &[i64]) -> Result<super::VelocityCounts, RateError> {
    let &[minute, hour] = reply else {
        return Err(RateError::BadReply(format!("{} values", reply.len())));
    };
    let count = |v: i64| u64::try_from(v).map_err(|_| RateError::BadReply(format!("count {v}")));
    Ok(super::VelocityCounts {
        last_minute: count(minute)?,
        last_hour: count(hour)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_keys_are_bounded_as_in_process_keys() {
        assert_eq!(shared_key("p:", b"k").unwrap(), b"p:k");
        let longest = vec![b'a'; crate::rate::MAX_KEY_LEN];
        assert!(shared_key("p:", &longest).is_ok());
        let err = shared_key("p:", &[b'a'; crate::rate::MAX_KEY_LEN + 1]).unwrap_err();
        assert_eq!(err.code(), "rate_key_too_long");
    }

    #[test]
    fn replies_decode_and_bad_ones_are_refused() {
        let q = Quota::new(60, 60).unwrap();
        let d = decode_reply(q, &[0, 0, 42, 7, 1_700_000_000]).unwrap();
        assert!(!d.allowed);
        assert_eq!(
            (d.remaining, d.reset_after, d.retry_after, d.now),
            (0, 42, Some(7), 1_700_000_000)
        );
        let d = decode_reply(q, &[1, 59, 60, -1, 5]).unwrap();
        assert!(d.allowed && d.retry_after.is_none());
        for bad in [
            &[1, 2, 3][..],
            &[2, 0, 0, -1, 5],
            &[1, -1, 0, -1, 5],
            &[1, 0, 0, -1, -5],
        ] {
            assert_eq!(decode_reply(q, bad).unwrap_err().code(), "rate_bad_reply");
        }
        assert_eq!(script_args(q, 61).unwrap_err().code(), "cost_exceeds_limit");
        assert_eq!(script_args(q, 1).unwrap(), ["60", "60", "1"]);
    }
}
