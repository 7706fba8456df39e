//! The PostgreSQL backend: a tokio-postgres connection driven on its own thread (so the store's
//! blocking API works from any thread, async or not), statements prepared once per connection, `?N`
//! placeholders rewritten to `$N`, the schema version in `ringside_schema`, and migrations under an
//! advisory lock so nodes starting together migrate once.

use std::cell::RefCell;
use std::collections::HashMap;
use std::error::Error;
use std::str::FromStr;

use bytes::BytesMut;
use futures_executor::block_on;
use tokio_postgres::types::{to_sql_checked, IsNull, ToSql, Type};
use tokio_postgres::{Client, Config, GenericClient, IsolationLevel, NoTls, Statement};

use super::value::{Row, Value};
use super::Sql;
use crate::error::StoreError;

/// Any constant both sides agree on: the advisory lock that serialises migrations across nodes.
const MIGRATION_LOCK: i64 = 0x5249_4e47_5349_4445; // "RINGSIDE"

/// One connection to the database, reconnected when the server closed it.
pub(crate) struct PgConn {
    config: Config,
    client: RefCell<Client>,
    statements: RefCell<HashMap<String, Statement>>,
}

impl std::fmt::Debug for PgConn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgConn").finish_non_exhaustive()
    }
}

impl PgConn {
    /// Connects to `url` (`postgres://user:password@host:port/database?…`).
    pub(crate) fn connect(url: &str) -> Result<PgConn, StoreError> {
        let config = Config::from_str(url)
            .map_err(|e| StoreError::Config(format!("bad Postgres URL: {e}")))?;
        let client = spawn_connection(&config)?;
        Ok(PgConn {
            config,
            client: RefCell::new(client),
            statements: RefCell::new(HashMap::new()),
        })
    }

    /// Reconnects if the server closed the connection (a restart, a terminated backend).
    fn ensure_open(&self) -> Result<(), StoreError> {
        if self.client.borrow().is_closed() {
            let client = spawn_connection(&self.config)?;
            *self.client.borrow_mut() = client;
            self.statements.borrow_mut().clear();
        }
        Ok(())
    }

    /// Runs `f` outside a transaction (each statement commits on its own).
    pub(crate) fn read<R>(
        &self,
        f: impl FnOnce(&dyn Sql) -> Result<R, StoreError>,
    ) -> Result<R, StoreError> {
        self.ensure_open()?;
        let client = self.client.borrow();
        f(&Pg {
            client: &*client,
            statements: &self.statements,
        })
    }

    /// Runs `f` in one transaction, committed when it returns `Ok`, rolled back otherwise.
    pub(crate) fn write<R, E: From<StoreError>>(
        &self,
        f: impl FnOnce(&dyn Sql) -> Result<R, E>,
    ) -> Result<R, E> {
        self.ensure_open()?;
        let mut client = self.client.borrow_mut();
        let tx = block_on(client.transaction()).map_err(StoreError::from)?;
        let out = f(&Pg {
            client: &tx,
            statements: &self.statements,
        })?;
        block_on(tx.commit()).map_err(StoreError::from)?;
        Ok(out)
    }

    /// Runs `f` in a read-only REPEATABLE READ transaction: every statement sees the same snapshot
    /// (a READ COMMITTED transaction would see other nodes' commits between statements).
    pub(crate) fn snapshot<R>(
        &self,
        f: impl FnOnce(&dyn Sql) -> Result<R, StoreError>,
    ) -> Result<R, StoreError> {
        self.ensure_open()?;
        let mut client = self.client.borrow_mut();
        let tx = block_on(
            client
                .build_transaction()
                .isolation_level(IsolationLevel::RepeatableRead)
                .read_only(true)
                .start(),
        )?;
        let out = f(&Pg {
            client: &tx,
            statements: &self.statements,
        })?;
        block_on(tx.commit())?;
        Ok(out)
    }

    /// Takes the migration lock, runs `f` (which reads the version and applies scripts), unlocks.
    pub(crate) fn with_migration_lock<R>(
        &self,
        f: impl FnOnce(&PgConn) -> Result<R, StoreError>,
    ) -> Result<R, StoreError> {
        self.ensure_open()?;
        block_on(
            self.client
                .borrow()
                .execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK]),
        )?;
        let out = f(self);
        block_on(
            self.client
                .borrow()
                .execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK]),
        )?;
        out
    }

    /// The schema version recorded in `ringside_schema` (0 for an empty database).
    pub(crate) fn schema_version(&self) -> Result<u32, StoreError> {
        let client = self.client.borrow();
        block_on(client.batch_execute(
            "CREATE TABLE IF NOT EXISTS ringside_schema (version BIGINT NOT NULL); \
             INSERT INTO ringside_schema (version) SELECT 0 \
             WHERE NOT EXISTS (SELECT 1 FROM ringside_schema)",
        ))?;
        let row = block_on(client.query_one("SELECT MAX(version) FROM ringside_schema", &[]))?;
        let version: i64 = row.try_get(0)?;
        u32::try_from(version)
            .map_err(|_| StoreError::Corrupt(format!("ringside_schema.version {version}")))
    }

    /// Runs one migration script and records `version`, in one transaction.
    pub(crate) fn apply_migration(&self, script: &str, version: u32) -> Result<(), StoreError> {
        let mut client = self.client.borrow_mut();
        let tx = block_on(client.transaction())?;
        block_on(tx.batch_execute(script))?;
        block_on(tx.execute(
            "UPDATE ringside_schema SET version = $1",
            &[&i64::from(version)],
        ))?;
        block_on(tx.commit())?;
        Ok(())
    }
}

