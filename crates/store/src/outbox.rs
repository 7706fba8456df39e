//! The notification outbox table: rows to POST to bots' webhooks, persisted in the same database as
//! the directory (its own connection; on SQLite WAL with `synchronous=FULL`). The server batches inserts into
//! one transaction, deletes a row once delivered, records attempts, and marks rows it gave up on.

use std::path::Path;

use crate::db::{args, Conn, Database, Dialect, Row, Sql, Value};

use crate::error::StoreError;

/// How a failed delivery is retried.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RetryPolicy {
    /// Retry every failure (network error, timeout, any non-success status) with backoff until the
    /// give-up time.
    Standard,
    /// As `Standard`, but 400, 401, 403 and 413 are final at once (Event Grid's rule).
    EventGrid,
    /// Call Automation callbacks: any HTTP answer is final (the app has the event; a 500 is its own
    /// failure, not a reason to replay the event); only an unreachable endpoint is retried, briefly,
    /// so one failing handler never holds back the call's later events for long.
    Callback,
}

impl RetryPolicy {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            RetryPolicy::Standard => "standard",
            RetryPolicy::EventGrid => "eventGrid",
            RetryPolicy::Callback => "callback",
        }
    }

    /// Parses a stored name.
    pub fn parse(text: &str) -> Option<RetryPolicy> {
        match text {
            "standard" => Some(RetryPolicy::Standard),
            "eventGrid" => Some(RetryPolicy::EventGrid),
            "callback" => Some(RetryPolicy::Callback),
            _ => None,
        }
    }

    /// Whether an HTTP status ends delivery without retrying under this policy (success aside).
    pub fn is_final_failure(self, status: u16) -> bool {
        match self {
            RetryPolicy::Standard => false,
            RetryPolicy::EventGrid => matches!(status, 400 | 401 | 403 | 413),
            RetryPolicy::Callback => true,
        }
    }
}

/// A notification to enqueue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewOutboxRow {
    /// Delivery order key (call id / call connection id).
    pub ordering_key: String,
    /// The webhook URL.
    pub target_url: String,
    /// `graph` or `acs` (decides how the request is authenticated).
    pub dialect: String,
    /// The bot's app id (the token audience).
    pub audience: String,
    /// The tenant (the token's `tid`).
    pub tenant: String,
    /// Extra request headers as `(name, value)` pairs.
    pub headers: Vec<(String, String)>,
    /// The exact body.
    pub body: Vec<u8>,
    /// Retry policy.
    pub retry_policy: RetryPolicy,
    /// Unix milliseconds.
    pub created_at_ms: i64,
}

/// A stored row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutboxRow {
    /// Row id; increases with insertion order.
    pub id: i64,
    /// The row's content.
    pub row: NewOutboxRow,
    /// Delivery attempts made so far.
    pub attempts: u32,
    /// When to try next (unix ms).
    pub next_attempt_at_ms: i64,
}

/// The outbox table over its own connection.
#[derive(Debug)]
pub struct OutboxStore {
    conn: Conn,
}

const INSERT: &str = "INSERT INTO outbox (ordering_key, target_url, dialect, audience, tenant_id, \
     headers, body, retry_policy, attempts, next_attempt_at, created_at, state) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 0, ?9, ?9, 'pending') RETURNING id";

const INSERT_WITH_ID: &str =
    "INSERT INTO outbox (id, ordering_key, target_url, dialect, audience, \
     tenant_id, headers, body, retry_policy, attempts, next_attempt_at, created_at, state) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 0, ?10, ?10, 'pending')";

impl OutboxStore {
    /// Opens the SQLite file (creating and migrating it if needed, like [`crate::Store::open`]).
    pub fn open(path: impl AsRef<Path>) -> Result<OutboxStore, StoreError> {
        OutboxStore::connect(&Database::sqlite(path))
    }

    /// Connects to the database (SQLite or Postgres), migrating it if needed.
    pub fn connect(database: &Database) -> Result<OutboxStore, StoreError> {
        Ok(OutboxStore {
            conn: crate::Store::connect(database)?.into_conn(),
        })
    }

    /// Inserts rows in one transaction (durable when this returns) and returns their ids, in order.
    pub fn insert(&mut self, rows: &[NewOutboxRow]) -> Result<Vec<i64>, StoreError> {
        self.conn.write(|tx| {
            let mut ids = Vec::with_capacity(rows.len());
            for row in rows {
                let inserted = tx.query_opt(INSERT, &row_values(row))?;
                let id = inserted
                    .ok_or_else(|| StoreError::Corrupt("outbox insert returned no id".into()))?;
                ids.push(id.get(0)?);
            }
            Ok(ids)
        })
    }

