//! Writing one directory change inside the commit's transaction: one upsert or delete per record
//! kind, child tables (licences, permissions, redirect URIs, secrets) replaced wholesale.

use std::collections::BTreeSet;

use crate::db::{args, Sql};
use ringside_directory::{
    AcsResource, AppRegistration, ApplicationInstance, Change, Consent, EventSubscription,
    PhoneNumber, SecretRecord, Tenant, User,
};

use crate::error::StoreError;

/// Applies one change to the open transaction.
pub(super) fn write_change(tx: &dyn Sql, change: &Change) -> Result<(), StoreError> {
    match change {
        Change::PutTenant(t) => put_tenant(tx, t),
        Change::PutUser(u) => put_user(tx, u),
        Change::DeleteUser { id, .. } => {
            tx.exec("DELETE FROM users WHERE id = ?1", args![id.to_string()])?;
            Ok(())
        }
        Change::PutApplication(a) => put_application(tx, a),
        Change::PutConsent(c) => put_consent(tx, c),
        Change::DeleteConsent { tenant, app_id } => {
            tx.exec(
                "DELETE FROM consents WHERE tenant_id = ?1 AND app_id = ?2",
                args![tenant.to_string(), app_id.to_string()],
            )?;
            Ok(())
        }
        Change::PutInstance(i) => put_instance(tx, i),
        Change::PutNumber(n) => put_number(tx, n),
        Change::DeleteNumber { number } => {
            tx.exec(
                "DELETE FROM phone_numbers WHERE number = ?1",
                args![number.as_str()],
            )?;
            Ok(())
        }
        Change::PutEventSubscription(s) => put_event_subscription(tx, s),
        Change::DeleteEventSubscription { resource, name } => {
            tx.exec(
                "DELETE FROM event_subscriptions WHERE resource_id = ?1 AND name_key = ?2",
                args![resource.to_string(), name.to_ascii_lowercase()],
            )?;
            Ok(())
        }
        Change::PutAcsResource(r) => put_acs_resource(tx, r),
        Change::PutPstnGateway(_)
        | Change::DeletePstnGateway { .. }
        | Change::PutPstnUsages { .. }
        | Change::PutVoiceRoute(_)
        | Change::DeleteVoiceRoute { .. }
        | Change::PutVoiceRoutingPolicy(_)
        | Change::DeleteVoiceRoutingPolicy { .. }
        | Change::PutPolicyGrant(_)
        | Change::DeletePolicyGrant { .. }
        | Change::PutSipCredential(_)
        | Change::DeleteSipCredential { .. } => super::voice::write_voice(tx, change),
    }
}

fn put_tenant(tx: &dyn Sql, t: &Tenant) -> Result<(), StoreError> {
    tx.exec(
        "INSERT INTO tenants (id, display_name, domain) VALUES (?1, ?2, ?3) \
         ON CONFLICT (id) DO UPDATE SET display_name = excluded.display_name, domain = excluded.domain",
        args![t.id.to_string(), t.display_name, t.domain],
    )?;
    Ok(())
}

fn put_user(tx: &dyn Sql, u: &User) -> Result<(), StoreError> {
    let id = u.id.to_string();
    tx.exec(
        "INSERT INTO users (id, tenant_id, upn, display_name) VALUES (?1, ?2, ?3, ?4) \
         ON CONFLICT (id) DO UPDATE SET tenant_id = excluded.tenant_id, upn = excluded.upn, \
         display_name = excluded.display_name",
        args![id, u.tenant.to_string(), u.upn, u.display_name],
    )?;
    replace_set(
        tx,
        "user_licences",
        "user_id",
        &id,
        "licence",
        u.licences.iter().map(|l| l.as_str()),
    )
}

