//! Planning users' SIP credentials (a Ringside extension): one per user, the username unique
//! across the platform (default: the UPN's local part), the password given by the caller (who
//! generates one when the admin gave none).

use ringside_model::{TenantId, UserId};

use super::shared::misrouted;
use crate::command::{Change, Command};
use crate::directory::Directory;
use crate::error::{conflict, not_found, DirectoryError};
use crate::validate;
use crate::voice::SipCredential;

impl Directory {
    /// `SetSipCredential` or `RemoveSipCredential`.
    pub(super) fn plan_sip_credential(
        &self,
        command: &Command,
    ) -> Result<Vec<Change>, DirectoryError> {
        match command {
            Command::SetSipCredential {
                tenant,
                user,
                username,
                password,
            } => self.set_sip_credential(*tenant, *user, username.as_deref(), password),
            Command::RemoveSipCredential { tenant, user } => {
                self.require_user(*tenant, *user)?;
                let current = self
                    .sip_username_of(*tenant, *user)
                    .ok_or_else(|| not_found(format!("user {user} has no SIP credential")))?;
                Ok(vec![Change::DeleteSipCredential {
                    username: current.to_string(),
                }])
            }
            other => Err(misrouted(other)),
        }
    }

    fn set_sip_credential(
        &self,
        tenant: TenantId,
        user: UserId,
        username: Option<&str>,
        password: &str,
    ) -> Result<Vec<Change>, DirectoryError> {
        let record = self.require_user(tenant, user)?;
        let current = self.sip_username_of(tenant, user);
        let username = match (username, current) {
            (Some(given), _) => given.to_string(),
            (None, Some(current)) => current.to_string(),
            (None, None) => record.upn.split('@').next().unwrap_or_default().to_string(),
        };
        validate::sip_username(&username)?;
        validate::sip_password("the SIP password", password, validate::MIN_SIP_PASSWORD)?;
        if let Some((other_tenant, other_user, _)) = self.sip_credential(&username) {
            if (other_tenant, other_user) != (tenant, user) {
                return Err(conflict(format!(
                    "the SIP username '{username}' is already used by another user"
                )));
            }
        }
        Ok(vec![Change::PutSipCredential(SipCredential {
            tenant,
            user,
            username,
            password: password.to_string(),
        })])
    }

    /// The user `id` of an existing tenant.
    fn require_user(&self, tenant: TenantId, id: UserId) -> Result<&crate::User, DirectoryError> {
        self.require_tenant(tenant)?;
        self.user(tenant, id)
            .ok_or_else(|| not_found(format!("user {id} does not exist in tenant {tenant}")))
    }
}
