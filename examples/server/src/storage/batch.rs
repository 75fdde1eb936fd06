//! Rows written together (group commit): plain clicks, pixel events.
//!
//! A click with nothing to react to, or a storefront's pixel event, is
//! queued here and acknowledged only once its row is committed. One batch
//! is in flight at a time; while it is, further clicks queue, and the next
//! batch takes up to [`MAX_BATCH`] of them in one multi-row `INSERT` (one
//! statement, one commit, one round trip on PostgreSQL). A second batch
//! (at most [`RUNNERS`]) starts only when more rows wait than one batch
//! takes, that is when one writer cannot keep up. The one-time tickets the
//! clicks consumed are kept in the same commit: on PostgreSQL in the same
//! statement (a data-modifying `WITH`), on SQLite in the same transaction.
//! Nothing waits for company: under light load a click goes alone at once,
//! under load batches grow by themselves, and a click's longest extra wait
//! is the batch in flight before its own (a few milliseconds, measured in
//! BENCHMARKS.md).
//!
//! Why a second batch waits for a full queue: two batches always in
//! flight halved every batch (5 rows on average at 16,000 clicks/s on
//! PostgreSQL), and each statement costs the database and the server a
//! fixed price (parse, wake-ups, commit) that a bigger batch shares;
//! with one in flight until the queue is full, PostgreSQL's CPU per
//! click fell by two fifths and throughput rose by a quarter
//! (BENCHMARKS.md, change 29).
//!
//! Fewer, larger inserts are also what keeps PostgreSQL's tail short: a
//! connection per event, each inserting its one row into the same table,
//! queued on the table's extension lock (one waiter held the others for
//! 400–840 ms on two cores, pixels from two instances; BENCHMARKS.md).
//!
//! A batch runs as a task of its own, so a client that hangs up cancels
//! nothing of anyone else's. A batch the database refuses (rather than
//! cannot reach) is retried row by row, so one bad row fails only itself.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::oneshot;

use super::clicks::{ticket_upsert, TICKET_ROW};
use super::db::{Backend, Value};
use super::work::Work;
use super::{StoreError, StoreResult};

/// Batches in flight at once, per table, at most (the second only while
/// more rows wait than one batch takes: [`starts_runner`]).
pub const RUNNERS: usize = 2;
/// Rows in one batch at most (13 parameters each at most: far under both
/// engines' parameter limits).
pub const MAX_BATCH: usize = 64;
/// Rows waiting at most, per table. Past it a row is refused as the
/// database being unavailable (503 with `Retry-After`) rather than queued:
/// a flood beyond what the database writes cannot grow the queue, nor
/// everyone's wait, without bound.
pub const MAX_QUEUED: usize = 4096;

/// A table batches write into.
#[derive(Clone, Copy, Debug)]
pub(super) struct Table {
    /// Its name.
    pub name: &'static str,
    /// The columns a row gives, in the order of its values.
    pub columns: &'static str,
    /// Values per row.
    pub width: usize,
}

/// One row and the ticket its click consumed.
struct Queued {
    values: Vec<Value>,
    ticket: Option<[Value; TICKET_ROW]>,
}

/// One queued row and where its id goes.
struct Pending {
    row: Queued,
    reply: oneshot::Sender<StoreResult<i64>>,
}

#[derive(Default)]
struct Queue {
    rows: VecDeque<Pending>,
    running: usize,
}

/// The queue of one table's rows waiting for their commit.
pub struct Batches {
    table: Table,
    queue: Mutex<Queue>,
}

/// Where batches are written.
#[derive(Clone)]
pub(super) struct Target {
    pub backend: Arc<Backend>,
    pub work: Work,
    pub statements: Arc<AtomicU64>,
}

impl Batches {
    /// Batches for `table`.
    pub(super) fn new(table: Table) -> Self {
        Self {
            table,
            queue: Mutex::default(),
        }
    }

    /// Queues a row (`values`, one per column) and the ticket its click
    /// consumed; the answer is its id once both are committed. Starts a
    /// batch task when [`starts_runner`] says so. Call from a runtime.
    pub(super) fn submit(
        self: &Arc<Self>,
        target: &Target,
        values: Vec<Value>,
        ticket: Option<[Value; TICKET_ROW]>,
    ) -> oneshot::Receiver<StoreResult<i64>> {
        let (reply, answer) = oneshot::channel();
        let start = {
            let mut q = self.queue.lock().unwrap_or_else(PoisonError::into_inner);
            if q.rows.len() >= MAX_QUEUED {
                let _ = reply.send(Err(StoreError::Unavailable(format!(
                    "too many {} rows waiting for the database",
                    self.table.name
                ))));
                return answer;
            }
            q.rows.push_back(Pending {
                row: Queued { values, ticket },
                reply,
            });
            let start = starts_runner(q.running, q.rows.len());
            if start {
                q.running += 1;
            }
            start
        };
        if start {
            tokio::spawn(Arc::clone(self).run(target.clone()));
        }
        answer
    }

