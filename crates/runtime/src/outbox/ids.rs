//! Outbox row ids without a database round trip per row: [`Ids`] hands out the current block the
//! store reserved for this node (`OutboxStore::reserve_ids`, unique across the nodes sharing the
//! database), and the writer thread reserves the next block (a spare) once half of the current one
//! is used, so `enqueue` moves on without waiting. Only a node that uses up a whole block and its
//! half while the database does not answer waits for the spare.

use std::sync::{Condvar, Mutex};
use std::time::Duration;

/// The ids this node may use.
pub(super) struct Ids {
    state: Mutex<State>,
    refilled: Condvar,
}

struct State {
    next: i64,
    end: i64,
    size: i64,
    spare: Option<i64>,
}

impl Ids {
    /// Ids `first..first + size`, the next block (also `size` ids) still to be reserved.
    pub(super) fn new(first: i64, size: u32) -> Ids {
        let size = i64::from(size.max(1));
        Ids {
            state: Mutex::new(State {
                next: first,
                end: first + size,
                size,
                spare: None,
            }),
            refilled: Condvar::new(),
        }
    }

    /// The next id, or `None` when both blocks are used up (the caller asks the writer for a
    /// spare and [`wait`](Self::wait)s).
    pub(super) fn take(&self) -> Option<i64> {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if state.next == state.end {
            let first = state.spare.take()?;
            state.next = first;
            state.end = first + state.size;
        }
        state.next += 1;
        Some(state.next - 1)
    }

    /// The next id, waiting up to `timeout` for the writer's spare block when both are used up.
    pub(super) fn wait(&self, timeout: Duration) -> Option<i64> {
        let state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let (state, _) = self
            .refilled
            .wait_timeout_while(state, timeout, |s| s.next == s.end && s.spare.is_none())
            .unwrap_or_else(|p| p.into_inner());
        drop(state);
        self.take()
    }

    /// How many ids the writer should reserve as a spare now: a block once half of the current one
    /// is used and no spare is waiting; otherwise none.
    pub(super) fn wanted(&self) -> Option<u32> {
        let state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        let low = state.end - state.next <= state.size / 2;
        (low && state.spare.is_none()).then(|| u32::try_from(state.size).unwrap_or(u32::MAX))
    }

    /// The spare block the writer reserved, starting at `first`.
    pub(super) fn refill(&self, first: i64) {
        self.state.lock().unwrap_or_else(|p| p.into_inner()).spare = Some(first);
        self.refilled.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_block_is_used_up_then_the_spare_and_a_spare_is_wanted_at_half() {
        let ids = Ids::new(10, 4);
        assert_eq!(ids.wanted(), None);
        assert_eq!((ids.take(), ids.take()), (Some(10), Some(11)));
        assert_eq!(ids.wanted(), Some(4), "half used");
        ids.refill(100);
        assert_eq!(ids.wanted(), None, "a spare is waiting");
        assert_eq!((ids.take(), ids.take()), (Some(12), Some(13)));
        assert_eq!(ids.take(), Some(100), "the spare block");
        assert_eq!(ids.wait(Duration::from_secs(1)), Some(101));
        assert_eq!(ids.wanted(), Some(4));
        assert_eq!((ids.take(), ids.take()), (Some(102), Some(103)));
        assert_eq!(ids.take(), None, "both used up");
    }

    #[test]
    fn a_waiting_taker_gets_the_spare_when_it_comes() {
        let ids = std::sync::Arc::new(Ids::new(1, 1));
        assert_eq!(ids.take(), Some(1));
        let waiter = {
            let ids = ids.clone();
            std::thread::spawn(move || ids.wait(Duration::from_secs(30)))
        };
        ids.refill(50);
        assert_eq!(waiter.join().expect("waiter"), Some(50));
    }
}
