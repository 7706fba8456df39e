-- PostgreSQL spelling of ../0004_online_meetings.sql (same tables and constraints; BIGINT for INTEGER, BYTEA for BLOB, an identity column for AUTOINCREMENT).
-- Schema 4: online meetings created through Graph (`/users/{id}/onlineMeetings`), joinable by bots
-- (organizerMeetingInfo + chatInfo, joinMeetingIdMeetingInfo, or a decoded join URL) and by
-- simulated users.
CREATE TABLE online_meetings (
    id               TEXT NOT NULL PRIMARY KEY,
    tenant_id        TEXT NOT NULL,
    organizer_id     TEXT NOT NULL,
    subject          TEXT,
    thread_id        TEXT NOT NULL UNIQUE,
    join_meeting_id  TEXT NOT NULL UNIQUE,
    passcode         TEXT,
    start_at         BIGINT NOT NULL,
    end_at           BIGINT NOT NULL,
    created_at       BIGINT NOT NULL
);
