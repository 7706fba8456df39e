-- Schema 7: the nodes sharing this database. Each running server upserts its row every few seconds
-- (a heartbeat) with the calls it carries; a node whose heartbeat is older than a few intervals is
-- taken for dead. Times are unix milliseconds.

CREATE TABLE nodes (
    name          TEXT PRIMARY KEY NOT NULL,
    url           TEXT NOT NULL,
    started_at    INTEGER NOT NULL,
    heartbeat_at  INTEGER NOT NULL,
    calls         INTEGER NOT NULL
) STRICT;
