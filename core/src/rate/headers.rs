//! Rendering a decision as HTTP headers.

use super::RateDecision;

impl RateDecision {
    /// The spec's headers plus the reset time and the IETF draft pair:
    /// `X-RateLimit-Limit`, `X-RateLimit-Remaining`, `X-RateLimit-Reset`
    /// (epoch seconds when the full quota is back), `Retry-After` (only when
    /// refused, whole seconds), `RateLimit-Policy: "default";q=<limit>;w=<window>`
    /// and `RateLimit: "default";r=<remaining>;t=<seconds to full quota>`.
    ///
    /// ```
    /// use clickfence::rate::{Quota, RateLimiter};
    /// let limiter = RateLimiter::new(Quota::default());
    /// let headers = limiter.check("k", 1_700_000_000)?.headers();
    /// assert_eq!(headers[0], ("X-RateLimit-Limit", "60".to_string()));
    /// assert_eq!(headers[4], ("RateLimit", "\"default\";r=59;t=60".to_string()));
    /// # Ok::<(), clickfence::rate::RateError>(())
    /// ```
    pub fn headers(&self) -> Vec<(&'static str, String)> {
        let mut out = vec![
            ("X-RateLimit-Limit", self.limit.to_string()),
            ("X-RateLimit-Remaining", self.remaining.to_string()),
            (
                "X-RateLimit-Reset",
                (self.now + self.reset_after).to_string(),
            ),
            (
                "RateLimit-Policy",
                format!("\"default\";q={};w={}", self.limit, self.window),
            ),
            (
                "RateLimit",
                format!("\"default\";r={};t={}", self.remaining, self.reset_after),
            ),
        ];
        if let Some(retry) = self.retry_after.filter(|_| !self.allowed) {
            out.push(("Retry-After", retry.max(1).to_string()));
        }
        out
    }
}
