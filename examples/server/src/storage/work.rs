//! Where the hot paths' database work runs, off the async workers.
//!
//! A SQLite store has one connection, so its work goes to one thread of
//! its own that drains a queue: under load the thread never parks between
//! jobs and nothing else contends for the connection, where a hop to
//! tokio's blocking pool per call woke a thread per request and had dozens
//! of them queue on the connection's lock (most of a platform read's cost,
//! measured with `perf`). A PostgreSQL store's pooled connections serve
//! many calls at once, so its work takes the blocking pool, where each
//! statement drives its own connection on the waiting thread
//! ([`may_block`]).

use std::cell::Cell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc::{channel, Sender};

thread_local! {
    /// Set on threads of tokio's blocking pool that run our jobs.
    static MAY_BLOCK: Cell<bool> = const { Cell::new(false) };
}

/// Whether this thread may block on a runtime of its own: a blocking-pool
/// thread running our work, never an async worker (where starting a
/// runtime panics) nor a caller inside `block_on` (a test's body). A
/// PostgreSQL statement on such a thread drives its connection right there,
/// so no other thread is woken to send or receive it.
pub fn may_block() -> bool {
    MAY_BLOCK.with(Cell::get)
}

/// `tokio::task::spawn_blocking` for database work: the job runs where
/// [`may_block`] holds.
pub fn spawn_blocking<R: Send + 'static>(
    f: impl FnOnce() -> R + Send + 'static,
) -> tokio::task::JoinHandle<R> {
    tokio::task::spawn_blocking(move || {
        // A blocking-pool thread stays one: the mark outlives the job.
        MAY_BLOCK.with(|m| m.set(true));
        f()
    })
}

/// A job for the SQLite thread.
type Job = Box<dyn FnOnce() + Send>;

/// A handle to where a store's work runs; cheap to clone.
#[derive(Clone, Debug)]
pub struct Work(Option<Sender<Job>>);

/// The work did not complete: it panicked, or its thread is gone.
#[derive(Debug, thiserror::Error)]
#[error("database work did not complete: {0}")]
pub struct WorkLost(&'static str);

impl Work {
    /// The blocking pool (PostgreSQL).
    pub fn pool() -> Self {
        Self(None)
    }

    /// A thread of its own, named `name`, for as long as a handle lives.
    pub fn dedicated(name: &str) -> std::io::Result<Self> {
        let (tx, rx) = channel::<Job>();
        std::thread::Builder::new()
            .name(name.to_owned())
            .spawn(move || {
                for job in rx {
                    job();
                }
            })?;
        Ok(Self(Some(tx)))
    }

    /// Runs `f` there and waits for its answer without blocking the
    /// caller's async worker.
    pub async fn run<R: Send + 'static>(
        self,
        f: impl FnOnce() -> R + Send + 'static,
    ) -> Result<R, WorkLost> {
        let Some(queue) = self.0 else {
            return spawn_blocking(f)
                .await
                .map_err(|_| WorkLost("the blocking task failed"));
        };
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            // A panicking job must not take the thread (and every later
            // job) with it; its caller learns it failed.
            let _ = tx.send(catch_unwind(AssertUnwindSafe(f)));
        });
        queue
            .send(job)
            .map_err(|_| WorkLost("the database thread is gone"))?;
        match rx.await {
            Ok(Ok(r)) => Ok(r),
            Ok(Err(_)) => Err(WorkLost("the job panicked")),
            Err(_) => Err(WorkLost("the database thread is gone")),
        }
    }
}
