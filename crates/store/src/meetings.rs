//! The online-meetings table: meetings created through Graph's `onlineMeetings`, with the ids a
//! join uses (chat thread id, numeric join meeting id and passcode). Its own connection to the
//! same database as the directory; every write is one durable statement.

use std::path::Path;

use crate::db::{args, Conn, Database, Row};

use crate::error::StoreError;

/// A stored meeting.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MeetingRow {
    /// The meeting id (Graph `onlineMeeting.id`).
    pub id: String,
    /// Its tenant.
    pub tenant_id: String,
    /// The organizer's user object id.
    pub organizer_id: String,
    /// Subject.
    pub subject: Option<String>,
    /// `chatInfo.threadId` (`19:meeting_…@thread.v2`).
    pub thread_id: String,
    /// `joinMeetingIdSettings.joinMeetingId` (digits).
    pub join_meeting_id: String,
    /// `joinMeetingIdSettings.passcode`.
    pub passcode: Option<String>,
    /// Scheduled start, unix ms.
    pub start_at_ms: i64,
    /// Scheduled end, unix ms.
    pub end_at_ms: i64,
    /// Creation, unix ms.
    pub created_at_ms: i64,
}

/// Which key to look a meeting up by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MeetingKey<'a> {
    /// Its id.
    Id(&'a str),
    /// Its chat thread id.
    Thread(&'a str),
    /// Its join meeting id.
    JoinMeetingId(&'a str),
}

/// The online-meetings table.
#[derive(Debug)]
pub struct MeetingStore {
    conn: Conn,
}

const COLUMNS: &str =
    "id, tenant_id, organizer_id, subject, thread_id, join_meeting_id, passcode, \
                       start_at, end_at, created_at";

impl MeetingStore {
    /// Opens (and migrates) the SQLite file.
    pub fn open(path: impl AsRef<Path>) -> Result<MeetingStore, StoreError> {
        MeetingStore::connect(&Database::sqlite(path))
    }

    /// Connects to the database (SQLite or Postgres), migrating it if needed.
    pub fn connect(database: &Database) -> Result<MeetingStore, StoreError> {
        Ok(MeetingStore {
            conn: crate::Store::connect(database)?.into_conn(),
        })
    }

    /// Inserts a meeting (durable when this returns).
    pub fn insert(&mut self, meeting: &MeetingRow) -> Result<(), StoreError> {
        let sql = format!(
            "INSERT INTO online_meetings ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
        );
        self.conn.write(|tx| {
            tx.exec(
                &sql,
                args![
                    meeting.id,
                    meeting.tenant_id,
                    meeting.organizer_id,
                    meeting.subject,
                    meeting.thread_id,
                    meeting.join_meeting_id,
                    meeting.passcode,
                    meeting.start_at_ms,
                    meeting.end_at_ms,
                    meeting.created_at_ms,
                ],
            )
        })?;
        Ok(())
    }

    /// A meeting of `tenant` by one of its keys.
    pub fn get(&self, tenant: &str, key: MeetingKey<'_>) -> Result<Option<MeetingRow>, StoreError> {
        let (column, value) = match key {
            MeetingKey::Id(v) => ("id", v),
            MeetingKey::Thread(v) => ("thread_id", v),
            MeetingKey::JoinMeetingId(v) => ("join_meeting_id", v),
        };
        let sql =
            format!("SELECT {COLUMNS} FROM online_meetings WHERE tenant_id = ?1 AND {column} = ?2");
        let row = self
            .conn
            .read(|q| q.query_opt(&sql, args![tenant, value]))?;
        row.as_ref().map(read_row).transpose()
    }

    /// A meeting by id, whatever its tenant (the platform API's view).
    pub fn by_id(&self, id: &str) -> Result<Option<MeetingRow>, StoreError> {
        let sql = format!("SELECT {COLUMNS} FROM online_meetings WHERE id = ?1");
        let row = self.conn.read(|q| q.query_opt(&sql, args![id]))?;
        row.as_ref().map(read_row).transpose()
    }

    /// Whether a join meeting id is taken (in any tenant: join ids are global, like dial-in codes).
    pub fn join_id_taken(&self, join_meeting_id: &str) -> Result<bool, StoreError> {
        let found = self.conn.read(|q| {
            q.query_opt(
                "SELECT 1 FROM online_meetings WHERE join_meeting_id = ?1",
                args![join_meeting_id],
            )
        })?;
        Ok(found.is_some())
    }

    /// Deletes a meeting of `tenant`; whether it existed.
    pub fn delete(&mut self, tenant: &str, id: &str) -> Result<bool, StoreError> {
        let n = self.conn.write(|tx| {
            tx.exec(
                "DELETE FROM online_meetings WHERE tenant_id = ?1 AND id = ?2",
                args![tenant, id],
            )
        })?;
        Ok(n > 0)
    }
}

fn read_row(row: &Row) -> Result<MeetingRow, StoreError> {
    Ok(MeetingRow {
        id: row.get(0)?,
        tenant_id: row.get(1)?,
        organizer_id: row.get(2)?,
        subject: row.get(3)?,
        thread_id: row.get(4)?,
        join_meeting_id: row.get(5)?,
        passcode: row.get(6)?,
        start_at_ms: row.get(7)?,
        end_at_ms: row.get(8)?,
        created_at_ms: row.get(9)?,
    })
}