    /// Writes batches until the queue is empty.
    async fn run(self: Arc<Self>, target: Target) {
        loop {
            let batch: Vec<Pending> = {
                let mut q = self.queue.lock().unwrap_or_else(PoisonError::into_inner);
                if q.rows.is_empty() {
                    // Decided under the lock a submitter takes: no row is
                    // left behind without a runner.
                    q.running -= 1;
                    return;
                }
                let n = q.rows.len().min(MAX_BATCH);
                q.rows.drain(..n).collect()
            };
            write(&target, self.table, batch).await;
        }
    }
}

/// Whether a row just queued, making `waiting` rows, starts a batch task
/// beside the `running` ones: the first at once (nothing waits for
/// company), another only when more rows wait than the running one's next
/// batch takes (one writer falls behind), never more than [`RUNNERS`].
fn starts_runner(running: usize, waiting: usize) -> bool {
    running == 0 || (running < RUNNERS && waiting > MAX_BATCH)
}

/// Inserts `batch` and answers each row.
async fn write(target: &Target, table: Table, batch: Vec<Pending>) {
    let (values, replies): (Vec<Queued>, Vec<_>) =
        batch.into_iter().map(|p| (p.row, p.reply)).unzip();
    match insert(target, table, &values).await {
        Ok(ids) => {
            for (reply, id) in replies.into_iter().zip(ids) {
                let _ = reply.send(Ok(id));
            }
        }
        Err(e) if values.len() > 1 && !e.is_unavailable() => {
            for (row, reply) in values.into_iter().zip(replies) {
                let one = insert(target, table, std::slice::from_ref(&row)).await;
                let _ =
                    reply.send(one.and_then(|ids| ids.first().copied().ok_or(StoreError::NoRow)));
            }
        }
        Err(e) if replies.len() == 1 => {
            if let Some(reply) = replies.into_iter().next() {
                let _ = reply.send(Err(e));
            }
        }
        Err(e) => {
            // The database cannot be reached: every row is told so.
            let message = e.to_string();
            for reply in replies {
                let _ = reply.send(Err(StoreError::Unavailable(message.clone())));
            }
        }
    }
}

/// The rows' tickets, their values in a row, in order of tag: every
/// batch takes its tickets' locks in one order, so two instances keeping
/// the same tickets at once (a signature replayed to both, without
/// `--redis`; or the same tags in reverse order, which an attacker can
/// choose) wait for each other instead of deadlocking, which would refuse
/// both batches and send every click in them row by row.
fn in_lock_order(rows: &[Queued]) -> Vec<Value> {
    fn tag(t: &[Value; TICKET_ROW]) -> &str {
        match &t[0] {
            Value::Text(tag) => tag,
            _ => "",
        }
    }
    let mut kept: Vec<&[Value; TICKET_ROW]> =
        rows.iter().filter_map(|r| r.ticket.as_ref()).collect();
    kept.sort_by(|a, b| tag(a).cmp(tag(b)));
    kept.into_iter().flatten().cloned().collect()
}

/// One multi-row `INSERT`, after the rows' tickets; the ids in row order.
/// Both engines number rows in the order one statement inserts them (a
/// sequence on PostgreSQL, the next rowid on SQLite) but neither promises
/// `RETURNING`'s order, so the ids are sorted.
async fn insert(target: &Target, table: Table, rows: &[Queued]) -> StoreResult<Vec<i64>> {
    let mut sql = format!("INSERT INTO {} ({}) VALUES ", table.name, table.columns);
    for r in 0..rows.len() {
        let first = r * table.width + 1;
        let marks: Vec<String> = (first..first + table.width)
            .map(|i| format!("?{i}"))
            .collect();
        if r > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        sql.push_str(&marks.join(", "));
        sql.push(')');
    }
    sql.push_str(" RETURNING id");
    let params: Vec<Value> = rows.iter().flat_map(|r| r.values.clone()).collect();
    let tickets = in_lock_order(rows);
    target.statements.fetch_add(1, Ordering::Relaxed);
    let answer = if tickets.is_empty() {
        target
            .backend
            .query_owned(&target.work, sql, params)
            .await?
    } else {
        let keep = ticket_upsert(tickets.len() / TICKET_ROW);
        target
            .backend
            .query_owned_after(&target.work, (keep, tickets), (sql, params))
            .await?
    };
    let mut ids = answer
        .iter()
        .map(|row| row.get::<i64>(0))
        .collect::<StoreResult<Vec<i64>>>()?;
    if ids.len() != rows.len() {
        return Err(StoreError::Vanished(table.name));
    }
    ids.sort_unstable();
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_alone_starts_a_batch_at_once() {
        assert!(starts_runner(0, 1));
    }

    #[test]
    fn a_second_batch_starts_only_when_one_cannot_take_the_queue() {
        // Rows queued behind a batch in flight wait for it and go together.
        for waiting in 1..=MAX_BATCH {
            assert!(!starts_runner(1, waiting), "{waiting} rows waiting");
        }
        assert!(starts_runner(1, MAX_BATCH + 1));
    }

    #[test]
    fn never_more_than_runners_batches_are_in_flight() {
        assert!(!starts_runner(RUNNERS, MAX_QUEUED));
    }
}
