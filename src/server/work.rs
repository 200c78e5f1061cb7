//! Work in flight: the engine is synchronous and CPU-bound, so each evaluation runs on tokio's
//! blocking pool holding a slot of a bounded pool (single applicants and rounds apart, so that a
//! slow round never starves single requests); a request over the bound waits briefly, then gets
//! 503. Every request has a deadline (30 s single, 10 min a round): past it the answer is 408
//! and a round's cancel flag is raised, which the round checks between its phases, so that it
//! stops and gives its slot back.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::AppState;
use super::error::ApiError;
use crate::progress::{Count, Progress};

/// Which pool of slots a piece of work takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Single,
    Round,
}

/// A slot of `kind`, waited for at most `wait`; else 503 with `Retry-After`.
async fn slot(
    slots: &Arc<Semaphore>,
    wait: Duration,
    retry: u64,
) -> Result<OwnedSemaphorePermit, ApiError> {
    match tokio::time::timeout(wait, slots.clone().acquire_owned()).await {
        Ok(Ok(permit)) => Ok(permit),
        _ => Err(ApiError::busy(retry)),
    }
}

/// Runs `job` on the blocking pool in a slot of `kind`; the slot is held until the job ends
/// (a blocking job cannot be aborted: a round stops early through its cancel flag instead).
pub async fn run<T: Send + 'static>(
    state: &AppState,
    kind: Kind,
    job: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let l = &state.limits;
    let permit = match kind {
        Kind::Single => slot(&state.single, l.wait, 1).await?,
        Kind::Round => slot(&state.rounds, l.wait, 10).await?,
    };
    let handle = tokio::task::spawn_blocking(move || {
        let out = job();
        drop(permit);
        out
    });
    match handle.await {
        Ok(out) => out,
        // The job panicked: a 500, and the server goes on.
        Err(_) => Err(ApiError::internal()),
    }
}

/// A round's cancel flag: raised when the request's future is dropped (its deadline passed,
/// or its client went away), read by the round between its phases.
#[derive(Clone, Default)]
pub struct Cancel(Arc<AtomicBool>);

impl Cancel {
    pub fn is_set(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    /// A guard that raises the flag when it is dropped, kept by the request's future.
    pub fn guard(&self) -> CancelOnDrop {
        CancelOnDrop(self.clone())
    }
}

pub struct CancelOnDrop(Cancel);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.0.store(true, Ordering::Relaxed);
    }
}

impl Progress for Cancel {
    fn phase(&self, _: &'static str, _: usize, _: Count) {}
    fn inc(&self, _: u64) {}
    fn cancelled(&self) -> bool {
        self.is_set()
    }
}

/// The deadline of every request: 10 minutes for a round (`/api/batch`), 30 s for any other;
/// past it, 408 with the JSON error (the request's future is dropped, raising a round's flag).
pub async fn deadline(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let limit = match req.uri().path() {
        "/api/batch" => state.limits.round_timeout,
        _ => state.limits.single_timeout,
    };
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(r) => r,
        Err(_) => ApiError::timeout(limit).into_response(),
    }
}
