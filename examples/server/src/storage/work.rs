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
use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

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
pub struct Work(Option<Sender<Job>>, Option<Arc<Semaphore>>);

/// The work did not complete: it panicked, or its thread is gone.
#[derive(Debug, thiserror::Error)]
#[error("database work did not complete: {0}")]
pub struct WorkLost(&'static str);

impl Work {
    /// The blocking pool.
    pub fn pool() -> Self {
        Self(None, None)
    }

    /// The blocking pool, `permits` jobs at a time, admitted in the order
    /// they arrive (PostgreSQL, one per connection blocking work may hold).
    /// A job past them waits here, in line, instead of at the connection
    /// pool, whose waiters are woken in no order: a newcomer takes a freed
    /// connection ahead of a thread that waited, so under load some
    /// requests waited hundreds of milliseconds (pixels on two instances:
    /// p99 318–569 ms; 51 ms with connections enough for every job).
    pub fn pool_gated(permits: usize) -> Self {
        Self(None, Some(Arc::new(Semaphore::new(permits.max(1)))))
    }

    /// A place in line for blocking work a caller runs itself (hold it
    /// until the work is done); `None` where work is not gated.
    pub async fn admit(&self) -> Option<OwnedSemaphorePermit> {
        let gate = Arc::clone(self.1.as_ref()?);
        gate.acquire_owned().await.ok()
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
        Ok(Self(Some(tx), None))
    }

    /// Runs `f` there and waits for its answer without blocking the
    /// caller's async worker.
    pub async fn run<R: Send + 'static>(
        self,
        f: impl FnOnce() -> R + Send + 'static,
    ) -> Result<R, WorkLost> {
        let Some(queue) = self.0.clone() else {
            let _place = self.admit().await;
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Mutex;

    /// Gated work runs its permits' worth of jobs at a time, started in
    /// the order they arrived (here: one permit, eight jobs put in line in
    /// order by one task polling them in turn, no timing involved).
    #[tokio::test]
    async fn gated_work_runs_in_line() {
        let work = Work::pool_gated(1);
        let (running, most) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let started = Arc::new(Mutex::new(Vec::new()));
        let jobs = (0..8).map(|i| {
            let (running, most, started) = (
                Arc::clone(&running),
                Arc::clone(&most),
                Arc::clone(&started),
            );
            work.clone().run(move || {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                started.lock().unwrap().push(i);
                std::thread::sleep(std::time::Duration::from_millis(5));
                running.fetch_sub(1, Ordering::SeqCst);
            })
        });
        for done in futures_util::future::join_all(jobs).await {
            done.unwrap();
        }
        assert_eq!(most.load(Ordering::SeqCst), 1);
        assert_eq!(*started.lock().unwrap(), (0..8).collect::<Vec<_>>());
    }
}
