//! This node's record of its live calls in the store's calls table
//! ([`CallStore`](ringside_store::CallStore)): a door records a call with its epitaph (the
//! notification that tells the bot the call ended with its node) when the call begins and forgets
//! it when the call ends; a writer thread applies both in batches, so the runtime task never waits
//! for the database. [`bury`] moves a dead node's epitaphs — or this node's own, left by a
//! previous life — into the outbox.

use std::sync::mpsc;
use std::sync::Arc;

use ringside_store::{CallRow, CallStore, Database, NewOutboxRow, StoreError};

/// Records applied per transaction at most.
const MAX_BATCH: usize = 512;

enum Change {
    Record(Box<CallRow>),
    Forget(String),
}

/// The handle doors record calls through. Cheap to clone; never blocks.
#[derive(Clone)]
pub struct CallRecords {
    changes: Option<mpsc::Sender<Change>>,
    node: Arc<str>,
}

impl CallRecords {
    /// Records for node `node` in `database`, applied by a writer thread of their own.
    pub fn start(database: &Database, node: &str) -> Result<CallRecords, StoreError> {
        let mut store = CallStore::connect(database)?;
        let (changes, receiver) = mpsc::channel();
        std::thread::Builder::new()
            .name("ringside-call-records".into())
            .spawn(move || write_all(&mut store, &receiver))
            .map_err(|e| StoreError::Config(format!("starting the call records writer: {e}")))?;
        Ok(CallRecords {
            changes: Some(changes),
            node: node.into(),
        })
    }

    /// Records kept nowhere (a door built without a store, in unit tests).
    pub fn off() -> CallRecords {
        CallRecords {
            changes: None,
            node: "".into(),
        }
    }

    /// A call began (or its epitaph changed): `epitaph.ordering_key` is its id.
    pub fn record(&self, epitaph: NewOutboxRow) {
        if let Some(changes) = &self.changes {
            let row = CallRow {
                owner_node: self.node.to_string(),
                epitaph,
            };
            let _ = changes.send(Change::Record(Box::new(row)));
        }
    }

    /// A call ended: its record goes.
    pub fn forget(&self, id: &str) {
        if let Some(changes) = &self.changes {
            let _ = changes.send(Change::Forget(id.to_string()));
        }
    }
}

/// Applies changes as they come, everything queued at once in one transaction, until every handle
/// is gone.
fn write_all(store: &mut CallStore, receiver: &mpsc::Receiver<Change>) {
    while let Ok(first) = receiver.recv() {
        let (mut record, mut forget) = (Vec::new(), Vec::new());
        let mut next = Some(first);
        while let Some(change) = next.take() {
            match change {
                Change::Record(row) => record.push(*row),
                Change::Forget(id) => {
                    // A call that begins and ends in one batch never reaches the table.
                    record.retain(|row: &CallRow| row.epitaph.ordering_key != id);
                    forget.push(id);
                }
            }
            if record.len() + forget.len() < MAX_BATCH {
                next = receiver.try_recv().ok();
            }
        }
        if let Err(error) = store.apply(&record, &forget) {
            tracing::warn!(%error, "call records not written");
        }
    }
}

/// Takes the calls `owner` recorded and moves their epitaphs into the outbox, where the node that
/// claims each call's rows delivers them after what the call had pending; how many.
pub fn bury(store: &mut CallStore, owner: &str) -> Result<usize, StoreError> {
    let count = store.bury(owner, crate::outbox::unix_ms())?;
    if count > 0 {
        tracing::info!(
            node = owner,
            calls = count,
            "cluster: the bots of a lost node's calls will be told"
        );
    }
    Ok(count)
}
