//! The notification outbox table: rows to POST to bots' webhooks, persisted in the same database as
//! the directory (its own connection; on SQLite WAL with `synchronous=FULL`). The server batches inserts into
//! one transaction, deletes a row once delivered, records attempts, and marks rows it gave up on.
//!
//! Several nodes may share the table (schema 9): ids come in blocks from the `outbox_ids` counter
//! ([`OutboxStore::reserve_ids`]), so nodes number rows without a round trip each and never collide;
//! each pending row has an owner node and a [`Lease`] its owner renews ([`OutboxStore::renew`]); a
//! node takes its own rows back at start ([`OutboxStore::take_own`]) and claims the rows of keys
//! whose leases all ran out ([`OutboxStore::claim`], `FOR UPDATE SKIP LOCKED` on Postgres).
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

/// Who holds a row and until when: the owner delivers it and renews the lease; once `until_ms`
/// has passed without a renewal any node may claim the row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lease<'a> {
    /// The owner's node name.
    pub node: &'a str,
    /// Unix ms the lease runs to.
    pub until_ms: i64,
}

const INSERT_WITH_ID: &str =
    "INSERT INTO outbox (id, ordering_key, target_url, dialect, audience, \
     tenant_id, headers, body, retry_policy, attempts, next_attempt_at, created_at, state, \
     owner_node, lease_until) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 0, ?10, ?10, 'pending', ?11, ?12)";

