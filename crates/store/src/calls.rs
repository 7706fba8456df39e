//! The calls table: a minimal record of every live call (id, owner node, dialect, tenant, app,
//! callback) with its epitaph — the notification that tells the call's bot the call ended with its
//! node, rendered by the call's door when the call began. A node records and forgets its calls;
//! when a node dies (or restarts without its calls), [`CallStore::bury`] moves their epitaphs into
//! the outbox.

use std::path::Path;

use crate::db::{args, Conn, Database, Row};
use crate::error::StoreError;
use crate::outbox::{
    decode_headers, encode_headers, insert_numbered, reserve, NewOutboxRow, RetryPolicy,
};

/// One live call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallRow {
    /// The node that carries it.
    pub owner_node: String,
    /// Its epitaph: `ordering_key` is the call's id, `target_url` its callback, `dialect` the
    /// delivery profile, `audience` the bot's app, `tenant` its tenant.
    pub epitaph: NewOutboxRow,
}

/// The calls table over its own connection.
#[derive(Debug)]
pub struct CallStore {
    conn: Conn,
}

const COLUMNS: &str =
    "id, owner_node, dialect, tenant_id, app_id, callback, headers, epitaph, retry_policy, created_at";

impl CallStore {
    /// Opens (and migrates) the SQLite file.
    pub fn open(path: impl AsRef<Path>) -> Result<CallStore, StoreError> {
        CallStore::connect(&Database::sqlite(path))
    }

    /// Connects to the database (SQLite or Postgres), migrating it if needed.
    pub fn connect(database: &Database) -> Result<CallStore, StoreError> {
        Ok(CallStore {
            conn: crate::Store::connect(database)?.into_conn(),
        })
    }

    /// Records calls (a call recorded again is replaced) and forgets others, in one transaction.
    pub fn apply(&mut self, record: &[CallRow], forget: &[String]) -> Result<(), StoreError> {
        self.conn.write(|tx| {
            for row in record {
                let e = &row.epitaph;
                tx.exec(
                    &format!(
                        "INSERT INTO calls ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, \
                         ?9, ?10) ON CONFLICT (id) DO UPDATE SET owner_node = excluded.owner_node, \
                         dialect = excluded.dialect, tenant_id = excluded.tenant_id, \
                         app_id = excluded.app_id, callback = excluded.callback, \
                         headers = excluded.headers, epitaph = excluded.epitaph, \
                         retry_policy = excluded.retry_policy, created_at = excluded.created_at"
                    ),
                    args![
                        e.ordering_key,
                        row.owner_node,
                        e.dialect,
                        e.tenant,
                        e.audience,
                        e.target_url,
                        encode_headers(&e.headers),
                        e.body,
                        e.retry_policy.as_str(),
                        e.created_at_ms,
                    ],
                )?;
            }
            for id in forget {
                tx.exec("DELETE FROM calls WHERE id = ?1", args![id])?;
            }
            Ok(())
        })
    }

    /// Takes every call `owner` recorded and puts their epitaphs, stamped `now_ms`, in the outbox,
    /// in one transaction; how many. The epitaphs get ids after every id handed out and no owner,
    /// so whichever node claims a call's rows (once the dead node's leases ran out) delivers the
    /// epitaph after everything the call had pending. Two nodes burying the same owner at once
    /// bury nothing twice: the delete locks the rows, and the second finds them gone.
    pub fn bury(&mut self, owner: &str, now_ms: i64) -> Result<usize, StoreError> {
        let dialect = self.conn.dialect();
        self.conn.write(|tx| {
            let rows = tx.query(
                &format!("DELETE FROM calls WHERE owner_node = ?1 RETURNING {COLUMNS}"),
                args![owner],
            )?;
            let mut calls = rows
                .iter()
                .map(read_row)
                .collect::<Result<Vec<CallRow>, StoreError>>()?;
            if calls.is_empty() {
                return Ok(0);
            }
            calls.sort_by_key(|row| row.epitaph.created_at_ms);
            let count = u32::try_from(calls.len())
                .map_err(|_| StoreError::Corrupt("too many calls to bury at once".into()))?;
            let first = reserve(tx, dialect, count)?;
            let epitaphs: Vec<(i64, NewOutboxRow)> = (first..)
                .zip(calls.into_iter().map(|row| NewOutboxRow {
                    created_at_ms: now_ms,
                    ..row.epitaph
                }))
                .collect();
            insert_numbered(tx, &epitaphs, None)?;
            Ok(epitaphs.len())
        })
    }

    /// Every recorded call, oldest first.
    pub fn calls(&self) -> Result<Vec<CallRow>, StoreError> {
        let rows = self.conn.read(|sql| {
            sql.query(
                &format!("SELECT {COLUMNS} FROM calls ORDER BY created_at, id"),
                &[],
            )
        })?;
        rows.iter().map(read_row).collect()
    }
}

fn read_row(r: &Row) -> Result<CallRow, StoreError> {
    let policy: String = r.get(8)?;
    Ok(CallRow {
        owner_node: r.get(1)?,
        epitaph: NewOutboxRow {
            ordering_key: r.get(0)?,
            dialect: r.get(2)?,
            tenant: r.get(3)?,
            audience: r.get(4)?,
            target_url: r.get(5)?,
            headers: decode_headers(&r.get::<String>(6)?)?,
            body: r.get(7)?,
            retry_policy: RetryPolicy::parse(&policy).ok_or_else(|| {
                StoreError::Corrupt(format!("calls.retry_policy: unknown value {policy:?}"))
            })?,
            created_at_ms: r.get(9)?,
        },
    })
}
