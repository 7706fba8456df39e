//! Direct Routing's rows: writing gateways, usage lists, voice routes, voice routing policies,
//! policy grants and SIP credentials inside the commit's transaction, and reading them back as
//! `Change::Put*` records (after users and instances, which grants and credentials name).

use std::collections::BTreeMap;

use crate::db::{args, Sql};
use ringside_directory::{
    Change, DigestCredentials, PolicyGrant, PstnGateway, SipCredential, SipTransport, VoiceRoute,
    VoiceRoutingPolicy,
};

use super::columns::{corrupt, parse, parse_guid};
use crate::error::StoreError;

/// Applies one Direct Routing change to the open transaction (other kinds are `write`'s).
pub(super) fn write_voice(tx: &dyn Sql, change: &Change) -> Result<(), StoreError> {
    match change {
        Change::PutPstnGateway(g) => put_gateway(tx, g)?,
        Change::DeletePstnGateway { fqdn } => {
            tx.exec("DELETE FROM pstn_gateways WHERE fqdn = ?1", args![fqdn])?;
        }
        Change::PutPstnUsages { tenant, usages } => {
            let tenant = tenant.to_string();
            tx.exec(
                "DELETE FROM pstn_usages WHERE tenant_id = ?1",
                args![tenant],
            )?;
            for (position, usage) in usages.iter().enumerate() {
                tx.exec(
                    "INSERT INTO pstn_usages (tenant_id, position, usage) VALUES (?1, ?2, ?3)",
                    args![tenant, position as i64, usage],
                )?;
            }
        }
        Change::PutVoiceRoute(r) => put_route(tx, r)?,
        Change::DeleteVoiceRoute { tenant, identity } => {
            tx.exec(
                "DELETE FROM voice_routes WHERE tenant_id = ?1 AND identity_key = ?2",
                args![tenant.to_string(), identity.to_ascii_lowercase()],
            )?;
        }
        Change::PutVoiceRoutingPolicy(p) => put_policy(tx, p)?,
        Change::DeleteVoiceRoutingPolicy { tenant, identity } => {
            tx.exec(
                "DELETE FROM voice_routing_policies WHERE tenant_id = ?1 AND identity_key = ?2",
                args![tenant.to_string(), identity.to_ascii_lowercase()],
            )?;
        }
        Change::PutPolicyGrant(g) => {
            tx.exec(
                "INSERT INTO voice_routing_policy_grants (tenant_id, account_id, policy) \
                 VALUES (?1, ?2, ?3) ON CONFLICT (tenant_id, account_id) DO UPDATE SET \
                 policy = excluded.policy",
                args![g.tenant.to_string(), g.account.to_string(), g.policy],
            )?;
        }
        Change::DeletePolicyGrant { tenant, account } => {
            tx.exec(
                "DELETE FROM voice_routing_policy_grants WHERE tenant_id = ?1 AND account_id = ?2",
                args![tenant.to_string(), account.to_string()],
            )?;
        }
        Change::PutSipCredential(c) => {
            // A user has one credential: a renamed one replaces the old row.
            tx.exec(
                "DELETE FROM sip_credentials WHERE user_id = ?1",
                args![c.user.to_string()],
            )?;
            tx.exec(
                "INSERT INTO sip_credentials (username_key, username, tenant_id, user_id, password) \
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                args![
                    c.username.to_ascii_lowercase(),
                    c.username,
                    c.tenant.to_string(),
                    c.user.to_string(),
                    c.password
                ],
            )?;
        }
        Change::DeleteSipCredential { username } => {
            tx.exec(
                "DELETE FROM sip_credentials WHERE username_key = ?1",
                args![username.to_ascii_lowercase()],
            )?;
        }
        _ => {}
    }
    Ok(())
}

fn put_gateway(tx: &dyn Sql, g: &PstnGateway) -> Result<(), StoreError> {
    let (user, password) = match &g.credentials {
        Some(c) => (Some(c.username.as_str()), Some(c.password.as_str())),
        None => (None, None),
    };
    tx.exec(
        "INSERT INTO pstn_gateways (fqdn, tenant_id, sip_signaling_port, transport, enabled, \
         max_concurrent_sessions, send_sip_options, forward_pai, failover_response_codes, \
         failover_time_seconds, description, digest_username, digest_password) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13) \
         ON CONFLICT (fqdn) DO UPDATE SET tenant_id = excluded.tenant_id, \
         sip_signaling_port = excluded.sip_signaling_port, transport = excluded.transport, \
         enabled = excluded.enabled, max_concurrent_sessions = excluded.max_concurrent_sessions, \
         send_sip_options = excluded.send_sip_options, forward_pai = excluded.forward_pai, \
         failover_response_codes = excluded.failover_response_codes, \
         failover_time_seconds = excluded.failover_time_seconds, \
         description = excluded.description, digest_username = excluded.digest_username, \
         digest_password = excluded.digest_password",
        args![
            g.fqdn,
            g.tenant.to_string(),
            g.sip_signaling_port,
            g.transport.as_str(),
            g.enabled,
            g.max_concurrent_sessions,
            g.send_sip_options,
            g.forward_pai,
            g.failover_codes_text(),
            g.failover_time_seconds,
            g.description,
            user,
            password,
        ],
    )?;
    Ok(())
}

