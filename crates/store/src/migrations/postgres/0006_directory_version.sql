-- PostgreSQL spelling of ../0006_directory_version.sql (same tables and constraints; BIGINT for INTEGER, BYTEA for BLOB, an identity column for AUTOINCREMENT).
-- Schema 6: the directory's version, bumped by every committed provisioning change. A node that
-- holds the directory in memory compares it with its own before planning (under the row's lock,
-- so nodes sharing a database plan one after another against the latest state) and reloads when
-- another node moved it; the commit also NOTIFYs `ringside_directory` with the new version.

CREATE TABLE directory_version (
    id       BIGINT PRIMARY KEY NOT NULL CHECK (id = 1),
    version  BIGINT NOT NULL
);

INSERT INTO directory_version (id, version) VALUES (1, 0);
