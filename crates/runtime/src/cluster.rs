//! This node among the servers sharing a database: it joins (taking the number that tags its ids),
//! reports a heartbeat every [`HEARTBEAT`] with the calls it carries, keeps a view of its peers
//! (refreshed with each beat) for request forwarding and call placement, buries the calls of nodes
//! it finds dead ([`Undertaker`]), reads the secrets every node shares, and answers the cluster's status (`ringside cluster status`,
//! `GET /ringside/v1/cluster`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use ringside_store::{CallStore, Database, NodeRow, NodeStore, StoreError};
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
    number: u16,
    store: Arc<Mutex<NodeStore>>,
    view: Arc<RwLock<View>>,
}

/// The peers as last read, and the calls placed on each since.
#[derive(Debug, Default)]
struct View {
    nodes: Vec<NodeRow>,
    placed: HashMap<String, u64>,
}

/// How this node presents itself to the others.
#[derive(Clone, Debug)]
pub struct Identity {
    /// Its name (unique in the cluster).
    pub name: String,
    /// Its public base URL.
    pub url: String,
    /// The URL peers forward requests to.
    pub internal_url: String,
    /// The PEM certificate of the CA that signed its TLS certificate.
    pub ca_pem: String,
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
    /// Its number (the tag of the ids it mints).
    pub number: u16,
    /// Its base URL.
    pub url: String,
    /// The URL the other nodes forward requests to.
    pub internal_url: String,
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

/// Whether a node's last heartbeat is recent enough at `now_ms`.
pub fn is_live(node: &NodeRow, now_ms: i64) -> bool {
    now_ms - node.heartbeat_at_ms <= DEAD_AFTER.as_millis() as i64
}

impl Cluster {
    /// Joins: records the node with a first heartbeat (so it is listed once it serves) and takes
    /// its number. Heartbeats start with [`Cluster::start`].
    pub fn join(database: &Database, identity: &Identity) -> Result<Cluster, StoreError> {
        let mut store = NodeStore::connect(database)?;
        let now = crate::outbox::unix_ms();
        let number = store.join(&NodeRow {
            name: identity.name.clone(),
            number: 0,
            url: identity.url.clone(),
            internal_url: identity.internal_url.clone(),
            ca_pem: identity.ca_pem.clone(),
            started_at_ms: now,
            heartbeat_at_ms: now,
            calls: 0,
        })?;
        let nodes = store.nodes()?;
        Ok(Cluster {
            name: identity.name.clone(),
            number,
            store: Arc::new(Mutex::new(store)),
            view: Arc::new(RwLock::new(View {
                nodes,
                placed: HashMap::new(),
            })),
        })
    }

    /// Reports the runtime's live calls every [`HEARTBEAT`] (re-joining as `identity` if an
    /// operator forgot the node) and buries the calls of nodes it finds dead, until the runtime
    /// stops. Must run inside tokio.
    pub fn start(&self, identity: Identity, calls: CallRuntime, undertaker: Undertaker) {
        let undertaker = Arc::new(Mutex::new(undertaker));
        tokio::spawn(heartbeats(self.clone(), identity, calls, undertaker));
    }

    /// Nodes other than this one whose heartbeat is older than [`DEAD_AFTER`].
    fn dead(&self, now_ms: i64) -> Vec<String> {
        let view = self.view.read().unwrap_or_else(|p| p.into_inner());
        view.nodes
            .iter()
            .filter(|n| n.name != self.name && !is_live(n, now_ms))
            .map(|n| n.name.clone())
            .collect()
    }

    /// This node's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// This node's number.
    pub fn number(&self) -> u16 {
        self.number
    }

    /// The cluster's shared secret `name` (`fresh` if this node is the first to ask).
    pub fn secret(&self, name: &str, fresh: &[u8]) -> Result<Vec<u8>, StoreError> {
        self.lock().secret(name, fresh)
    }

    /// The cluster's secret `name`, if a node stored one.
    pub fn read_secret(&self, name: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.lock().read_secret(name)
    }

    /// The live peer (not this node) numbered `number`, as of the last heartbeat.
    pub fn live_peer(&self, number: u16, now_ms: i64) -> Option<NodeRow> {
        let view = self.view.read().unwrap_or_else(|p| p.into_inner());
        view.nodes
            .iter()
            .find(|n| n.number == number && n.name != self.name && is_live(n, now_ms))
            .cloned()
    }

    /// Where a new call goes: the live node with the fewest calls (its last heartbeat's count
    /// plus the calls placed on it since), this node on a tie; `None` means this node. The choice
    /// is counted against the chosen node until its next heartbeat.
    pub fn place(&self, now_ms: i64) -> Option<NodeRow> {
        let mut view = self.view.write().unwrap_or_else(|p| p.into_inner());
        let chosen = least_loaded(&view.nodes, &view.placed, &self.name, now_ms)?.clone();
        *view.placed.entry(chosen.name.clone()).or_default() += 1;
        (chosen.name != self.name).then_some(chosen)
    }

    /// A peer did not take a connection: new calls avoid it until its next heartbeat shows it
    /// alive.
    pub fn suspect(&self, name: &str) {
        let mut view = self.view.write().unwrap_or_else(|p| p.into_inner());
        if let Some(node) = view.nodes.iter_mut().find(|n| n.name == name) {
            node.heartbeat_at_ms = 0;
        }
    }

