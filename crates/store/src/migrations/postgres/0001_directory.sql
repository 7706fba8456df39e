-- PostgreSQL spelling of ../0001_directory.sql (same tables and constraints; BIGINT for INTEGER, BYTEA for BLOB, an identity column for AUTOINCREMENT).
-- Schema 1: the directory. One table per record, child tables for sets and lists.
-- Ids are lowercase hyphenated GUID text; times are unix seconds; booleans are 0/1.

CREATE TABLE tenants (
    id            TEXT PRIMARY KEY NOT NULL,
    display_name  TEXT NOT NULL,
    domain        TEXT NOT NULL UNIQUE
);

CREATE TABLE acs_resources (
    id             TEXT PRIMARY KEY NOT NULL,
    tenant_id      TEXT NOT NULL REFERENCES tenants(id),
    name           TEXT NOT NULL UNIQUE,
    display_name   TEXT NOT NULL,
    primary_key    TEXT NOT NULL,
    secondary_key  TEXT NOT NULL,
    created_at     BIGINT NOT NULL
);

CREATE TABLE applications (
    app_id                   TEXT PRIMARY KEY NOT NULL,
    home_tenant_id           TEXT NOT NULL REFERENCES tenants(id),
    display_name             TEXT NOT NULL,
    service_principal_id     TEXT NOT NULL UNIQUE,
    calling_webhook          TEXT,
    calling_enabled          BIGINT NOT NULL CHECK (calling_enabled IN (0, 1)),
    real_time_media_enabled  BIGINT NOT NULL CHECK (real_time_media_enabled IN (0, 1))
);

CREATE TABLE application_secrets (
    app_id        TEXT NOT NULL REFERENCES applications(app_id) ON DELETE CASCADE,
    key_id        TEXT NOT NULL,
    position      BIGINT NOT NULL,
    display_name  TEXT NOT NULL,
    hint          TEXT NOT NULL,
    hash          TEXT NOT NULL,
    created_at    BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL,
    PRIMARY KEY (app_id, key_id)
);

CREATE TABLE application_permissions (
    app_id      TEXT NOT NULL REFERENCES applications(app_id) ON DELETE CASCADE,
    permission  TEXT NOT NULL,
    PRIMARY KEY (app_id, permission)
);

CREATE TABLE application_redirect_uris (
    app_id    TEXT NOT NULL REFERENCES applications(app_id) ON DELETE CASCADE,
    position  BIGINT NOT NULL,
    uri       TEXT NOT NULL,
    PRIMARY KEY (app_id, position)
);

CREATE TABLE consents (
    tenant_id   TEXT NOT NULL REFERENCES tenants(id),
    app_id      TEXT NOT NULL REFERENCES applications(app_id),
    granted_at  BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, app_id)
);

CREATE TABLE consent_permissions (
    tenant_id   TEXT NOT NULL,
    app_id      TEXT NOT NULL,
    permission  TEXT NOT NULL,
    PRIMARY KEY (tenant_id, app_id, permission),
    FOREIGN KEY (tenant_id, app_id) REFERENCES consents(tenant_id, app_id) ON DELETE CASCADE
);

CREATE TABLE users (
    id            TEXT PRIMARY KEY NOT NULL,
    tenant_id     TEXT NOT NULL REFERENCES tenants(id),
    upn           TEXT NOT NULL,
    display_name  TEXT NOT NULL
);
CREATE INDEX users_by_tenant ON users(tenant_id);

CREATE TABLE user_licences (
    user_id  TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    licence  TEXT NOT NULL,
    PRIMARY KEY (user_id, licence)
);

CREATE TABLE application_instances (
    id               TEXT PRIMARY KEY NOT NULL,
    tenant_id        TEXT NOT NULL REFERENCES tenants(id),
    upn              TEXT NOT NULL,
    app_id           TEXT NOT NULL REFERENCES applications(app_id),
    display_name     TEXT NOT NULL,
    acs_resource_id  TEXT REFERENCES acs_resources(id),
    synced_at        BIGINT
);
CREATE INDEX application_instances_by_tenant ON application_instances(tenant_id);

CREATE TABLE instance_licences (
    instance_id  TEXT NOT NULL REFERENCES application_instances(id) ON DELETE CASCADE,
    licence      TEXT NOT NULL,
    PRIMARY KEY (instance_id, licence)
);

-- assigned_to is a user or an application instance id, so it has no foreign key; the directory keeps it
-- consistent. The partial unique index still enforces "one account has at most one number".
CREATE TABLE phone_numbers (
    number       TEXT PRIMARY KEY NOT NULL,
    tenant_id    TEXT NOT NULL REFERENCES tenants(id),
    number_type  TEXT NOT NULL,
    assigned_to  TEXT,
    acquired_at  BIGINT NOT NULL
);
CREATE UNIQUE INDEX phone_numbers_by_owner ON phone_numbers(assigned_to) WHERE assigned_to IS NOT NULL;
