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
pub const SLIDING_WINDOW_LUA: &str = r#"
local key = KEYS[1]
local limit, window, cost = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local now = tonumber(ARGV[4] or redis.call('TIME')[1])
local flat = redis.call('HGETALL', key)
local entries = {}
for i = 1, #flat, 2 do
  entries[#entries + 1] = { tonumber(flat[i]), tonumber(flat[i + 1]) }
end
table.sort(entries, function(a, b) return a[1] < b[1] end)
-- Work at the newest second seen if the clock stepped back.
if #entries > 0 and entries[#entries][1] > now then
  now = entries[#entries][1]
end
local kept, used = {}, 0
for _, e in ipairs(entries) do
  if e[1] + window <= now then
    redis.call('HDEL', key, e[1])
  else
    kept[#kept + 1] = e
    used = used + e[2]
  end
end
local allowed = used + cost <= limit
local retry = -1
if allowed then
  if cost > 0 then
    local last = kept[#kept]
    if last ~= nil and last[1] >= now then
      last[2] = last[2] + cost
      redis.call('HINCRBY', key, last[1], cost)
    else
      kept[#kept + 1] = { now, cost }
      redis.call('HINCRBY', key, now, cost)
    end
    used = used + cost
  end
else
  local need, freed = used + cost - limit, 0
  for _, e in ipairs(kept) do
    freed = freed + e[2]
    if freed >= need then
      retry = e[1] + window - now
      break
    end
  end
end
local reset = 0
if #kept > 0 then
  reset = kept[#kept][1] + window - now
  redis.call('EXPIRE', key, reset)
end
local remaining = limit - used
if remaining < 0 then remaining = 0 end
return { allowed and 1 or 0, remaining, reset, retry, now }
"#;

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
/// hour), as [`VelocityCounter`](super::VelocityCounter) keeps them.
/// `KEYS[1]`: the key. `ARGV`: events to record (0: only read), and (tests
/// only) a fixed time. Returns `{last_minute, last_hour}`.
pub const VELOCITY_LUA: &str = r#"
local key = KEYS[1]
local count = tonumber(ARGV[1])
local now = tonumber(ARGV[2] or redis.call('TIME')[1])
local flat = redis.call('HGETALL', key)
local minute, hour = {}, {}
for i = 1, #flat, 2 do
  local kind, start = string.sub(flat[i], 1, 1), tonumber(string.sub(flat[i], 2))
  local entry = { start, tonumber(flat[i + 1]) }
  if kind == 'm' then minute[#minute + 1] = entry else hour[#hour + 1] = entry end
end
local function sweep(list, window, tag)
  table.sort(list, function(a, b) return a[1] < b[1] end)
  local kept, total = {}, 0
  for _, e in ipairs(list) do
    if e[1] + window <= now then
      redis.call('HDEL', key, tag .. e[1])
    else
      kept[#kept + 1] = e
      total = total + e[2]
    end
  end
  return kept, total
end
local function add(kept, bucket, tag)
  local start = now - now % bucket
  local last = kept[#kept]
  if last ~= nil and last[1] >= start then start = last[1] end
  redis.call('HINCRBY', key, tag .. start, count)
  if last ~= nil and last[1] == start then
    last[2] = last[2] + count
  else
    kept[#kept + 1] = { start, count }
  end
end
local m, mt = sweep(minute, 60, 'm')
local h, ht = sweep(hour, 3600, 'h')
if count > 0 then
  add(m, 1, 'm')
  add(h, 60, 'h')
  mt, ht = mt + count, ht + count
end
if #h > 0 then
  redis.call('EXPIRE', key, h[#h][1] + 3600 - now)
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
