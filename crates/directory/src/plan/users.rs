//! Planning users: `CreateUser` and `DeleteUser` (which frees the user's number, keeping it in the
//! tenant's inventory, and drops its voice routing policy grant and SIP credential).

use std::collections::BTreeSet;

use ringside_model::{TenantId, UserId};

use super::numbers::unassigned;
use super::shared::misrouted;
use crate::command::{Change, Command};
use crate::directory::Directory;
use crate::error::{not_found, DirectoryError};
use crate::records::User;
use crate::validate;

impl Directory {
    /// `CreateUser` or `DeleteUser`.
    pub(super) fn plan_user(&self, command: &Command) -> Result<Vec<Change>, DirectoryError> {
        match command {
            Command::CreateUser {
                tenant,
                id,
                upn,
                display_name,
            } => self.create_user(User {
                tenant: *tenant,
                id: *id,
                upn: upn.clone(),
                display_name: display_name.clone(),
                licences: BTreeSet::new(),
            }),
            Command::DeleteUser { tenant, id } => self.delete_user(*tenant, *id),
            other => Err(misrouted(other)),
        }
    }

    fn create_user(&self, user: User) -> Result<Vec<Change>, DirectoryError> {
        self.require_tenant(user.tenant)?;
        validate::upn(&user.upn)?;
        validate::display_name("display name", &user.display_name)?;
        self.check_new_account(user.tenant, user.id.guid(), &user.upn)?;
        Ok(vec![Change::PutUser(user)])
    }

    fn delete_user(&self, tenant: TenantId, id: UserId) -> Result<Vec<Change>, DirectoryError> {
        self.require_tenant(tenant)?;
        let user = self
            .user(tenant, id)
            .ok_or_else(|| not_found(format!("user {id} does not exist in tenant {tenant}")))?;
        let mut changes: Vec<Change> = self
            .number_of(user.id.guid())
            .map(unassigned)
            .into_iter()
            .collect();
        if self
            .granted_voice_routing_policy(tenant, id.guid())
            .is_some()
        {
            changes.push(Change::DeletePolicyGrant {
                tenant,
                account: id.guid(),
            });
        }
        if let Some(username) = self.sip_username_of(tenant, id) {
            changes.push(Change::DeleteSipCredential {
                username: username.to_string(),
            });
        }
        changes.push(Change::DeleteUser { tenant, id });
        Ok(changes)
    }
}
