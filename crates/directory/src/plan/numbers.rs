//! Planning the phone number inventory and its assignments: `AcquireNumber`, `ReleaseNumber`,
//! `AssignNumber`, `UnassignNumber` and `SetInstanceTelephoneNumber`. One number has at most one
//! owner, an account at most one number, and the owner needs its kind's Teams Phone licence. A
//! Direct Routing number needs no acquiring: assigning it adds it to the inventory.

use ringside_model::{Guid, InstanceId, NumberType, TenantId, E164};

use super::shared::misrouted;
use crate::command::{Change, Command};
use crate::directory::Directory;
use crate::error::{conflict, invalid, not_found, precondition, DirectoryError};
use crate::records::{Account, ApplicationInstance, PhoneNumber};

impl Directory {
    /// `AcquireNumber` (at `now`), `ReleaseNumber`, `AssignNumber`, `UnassignNumber` or
    /// `SetInstanceTelephoneNumber`.
    pub(super) fn plan_number(
        &self,
        now: i64,
        command: &Command,
    ) -> Result<Vec<Change>, DirectoryError> {
        match command {
            Command::AcquireNumber {
                tenant,
                number,
                number_type,
            } => self.acquire_number(PhoneNumber {
                tenant: *tenant,
                number: number.clone(),
                number_type: *number_type,
                assigned_to: None,
                acquired_at: now,
            }),
            Command::ReleaseNumber { tenant, number } => self.release_number(*tenant, number),
            Command::AssignNumber {
                tenant,
                number,
                account,
                number_type,
            } => self.assign_number(now, *tenant, number, *account, *number_type),
            Command::UnassignNumber { tenant, number } => {
                let record = self.require_number(*tenant, number)?;
                if record.assigned_to.is_none() {
                    return Err(not_found(format!("{number} is not assigned to anyone")));
                }
                Ok(vec![unassigned(record)])
            }
            Command::SetInstanceTelephoneNumber { tenant, id, number } => {
                self.set_instance_number(*tenant, *id, number.as_ref())
            }
            other => Err(misrouted(other)),
        }
    }

    /// `record` as requested: a number no tenant holds yet.
    fn acquire_number(&self, record: PhoneNumber) -> Result<Vec<Change>, DirectoryError> {
        let (tenant, number) = (record.tenant, &record.number);
        self.require_tenant(tenant)?;
        if let Some(existing) = self.number(number) {
            return Err(conflict(if existing.tenant == tenant {
                format!("{number} is already in the inventory of tenant {tenant}")
            } else {
                format!(
                    "{number} is already held by another tenant ({})",
                    existing.tenant
                )
            }));
        }
        Ok(vec![Change::PutNumber(record)])
    }

    /// Only an unassigned number leaves the inventory.
    fn release_number(
        &self,
        tenant: TenantId,
        number: &E164,
    ) -> Result<Vec<Change>, DirectoryError> {
        let record = self.require_number(tenant, number)?;
        if let Some(owner) = record.assigned_to {
            let who = self.describe_owner(tenant, owner);
            return Err(precondition(format!(
                "{number} is assigned to {who}; unassign the number first"
            )));
        }
        Ok(vec![Change::DeleteNumber {
            number: number.clone(),
        }])
    }

