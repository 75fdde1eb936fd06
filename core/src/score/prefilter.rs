//! A literal prefilter for a large pattern list: nearly every user agent is
//! a browser that matches no crawler pattern, and proving that with the
//! whole regex set costs a full lazy-DFA scan over ~1,500 patterns.
//!
//! Every match of a pattern starts with one of its prefix literals, and
//! ends with one of its suffix literals (`regex-syntax`'s extractor); one
//! Aho-Corasick pass over the better of each pattern's two sets finds
//! whether any pattern *could* match. Patterns without a usable literal
//! (under [`MIN_LITERAL`] bytes, or infinitely many) go into a small regex
//! set checked on every user agent. Only when either says "maybe" does the
//! caller run the full set, so the answer is always the full set's.

use aho_corasick::AhoCorasick;
use regex::RegexSet;
use regex_syntax::hir::literal::{ExtractKind, Extractor, Seq};

/// Literals shorter than this would match most user agents.
pub(crate) const MIN_LITERAL: usize = 4;

/// The prefilter of one pattern list.
#[derive(Debug)]
pub(crate) struct Prefilter {
    literals: Option<AhoCorasick>,
    rest: Option<RegexSet>,
    /// How many patterns have no usable literal.
    rest_len: usize,
}

impl Prefilter {
    /// The prefilter of `patterns` (each already known to compile);
    /// `size_limit` bounds the small set as it bounds the full one.
    pub(crate) fn new<'a>(patterns: impl IntoIterator<Item = &'a str>, size_limit: usize) -> Self {
        let mut literals: Vec<Vec<u8>> = Vec::new();
        let mut rest: Vec<&str> = Vec::new();
        for p in patterns {
            match required_literals(p) {
                Some(seq) => literals.extend(seq),
                None => rest.push(p),
            }
        }
        let rest_len = rest.len();
        Self {
            // A failure to build either side makes it match everything, so
            // the full set decides: slower, never wrong.
            literals: AhoCorasick::builder()
                .kind(Some(aho_corasick::AhoCorasickKind::DFA))
                .build(&literals)
                .ok(),
            rest: if rest.is_empty() {
                None
            } else {
                regex::RegexSetBuilder::new(rest)
                    .size_limit(size_limit)
                    .build()
                    .ok()
            },
            rest_len,
        }
        .or_everything(rest_len > 0)
    }

    /// Whether some pattern could match `text` (false: none does).
    pub(crate) fn may_match(&self, text: &str) -> bool {
        let Some(literals) = &self.literals else {
            return true;
        };
        literals.is_match(text) || self.rest.as_ref().is_some_and(|r| r.is_match(text))
    }

    /// How many patterns are checked on every text.
    pub(crate) fn unfiltered(&self) -> usize {
        self.rest_len
    }

    /// When the small set was wanted but did not build, filter nothing.
    fn or_everything(self, wanted_rest: bool) -> Self {
        if wanted_rest && self.rest.is_none() {
            return Self {
                literals: None,
                ..self
            };
        }
        self
    }
}

/// Literals one of which every match of `pattern` contains: its prefix or
/// its suffix literals, whichever set's shortest is longer; `None` when
/// neither is finite with every literal at least [`MIN_LITERAL`] bytes.
fn required_literals(pattern: &str) -> Option<Vec<Vec<u8>>> {
    let hir = regex_syntax::ParserBuilder::new()
        .build()
        .parse(pattern)
        .ok()?;
    let seq = |kind| {
        let mut ex = Extractor::new();
        ex.kind(kind);
        ex.extract(&hir)
    };
    let usable = |s: &Seq| {
        s.min_literal_len()
            .filter(|n| *n >= MIN_LITERAL)
            .map(|n| (n, s.clone()))
    };
    let prefix = usable(&seq(ExtractKind::Prefix));
    let suffix = usable(&seq(ExtractKind::Suffix));
    let (_, best) = match (prefix, suffix) {
        (Some(p), Some(s)) => {
            if s.0 > p.0 {
                s
            } else {
                p
            }
        }
        (p, s) => p.or(s)?,
    };
    Some(
        best.literals()?
            .iter()
            .map(|l| l.as_bytes().to_vec())
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_are_required_and_short_ones_are_refused() {
        assert_eq!(
            required_literals("Googlebot\\/"),
            Some(vec![b"Googlebot/".to_vec()])
        );
        assert_eq!(required_literals("[a-z]+bot"), None, "'bot' is too short");
        assert_eq!(
            required_literals("Mozilla.*AhrefsBot"),
            Some(vec![b"AhrefsBot".to_vec()]),
            "the longer side"
        );
        assert_eq!(required_literals("(?i)crawler").map(|l| l.len()), Some(128));
        assert_eq!(required_literals("a.b"), None);
        assert_eq!(required_literals(".*"), None);
        let p = Prefilter::new(["Googlebot\\/", "x.y"], 1 << 20);
        assert_eq!(p.unfiltered(), 1);
        assert!(p.may_match("Googlebot/2.1"));
        assert!(p.may_match("zxzyz"));
        assert!(!p.may_match("Mozilla/5.0 Chrome/131"));
    }
}
