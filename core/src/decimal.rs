//! Decimal integers written and read as ASCII, without allocation.

/// Writes `n` in decimal into `buf` and returns the digits.
pub(crate) fn write_decimal(mut n: u64, buf: &mut [u8; 20]) -> &str {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    // Only ASCII digits were written.
    std::str::from_utf8(&buf[i..]).unwrap_or("0")
}

/// Parses 1 to 19 ASCII digits (no sign, space, dot or exponent); else `None`.
pub(crate) fn parse_decimal(text: &[u8]) -> Option<u64> {
    if text.is_empty() || text.len() > 19 {
        return None;
    }
    text.iter().try_fold(0u64, |n, &b| {
        b.is_ascii_digit().then(|| n * 10 + u64::from(b - b'0'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_every_magnitude() {
        for n in [0, 7, 10, 1_597_657_118, u64::MAX] {
            assert_eq!(write_decimal(n, &mut [0; 20]), n.to_string());
        }
    }

    #[test]
    fn parses_only_plain_digits() {
        assert_eq!(parse_decimal(b"0"), Some(0));
        assert_eq!(parse_decimal(b"0123"), Some(123));
        assert_eq!(
            parse_decimal(b"9999999999999999999"),
            Some(9_999_999_999_999_999_999)
        );
        for bad in [
            &b""[..],
            b"abc",
            b" 123",
            b"1.5",
            b"1e9",
            b"-1",
            b"+1",
            b"12 ",
            b"99999999999999999999",
        ] {
            assert_eq!(parse_decimal(bad), None, "{bad:?}");
        }
    }
}