    /// The nodes and the outbox backlog, read on a blocking thread.
    pub async fn status(&self) -> Result<ClusterStatus, String> {
        let cluster = self.clone();
        tokio::task::spawn_blocking(move || cluster.read_status(crate::outbox::unix_ms()))
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e| e.to_string())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, NodeStore> {
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn read_status(&self, now_ms: i64) -> Result<ClusterStatus, StoreError> {
        let store = self.lock();
        let nodes = store
            .nodes()?
            .into_iter()
            .map(|row| NodeStatus {
                live: is_live(&row, now_ms),
                this_node: row.name == self.name,
                name: row.name,
                number: row.number,
                url: row.url,
                internal_url: row.internal_url,
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

    /// One heartbeat: records `live` calls, then reads every node back into the view.
    fn beat(&self, identity: &Identity, live: u64) -> Result<(), StoreError> {
        let mut store = self.lock();
        let now = crate::outbox::unix_ms();
        if !store.beat(&self.name, now, live)? {
            store.join(&NodeRow {
                name: identity.name.clone(),
                number: self.number,
                url: identity.url.clone(),
                internal_url: identity.internal_url.clone(),
                ca_pem: identity.ca_pem.clone(),
                started_at_ms: now,
                heartbeat_at_ms: now,
                calls: live,
            })?;
        }
        let nodes = store.nodes()?;
        drop(store);
        let mut view = self.view.write().unwrap_or_else(|p| p.into_inner());
        // A node's own count now includes what was placed on it before its beat.
        let beats: HashMap<&str, i64> = view
            .nodes
            .iter()
            .map(|n| (n.name.as_str(), n.heartbeat_at_ms))
            .collect();
        let moved: Vec<String> = nodes
            .iter()
            .filter(|n| beats.get(n.name.as_str()) != Some(&n.heartbeat_at_ms))
            .map(|n| n.name.clone())
            .collect();
        for name in moved {
            view.placed.remove(&name);
        }
        view.nodes = nodes;
        Ok(())
    }
}

/// The live node with the fewest calls counting `placed`; `me` wins ties, then the lower number.
fn least_loaded<'a>(
    nodes: &'a [NodeRow],
    placed: &HashMap<String, u64>,
    me: &str,
    now_ms: i64,
) -> Option<&'a NodeRow> {
    nodes
        .iter()
        .filter(|n| n.name == me || is_live(n, now_ms))
        .min_by_key(|n| {
            let load = n.calls + placed.get(&n.name).copied().unwrap_or(0);
            (load, n.name != me, n.number)
        })
}

/// What a node does for the dead: moves the epitaphs of their calls into the outbox, where they
/// are claimed with the rest of each call's rows once the dead node's leases ran out (the bots
/// learn that their calls ended).
pub struct Undertaker {
    /// The calls table.
    pub store: CallStore,
}

impl Undertaker {
    fn bury(&mut self, nodes: &[String]) {
        for node in nodes {
            if let Err(error) = crate::call_records::bury(&mut self.store, node) {
                tracing::warn!(%node, %error, "cluster: a dead node's calls not buried");
            }
        }
    }
}

/// Reports the node's live calls every [`HEARTBEAT`] until the runtime stops answering.
async fn heartbeats(
    cluster: Cluster,
    identity: Identity,
    calls: CallRuntime,
    undertaker: Arc<Mutex<Undertaker>>,
) {
    let mut ticks = tokio::time::interval(HEARTBEAT);
    ticks.tick().await;
    loop {
        ticks.tick().await;
        let Ok(live) = calls.ask(|reply| Request::Count { reply }).await else {
            return;
        };
        let (cluster, identity) = (cluster.clone(), identity.clone());
        let undertaker = undertaker.clone();
        let beat = tokio::task::spawn_blocking(move || {
            cluster.beat(&identity, live)?;
            let dead = cluster.dead(crate::outbox::unix_ms());
            undertaker
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .bury(&dead);
            Ok::<_, StoreError>(())
        })
        .await;
        if let Ok(Err(e)) = beat {
            tracing::warn!(error = %e, "cluster: heartbeat not recorded");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(name: &str, number: u16, beat: i64, calls: u64) -> NodeRow {
        NodeRow {
            name: name.into(),
            number,
            url: String::new(),
            internal_url: String::new(),
            ca_pem: String::new(),
            started_at_ms: 0,
            heartbeat_at_ms: beat,
            calls,
        }
    }

    #[test]
    fn placement_picks_the_least_loaded_live_node_counting_recent_placements() {
        let now = 100_000;
        let nodes = [
            node("a", 1, now, 3),
            node("b", 2, now, 1),
            node("c", 3, now, 1),
            node("dead", 4, now - 11_000, 0),
        ];
        let mut placed = HashMap::new();
        let pick = |placed: &HashMap<String, u64>, me| {
            least_loaded(&nodes, placed, me, now).map(|n| n.name.clone())
        };
        assert_eq!(pick(&placed, "a").as_deref(), Some("b"));
        assert_eq!(pick(&placed, "c").as_deref(), Some("c"), "a tie stays here");
        placed.insert("b".to_string(), 1);
        assert_eq!(pick(&placed, "a").as_deref(), Some("c"));
        placed.insert("c".to_string(), 5);
        assert_eq!(pick(&placed, "a").as_deref(), Some("b"));
        assert_eq!(pick(&[].into_iter().collect(), "zzz").as_deref(), Some("b"));
    }
}
