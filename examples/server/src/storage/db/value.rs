//! Values crossing into and out of either database: one parameter type and
//! one row type, so every query is written once for both backends.

use super::super::{StoreError, StoreResult};

/// A column value or statement parameter, as both engines can hold it.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// SQL NULL.
    Null,
    /// Any integer (SQLite INTEGER, PostgreSQL BIGINT / INTEGER / BOOLEAN).
    Int(i64),
    /// A float (REAL, DOUBLE PRECISION, or a NUMERIC aggregate).
    Real(f64),
    /// Text.
    Text(String),
    /// Bytes (BLOB, BYTEA).
    Blob(Vec<u8>),
}

/// Anything that can be bound as a statement parameter.
pub trait Param: Sync {
    /// The value bound.
    fn value(&self) -> Value;
}

impl Param for Value {
    fn value(&self) -> Value {
        self.clone()
    }
}
impl Param for i64 {
    fn value(&self) -> Value {
        Value::Int(*self)
    }
}
impl Param for i32 {
    fn value(&self) -> Value {
        Value::Int(i64::from(*self))
    }
}
impl Param for u32 {
    fn value(&self) -> Value {
        Value::Int(i64::from(*self))
    }
}
impl Param for bool {
    fn value(&self) -> Value {
        Value::Int(i64::from(*self))
    }
}
impl Param for f64 {
    fn value(&self) -> Value {
        Value::Real(*self)
    }
}
impl Param for str {
    fn value(&self) -> Value {
        Value::Text(self.to_owned())
    }
}
impl Param for String {
    fn value(&self) -> Value {
        Value::Text(self.clone())
    }
}
impl Param for [u8] {
    fn value(&self) -> Value {
        Value::Blob(self.to_vec())
    }
}
impl Param for Vec<u8> {
    fn value(&self) -> Value {
        Value::Blob(self.clone())
    }
}
impl<T: Param + ?Sized> Param for &T {
    fn value(&self) -> Value {
        (**self).value()
    }
}
impl<T: Param> Param for Option<T> {
    fn value(&self) -> Value {
        self.as_ref().map_or(Value::Null, Param::value)
    }
}

/// Statement parameters: `params![a, b, c]`.
macro_rules! params {
    () => { &[] as &[&dyn $crate::storage::db::Param] };
    ($($p:expr),+ $(,)?) => { &[$(&$p as &dyn $crate::storage::db::Param),+] as &[&dyn $crate::storage::db::Param] };
}
pub(crate) use params;

/// One result row, read into [`Value`]s.
#[derive(Debug, Clone)]
pub struct Row(pub(crate) Vec<Value>);

impl Row {
    /// Column `i` as `T`; a type mismatch is a [`StoreError::Column`].
    pub fn get<T: FromValue>(&self, i: usize) -> StoreResult<T> {
        let v = self.0.get(i).unwrap_or(&Value::Null);
        T::from_value(v).ok_or_else(|| StoreError::Column {
            index: i,
            found: format!("{v:?}").chars().take(40).collect(),
        })
    }

    /// The row's values, in column order.
    pub fn into_values(self) -> Vec<Value> {
        self.0
    }
}

/// A Rust type a column reads into.
pub trait FromValue: Sized {
    /// `None` when `v` cannot be read as `Self`.
    fn from_value(v: &Value) -> Option<Self>;
}

impl FromValue for Value {
    fn from_value(v: &Value) -> Option<Self> {
        Some(v.clone())
    }
}
impl FromValue for i64 {
    fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::Int(i) => Some(*i),
            // NUMERIC sums and averages of integers come back exact.
            Value::Real(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Some(*f as i64),
            _ => None,
        }
    }
}
impl FromValue for bool {
    fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::Int(i) => Some(*i != 0),
            _ => None,
        }
    }
}
impl FromValue for f64 {
    fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::Int(i) => Some(*i as f64),
            Value::Real(f) => Some(*f),
            _ => None,
        }
    }
}
impl FromValue for String {
    fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::Text(s) => Some(s.clone()),
            _ => None,
        }
    }
}
impl FromValue for Vec<u8> {
    fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::Blob(b) => Some(b.clone()),
            Value::Text(s) => Some(s.clone().into_bytes()),
            _ => None,
        }
    }
}
impl<T: FromValue> FromValue for Option<T> {
    fn from_value(v: &Value) -> Option<Self> {
        match v {
            Value::Null => Some(None),
            other => T::from_value(other).map(Some),
        }
    }
}
