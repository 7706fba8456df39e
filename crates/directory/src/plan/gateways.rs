//! Planning PSTN gateways (`New-`, `Set-`, `Remove-CsOnlinePSTNGateway`): an identity that is a
//! domain or an IP literal, unique across the platform; port, sessions, failover codes and time in
//! range; digest credentials complete; no removal while a voice route lists the gateway.

use ringside_model::TenantId;

use super::shared::misrouted;
use crate::command::{Change, Command};
use crate::directory::Directory;
use crate::error::{conflict, invalid, not_found, DirectoryError};
use crate::validate;
use crate::voice::{GatewayPatch, PstnGateway};

/// Most concurrent sessions a gateway may be limited to (Teams' range is 1..=100000).
pub const MAX_CONCURRENT_SESSIONS: u32 = 100_000;
/// Longest failover time accepted, seconds.
pub const MAX_FAILOVER_SECONDS: u32 = 3600;

impl Directory {
    /// `NewPstnGateway`, `SetPstnGateway` or `RemovePstnGateway`.
    pub(super) fn plan_gateway(&self, command: &Command) -> Result<Vec<Change>, DirectoryError> {
        match command {
            Command::NewPstnGateway { gateway } => self.new_gateway(gateway.clone()),
            Command::SetPstnGateway {
                tenant,
                fqdn,
                patch,
            } => {
                let mut gateway = self.require_gateway(*tenant, fqdn)?.clone();
                patch_gateway(&mut gateway, patch.clone());
                check_gateway(&gateway)?;
                Ok(vec![Change::PutPstnGateway(gateway)])
            }
            Command::RemovePstnGateway { tenant, fqdn } => self.remove_gateway(*tenant, fqdn),
            other => Err(misrouted(other)),
        }
    }

    fn new_gateway(&self, mut gateway: PstnGateway) -> Result<Vec<Change>, DirectoryError> {
        self.require_tenant(gateway.tenant)?;
        gateway.fqdn = validate::gateway_fqdn(&gateway.fqdn)?;
        check_gateway(&gateway)?;
        if let Some(existing) = self.gateways.get(&gateway.fqdn) {
            return Err(conflict(if existing.tenant == gateway.tenant {
                format!("a PSTN gateway '{}' already exists", gateway.fqdn)
            } else {
                format!(
                    "the PSTN gateway '{}' is already used by another tenant",
                    gateway.fqdn
                )
            }));
        }
        Ok(vec![Change::PutPstnGateway(gateway)])
    }

    fn remove_gateway(&self, tenant: TenantId, fqdn: &str) -> Result<Vec<Change>, DirectoryError> {
        let gateway = self.require_gateway(tenant, fqdn)?;
        let users: Vec<&str> = self
            .voice_routes(tenant)
            .into_iter()
            .filter(|r| r.gateways.contains(&gateway.fqdn))
            .map(|r| r.identity.as_str())
            .collect();
        if !users.is_empty() {
            return Err(conflict(format!(
                "the PSTN gateway '{}' is used by the voice route(s) {}; remove it from them first",
                gateway.fqdn,
                quoted(&users)
            )));
        }
        Ok(vec![Change::DeletePstnGateway {
            fqdn: gateway.fqdn.clone(),
        }])
    }

    /// The tenant's gateway `fqdn` (any case; brackets optional on IPv6).
    pub(super) fn require_gateway(
        &self,
        tenant: TenantId,
        fqdn: &str,
    ) -> Result<&PstnGateway, DirectoryError> {
        self.require_tenant(tenant)?;
        self.pstn_gateway(tenant, fqdn).ok_or_else(|| {
            not_found(format!(
                "no PSTN gateway '{}' in tenant {tenant}",
                validate::clip(fqdn)
            ))
        })
    }
}

/// Replaces the fields the patch gives.
fn patch_gateway(gateway: &mut PstnGateway, patch: GatewayPatch) {
    let GatewayPatch {
        sip_signaling_port,
        transport,
        enabled,
        max_concurrent_sessions,
        send_sip_options,
        forward_pai,
        failover_response_codes,
        failover_time_seconds,
        description,
        credentials,
    } = patch;
    if let Some(v) = sip_signaling_port {
        gateway.sip_signaling_port = v;
    }
    if let Some(v) = transport {
        gateway.transport = v;
    }
    if let Some(v) = enabled {
        gateway.enabled = v;
    }
    if let Some(v) = max_concurrent_sessions {
        gateway.max_concurrent_sessions = v;
    }
    if let Some(v) = send_sip_options {
        gateway.send_sip_options = v;
    }
    if let Some(v) = forward_pai {
        gateway.forward_pai = v;
    }
    if let Some(v) = failover_response_codes {
        gateway.failover_response_codes = v;
    }
    if let Some(v) = failover_time_seconds {
        gateway.failover_time_seconds = v;
    }
    if let Some(v) = description {
        gateway.description = v;
    }
    if let Some(v) = credentials {
        gateway.credentials = v;
    }
}

/// The value rules of a whole gateway record.
fn check_gateway(g: &PstnGateway) -> Result<(), DirectoryError> {
    if g.sip_signaling_port == 0 {
        return Err(invalid("sipSignalingPort must be 1 to 65535"));
    }
    if let Some(max) = g.max_concurrent_sessions {
        if !(1..=MAX_CONCURRENT_SESSIONS).contains(&max) {
            return Err(invalid(format!(
                "maxConcurrentSessions must be 1 to {MAX_CONCURRENT_SESSIONS}"
            )));
        }
    }
    if !(1..=MAX_FAILOVER_SECONDS).contains(&g.failover_time_seconds) {
        return Err(invalid(format!(
            "failoverTimeSeconds must be 1 to {MAX_FAILOVER_SECONDS}"
        )));
    }
    validate::failover_codes(&crate::voice::join_codes(&g.failover_response_codes))?;
    validate::description("the gateway's description", &g.description)?;
    if let Some(c) = &g.credentials {
        validate::digest_username(&c.username)?;
        validate::digest_password(&c.password)?;
    }
    Ok(())
}

/// `'a', 'b'` for messages.
pub(super) fn quoted(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("'{n}'"))
        .collect::<Vec<_>>()
        .join(", ")
}
