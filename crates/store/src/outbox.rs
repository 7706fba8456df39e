//! The notification outbox table: rows to POST to bots' webhooks, persisted in the same SQLite file
//! as the directory (its own connection, WAL, `synchronous=FULL`). The server batches inserts into
//! one transaction, deletes a row once delivered, records attempts, and marks rows it gave up on.

use std::path::Path;

use rusqlite::{params, Connection, OptionalExtension};

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
    conn: Connection,
}

impl OutboxStore {
    /// Opens the database file (creating and migrating it if needed, like [`crate::Store::open`]).
    pub fn open(path: impl AsRef<Path>) -> Result<OutboxStore, StoreError> {
        let store = crate::Store::open(path)?;
        Ok(OutboxStore {
            conn: store.into_connection(),
        })
    }

    /// Inserts rows in one transaction (durable when this returns) and returns their ids, in order.
    pub fn insert(&mut self, rows: &[NewOutboxRow]) -> Result<Vec<i64>, StoreError> {
        let tx = self.conn.transaction()?;
        let mut ids = Vec::with_capacity(rows.len());
        {
            let mut stmt = tx.prepare_cached(
                "INSERT INTO outbox (ordering_key, target_url, dialect, audience, tenant_id, headers, \
                 body, retry_policy, attempts, next_attempt_at, created_at, state) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 0, ?9, ?9, 'pending')",
            )?;
            for row in rows {
                stmt.execute(params![
                    row.ordering_key,
                    row.target_url,
                    row.dialect,
                    row.audience,
                    row.tenant,
                    encode_headers(&row.headers),
                    row.body,
                    row.retry_policy.as_str(),
                    row.created_at_ms,
                ])?;
                ids.push(tx.last_insert_rowid());
            }
        }
        tx.commit()?;
        Ok(ids)
    }

    /// The id after every id this table has handed out (AUTOINCREMENT's sequence or the largest
    /// row), for a caller that numbers rows itself ([`insert_with_ids`](Self::insert_with_ids)).
    pub fn next_id(&self) -> Result<i64, StoreError> {
        let id: i64 = self.conn.query_row(
            "SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'outbox'), 0), \
             COALESCE((SELECT MAX(id) FROM outbox), 0)) + 1",
            [],
            |row| row.get(0),
        )?;
        Ok(id)
    }

