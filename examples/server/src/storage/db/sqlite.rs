//! The SQLite side: rusqlite with its statement cache, values converted at
//! the edge.

use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::Connection;

use super::value::{Param, Row, Value};
use crate::storage::StoreResult;

struct Bound(Value);

impl rusqlite::ToSql for Bound {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match &self.0 {
            Value::Null => ToSqlOutput::Borrowed(ValueRef::Null),
            Value::Int(i) => ToSqlOutput::Borrowed(ValueRef::Integer(*i)),
            Value::Real(f) => ToSqlOutput::Borrowed(ValueRef::Real(*f)),
            Value::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
            Value::Blob(b) => ToSqlOutput::Borrowed(ValueRef::Blob(b)),
        })
    }
}

fn bind(params: &[&dyn Param]) -> Vec<Bound> {
    params.iter().map(|p| Bound(p.value())).collect()
}

fn read(r: &rusqlite::Row<'_>, n: usize) -> rusqlite::Result<Row> {
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        out.push(match r.get_ref(i)? {
            ValueRef::Null => Value::Null,
            ValueRef::Integer(v) => Value::Int(v),
            ValueRef::Real(v) => Value::Real(v),
            ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
            ValueRef::Blob(b) => Value::Blob(b.to_vec()),
        });
    }
    Ok(Row(out))
}

/// Runs `sql` and returns every row.
pub(super) fn query(c: &Connection, sql: &str, params: &[&dyn Param]) -> StoreResult<Vec<Row>> {
    let mut stmt = c.prepare_cached(sql)?;
    let n = stmt.column_count();
    let bound = bind(params);
    let rows = stmt
        .query_map(rusqlite::params_from_iter(bound.iter()), |r| read(r, n))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Runs `sql`; returns the rows it changed.
pub(super) fn execute(c: &Connection, sql: &str, params: &[&dyn Param]) -> StoreResult<u64> {
    let mut stmt = c.prepare_cached(sql)?;
    let bound = bind(params);
    Ok(stmt.execute(rusqlite::params_from_iter(bound.iter()))? as u64)
}
