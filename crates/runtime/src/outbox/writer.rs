//! The outbox's writer thread: it owns the outbox table's connection and persists what the
//! handles send it — new rows in batches of up to [`MAX_BATCH`] per transaction, then delivery
//! outcomes — so that no async worker ever waits for the database.

use ringside_store::{NewOutboxRow, OutboxStore, OutboxUpdate};

/// Rows inserted per transaction at most.
const MAX_BATCH: usize = 512;

/// What the writer thread is sent.
pub(super) enum WriterMsg {
    Enqueue(i64, NewOutboxRow),
    Update(OutboxUpdate),
}

pub(super) fn writer_loop(mut store: OutboxStore, rx: std::sync::mpsc::Receiver<WriterMsg>) {
    while let Ok(first) = rx.recv() {
        let mut rows = Vec::new();
        let mut updates = Vec::new();
        let mut next = Some(first);
        while let Some(msg) = next.take() {
            match msg {
                WriterMsg::Enqueue(id, row) => rows.push((id, row)),
                WriterMsg::Update(update) => updates.push(update),
            }
            if rows.len() + updates.len() < MAX_BATCH {
                next = rx.try_recv().ok();
            }
        }
        // Rows before outcomes: an outcome in this batch may be about a row in it.
        if !rows.is_empty() {
            if let Err(error) = store.insert_with_ids(&rows) {
                // They are being delivered anyway, without persistence.
                tracing::error!(%error, "outbox: persisting notifications failed");
            }
        }
        if !updates.is_empty() {
            if let Err(error) = store.update(&updates) {
                tracing::error!(%error, "outbox: recording delivery outcomes failed");
            }
        }
    }
}