    /// Inserts rows under ids the caller chose (from [`next_id`](Self::next_id) on, increasing) in
    /// one transaction, durable when this returns. Lets a caller deliver a row before it is on
    /// disk and still name it in later [`update`](Self::update)s.
    pub fn insert_with_ids(&mut self, rows: &[(i64, NewOutboxRow)]) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        {
            let mut stmt = tx.prepare_cached(
                "INSERT INTO outbox (id, ordering_key, target_url, dialect, audience, tenant_id, \
                 headers, body, retry_policy, attempts, next_attempt_at, created_at, state) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 0, ?10, ?10, 'pending')",
            )?;
            for (id, row) in rows {
                stmt.execute(params![
                    id,
                    row.ordering_key,
                    row.target_url,
                    row.dialect,
                    row.audience,
                    row.tenant,
                    encode_headers(&row.headers),
                    row.body,
                    row.retry_policy.as_str(),
                    row.created_at_ms,
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Applies delivery outcomes in one transaction.
    pub fn update(&mut self, updates: &[OutboxUpdate]) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        for update in updates {
            match update {
                OutboxUpdate::Delivered { id } => {
                    tx.execute("DELETE FROM outbox WHERE id = ?1", params![id])?;
                }
                OutboxUpdate::Attempted {
                    id,
                    attempts,
                    next_attempt_at_ms,
                    error,
                } => {
                    tx.execute(
                        "UPDATE outbox SET attempts = ?2, next_attempt_at = ?3, last_error = ?4 \
                         WHERE id = ?1",
                        params![id, attempts, next_attempt_at_ms, error],
                    )?;
                }
                OutboxUpdate::Abandoned {
                    id,
                    attempts,
                    error,
                } => {
                    tx.execute(
                        "UPDATE outbox SET state = 'abandoned', attempts = ?2, last_error = ?3 \
                         WHERE id = ?1",
                        params![id, attempts, error],
                    )?;
                }
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Pending rows in insertion order (what a restart re-delivers).
    pub fn pending(&self) -> Result<Vec<OutboxRow>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT id, ordering_key, target_url, dialect, audience, tenant_id, headers, body, \
             retry_policy, attempts, next_attempt_at, created_at FROM outbox \
             WHERE state = 'pending' ORDER BY id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, String>(6)?,
                r.get::<_, Vec<u8>>(7)?,
                r.get::<_, String>(8)?,
                r.get::<_, u32>(9)?,
                r.get::<_, i64>(10)?,
                r.get::<_, i64>(11)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (
                id,
                key,
                url,
                dialect,
                audience,
                tenant,
                headers,
                body,
                policy,
                attempts,
                next,
                created,
            ) = row?;
            out.push(OutboxRow {
                id,
                row: NewOutboxRow {
                    ordering_key: key,
                    target_url: url,
                    dialect,
                    audience,
                    tenant,
                    headers: decode_headers(&headers)?,
                    body,
                    retry_policy: RetryPolicy::parse(&policy).ok_or_else(|| {
                        StoreError::Corrupt(format!(
                            "outbox.retry_policy: unknown value {policy:?}"
                        ))
                    })?,
                    created_at_ms: created,
                },
                attempts,
                next_attempt_at_ms: next,
            });
        }
        Ok(out)
    }

    /// Rows given up on, newest first, at most `limit`.
    pub fn abandoned(&self, limit: u32) -> Result<Vec<AbandonedRow>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT id, ordering_key, target_url, attempts, last_error FROM outbox \
             WHERE state = 'abandoned' ORDER BY id DESC LIMIT ?1",
        )?;
        let rows = stmt.query_map(params![limit], |r| {
            Ok(AbandonedRow {
                id: r.get(0)?,
                ordering_key: r.get(1)?,
                target_url: r.get(2)?,
                attempts: r.get(3)?,
                last_error: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Deletes abandoned rows created before `before_ms`; returns how many went.
    pub fn prune_abandoned(&mut self, before_ms: i64) -> Result<usize, StoreError> {
        Ok(self.conn.execute(
            "DELETE FROM outbox WHERE state = 'abandoned' AND created_at < ?1",
            params![before_ms],
        )?)
    }

    /// The number of rows in a state (`pending` or `abandoned`).
    pub fn count(&self, state: &str) -> Result<u64, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT COUNT(*) FROM outbox WHERE state = ?1",
                params![state],
                |r| r.get::<_, u64>(0),
            )
            .optional()?
            .unwrap_or(0))
    }
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
fn encode_headers(headers: &[(String, String)]) -> String {
    headers
        .iter()
        .filter(|(n, v)| !n.contains(['\t', '\n']) && !v.contains(['\t', '\n']))
        .map(|(n, v)| format!("{n}\t{v}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn decode_headers(text: &str) -> Result<Vec<(String, String)>, StoreError> {
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

    fn row(key: &str, n: u8) -> NewOutboxRow {
        NewOutboxRow {
            ordering_key: key.into(),
            target_url: "http://127.0.0.1:9/cb".into(),
            dialect: "graph".into(),
            audience: "app".into(),
            tenant: "tenant".into(),
            headers: vec![("Scenario-Id".into(), format!("s{n}"))],
            body: vec![b'{', n, b'}'],
            retry_policy: if n.is_multiple_of(2) {
                RetryPolicy::Standard
            } else {
                RetryPolicy::EventGrid
            },
            created_at_ms: 1_000 + i64::from(n),
        }
    }

    #[test]
    fn caller_numbered_rows_continue_the_sequence_and_survive_reopen() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("ringside.db");
        let first = {
            let mut outbox = OutboxStore::open(&path).expect("open");
            assert_eq!(outbox.next_id().expect("next id"), 1);
            let ids = outbox.insert(&[row("a", 1)]).expect("insert");
            let next = outbox.next_id().expect("next id");
            assert_eq!(next, ids[0] + 1);
            outbox
                .insert_with_ids(&[(next, row("b", 2)), (next + 1, row("a", 3))])
                .expect("insert with ids");
            // Delivered rows leave, but their ids are not handed out again.
            outbox
                .update(&[OutboxUpdate::Delivered { id: next + 1 }])
                .expect("update");
            assert_eq!(outbox.next_id().expect("next id"), next + 2);
            // An autoincremented row comes after the caller's ids.
            let later = outbox.insert(&[row("c", 4)]).expect("insert");
            assert_eq!(later[0], next + 2);
            next
        };
        let outbox = OutboxStore::open(&path).expect("reopen");
        let pending: Vec<(i64, NewOutboxRow)> = outbox
            .pending()
            .expect("pending")
            .into_iter()
            .map(|r| (r.id, r.row))
            .collect();
        assert_eq!(pending.len(), 3);
        assert_eq!(pending[1], (first, row("b", 2)));
        assert_eq!(outbox.next_id().expect("next id"), first + 3);
    }

    #[test]
    fn rows_survive_reopen_in_order_and_leave_when_delivered() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("ringside.db");
        let ids = {
            let mut outbox = OutboxStore::open(&path).expect("open");
            let ids = outbox
                .insert(&[row("a", 1), row("b", 2), row("a", 3)])
                .expect("insert");
            assert!(ids[0] < ids[1] && ids[1] < ids[2]);
            outbox
                .update(&[
                    OutboxUpdate::Delivered { id: ids[1] },
                    OutboxUpdate::Attempted {
                        id: ids[0],
                        attempts: 2,
                        next_attempt_at_ms: 5_000,
                        error: "503".into(),
                    },
                ])
                .expect("update");
            ids
        };
        let mut outbox = OutboxStore::open(&path).expect("reopen");
        let pending = outbox.pending().expect("pending");
        assert_eq!(pending.len(), 2);
        assert_eq!(pending[0].id, ids[0]);
        assert_eq!(pending[0].attempts, 2);
        assert_eq!(pending[0].next_attempt_at_ms, 5_000);
        assert_eq!(pending[0].row, row("a", 1));
        assert_eq!(pending[1].row, row("a", 3));
        outbox
            .update(&[OutboxUpdate::Abandoned {
                id: ids[2],
                attempts: 9,
                error: "gave up".into(),
            }])
            .expect("abandon");
        assert_eq!(outbox.pending().expect("pending").len(), 1);
        assert_eq!(outbox.count("abandoned").expect("count"), 1);
        let abandoned = outbox.abandoned(10).expect("abandoned");
        assert_eq!(abandoned[0].id, ids[2]);
        assert_eq!(abandoned[0].last_error.as_deref(), Some("gave up"));
        assert_eq!(
            outbox.prune_abandoned(1_000).expect("prune"),
            0,
            "newer rows stay"
        );
        assert_eq!(outbox.prune_abandoned(2_000).expect("prune"), 1);
        assert_eq!(outbox.count("abandoned").expect("count"), 0);
        assert_eq!(
            outbox.pending().expect("pending").len(),
            1,
            "pending rows stay"
        );
    }

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
