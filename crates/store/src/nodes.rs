//! The nodes table: every server sharing the database upserts its row as a heartbeat (name, URL,
//! start, last beat, calls carried); `ringside cluster status` and call placement read it back with
//! the outbox's backlog.

use std::path::Path;

use crate::db::{args, Conn, Database, Row};
use crate::error::StoreError;

/// One node as last reported.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeRow {
    /// The node's name (unique in the cluster).
    pub name: String,
    /// Its base URL.
    pub url: String,
    /// When it started, unix ms.
    pub started_at_ms: i64,
    /// Its last heartbeat, unix ms.
    pub heartbeat_at_ms: i64,
    /// Calls it carried at that heartbeat.
    pub calls: u64,
}

/// The nodes table over its own connection.
#[derive(Debug)]
pub struct NodeStore {
    conn: Conn,
}

impl NodeStore {
    /// Opens (and migrates) the SQLite file.
    pub fn open(path: impl AsRef<Path>) -> Result<NodeStore, StoreError> {
        NodeStore::connect(&Database::sqlite(path))
    }

    /// Connects to the database (SQLite or Postgres), migrating it if needed.
    pub fn connect(database: &Database) -> Result<NodeStore, StoreError> {
        Ok(NodeStore {
            conn: crate::Store::connect(database)?.into_conn(),
        })
    }

    /// Records a heartbeat: inserts the node or updates its URL, start, beat and calls.
    pub fn beat(&mut self, node: &NodeRow) -> Result<(), StoreError> {
        self.conn.write(|tx| {
            tx.exec(
                "INSERT INTO nodes (name, url, started_at, heartbeat_at, calls) \
                 VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (name) DO UPDATE SET url = excluded.url, \
                 started_at = excluded.started_at, heartbeat_at = excluded.heartbeat_at, \
                 calls = excluded.calls",
                args![
                    node.name,
                    node.url,
                    node.started_at_ms,
                    node.heartbeat_at_ms,
                    i64::try_from(node.calls).unwrap_or(i64::MAX),
                ],
            )
        })?;
        Ok(())
    }

    /// Every node, by name.
    pub fn nodes(&self) -> Result<Vec<NodeRow>, StoreError> {
        let rows = self.conn.read(|sql| {
            sql.query(
                "SELECT name, url, started_at, heartbeat_at, calls FROM nodes ORDER BY name",
                &[],
            )
        })?;
        rows.iter().map(read_node).collect()
    }

    /// Removes a node's row (a node leaving the cluster on purpose); whether it was there.
    pub fn forget(&mut self, name: &str) -> Result<bool, StoreError> {
        let gone = self
            .conn
            .write(|tx| tx.exec("DELETE FROM nodes WHERE name = ?1", args![name]))?;
        Ok(gone > 0)
    }

    /// Notifications waiting for delivery, over the whole cluster (pending outbox rows).
    pub fn outbox_backlog(&self) -> Result<u64, StoreError> {
        self.conn.read(|sql| {
            match sql.query_opt("SELECT COUNT(*) FROM outbox WHERE state = 'pending'", &[])? {
                Some(row) => row.get(0),
                None => Ok(0),
            }
        })
    }
}

fn read_node(row: &Row) -> Result<NodeRow, StoreError> {
    Ok(NodeRow {
        name: row.get(0)?,
        url: row.get(1)?,
        started_at_ms: row.get(2)?,
        heartbeat_at_ms: row.get(3)?,
        calls: row.get(4)?,
    })
}
