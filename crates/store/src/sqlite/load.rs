//! Reading the directory back: one loader per record kind, each turning its table (and child tables)
//! into `Change::Put*` records, plus the column parsers that report a bad value as `StoreError::Corrupt`.

use std::collections::{BTreeMap, BTreeSet};

use ringside_directory::{
    AcsResource, AppRegistration, ApplicationInstance, BotRegistration, Change, Consent,
    EventDeliverySchema, EventSubscription, PhoneNumber, SecretRecord, Tenant, User,
};
use ringside_model::{Licence, NumberType, Permission, E164};
use rusqlite::Connection;

use super::columns::{corrupt, parse, parse_guid};
use crate::error::StoreError;

/// Every record in the file as the changes that rebuild it, kind by kind in dependency order
/// (tenants, ACS resources, applications, consents, users, instances, numbers, event subscriptions,
/// then Direct Routing's records).
pub(super) fn all_records(conn: &Connection) -> Result<Vec<Change>, StoreError> {
    let mut changes = Vec::new();
    load_tenants(conn, &mut changes)?;
    load_acs_resources(conn, &mut changes)?;
    load_applications(conn, &mut changes)?;
    load_consents(conn, &mut changes)?;
    load_users(conn, &mut changes)?;
    load_instances(conn, &mut changes)?;
    load_numbers(conn, &mut changes)?;
    load_event_subscriptions(conn, &mut changes)?;
    super::voice::load_voice(conn, &mut changes)?;
    Ok(changes)
}

fn load_tenants(conn: &Connection, changes: &mut Vec<Change>) -> Result<(), StoreError> {
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
    Ok(())
}

fn load_acs_resources(conn: &Connection, changes: &mut Vec<Change>) -> Result<(), StoreError> {
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
    Ok(())
}

/// Applications with their secrets, requested permissions and redirect URIs (read first, by app id).
fn load_applications(conn: &Connection, changes: &mut Vec<Change>) -> Result<(), StoreError> {
    let mut secrets = load_secrets(conn)?;
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
    Ok(())
}

/// Application secrets grouped by app id, in their stored position order.
fn load_secrets(conn: &Connection) -> Result<BTreeMap<String, Vec<SecretRecord>>, StoreError> {
    let mut stmt = conn.prepare(
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

/// Consents with their granted permissions (read first, by tenant and app).
fn load_consents(conn: &Connection, changes: &mut Vec<Change>) -> Result<(), StoreError> {
    let mut granted = BTreeMap::<(String, String), Vec<String>>::new();
    let mut stmt = conn.prepare("SELECT tenant_id, app_id, permission FROM consent_permissions")?;
    let rows = stmt.query_map([], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get(2)?))
    })?;
    for row in rows {
        let (tenant, app, permission) = row?;
        granted.entry((tenant, app)).or_default().push(permission);
    }
    let mut stmt = conn
        .prepare("SELECT tenant_id, app_id, granted_at FROM consents ORDER BY tenant_id, app_id")?;
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
    Ok(())
}

fn load_users(conn: &Connection, changes: &mut Vec<Change>) -> Result<(), StoreError> {
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
    Ok(())
}

fn load_instances(conn: &Connection, changes: &mut Vec<Change>) -> Result<(), StoreError> {
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
    Ok(())
}

fn load_numbers(conn: &Connection, changes: &mut Vec<Change>) -> Result<(), StoreError> {
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
    Ok(())
}

fn load_event_subscriptions(
    conn: &Connection,
    changes: &mut Vec<Change>,
) -> Result<(), StoreError> {
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
        changes.push(Change::PutEventSubscription(EventSubscription {
            id: parse_guid(&id, "event_subscriptions.id")?,
            resource: parse(&resource, "event_subscriptions.resource_id")?,
            name,
            endpoint,
            event_types: split_lines(&event_types),
            schema: EventDeliverySchema::parse(&schema)
                .ok_or_else(|| corrupt("event_subscriptions.schema", &schema))?,
            to_raw_ids: split_lines(&to_raw_ids),
            created_at,
        }));
    }
    Ok(())
}

/// A newline-joined set column read back as its non-empty members.
fn split_lines(text: &str) -> BTreeSet<String> {
    text.split('\n')
        .filter(|v| !v.is_empty())
        .map(str::to_string)
        .collect()
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