/// Connects and drives the connection on a thread of its own (a current-thread runtime that ends
/// when the client is dropped). The client's futures need no runtime: they talk to that thread.
fn spawn_connection(config: &Config) -> Result<Client, StoreError> {
    let config = config.clone();
    let (ready, client) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("ringside-pg".into())
        .spawn(move || {
            let runtime = match current_thread_runtime() {
                Ok(runtime) => runtime,
                Err(e) => {
                    let _ = ready.send(Err(e));
                    return;
                }
            };
            runtime.block_on(async move {
                match config.connect(NoTls).await {
                    Ok((client, connection)) => {
                        let _ = ready.send(Ok(client));
                        if let Err(e) = connection.await {
                            tracing::warn!(error = %e, "Postgres connection ended");
                        }
                    }
                    Err(e) => {
                        let _ = ready.send(Err(StoreError::Postgres(e)));
                    }
                }
            });
        })
        .map_err(|e| StoreError::Config(format!("could not start the Postgres thread: {e}")))?;
    client
        .recv()
        .map_err(|_| StoreError::Config("the Postgres thread ended before connecting".into()))?
}

/// The channel every commit of a directory change notifies, with the new version as payload.
pub(crate) const DIRECTORY_CHANNEL: &str = "ringside_directory";

/// A connection that `LISTEN`s on [`DIRECTORY_CHANNEL`]: the payloads arrive on a channel; dropping
/// the listener closes the connection and ends its thread.
pub(crate) struct Listener {
    payloads: std::sync::mpsc::Receiver<String>,
    _stop: tokio::sync::oneshot::Sender<()>,
}

/// What [`Listener::next`] saw.
pub(crate) enum Heard {
    /// A notification's payload.
    Payload(String),
    /// Nothing within the timeout.
    Quiet,
    /// The connection ended (the listener must be replaced).
    Closed,
}

impl Listener {
    /// Connects to `url` and listens.
    pub(crate) fn start(url: &str) -> Result<Listener, StoreError> {
        let config = Config::from_str(url)
            .map_err(|e| StoreError::Config(format!("bad Postgres URL: {e}")))?;
        let (ready, started) = std::sync::mpsc::channel();
        let (payload_tx, payloads) = std::sync::mpsc::channel();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        std::thread::Builder::new()
            .name("ringside-pg-listen".into())
            .spawn(move || listen_thread(config, ready, payload_tx, stopped))
            .map_err(|e| StoreError::Config(format!("could not start the listener thread: {e}")))?;
        started.recv().map_err(|_| {
            StoreError::Config("the listener thread ended before listening".into())
        })??;
        Ok(Listener {
            payloads,
            _stop: stop,
        })
    }

    /// The next payload, waiting at most `timeout`.
    pub(crate) fn next(&self, timeout: std::time::Duration) -> Heard {
        match self.payloads.recv_timeout(timeout) {
            Ok(payload) => Heard::Payload(payload),
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => Heard::Quiet,
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => Heard::Closed,
        }
    }
}

/// The listener's thread: connect, forward notifications while the connection lives and nobody
/// asked to stop, then close.
fn listen_thread(
    config: Config,
    ready: std::sync::mpsc::Sender<Result<(), StoreError>>,
    payloads: std::sync::mpsc::Sender<String>,
    stop: tokio::sync::oneshot::Receiver<()>,
) {
    let runtime = match current_thread_runtime() {
        Ok(runtime) => runtime,
        Err(e) => {
            let _ = ready.send(Err(e));
            return;
        }
    };
    runtime.block_on(async move {
        let (client, mut connection) = match config.connect(NoTls).await {
            Ok(pair) => pair,
            Err(e) => {
                let _ = ready.send(Err(StoreError::Postgres(e)));
                return;
            }
        };
        let forward = async move {
            while let Some(message) = std::future::poll_fn(|cx| connection.poll_message(cx)).await {
                match message {
                    Ok(tokio_postgres::AsyncMessage::Notification(n)) => {
                        if payloads.send(n.payload().to_string()).is_err() {
                            return;
                        }
                    }
                    Ok(_) => {}
                    Err(e) => {
                        tracing::warn!(error = %e, "Postgres listener connection ended");
                        return;
                    }
                }
            }
        };
        let statement = format!("LISTEN {DIRECTORY_CHANNEL}");
        let listen = client.batch_execute(&statement);
        tokio::pin!(forward);
        // The connection must be polled for LISTEN to complete.
        tokio::select! {
            result = listen => {
                let _ = ready.send(result.map_err(StoreError::Postgres));
            }
            () = &mut forward => {
                let _ = ready.send(Err(StoreError::Config("the listener connection ended".into())));
                return;
            }
        }
        tokio::select! {
            () = forward => {}
            _ = stop => {}
        }
        drop(client);
    });
}

