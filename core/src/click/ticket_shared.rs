//! One-time tickets shared by a fleet through Redis. Pure: the command's
//! key, value and expiry for one ticket, and what Redis's answer means; the
//! caller owns the connection.
//!
//! The command is `SET key value NX GET EX ttl` (Redis 7.0 or later): it
//! stores the ticket if it is new and returns nil, or leaves it and returns
//! the first use's value, in one round trip. Key and value have fixed
//! lengths whatever the client sent (the tag is 32 bytes, the value two
//! numbers), so nothing a client chooses reaches Redis.

use std::fmt::Write as _;

use super::ticket::{Claim, Ticket, Used};
use super::ClickError;

impl Ticket {
    /// The Redis key remembering this ticket: `prefix` and the tag in hex.
    pub fn shared_key(&self, prefix: &str) -> String {
        let mut key = String::with_capacity(prefix.len() + 64);
        key.push_str(prefix);
        for b in self.tag {
            // Writing to a String cannot fail.
            let _ = write!(key, "{b:02x}");
        }
        key
    }

    /// The value stored at first use: `<now>:<fingerprint in hex>`.
    pub fn shared_value(&self, now: u64) -> String {
        format!("{now}:{:016x}", self.fingerprint)
    }

    /// Seconds the key must live at `now`: until the ticket expires, at
    /// least 1.
    pub fn shared_ttl(&self, now: u64) -> u64 {
        self.expires_at.saturating_sub(now).max(1)
    }

    /// The meaning of `SET ... NX GET`'s answer at `now`: `None` (nil) is a
    /// first use; a stored value is the earlier use, judged as the
    /// in-process store judges it. [`ClickError::BadTicketReply`] for a
    /// value this library did not write.
    pub fn shared_claim(&self, reply: Option<&str>, now: u64) -> Result<Claim, ClickError> {
        let Some(reply) = reply else {
            return Ok(Claim::First);
        };
        let bad = || ClickError::BadTicketReply(reply.chars().take(64).collect());
        let (at, fp) = reply.split_once(':').ok_or_else(bad)?;
        let used = Used {
            consumed_at: at.parse().map_err(|_| bad())?,
            fingerprint: u64::from_str_radix(fp, 16).map_err(|_| bad())?,
        };
        Ok(used.judge(self.fingerprint, now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_values_and_replies() {
        let t = Ticket {
            tag: [0xab; 32],
            expires_at: 2000,
            fingerprint: 0x1234,
        };
        assert_eq!(t.shared_key("cf:t:"), format!("cf:t:{}", "ab".repeat(32)));
        assert_eq!(t.shared_value(1000), "1000:0000000000001234");
        assert_eq!(t.shared_ttl(1000), 1000);
        assert_eq!(t.shared_ttl(5000), 1);
        assert_eq!(t.shared_claim(None, 1000), Ok(Claim::First));
        let v = t.shared_value(1000);
        assert_eq!(t.shared_claim(Some(&v), 1002), Ok(Claim::Duplicate));
        assert_eq!(t.shared_claim(Some(&v), 1010), Ok(Claim::Replayed));
        let other = Ticket {
            fingerprint: 1,
            ..t
        };
        assert_eq!(other.shared_claim(Some(&v), 1001), Ok(Claim::Replayed));
        for bad in ["", "1", "x:1", "1:zz"] {
            assert_eq!(
                t.shared_claim(Some(bad), 1000).unwrap_err().code(),
                "bad_ticket_reply"
            );
        }
    }
}
