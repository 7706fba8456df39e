//! `Store`: the SQLite file — pragmas, ordered migrations under `PRAGMA user_version`, loading every
//! record into a `Directory`, and committing a change list in one transaction.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use ringside_directory::{
    AcsResource, AppRegistration, ApplicationInstance, BotRegistration, Change, Consent, Directory,
    EventDeliverySchema, EventSubscription, PhoneNumber, SecretRecord, Tenant, User,
};
use ringside_model::{Guid, Licence, NumberType, Permission, E164};
use rusqlite::{params, Connection, Transaction};

use crate::error::StoreError;

/// Schema migrations, in order: script `i` takes the schema from version `i` to `i + 1`.
/// Append only; never edit a released script.
pub const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_directory.sql"),
    include_str!("migrations/0002_outbox.sql"),
    include_str!("migrations/0003_event_subscriptions.sql"),
    include_str!("migrations/0004_online_meetings.sql"),
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// How long a statement waits for another connection's lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// One SQLite connection to the directory database.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
}

impl Store {
    /// Opens or creates the database: WAL journal, `synchronous=FULL` (a commit is on disk when it
    /// returns), foreign keys on, a busy timeout; then applies pending migrations.
    pub fn open(path: impl AsRef<Path>) -> Result<Store, StoreError> {
        let conn = Connection::open(path)?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |row| row.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Corrupt(format!(
                "could not enable WAL (journal_mode is {mode})"
            )));
        }
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        let mut store = Store { conn };
        store.migrate()?;
        Ok(store)
    }

    /// The schema version recorded in the file.
    pub fn schema_version(&self) -> Result<u32, StoreError> {
        Ok(self
            .conn
            .query_row("PRAGMA user_version", [], |row| row.get(0))?)
    }

    /// Applies every migration the file has not seen, each in its own transaction together with its
    /// `user_version` bump. Returns how many ran (0 when up to date).
    pub fn migrate(&mut self) -> Result<usize, StoreError> {
        let found = self.schema_version()?;
        if found > SCHEMA_VERSION {
            return Err(StoreError::TooNew {
                found,
                known: SCHEMA_VERSION,
            });
        }
        let mut ran = 0;
        for (index, script) in MIGRATIONS.iter().enumerate().skip(found as usize) {
            let tx = self.conn.transaction()?;
            tx.execute_batch(script)?;
            tx.pragma_update(None, "user_version", index as u32 + 1)?;
            tx.commit()?;
            ran += 1;
        }
        Ok(ran)
    }

    /// Gives up the store for its connection (the outbox reuses the opened, migrated file).
    pub(crate) fn into_connection(self) -> Connection {
        self.conn
    }

    /// Persists the changes in one transaction: all or nothing, durable when this returns `Ok`.
    pub fn commit(&mut self, changes: &[Change]) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        for change in changes {
            write_change(&tx, change)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Reads every record into a fresh directory.
    pub fn load(&self) -> Result<Directory, StoreError> {
        let conn = &self.conn;
        let mut changes = Vec::new();

        let mut stmt = conn.prepare("SELECT id, display_name, domain FROM tenants ORDER BY id")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get(1)?, r.get(2)?)))?;
        for row in rows {
            let (id, display_name, domain) = row?;
            changes.push(Change::PutTenant(Tenant {
                id: parse(&id, "tenants.id")?,
                display_name,
                domain,
            }));
        }

        let mut stmt = conn.prepare(
            "SELECT id, tenant_id, name, display_name, primary_key, secondary_key, created_at \
             FROM acs_resources ORDER BY id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
            ))
        })?;
        for row in rows {
            let (id, tenant, name, display_name, primary_key, secondary_key, created_at) = row?;
            changes.push(Change::PutAcsResource(AcsResource {
                id: parse(&id, "acs_resources.id")?,
                tenant: parse(&tenant, "acs_resources.tenant_id")?,
                name,
                display_name,
                primary_key,
                secondary_key,
                created_at,
            }));
        }

        let mut secrets = self.load_secrets()?;
        let mut requested = group(
            conn,
            "SELECT app_id, permission FROM application_permissions",
        )?;
        let mut uris = group(
            conn,
            "SELECT app_id, uri FROM application_redirect_uris ORDER BY app_id, position",
        )?;
        let mut stmt = conn.prepare(
            "SELECT app_id, home_tenant_id, display_name, service_principal_id, calling_webhook, \
             calling_enabled, real_time_media_enabled FROM applications ORDER BY app_id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get(2)?,
                r.get::<_, String>(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
            ))
        })?;
        for row in rows {
            let (app_id, home, display_name, sp, calling_webhook, calling_enabled, rtm) = row?;
            let permissions = requested.remove(&app_id).unwrap_or_default();
            changes.push(Change::PutApplication(AppRegistration {
                app_id: parse(&app_id, "applications.app_id")?,
                home_tenant: parse(&home, "applications.home_tenant_id")?,
                display_name,
                service_principal_id: parse_guid(&sp, "applications.service_principal_id")?,
                secrets: secrets.remove(&app_id).unwrap_or_default(),
                requested: parse_permissions(&permissions)?,
                redirect_uris: uris.remove(&app_id).unwrap_or_default(),
                bot: BotRegistration {
                    calling_webhook,
                    calling_enabled,
                    real_time_media_enabled: rtm,
                },
            }));
        }

        let mut granted = BTreeMap::<(String, String), Vec<String>>::new();
        let mut stmt =
            conn.prepare("SELECT tenant_id, app_id, permission FROM consent_permissions")?;
        let rows = stmt.query_map([], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get(2)?))
        })?;
        for row in rows {
            let (tenant, app, permission) = row?;
            granted.entry((tenant, app)).or_default().push(permission);
        }
        let mut stmt = conn.prepare(
            "SELECT tenant_id, app_id, granted_at FROM consents ORDER BY tenant_id, app_id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get(2)?))
        })?;
        for row in rows {
            let (tenant, app, granted_at) = row?;
            let permissions = granted
                .remove(&(tenant.clone(), app.clone()))
                .unwrap_or_default();
            changes.push(Change::PutConsent(Consent {
                tenant: parse(&tenant, "consents.tenant_id")?,
                app: parse(&app, "consents.app_id")?,
                granted: parse_permissions(&permissions)?,
                granted_at,
            }));
        }

        let mut licences = group(conn, "SELECT user_id, licence FROM user_licences")?;
        let mut stmt =
            conn.prepare("SELECT id, tenant_id, upn, display_name FROM users ORDER BY id")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get(2)?,
                r.get(3)?,
            ))
        })?;
        for row in rows {
            let (id, tenant, upn, display_name) = row?;
            changes.push(Change::PutUser(User {
                licences: parse_licences(&licences.remove(&id).unwrap_or_default())?,
                tenant: parse(&tenant, "users.tenant_id")?,
                id: parse(&id, "users.id")?,
                upn,
                display_name,
            }));
        }

        let mut licences = group(conn, "SELECT instance_id, licence FROM instance_licences")?;
        let mut stmt = conn.prepare(
            "SELECT id, tenant_id, upn, app_id, display_name, acs_resource_id, synced_at \
             FROM application_instances ORDER BY id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get(2)?,
                r.get::<_, String>(3)?,
                r.get(4)?,
                r.get::<_, Option<String>>(5)?,
                r.get(6)?,
            ))
        })?;
        for row in rows {
            let (id, tenant, upn, app_id, display_name, acs, synced_at) = row?;
            changes.push(Change::PutInstance(ApplicationInstance {
                licences: parse_licences(&licences.remove(&id).unwrap_or_default())?,
                tenant: parse(&tenant, "application_instances.tenant_id")?,
                id: parse(&id, "application_instances.id")?,
                upn,
                app_id: parse(&app_id, "application_instances.app_id")?,
                display_name,
                acs_resource: acs
                    .map(|a| parse(&a, "application_instances.acs_resource_id"))
                    .transpose()?,
                synced_at,
            }));
        }

        let mut stmt = conn.prepare(
            "SELECT number, tenant_id, number_type, assigned_to, acquired_at FROM phone_numbers ORDER BY number",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get(4)?,
            ))
        })?;
        for row in rows {
            let (number, tenant, number_type, assigned_to, acquired_at) = row?;
            changes.push(Change::PutNumber(PhoneNumber {
                tenant: parse(&tenant, "phone_numbers.tenant_id")?,
                number: E164::parse(&number).map_err(|e| corrupt("phone_numbers.number", e))?,
                number_type: NumberType::parse(&number_type)
                    .map_err(|e| corrupt("phone_numbers.number_type", e))?,
                assigned_to: assigned_to
                    .map(|a| parse_guid(&a, "phone_numbers.assigned_to"))
                    .transpose()?,
                acquired_at,
            }));
        }

        let mut stmt = conn.prepare(
            "SELECT resource_id, name, id, endpoint, event_types, schema, to_raw_ids, created_at \
             FROM event_subscriptions ORDER BY resource_id, name_key",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, String>(6)?,
                r.get(7)?,
            ))
        })?;
        for row in rows {
            let (resource, name, id, endpoint, event_types, schema, to_raw_ids, created_at) = row?;
            let set = |text: &str| {
                text.split('\n')
                    .filter(|v| !v.is_empty())
                    .map(str::to_string)
                    .collect()
            };
            changes.push(Change::PutEventSubscription(EventSubscription {
                id: parse_guid(&id, "event_subscriptions.id")?,
                resource: parse(&resource, "event_subscriptions.resource_id")?,
                name,
                endpoint,
                event_types: set(&event_types),
                schema: EventDeliverySchema::parse(&schema)
                    .ok_or_else(|| corrupt("event_subscriptions.schema", &schema))?,
                to_raw_ids: set(&to_raw_ids),
                created_at,
            }));
        }

        let mut directory = Directory::new();
        directory.apply(&changes);
        Ok(directory)
    }

    fn load_secrets(&self) -> Result<BTreeMap<String, Vec<SecretRecord>>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT app_id, key_id, display_name, hint, hash, created_at, expires_at \
             FROM application_secrets ORDER BY app_id, position",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
            ))
        })?;
        let mut secrets = BTreeMap::<String, Vec<SecretRecord>>::new();
        for row in rows {
            let (app, key_id, display_name, hint, hash, created_at, expires_at) = row?;
            secrets.entry(app).or_default().push(SecretRecord {
                key_id: parse(&key_id, "application_secrets.key_id")?,
                display_name,
                hint,
                hash,
                created_at,
                expires_at,
            });
        }
        Ok(secrets)
    }
}

