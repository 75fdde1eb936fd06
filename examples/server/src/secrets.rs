//! How strong an operator's secret is: the admin token, the edge API secret
//! and the metrics token must carry at least [`MIN_SECRET_BITS`] before the
//! server starts, so the shared failure quota (which answers a right
//! credential even past it, owners first) never meets a guessable secret.
//!
//! The estimate is the length times the bits of the alphabet the
//! character classes present span (lower, upper, digits, other), or, for a
//! repetitive text (empirical Shannon entropy under 2.5 bits a character),
//! the length times that entropy. It refuses short, repetitive and low-variety secrets; it cannot
//! know that a long phrase of dictionary words is guessable, so generate
//! secrets (`openssl rand -base64 32`), or leave them unset for a random
//! one.

/// The least estimated entropy a secret may have.
pub const MIN_SECRET_BITS: f64 = 128.0;
/// Below this empirical entropy per character a secret is repetitive, and
/// its length counts only at that rate.
const MIN_VARIETY_BITS: f64 = 2.5;

/// The estimated entropy of `secret`, in bits.
pub fn estimated_bits(secret: &str) -> f64 {
    let chars: Vec<char> = secret.chars().collect();
    if chars.is_empty() {
        return 0.0;
    }
    let mut pool = 0u32;
    for (present, size) in [
        (chars.iter().any(char::is_ascii_lowercase), 26),
        (chars.iter().any(char::is_ascii_uppercase), 26),
        (chars.iter().any(char::is_ascii_digit), 10),
        (chars.iter().any(|c| !c.is_ascii_alphanumeric()), 33),
    ] {
        if present {
            pool += size;
        }
    }
    let mut counts = std::collections::HashMap::new();
    for c in &chars {
        *counts.entry(*c).or_insert(0u32) += 1;
    }
    let n = chars.len() as f64;
    let shannon: f64 = counts
        .values()
        .map(|&k| {
            let p = f64::from(k) / n;
            -p * p.log2()
        })
        .sum();
    // Enough variety: the alphabet decides; too little: the variety does.
    if shannon >= MIN_VARIETY_BITS {
        n * f64::from(pool).log2()
    } else {
        n * shannon
    }
}

/// `Ok` when `secret` (named `what` in the error) is strong enough.
pub fn check(what: &str, secret: &str) -> Result<(), String> {
    let bits = estimated_bits(secret);
    if bits >= MIN_SECRET_BITS {
        return Ok(());
    }
    Err(format!(
        "{what}: about {bits:.0} bits of entropy; at least {MIN_SECRET_BITS:.0} are needed \
         (for example 32 random bytes in base64: `openssl rand -base64 32`)"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_secrets_pass_and_weak_ones_do_not() {
        for strong in [
            "zGW6Rhrmb8+vuhHtL/Kp6rW5Ci9PNsjH1J5MGO9SIeg=",
            "3f9a0c6e1b2d4f8a7c5e9b1d3f0a2c4e",
            "Ab3kP9xQ2mZ7vL5nR8tW1yC4",
        ] {
            assert!(
                check("s", strong).is_ok(),
                "{strong}: {}",
                estimated_bits(strong)
            );
        }
        let generated = crate::tokens::generate().unwrap();
        assert!(check("s", &generated).is_ok());
        for weak in [
            "",
            "admin-token",
            "edge-secret",
            "password1234password1234",
            &"a".repeat(200),
            "abababababababababababababababababababab",
        ] {
            assert!(
                check("s", weak).is_err(),
                "{weak}: {}",
                estimated_bits(weak)
            );
        }
    }
}
