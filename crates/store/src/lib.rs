//! Persistence for the directory, the notification outbox ([`OutboxStore`]) and online meetings
//! ([`MeetingStore`]) in an embedded SQLite file or a PostgreSQL database ([`Database`]): `Store`
//! (schema migrations, `load`, one-transaction `commit`) and `DirectoryStore`, the service that runs
//! plan → durable commit → apply under one lock and answers reads from memory.

mod calls;
mod db;
mod error;
mod meetings;
mod nodes;
mod outbox;
mod records;
mod service;

pub use calls::{CallRow, CallStore};
pub use db::{postgres_spelling, Database, MIGRATIONS, SCHEMA_VERSION};
pub use error::{ExecError, StoreError};
pub use meetings::{MeetingKey, MeetingRow, MeetingStore};
pub use nodes::{NodeRow, NodeStore};
pub use outbox::{
    AbandonedRow, Lease, NewOutboxRow, OutboxRow, OutboxStore, OutboxUpdate, RetryPolicy,
};
pub use records::Store;
pub use service::DirectoryStore;
