//! Embedded SQLite persistence for the directory, the notification outbox ([`OutboxStore`]) and online
//! meetings ([`MeetingStore`]): `Store` (schema migrations, `load`, one-transaction
//! `commit`) and `DirectoryStore`, the service that runs plan → durable commit → apply under one lock and
//! answers reads from memory.

mod error;
mod meetings;
mod outbox;
mod service;
mod sqlite;

pub use error::{ExecError, StoreError};
pub use meetings::{MeetingKey, MeetingRow, MeetingStore};
pub use outbox::{AbandonedRow, NewOutboxRow, OutboxRow, OutboxStore, OutboxUpdate, RetryPolicy};
pub use service::DirectoryStore;
pub use sqlite::{Store, MIGRATIONS, SCHEMA_VERSION};