fn write_change(tx: &Transaction<'_>, change: &Change) -> Result<(), StoreError> {
    match change {
        Change::PutTenant(t) => {
            tx.execute(
                "INSERT INTO tenants (id, display_name, domain) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (id) DO UPDATE SET display_name = excluded.display_name, domain = excluded.domain",
                params![t.id.to_string(), t.display_name, t.domain],
            )?;
        }
        Change::PutUser(u) => {
            let id = u.id.to_string();
            tx.execute(
                "INSERT INTO users (id, tenant_id, upn, display_name) VALUES (?1, ?2, ?3, ?4) \
                 ON CONFLICT (id) DO UPDATE SET tenant_id = excluded.tenant_id, upn = excluded.upn, \
                 display_name = excluded.display_name",
                params![id, u.tenant.to_string(), u.upn, u.display_name],
            )?;
            replace_set(
                tx,
                "user_licences",
                "user_id",
                &id,
                "licence",
                u.licences.iter().map(|l| l.as_str()),
            )?;
        }
        Change::DeleteUser { id, .. } => {
            tx.execute("DELETE FROM users WHERE id = ?1", params![id.to_string()])?;
        }
        Change::PutApplication(a) => {
            let app_id = a.app_id.to_string();
            tx.execute(
                "INSERT INTO applications (app_id, home_tenant_id, display_name, service_principal_id, \
                 calling_webhook, calling_enabled, real_time_media_enabled) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) \
                 ON CONFLICT (app_id) DO UPDATE SET home_tenant_id = excluded.home_tenant_id, \
                 display_name = excluded.display_name, service_principal_id = excluded.service_principal_id, \
                 calling_webhook = excluded.calling_webhook, calling_enabled = excluded.calling_enabled, \
                 real_time_media_enabled = excluded.real_time_media_enabled",
                params![
                    app_id,
                    a.home_tenant.to_string(),
                    a.display_name,
                    a.service_principal_id.to_string(),
                    a.bot.calling_webhook,
                    a.bot.calling_enabled,
                    a.bot.real_time_media_enabled,
                ],
            )?;
            replace_set(
                tx,
                "application_permissions",
                "app_id",
                &app_id,
                "permission",
                a.requested.iter().map(|p| p.as_str()),
            )?;
            tx.execute(
                "DELETE FROM application_redirect_uris WHERE app_id = ?1",
                params![app_id],
            )?;
            for (position, uri) in a.redirect_uris.iter().enumerate() {
                tx.execute(
                    "INSERT INTO application_redirect_uris (app_id, position, uri) VALUES (?1, ?2, ?3)",
                    params![app_id, position as i64, uri],
                )?;
            }
            tx.execute(
                "DELETE FROM application_secrets WHERE app_id = ?1",
                params![app_id],
            )?;
            for (position, s) in a.secrets.iter().enumerate() {
                tx.execute(
                    "INSERT INTO application_secrets (app_id, key_id, position, display_name, hint, hash, \
                     created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                    params![
                        app_id,
                        s.key_id.to_string(),
                        position as i64,
                        s.display_name,
                        s.hint,
                        s.hash,
                        s.created_at,
                        s.expires_at,
                    ],
                )?;
            }
        }
        Change::PutConsent(c) => {
            let (tenant, app) = (c.tenant.to_string(), c.app.to_string());
            tx.execute(
                "INSERT INTO consents (tenant_id, app_id, granted_at) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (tenant_id, app_id) DO UPDATE SET granted_at = excluded.granted_at",
                params![tenant, app, c.granted_at],
            )?;
            tx.execute(
                "DELETE FROM consent_permissions WHERE tenant_id = ?1 AND app_id = ?2",
                params![tenant, app],
            )?;
            for permission in &c.granted {
                tx.execute(
                    "INSERT INTO consent_permissions (tenant_id, app_id, permission) VALUES (?1, ?2, ?3)",
                    params![tenant, app, permission.as_str()],
                )?;
            }
        }
        Change::DeleteConsent { tenant, app_id } => {
            tx.execute(
                "DELETE FROM consents WHERE tenant_id = ?1 AND app_id = ?2",
                params![tenant.to_string(), app_id.to_string()],
            )?;
        }
        Change::PutInstance(i) => {
            let id = i.id.to_string();
            tx.execute(
                "INSERT INTO application_instances (id, tenant_id, upn, app_id, display_name, acs_resource_id, \
                 synced_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) \
                 ON CONFLICT (id) DO UPDATE SET tenant_id = excluded.tenant_id, upn = excluded.upn, \
                 app_id = excluded.app_id, display_name = excluded.display_name, \
                 acs_resource_id = excluded.acs_resource_id, synced_at = excluded.synced_at",
                params![
                    id,
                    i.tenant.to_string(),
                    i.upn,
                    i.app_id.to_string(),
                    i.display_name,
                    i.acs_resource.map(|r| r.to_string()),
                    i.synced_at,
                ],
            )?;
            replace_set(
                tx,
                "instance_licences",
                "instance_id",
                &id,
                "licence",
                i.licences.iter().map(|l| l.as_str()),
            )?;
        }
        Change::PutNumber(n) => {
            tx.execute(
                "INSERT INTO phone_numbers (number, tenant_id, number_type, assigned_to, acquired_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5) \
                 ON CONFLICT (number) DO UPDATE SET tenant_id = excluded.tenant_id, \
                 number_type = excluded.number_type, assigned_to = excluded.assigned_to, \
                 acquired_at = excluded.acquired_at",
                params![
                    n.number.as_str(),
                    n.tenant.to_string(),
                    n.number_type.as_str(),
                    n.assigned_to.map(|a| a.to_string()),
                    n.acquired_at,
                ],
            )?;
        }
        Change::DeleteNumber { number } => {
            tx.execute(
                "DELETE FROM phone_numbers WHERE number = ?1",
                params![number.as_str()],
            )?;
        }
        Change::PutEventSubscription(s) => {
            let join = |set: &std::collections::BTreeSet<String>| {
                set.iter().cloned().collect::<Vec<_>>().join("\n")
            };
            tx.execute(
                "INSERT INTO event_subscriptions (resource_id, name_key, name, id, endpoint, event_types, \
                 schema, to_raw_ids, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) \
                 ON CONFLICT (resource_id, name_key) DO UPDATE SET name = excluded.name, id = excluded.id, \
                 endpoint = excluded.endpoint, event_types = excluded.event_types, schema = excluded.schema, \
                 to_raw_ids = excluded.to_raw_ids, created_at = excluded.created_at",
                params![
                    s.resource.to_string(),
                    s.name.to_ascii_lowercase(),
                    s.name,
                    s.id.to_string(),
                    s.endpoint,
                    join(&s.event_types),
                    s.schema.as_str(),
                    join(&s.to_raw_ids),
                    s.created_at,
                ],
            )?;
        }
        Change::DeleteEventSubscription { resource, name } => {
            tx.execute(
                "DELETE FROM event_subscriptions WHERE resource_id = ?1 AND name_key = ?2",
                params![resource.to_string(), name.to_ascii_lowercase()],
            )?;
        }
        Change::PutAcsResource(r) => {
            tx.execute(
                "INSERT INTO acs_resources (id, tenant_id, name, display_name, primary_key, secondary_key, \
                 created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) \
                 ON CONFLICT (id) DO UPDATE SET tenant_id = excluded.tenant_id, name = excluded.name, \
                 display_name = excluded.display_name, primary_key = excluded.primary_key, \
                 secondary_key = excluded.secondary_key, created_at = excluded.created_at",
                params![
                    r.id.to_string(),
                    r.tenant.to_string(),
                    r.name,
                    r.display_name,
                    r.primary_key,
                    r.secondary_key,
                    r.created_at,
                ],
            )?;
        }
    }
    Ok(())
}