/// The application row, then its requested permissions, redirect URIs and secrets.
fn put_application(tx: &dyn Sql, a: &AppRegistration) -> Result<(), StoreError> {
    let app_id = a.app_id.to_string();
    tx.exec(
        "INSERT INTO applications (app_id, home_tenant_id, display_name, service_principal_id, \
         calling_webhook, calling_enabled, real_time_media_enabled) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) \
         ON CONFLICT (app_id) DO UPDATE SET home_tenant_id = excluded.home_tenant_id, \
         display_name = excluded.display_name, service_principal_id = excluded.service_principal_id, \
         calling_webhook = excluded.calling_webhook, calling_enabled = excluded.calling_enabled, \
         real_time_media_enabled = excluded.real_time_media_enabled",
        args![
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
    replace_redirect_uris(tx, &app_id, &a.redirect_uris)?;
    replace_secrets(tx, &app_id, &a.secrets)
}

fn replace_redirect_uris(tx: &dyn Sql, app_id: &str, uris: &[String]) -> Result<(), StoreError> {
    tx.exec(
        "DELETE FROM application_redirect_uris WHERE app_id = ?1",
        args![app_id],
    )?;
    for (position, uri) in uris.iter().enumerate() {
        tx.exec(
            "INSERT INTO application_redirect_uris (app_id, position, uri) VALUES (?1, ?2, ?3)",
            args![app_id, position as i64, uri],
        )?;
    }
    Ok(())
}

fn replace_secrets(tx: &dyn Sql, app_id: &str, secrets: &[SecretRecord]) -> Result<(), StoreError> {
    tx.exec(
        "DELETE FROM application_secrets WHERE app_id = ?1",
        args![app_id],
    )?;
    for (position, s) in secrets.iter().enumerate() {
        tx.exec(
            "INSERT INTO application_secrets (app_id, key_id, position, display_name, hint, hash, \
             created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            args![
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
    Ok(())
}

/// The consent row, then its granted permissions.
fn put_consent(tx: &dyn Sql, c: &Consent) -> Result<(), StoreError> {
    let (tenant, app) = (c.tenant.to_string(), c.app.to_string());
    tx.exec(
        "INSERT INTO consents (tenant_id, app_id, granted_at) VALUES (?1, ?2, ?3) \
         ON CONFLICT (tenant_id, app_id) DO UPDATE SET granted_at = excluded.granted_at",
        args![tenant, app, c.granted_at],
    )?;
    tx.exec(
        "DELETE FROM consent_permissions WHERE tenant_id = ?1 AND app_id = ?2",
        args![tenant, app],
    )?;
    for permission in &c.granted {
        tx.exec(
            "INSERT INTO consent_permissions (tenant_id, app_id, permission) VALUES (?1, ?2, ?3)",
            args![tenant, app, permission.as_str()],
        )?;
    }
    Ok(())
}

fn put_instance(tx: &dyn Sql, i: &ApplicationInstance) -> Result<(), StoreError> {
    let id = i.id.to_string();
    tx.exec(
        "INSERT INTO application_instances (id, tenant_id, upn, app_id, display_name, acs_resource_id, \
         synced_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) \
         ON CONFLICT (id) DO UPDATE SET tenant_id = excluded.tenant_id, upn = excluded.upn, \
         app_id = excluded.app_id, display_name = excluded.display_name, \
         acs_resource_id = excluded.acs_resource_id, synced_at = excluded.synced_at",
        args![
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
    )
}

fn put_number(tx: &dyn Sql, n: &PhoneNumber) -> Result<(), StoreError> {
    tx.exec(
        "INSERT INTO phone_numbers (number, tenant_id, number_type, assigned_to, acquired_at) \
         VALUES (?1, ?2, ?3, ?4, ?5) \
         ON CONFLICT (number) DO UPDATE SET tenant_id = excluded.tenant_id, \
         number_type = excluded.number_type, assigned_to = excluded.assigned_to, \
         acquired_at = excluded.acquired_at",
        args![
            n.number.as_str(),
            n.tenant.to_string(),
            n.number_type.as_str(),
            n.assigned_to.map(|a| a.to_string()),
            n.acquired_at,
        ],
    )?;
    Ok(())
}

fn put_event_subscription(tx: &dyn Sql, s: &EventSubscription) -> Result<(), StoreError> {
    tx.exec(
        "INSERT INTO event_subscriptions (resource_id, name_key, name, id, endpoint, event_types, \
         schema, to_raw_ids, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) \
         ON CONFLICT (resource_id, name_key) DO UPDATE SET name = excluded.name, id = excluded.id, \
         endpoint = excluded.endpoint, event_types = excluded.event_types, schema = excluded.schema, \
         to_raw_ids = excluded.to_raw_ids, created_at = excluded.created_at",
        args![
            s.resource.to_string(),
            s.name.to_ascii_lowercase(),
            s.name,
            s.id.to_string(),
            s.endpoint,
            join_lines(&s.event_types),
            s.schema.as_str(),
            join_lines(&s.to_raw_ids),
            s.created_at,
        ],
    )?;
    Ok(())
}

/// A set column stored as its members joined by newlines.
fn join_lines(set: &BTreeSet<String>) -> String {
    set.iter().cloned().collect::<Vec<_>>().join("\n")
}

fn put_acs_resource(tx: &dyn Sql, r: &AcsResource) -> Result<(), StoreError> {
    tx.exec(
        "INSERT INTO acs_resources (id, tenant_id, name, display_name, primary_key, secondary_key, \
         created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) \
         ON CONFLICT (id) DO UPDATE SET tenant_id = excluded.tenant_id, name = excluded.name, \
         display_name = excluded.display_name, primary_key = excluded.primary_key, \
         secondary_key = excluded.secondary_key, created_at = excluded.created_at",
        args![
            r.id.to_string(),
            r.tenant.to_string(),
            r.name,
            r.display_name,
            r.primary_key,
            r.secondary_key,
            r.created_at,
        ],
    )?;
    Ok(())
}

/// Replaces a parent's rows in a `(parent, value)` child table. Table and column names are constants.
fn replace_set<'a>(
    tx: &dyn Sql,
    table: &str,
    parent_column: &str,
    parent: &str,
    value_column: &str,
    values: impl Iterator<Item = &'a str>,
) -> Result<(), StoreError> {
    tx.exec(
        &format!("DELETE FROM {table} WHERE {parent_column} = ?1"),
        args![parent],
    )?;
    let insert = format!("INSERT INTO {table} ({parent_column}, {value_column}) VALUES (?1, ?2)");
    for value in values {
        tx.exec(&insert, args![parent, value])?;
    }
    Ok(())
}
