//! The nodes table and the cluster's shared secrets: every server sharing the database joins once
//! (taking a number that tags the ids it mints, and recording the URL and CA its peers reach it
//! with), then updates its row as a heartbeat (last beat, calls carried); `ringside cluster status`,
//! call placement and request forwarding read the rows back. Secrets all nodes must hold alike are
//! written by the first node that needs them and read by the rest.

use std::path::Path;

use crate::db::{args, Conn, Database, Row, Sql};
use crate::error::StoreError;

/// One node as last reported.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeRow {
    /// The node's name (unique in the cluster).
    pub name: String,
    /// Its number (1…65535): the tag of the ids it mints; 0 before it joined.
    pub number: u16,
    /// Its base URL.
    pub url: String,
    /// The URL the other nodes forward requests to (`https://addr:port`).
    pub internal_url: String,
    /// The PEM certificate of the CA that signed its TLS certificate (empty: public roots only).
    pub ca_pem: String,
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

/// Attempts at taking a free number when nodes join at the same moment.
const JOIN_ATTEMPTS: usize = 8;

const COLUMNS: &str = "name, number, url, internal_url, ca_pem, started_at, heartbeat_at, calls";

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

    /// Records the node (its number, URLs, CA, start and a first heartbeat) and returns its
    /// number: the one it had if its name joined before, else the lowest number above every
    /// other node's. `node.number` is ignored.
    pub fn join(&mut self, node: &NodeRow) -> Result<u16, StoreError> {
        let mut last = None;
        for _ in 0..JOIN_ATTEMPTS {
            match self.conn.write(|tx| join_in(tx, node)) {
                Ok(number) => return Ok(number),
                // Another node took the same number at the same moment: the unique index refused
                // it; the next attempt sees that node's row.
                Err(error) => last = Some(error),
            }
        }
        Err(last.unwrap_or_else(|| StoreError::Config("joining the cluster".into())))
    }

    /// Records a heartbeat: the node's last beat and the calls it carries; whether its row was
    /// there (a node forgotten by an operator re-joins).
    pub fn beat(&mut self, name: &str, at_ms: i64, calls: u64) -> Result<bool, StoreError> {
        let calls = i64::try_from(calls).unwrap_or(i64::MAX);
        let changed = self.conn.write(|tx| {
            tx.exec(
                "UPDATE nodes SET heartbeat_at = ?2, calls = ?3 WHERE name = ?1",
                args![name, at_ms, calls],
            )
        })?;
        Ok(changed > 0)
    }

    /// Every node, by name.
    pub fn nodes(&self) -> Result<Vec<NodeRow>, StoreError> {
        let rows = self
            .conn
            .read(|sql| sql.query(&format!("SELECT {COLUMNS} FROM nodes ORDER BY name"), &[]))?;
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

    /// The cluster's secret `name`, if a node stored one.
    pub fn read_secret(&self, name: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.conn.read(|sql| {
            match sql.query_opt(
                "SELECT value FROM cluster_secrets WHERE name = ?1",
                args![name],
            )? {
                Some(row) => Ok(Some(row.get(0)?)),
                None => Ok(None),
            }
        })
    }

    /// The cluster's secret `name`: `fresh` is stored if no node stored one before; either way the
    /// value every node holds is returned.
    pub fn secret(&mut self, name: &str, fresh: &[u8]) -> Result<Vec<u8>, StoreError> {
        self.conn.write(|tx| {
            tx.exec(
                "INSERT INTO cluster_secrets (name, value) VALUES (?1, ?2) \
                 ON CONFLICT (name) DO NOTHING",
                args![name, fresh],
            )?;
            match tx.query_opt(
                "SELECT value FROM cluster_secrets WHERE name = ?1",
                args![name],
            )? {
                Some(row) => row.get(0),
                None => Err(StoreError::Corrupt(format!(
                    "cluster secret {name} vanished"
                ))),
            }
        })
    }
}

fn join_in(tx: &dyn Sql, node: &NodeRow) -> Result<u16, StoreError> {
    let known: Option<i64> = match tx.query_opt(
        "SELECT number FROM nodes WHERE name = ?1 AND number > 0",
        args![node.name],
    )? {
        Some(row) => Some(row.get(0)?),
        None => None,
    };
    let number = match known {
        Some(number) => number,
        None => match tx.query_opt("SELECT COALESCE(MAX(number), 0) + 1 FROM nodes", &[])? {
            Some(row) => row.get(0)?,
            None => 1,
        },
    };
    let number = u16::try_from(number)
        .map_err(|_| StoreError::Config("more than 65,535 nodes have joined".into()))?;
    tx.exec(
        &format!(
            "INSERT INTO nodes ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7) \
             ON CONFLICT (name) DO UPDATE SET number = excluded.number, url = excluded.url, \
             internal_url = excluded.internal_url, ca_pem = excluded.ca_pem, \
             started_at = excluded.started_at, heartbeat_at = excluded.heartbeat_at, \
             calls = excluded.calls"
        ),
        args![
            node.name,
            i64::from(number),
            node.url,
            node.internal_url,
            node.ca_pem,
            node.started_at_ms,
            0i64,
        ],
    )?;
    Ok(number)
}

fn read_node(row: &Row) -> Result<NodeRow, StoreError> {
    let number: i64 = row.get(1)?;
    Ok(NodeRow {
        name: row.get(0)?,
        number: u16::try_from(number).unwrap_or(0),
        url: row.get(2)?,
        internal_url: row.get(3)?,
        ca_pem: row.get(4)?,
        started_at_ms: row.get(5)?,
        heartbeat_at_ms: row.get(6)?,
        calls: row.get(7)?,
    })
}