/// Replaces a parent's rows in a `(parent, value)` child table. Table and column names are constants.
fn replace_set<'a>(
    tx: &Transaction<'_>,
    table: &str,
    parent_column: &str,
    parent: &str,
    value_column: &str,
    values: impl Iterator<Item = &'a str>,
) -> Result<(), StoreError> {
    tx.execute(
        &format!("DELETE FROM {table} WHERE {parent_column} = ?1"),
        params![parent],
    )?;
    let insert = format!("INSERT INTO {table} ({parent_column}, {value_column}) VALUES (?1, ?2)");
    for value in values {
        tx.execute(&insert, params![parent, value])?;
    }
    Ok(())
}

/// Groups a two-column `(key, value)` query by key, keeping row order.
fn group(conn: &Connection, sql: &str) -> Result<BTreeMap<String, Vec<String>>, StoreError> {
    let mut stmt = conn.prepare(sql)?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
    let mut grouped = BTreeMap::<String, Vec<String>>::new();
    for row in rows {
        let (key, value) = row?;
        grouped.entry(key).or_default().push(value);
    }
    Ok(grouped)
}

fn corrupt(column: &str, error: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{column}: {error}"))
}

fn parse<T: FromStr>(text: &str, column: &str) -> Result<T, StoreError>
where
    T::Err: std::fmt::Display,
{
    text.parse::<T>().map_err(|e| corrupt(column, e))
}

fn parse_guid(text: &str, column: &str) -> Result<Guid, StoreError> {
    Guid::parse(text).map_err(|e| corrupt(column, e))
}

fn parse_permissions(names: &[String]) -> Result<BTreeSet<Permission>, StoreError> {
    names
        .iter()
        .map(|n| Permission::parse(n).map_err(|e| corrupt("permission", e)))
        .collect()
}

fn parse_licences(names: &[String]) -> Result<BTreeSet<Licence>, StoreError> {
    names
        .iter()
        .map(|n| Licence::parse(n).map_err(|e| corrupt("licence", e)))
        .collect()
}