    /// The id after every id this table has handed out (the identity sequence or the largest
    /// row), for a caller that numbers rows itself ([`insert_with_ids`](Self::insert_with_ids)).
    pub fn next_id(&self) -> Result<i64, StoreError> {
        let sql = match self.conn.dialect() {
            Dialect::Sqlite => {
                "SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'outbox'), 0), \
                 COALESCE((SELECT MAX(id) FROM outbox), 0)) + 1"
            }
            Dialect::Postgres => {
                "SELECT GREATEST((SELECT CASE WHEN is_called THEN last_value ELSE 0 END \
                 FROM outbox_id_seq), COALESCE((SELECT MAX(id) FROM outbox), 0)) + 1"
            }
        };
        self.conn.read(|sql_conn| {
            sql_conn
                .query_opt(sql, &[])?
                .ok_or_else(|| StoreError::Corrupt("outbox next id: no row".into()))?
                .get(0)
        })
    }

    /// Inserts rows under ids the caller chose (from [`next_id`](Self::next_id) on, increasing) in
    /// one transaction, durable when this returns. Lets a caller deliver a row before it is stored
    /// and still name it in later [`update`](Self::update)s. Later generated ids come after them.
    pub fn insert_with_ids(&mut self, rows: &[(i64, NewOutboxRow)]) -> Result<(), StoreError> {
        let dialect = self.conn.dialect();
        self.conn.write(|tx| {
            for (id, row) in rows {
                let mut values = vec![Value::Int(*id)];
                values.extend(row_values(row));
                tx.exec(INSERT_WITH_ID, &values)?;
            }
            let highest = rows.iter().map(|(id, _)| *id).max();
            if let (Dialect::Postgres, Some(highest)) = (dialect, highest) {
                // SQLite's AUTOINCREMENT follows explicit ids by itself; Postgres's sequence does not.
                tx.query(
                    "SELECT setval('outbox_id_seq', GREATEST(?1, (SELECT CASE WHEN is_called \
                     THEN last_value ELSE 0 END FROM outbox_id_seq)), true)",
                    args![highest],
                )?;
            }
            Ok(())
        })
    }

    /// Applies delivery outcomes in one transaction.
    pub fn update(&mut self, updates: &[OutboxUpdate]) -> Result<(), StoreError> {
        self.conn.write(|tx| {
            for update in updates {
                apply_update(tx, update)?;
            }
            Ok(())
        })
    }

    /// Pending rows in insertion order (what a restart re-delivers).
    pub fn pending(&self) -> Result<Vec<OutboxRow>, StoreError> {
        let rows = self.conn.read(|sql| {
            sql.query(
                "SELECT id, ordering_key, target_url, dialect, audience, tenant_id, headers, body, \
                 retry_policy, attempts, next_attempt_at, created_at FROM outbox \
                 WHERE state = 'pending' ORDER BY id",
                &[],
            )
        })?;
        rows.iter().map(read_pending).collect()
    }

    /// Rows given up on, newest first, at most `limit`.
    pub fn abandoned(&self, limit: u32) -> Result<Vec<AbandonedRow>, StoreError> {
        let rows = self.conn.read(|sql| {
            sql.query(
                "SELECT id, ordering_key, target_url, attempts, last_error FROM outbox \
                 WHERE state = 'abandoned' ORDER BY id DESC LIMIT ?1",
                args![limit],
            )
        })?;
        rows.iter()
            .map(|r| {
                Ok(AbandonedRow {
                    id: r.get(0)?,
                    ordering_key: r.get(1)?,
                    target_url: r.get(2)?,
                    attempts: r.get(3)?,
                    last_error: r.get(4)?,
                })
            })
            .collect()
    }

    /// Deletes abandoned rows created before `before_ms`; returns how many went.
    pub fn prune_abandoned(&mut self, before_ms: i64) -> Result<usize, StoreError> {
        let gone = self.conn.write(|tx| {
            tx.exec(
                "DELETE FROM outbox WHERE state = 'abandoned' AND created_at < ?1",
                args![before_ms],
            )
        })?;
        Ok(gone as usize)
    }

    /// The number of rows in a state (`pending` or `abandoned`).
    pub fn count(&self, state: &str) -> Result<u64, StoreError> {
        self.conn.read(|sql| {
            match sql.query_opt("SELECT COUNT(*) FROM outbox WHERE state = ?1", args![state])? {
                Some(row) => row.get(0),
                None => Ok(0),
            }
        })
    }
}

