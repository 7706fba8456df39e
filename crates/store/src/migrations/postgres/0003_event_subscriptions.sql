-- PostgreSQL spelling of ../0003_event_subscriptions.sql (same tables and constraints; BIGINT for INTEGER, BYTEA for BLOB, an identity column for AUTOINCREMENT).
-- Schema 3: Event Grid subscriptions of ACS resources. `event_types` and `to_raw_ids` are
-- newline-separated sets (neither value may contain a newline); `schema` is the ARM schema name.
CREATE TABLE event_subscriptions (
    resource_id  TEXT NOT NULL REFERENCES acs_resources(id),
    name_key     TEXT NOT NULL,
    name         TEXT NOT NULL,
    id           TEXT NOT NULL UNIQUE,
    endpoint     TEXT NOT NULL,
    event_types  TEXT NOT NULL,
    schema       TEXT NOT NULL,
    to_raw_ids   TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (resource_id, name_key)
);