/// The route row, then its gateway and usage lists.
fn put_route(tx: &dyn Sql, r: &VoiceRoute) -> Result<(), StoreError> {
    let (tenant, key) = (r.tenant.to_string(), r.identity.to_ascii_lowercase());
    tx.exec(
        "INSERT INTO voice_routes (tenant_id, identity_key, identity, number_pattern, priority, \
         description) VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (tenant_id, identity_key) DO \
         UPDATE SET identity = excluded.identity, number_pattern = excluded.number_pattern, \
         priority = excluded.priority, description = excluded.description",
        args![
            tenant,
            key,
            r.identity,
            r.number_pattern,
            r.priority,
            r.description
        ],
    )?;
    replace_list(
        tx,
        "voice_route_gateways",
        "fqdn",
        &tenant,
        &key,
        &r.gateways,
    )?;
    replace_list(tx, "voice_route_usages", "usage", &tenant, &key, &r.usages)
}

/// The policy row, then its usage list.
fn put_policy(tx: &dyn Sql, p: &VoiceRoutingPolicy) -> Result<(), StoreError> {
    let (tenant, key) = (p.tenant.to_string(), p.identity.to_ascii_lowercase());
    tx.exec(
        "INSERT INTO voice_routing_policies (tenant_id, identity_key, identity, description) \
         VALUES (?1, ?2, ?3, ?4) ON CONFLICT (tenant_id, identity_key) DO UPDATE SET \
         identity = excluded.identity, description = excluded.description",
        args![tenant, key, p.identity, p.description],
    )?;
    replace_list(
        tx,
        "voice_routing_policy_usages",
        "usage",
        &tenant,
        &key,
        &p.usages,
    )
}

/// Replaces an ordered child list keyed by (tenant, identity key). Names are constants.
fn replace_list(
    tx: &dyn Sql,
    table: &str,
    column: &str,
    tenant: &str,
    key: &str,
    values: &[String],
) -> Result<(), StoreError> {
    tx.exec(
        &format!("DELETE FROM {table} WHERE tenant_id = ?1 AND identity_key = ?2"),
        args![tenant, key],
    )?;
    let insert = format!(
        "INSERT INTO {table} (tenant_id, identity_key, position, {column}) VALUES (?1, ?2, ?3, ?4)"
    );
    for (position, value) in values.iter().enumerate() {
        tx.exec(&insert, args![tenant, key, position as i64, value])?;
    }
    Ok(())
}

/// Every Direct Routing record, in an order `apply` and the foreign keys accept.
pub(super) fn load_voice(conn: &dyn Sql, changes: &mut Vec<Change>) -> Result<(), StoreError> {
    load_gateways(conn, changes)?;
    load_usages(conn, changes)?;
    load_routes(conn, changes)?;
    load_policies(conn, changes)?;
    load_grants(conn, changes)?;
    load_credentials(conn, changes)
}

fn load_gateways(conn: &dyn Sql, changes: &mut Vec<Change>) -> Result<(), StoreError> {
    let rows = conn.query(
        "SELECT fqdn, tenant_id, sip_signaling_port, transport, enabled, max_concurrent_sessions, \
         send_sip_options, forward_pai, failover_response_codes, failover_time_seconds, \
         description, digest_username, digest_password FROM pstn_gateways ORDER BY fqdn",
        &[],
    )?;
    for r in rows {
        let transport: String = r.get(3)?;
        let codes: String = r.get(8)?;
        let user: Option<String> = r.get(11)?;
        let password: Option<String> = r.get(12)?;
        changes.push(Change::PutPstnGateway(PstnGateway {
            fqdn: r.get(0)?,
            tenant: parse(&r.get::<String>(1)?, "pstn_gateways.tenant_id")?,
            sip_signaling_port: r.get(2)?,
            transport: SipTransport::parse(&transport)
                .ok_or_else(|| corrupt("pstn_gateways.transport", &transport))?,
            enabled: r.get(4)?,
            max_concurrent_sessions: r.get(5)?,
            send_sip_options: r.get(6)?,
            forward_pai: r.get(7)?,
            failover_response_codes: ringside_directory::validate::failover_codes(&codes)
                .map_err(|e| corrupt("pstn_gateways.failover_response_codes", e))?,
            failover_time_seconds: r.get(9)?,
            description: r.get(10)?,
            credentials: user
                .zip(password)
                .map(|(username, password)| DigestCredentials { username, password }),
        }));
    }
    Ok(())
}

