-- Schema 2: the notification outbox (Graph notifications, ACS callbacks, Event Grid events).
-- One row per notification; `ordering_key` (a call or call-connection id) orders delivery: a row is
-- delivered only after every earlier row with the same key was delivered or given up.
-- Times are unix milliseconds; `body` is the exact bytes POSTed; `headers` the extra request
-- headers as `name<TAB>value` lines (kept so that retries send the same message ids).

CREATE TABLE outbox (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    ordering_key     TEXT NOT NULL,
    target_url       TEXT NOT NULL,
    dialect          TEXT NOT NULL,
    audience         TEXT NOT NULL,
    tenant_id        TEXT NOT NULL,
    headers          TEXT NOT NULL,
    body             BLOB NOT NULL,
    retry_policy     TEXT NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER NOT NULL,
    created_at       INTEGER NOT NULL,
    state            TEXT NOT NULL CHECK (state IN ('pending', 'abandoned')),
    last_error       TEXT
) STRICT;

CREATE INDEX outbox_pending ON outbox (state, id);
