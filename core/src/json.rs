//! Strict JSON for configuration and signals written by others: one value
//! and nothing after it, no repeated keys.
//!
//! serde_json on its own ignores nothing after a value only when asked
//! (`Deserializer::end`), and lets a repeated map key overwrite the first,
//! so `{"enabled": false} {"enabled": true}` or a rules file naming a rule
//! twice would be read as something its author did not see.

use std::collections::HashSet;
use std::fmt;

use serde::de::{self, DeserializeOwned, Deserializer, MapAccess, SeqAccess, Visitor};

/// A parse failure: where (`rules.tor_exit`, `(root)`) and what.
pub(crate) struct JsonError {
    pub path: String,
    pub message: String,
}

/// Parses `text` as exactly one JSON value of type `T`, refusing trailing
/// data and repeated object keys anywhere in it.
pub(crate) fn strict<T: DeserializeOwned>(text: &str) -> Result<T, JsonError> {
    let de = &mut serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize::<_, Unique>(&mut *de).map_err(located)?;
    de.end().map_err(|e| JsonError {
        path: "(root)".into(),
        message: format!("{e}: only one JSON value is allowed"),
    })?;
    let de = &mut serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(de).map_err(located)
}

fn located(e: serde_path_to_error::Error<serde_json::Error>) -> JsonError {
    let path = e.path().to_string();
    JsonError {
        path: if path == "." { "(root)".into() } else { path },
        message: e.inner().to_string(),
    }
}

/// Walks any JSON value, failing on the first repeated key of an object.
struct Unique;

impl<'de> de::Deserialize<'de> for Unique {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(UniqueVisitor)
    }
}

struct UniqueVisitor;

impl<'de> Visitor<'de> for UniqueVisitor {
    type Value = Unique;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<Unique, E> {
        Ok(Unique)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Unique, E> {
        Ok(Unique)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Unique, E> {
        Ok(Unique)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Unique, E> {
        Ok(Unique)
    }
    fn visit_str<E>(self, _: &str) -> Result<Unique, E> {
        Ok(Unique)
    }
    fn visit_unit<E>(self) -> Result<Unique, E> {
        Ok(Unique)
    }
    fn visit_none<E>(self) -> Result<Unique, E> {
        Ok(Unique)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Unique, D::Error> {
        de::Deserialize::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Unique, A::Error> {
        while seq.next_element::<Unique>()?.is_some() {}
        Ok(Unique)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Unique, A::Error> {
        let mut seen = HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            if !seen.insert(key.clone()) {
                return Err(de::Error::custom(format!("the key '{key}' appears twice")));
            }
            map.next_value::<Unique>()?;
        }
        Ok(Unique)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_value_and_unique_keys_only() {
        let ok: serde_json::Value = strict(r#" {"a": [1, {"b": 2}]} "#).unwrap_or_default();
        assert_eq!(ok["a"][1]["b"], 2);
        let trailing = strict::<serde_json::Value>(r#"{"a": 1} {"a": 2}"#)
            .err()
            .unwrap();
        assert!(
            trailing.message.contains("only one JSON value"),
            "{}",
            trailing.message
        );
        let twice = strict::<serde_json::Value>(r#"{"x": {"a": 1, "a": 2}}"#)
            .err()
            .unwrap();
        assert_eq!(twice.path, "x");
        assert!(twice.message.contains("'a' appears twice"));
    }
}
