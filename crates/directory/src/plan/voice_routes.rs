//! Planning the tenant's PSTN usage list (`Set-CsOnlinePstnUsage`) and voice routes (`New-`,
//! `Set-`, `Remove-CsOnlineVoiceRoute`): usages are unique names, removed only when no route or
//! policy carries them; a route's pattern is a valid regex, its gateways exist in the tenant, its
//! usages are in the list.

use ringside_model::TenantId;

use super::gateways::quoted;
use super::shared::misrouted;
use crate::command::{Change, Command};
use crate::directory::Directory;
use crate::error::{conflict, invalid, not_found, DirectoryError};
use crate::validate;
use crate::voice::{compile_number_pattern, VoiceRoute, VoiceRoutePatch};

/// The pattern a route gets when none is given: every number.
pub const DEFAULT_NUMBER_PATTERN: &str = ".*";

impl Directory {
    /// `SetPstnUsages`, `NewVoiceRoute`, `SetVoiceRoute` or `RemoveVoiceRoute`.
    pub(super) fn plan_voice_route(
        &self,
        command: &Command,
    ) -> Result<Vec<Change>, DirectoryError> {
        match command {
            Command::SetPstnUsages {
                tenant,
                add,
                remove,
            } => self.set_usages(*tenant, add, remove),
            Command::NewVoiceRoute {
                tenant,
                identity,
                number_pattern,
                gateways,
                priority,
                usages,
                description,
            } => {
                self.require_tenant(*tenant)?;
                validate::voice_name("the voice route's identity", identity)?;
                if let Some(existing) = self.voice_route(*tenant, identity) {
                    return Err(conflict(format!(
                        "a voice route '{}' already exists",
                        existing.identity
                    )));
                }
                let next = self
                    .voice_routes(*tenant)
                    .iter()
                    .map(|r| r.priority.saturating_add(1))
                    .max()
                    .unwrap_or(0);
                let route = VoiceRoute {
                    tenant: *tenant,
                    identity: identity.clone(),
                    number_pattern: number_pattern
                        .clone()
                        .unwrap_or_else(|| DEFAULT_NUMBER_PATTERN.to_string()),
                    gateways: gateways.clone(),
                    priority: priority.unwrap_or(next),
                    usages: usages.clone(),
                    description: description.clone(),
                };
                Ok(vec![Change::PutVoiceRoute(self.checked_route(route)?)])
            }
            Command::SetVoiceRoute {
                tenant,
                identity,
                patch,
            } => {
                let mut route = self.require_route(*tenant, identity)?.clone();
                patch_route(&mut route, patch.clone());
                Ok(vec![Change::PutVoiceRoute(self.checked_route(route)?)])
            }
            Command::RemoveVoiceRoute { tenant, identity } => {
                let route = self.require_route(*tenant, identity)?;
                Ok(vec![Change::DeleteVoiceRoute {
                    tenant: *tenant,
                    identity: route.identity.clone(),
                }])
            }
            other => Err(misrouted(other)),
        }
    }

    /// Adds (keeping names already listed), then removes (refusing a name in use or not listed).
    fn set_usages(
        &self,
        tenant: TenantId,
        add: &[String],
        remove: &[String],
    ) -> Result<Vec<Change>, DirectoryError> {
        self.require_tenant(tenant)?;
        let mut usages = self.pstn_usages(tenant).to_vec();
        for name in add {
            validate::voice_name("a PSTN usage", name)?;
            if !usages.iter().any(|u| u.eq_ignore_ascii_case(name)) {
                usages.push(name.clone());
            }
        }
        for name in remove {
            let Some(index) = usages.iter().position(|u| u.eq_ignore_ascii_case(name)) else {
                return Err(not_found(format!(
                    "the PSTN usage '{}' is not in the list of tenant {tenant}",
                    validate::clip(name)
                )));
            };
            self.check_usage_unused(tenant, &usages[index])?;
            usages.remove(index);
        }
        if usages == self.pstn_usages(tenant) {
            return Ok(Vec::new());
        }
        Ok(vec![Change::PutPstnUsages { tenant, usages }])
    }

