//! What several planners share: the account checks (a new account's object id and UPN are free;
//! an existing user or application instance) and the error for a command routed to the wrong
//! planner.

use ringside_model::{Guid, TenantId};

use crate::command::Command;
use crate::directory::Directory;
use crate::error::{conflict, invalid, not_found, DirectoryError};
use crate::records::Account;

impl Directory {
    /// Object ids are unique across users and instances of every tenant; UPNs per tenant.
    pub(super) fn check_new_account(
        &self,
        tenant: TenantId,
        id: Guid,
        upn: &str,
    ) -> Result<(), DirectoryError> {
        if self.object_id_in_use(id) {
            return Err(conflict(format!(
                "object id {id} is already used by another account"
            )));
        }
        if let Some(existing) = self.account_by_upn(tenant, upn) {
            return Err(conflict(format!(
                "user principal name '{upn}' is already used by {}",
                existing.describe()
            )));
        }
        Ok(())
    }

    /// The user or application instance `id` of an existing tenant.
    pub(super) fn require_account(
        &self,
        tenant: TenantId,
        id: Guid,
    ) -> Result<Account<'_>, DirectoryError> {
        self.require_tenant(tenant)?;
        self.account(tenant, id).ok_or_else(|| {
            not_found(format!(
                "no user or application instance {id} in tenant {tenant}"
            ))
        })
    }
}

/// What a resource's planner returns for a command that is not its own. [`Directory::plan`] routes
/// every command to the planner of its resource, so this never happens; it is an error, not a panic.
pub(super) fn misrouted(command: &Command) -> DirectoryError {
    invalid(format!(
        "{} was routed to the wrong planner",
        command.name()
    ))
}
