-- Schema 9: outbox rows across the nodes sharing a database (issue 18). Every pending row has an owner
-- node and a lease (unix ms): the owner delivers it and renews its rows' leases every few seconds; a
-- row whose lease ran out is claimed by another node (on Postgres with FOR UPDATE SKIP LOCKED), one
-- ordering key at a time, so that a dead node's notifications are still delivered, in order per key.
-- Rows written before this schema have no owner and an expired lease: the first node to look takes them.
-- `outbox_ids` hands out blocks of ids (its one row holds the next free id), so that nodes number
-- their rows themselves, without a round trip per row, and never collide.

ALTER TABLE outbox ADD COLUMN owner_node TEXT;
ALTER TABLE outbox ADD COLUMN lease_until INTEGER NOT NULL DEFAULT 0;

CREATE INDEX outbox_owner ON outbox (owner_node, state);
CREATE INDEX outbox_lease ON outbox (state, lease_until);
CREATE INDEX outbox_key ON outbox (ordering_key, state, id);

CREATE TABLE outbox_ids (
    one      INTEGER PRIMARY KEY CHECK (one = 1),
    next_id  INTEGER NOT NULL
) STRICT;

INSERT INTO outbox_ids (one, next_id) VALUES (1, 1);
