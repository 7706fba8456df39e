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
    start_at         INTEGER NOT NULL,
    end_at           INTEGER NOT NULL,
    created_at       INTEGER NOT NULL
) STRICT;