fn load_usages(conn: &dyn Sql, changes: &mut Vec<Change>) -> Result<(), StoreError> {
    let lists = lists(
        conn,
        "SELECT tenant_id, '', usage FROM pstn_usages ORDER BY tenant_id, position",
    )?;
    for ((tenant, _), usages) in lists {
        changes.push(Change::PutPstnUsages {
            tenant: parse(&tenant, "pstn_usages.tenant_id")?,
            usages,
        });
    }
    Ok(())
}

fn load_routes(conn: &dyn Sql, changes: &mut Vec<Change>) -> Result<(), StoreError> {
    let mut gateways = lists(
        conn,
        "SELECT tenant_id, identity_key, fqdn FROM voice_route_gateways \
         ORDER BY tenant_id, identity_key, position",
    )?;
    let mut usages = lists(
        conn,
        "SELECT tenant_id, identity_key, usage FROM voice_route_usages \
         ORDER BY tenant_id, identity_key, position",
    )?;
    let rows = conn.query(
        "SELECT tenant_id, identity_key, identity, number_pattern, priority, description \
         FROM voice_routes ORDER BY tenant_id, identity_key",
        &[],
    )?;
    for r in rows {
        let key: (String, String) = (r.get(0)?, r.get(1)?);
        changes.push(Change::PutVoiceRoute(VoiceRoute {
            tenant: parse(&key.0, "voice_routes.tenant_id")?,
            identity: r.get(2)?,
            number_pattern: r.get(3)?,
            priority: r.get(4)?,
            description: r.get(5)?,
            gateways: gateways.remove(&key).unwrap_or_default(),
            usages: usages.remove(&key).unwrap_or_default(),
        }));
    }
    Ok(())
}

fn load_policies(conn: &dyn Sql, changes: &mut Vec<Change>) -> Result<(), StoreError> {
    let mut usages = lists(
        conn,
        "SELECT tenant_id, identity_key, usage FROM voice_routing_policy_usages \
         ORDER BY tenant_id, identity_key, position",
    )?;
    let rows = conn.query(
        "SELECT tenant_id, identity_key, identity, description FROM voice_routing_policies \
         ORDER BY tenant_id, identity_key",
        &[],
    )?;
    for r in rows {
        let key: (String, String) = (r.get(0)?, r.get(1)?);
        changes.push(Change::PutVoiceRoutingPolicy(VoiceRoutingPolicy {
            tenant: parse(&key.0, "voice_routing_policies.tenant_id")?,
            identity: r.get(2)?,
            description: r.get(3)?,
            usages: usages.remove(&key).unwrap_or_default(),
        }));
    }
    Ok(())
}

fn load_grants(conn: &dyn Sql, changes: &mut Vec<Change>) -> Result<(), StoreError> {
    let rows = conn.query(
        "SELECT tenant_id, account_id, policy FROM voice_routing_policy_grants \
         ORDER BY tenant_id, account_id",
        &[],
    )?;
    for r in rows {
        changes.push(Change::PutPolicyGrant(PolicyGrant {
            tenant: parse(
                &r.get::<String>(0)?,
                "voice_routing_policy_grants.tenant_id",
            )?,
            account: parse_guid(
                &r.get::<String>(1)?,
                "voice_routing_policy_grants.account_id",
            )?,
            policy: r.get(2)?,
        }));
    }
    Ok(())
}

fn load_credentials(conn: &dyn Sql, changes: &mut Vec<Change>) -> Result<(), StoreError> {
    let rows = conn.query(
        "SELECT tenant_id, user_id, username, password FROM sip_credentials ORDER BY username_key",
        &[],
    )?;
    for r in rows {
        changes.push(Change::PutSipCredential(SipCredential {
            tenant: parse(&r.get::<String>(0)?, "sip_credentials.tenant_id")?,
            user: parse(&r.get::<String>(1)?, "sip_credentials.user_id")?,
            username: r.get(2)?,
            password: r.get(3)?,
        }));
    }
    Ok(())
}

/// Ordered lists from a `(tenant, key, value)` query, grouped by (tenant, key), row order kept.
fn lists(conn: &dyn Sql, sql: &str) -> Result<BTreeMap<(String, String), Vec<String>>, StoreError> {
    let mut grouped = BTreeMap::<(String, String), Vec<String>>::new();
    for r in conn.query(sql, &[])? {
        grouped
            .entry((r.get(0)?, r.get(1)?))
            .or_default()
            .push(r.get(2)?);
    }
    Ok(grouped)
}
