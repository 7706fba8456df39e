//! The online-meetings table: meetings created through Graph's `onlineMeetings`, with the ids a
//! join uses (chat thread id, numeric join meeting id and passcode). Its own connection to the
//! same SQLite file as the directory; every write is one durable statement.

use std::path::Path;

use rusqlite::{params, Connection, OptionalExtension, Row};

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
    conn: Connection,
}

const COLUMNS: &str =
    "id, tenant_id, organizer_id, subject, thread_id, join_meeting_id, passcode, \
                       start_at, end_at, created_at";

impl MeetingStore {
    /// Opens (and migrates) the database file.
    pub fn open(path: impl AsRef<Path>) -> Result<MeetingStore, StoreError> {
        let store = crate::Store::open(path)?;
        Ok(MeetingStore {
            conn: store.into_connection(),
        })
    }

    /// Inserts a meeting (durable when this returns).
    pub fn insert(&mut self, meeting: &MeetingRow) -> Result<(), StoreError> {
        self.conn.execute(
            &format!("INSERT INTO online_meetings ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"),
            params![
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
        )?;
        Ok(())
    }

    /// A meeting of `tenant` by one of its keys.
    pub fn get(&self, tenant: &str, key: MeetingKey<'_>) -> Result<Option<MeetingRow>, StoreError> {
        let (column, value) = match key {
            MeetingKey::Id(v) => ("id", v),
            MeetingKey::Thread(v) => ("thread_id", v),
            MeetingKey::JoinMeetingId(v) => ("join_meeting_id", v),
        };
        let row = self
            .conn
            .query_row(
                &format!(
                    "SELECT {COLUMNS} FROM online_meetings WHERE tenant_id = ?1 AND {column} = ?2"
                ),
                params![tenant, value],
                read_row,
            )
            .optional()?;
        Ok(row)
    }

    /// A meeting by id, whatever its tenant (the platform API's view).
    pub fn by_id(&self, id: &str) -> Result<Option<MeetingRow>, StoreError> {
        let row = self
            .conn
            .query_row(
                &format!("SELECT {COLUMNS} FROM online_meetings WHERE id = ?1"),
                params![id],
                read_row,
            )
            .optional()?;
        Ok(row)
    }

    /// Whether a join meeting id is taken (in any tenant: join ids are global, like dial-in codes).
    pub fn join_id_taken(&self, join_meeting_id: &str) -> Result<bool, StoreError> {
        let found: Option<i64> = self
            .conn
            .query_row(
                "SELECT 1 FROM online_meetings WHERE join_meeting_id = ?1",
                params![join_meeting_id],
                |row| row.get(0),
            )
            .optional()?;
        Ok(found.is_some())
    }

    /// Deletes a meeting of `tenant`; whether it existed.
    pub fn delete(&mut self, tenant: &str, id: &str) -> Result<bool, StoreError> {
        let n = self.conn.execute(
            "DELETE FROM online_meetings WHERE tenant_id = ?1 AND id = ?2",
            params![tenant, id],
        )?;
        Ok(n > 0)
    }
}

fn read_row(row: &Row<'_>) -> rusqlite::Result<MeetingRow> {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn meeting(id: &str, join: &str) -> MeetingRow {
        MeetingRow {
            id: id.into(),
            tenant_id: "t1".into(),
            organizer_id: "u1".into(),
            subject: Some("Standup".into()),
            thread_id: format!("19:meeting_{id}@thread.v2"),
            join_meeting_id: join.into(),
            passcode: Some("abc123".into()),
            start_at_ms: 1,
            end_at_ms: 2,
            created_at_ms: 3,
        }
    }

    #[test]
    fn meetings_round_trip_by_every_key_and_stay_in_their_tenant() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ringside.db");
        let mut store = MeetingStore::open(&path).unwrap();
        let m = meeting("m1", "123456789");
        store.insert(&m).unwrap();
        // A duplicate join id is refused by the schema.
        assert!(store.insert(&meeting("m2", "123456789")).is_err());
        drop(store);
        let mut store = MeetingStore::open(&path).unwrap();
        assert_eq!(
            store.get("t1", MeetingKey::Id("m1")).unwrap(),
            Some(m.clone())
        );
        assert_eq!(
            store.get("t1", MeetingKey::Thread(&m.thread_id)).unwrap(),
            Some(m.clone())
        );
        assert_eq!(
            store
                .get("t1", MeetingKey::JoinMeetingId("123456789"))
                .unwrap(),
            Some(m.clone())
        );
        assert_eq!(store.get("t2", MeetingKey::Id("m1")).unwrap(), None);
        assert_eq!(store.by_id("m1").unwrap(), Some(m.clone()));
        assert!(store.join_id_taken("123456789").unwrap());
        assert!(!store.delete("t2", "m1").unwrap());
        assert!(store.delete("t1", "m1").unwrap());
        assert_eq!(store.get("t1", MeetingKey::Id("m1")).unwrap(), None);
    }
}
