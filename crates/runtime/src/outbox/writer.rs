//! The outbox's writer thread: it owns the outbox table's connection and persists what the
//! handles send it — new rows in batches of up to [`MAX_BATCH`] per transaction, held by this
//! node's lease, then delivery outcomes — so that no async worker ever waits for the database.
//! Between batches, every [`Leases::renew_every`], it renews this node's leases (one UPDATE) and
//! claims the rows of keys whose leases ran out (a dead node's) for the dispatcher; it reserves the
//! next block of ids before the current one runs out ([`Ids`]).

use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ringside_store::{Lease, NewOutboxRow, OutboxRow, OutboxStore, OutboxUpdate};

use super::ids::Ids;
use super::{unix_ms, DispatchMsg, Profiles};
use crate::metrics::OutboxMetrics;

/// Rows inserted per transaction at most.
const MAX_BATCH: usize = 512;
/// Ordering keys claimed per transaction at most (the next tick takes more).
const MAX_CLAIM_KEYS: u32 = 256;

/// How this node holds its outbox rows among the nodes sharing the database.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Leases {
    /// This node's name (the rows' owner).
    pub node: String,
    /// How long a lease runs: a node silent this long loses its rows to the others.
    pub lease: Duration,
    /// How often the node renews its leases and looks for rows to claim.
    pub renew_every: Duration,
    /// Ids reserved per block.
    pub id_block: u32,
}

impl Leases {
    /// A lease runs this long by default (three renewals).
    pub const LEASE: Duration = Duration::from_secs(30);
    /// Ids reserved per block by default.
    pub const ID_BLOCK: u32 = 1 << 20;

    /// The defaults for `node`: [`LEASE`](Self::LEASE), renewed every third of it.
    pub fn for_node(node: impl Into<String>) -> Leases {
        Leases {
            node: node.into(),
            lease: Self::LEASE,
            renew_every: Self::LEASE / 3,
            id_block: Self::ID_BLOCK,
        }
    }

    /// This node's lease from `now_ms` on.
    pub(super) fn lease_at(&self, now_ms: i64) -> Lease<'_> {
        Lease {
            node: &self.node,
            until_ms: now_ms.saturating_add(self.lease.as_millis() as i64),
        }
    }
}

/// What the writer thread is sent.
pub(super) enum WriterMsg {
    Enqueue(i64, NewOutboxRow),
    Update(OutboxUpdate),
    /// `enqueue` ran out of ids: reserve the spare block now.
    Refill,
    /// Stop (outcomes and rows sent before are written first); the leases are no longer renewed.
    Stop,
}

/// Hands rows to the dispatcher, counted in the backlog.
pub(super) struct Schedule {
    pub(super) dispatch: tokio::sync::mpsc::UnboundedSender<DispatchMsg>,
    pub(super) metrics: OutboxMetrics,
    pub(super) profiles: Arc<Profiles>,
}

impl Schedule {
    pub(super) fn rows(&self, rows: Vec<OutboxRow>) {
        for row in rows {
            self.metrics.queued(self.profiles.label(&row.row.dialect));
            let _ = self.dispatch.send(DispatchMsg::Row(row));
        }
    }
}

/// The writer thread's state.
pub(super) struct Writer {
    pub(super) store: OutboxStore,
    pub(super) leases: Leases,
    pub(super) ids: Arc<Ids>,
    pub(super) schedule: Schedule,
}

impl Writer {
    /// Runs until [`WriterMsg::Stop`] or every sender is gone.
    pub(super) fn run(mut self, rx: Receiver<WriterMsg>) {
        let mut tick = Instant::now() + self.leases.renew_every;
        loop {
            let wait = tick.saturating_duration_since(Instant::now());
            match rx.recv_timeout(wait) {
                Ok(first) => {
                    if !self.batch(first, &rx) {
                        return;
                    }
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return,
            }
            self.refill();
            if Instant::now() >= tick {
                self.renew_and_claim();
                tick = Instant::now() + self.leases.renew_every;
            }
        }
    }

    /// Writes `first` and whatever has queued behind it; `false` when told to stop.
    fn batch(&mut self, first: WriterMsg, rx: &Receiver<WriterMsg>) -> bool {
        let mut rows = Vec::new();
        let mut updates = Vec::new();
        let mut next = Some(first);
        let mut go_on = true;
        while let Some(msg) = next.take() {
            match msg {
                WriterMsg::Enqueue(id, row) => rows.push((id, row)),
                WriterMsg::Update(update) => updates.push(update),
                WriterMsg::Refill => {}
                WriterMsg::Stop => {
                    go_on = false;
                    break;
                }
            }
            if rows.len() + updates.len() < MAX_BATCH {
                next = rx.try_recv().ok();
            }
        }
        // Rows before outcomes: an outcome in this batch may be about a row in it.
        if !rows.is_empty() {
            let lease = self.leases.lease_at(unix_ms());
            if let Err(error) = self.store.insert_with_ids(&rows, lease) {
                // They are being delivered anyway, without persistence.
                tracing::error!(%error, "outbox: persisting notifications failed");
            }
        }
        if !updates.is_empty() {
            if let Err(error) = self.store.update(&updates) {
                tracing::error!(%error, "outbox: recording delivery outcomes failed");
            }
        }
        go_on
    }

    /// Reserves the spare block of ids when [`Ids`] wants one.
    fn refill(&mut self) {
        let Some(count) = self.ids.wanted() else {
            return;
        };
        match self.store.reserve_ids(count) {
            Ok(first) => self.ids.refill(first),
            Err(error) => tracing::error!(%error, "outbox: reserving ids failed"),
        }
    }

    /// Renews this node's leases, then claims rows whose leases ran out.
    fn renew_and_claim(&mut self) {
        let now = unix_ms();
        if let Err(error) = self.store.renew(self.leases.lease_at(now)) {
            tracing::error!(%error, "outbox: renewing leases failed");
        }
        match self
            .store
            .claim(self.leases.lease_at(now), now, MAX_CLAIM_KEYS)
        {
            Ok(rows) if rows.is_empty() => {}
            Ok(rows) => {
                tracing::info!(
                    rows = rows.len(),
                    "outbox: claimed notifications whose lease ran out"
                );
                self.schedule.rows(rows);
            }
            Err(error) => tracing::error!(%error, "outbox: claiming notifications failed"),
        }
    }
}