    /// `Set-CsPhoneNumberAssignment`: a no-op when the account already holds the number. A
    /// Direct Routing number is the customer's own: one no tenant holds yet joins this tenant's
    /// inventory (acquired at `now`) as it is assigned.
    fn assign_number(
        &self,
        now: i64,
        tenant: TenantId,
        number: &E164,
        account: Guid,
        number_type: NumberType,
    ) -> Result<Vec<Change>, DirectoryError> {
        let own_number;
        let record = match self.number(number) {
            None if number_type == NumberType::DirectRouting => {
                self.require_tenant(tenant)?;
                own_number = PhoneNumber {
                    tenant,
                    number: number.clone(),
                    number_type,
                    assigned_to: None,
                    acquired_at: now,
                };
                &own_number
            }
            Some(held) if number_type == NumberType::DirectRouting && held.tenant != tenant => {
                return Err(conflict(format!(
                    "{number} is already held by another tenant ({})",
                    held.tenant
                )));
            }
            _ => self.require_number(tenant, number)?,
        };
        if record.number_type != number_type {
            return Err(invalid(format!(
                "{number} is a {} number, not {number_type}",
                record.number_type
            )));
        }
        let account = self.require_account(tenant, account)?;
        if record.assigned_to == Some(account.id()) {
            return Ok(Vec::new());
        }
        self.check_number_free_for(record, account)?;
        if let Some(current) = self.number_of(account.id()) {
            return Err(conflict(format!(
                "{} already has the number {}; remove that assignment first",
                account.describe(),
                current.number
            )));
        }
        check_number_licence(account, number)?;
        Ok(vec![Change::PutNumber(PhoneNumber {
            assigned_to: Some(account.id()),
            ..record.clone()
        })])
    }

    /// `Some` assigns, replacing the instance's current number; `None` unassigns.
    fn set_instance_number(
        &self,
        tenant: TenantId,
        id: InstanceId,
        number: Option<&E164>,
    ) -> Result<Vec<Change>, DirectoryError> {
        let instance = self.require_instance(tenant, id)?;
        let current = self.number_of(id.guid());
        match number {
            None => Ok(current.map(unassigned).into_iter().collect()),
            Some(number) => self.replace_instance_number(instance, current, number),
        }
    }

    /// Gives `instance` (whose number is `current`) the number, freeing `current`.
    fn replace_instance_number(
        &self,
        instance: &ApplicationInstance,
        current: Option<&PhoneNumber>,
        number: &E164,
    ) -> Result<Vec<Change>, DirectoryError> {
        let record = self.require_number(instance.tenant, number)?;
        if current.is_some_and(|c| &c.number == number) {
            return Ok(Vec::new());
        }
        let account = Account::Instance(instance);
        self.check_number_free_for(record, account)?;
        check_number_licence(account, number)?;
        let mut changes: Vec<Change> = current.map(unassigned).into_iter().collect();
        changes.push(Change::PutNumber(PhoneNumber {
            assigned_to: Some(instance.id.guid()),
            ..record.clone()
        }));
        Ok(changes)
    }

    /// The number, which must be in this tenant's inventory.
    fn require_number(
        &self,
        tenant: TenantId,
        number: &E164,
    ) -> Result<&PhoneNumber, DirectoryError> {
        self.require_tenant(tenant)?;
        match self.number(number) {
            Some(record) if record.tenant == tenant => Ok(record),
            _ => Err(not_found(format!(
                "{number} is not in the phone number inventory of tenant {tenant}; acquire it first"
            ))),
        }
    }

    /// One number has one owner: refuse a number that another account holds, naming that account.
    fn check_number_free_for(
        &self,
        record: &PhoneNumber,
        account: Account<'_>,
    ) -> Result<(), DirectoryError> {
        match record.assigned_to {
            Some(owner) if owner != account.id() => {
                let who = self.describe_owner(record.tenant, owner);
                Err(conflict(format!(
                    "{} is already assigned to {who}",
                    record.number
                )))
            }
            _ => Ok(()),
        }
    }

    /// The owner account for messages, or its bare id if it is gone.
    fn describe_owner(&self, tenant: TenantId, owner: Guid) -> String {
        self.account(tenant, owner)
            .map(Account::describe)
            .unwrap_or_else(|| owner.to_string())
    }
}

/// The number with its assignment removed (it stays in the tenant's inventory).
pub(super) fn unassigned(number: &PhoneNumber) -> Change {
    Change::PutNumber(PhoneNumber {
        assigned_to: None,
        ..number.clone()
    })
}

/// An account needs its kind's telephony licence before it can hold a number.
fn check_number_licence(account: Account<'_>, number: &E164) -> Result<(), DirectoryError> {
    let needed = account.number_licence();
    if account.licences().contains(&needed) {
        return Ok(());
    }
    Err(precondition(format!(
        "{} needs the {needed} licence ({}) before {number} can be assigned",
        account.describe(),
        needed.display_name()
    )))
}