    /// A usage still carried by a route or a policy cannot be removed; the message names them.
    fn check_usage_unused(&self, tenant: TenantId, usage: &str) -> Result<(), DirectoryError> {
        let routes = self.voice_routes(tenant);
        let routes: Vec<&str> = routes
            .iter()
            .filter(|r| r.usages.iter().any(|u| u == usage))
            .map(|r| r.identity.as_str())
            .collect();
        let policies = self.voice_routing_policies(tenant);
        let policies: Vec<&str> = policies
            .iter()
            .filter(|p| p.usages.iter().any(|u| u == usage))
            .map(|p| p.identity.as_str())
            .collect();
        let mut users = Vec::new();
        if !routes.is_empty() {
            users.push(format!("the voice route(s) {}", quoted(&routes)));
        }
        if !policies.is_empty() {
            users.push(format!(
                "the voice routing policy(ies) {}",
                quoted(&policies)
            ));
        }
        if users.is_empty() {
            return Ok(());
        }
        Err(conflict(format!(
            "the PSTN usage '{usage}' is in use by {}; remove it from them first",
            users.join(" and ")
        )))
    }

    /// The tenant's route `identity` (case-insensitive).
    fn require_route(
        &self,
        tenant: TenantId,
        identity: &str,
    ) -> Result<&VoiceRoute, DirectoryError> {
        self.require_tenant(tenant)?;
        self.voice_route(tenant, identity).ok_or_else(|| {
            not_found(format!(
                "no voice route '{}' in tenant {tenant}",
                validate::clip(identity)
            ))
        })
    }

    /// The route with its pattern, gateways and usages checked and put in canonical form
    /// (gateway identities canonical, usages spelled as listed, both without repeats).
    fn checked_route(&self, mut route: VoiceRoute) -> Result<VoiceRoute, DirectoryError> {
        compile_number_pattern(&route.number_pattern).map_err(|why| {
            invalid(format!(
                "the number pattern '{}' is not a valid regular expression: {why}",
                validate::clip(&route.number_pattern)
            ))
        })?;
        validate::description("the voice route's description", &route.description)?;
        let mut gateways: Vec<String> = Vec::new();
        for name in &route.gateways {
            let gateway = self.require_gateway(route.tenant, name)?;
            if !gateways.contains(&gateway.fqdn) {
                gateways.push(gateway.fqdn.clone());
            }
        }
        route.gateways = gateways;
        route.usages = self.listed_usages(route.tenant, &route.usages)?;
        Ok(route)
    }

    /// `names` as the tenant's list spells them, without repeats; an unlisted name is a 400.
    pub(super) fn listed_usages(
        &self,
        tenant: TenantId,
        names: &[String],
    ) -> Result<Vec<String>, DirectoryError> {
        let list = self.pstn_usages(tenant);
        let mut out: Vec<String> = Vec::new();
        for name in names {
            let listed = list
                .iter()
                .find(|u| u.eq_ignore_ascii_case(name))
                .ok_or_else(|| {
                    invalid(format!(
                        "the PSTN usage '{}' is not in the tenant's list; add it with Set-CsOnlinePstnUsage first",
                        validate::clip(name)
                    ))
                })?;
            if !out.contains(listed) {
                out.push(listed.clone());
            }
        }
        Ok(out)
    }
}

/// Replaces the fields the patch gives.
fn patch_route(route: &mut VoiceRoute, patch: VoiceRoutePatch) {
    let VoiceRoutePatch {
        number_pattern,
        gateways,
        priority,
        usages,
        description,
    } = patch;
    if let Some(v) = number_pattern {
        route.number_pattern = v;
    }
    if let Some(v) = gateways {
        route.gateways = v;
    }
    if let Some(v) = priority {
        route.priority = v;
    }
    if let Some(v) = usages {
        route.usages = v;
    }
    if let Some(v) = description {
        route.description = v;
    }
}
