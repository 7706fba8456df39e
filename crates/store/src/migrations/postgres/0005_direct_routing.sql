-- PostgreSQL spelling of ../0005_direct_routing.sql (same tables and constraints; BIGINT for INTEGER, BYTEA for BLOB, an identity column for AUTOINCREMENT).
-- Schema 5: Direct Routing. PSTN gateways (identity unique across tenants), each tenant's ordered
-- PSTN usage list, voice routes with their gateway and usage lists, voice routing policies with
-- their usage lists, policy grants, and users' SIP credentials. Lists keep their order in a
-- position column; names that are compared case-insensitively have a lower-cased key column.

CREATE TABLE pstn_gateways (
    fqdn                     TEXT PRIMARY KEY NOT NULL,
    tenant_id                TEXT NOT NULL REFERENCES tenants(id),
    sip_signaling_port       BIGINT NOT NULL CHECK (sip_signaling_port BETWEEN 1 AND 65535),
    transport                TEXT NOT NULL,
    enabled                  BIGINT NOT NULL CHECK (enabled IN (0, 1)),
    max_concurrent_sessions  BIGINT,
    send_sip_options         BIGINT NOT NULL CHECK (send_sip_options IN (0, 1)),
    forward_pai              BIGINT NOT NULL CHECK (forward_pai IN (0, 1)),
    failover_response_codes  TEXT NOT NULL,
    failover_time_seconds    BIGINT NOT NULL,
    description              TEXT NOT NULL,
    digest_username          TEXT,
    digest_password          TEXT
);
CREATE INDEX pstn_gateways_by_tenant ON pstn_gateways(tenant_id);

CREATE TABLE pstn_usages (
    tenant_id  TEXT NOT NULL REFERENCES tenants(id),
    position   BIGINT NOT NULL,
    usage      TEXT NOT NULL,
    PRIMARY KEY (tenant_id, position)
);

CREATE TABLE voice_routes (
    tenant_id       TEXT NOT NULL REFERENCES tenants(id),
    identity_key    TEXT NOT NULL,
    identity        TEXT NOT NULL,
    number_pattern  TEXT NOT NULL,
    priority        BIGINT NOT NULL,
    description     TEXT NOT NULL,
    PRIMARY KEY (tenant_id, identity_key)
);

CREATE TABLE voice_route_gateways (
    tenant_id     TEXT NOT NULL,
    identity_key  TEXT NOT NULL,
    position      BIGINT NOT NULL,
    fqdn          TEXT NOT NULL REFERENCES pstn_gateways(fqdn),
    PRIMARY KEY (tenant_id, identity_key, position),
    FOREIGN KEY (tenant_id, identity_key) REFERENCES voice_routes(tenant_id, identity_key) ON DELETE CASCADE
);

CREATE TABLE voice_route_usages (
    tenant_id     TEXT NOT NULL,
    identity_key  TEXT NOT NULL,
    position      BIGINT NOT NULL,
    usage         TEXT NOT NULL,
    PRIMARY KEY (tenant_id, identity_key, position),
    FOREIGN KEY (tenant_id, identity_key) REFERENCES voice_routes(tenant_id, identity_key) ON DELETE CASCADE
);

CREATE TABLE voice_routing_policies (
    tenant_id     TEXT NOT NULL REFERENCES tenants(id),
    identity_key  TEXT NOT NULL,
    identity      TEXT NOT NULL,
    description   TEXT NOT NULL,
    PRIMARY KEY (tenant_id, identity_key)
);

CREATE TABLE voice_routing_policy_usages (
    tenant_id     TEXT NOT NULL,
    identity_key  TEXT NOT NULL,
    position      BIGINT NOT NULL,
    usage         TEXT NOT NULL,
    PRIMARY KEY (tenant_id, identity_key, position),
    FOREIGN KEY (tenant_id, identity_key) REFERENCES voice_routing_policies(tenant_id, identity_key) ON DELETE CASCADE
);

-- account_id is a user or an application instance, so it has no foreign key (as phone_numbers).
CREATE TABLE voice_routing_policy_grants (
    tenant_id   TEXT NOT NULL REFERENCES tenants(id),
    account_id  TEXT NOT NULL,
    policy      TEXT NOT NULL,
    PRIMARY KEY (tenant_id, account_id)
);

CREATE TABLE sip_credentials (
    username_key  TEXT PRIMARY KEY NOT NULL,
    username      TEXT NOT NULL,
    tenant_id     TEXT NOT NULL REFERENCES tenants(id),
    user_id       TEXT NOT NULL UNIQUE REFERENCES users(id),
    password      TEXT NOT NULL
);