/// The columns [`read_pending`] reads, in its order.
const COLUMNS: &str = "id, ordering_key, target_url, dialect, audience, tenant_id, headers, body, \
     retry_policy, attempts, next_attempt_at, created_at";

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

    /// Inserts rows without an owner (any node may claim them at once) in one transaction, under
    /// ids reserved for them; returns the ids, in order.
    pub fn insert(&mut self, rows: &[NewOutboxRow]) -> Result<Vec<i64>, StoreError> {
        let count = u32::try_from(rows.len())
            .map_err(|_| StoreError::Corrupt("too many outbox rows in one insert".into()))?;
        let dialect = self.conn.dialect();
        self.conn.write(|tx| {
            let first = reserve(tx, dialect, count)?;
            let numbered: Vec<(i64, NewOutboxRow)> = (first..).zip(rows.iter().cloned()).collect();
            insert_numbered(tx, &numbered, None)?;
            Ok(numbered.into_iter().map(|(id, _)| id).collect())
        })
    }

    /// Reserves `count` ids for [`insert_with_ids`](Self::insert_with_ids): returns the first of
    /// `first..first + count`, ids no other caller on this database (any node) is handed, all
    /// after every id handed out before and every stored row's. One short transaction on the
    /// `outbox_ids` row.
    pub fn reserve_ids(&mut self, count: u32) -> Result<i64, StoreError> {
        let dialect = self.conn.dialect();
        self.conn.write(|tx| reserve(tx, dialect, count))
    }

    /// Inserts rows under ids the caller reserved ([`reserve_ids`](Self::reserve_ids)), held by
    /// `lease`, in one transaction, durable when this returns. Lets a caller deliver a row before
    /// it is stored and still name it in later [`update`](Self::update)s.
    pub fn insert_with_ids(
        &mut self,
        rows: &[(i64, NewOutboxRow)],
        lease: Lease<'_>,
    ) -> Result<(), StoreError> {
        self.conn.write(|tx| insert_numbered(tx, rows, Some(lease)))
    }

    /// Renews the lease of every pending row `lease.node` owns (one UPDATE); how many there were.
    pub fn renew(&mut self, lease: Lease<'_>) -> Result<u64, StoreError> {
        self.conn.write(|tx| {
            tx.exec(
                "UPDATE outbox SET lease_until = ?2 WHERE owner_node = ?1 AND state = 'pending'",
                args![lease.node, lease.until_ms],
            )
        })
    }

    /// The pending rows `lease.node` owns (left by its previous run), their leases renewed, in id
    /// order: what a node takes back at start.
    pub fn take_own(&mut self, lease: Lease<'_>) -> Result<Vec<OutboxRow>, StoreError> {
        let sql = format!(
            "UPDATE outbox SET lease_until = ?2 WHERE owner_node = ?1 AND state = 'pending' \
             RETURNING {COLUMNS}"
        );
        let rows = self
            .conn
            .write(|tx| tx.query(&sql, args![lease.node, lease.until_ms]))?;
        sorted(rows)
    }

    /// Claims for `lease.node` the pending rows of up to `max_keys` ordering keys whose every
    /// pending row's lease ran out before `now_ms` (a dead node's rows, or rows nobody owns), in one
    /// transaction, and returns them in id order. A key is claimed whole, by whoever locks its
    /// first row: on Postgres `FOR UPDATE SKIP LOCKED`, so claimers never wait for each other and
    /// never split a key (which would deliver its rows out of order). Keys whose first row is this
    /// node's own are left alone: their rows are in its dispatcher already.
    pub fn claim(
        &mut self,
        lease: Lease<'_>,
        now_ms: i64,
        max_keys: u32,
    ) -> Result<Vec<OutboxRow>, StoreError> {
        let heads = match self.conn.dialect() {
            Dialect::Sqlite => CLAIM_HEADS.to_string(),
            Dialect::Postgres => format!("{CLAIM_HEADS} FOR UPDATE OF o SKIP LOCKED"),
        };
        let take = format!(
            "UPDATE outbox SET owner_node = ?1, lease_until = ?2 WHERE ordering_key = ?3 \
             AND state = 'pending' AND lease_until < ?4 RETURNING {COLUMNS}"
        );
        let rows = self.conn.write(|tx| {
            let mut claimed = Vec::new();
            for head in tx.query(&heads, args![now_ms, lease.node, max_keys])? {
                let key: String = head.get(0)?;
                claimed.extend(tx.query(&take, args![lease.node, lease.until_ms, key, now_ms])?);
            }
            Ok::<_, StoreError>(claimed)
        })?;
        sorted(rows)
    }

    /// Pending rows by owner (`None`: rows nobody owns), by owner name.
    pub fn pending_by_owner(&self) -> Result<Vec<(Option<String>, u64)>, StoreError> {
        let rows = self.conn.read(|sql| {
            sql.query(
                "SELECT owner_node, COUNT(*) FROM outbox WHERE state = 'pending' \
                 GROUP BY owner_node ORDER BY owner_node NULLS FIRST",
                &[],
            )
        })?;
        rows.iter().map(|r| Ok((r.get(0)?, r.get(1)?))).collect()
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

    /// Every pending row, whoever owns it, in id order (for inspection).
    pub fn pending(&self) -> Result<Vec<OutboxRow>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM outbox WHERE state = 'pending' ORDER BY id");
        let rows = self.conn.read(|tx| tx.query(&sql, &[]))?;
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

/// The first row of each claimable ordering key (pending, its lease run out, no earlier pending
/// row, no pending row of the key still leased, not the claimer's own), oldest first: `?1` now,
/// `?2` the claimer, `?3` how many keys.
const CLAIM_HEADS: &str = "SELECT o.ordering_key FROM outbox o WHERE o.state = 'pending' \
     AND o.lease_until < ?1 AND (o.owner_node IS NULL OR o.owner_node <> ?2) \
     AND NOT EXISTS (SELECT 1 FROM outbox x WHERE x.ordering_key = o.ordering_key \
     AND x.state = 'pending' AND (x.id < o.id OR x.lease_until >= ?1)) \
     ORDER BY o.id LIMIT ?3";

/// Moves the `outbox_ids` counter past `count` ids and returns the first: never below the largest
/// id stored or generated (rows written before schema 9 numbered themselves).
pub(crate) fn reserve(tx: &dyn Sql, dialect: Dialect, count: u32) -> Result<i64, StoreError> {
    let sql = match dialect {
        Dialect::Sqlite => {
            "UPDATE outbox_ids SET next_id = MAX(next_id, \
             COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'outbox'), 0) + 1, \
             COALESCE((SELECT MAX(id) FROM outbox), 0) + 1) + ?1 WHERE one = 1 \
             RETURNING next_id - ?1"
        }
        Dialect::Postgres => {
            "UPDATE outbox_ids SET next_id = GREATEST(next_id, \
             (SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM outbox_id_seq) + 1, \
             COALESCE((SELECT MAX(id) FROM outbox), 0) + 1) + ?1 WHERE one = 1 \
             RETURNING next_id - ?1"
        }
    };
    tx.query_opt(sql, args![count])?
        .ok_or_else(|| StoreError::Corrupt("outbox_ids: no counter row".into()))?
        .get(0)
}

/// Inserts numbered rows held by `lease` (none: claimable by any node at once).
pub(crate) fn insert_numbered(
    tx: &dyn Sql,
    rows: &[(i64, NewOutboxRow)],
    lease: Option<Lease<'_>>,
) -> Result<(), StoreError> {
    let (owner, until) = lease.map_or((None, 0), |l| (Some(l.node), l.until_ms));
    for (id, row) in rows {
        let mut values = vec![Value::Int(*id)];
        values.extend(row_values(row));
        values.extend(args![owner, until].iter().cloned());
        tx.exec(INSERT_WITH_ID, &values)?;
    }
    Ok(())
}

/// Rows read back, in id order.
fn sorted(rows: Vec<Row>) -> Result<Vec<OutboxRow>, StoreError> {
    let mut rows = rows
        .iter()
        .map(read_pending)
        .collect::<Result<Vec<_>, _>>()?;
    rows.sort_by_key(|r| r.id);
    Ok(rows)
}

/// A row's columns in the order the insert names them after `id`.
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
