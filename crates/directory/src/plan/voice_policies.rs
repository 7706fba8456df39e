//! Planning voice routing policies (`New-`, `Set-`, `Remove-CsOnlineVoiceRoutingPolicy`) and
//! their grants (`Grant-CsOnlineVoiceRoutingPolicy`): usages from the tenant's list; the implicit
//! Global policy can be set but not created or removed; a granted policy is not removed.

use ringside_model::{Guid, TenantId};

use super::gateways::quoted;
use super::shared::misrouted;
use crate::command::{Change, Command};
use crate::directory::Directory;
use crate::error::{conflict, invalid, not_found, DirectoryError};
use crate::validate;
use crate::voice::{PolicyGrant, VoiceRoutingPolicy, GLOBAL_POLICY};
use crate::voice_queries::policy_name;

impl Directory {
    /// `NewVoiceRoutingPolicy`, `SetVoiceRoutingPolicy`, `RemoveVoiceRoutingPolicy` or
    /// `GrantVoiceRoutingPolicy`.
    pub(super) fn plan_voice_policy(
        &self,
        command: &Command,
    ) -> Result<Vec<Change>, DirectoryError> {
        match command {
            Command::NewVoiceRoutingPolicy {
                tenant,
                identity,
                usages,
                description,
            } => {
                self.require_tenant(*tenant)?;
                let name = policy_name(identity);
                validate::voice_name("the voice routing policy's identity", name)?;
                if let Some(existing) = self.voice_routing_policy(*tenant, name) {
                    return Err(conflict(format!(
                        "a voice routing policy '{}' already exists",
                        existing.identity
                    )));
                }
                validate::description("the policy's description", description)?;
                Ok(vec![Change::PutVoiceRoutingPolicy(VoiceRoutingPolicy {
                    tenant: *tenant,
                    identity: name.to_string(),
                    usages: self.listed_usages(*tenant, usages)?,
                    description: description.clone(),
                })])
            }
            Command::SetVoiceRoutingPolicy {
                tenant,
                identity,
                usages,
                description,
            } => {
                let mut policy = self.require_policy(*tenant, identity)?;
                if let Some(usages) = usages {
                    policy.usages = self.listed_usages(*tenant, usages)?;
                }
                if let Some(description) = description {
                    validate::description("the policy's description", description)?;
                    policy.description = description.clone();
                }
                Ok(vec![Change::PutVoiceRoutingPolicy(policy)])
            }
            Command::RemoveVoiceRoutingPolicy { tenant, identity } => {
                self.remove_policy(*tenant, identity)
            }
            Command::GrantVoiceRoutingPolicy {
                tenant,
                account,
                policy,
            } => self.grant_policy(*tenant, *account, policy.as_deref()),
            other => Err(misrouted(other)),
        }
    }

    /// The tenant's policy `identity` (Global always exists).
    fn require_policy(
        &self,
        tenant: TenantId,
        identity: &str,
    ) -> Result<VoiceRoutingPolicy, DirectoryError> {
        self.require_tenant(tenant)?;
        self.voice_routing_policy(tenant, identity).ok_or_else(|| {
            not_found(format!(
                "no voice routing policy '{}' in tenant {tenant}",
                validate::clip(identity)
            ))
        })
    }

    fn remove_policy(
        &self,
        tenant: TenantId,
        identity: &str,
    ) -> Result<Vec<Change>, DirectoryError> {
        let policy = self.require_policy(tenant, identity)?;
        if policy.is_global() {
            return Err(invalid(
                "the Global voice routing policy cannot be removed; set its usages instead",
            ));
        }
        let grantees: Vec<String> = self
            .policy_grantees(tenant, &policy.identity)
            .into_iter()
            .map(|id| {
                self.account(tenant, id)
                    .map(|a| a.upn().to_string())
                    .unwrap_or_else(|| id.to_string())
            })
            .collect();
        if !grantees.is_empty() {
            let names: Vec<&str> = grantees.iter().map(String::as_str).collect();
            return Err(conflict(format!(
                "the voice routing policy '{}' is granted to {}; grant them another policy first",
                policy.identity,
                quoted(&names)
            )));
        }
        Ok(vec![Change::DeleteVoiceRoutingPolicy {
            tenant,
            identity: policy.identity,
        }])
    }

    /// `None` or `Global` returns the account to Global (a no-op when it already follows it).
    fn grant_policy(
        &self,
        tenant: TenantId,
        account: Guid,
        policy: Option<&str>,
    ) -> Result<Vec<Change>, DirectoryError> {
        let account = self.require_account(tenant, account)?.id();
        let wanted = policy
            .map(policy_name)
            .filter(|name| !name.eq_ignore_ascii_case(GLOBAL_POLICY));
        let current = self.granted_voice_routing_policy(tenant, account);
        match wanted {
            None if current.is_none() => Ok(Vec::new()),
            None => Ok(vec![Change::DeletePolicyGrant { tenant, account }]),
            Some(name) => {
                let policy = self.require_policy(tenant, name)?;
                if current == Some(policy.identity.as_str()) {
                    return Ok(Vec::new());
                }
                Ok(vec![Change::PutPolicyGrant(PolicyGrant {
                    tenant,
                    account,
                    policy: policy.identity,
                })])
            }
        }
    }
}
