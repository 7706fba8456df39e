//! How a runtime request fails ([`CallError`]) and the one-shot channel its answer comes back on
//! ([`Reply`]): shared by the runtime's requests and the external-leg seam.

use tokio::sync::oneshot;

/// Why a runtime request failed (mapped to the Graph envelope by the API).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CallError {
    /// 404.
    NotFound(String),
    /// 400.
    BadRequest(String),
    /// 409.
    Conflict(String),
    /// 503: the runtime has stopped.
    Unavailable,
    /// 429: the runtime's request queue is full ([`crate::REQUEST_QUEUE`]); retry after a second.
    Busy,
}

pub type Reply<T> = oneshot::Sender<Result<T, CallError>>;
