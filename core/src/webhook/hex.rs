//! Lower-case hex for 32-byte tags, without allocation.

/// Writes `tag` as 64 lower-case hex bytes.
pub(crate) fn encode(tag: &[u8; 32]) -> [u8; 64] {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = [0u8; 64];
    for (i, b) in tag.iter().enumerate() {
        out[2 * i] = DIGITS[usize::from(b >> 4)];
        out[2 * i + 1] = DIGITS[usize::from(b & 0x0f)];
    }
    out
}

/// Decodes exactly 64 lower-case hex bytes; anything else is `None`.
pub(crate) fn decode(text: &[u8]) -> Option<[u8; 32]> {
    if text.len() != 64 {
        return None;
    }
    let nibble = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    };
    let mut out = [0u8; 32];
    for (i, pair) in text.chunks_exact(2).enumerate() {
        out[i] = (nibble(pair[0])? << 4) | nibble(pair[1])?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_upper_case() {
        let tag: [u8; 32] = std::array::from_fn(|i| (i * 37) as u8);
        let text = encode(&tag);
        assert_eq!(decode(&text), Some(tag));
        assert_eq!(decode(&text.to_ascii_uppercase()), None);
        assert_eq!(decode(&text[..63]), None);
        assert_eq!(decode(b""), None);
    }
}
