//! This node among the servers sharing a database: its heartbeat (every [`HEARTBEAT`], with the
//! calls it carries) in the store's nodes table, and the cluster's status as the nodes report it
//! (`ringside cluster status`, `GET /ringside/v1/cluster`).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use ringside_store::{Database, NodeRow, NodeStore, StoreError};
use serde::Serialize;

use crate::runtime::Request;
use crate::CallRuntime;

/// How often a node reports.
pub const HEARTBEAT: Duration = Duration::from_secs(2);
/// A node silent for this long is taken for dead.
pub const DEAD_AFTER: Duration = Duration::from_secs(10);

/// This node's membership.
#[derive(Clone, Debug)]
pub struct Cluster {
    name: String,
    store: Arc<Mutex<NodeStore>>,
}

/// The cluster as the nodes report it.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ClusterStatus {
    /// Every node that ever reported, by name.
    pub nodes: Vec<NodeStatus>,
    /// Notifications waiting for delivery over the whole cluster.
    pub outbox_backlog: u64,
}

/// One node.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct NodeStatus {
    /// Its name.
    pub name: String,
    /// Its base URL.
    pub url: String,
    /// When it started (unix ms).
    pub started_at_ms: i64,
    /// Its last heartbeat (unix ms).
    pub last_heartbeat_ms: i64,
    /// Whether it reported within [`DEAD_AFTER`].
    pub live: bool,
    /// Calls it carried at its last heartbeat.
    pub calls: u64,
    /// Whether this is the node that answered.
    pub this_node: bool,
}

impl Cluster {
    /// Joins: records a first heartbeat (so the node is listed once it serves), then reports every
    /// [`HEARTBEAT`] on the runtime's clock until the runtime stops. Must run inside tokio.
    pub fn join(
        database: &Database,
        name: String,
        url: String,
        calls: CallRuntime,
    ) -> Result<Cluster, StoreError> {
        let mut store = NodeStore::connect(database)?;
        let started_at_ms = crate::outbox::unix_ms();
        store.beat(&NodeRow {
            name: name.clone(),
            url: url.clone(),
            started_at_ms,
            heartbeat_at_ms: started_at_ms,
            calls: 0,
        })?;
        let cluster = Cluster {
            name,
            store: Arc::new(Mutex::new(store)),
        };
        tokio::spawn(heartbeats(cluster.clone(), url, started_at_ms, calls));
        Ok(cluster)
    }

    /// This node's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The nodes and the outbox backlog, read on a blocking thread.
    pub async fn status(&self) -> Result<ClusterStatus, String> {
        let cluster = self.clone();
        tokio::task::spawn_blocking(move || cluster.read_status(crate::outbox::unix_ms()))
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())
    }

    fn read_status(&self, now_ms: i64) -> Result<ClusterStatus, StoreError> {
        let store = self.store.lock().unwrap_or_else(|p| p.into_inner());
        let dead_after = DEAD_AFTER.as_millis() as i64;
        let nodes = store
            .nodes()?
            .into_iter()
            .map(|row| NodeStatus {
                live: now_ms - row.heartbeat_at_ms <= dead_after,
                this_node: row.name == self.name,
                name: row.name,
                url: row.url,
                started_at_ms: row.started_at_ms,
                last_heartbeat_ms: row.heartbeat_at_ms,
                calls: row.calls,
            })
            .collect();
        Ok(ClusterStatus {
            nodes,
            outbox_backlog: store.outbox_backlog()?,
        })
    }
}

/// Reports the node's live calls every [`HEARTBEAT`] until the runtime stops answering.
async fn heartbeats(cluster: Cluster, url: String, started_at_ms: i64, calls: CallRuntime) {
    let mut ticks = tokio::time::interval(HEARTBEAT);
    ticks.tick().await;
    loop {
        ticks.tick().await;
        let Ok(live) = calls.ask(|reply| Request::Count { reply }).await else {
            return;
        };
        let row = NodeRow {
            name: cluster.name.clone(),
            url: url.clone(),
            started_at_ms,
            heartbeat_at_ms: crate::outbox::unix_ms(),
            calls: live,
        };
        let store = cluster.store.clone();
        let beat = tokio::task::spawn_blocking(move || {
            store.lock().unwrap_or_else(|p| p.into_inner()).beat(&row)
        })
        .await;
        if let Ok(Err(e)) = beat {
            tracing::warn!(error = %e, "cluster: heartbeat not recorded");
        }
    }
}
