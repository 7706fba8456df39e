-- PostgreSQL spelling of ../0007_nodes.sql (same tables and constraints; BIGINT for INTEGER, BYTEA for BLOB, an identity column for AUTOINCREMENT).
-- Schema 7: the nodes sharing this database. Each running server upserts its row every few seconds
-- (a heartbeat) with the calls it carries; a node whose heartbeat is older than a few intervals is
-- taken for dead. Times are unix milliseconds.

CREATE TABLE nodes (
    name          TEXT PRIMARY KEY NOT NULL,
    url           TEXT NOT NULL,
    started_at    BIGINT NOT NULL,
    heartbeat_at  BIGINT NOT NULL,
    calls         BIGINT NOT NULL
);
