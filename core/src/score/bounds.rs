//! Length caps of what a client sends and a server stores: no browser sends
//! a `User-Agent` over a few hundred bytes or a `Referer` over 4 KiB, so
//! longer ones are cut to these caps before they are stored
//! (at a character boundary), and their length is itself evidence
//! (`oversized_header`).

/// The longest `User-Agent` stored, in bytes; longer ones score
/// `oversized_header`.
pub const USER_AGENT_MAX: usize = 512;
/// The longest `Referer` stored, in bytes; longer ones score
/// `oversized_header` (Chrome and Firefox cut a longer referrer to its
/// origin, so no browser sends one).
pub const REFERRER_MAX: usize = 4096;
/// The longest click id kept as given (longer ones are hashed into keys,
/// see [`client_key`](crate::rate::client_key)) and stored.
pub const CLICK_ID_MAX: usize = 256;

/// `text` cut to at most `max` bytes at a character boundary, and whether
/// it was cut.
pub fn bounded(text: &str, max: usize) -> (&str, bool) {
    if text.len() <= max {
        return (text, false);
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    (&text[..end], true)
}

/// Whether a `User-Agent` or `Referer` is longer than its cap.
pub fn oversized(user_agent: Option<&str>, referrer: Option<&str>) -> bool {
    user_agent.is_some_and(|u| u.len() > USER_AGENT_MAX)
        || referrer.is_some_and(|r| r.len() > REFERRER_MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cut_at_character_boundaries() {
        assert_eq!(bounded("abc", 3), ("abc", false));
        assert_eq!(bounded("abcd", 3), ("abc", true));
        assert_eq!(bounded("aé", 2), ("a", true), "é is two bytes");
        assert_eq!(bounded("", 0), ("", false));
        assert!(oversized(Some(&"x".repeat(513)), None));
        assert!(!oversized(Some(&"x".repeat(512)), Some(&"r".repeat(4096))));
        assert!(oversized(None, Some(&"r".repeat(4097))));
    }
}
