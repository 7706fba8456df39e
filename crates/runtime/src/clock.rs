//! The runtime's one source of monotonic time: tokio's clock. In production it is the OS clock; in
//! tests on `tokio::time::pause` (`#[tokio::test(start_paused = true)]`) it is virtual and jumps to
//! the next timer whenever every task waits, so the runtime, the outbox's retries and the manual
//! media clock ([`crate::MediaMode::Manual`]) advance together without sleeping. The sans-IO cores
//! never read it: the shell passes `now` in.

use std::time::Instant;

/// Now, on tokio's clock.
pub fn now() -> Instant {
    tokio::time::Instant::now().into_std()
}