/// A row's columns in the order both inserts name them after `id`.
fn row_values(row: &NewOutboxRow) -> Vec<Value> {
    args![
        row.ordering_key,
        row.target_url,
        row.dialect,
        row.audience,
        row.tenant,
        encode_headers(&row.headers),
        row.body,
        row.retry_policy.as_str(),
        row.created_at_ms,
    ]
    .to_vec()
}

fn apply_update(tx: &dyn Sql, update: &OutboxUpdate) -> Result<(), StoreError> {
    match update {
        OutboxUpdate::Delivered { id } => {
            tx.exec("DELETE FROM outbox WHERE id = ?1", args![id])?;
        }
        OutboxUpdate::Attempted {
            id,
            attempts,
            next_attempt_at_ms,
            error,
        } => {
            tx.exec(
                "UPDATE outbox SET attempts = ?2, next_attempt_at = ?3, last_error = ?4 \
                 WHERE id = ?1",
                args![id, attempts, next_attempt_at_ms, error],
            )?;
        }
        OutboxUpdate::Abandoned {
            id,
            attempts,
            error,
        } => {
            tx.exec(
                "UPDATE outbox SET state = 'abandoned', attempts = ?2, last_error = ?3 \
                 WHERE id = ?1",
                args![id, attempts, error],
            )?;
        }
    }
    Ok(())
}

fn read_pending(r: &Row) -> Result<OutboxRow, StoreError> {
    let policy: String = r.get(8)?;
    Ok(OutboxRow {
        id: r.get(0)?,
        row: NewOutboxRow {
            ordering_key: r.get(1)?,
            target_url: r.get(2)?,
            dialect: r.get(3)?,
            audience: r.get(4)?,
            tenant: r.get(5)?,
            headers: decode_headers(&r.get::<String>(6)?)?,
            body: r.get(7)?,
            retry_policy: RetryPolicy::parse(&policy).ok_or_else(|| {
                StoreError::Corrupt(format!("outbox.retry_policy: unknown value {policy:?}"))
            })?,
            created_at_ms: r.get(11)?,
        },
        attempts: r.get(9)?,
        next_attempt_at_ms: r.get(10)?,
    })
}

/// A row given up on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AbandonedRow {
    /// Row id.
    pub id: i64,
    /// Delivery order key.
    pub ordering_key: String,
    /// The webhook URL.
    pub target_url: String,
    /// Attempts made.
    pub attempts: u32,
    /// The last failure.
    pub last_error: Option<String>,
}

/// What happened to a row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum OutboxUpdate {
    /// Delivered: the row is deleted.
    Delivered {
        /// Row id.
        id: i64,
    },
    /// A failed attempt; try again at `next_attempt_at_ms`.
    Attempted {
        /// Row id.
        id: i64,
        /// Attempts so far.
        attempts: u32,
        /// Next try (unix ms).
        next_attempt_at_ms: i64,
        /// What went wrong.
        error: String,
    },
    /// Given up: kept with state `abandoned` for inspection.
    Abandoned {
        /// Row id.
        id: i64,
        /// Attempts made.
        attempts: u32,
        /// The last failure.
        error: String,
    },
}

/// Headers as a JSON-free, unambiguous text: `name\tvalue` lines (header names and values never
/// hold tabs or newlines).
pub(crate) fn encode_headers(headers: &[(String, String)]) -> String {
    headers
        .iter()
        .filter(|(n, v)| !n.contains(['\t', '\n']) && !v.contains(['\t', '\n']))
        .map(|(n, v)| format!("{n}\t{v}"))
        .collect::<Vec<_>>()
        .join("\n")
}

pub(crate) fn decode_headers(text: &str) -> Result<Vec<(String, String)>, StoreError> {
    text.lines()
        .filter(|line| !line.is_empty())
        .map(|line| {
            line.split_once('\t')
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .ok_or_else(|| StoreError::Corrupt("outbox.headers: malformed line".into()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_grid_policy_stops_on_client_errors_only() {
        for status in [400, 401, 403, 413] {
            assert!(RetryPolicy::EventGrid.is_final_failure(status));
            assert!(!RetryPolicy::Standard.is_final_failure(status));
        }
        for status in [404, 408, 429, 500, 503] {
            assert!(!RetryPolicy::EventGrid.is_final_failure(status));
        }
        assert_eq!(
            RetryPolicy::parse("eventGrid"),
            Some(RetryPolicy::EventGrid)
        );
        for status in [400, 404, 500, 503] {
            assert!(RetryPolicy::Callback.is_final_failure(status));
        }
        assert_eq!(RetryPolicy::parse("callback"), Some(RetryPolicy::Callback));
        assert_eq!(RetryPolicy::parse("x"), None);
    }
}
