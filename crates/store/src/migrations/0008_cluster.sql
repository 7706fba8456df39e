-- Schema 8: forwarding between the nodes sharing this database. Each node has a small number that
-- tags the ids it mints (so any node knows a call's owner from its id), the URL its peers reach it at
-- and the certificate of the CA that signed its TLS certificate (PEM; peers pin it). Secrets every
-- node must hold alike (the token-signing key, the key that authenticates forwarded requests) live
-- in cluster_secrets: the first node to start writes them, the others read them.

ALTER TABLE nodes ADD COLUMN number INTEGER NOT NULL DEFAULT 0;
ALTER TABLE nodes ADD COLUMN internal_url TEXT NOT NULL DEFAULT '';
ALTER TABLE nodes ADD COLUMN ca_pem TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX nodes_number ON nodes (number) WHERE number > 0;

CREATE TABLE cluster_secrets (
    name   TEXT PRIMARY KEY NOT NULL,
    value  BLOB NOT NULL
) STRICT;

-- A minimal record of every live call, kept by the node that carries it: enough to tell the call's
-- bot that the call ended when that node dies (or restarts) with it. `epitaph` is that last
-- notification, rendered by the call's door when the call began (an outbox row's fields); a
-- survivor moves the epitaphs of a dead node's calls into the outbox.
CREATE TABLE calls (
    id            TEXT PRIMARY KEY NOT NULL,
    owner_node    TEXT NOT NULL,
    dialect       TEXT NOT NULL,
    tenant_id     TEXT NOT NULL,
    app_id        TEXT NOT NULL,
    callback      TEXT NOT NULL,
    headers       TEXT NOT NULL,
    epitaph       BLOB NOT NULL,
    retry_policy  TEXT NOT NULL,
    created_at    INTEGER NOT NULL
) STRICT;

CREATE INDEX calls_owner ON calls (owner_node);