/// The runtime a connection thread drives its connection on.
fn current_thread_runtime() -> Result<tokio::runtime::Runtime, StoreError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| StoreError::Config(format!("runtime: {e}")))
}

/// Statements through a client or an open transaction.
struct Pg<'a, C: GenericClient> {
    client: &'a C,
    statements: &'a RefCell<HashMap<String, Statement>>,
}

impl<C: GenericClient + Sync> Pg<'_, C> {
    fn statement(&self, sql: &str) -> Result<Statement, StoreError> {
        if let Some(statement) = self.statements.borrow().get(sql) {
            return Ok(statement.clone());
        }
        let statement = block_on(self.client.prepare(&placeholders(sql)))?;
        self.statements
            .borrow_mut()
            .insert(sql.to_string(), statement.clone());
        Ok(statement)
    }
}

impl<C: GenericClient + Sync> Sql for Pg<'_, C> {
    fn exec(&self, sql: &str, params: &[Value]) -> Result<u64, StoreError> {
        let statement = self.statement(sql)?;
        let params: Vec<&(dyn ToSql + Sync)> = params.iter().map(|p| p as _).collect();
        Ok(block_on(self.client.execute(&statement, &params))?)
    }

    fn query(&self, sql: &str, params: &[Value]) -> Result<Vec<Row>, StoreError> {
        let statement = self.statement(sql)?;
        let params: Vec<&(dyn ToSql + Sync)> = params.iter().map(|p| p as _).collect();
        let rows = block_on(self.client.query(&statement, &params))?;
        rows.iter().map(read_row).collect()
    }
}

fn read_row(row: &tokio_postgres::Row) -> Result<Row, StoreError> {
    let mut columns = Vec::with_capacity(row.len());
    for (index, column) in row.columns().iter().enumerate() {
        let ty = column.type_();
        let value = if *ty == Type::INT8 {
            row.try_get::<_, Option<i64>>(index)?.map(Value::Int)
        } else if *ty == Type::INT4 {
            row.try_get::<_, Option<i32>>(index)?
                .map(|n| Value::Int(n.into()))
        } else if *ty == Type::INT2 {
            row.try_get::<_, Option<i16>>(index)?
                .map(|n| Value::Int(n.into()))
        } else if *ty == Type::BOOL {
            row.try_get::<_, Option<bool>>(index)?
                .map(|b| Value::Int(b.into()))
        } else if *ty == Type::BYTEA {
            row.try_get::<_, Option<Vec<u8>>>(index)?.map(Value::Bytes)
        } else {
            row.try_get::<_, Option<String>>(index)?.map(Value::Text)
        };
        columns.push(value.unwrap_or(Value::Null));
    }
    Ok(Row(columns))
}

/// `?1`, `?2`, … (the SQL both backends share) as Postgres's `$1`, `$2`, ….
fn placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '?' && chars.peek().is_some_and(char::is_ascii_digit) {
            out.push('$');
        } else {
            out.push(c);
        }
    }
    out
}

impl ToSql for Value {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn Error + Sync + Send>> {
        match self {
            Value::Null => Ok(IsNull::Yes),
            Value::Int(n) if *ty == Type::INT8 => n.to_sql(ty, out),
            Value::Int(n) if *ty == Type::INT4 => i32::try_from(*n)?.to_sql(ty, out),
            Value::Int(n) if *ty == Type::INT2 => i16::try_from(*n)?.to_sql(ty, out),
            Value::Int(n) if *ty == Type::BOOL => (*n != 0).to_sql(ty, out),
            Value::Int(n) => n.to_string().to_sql(ty, out),
            Value::Text(text) => text.to_sql(ty, out),
            Value::Bytes(bytes) => bytes.to_sql(ty, out),
        }
    }

    fn accepts(_ty: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

#[cfg(test)]
mod tests {
    use super::placeholders;

    #[test]
    fn placeholders_are_rewritten_and_other_question_marks_kept() {
        assert_eq!(
            placeholders("SELECT a FROM t WHERE b = ?1 AND c = ?12 OR d = '?'"),
            "SELECT a FROM t WHERE b = $1 AND c = $12 OR d = '?'"
        );
    }
}
