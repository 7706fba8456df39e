//! Reading the directory back: one loader per record kind, each turning its table (and child tables)
//! into `Change::Put*` records, plus the column parsers that report a bad value as `StoreError::Corrupt`.

use std::collections::{BTreeMap, BTreeSet};

use ringside_directory::{
    AcsResource, AppRegistration, ApplicationInstance, BotRegistration, Change, Consent,
    EventDeliverySchema, EventSubscription, PhoneNumber, SecretRecord, Tenant, User,
};
use ringside_model::{Licence, NumberType, Permission, E164};

use super::columns::{corrupt, parse, parse_guid};
use crate::db::Sql;
use crate::error::StoreError;

/// Every record in the file as the changes that rebuild it, kind by kind in dependency order
/// (tenants, ACS resources, applications, consents, users, instances, numbers, event subscriptions,
/// then Direct Routing's records).
pub(super) fn all_records(conn: &dyn Sql) -> Result<Vec<Change>, StoreError> {
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

fn load_tenants(conn: &dyn Sql, changes: &mut Vec<Change>) -> Result<(), StoreError> {
    for r in conn.query(
        "SELECT id, display_name, domain FROM tenants ORDER BY id",
        &[],
    )? {
        changes.push(Change::PutTenant(Tenant {
            id: parse(&r.get::<String>(0)?, "tenants.id")?,
            display_name: r.get(1)?,
            domain: r.get(2)?,
        }));
    }
    Ok(())
}

fn load_acs_resources(conn: &dyn Sql, changes: &mut Vec<Change>) -> Result<(), StoreError> {
    let rows = conn.query(
        "SELECT id, tenant_id, name, display_name, primary_key, secondary_key, created_at \
         FROM acs_resources ORDER BY id",
        &[],
    )?;
    for r in rows {
        changes.push(Change::PutAcsResource(AcsResource {
            id: parse(&r.get::<String>(0)?, "acs_resources.id")?,
            tenant: parse(&r.get::<String>(1)?, "acs_resources.tenant_id")?,
            name: r.get(2)?,
            display_name: r.get(3)?,
            primary_key: r.get(4)?,
            secondary_key: r.get(5)?,
            created_at: r.get(6)?,
        }));
    }
    Ok(())
}

/// Applications with their secrets, requested permissions and redirect URIs (read first, by app id).
fn load_applications(conn: &dyn Sql, changes: &mut Vec<Change>) -> Result<(), StoreError> {
    let mut secrets = load_secrets(conn)?;
    let mut requested = group(
        conn,
        "SELECT app_id, permission FROM application_permissions",
    )?;
    let mut uris = group(
        conn,
        "SELECT app_id, uri FROM application_redirect_uris ORDER BY app_id, position",
    )?;
    let rows = conn.query(
        "SELECT app_id, home_tenant_id, display_name, service_principal_id, calling_webhook, \
         calling_enabled, real_time_media_enabled FROM applications ORDER BY app_id",
        &[],
    )?;
    for r in rows {
        let app_id: String = r.get(0)?;
        let permissions = requested.remove(&app_id).unwrap_or_default();
        changes.push(Change::PutApplication(AppRegistration {
            home_tenant: parse(&r.get::<String>(1)?, "applications.home_tenant_id")?,
            display_name: r.get(2)?,
            service_principal_id: parse_guid(
                &r.get::<String>(3)?,
                "applications.service_principal_id",
            )?,
            secrets: secrets.remove(&app_id).unwrap_or_default(),
            requested: parse_permissions(&permissions)?,
            redirect_uris: uris.remove(&app_id).unwrap_or_default(),
            bot: BotRegistration {
                calling_webhook: r.get(4)?,
                calling_enabled: r.get(5)?,
                real_time_media_enabled: r.get(6)?,
            },
            app_id: parse(&app_id, "applications.app_id")?,
        }));
    }
    Ok(())
}

/// Application secrets grouped by app id, in their stored position order.
fn load_secrets(conn: &dyn Sql) -> Result<BTreeMap<String, Vec<SecretRecord>>, StoreError> {
    let rows = conn.query(
        "SELECT app_id, key_id, display_name, hint, hash, created_at, expires_at \
         FROM application_secrets ORDER BY app_id, position",
        &[],
    )?;
    let mut secrets = BTreeMap::<String, Vec<SecretRecord>>::new();
    for r in rows {
        secrets.entry(r.get(0)?).or_default().push(SecretRecord {
            key_id: parse(&r.get::<String>(1)?, "application_secrets.key_id")?,
            display_name: r.get(2)?,
            hint: r.get(3)?,
            hash: r.get(4)?,
            created_at: r.get(5)?,
            expires_at: r.get(6)?,
        });
    }
    Ok(secrets)
}

/// Consents with their granted permissions (read first, by tenant and app).
fn load_consents(conn: &dyn Sql, changes: &mut Vec<Change>) -> Result<(), StoreError> {
    let mut granted = BTreeMap::<(String, String), Vec<String>>::new();
    for r in conn.query(
        "SELECT tenant_id, app_id, permission FROM consent_permissions",
        &[],
    )? {
        granted
            .entry((r.get(0)?, r.get(1)?))
            .or_default()
            .push(r.get(2)?);
    }
    let rows = conn.query(
        "SELECT tenant_id, app_id, granted_at FROM consents ORDER BY tenant_id, app_id",
        &[],
    )?;
    for r in rows {
        let (tenant, app): (String, String) = (r.get(0)?, r.get(1)?);
        let permissions = granted
            .remove(&(tenant.clone(), app.clone()))
            .unwrap_or_default();
        changes.push(Change::PutConsent(Consent {
            tenant: parse(&tenant, "consents.tenant_id")?,
            app: parse(&app, "consents.app_id")?,
            granted: parse_permissions(&permissions)?,
            granted_at: r.get(2)?,
        }));
    }
    Ok(())
}

fn load_users(conn: &dyn Sql, changes: &mut Vec<Change>) -> Result<(), StoreError> {
    let mut licences = group(conn, "SELECT user_id, licence FROM user_licences")?;
    let rows = conn.query(
        "SELECT id, tenant_id, upn, display_name FROM users ORDER BY id",
        &[],
    )?;
    for r in rows {
        let id: String = r.get(0)?;
        changes.push(Change::PutUser(User {
            licences: parse_licences(&licences.remove(&id).unwrap_or_default())?,
            tenant: parse(&r.get::<String>(1)?, "users.tenant_id")?,
            id: parse(&id, "users.id")?,
            upn: r.get(2)?,
            display_name: r.get(3)?,
        }));
    }
    Ok(())
}

fn load_instances(conn: &dyn Sql, changes: &mut Vec<Change>) -> Result<(), StoreError> {
    let mut licences = group(conn, "SELECT instance_id, licence FROM instance_licences")?;
    let rows = conn.query(
        "SELECT id, tenant_id, upn, app_id, display_name, acs_resource_id, synced_at \
         FROM application_instances ORDER BY id",
        &[],
    )?;
    for r in rows {
        let id: String = r.get(0)?;
        let acs: Option<String> = r.get(5)?;
        changes.push(Change::PutInstance(ApplicationInstance {
            licences: parse_licences(&licences.remove(&id).unwrap_or_default())?,
            tenant: parse(&r.get::<String>(1)?, "application_instances.tenant_id")?,
            id: parse(&id, "application_instances.id")?,
            upn: r.get(2)?,
            app_id: parse(&r.get::<String>(3)?, "application_instances.app_id")?,
            display_name: r.get(4)?,
            acs_resource: acs
                .map(|a| parse(&a, "application_instances.acs_resource_id"))
                .transpose()?,
            synced_at: r.get(6)?,
        }));
    }
    Ok(())
}

fn load_numbers(conn: &dyn Sql, changes: &mut Vec<Change>) -> Result<(), StoreError> {
    let rows = conn.query(
        "SELECT number, tenant_id, number_type, assigned_to, acquired_at FROM phone_numbers \
         ORDER BY number",
        &[],
    )?;
    for r in rows {
        let number_type: String = r.get(2)?;
        let assigned_to: Option<String> = r.get(3)?;
        changes.push(Change::PutNumber(PhoneNumber {
            tenant: parse(&r.get::<String>(1)?, "phone_numbers.tenant_id")?,
            number: E164::parse(&r.get::<String>(0)?)
                .map_err(|e| corrupt("phone_numbers.number", e))?,
            number_type: NumberType::parse(&number_type)
                .map_err(|e| corrupt("phone_numbers.number_type", e))?,
            assigned_to: assigned_to
                .map(|a| parse_guid(&a, "phone_numbers.assigned_to"))
                .transpose()?,
            acquired_at: r.get(4)?,
        }));
    }
    Ok(())
}

fn load_event_subscriptions(conn: &dyn Sql, changes: &mut Vec<Change>) -> Result<(), StoreError> {
    let rows = conn.query(
        "SELECT resource_id, name, id, endpoint, event_types, schema, to_raw_ids, created_at \
         FROM event_subscriptions ORDER BY resource_id, name_key",
        &[],
    )?;
    for r in rows {
        let schema: String = r.get(5)?;
        changes.push(Change::PutEventSubscription(EventSubscription {
            id: parse_guid(&r.get::<String>(2)?, "event_subscriptions.id")?,
            resource: parse(&r.get::<String>(0)?, "event_subscriptions.resource_id")?,
            name: r.get(1)?,
            endpoint: r.get(3)?,
            event_types: split_lines(&r.get::<String>(4)?),
            schema: EventDeliverySchema::parse(&schema)
                .ok_or_else(|| corrupt("event_subscriptions.schema", &schema))?,
            to_raw_ids: split_lines(&r.get::<String>(6)?),
            created_at: r.get(7)?,
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
fn group(conn: &dyn Sql, sql: &str) -> Result<BTreeMap<String, Vec<String>>, StoreError> {
    let mut grouped = BTreeMap::<String, Vec<String>>::new();
    for r in conn.query(sql, &[])? {
        grouped.entry(r.get(0)?).or_default().push(r.get(1)?);
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
