-- Schema 6: the directory's version, bumped by every committed provisioning change. A node that
-- holds the directory in memory compares it with its own before planning (under the row's lock,
-- so nodes sharing a database plan one after another against the latest state) and reloads when
-- another node moved it.

CREATE TABLE directory_version (
    id       INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    version  INTEGER NOT NULL
) STRICT;

INSERT INTO directory_version (id, version) VALUES (1, 0);
